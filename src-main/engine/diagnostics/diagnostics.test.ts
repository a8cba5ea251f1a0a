/**
 * A linear-Gaussian latent model with exact evidence: z ~ N(0, I₂), x | z ~ N(W z + c, σ² I₄).
 * With the optimal mean-field q(z | x) supplied through the amortised form:
 *   ELBO ≤ IWAE-5 ≤ IWAE-50 ≤ log p(x), and the gaps shrink in that order (Burda et al. 2015, Thm 1);
 * the chunked importance-sampled log-likelihood with K = 5000 matches log p(x).
 * Also PSIS on known heavy/light tails and Burda's active-unit criterion.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { key, normal, fold, uniform } from '../rng.js';
import { meanSe } from '../models/common/testing.js';
import { makeFamily } from '../families/index.js';
import { inverseSoftplus } from '../families/params.js';
import { mvnLogPdf, spdInverse } from '../models/common/linalg.js';
import { importanceLogLikelihood } from './loglik.js';
import { activeUnits, klPerDimension } from './latent.js';
import { essOf, psis } from './psis.js';

beforeAll(async () => {
  await initBackend();
});

const W = [
  [1, 0.8],
  [0.9, 1.1],
  [0.5, 0.6],
  [-0.3, 0.2],
];
const c = [0.5, -0.5, 0, 1];
const sigma = 0.5;
const B = 16;
const LOG_2PI = Math.log(2 * Math.PI);

function setup() {
  const e = normal(key(21), B * 6);
  const x = new Float64Array(B * 4);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < 4; i++)
      x[b * 4 + i] = W[i]![0]! * e[b * 6]! + W[i]![1]! * e[b * 6 + 1]! + c[i]! + sigma * e[b * 6 + 2 + i]!;
  // exact posterior precision Λ = I + WᵀW/σ² and evidence N(x; c, WWᵀ + σ²I)
  const prec = new Float64Array(4);
  for (let a = 0; a < 2; a++)
    for (let d = 0; d < 2; d++)
      prec[a * 2 + d] = (a === d ? 1 : 0) + W.reduce((s, r) => s + r[a]! * r[d]!, 0) / sigma ** 2;
  const cov = spdInverse(prec, 2);
  const margCov = new Float64Array(16);
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++)
      margCov[i * 4 + j] = W[i]![0]! * W[j]![0]! + W[i]![1]! * W[j]![1]! + (i === j ? sigma ** 2 : 0);
  const logPx = new Float64Array(B);
  const hWide = new Float32Array(B * 4); // an over-dispersed proposal for importance sampling
  const h = new Float32Array(B * 4); // encoder output: [loc (2), raw scale (2)] — names sorted: base.loc, base.scale
  for (let b = 0; b < B; b++) {
    const xb = x.slice(b * 4, b * 4 + 4);
    logPx[b] = mvnLogPdf(xb, Float64Array.from(c), margCov, 4);
    const wtr = [0, 1].map((a) => W.reduce((s, r, i) => s + (r[a]! * (xb[i]! - c[i]!)) / sigma ** 2, 0));
    const mu = [0, 1].map((a) => cov[a * 2]! * wtr[0]! + cov[a * 2 + 1]! * wtr[1]!);
    h[b * 4] = mu[0]!;
    h[b * 4 + 1] = mu[1]!;
    // optimal mean-field sd: 1/√Λ_ii (narrower than the exact marginal)
    for (let a = 0; a < 2; a++)
      h[b * 4 + 2 + a] = inverseSoftplus(1 / Math.sqrt(prec[a * 2 + a]!)) - inverseSoftplus(1);
    hWide.set([mu[0]!, mu[1]!], b * 4);
    for (let a = 0; a < 2; a++)
      hWide[b * 4 + 2 + a] = inverseSoftplus(1.3 * Math.sqrt(cov[a * 2 + a]!)) - inverseSoftplus(1);
  }
  return { x, logPx, h, hWide };
}

const { x, logPx, h, hWide } = setup();
const family = makeFamily({ kind: 'meanfield' }, 2, { form: 'amortised', initScale: 1 });

/** logW [n, B] for n draws per datum. */
function logWeights(k: ReturnType<typeof key>, n: number, enc: Float32Array = h): tf.Tensor {
  return tf.tidy(() => {
    const { z, logQ } = family.sampleAmortised(k, {}, tf.tensor2d(enc, [B, 4]), n); // z [n, B, 2]
    const Wt = tf.tensor2d(W.flat(), [4, 2]);
    const mean = tf.add(tf.sum(tf.mul(tf.expandDims(z, 2), Wt), -1), tf.tensor1d(c)); // [n, B, 4]
    const lik = tf.sum(
      tf.sub(
        tf.mul(-0.5 / sigma ** 2, tf.square(tf.sub(tf.tensor2d(Float32Array.from(x), [B, 4]), mean))),
        Math.log(sigma) + 0.5 * LOG_2PI,
      ),
      -1,
    );
    const prior = tf.sum(tf.sub(tf.mul(-0.5, tf.square(z)), 0.5 * LOG_2PI), -1);
    return tf.sub(tf.add(lik, prior), logQ);
  });
}

describe('bounds on a linear-Gaussian model with exact evidence', () => {
  it('ELBO ≤ IWAE-5 ≤ IWAE-50 ≤ log p(x), with shrinking gaps', () => {
    const S = 10000;
    const lw = logWeights(key(3), S);
    const v = lw.dataSync();
    lw.dispose();
    const lp = logPx.reduce((a, b) => a + b, 0) / B;
    const est = (K: number) => {
      const G = S / K;
      const vals = new Float64Array(G);
      for (let g = 0; g < G; g++) {
        let tot = 0;
        for (let b = 0; b < B; b++) {
          let m = -Infinity;
          for (let k = 0; k < K; k++) m = Math.max(m, v[(g * K + k) * B + b]!);
          let s = 0;
          for (let k = 0; k < K; k++) s += Math.exp(v[(g * K + k) * B + b]! - m);
          tot += m + Math.log(s / K);
        }
        vals[g] = tot / B;
      }
      return meanSe(vals);
    };
    const e1 = est(1);
    const e5 = est(5);
    const e50 = est(50);
    const gaps = [lp - e1.mean, lp - e5.mean, lp - e50.mean];
    console.log(
      `log p(x) ${lp.toFixed(4)}; ELBO ${e1.mean.toFixed(4)}±${e1.se.toFixed(4)}, IWAE-5 ${e5.mean.toFixed(4)}±${e5.se.toFixed(4)}, ` +
        `IWAE-50 ${e50.mean.toFixed(4)}±${e50.se.toFixed(4)}; gaps ${gaps.map((g) => g.toFixed(4)).join(' > ')}`,
    );
    expect(e5.mean - e1.mean).toBeGreaterThan(3 * Math.hypot(e1.se, e5.se));
    expect(e50.mean - e5.mean).toBeGreaterThan(3 * Math.hypot(e5.se, e50.se));
    expect(e50.mean).toBeLessThan(lp + 3 * e50.se);
    expect(gaps[0]!).toBeGreaterThan(gaps[1]!);
    expect(gaps[1]!).toBeGreaterThan(gaps[2]!);
  });

  it('importance-sampled log-likelihood with K = 5000 (chunked, with progress) matches log p(x)', () => {
    const progress: number[] = [];
    const r = importanceLogLikelihood((k, n) => logWeights(k, n, hWide), {
      k: 5000,
      chunk: 500,
      key: key(8),
      onProgress: (d) => progress.push(d),
    });
    expect(progress).toEqual([500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000]);
    let maxErr = 0;
    let meanErr = 0;
    for (let b = 0; b < B; b++) {
      maxErr = Math.max(maxErr, Math.abs(r.perDatum[b]! - logPx[b]!));
      meanErr += (r.perDatum[b]! - logPx[b]!) / B;
    }
    const exactMean = logPx.reduce((a, v) => a + v, 0) / B;
    console.log(
      `IS log-likelihood K = 5000: mean ${r.mean.toFixed(4)} vs exact ${exactMean.toFixed(4)}; max |error| ${maxErr.toFixed(4)} nats over ${B} points; min ESS ${Math.min(...r.ess).toFixed(0)}`,
    );
    expect(Math.abs(meanErr)).toBeLessThan(0.02);
    expect(maxErr).toBeLessThan(0.1);
  });
});

describe('PSIS and latent diagnostics', () => {
  it('k̂ ≈ 1/α for Pareto(α) ratios, ≈ 0 for bounded ratios', () => {
    const u = uniform(key(4), 5000);
    const heavy = Float64Array.from(u, (v) => -Math.log(v) / 0.8); // log of Pareto(α = 0.8): k = 1.25
    const light = Float64Array.from(uniform(fold(key(4), 1), 5000), (v) => Math.log(v));
    const rh = psis(heavy);
    const rl = psis(light);
    console.log(`PSIS: Pareto(0.8) k̂ ${rh.khat.toFixed(3)} (true 1.25); uniform ratios k̂ ${rl.khat.toFixed(3)}`);
    expect(Math.abs(rh.khat - 1.25)).toBeLessThan(0.25);
    expect(rl.khat).toBeLessThan(0.2);
    expect(essOf(new Float64Array(10))).toBeCloseTo(10);
    expect(() => psis([1, 2])).toThrow(/at least 5/);
  });

  it('KL per dimension and active units follow Burda’s criterion', () => {
    // dim 0 varies across data (active), dim 1 is collapsed to the prior
    const Bn = 50;
    const mu = new Float64Array(Bn * 2);
    const sd = new Float64Array(Bn * 2);
    for (let b = 0; b < Bn; b++) {
      mu[b * 2] = Math.sin(b);
      sd[b * 2] = 0.2;
      mu[b * 2 + 1] = 0.001 * Math.cos(b);
      sd[b * 2 + 1] = 1;
    }
    const au = activeUnits(mu, Bn, 2);
    expect(au.active).toBe(1);
    const kl = klPerDimension(mu, sd, Bn, 2);
    expect(kl[0]!).toBeGreaterThan(0.5);
    expect(kl[1]!).toBeLessThan(1e-4);
  });
});

describe('importance-sampled log-likelihood: ELBO and k̂ from the same draws', () => {
  it('returns the mean log-weight as the ELBO, ≤ the estimate row by row, and a k̂ per row', () => {
    // Two data: row 0 has bounded weights (k̂ small), row 1 Pareto(0.8)-tailed ratios (k̂ ≈ 1.25).
    const K = 2000;
    const u = uniform(key(21), 2 * K);
    const all = new Float32Array(2 * K);
    for (let i = 0; i < K; i++) {
      all[i * 2] = Math.log(0.5 + 0.5 * u[i]!);
      all[i * 2 + 1] = -Math.log(1 - u[K + i]!) / 0.8;
    }
    let drawn = 0;
    const r = importanceLogLikelihood(
      (_k, n) => {
        const t = tf.tensor2d(all.subarray(drawn * 2, (drawn + n) * 2), [n, 2]);
        drawn += n;
        return t;
      },
      { k: K, chunk: 300, key: key(1), khat: true },
    );
    for (let b = 0; b < 2; b++) {
      let m = 0;
      for (let i = 0; i < K; i++) m += all[i * 2 + b]! / K;
      expect(r.elbo[b]!).toBeCloseTo(m, 4);
      expect(r.perDatum[b]!).toBeGreaterThanOrEqual(r.elbo[b]!);
    }
    expect(r.khat![0]!).toBeLessThan(0.3);
    expect(Math.abs(r.khat![1]! - 1.25)).toBeLessThan(0.3);
  });
});
