/**
 * VAE workbench channels (issue 4): the latent map, latent interpolation, the decoded manifold grid, one row's
 * posterior q(z | x) and one row's values. Thin: the run is checked here; the views run in the model service's worker
 * (model-service/vae-ops.ts), which loads the run's snapshot (`<runPath>/vae-snapshot.json`) once and keeps it in the
 * service's one cache.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../src-shared/ipc/app-error';
import type { Handlers } from '../../src-shared/ipc/contract';
import type { RunSummary } from '../../src-shared/domain/types';
import { DatasetFile } from '../data-import';
import type { ModelRef } from '../model-service/service';
import type { Services } from './services';

type VaeChannels = 'vae:latent-map' | 'vae:interpolate' | 'vae:manifold' | 'vae:posterior' | 'vae:row';

function familyLabel(run: RunSummary): string {
  if (run.spec.model !== 'vae') return run.family;
  const f = run.spec.family;
  return 'length' in f ? `${f.kind}:${f.length}` : f.kind === 'lowrank' ? `lowrank:${f.rank}` : f.kind;
}

export function registerVae(s: Services): Pick<Handlers, VaeChannels> {
  const runOf = (runId: number): RunSummary => {
    const run = s.repos.runs.get(runId);
    if (!run) throw new AppError('NOT_FOUND', `No run with id ${runId}`, 'Open a run from the project page.');
    if (run.spec.model !== 'vae')
      throw new AppError(
        'BAD_REQUEST',
        `Run ${runId} is a ${run.model} run, not a VAE`,
        'The latent views are for VAE runs; open a VAE run.',
      );
    return run;
  };

  /** The run's fitted model, for the model service (read from disk by the worker on a cache miss). */
  const modelOf = (run: RunSummary): ModelRef => ({
    key: `run:${run.id}`,
    source: () => {
      const file = path.join(s.runPath(run.id), 'vae-snapshot.json');
      if (!fs.existsSync(file)) {
        throw new AppError(
          'NOT_FOUND',
          `Run ${run.id} has no fitted model yet (status: ${run.status})`,
          run.status === 'running' || run.status === 'queued'
            ? 'Wait until training finishes.'
            : 'Start a new run; the model is saved when training ends.',
        );
      }
      const features = s.repos.artifacts.payload(run.id, 'vae-snapshot')?.features;
      if (!features || features.length === 0)
        throw new AppError('NOT_FOUND', `Run ${run.id} does not record its feature columns`, 'Train the model again.');
      return { kind: 'vae-run', runId: run.id, snapshotFile: file, features, datasetDir: s.datasetPath(run.datasetId) };
    },
  });

  const view = <C extends Exclude<VaeChannels, 'vae:row'>>(channel: C) =>
    (async (args: { runId: number }) => {
      const run = runOf(args.runId);
      return s.models.call(channel, { ...args, seed: run.seed, family: familyLabel(run) }, modelOf(run));
    }) as Handlers[C];

  return {
    'vae:latent-map': view('vae:latent-map'),
    'vae:interpolate': view('vae:interpolate'),
    'vae:manifold': view('vae:manifold'),
    'vae:posterior': view('vae:posterior'),

    'vae:row': async (args) => {
      let datasetId: number;
      if ('runId' in args) {
        const run = s.repos.runs.get(args.runId);
        if (!run) throw new AppError('NOT_FOUND', `No run with id ${args.runId}`);
        datasetId = run.datasetId;
      } else {
        if (!s.repos.datasets.get(args.datasetId))
          throw new AppError('NOT_FOUND', `No dataset with id ${args.datasetId}`);
        datasetId = args.datasetId;
      }
      const ds = DatasetFile.open(s.datasetPath(datasetId));
      if (args.row >= ds.rows)
        throw new AppError(
          'BAD_REQUEST',
          `Row ${args.row} is outside the dataset (0 … ${ds.rows - 1})`,
          'Pick a row from the latent map or type a smaller index.',
        );
      const { columns, rows } = ds.slice(args.row, 1);
      return { row: args.row, columns, values: rows[0] ?? [] };
    },
  };
}
