/**
 * VAE workbench channels (issue 4): the latent map, latent interpolation, the decoded manifold grid, one row's
 * posterior q(z | x) and one row's values. Thin: the views are engine/models/vae/views.ts; this file loads a run's
 * snapshot (`<runPath>/vae-snapshot.json`), prepares only the dataset rows a view needs (a seeded sample for the
 * map, one or two rows otherwise) with the training transform, and keeps the last few opened models in memory (LRU
 * of 3, disposed on eviction), so a 60,000 × 784 dataset is never held whole.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../src-shared/ipc/app-error';
import type { Handlers } from '../../src-shared/ipc/contract';
import type { RunSummary } from '../../src-shared/domain/types';
import type { VaeInterpolation, VaeLatentMap, VaePosterior } from '../../src-shared/domain/vae';
import { DatasetFile } from '../data-import';
import { initBackend } from '../engine/backend';
import { key, permutation } from '../engine/rng';
import {
  interpolate,
  latentMap,
  manifoldGrid,
  openVae,
  posteriorDensity,
  prepareWithSnapshot,
  type PreparedVaeData,
  type VaeModel,
  type VaeSnapshot,
} from '../engine/models/vae';
import type { Services } from './services';

type VaeChannels = 'vae:latent-map' | 'vae:interpolate' | 'vae:manifold' | 'vae:posterior' | 'vae:row';

interface Loaded {
  run: RunSummary;
  snapshot: VaeSnapshot;
  model: VaeModel;
  features: string[];
  datasetDir: string;
  /** Rows in the dataset. */
  n: number;
}

const CACHE_SIZE = 3;

function familyLabel(run: RunSummary): string {
  if (run.spec.model !== 'vae') return run.family;
  const f = run.spec.family;
  return 'length' in f ? `${f.kind}:${f.length}` : f.kind === 'lowrank' ? `lowrank:${f.rank}` : f.kind;
}

/** Labels of the prepared columns (one-hot groups of mixed data become `name=level`). */
function preparedLabels(snapshot: VaeSnapshot, features: string[]): string[] {
  const c = snapshot.config;
  if (snapshot.transform.kind !== 'mixed') return features.length === c.d ? features : Array.from({ length: c.d }, (_, i) => `x${i + 1}`);
  const out = new Array<string>(c.d).fill('');
  for (const col of c.columns) {
    for (let k = 0; k < col.size; k++) out[col.start + k] = col.kind === 'categorical' ? `${col.name}=${col.levels?.[k] ?? k}` : col.name;
  }
  return out;
}

export function registerVae(s: Services): Pick<Handlers, VaeChannels> {
  const cache = new Map<number, Loaded>();
  let backendReady: Promise<unknown> | null = null;

  const runOf = (runId: number): RunSummary => {
    const run = s.repos.runs.get(runId);
    if (!run) throw new AppError('NOT_FOUND', `No run with id ${runId}`, 'Open a run from the project page.');
    if (run.spec.model !== 'vae') throw new AppError('BAD_REQUEST', `Run ${runId} is a ${run.model} run, not a VAE`, 'The latent views are for VAE runs; open a VAE run.');
    return run;
  };

  const load = async (runId: number): Promise<Loaded> => {
    const run = runOf(runId);
    const hit = cache.get(runId);
    if (hit) {
      cache.delete(runId);
      cache.set(runId, hit);
      return hit;
    }
    const file = path.join(s.runPath(runId), 'vae-snapshot.json');
    if (!fs.existsSync(file)) {
      throw new AppError(
        'NOT_FOUND',
        `Run ${runId} has no fitted model yet (status: ${run.status})`,
        run.status === 'running' || run.status === 'queued' ? 'Wait until training finishes.' : 'Start a new run; the model is saved when training ends.',
      );
    }
    backendReady ??= initBackend();
    await backendReady;
    let snapshot: VaeSnapshot;
    try {
      snapshot = JSON.parse(fs.readFileSync(file, 'utf8')) as VaeSnapshot;
    } catch (e) {
      throw new AppError('INTERNAL', `The stored model of run ${runId} does not load: ${(e as Error).message}`, 'Train the model again.');
    }
    const art = s.repos.artifacts.get(runId, 'vae-snapshot');
    const features = (art?.data as { features?: string[] } | null)?.features;
    if (!features || features.length === 0) throw new AppError('NOT_FOUND', `Run ${runId} does not record its feature columns`, 'Train the model again.');
    const datasetDir = s.datasetPath(run.datasetId);
    const ds = DatasetFile.open(datasetDir);
    const missing = features.filter((f) => !ds.schema.some((c) => c.name === f));
    if (missing.length) throw new AppError('BAD_REQUEST', `The dataset of run ${runId} no longer has the columns ${missing.join(', ')}`, 'Train the model again on this dataset.');
    const model = openVae(snapshot);
    const entry: Loaded = { run, snapshot, model, features, datasetDir, n: ds.rows };
    cache.set(runId, entry);
    while (cache.size > CACHE_SIZE) {
      const oldest = cache.keys().next().value as number;
      cache.get(oldest)?.model.dispose();
      cache.delete(oldest);
    }
    return entry;
  };

  /** The given dataset rows, prepared with the run's training transform. */
  const prepared = (L: Loaded, rows: readonly number[]): PreparedVaeData => {
    const ds = DatasetFile.open(L.datasetDir);
    try {
      return prepareWithSnapshot({ x: ds.matrix(L.features, { standardize: false, rows }), n: rows.length, d: L.features.length }, L.snapshot);
    } catch (e) {
      throw new AppError('BAD_REQUEST', `The dataset of run ${L.run.id} no longer fits its model: ${(e as Error).message}`, 'Train the model again on this dataset.');
    }
  };

  const checkRow = (row: number, n: number, what = 'Row'): void => {
    if (row >= n) throw new AppError('BAD_REQUEST', `${what} ${row} is outside the dataset (0 … ${n - 1})`, 'Pick a row from the latent map or type a smaller index.');
  };

  /** Engine errors (RangeError, unsupported latent) become BAD_REQUEST with the engine's message. */
  const engine = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw new AppError('BAD_REQUEST', (e as Error).message, 'Choose other settings for this view.');
    }
  };

  return {
    'vae:latent-map': async ({ runId, colorBy, maxRows }) => {
      const L = await load(runId);
      const ds = DatasetFile.open(s.datasetPath(L.run.datasetId));
      let colour: { values: Array<number | string>; kind: 'numeric' | 'categorical' } | null = null;
      if (colorBy) {
        const col = ds.schema.find((c) => c.name === colorBy);
        if (!col) throw new AppError('BAD_REQUEST', `Column "${colorBy}" is not in this dataset`, `Columns: ${ds.schema.map((c) => c.name).join(', ')}`);
        if (col.type === 'numeric') colour = { values: Array.from(ds.column(colorBy)), kind: 'numeric' };
        else colour = { values: ds.strings(colorBy), kind: 'categorical' };
      }
      // The same seeded sample latentMap would take, drawn here so only those rows are read and prepared.
      const sample = L.n > maxRows ? Array.from(permutation(key(L.run.seed), L.n).subarray(0, maxRows)).sort((a, b) => a - b) : Array.from({ length: L.n }, (_, i) => i);
      const local = await engine(() => latentMap(L.model, prepared(L, sample), { maxRows: 0, seed: L.run.seed }));
      const m = { ...local, rows: local.rows.map((i) => sample[i]!) };
      const axes: [string, string] =
        m.method === 'pca' ? [`PC1 (${((m.explained?.[0] ?? 0) * 100).toFixed(1)} %)`, `PC2 (${((m.explained?.[1] ?? 0) * 100).toFixed(1)} %)`] : m.method === 'latent' ? ['z₁', 'z₂'] : ['z₁', ''];
      const out: VaeLatentMap = {
        runId,
        rows: m.rows,
        points: m.points,
        method: m.method,
        axes,
        explained: m.explained,
        dim: m.dim,
        totalRows: L.n,
        colorBy: colorBy ?? null,
        colors: colour ? m.rows.map((r) => colour.values[r]!) : null,
        colorKind: colour?.kind ?? null,
      };
      return out;
    },

    'vae:interpolate': async ({ runId, rowA, rowB, steps, method }) => {
      const L = await load(runId);
      checkRow(rowA, L.n, 'Row A');
      checkRow(rowB, L.n, 'Row B');
      const data = prepared(L, [rowA, rowB]);
      const r = await engine(() => interpolate(L.model, data, 0, 1, { steps, method }));
      const d = data.d;
      const row = (i: number) => Array.from(data.x.subarray(i * d, (i + 1) * d));
      const out: VaeInterpolation = { runId, rows: [rowA, rowB], method: r.method, t: r.t, z: r.z, decoded: r.decoded, endpoints: [row(0), row(1)], features: preparedLabels(L.snapshot, L.features), image: r.image };
      return out;
    },

    'vae:manifold': async ({ runId, size }) => {
      const L = await load(runId);
      const g = await engine(() => manifoldGrid(L.model, { size, image: L.snapshot.image }));
      return { runId, xs: g.xs, ys: g.ys, decoded: g.decoded, features: preparedLabels(L.snapshot, L.features), image: g.image };
    },

    'vae:posterior': async ({ runId, row, grid, samples }) => {
      const L = await load(runId);
      checkRow(row, L.n);
      const p = await engine(() => posteriorDensity(L.model, prepared(L, [row]), 0, { grid, samples, seed: L.run.seed }));
      const dx = p.x.length > 1 ? p.x[1]! - p.x[0]! : 1;
      const dy = p.y.length > 1 ? p.y[1]! - p.y[0]! : 1;
      let max = -Infinity;
      for (const r of p.logDensity) for (const v of r) if (Number.isFinite(v) && v > max) max = v;
      let mass = 0;
      let rel = 0;
      for (const r of p.logDensity) {
        for (const v of r) {
          if (!Number.isFinite(v)) continue;
          mass += Math.exp(v) * dx * dy;
          rel += Math.exp(v - max) * dx * dy;
        }
      }
      const density = p.logDensity.map((r) => r.map((v) => (Number.isFinite(v) && rel > 0 ? Math.exp(v - max) / rel : 0)));
      const out: VaePosterior = { runId, row, x: p.x, y: p.y, density, samples: p.samples, mean: p.mean, method: p.method, mass, family: familyLabel(L.run) };
      return out;
    },

    'vae:row': async (args) => {
      let datasetId: number;
      if ('runId' in args) {
        const run = s.repos.runs.get(args.runId);
        if (!run) throw new AppError('NOT_FOUND', `No run with id ${args.runId}`);
        datasetId = run.datasetId;
      } else {
        if (!s.repos.datasets.get(args.datasetId)) throw new AppError('NOT_FOUND', `No dataset with id ${args.datasetId}`);
        datasetId = args.datasetId;
      }
      const ds = DatasetFile.open(s.datasetPath(datasetId));
      checkRow(args.row, ds.rows);
      const { columns, rows } = ds.slice(args.row, 1);
      return { row: args.row, columns, values: rows[0] ?? [] };
    },
  };
}
