import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../backend';
import { key, normal, split, uniform, type Key } from '../../rng';
import { vaeSpecFields, type VaeSpec } from '../../../../src-shared/schemas/run-spec';
import { iwaeBound } from '../../objectives/bounds';
import {
  evaluateModel,
  exportVaeBundle,
  GumbelPosterior,
  gumbelTemperature,
  interpolate,
  latentMap,
  latentStats,
  loadVaeBundle,
  manifoldGrid,
  openVae,
  pca,
  posteriorDensity,
  prepareVaeData,
  prepareWithSnapshot,
  rowsTensor,
  slerp,
  trainVae,
  vaeSpecProblems,
  type PreparedVaeData,
  type VaeSnapshot,
} from './index';

/** A spec's fields, unchecked, so the engine's own refusal of a bad combination is what a test sees. */
function spec(over: Record<string, unknown> = {}): VaeSpec {
  return vaeSpecFields.parse({ model: 'vae', ...over });
}

/** Binary data from a 2-D latent: p_j = σ(z·a_j + b_j), n × d, from the engine rng. */
function binaryData(n: number, d: number, seed: number): PreparedVaeData {
  const [ka, kz, ku] = split(key(seed), 3) as [Key, Key, Key];
  const a = normal(ka, 3 * d);
  const z = normal(kz, 2 * n);
  const u = uniform(ku, n * d);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const l = 2.5 * (z[2 * i]! * a[j]! + z[2 * i + 1]! * a[d + j]!) + 0.5 * a[2 * d + j]!;
      x[i * d + j] = u[i * d + j]! < 1 / (1 + Math.exp(-l)) ? 1 : 0;
    }
  }
  const ranges = Array.from({ length: d }, () => ({ min: 0, max: 1, mean: 0.5, std: 0.5 }));
  return prepareVaeData({ x, n, d }, ranges, spec());
}

const tiny = { hidden: [16], latentDim: 2, batchSize: 50, epochs: 1, optimiser: { kind: 'adam', learningRate: 3e-3 } };
let data: PreparedVaeData;
let trained: VaeSnapshot;
let trainedRes: Awaited<ReturnType<typeof trainVae>>;
let dir = '';

beforeAll(async () => {
  await initBackend();
  data = binaryData(200, 16, 3);
  trainedRes = await trainVae(
    data,
    spec({ ...tiny, epochs: 30, batchSize: 20, seed: 2, optimiser: { kind: 'adam', learningRate: 1e-2 } }),
  );
  if (process.env.VAE_REPORT === '1') console.log('fixture', trainedRes.trainElbo, trainedRes.valElbo);
  trained = trainedRes.snapshot;
  dir = await mkdtemp(join(tmpdir(), 'vae-bundle-'));
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('every posterior family and objective trains without NaN', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['meanfield', { family: { kind: 'meanfield' } }],
    ['fullrank', { family: { kind: 'fullrank' } }],
    ['lowrank:2', { family: { kind: 'lowrank', rank: 2 } }],
    ['planar:3', { family: { kind: 'planar', length: 3 } }],
    ['radial:2', { family: { kind: 'radial', length: 2 } }],
    ['iaf:2', { family: { kind: 'iaf', length: 2, hidden: 8 } }],
    ['coupling:2', { family: { kind: 'coupling', length: 2, hidden: 8 } }],
    ['iwae:4', { objective: { kind: 'iwae', k: 4 } }],
    ['renyi:0.5', { objective: { kind: 'renyi', alpha: 0.5, k: 4 } }],
    ['score, elbo:4', { training: { estimator: 'score' }, objective: { kind: 'elbo', samples: 4 } }],
    ['score, iaf, S = 1', { training: { estimator: 'score' }, family: { kind: 'iaf', length: 1, hidden: 8 } }],
    [
      'β, linear annealing, free bits',
      { training: { beta: 2, anneal: { kind: 'linear', epochs: 0.5 }, freeBits: 0.2 } },
    ],
    [
      'cyclical annealing, MC KL, planar free bits',
      { family: { kind: 'planar', length: 2 }, training: { anneal: { kind: 'cyclical', epochs: 0.5 }, freeBits: 0.1 } },
    ],
    ['categorical Gumbel-softmax', { latentType: 'categorical', latentDim: 3, categories: 4 }],
  ];
  for (const [label, over] of cases) {
    it(label, async () => {
      const start = tf.memory().numTensors;
      const losses: number[] = [];
      const res = await trainVae(data, spec({ ...tiny, latentDim: 3, epochs: 2, seed: 4, ...over }), {
        onStep: (p) => losses.push(p.loss),
      });
      expect(res.nonFiniteSteps).toBe(0);
      expect(losses.length).toBe(8);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(Number.isFinite(res.trainElbo)).toBe(true);
      expect(Number.isFinite(res.valElbo!)).toBe(true);
      expect(res.trainElbo).toBeLessThan(0);
      expect(tf.memory().numTensors).toBe(start);
    });
  }
});

describe('bounds and honest evaluation', () => {
  it('IWAE-K ≥ ELBO on the same model and data (averaged over rows)', () => {
    const m = openVae(trained);
    const x = rowsTensor(
      data.x,
      data.d,
      Array.from({ length: 200 }, (_, i) => i),
    );
    const [elbo, iwae] = tf.tidy(() => {
      const h = m.encode(x);
      const e = tf.mean(m.elbo(key(5), x, 20, h));
      const iw = tf.mean(iwaeBound(m.logWeights(key(6), x, 20, h)));
      return [e.dataSync()[0]!, iw.dataSync()[0]!];
    });
    x.dispose();
    m.dispose();
    if (process.env.VAE_REPORT === '1') console.log(`ELBO ${elbo.toFixed(3)}, IWAE-20 ${iwae.toFixed(3)}`);
    expect(iwae).toBeGreaterThan(elbo + 0.02);
  });

  it('the IS log-likelihood is ≥ the ELBO and stable in K; KL per dimension sums to the analytic KL (mean-field)', async () => {
    const m = openVae(trained);
    const rows = Array.from({ length: 100 }, (_, i) => i);
    const progress: string[] = [];
    const a = await evaluateModel(m, data, { rows, k: 100, seed: 3, onProgress: (p) => progress.push(p.phase) });
    const b = await evaluateModel(m, data, { rows, k: 1000, seed: 4 });
    expect(progress).toContain('loglik');
    expect(b.logLikelihood.mean).toBeGreaterThan(b.elbo);
    expect(Math.abs(b.logLikelihood.mean - a.logLikelihood.mean)).toBeLessThan(0.15);
    expect(b.klMethod).toBe('analytic');
    const sum = b.klPerDim.reduce((s, v) => s + v, 0);
    expect(Math.abs(sum - b.klTotal)).toBeLessThan(1e-4 * Math.max(1, b.klTotal));
    expect(b.activeUnits.count).toBe(2);
    expect(b.collapse.collapsed).toBe(false);
    expect(b.collapse.message).toBeNull();
    // One evaluation: ELBO and log p̂(x) from the same rows and draws, so ELBO_b ≤ log p̂(x_b) on every row (Jensen),
    // the gap is their paired difference, and every mean carries its standard error over the 100 rows.
    expect(b.rows).toBe(100);
    expect(b.rowIds).toEqual(rows);
    for (let i = 0; i < b.rows; i++) expect(b.perRow.logLik[i]!).toBeGreaterThanOrEqual(b.perRow.elbo[i]! - 1e-9);
    expect(b.gap.mean).toBeCloseTo(b.logLikelihood.mean - b.elbo, 9);
    expect(b.gap.mean).toBeGreaterThan(0);
    expect(b.gap.se).toBeGreaterThan(0);
    expect(b.gap.se).toBeLessThan(b.gap.mean);
    for (const se of [b.elboSe, b.logLikelihood.se]) expect(se).toBeGreaterThan(0);
    // The ELBO's SE over rows is about sd(row ELBO)/√100; the data's rows differ by nats, the SE by tenths.
    expect(b.elboSe).toBeLessThan(2);
    // A trained 2-D mean-field q on this 2-D latent data is a good importance proposal: per-row k̂ mostly small.
    expect(b.khat).not.toBeNull();
    expect(b.khat!.rows).toBe(100);
    expect(b.khat!.median).toBeLessThan(0.7);
    expect(b.perRow.khat.length).toBe(100);
    m.dispose();
  });

  it('per-row k̂ flags a q(z|x) far from the posterior: an encoder too narrow by a factor of 30', async () => {
    const s = structuredClone(trained);
    // σ(x) = softplus(q) ≈ e^q for q ≪ 0: shift the sd pre-activation down so q is far too confident.
    const qB = s.network['encoder.q.bias']!.values;
    const qW = s.network['encoder.q.weight']!.values;
    for (let i = 0; i < qW.length; i++) qW[i] = 0;
    for (let d = 0; d < qB.length; d++) qB[d] = -3.5;
    const m = openVae(s);
    const rows = Array.from({ length: 40 }, (_, i) => i);
    const bad = await evaluateModel(m, data, { rows, k: 1000, seed: 5 });
    m.dispose();
    const good = await evaluateModel(openVae(trained), data, { rows, k: 1000, seed: 5 });
    expect(bad.khat!.shareAbove07).toBeGreaterThan(0.5);
    expect(bad.khat!.median).toBeGreaterThan(good.khat!.median + 0.3);
    expect(bad.gap.mean).toBeGreaterThan(good.gap.mean);
  });

  it('finds the active units of a model whose other dimensions are unused by construction, and flags collapse', async () => {
    const res = await trainVae(data, spec({ ...tiny, latentDim: 6, epochs: 1, seed: 9 }));
    const s = structuredClone(res.snapshot);
    const H = 16;
    const D = 6;
    // μ_d(x) = 0 and σ_d(x) = softplus(0 + softplus⁻¹(1)) = 1 for d ≥ 2: q(z_d|x) = N(0, 1) = the prior.
    const muW = s.network['encoder.mu.weight']!.values;
    const qW = s.network['encoder.q.weight']!.values;
    const qB = s.network['encoder.q.bias']!.values;
    for (let h = 0; h < H; h++) {
      for (let d = 2; d < D; d++) {
        muW[h * D + d] = 0;
        qW[h * D + d] = 0;
      }
      for (let d = 0; d < 2; d++) muW[h * D + d] = 3 * Math.sin(h + 7 * d);
    }
    for (let d = 2; d < D; d++) {
      s.network['encoder.mu.bias']!.values[d] = 0;
      qB[d] = 0;
    }
    const m = openVae(s);
    const st = await latentStats(
      m,
      data,
      Array.from({ length: 200 }, (_, i) => i),
      key(1),
    );
    const ev = await evaluateModel(m, data, { k: 10, maxRows: 100 });
    m.dispose();
    expect(st.klPerDim.slice(2).every((v) => v < 1e-4)).toBe(true);
    expect(ev.activeUnits.count).toBe(2);
    expect(ev.activeUnits.activity.slice(2).every((a) => a < 1e-8)).toBe(true);
    expect(ev.collapse.collapsed).toBe(true);
    expect(ev.collapse.message).toMatch(/KL annealing.*free bits.*weaker decoder/);
    // The warning agrees with the active-unit count and names every unused dimension.
    expect(ev.collapse.inactiveDims).toEqual([2, 3, 4, 5]);
    expect(ev.collapse.negligibleKlDims).toEqual([2, 3, 4, 5]);
    expect(ev.collapse.message).toMatch(/4 of 6 latent dimensions are inactive \(z3, z4, z5, z6/);
    expect(ev.collapse.message).toMatch(/2 of 6 units are active/);
  });

  it('measures the amortisation gap by refining q per row (ELBO gain ≥ 0)', async () => {
    const m = openVae(trained);
    const ev = await evaluateModel(m, data, { k: 10, maxRows: 60, amortisationGap: true, gapRows: 16, gapSteps: 30 });
    m.dispose();
    expect(ev.amortisationGap).not.toBeNull();
    expect(ev.amortisationGap!.gap).toBeGreaterThan(-0.05);
    expect(Number.isFinite(ev.amortisationGap!.elboAfter)).toBe(true);
  });
});

describe('views', () => {
  it('PCA recovers the principal axis of a known 2-D cloud', () => {
    const n = 2000;
    const e = normal(key(11), 2 * n);
    const th = 0.6;
    const pts = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const a = 3 * e[2 * i]!;
      const b = 0.5 * e[2 * i + 1]!;
      pts[2 * i] = 1 + a * Math.cos(th) - b * Math.sin(th);
      pts[2 * i + 1] = -2 + a * Math.sin(th) + b * Math.cos(th);
    }
    const p = pca(pts, n, 2, 2);
    expect(Math.abs(p.components[0]![0]! - Math.cos(th))).toBeLessThan(0.02);
    expect(Math.abs(p.components[0]![1]! - Math.sin(th))).toBeLessThan(0.02);
    expect(p.eigenvalues[0]! / p.eigenvalues[1]!).toBeGreaterThan(25);
    expect(p.explained[0]!).toBeGreaterThan(0.95);
    expect(p.mean[0]!).toBeCloseTo(1, 0);
  });

  it('slerp keeps its endpoints and the unit norm between unit vectors', () => {
    const a = [1, 0, 0];
    const b = [0, 0.6, 0.8];
    expect(slerp(a, b, 0)).toEqual(a.map((v) => expect.closeTo(v, 12)));
    slerp(a, b, 1).forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 12));
    for (const t of [0.1, 0.33, 0.5, 0.9]) expect(Math.hypot(...slerp(a, b, t))).toBeCloseTo(1, 10);
  });

  it('latent map, interpolation, manifold grid and one row’s posterior', async () => {
    const map = await latentMap(trained, data, { maxRows: 50 });
    expect(map.method).toBe('latent');
    expect(map.points).toHaveLength(50);
    const it3 = await trainVae(data, spec({ ...tiny, latentDim: 3, seed: 1 }));
    const map3 = await latentMap(it3.snapshot, data);
    expect(map3.method).toBe('pca');
    expect(map3.points).toHaveLength(200);
    const path = await interpolate(trained, data, 0, 5, { steps: 7, method: 'slerp' });
    expect(path.decoded).toHaveLength(7);
    expect(path.decoded[0]).toHaveLength(16);
    const grid = await manifoldGrid(trained, { size: 4 });
    expect(grid.decoded).toHaveLength(16);
    const dens = await posteriorDensity(trained, data, 3, { grid: 60, samples: 200 });
    expect(dens.method).toBe('exact');
    const dx = dens.x[1]! - dens.x[0]!;
    const dy = dens.y[1]! - dens.y[0]!;
    const mass = dens.logDensity.flat().reduce((s, l) => s + Math.exp(l) * dx * dy, 0);
    expect(mass).toBeGreaterThan(0.97);
    expect(mass).toBeLessThan(1.03);
    const planar = await trainVae(data, spec({ ...tiny, family: { kind: 'planar', length: 2 }, seed: 1 }));
    const dp = await posteriorDensity(planar.snapshot, data, 3, { grid: 20, samples: 300 });
    expect(dp.method).toBe('kde');
    expect(dp.logDensity.flat().every(Number.isFinite)).toBe(true);
  });
});

describe('categorical latents (Gumbel-softmax)', () => {
  it('relaxed samples lie on the simplex and the temperature anneals to its floor', async () => {
    const p = new GumbelPosterior(3, 5);
    const y = tf.tidy(() => p.relaxed(key(1), tf.randomNormal([4, 15], 0, 2, 'float32', 1) as tf.Tensor2D, 2, 0.5));
    const v = y.dataSync();
    y.dispose();
    for (let g = 0; g < v.length / 5; g++) {
      let s = 0;
      for (let c = 0; c < 5; c++) {
        expect(v[g * 5 + c]!).toBeGreaterThanOrEqual(0);
        s += v[g * 5 + c]!;
      }
      expect(s).toBeCloseTo(1, 5);
    }
    const t = { initial: 2, min: 0.5, rate: 0.01 };
    expect(gumbelTemperature(0, t)).toBe(2);
    expect(gumbelTemperature(50, t)).toBeLessThan(2);
    expect(gumbelTemperature(10_000, t)).toBe(0.5);
    const temps: number[] = [];
    await trainVae(
      data,
      spec({
        ...tiny,
        latentType: 'categorical',
        latentDim: 2,
        categories: 3,
        temperature: { initial: 1, min: 0.3, rate: 0.2 },
      }),
      {
        onStep: (s) => temps.push(s.temperature!),
      },
    );
    expect(temps[0]).toBe(1);
    expect(temps[3]!).toBeLessThan(temps[0]!);
  });
});

describe('training control and validation', () => {
  it('early stopping stops and keeps the best validation epoch', async () => {
    const small = binaryData(60, 16, 8);
    const res = await trainVae(
      small,
      spec({
        hidden: [32],
        latentDim: 4,
        epochs: 300,
        batchSize: 20,
        patience: 2,
        validationFraction: 0.3,
        optimiser: { kind: 'adam', learningRate: 1e-2 },
      }),
    );
    expect(res.earlyStopped).toBe(true);
    expect(res.epochs).toBeLessThan(300);
    const best = Math.max(...res.history.map((h) => h.valElbo!));
    expect(res.valElbo).toBe(best);
    expect(res.epochs - res.bestEpoch).toBe(2);
  });

  it('rejects invalid combinations with messages naming the fix', async () => {
    const msg = (over: Record<string, unknown>): string =>
      vaeSpecProblems(spec(over))
        .map((p) => p.message)
        .join(' | ');
    expect(msg({})).toBe('');
    expect(msg({ family: { kind: 'iaf', length: 2 }, training: { kl: 'analytic' } })).toMatch(
      /no closed form; set training.kl to auto or mc/,
    );
    expect(msg({ objective: { kind: 'renyi', alpha: -0.5, k: 5 } })).toMatch(/α ≥ 0.*got -0.5.*Use α in \[0, 1\)/);
    expect(msg({ latentType: 'categorical', family: { kind: 'planar', length: 2 } })).toMatch(
      /Set family to meanfield/,
    );
    expect(msg({ training: { estimator: 'score' }, family: { kind: 'radial', length: 2 } })).toMatch(
      /Use training.estimator reparam/,
    );
    expect(msg({ family: { kind: 'svgd' } })).toMatch(/not for VAEs/);
    expect(msg({ training: { freeBits: 0.5 }, objective: { kind: 'iwae', k: 5 } })).toMatch(
      /Set training.freeBits to 0 or objective to elbo/,
    );
    expect(msg({ patience: 3, validationFraction: 0 })).toMatch(/set a validation fraction > 0/);
    await expect(trainVae(data, spec({ objective: { kind: 'renyi', alpha: -1, k: 2 } }))).rejects.toThrow(
      /Rényi α ≥ 0/,
    );
  });
});

describe('mixed tabular data', () => {
  it('one-hot encodes categorical columns, trains, and reconstructs probabilities per group', async () => {
    const n = 120;
    const e = normal(key(21), 2 * n);
    const x = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      x[i * 3] = 10 + 3 * e[2 * i]!;
      x[i * 3 + 1] = e[2 * i]! > 0.5 ? 2 : e[2 * i]! > -0.5 ? 1 : 0;
      x[i * 3 + 2] = 0.1 * e[2 * i + 1]!;
    }
    const cols = [
      { name: 'a', type: 'numeric' as const },
      { name: 'colour', type: 'categorical' as const, levels: ['red', 'green', 'blue'] },
      { name: 'b', type: 'numeric' as const },
    ];
    const ranges = [
      { min: 0, max: 20, mean: 10, std: 3 },
      { min: 0, max: 2, mean: 1, std: 1 },
      { min: -1, max: 1, mean: 0, std: 0.1 },
    ];
    const p = prepareVaeData({ x, n, d: 3 }, ranges, spec(), cols);
    expect(p.likelihood).toBe('mixed');
    expect(p.d).toBe(5);
    expect(p.columns!.map((c) => [c.kind, c.start, c.size])).toEqual([
      ['gaussian', 0, 1],
      ['categorical', 1, 3],
      ['gaussian', 4, 1],
    ]);
    expect(() => prepareVaeData({ x, n, d: 3 }, ranges, spec({ likelihood: 'gaussian' }), cols)).toThrow(
      /Choose likelihood "mixed"/,
    );
    const res = await trainVae(
      p,
      spec({ hidden: [16], latentDim: 2, epochs: 5, batchSize: 20, optimiser: { kind: 'adam', learningRate: 1e-2 } }),
    );
    expect(res.nonFiniteSteps).toBe(0);
    expect(Number.isFinite(res.valElbo!)).toBe(true);
    // A separate file with the same columns is prepared with the training statistics, not its own.
    expect(Array.from(prepareWithSnapshot({ x, n, d: 3 }, res.snapshot).x)).toEqual(Array.from(p.x));
    expect(() => prepareWithSnapshot({ x: x.subarray(0, 2 * n), n, d: 2 }, res.snapshot)).toThrow(
      /fitted on 3 raw columns/,
    );
    const rec = res.reconstructions!.reconstructions[0]!;
    expect(rec[1]! + rec[2]! + rec[3]!).toBeCloseTo(1, 5);
    const fixed = await trainVae(
      p,
      spec({ hidden: [8], latentDim: 2, epochs: 1, gaussianVariance: 'fixed', noiseVariance: 0.5 }),
    );
    expect(Number.isFinite(fixed.trainElbo)).toBe(true);
  });
});

describe('export bundle', () => {
  it('round-trips: the reloaded bundle encodes, reconstructs and samples like the fitted model; tfjs-layers loads it', async () => {
    const iaf = await trainVae(data, spec({ ...tiny, family: { kind: 'iaf', length: 2, hidden: 8 }, epochs: 2 }));
    for (const [name, snap] of [
      ['meanfield', trained],
      ['iaf', iaf.snapshot],
    ] as const) {
      const out = join(dir, name);
      const { files } = await exportVaeBundle(snap, out, {
        spec: spec({ ...tiny }),
        metrics: { val_elbo: -7 },
        appVersion: '0.1.0',
      });
      expect(files).toContain('manifest.json');
      expect(files).toContain('encoder/model.json');
      const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as {
        formatVersion: number;
        preprocessing: unknown;
        metrics: unknown;
      };
      expect(manifest.formatVersion).toBe(2);
      expect(manifest.metrics).toEqual({ val_elbo: -7 });
      // Every other file is listed with its size and SHA-256.
      const listed = (manifest as unknown as { files: Array<{ path: string; bytes: number; sha256: string }> }).files;
      expect(listed.map((f) => f.path).sort()).toEqual(files.filter((f) => f !== 'manifest.json').sort());
      for (const f of listed) expect(f.sha256).toMatch(/^[a-f0-9]{64}$/);
      const b = await loadVaeBundle(out);
      const rows = Array.from({ length: 5 }, (_, i) => Array.from(data.x.subarray(i * 16, (i + 1) * 16)));
      const m = openVae(snap);
      const x = tf.tensor2d(rows.flat(), [5, 16]);
      const ref = tf.tidy(() => {
        const h = m.encode(x);
        const mu = m.posteriorMean(key(1), h);
        return {
          h: h.arraySync() as number[][],
          mu: mu.arraySync() as number[][],
          rec: m.mean(m.decode(mu) as tf.Tensor2D).arraySync() as number[][],
        };
      });
      const enc = b.encode(rows, { prepared: true });
      const rec = b.reconstruct(rows, { prepared: true });
      enc.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(ref.mu[i]![j]!, 5)));
      rec.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(ref.rec[i]![j]!, 5)));
      expect(b.sample(3, 1)).toHaveLength(3);
      // tfjs-layers reads the same files and predicts the same encoder output and decoder means.
      const tfl = await import('@tensorflow/tfjs-layers');
      const handler = (sub: string): tf.io.IOHandler => ({
        load: async () => {
          const j = JSON.parse(await readFile(join(out, sub, 'model.json'), 'utf8')) as {
            modelTopology: object;
            weightsManifest: Array<{ weights: tf.io.WeightsManifestEntry[] }>;
          };
          const bin = await readFile(join(out, sub, 'weights.bin'));
          return {
            modelTopology: j.modelTopology,
            weightSpecs: j.weightsManifest[0]!.weights,
            weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
          };
        },
      });
      const encModel = await tfl.loadLayersModel(handler('encoder'));
      const decModel = await tfl.loadLayersModel(handler('decoder'));
      const hL = (encModel.predict(x) as tf.Tensor).arraySync() as number[][];
      hL.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(ref.h[i]![j]!, 4)));
      if (name === 'meanfield') {
        const recL = (decModel.predict(tf.tensor2d(ref.mu)) as tf.Tensor).arraySync() as number[][];
        recL.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(ref.rec[i]![j]!, 4)));
      }
      encModel.dispose();
      decModel.dispose();
      x.dispose();
      m.dispose();
      b.dispose();
    }
  });

  it('still loads a version-1 bundle (no checksums, roles under `files`) and refuses a changed weight in version 2', async () => {
    const out = join(dir, 'v1');
    await exportVaeBundle(trained, out, { spec: spec(), appVersion: '0.1.0' });
    const mp = join(out, 'manifest.json');
    const v2 = JSON.parse(await readFile(mp, 'utf8')) as Record<string, unknown>;
    const b2 = await loadVaeBundle(out);
    const rows = [Array.from(data.x.subarray(0, 16))];
    const ref = b2.encode(rows, { prepared: true });
    b2.dispose();
    const { parts, spec: _spec, columnSchema: _cols, source: _src, backend: _be, ...rest } = v2;
    await writeFile(mp, JSON.stringify({ ...rest, formatVersion: 1, files: parts }));
    const b1 = await loadVaeBundle(out);
    expect(b1.encode(rows, { prepared: true })).toEqual(ref);
    b1.dispose();
    // Version 2 with a flipped weight byte: refused before anything is parsed.
    await writeFile(mp, JSON.stringify(v2));
    const w = join(out, 'decoder', 'weights.bin');
    const bytes = await readFile(w);
    bytes[5] = bytes[5]! ^ 0x01;
    await writeFile(w, bytes);
    await expect(loadVaeBundle(out)).rejects.toThrow(
      'Damaged bundle: file decoder/weights.bin does not match its checksum',
    );
  });

  it('refuses bundle paths that leave the folder', async () => {
    const out = join(dir, 'evil');
    await exportVaeBundle(trained, out, { spec: spec(), appVersion: '0.1.0' });
    const mp = join(out, 'manifest.json');
    const manifest = JSON.parse(await readFile(mp, 'utf8')) as { parts: { encoder: string } };
    manifest.parts.encoder = '../meanfield/encoder/model.json';
    await writeFile(mp, JSON.stringify(manifest));
    await expect(loadVaeBundle(out)).rejects.toThrow(/leaves the bundle folder/);
    manifest.parts.encoder = '/etc/passwd';
    await writeFile(mp, JSON.stringify(manifest));
    await expect(loadVaeBundle(out)).rejects.toThrow(/relative path inside the bundle/);
  });
});

describe('collapse verdict', () => {
  it('warns about one dead dimension of two, naming it, in agreement with the active count', async () => {
    const { collapseVerdict } = await import('./evaluate');
    const v = collapseVerdict([1.8, 0.004], [0.9, 1e-5]);
    expect(v.collapsed).toBe(false);
    expect(v.inactiveDims).toEqual([1]);
    expect(v.negligibleKlDims).toEqual([1]);
    expect(v.message).toMatch(/^Partly unused latent space: 1 of 2 latent dimensions are inactive \(z2/);
    expect(v.message).toMatch(/1 of 2 units are active/);
    expect(v.message).toMatch(/z2 carries less than 0.01 nats/);
    expect(collapseVerdict([1, 2], [0.5, 0.6]).message).toBeNull();
  });
});
