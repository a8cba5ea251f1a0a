/**
 * Gradient-variance readout: the statistics against hand computation, the pathwise variance of a Gaussian mean
 * against its closed form, and score function ≫ pathwise on a GLM and on a VAE through the runs' own code paths.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend.js';
import { key, normal, split, uniform, type Key } from '../rng.js';
import { makeFamily } from '../families/index.js';
import { disposeParams } from '../families/params.js';
import { makeObjective } from '../objectives/objective.js';
import { gaussianTarget } from '../models/common/targets.js';
import { fitGlm } from '../models/glm/fit.js';
import { prepareVaeData, trainVae, type PreparedVaeData } from '../models/vae/index.js';
import { vaeSpecFields, type VaeSpec } from '../../../src-shared/schemas/run-spec.js';
import {
  gradVarianceMetrics,
  lowestGradientSnr,
  ratioSentence,
  type GradVarianceArtifact,
} from '../../../src-shared/domain/grad-variance.js';
import { gradVarianceSchedule, gradientDrawStats, gradientVariance } from './grad-variance.js';

beforeAll(async () => {
  await initBackend();
});

describe('gradientDrawStats', () => {
  it('variance, signal, SNR and jackknife SEs match a hand computation; tensors group by name', () => {
    // Two tensors in one group "a" (entries x, y) and one in "b"; R = 4 draws.
    const xs = [1, 2, 3, 6];
    const ys = [0, 0, 2, 2];
    const bs = [5, 5, 5, 5];
    const st = gradientDrawStats(
      4,
      (r) => ({ 'a.weight': [xs[r]!], 'a.bias': [ys[r]!], b: [bs[r]!] }),
      (n) => n.replace(/\.(weight|bias)$/, ''),
    );
    expect(st.groups.map((g) => g.group)).toEqual(['a', 'b']);
    const a = st.groups[0]!;
    const varOf = (v: number[]): number => {
      const m = v.reduce((s, x) => s + x, 0) / v.length;
      return v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1);
    };
    const meanOf = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
    const V = (varOf(xs) + varOf(ys)) / 2; // (14/3 + 4/3) / 2 = 3
    const M = (meanOf(xs) ** 2 + meanOf(ys) ** 2) / 2; // (9 + 1) / 2 = 5
    expect(a.size).toBe(2);
    expect(a.variance).toBeCloseTo(3, 12);
    expect(a.variance).toBeCloseTo(V, 12);
    expect(a.signal).toBeCloseTo(M, 12);
    expect(a.snr).toBeCloseTo(Math.sqrt(5 / 3), 12);
    // Jackknife by brute force: leave each draw out and recompute.
    const loo = [0, 1, 2, 3].map((r) => {
      const x = xs.filter((_, i) => i !== r);
      const y = ys.filter((_, i) => i !== r);
      return (varOf(x) + varOf(y)) / 2;
    });
    const lm = meanOf(loo);
    const se = Math.sqrt((3 / 4) * loo.reduce((s, v) => s + (v - lm) ** 2, 0));
    expect(a.varianceSe).toBeCloseTo(se, 10);
    // A constant gradient: no variance, infinite SNR.
    expect(st.groups[1]!.variance).toBe(0);
    expect(st.groups[1]!.snr).toBe(Infinity);
    expect(st.totalVariance).toBeCloseTo(6, 10);
    expect(() => gradientDrawStats(2, () => ({ a: [1] }))).toThrow(/at least 3 gradient draws/);
  });

  it('the schedule keeps R draws per estimator under 8 % of an epoch and always measures the last epoch', () => {
    // 5 steps per epoch, 8 draws × 2 estimators = 16 steps of work at most 8 % of the steps: every ⌈16 / 0.4⌉ = 40.
    const s = gradVarianceSchedule({ units: 50, stepsPerUnit: 5, repeats: 8, estimators: 2 });
    expect(s.every).toBe(40);
    const at = Array.from({ length: 50 }, (_, i) => i + 1).filter((u) => s.isCheckpoint(u));
    expect(at).toEqual([40, 50]);
    // 200 steps per epoch: every epoch; capped at 20 checkpoints over 100 epochs.
    expect(gradVarianceSchedule({ units: 10, stepsPerUnit: 200, repeats: 8, estimators: 1 }).every).toBe(1);
    expect(gradVarianceSchedule({ units: 100, stepsPerUnit: 200, repeats: 8, estimators: 1 }).every).toBe(5);
  });
});

describe('closed form', () => {
  it('pathwise ∇_μ of a Gaussian ELBO has variance σ²/S per entry (target N(m, I), q = N(μ, diag σ²))', () => {
    // z = μ + σ ε: ∇_μ [log p(z) − log q(z)] = −(z − m) (log q(T_φ(ε)) does not depend on μ), so with S draws the
    // gradient of μ_d has variance σ_d² / S. R = 400 draws: relative SE of each entry's variance ≈ √(2/399) ≈ 7 %.
    const D = 3;
    const S = 4;
    const R = 400;
    const target = gaussianTarget(Float64Array.from([1, -1, 0.5]), Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]));
    const family = makeFamily({ kind: 'meanfield' }, D, { initScale: 0.7 });
    const params = family.init(key(1));
    const scale = tf.tidy(() => tf.clone((family.gaussian!(params) as { scale: tf.Tensor }).scale));
    const sd = Array.from(scale.dataSync());
    scale.dispose();
    const exact = sd.reduce((s, v) => s + v * v, 0) / D / S;
    const st = gradientVariance({
      family,
      params,
      model: target,
      objective: makeObjective({ kind: 'elbo', samples: S }, { kl: 'mc' }),
      repeats: R,
      key: key(7),
    });
    const loc = st.groups.find((g) => g.group === 'base.loc')!;
    expect(loc.size).toBe(D);
    expect(Math.abs(loc.variance - exact)).toBeLessThan(4 * loc.varianceSe);
    // The jackknife SE is about what normal theory says (√(2/(R−1)) σ²/S per entry, averaged over D independent entries).
    const theory = (exact * Math.sqrt(2 / (R - 1))) / Math.sqrt(D);
    expect(loc.varianceSe / theory).toBeGreaterThan(0.6);
    expect(loc.varianceSe / theory).toBeLessThan(1.6);
    // Signal: the mean gradient is m − μ; at the initial μ its squared mean is known up to sampling noise.
    const mu = Array.from(params['base.loc']!.dataSync());
    const m = [1, -1, 0.5];
    const signal = mu.reduce((s, v, i) => s + (m[i]! - v) ** 2, 0) / D;
    expect(Math.abs(loc.signal - signal - exact / R)).toBeLessThan(0.1 * signal + 4 * Math.sqrt(exact / R));
    disposeParams(params);
  });
});

describe('score function against pathwise on the runs’ own code paths', () => {
  // Near the optimum of a conjugate model the two come close (q ≈ p makes log p − log q nearly constant, so the
  // baselined score function is quiet while the pathwise gradient still carries the likelihood's curvature): measured
  // 3.3× at step 320 and 1.0× at step 400 of this run. Far from it the score function is far noisier.
  it('GLM 30 steps from the initialisation: the score-function variance exceeds the pathwise one by ≥ 10×', () => {
    const N = 100;
    const e = normal(key(3), N * 3);
    const X = new Float32Array(N * 2);
    const y = new Float32Array(N);
    for (let n = 0; n < N; n++) {
      X[2 * n] = e[3 * n]!;
      X[2 * n + 1] = e[3 * n + 1]!;
      y[n] = 1 + 2 * e[3 * n]! - e[3 * n + 1]! + 0.5 * e[3 * n + 2]!;
    }
    const fit = fitGlm({
      model: 'linear',
      data: { X, rows: N, cols: 2, y, names: ['a', 'b'] },
      noise: { kind: 'known', sigma: 0.5 },
      family: { kind: 'meanfield' },
      objective: { kind: 'elbo', samples: 1 },
      training: { estimator: 'score' },
      optimiser: { kind: 'adam', learningRate: 0.05 },
      steps: 30,
      seed: 1,
      evaluationSamples: 200,
      gradientVariance: { repeats: 8 },
    });
    const gv = fit.gradVariance!;
    expect(gv.model).toBe('glm');
    expect(gv.estimator).toBe('score');
    expect(gv.rows).toBe(N);
    expect(gv.checkpoints.map((c) => c.step)).toEqual([30]);
    expect(gv.checkpoints[gv.checkpoints.length - 1]!.step).toBe(30);
    for (const c of gv.checkpoints) {
      expect(c.pathwise).not.toBeNull();
      expect(c.pathwise!.map((g) => g.group)).toEqual(c.groups.map((g) => g.group));
      expect(c.totalVariance / c.pathwiseTotalVariance!).toBeGreaterThan(10);
    }
    const metrics = gradVarianceMetrics(gv);
    expect(metrics.grad_variance_ratio).toBeGreaterThan(10);
    expect(metrics.grad_snr_min).toBe(lowestGradientSnr(gv)!.value);
    expect(ratioSentence(gv)).toMatch(/^Score-function gradient variance is [\d,]+× the pathwise/);
  });

  it('VAE (score, S = 1): encoder variance ≫ pathwise, decoder equal; artifact shape; no tensor leaks', async () => {
    const data = binaryData(120, 12, 3);
    const before = tf.memory().numTensors;
    const spec = vaeSpecFields.parse({
      model: 'vae',
      hidden: [16],
      latentDim: 8,
      batchSize: 20,
      epochs: 3,
      seed: 2,
      training: { estimator: 'score' },
      optimiser: { kind: 'adam', learningRate: 3e-3 },
    }) as VaeSpec;
    const res = await trainVae(data, spec, { gradientVariance: { repeats: 8 } });
    expect(tf.memory().numTensors).toBe(before);
    // The readout touches neither the parameters, the optimiser nor the training's noise: the same fit without it.
    const plain = await trainVae(data, spec);
    expect(res.trainElbo).toBe(plain.trainElbo);
    expect(res.gradVariance).not.toBeNull();
    expect(plain.gradVariance).toBeNull();
    const gv: GradVarianceArtifact = res.gradVariance!;
    expect(gv).toMatchObject({ model: 'vae', estimator: 'score', repeats: 8, rowsFrom: 'validation' });
    expect(gv.rows).toBe(Math.min(20, res.valRows.length));
    const last = gv.checkpoints[gv.checkpoints.length - 1]!;
    expect(last.epoch).toBe(3);
    const groups = last.groups.map((g) => g.group);
    expect(groups).toEqual(expect.arrayContaining(['encoder.0', 'encoder.mu', 'decoder.0', 'decoder.out']));
    expect(groups.some((g) => /weight|bias/.test(g))).toBe(false);
    for (const g of last.groups) {
      expect(g.variance).toBeGreaterThanOrEqual(0);
      expect(g.varianceSe).toBeGreaterThan(0);
      expect(Number.isFinite(g.snr)).toBe(true);
    }
    // The encoder learns only through log q under the score function: far noisier than the pathwise gradient.
    // Measured: encoder.0 7.6×, encoder.mu 8.7×, encoder.q 4.9× (8 latent dimensions, S = 1, B = 20).
    for (const name of ['encoder.0', 'encoder.mu']) {
      const s = last.groups.find((g) => g.group === name)!;
      const p = last.pathwise!.find((g) => g.group === name)!;
      expect(s.variance / p.variance).toBeGreaterThan(4);
    }
    // The decoder is differentiated directly under both estimators at the same draws z: identical figures.
    for (const name of ['decoder.0', 'decoder.out']) {
      const s = last.groups.find((g) => g.group === name)!;
      const p = last.pathwise!.find((g) => g.group === name)!;
      expect(s.variance).toBeCloseTo(p.variance, 10);
    }
    expect(last.totalVariance / last.pathwiseTotalVariance!).toBeGreaterThan(3);
  });
});

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
  return prepareVaeData({ x, n, d }, ranges, vaeSpecFields.parse({ model: 'vae' }) as VaeSpec);
}
