/**
 * BNN channels (issue 6): the uses of a fitted Bayesian neural network, all computed from the bundle the worker stored
 * in `<runPath>/bnn-bundle` (the first split's model):
 *
 *   bnn:band     the predictive over one numeric feature with the other inputs at their training means — mean, total
 *                and epistemic sd, 95 % interval — plus the training points and each grid point's distance to the
 *                nearest training value, so the UI can shade where the data are and show uncertainty widening away;
 *   bnn:predict  predictions with sd and intervals for every row of a new CSV (uploaded file or a dataset), with a
 *                clear error naming the missing columns;
 *   bnn:bundle   the bundle's files (JSON as text, weights.bin as base64) for the UI to save one by one.
 *
 * Thin: band and predictions run in the model service's worker (model-service/bnn-ops.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../src-shared/ipc/app-error';
import type { Handlers } from '../../src-shared/ipc/contract';
import type { BnnBundleFile } from '../../src-shared/domain/bnn';
import type { RowSource } from '../model-service/bnn-ops';
import type { ModelRef } from '../model-service/service';
import { slug } from '../model-service/tables';
import type { Services } from './services';

type BnnChannels = 'bnn:band' | 'bnn:predict' | 'bnn:bundle';

export function registerBnn(s: Services): Pick<Handlers, BnnChannels> {
  const runOf = (runId: number) => {
    const run = s.repos.runs.get(runId);
    if (!run) throw new AppError('NOT_FOUND', `No run with id ${runId}`);
    if (run.spec.model !== 'bnn')
      throw new AppError(
        'BAD_REQUEST',
        `Run ${runId} is a ${run.model} run, not a Bayesian neural network`,
        'Open a BNN run.',
      );
    return run;
  };

  const bundleDir = (runId: number): string => {
    const run = runOf(runId);
    const dir = path.join(s.runPath(runId), 'bnn-bundle');
    if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
      throw new AppError(
        'NOT_FOUND',
        `Run ${runId} has no fitted BNN bundle yet (status: ${run.status})`,
        run.status === 'running' || run.status === 'queued'
          ? 'Wait until the run completes.'
          : 'Start a new run; only completed runs store a model.',
      );
    }
    return dir;
  };

  const modelOf = (runId: number): ModelRef => ({
    key: `run:${runId}`,
    source: () => ({ kind: 'bnn-run', runId, dir: bundleDir(runId) }),
  });

  return {
    'bnn:band': async (args) => {
      const run = runOf(args.runId);
      let datasetDir = '';
      try {
        datasetDir = s.datasetPath(run.datasetId);
      } catch {
        /* the dataset may be gone; the band still stands, without training points */
      }
      return s.models.call('bnn:band', { ...args, datasetDir }, modelOf(args.runId));
    },

    'bnn:predict': async ({ runId, source }) => {
      runOf(runId);
      let src: RowSource;
      if ('fileId' in source) {
        const f = s.files.resolve(source.fileId);
        src = { kind: 'file', path: f.path, name: f.name };
      } else {
        const d = s.repos.datasets.get(source.datasetId);
        if (!d) throw new AppError('NOT_FOUND', `No dataset with id ${source.datasetId}`);
        src = { kind: 'dataset', dir: s.datasetPath(d.id), name: d.name, schema: d.schema };
      }
      return s.models.call('bnn:predict', { runId, source: src }, modelOf(runId));
    },

    'bnn:bundle': async ({ runId }) => {
      const run = runOf(runId);
      const dir = bundleDir(runId);
      const files: BnnBundleFile[] = [];
      const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
          const r = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) walk(r);
          else if (e.isFile()) {
            const buf = fs.readFileSync(path.join(dir, r));
            const text = /\.json$/i.test(e.name);
            files.push({
              path: r,
              mime: text ? 'application/json' : 'application/octet-stream',
              encoding: text ? 'utf8' : 'base64',
              content: text ? buf.toString('utf8') : buf.toString('base64'),
              bytes: buf.length,
            });
          }
        }
      };
      walk('');
      files.sort((a, b) =>
        a.path === 'manifest.json' ? -1 : b.path === 'manifest.json' ? 1 : a.path.localeCompare(b.path),
      );
      return { runId, name: `run-${runId}-${slug(run.name)}-bnn-bundle`, files };
    },
  };
}
