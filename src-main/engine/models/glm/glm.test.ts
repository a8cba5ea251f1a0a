/**
 * Conjugate Bayesian linear regression (exact posterior known): full-rank recovers mean and covariance, mean-field
 * recovers the means and underestimates the marginal variances; PSIS k̂ separates a good fit from a poor one;
 * one spec + seed reproduces a run exactly.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend.js';
import { key, normal, fold } from '../../rng.js';
import { relError } from '../common/linalg.js';
import type { GlmData } from './models.js';
import { exactLinearPosterior, glmDataFromColumns } from './models.js';
import { fitGlm } from './fit.js';
import { loadPosterior, makeFamily } from '../../families/index.js';
import type { TransformedGaussian } from '../../families/transformed.js';
import { makeObjective } from '../../objectives/objective.js';
import { gaussianTarget } from '../common/targets.js';
import { sviDispose, sviInit, sviStep } from '../../inference/svi.js';
import { psis } from '../../diagnostics/psis.js';
import * as tf from '@tensorflow/tfjs-core';

beforeAll(async () => {
  await initBackend();
});

/** N = 40 rows, 3 correlated predictors (corr ≈ 0.8), y = Xβ + ε, σ = 1. */
function makeData(seed: number): GlmData {
  const N = 40;
  const P = 3;
  const e = normal(key(seed), N * (P + 2));
  const X = new Float32Array(N * P);
  const y = new Float32Array(N);
  const beta = [1, -2, 0.5];
  for (let n = 0; n < N; n++) {
    const common = e[n * (P + 2)]!;
    let mean = 0;
    for (let j = 0; j < P; j++) {
      X[n * P + j] = 0.9 * common + 0.45 * e[n * (P + 2) + 1 + j]!;
      mean += X[n * P + j]! * beta[j]!;
    }
    y[n] = mean + e[n * (P + 2) + P + 1]!;
  }
  return { X, rows: N, cols: P, y, names: ['a', 'b', 'c'] };
}

const data = makeData(1);
const exact = exactLinearPosterior(data, 1, 10);
const P = 3;

describe('conjugate Bayesian linear regression', () => {
  it('full-rank recovers the exact posterior mean and covariance (< 5 % relative error)', { timeout: 300_000 }, () => {
    const fit = fitGlm({
      model: 'linear',
      data,
      intercept: false,
      priorScale: 10,
      noise: { kind: 'known', sigma: 1 },
      family: { kind: 'fullrank' },
      objective: { kind: 'elbo', samples: 16 },
      optimiser: {
        kind: 'adam',
        learningRate: 1,
        momentum: 0.9,
        schedule: { kind: 'robbins-monro', tau0: 50, kappa: 0.8 },
      },
      steps: 1500,
      seed: 3,
    });
    // covariance from the saved posterior
    const f = makeFamily({ kind: 'fullrank' }, P) as TransformedGaussian;
    const params = loadPosterior(f, fit.posterior);
    const g = f.gaussianMoments(params);
    const eMean = relError(g.mean, exact.mean);
    const eCov = relError(g.cov, exact.cov);
    console.log(
      `full-rank: mean rel. error ${(100 * eMean).toFixed(2)} %, covariance rel. error ${(100 * eCov).toFixed(2)} %; k̂ ${fit.diagnostics.psisKhat.toFixed(3)}, ESS ${fit.diagnostics.ess.toFixed(0)}/${fit.diagnostics.samples}; log evidence IS ${fit.diagnostics.logEvidence.toFixed(3)} vs exact ${exact.logEvidence.toFixed(3)}; ELBO ${fit.finalElbo.toFixed(3)}`,
    );
    expect(eMean).toBeLessThan(0.05);
    expect(eCov).toBeLessThan(0.05);
    expect(fit.diagnostics.psisKhat).toBeLessThan(0.5);
    expect(Math.abs(fit.diagnostics.logEvidence - exact.logEvidence)).toBeLessThan(0.05);
    expect(fit.finalElbo).toBeLessThan(exact.logEvidence + 3 * fit.finalElboSe);
    for (const v of Object.values(params)) v.dispose();
  });

  it('mean-field recovers the means and underestimates every marginal variance', { timeout: 300_000 }, () => {
    const fit = fitGlm({
      model: 'linear',
      data,
      intercept: false,
      priorScale: 10,
      noise: { kind: 'known', sigma: 1 },
      family: { kind: 'meanfield' },
      objective: { kind: 'elbo', samples: 16 },
      optimiser: {
        kind: 'adam',
        learningRate: 1,
        momentum: 0.9,
        schedule: { kind: 'robbins-monro', tau0: 50, kappa: 0.8 },
      },
      steps: 1500,
      seed: 3,
    });
    const eMean = relError(fit.mean, exact.mean);
    const ratios = fit.sd.map((s, i) => (s * s) / exact.cov[i * P + i]!);
    // theory: the optimal mean-field variances are 1/Λ_ii
    console.log(
      `mean-field: mean rel. error ${(100 * eMean).toFixed(2)} %, variance ratios q/exact ${ratios.map((r) => r.toFixed(3)).join(', ')}`,
    );
    expect(eMean).toBeLessThan(0.05);
    for (const r of ratios) expect(r).toBeLessThan(0.9);
  });

  it('PSIS k̂ > 0.7 for a mean-field fit of a strongly correlated posterior', () => {
    // 8-D Gaussian posterior with every correlation 0.9
    const D = 8;
    const cov = Float64Array.from({ length: D * D }, (_, i) => (Math.floor(i / D) === i % D ? 1 : 0.9));
    const target = gaussianTarget(
      Float64Array.from({ length: D }, (_, i) => (i % 2 ? -1 : 1)),
      cov,
    );
    const state = sviInit({
      family: makeFamily({ kind: 'meanfield' }, D, { initScale: 0.5 }),
      model: target,
      objective: makeObjective({ kind: 'elbo', samples: 8 }),
      optimiser: { kind: 'adam', learningRate: 0.05 },
      seed: 2,
    });
    for (let i = 0; i < 500; i++) sviStep(state);
    // k̂ from one set of draws is noisy (finite tails); take the median over 5 independent sets of 4000 draws.
    const khats: number[] = [];
    for (let rep = 0; rep < 5; rep++) {
      const lw = tf.tidy(() => {
        const { z, logQ } = state.config.family.sample(fold(key(5), rep), state.params, 4000);
        return tf.sub(target.logJoint(z), logQ);
      });
      khats.push(psis(lw.dataSync()).khat);
      lw.dispose();
    }
    const median = [...khats].sort((x, y) => x - y)[2]!;
    console.log(
      `mean-field on 8-D ρ = 0.9: k̂ per replicate ${khats.map((k) => k.toFixed(3)).join(', ')}; median ${median.toFixed(3)}`,
    );
    expect(median).toBeGreaterThan(0.7);
    sviDispose(state);
  });

  it('same spec and seed give identical numbers; another seed does not', () => {
    const run = (seed: number) =>
      fitGlm({
        model: 'logistic',
        data: { ...data, y: Float32Array.from(data.y, (v) => (v > 0 ? 1 : 0)) },
        family: { kind: 'planar', length: 2 },
        objective: { kind: 'iwae', k: 4 },
        optimiser: { kind: 'adam', learningRate: 0.02, momentum: 0.9 },
        steps: 60,
        seed,
        evaluationSamples: 200,
      });
    const a = run(11);
    const tensors = tf.memory().numTensors;
    const b = run(11);
    expect(tf.memory().numTensors).toBe(tensors); // fitGlm releases its model, state and optimiser
    const c = run(12);
    expect(b.mean).toEqual(a.mean);
    expect(b.sd).toEqual(a.sd);
    expect(b.finalElbo).toBe(a.finalElbo);
    expect(b.history).toEqual(a.history);
    expect(b.posterior).toEqual(a.posterior);
    expect(c.mean).not.toEqual(a.mean);
  });

  it('learned noise, SVGD and bad input: fitGlm summaries and errors', () => {
    const progress: number[] = [];
    const fit = fitGlm({
      model: 'linear',
      data,
      noise: { kind: 'learned' },
      family: { kind: 'meanfield' },
      objective: { kind: 'elbo', samples: 8 },
      optimiser: { kind: 'adam', learningRate: 0.05, momentum: 0.9 },
      steps: 400,
      seed: 5,
      evaluationSamples: 500,
      onProgress: (p) => progress.push(p.step),
    });
    expect(fit.names).toEqual(['(intercept)', 'a', 'b', 'c', 'log σ']);
    expect(progress.at(-1)).toBe(400);
    // coefficients (after the intercept) near the exact known-σ posterior, σ near the true 1
    expect(relError(fit.mean.slice(1, 4), exact.mean)).toBeLessThan(0.1);
    expect(fit.noiseSigma!.mean).toBeGreaterThan(0.7);
    expect(fit.noiseSigma!.mean).toBeLessThan(1.4);

    const sv = fitGlm({
      model: 'linear',
      data,
      intercept: false,
      noise: { kind: 'known', sigma: 1 },
      family: { kind: 'svgd', particles: 40, kernel: 'rbf' },
      objective: { kind: 'elbo', samples: 1 },
      optimiser: { kind: 'adam', learningRate: 0.05, momentum: 0.9 },
      steps: 300,
      seed: 5,
      evaluationSamples: 300,
    });
    console.log(
      `SVGD(40) GLM means ${sv.mean.map((m) => m.toFixed(3)).join(', ')} vs exact ${Array.from(exact.mean, (m) => m.toFixed(3)).join(', ')}`,
    );
    expect(relError(sv.mean, exact.mean)).toBeLessThan(0.05);

    const cols = glmDataFromColumns({ y: [1, 2, 3], a: [0, 1, 2], b: [5, 5, 5] }, 'y', { standardise: true });
    expect(cols.names).toEqual(['a', 'b']);
    expect(Array.from(cols.X)).toEqual([-1, 0, 0, 0, 1, 0]);
    expect(() => glmDataFromColumns({ y: [1] }, 'z')).toThrow('No column named "z"; available: y.');
    expect(() =>
      fitGlm({
        model: 'logistic',
        data,
        family: { kind: 'meanfield' },
        objective: { kind: 'elbo', samples: 1 },
        optimiser: { kind: 'adam', learningRate: 0.01, momentum: 0.9 },
        steps: 10,
        seed: 1,
      }),
    ).toThrow(/0\/1 target; row 0 is .*Recode the classes as 0 and 1/);
    expect(() =>
      fitGlm({
        model: 'linear',
        data: { ...data, rows: 39 },
        family: { kind: 'meanfield' },
        objective: { kind: 'elbo', samples: 1 },
        optimiser: { kind: 'adam', learningRate: 0.01, momentum: 0.9 },
        steps: 10,
        seed: 1,
      }),
    ).toThrow(/expected rows × cols/);
  });
});
