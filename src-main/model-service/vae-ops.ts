/**
 * VAE views of a run's fitted model, in the model worker: the latent map, interpolation, the decoded manifold and one
 * row's posterior. Only the dataset rows a view needs are read and prepared with the training transform (a seeded
 * sample for the map, one or two rows otherwise), so a 60,000 × 784 dataset is never held whole.
 */
import { AppError } from '../../src-shared/ipc/app-error';
import type { HandlerArgs, InvokeResult } from '../../src-shared/ipc/contract';
import type { VaeInterpolation, VaeLatentMap, VaePosterior } from '../../src-shared/domain/vae';
import { DatasetFile } from '../data-import';
import { key, permutation } from '../engine/rng';
import {
  interpolate,
  latentMap,
  manifoldGrid,
  normaliseGridDensity,
  posteriorDensity,
  prepareWithSnapshot,
  toOriginalUnits,
  columnsOf,
  type PreparedVaeData,
  type VaeSnapshot,
} from '../engine/models/vae';
import type { VaeRun } from './loaded';

/** Labels of the prepared columns (one-hot groups of mixed data become `name=level`). */
function preparedLabels(snapshot: VaeSnapshot, features: string[]): string[] {
  const c = snapshot.config;
  if (snapshot.transform.kind !== 'mixed')
    return features.length === c.d ? features : Array.from({ length: c.d }, (_, i) => `x${i + 1}`);
  const out = new Array<string>(c.d).fill('');
  for (const col of c.columns) {
    for (let k = 0; k < col.size; k++)
      out[col.start + k] = col.kind === 'categorical' ? `${col.name}=${col.levels?.[k] ?? k}` : col.name;
  }
  return out;
}

/** Decoded points and the two rows in the dataset's own units, one value per raw column (tables only). */
function originalUnits(L: VaeRun, data: PreparedVaeData, decoded: number[][]): VaeInterpolation['original'] {
  const cols = columnsOf(data);
  const flat = (rows: number[][]): Float64Array => {
    const out = new Float64Array(rows.length * data.d);
    rows.forEach((r, i) => out.set(r, i * data.d));
    return out;
  };
  const ends = toOriginalUnits(data, data.x, 2);
  return {
    features: cols.length === L.features.length ? L.features : cols.map((c) => c.name),
    levels: cols.map((c) => (c.kind === 'categorical' ? (c.levels ?? null) : null)),
    decoded: toOriginalUnits(data, flat(decoded), decoded.length),
    endpoints: [ends[0]!, ends[1]!],
  };
}

/** The given dataset rows, prepared with the run's training transform. */
function prepared(L: VaeRun, rows: readonly number[]): PreparedVaeData {
  const ds = DatasetFile.open(L.datasetDir);
  try {
    return prepareWithSnapshot(
      { x: ds.matrix(L.features, { standardize: false, rows }), n: rows.length, d: L.features.length },
      L.snapshot,
    );
  } catch (e) {
    throw new AppError(
      'BAD_REQUEST',
      `The dataset of run ${L.runId} no longer fits its model: ${(e as Error).message}`,
      'Train the model again on this dataset.',
    );
  }
}

function checkRow(row: number, n: number, what = 'Row'): void {
  if (row >= n)
    throw new AppError(
      'BAD_REQUEST',
      `${what} ${row} is outside the dataset (0 … ${n - 1})`,
      'Pick a row from the latent map or type a smaller index.',
    );
}

/** Engine errors (RangeError, unsupported latent) become BAD_REQUEST with the engine's message. */
async function engine<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('BAD_REQUEST', (e as Error).message, 'Choose other settings for this view.');
  }
}

export const vaeOps = {
  async 'vae:latent-map'(L: VaeRun, a: HandlerArgs<'vae:latent-map'> & { seed: number }): Promise<VaeLatentMap> {
    const ds = DatasetFile.open(L.datasetDir);
    let colour: { values: Array<number | string>; kind: 'numeric' | 'categorical' } | null = null;
    if (a.colorBy) {
      const col = ds.schema.find((c) => c.name === a.colorBy);
      if (!col)
        throw new AppError(
          'BAD_REQUEST',
          `Column "${a.colorBy}" is not in this dataset`,
          `Columns: ${ds.schema.map((c) => c.name).join(', ')}`,
        );
      if (col.type === 'numeric') colour = { values: Array.from(ds.column(a.colorBy)), kind: 'numeric' };
      else colour = { values: ds.strings(a.colorBy), kind: 'categorical' };
    }
    // The same seeded sample latentMap would take, drawn here so only those rows are read and prepared.
    const sample =
      L.n > a.maxRows
        ? Array.from(permutation(key(a.seed), L.n).subarray(0, a.maxRows)).sort((x, y) => x - y)
        : Array.from({ length: L.n }, (_, i) => i);
    const local = await engine(() =>
      latentMap(L.model, prepared(L, sample), { maxRows: 0, seed: a.seed, layer: (a.layer ?? 1) - 1 }),
    );
    const m = { ...local, rows: local.rows.map((i) => sample[i]!) };
    const axes: [string, string] =
      m.method === 'pca'
        ? [
            `PC1 (${((m.explained?.[0] ?? 0) * 100).toFixed(1)} %)`,
            `PC2 (${((m.explained?.[1] ?? 0) * 100).toFixed(1)} %)`,
          ]
        : m.method === 'latent'
          ? ['z₁', 'z₂']
          : ['z₁', ''];
    return {
      runId: a.runId,
      rows: m.rows,
      points: m.points,
      method: m.method,
      axes,
      explained: m.explained,
      dim: m.dim,
      totalRows: L.n,
      colorBy: a.colorBy ?? null,
      colors: colour ? m.rows.map((r) => colour.values[r]!) : null,
      colorKind: colour?.kind ?? null,
    };
  },

  async 'vae:interpolate'(L: VaeRun, a: HandlerArgs<'vae:interpolate'>): Promise<VaeInterpolation> {
    checkRow(a.rowA, L.n, 'Row A');
    checkRow(a.rowB, L.n, 'Row B');
    const data = prepared(L, [a.rowA, a.rowB]);
    const r = await engine(() =>
      interpolate(L.model, data, 0, 1, { steps: a.steps, method: a.method, layer: (a.layer ?? 1) - 1 }),
    );
    const d = data.d;
    const row = (i: number) => Array.from(data.x.subarray(i * d, (i + 1) * d));
    return {
      runId: a.runId,
      rows: [a.rowA, a.rowB],
      method: r.method,
      t: r.t,
      z: r.z,
      decoded: r.decoded,
      endpoints: [row(0), row(1)],
      features: preparedLabels(L.snapshot, L.features),
      image: r.image,
      original: r.image ? null : originalUnits(L, data, r.decoded),
    };
  },

  async 'vae:manifold'(L: VaeRun, a: HandlerArgs<'vae:manifold'>): Promise<InvokeResult<'vae:manifold'>> {
    const g = await engine(() => manifoldGrid(L.model, { size: a.size, image: L.snapshot.image }));
    return {
      runId: a.runId,
      xs: g.xs,
      ys: g.ys,
      decoded: g.decoded,
      features: preparedLabels(L.snapshot, L.features),
      image: g.image,
    };
  },

  async 'vae:posterior'(
    L: VaeRun,
    a: HandlerArgs<'vae:posterior'> & { seed: number; family: string },
  ): Promise<VaePosterior> {
    checkRow(a.row, L.n);
    const p = await engine(() =>
      posteriorDensity(L.model, prepared(L, [a.row]), 0, { grid: a.grid, samples: a.samples, seed: a.seed }),
    );
    const { density, mass } = normaliseGridDensity(p.x, p.y, p.logDensity);
    return {
      runId: a.runId,
      row: a.row,
      x: p.x,
      y: p.y,
      density,
      samples: p.samples,
      mean: p.mean,
      method: p.method,
      mass,
      family: a.family,
    };
  },
};
