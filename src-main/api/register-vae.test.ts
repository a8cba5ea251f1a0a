import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaeInterpolation, VaeLatentMap, VaePosterior, VaeRow } from '../../src-shared/domain/vae';
import { ldaSpecSchema, vaeSpecSchema } from '../../src-shared/schemas/run-spec';
import { DatasetFile } from '../data-import';
import { initBackend } from '../engine/backend';
import { key } from '../engine/rng';
import { openVae, prepareVaeData, prepareWithSnapshot, trainVae, type VaeSnapshot } from '../engine/models/vae';
import * as tf from '@tensorflow/tfjs-core';
import { createDispatcher, createHandlers, type DispatchResult } from './dispatcher';
import { createServices, type Services } from './services';

let s: Services;
let dispatch: ReturnType<typeof createDispatcher>;
const runs: Record<string, number> = {};
let ldaRun = 0;
let snapshot3: VaeSnapshot;
const FEATURES = ['a', 'b', 'c', 'd', 'e', 'f'];

function ok<T>(r: DispatchResult): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

beforeAll(async () => {
  await initBackend({ preference: 'cpu' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-vae-api-'));
  s = createServices({
    dataDir: dir,
    mode: 'browser',
    recover: false,
    workerFactory: () => {
      throw new Error('no workers in this test');
    },
  });
  dispatch = createDispatcher(createHandlers(s), () => {});
  // 60 rows of two noisy prototypes in [0, 1] plus a label column.
  const lines = [['label', ...FEATURES].join(',')];
  let u = 7;
  const rnd = () => (u = (u * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 60; i++) {
    const k = i % 2;
    const proto = k === 0 ? [0.9, 0.8, 0.9, 0.1, 0.2, 0.1] : [0.1, 0.2, 0.1, 0.9, 0.8, 0.9];
    lines.push(
      [
        k === 0 ? 'left' : 'right',
        ...proto.map((p) => Math.min(1, Math.max(0, p + 0.1 * (rnd() - 0.5))).toFixed(3)),
      ].join(','),
    );
  }
  const file = path.join(dir, 'tiny.csv');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const project = ok<{ id: number }>(await dispatch('projects:create', { name: 'VAE' }));
  const picked = s.files.register(file);
  const preview = ok<{ columns: { name: string; type: string; role: string }[] }>(
    await dispatch('import:preview', { source: { fileId: picked.fileId } }),
  );
  const columns = preview.columns.map((c) => ({
    name: c.name,
    type: c.name === 'label' ? 'categorical' : 'numeric',
    role: c.name === 'label' ? 'label' : 'feature',
  }));
  const d = ok<{ id: number }>(
    await dispatch('import:commit', {
      importId: 'vae-test-1',
      projectId: project.id,
      source: { fileId: picked.fileId },
      name: 'tiny',
      columns,
    }),
  );
  const ds = DatasetFile.open(s.datasetPath(d.id));
  const raw = { x: ds.matrix(FEATURES, { standardize: false }), n: ds.rows, d: FEATURES.length };
  const ranges = FEATURES.map((n) => ds.schema.find((c) => c.name === n)!.stats!);
  const vaeCols = FEATURES.map((name) => ({ name, type: 'numeric' as const }));
  const train = async (
    label: string,
    latentDim: number,
    family: { kind: 'meanfield' } | { kind: 'iaf'; length: number },
  ) => {
    const spec = vaeSpecSchema.parse({
      model: 'vae',
      latentDim,
      hidden: [8],
      epochs: 3,
      batchSize: 16,
      likelihood: 'bernoulli',
      scale: 1,
      family,
      validationFraction: 0.2,
      seed: 2,
      evaluation: { k: 10 },
    });
    const data = prepareVaeData(raw, ranges, spec, vaeCols);
    const result = await trainVae(data, spec, {});
    const run = s.repos.runs.create({ projectId: project.id, datasetId: d.id, name: label, spec });
    fs.mkdirSync(s.runPath(run.id), { recursive: true });
    fs.writeFileSync(path.join(s.runPath(run.id), 'vae-snapshot.json'), JSON.stringify(result.snapshot));
    s.repos.artifacts.put(run.id, 'file', 'vae-snapshot', {
      file: 'vae-snapshot.json',
      features: FEATURES,
      valRows: result.valRows,
    });
    s.repos.runs.markRunning(run.id, 'cpu');
    s.repos.runs.finish(run.id, 'completed', null, { train_elbo: result.trainElbo });
    runs[label] = run.id;
    return result.snapshot;
  };
  await train('mf2', 2, { kind: 'meanfield' });
  snapshot3 = await train('mf3', 3, { kind: 'meanfield' });
  await train('iaf2', 2, { kind: 'iaf', length: 2 });
  const lda = s.repos.runs.create({
    projectId: project.id,
    datasetId: d.id,
    name: 'not a vae',
    spec: ldaSpecSchema.parse({ model: 'lda', textColumn: 'label', topics: 2 }),
  });
  ldaRun = lda.id;
}, 120_000);

afterAll(async () => {
  await s.close();
  fs.rmSync(s.dataDir, { recursive: true, force: true });
});

describe('vae:latent-map', () => {
  it('returns the 2-D latent itself for a 2-D model, coloured by a column', async () => {
    const m = ok<VaeLatentMap>(await dispatch('vae:latent-map', { runId: runs.mf2!, colorBy: 'label' }));
    expect(m.method).toBe('latent');
    expect(m.points).toHaveLength(60);
    expect(m.rows).toHaveLength(60);
    expect(m.axes).toEqual(['z₁', 'z₂']);
    expect(m.colors?.slice(0, 2)).toEqual(['left', 'right']);
    expect(m.colorKind).toBe('categorical');
    for (const p of m.points) expect(p.every(Number.isFinite)).toBe(true);
  });

  it('projects a 3-D latent on PCA axes with explained variance, and samples at most maxRows', async () => {
    const m = ok<VaeLatentMap>(await dispatch('vae:latent-map', { runId: runs.mf3!, maxRows: 20, colorBy: 'a' }));
    expect(m.method).toBe('pca');
    expect(m.dim).toBe(3);
    expect(m.points).toHaveLength(20);
    expect(m.explained).toHaveLength(2);
    expect(m.explained![0]!).toBeGreaterThanOrEqual(m.explained![1]!);
    expect(m.explained![0]! + m.explained![1]!).toBeLessThanOrEqual(1 + 1e-9);
    expect(m.axes[0]).toMatch(/^PC1 \(\d+\.\d %\)$/);
    expect(m.colorKind).toBe('numeric');
    // Projections are centred.
    const mean = m.points.reduce((a, p) => a + p[0], 0) / m.points.length;
    expect(Math.abs(mean)).toBeLessThan(1e-4 + 1e-3 * Math.max(...m.points.map((p) => Math.abs(p[0]))));
  });
  it('reads only a seeded sample of rows and reports their dataset indices and colours', async () => {
    const m = ok<VaeLatentMap>(await dispatch('vae:latent-map', { runId: runs.mf2!, maxRows: 15, colorBy: 'label' }));
    expect(m.rows).toHaveLength(15);
    expect(new Set(m.rows).size).toBe(15);
    expect(m.totalRows).toBe(60);
    m.rows.forEach((r, i) => expect(m.colors![i]).toBe(r % 2 === 0 ? 'left' : 'right'));
    const all = ok<VaeLatentMap>(await dispatch('vae:latent-map', { runId: runs.mf2! }));
    // The same row gets the same point whether or not the map is sampled.
    const r0 = m.rows[3]!;
    const p = all.points[all.rows.indexOf(r0)]!;
    expect(m.points[3]![0]).toBeCloseTo(p[0], 4);
    expect(m.points[3]![1]).toBeCloseTo(p[1], 4);
  });
});

describe('vae:interpolate', () => {
  it('decodes the two rows’ posterior means at the endpoints', async () => {
    const r = ok<VaeInterpolation>(
      await dispatch('vae:interpolate', { runId: runs.mf3!, rowA: 0, rowB: 1, steps: 5, method: 'slerp' }),
    );
    expect(r.decoded).toHaveLength(5);
    expect(r.t[0]).toBe(0);
    expect(r.t[4]).toBe(1);
    expect(r.features).toEqual(FEATURES);
    // Independently: encode rows 0 and 1 with the snapshot and decode their means.
    const ds = DatasetFile.open(s.datasetPath(s.repos.runs.get(runs.mf3!)!.datasetId));
    const data = prepareWithSnapshot(
      { x: ds.matrix(FEATURES, { standardize: false }), n: ds.rows, d: FEATURES.length },
      snapshot3,
    );
    const m = openVae(snapshot3);
    try {
      const x = tf.tensor2d(Array.from(data.x.subarray(0, 2 * data.d)), [2, data.d]);
      const mu = tf.tidy(() => m.posteriorMean(key(1), m.encode(x)));
      const z = mu.arraySync() as number[][];
      expect(r.z[0]!.map((v, i) => v - z[0]![i]!).every((v) => Math.abs(v) < 1e-4)).toBe(true);
      expect(r.z[4]!.map((v, i) => v - z[1]![i]!).every((v) => Math.abs(v) < 1e-4)).toBe(true);
      const dec = tf
        .tidy(() => m.mean(m.decode(tf.tensor2d(z.flat(), [2, 3])) as tf.Tensor2D))
        .arraySync() as number[][];
      for (let j = 0; j < 6; j++) {
        expect(r.decoded[0]![j]!).toBeCloseTo(dec[0]![j]!, 4);
        expect(r.decoded[4]![j]!).toBeCloseTo(dec[1]![j]!, 4);
      }
      tf.dispose([x, mu]);
    } finally {
      m.dispose();
    }
  });

  it('rejects a row outside the dataset', async () => {
    const r = await dispatch('vae:interpolate', { runId: runs.mf2!, rowA: 0, rowB: 600, steps: 4, method: 'linear' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('BAD_REQUEST');
  });
});

describe('vae:posterior and vae:manifold', () => {
  it('gives an exact 2-D density that integrates to ≈ 1 on its grid (mean-field)', async () => {
    const p = ok<VaePosterior>(await dispatch('vae:posterior', { runId: runs.mf2!, row: 3, grid: 60, samples: 300 }));
    expect(p.method).toBe('exact');
    expect(p.mass).toBeGreaterThan(0.97);
    expect(p.mass).toBeLessThan(1.03);
    const dx = p.x[1]! - p.x[0]!;
    const dy = p.y[1]! - p.y[0]!;
    const total = p.density.flat().reduce((a, b) => a + b, 0) * dx * dy;
    expect(total).toBeCloseTo(1, 6);
    expect(p.samples).toHaveLength(300);
  });

  it('gives a density for an IAF posterior too', async () => {
    const p = ok<VaePosterior>(await dispatch('vae:posterior', { runId: runs.iaf2!, row: 3, grid: 40, samples: 200 }));
    expect(p.family).toBe('iaf:2');
    expect(p.mass).toBeGreaterThan(0.9);
    expect(p.mass).toBeLessThan(1.1);
  });

  it('decodes a manifold grid for a 2-D latent and refuses a 3-D one', async () => {
    const g = ok<{ decoded: number[][]; xs: number[] }>(await dispatch('vae:manifold', { runId: runs.mf2!, size: 4 }));
    expect(g.decoded).toHaveLength(16);
    expect(g.decoded[0]).toHaveLength(6);
    const bad = await dispatch('vae:manifold', { runId: runs.mf3!, size: 4 });
    expect(bad.ok).toBe(false);
  });
});

describe('errors and rows', () => {
  it('answers a bad run id with NOT_FOUND and another model kind with BAD_REQUEST', async () => {
    const missing = await dispatch('vae:latent-map', { runId: 9999 });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error.code).toBe('NOT_FOUND');
    const lda = await dispatch('vae:posterior', { runId: ldaRun, row: 0 });
    expect(lda.ok).toBe(false);
    if (!lda.ok) {
      expect(lda.error.code).toBe('BAD_REQUEST');
      expect(lda.error.message).toMatch(/not a VAE/);
    }
    const invalid = await dispatch('vae:interpolate', { runId: runs.mf2!, rowA: -1, rowB: 2 });
    expect(invalid.ok).toBe(false);
  });

  it('returns one row’s values by run or by dataset', async () => {
    const r = ok<VaeRow>(await dispatch('vae:row', { runId: runs.mf2!, row: 1 }));
    expect(r.columns).toEqual(['label', ...FEATURES]);
    expect(r.values[0]).toBe('right');
    const bad = await dispatch('vae:row', { runId: runs.mf2!, row: 60 });
    expect(bad.ok).toBe(false);
  });
});
