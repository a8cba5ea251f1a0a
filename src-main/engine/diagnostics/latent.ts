/**
 * Latent-space diagnostics for amortised Gaussian posteriors q(z | x) = N(μ(x), diag σ²(x)) and an N(0, I) prior.
 *   KL per dimension: KL_d = mean_x ½(σ_d² + μ_d² − 1 − log σ_d²)  (nats; collapsed units have KL_d ≈ 0).
 *   Active units (Burda et al. 2015, §5.2): unit d is active when A_d = Cov_x(E_q[z_d | x]) > 0.01.
 * Also a Monte Carlo KL(q ‖ p) estimate for any family against a normalised target.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Key } from '../rng.js';
import type { Family } from '../families/family.js';
import type { TensorMap } from '../families/params.js';
import type { GlobalModel } from '../models/common/model.js';
import { meanSe } from '../../../src-shared/stats/mean-se.js';

/** KL per latent dimension, averaged over data, from μ and σ [B, D] (float arrays, row-major). */
export function klPerDimension(mu: ArrayLike<number>, sigma: ArrayLike<number>, B: number, D: number): Float64Array {
  const out = new Float64Array(D);
  for (let b = 0; b < B; b++)
    for (let d = 0; d < D; d++) {
      const m = mu[b * D + d]!;
      const s = sigma[b * D + d]!;
      out[d]! += (0.5 * (s * s + m * m - 1 - 2 * Math.log(s))) / B;
    }
  return out;
}

/** Burda's activity statistic A_d = Var_x(μ_d(x)) per dimension, and the count with A_d > threshold. */
export function activeUnits(
  mu: ArrayLike<number>,
  B: number,
  D: number,
  threshold = 0.01,
): { activity: Float64Array; active: number } {
  if (B < 2) throw new RangeError(`Expected at least 2 data points to measure active units, got ${B}`);
  const mean = new Float64Array(D);
  for (let b = 0; b < B; b++) for (let d = 0; d < D; d++) mean[d]! += mu[b * D + d]! / B;
  const activity = new Float64Array(D);
  for (let b = 0; b < B; b++) for (let d = 0; d < D; d++) activity[d]! += (mu[b * D + d]! - mean[d]!) ** 2 / (B - 1);
  let active = 0;
  for (const a of activity) if (a > threshold) active++;
  return { activity, active };
}

/**
 * KL(q ‖ p) ≈ mean_s [log q(z_s) − log p(z_s)], z_s ~ q, for a normalised target (model.exact) — else the result
 * is KL minus log Z. Returns the estimate and its standard error.
 */
export function monteCarloKl(
  family: Family,
  params: TensorMap,
  model: GlobalModel,
  samples: number,
  k: Key,
): { kl: number; se: number } {
  const t = tf.tidy(() => {
    const { z, logQ } = family.sample(k, params, samples);
    return tf.sub(logQ, model.logJoint(z));
  });
  const v = t.dataSync();
  t.dispose();
  const { mean, se } = meanSe(v);
  return { kl: mean, se };
}

/**
 * k-nearest-neighbour estimate of KL(q ‖ p) from samples of both (Wang, Kulkarni & Verdú 2009):
 *   KL ≈ (D/n) Σ_i log(ν_k(i) / ρ_k(i)) + log(m / (n − 1)),
 * ρ_k(i) the distance from x_i to its k-th nearest neighbour among the other n − 1 q-samples, ν_k(i) to its k-th
 * nearest among the m p-samples. Needs no density of q, so it compares SVGD particles with parametric families
 * on equal terms. x [n, D] and y [m, D] row-major.
 */
export function knnKl(x: ArrayLike<number>, n: number, y: ArrayLike<number>, m: number, D: number, k = 1): number {
  if (n < k + 1 || m < k)
    throw new RangeError(`Expected n > k and m ≥ k samples for the kNN KL estimate, got n = ${n}, m = ${m}, k = ${k}`);
  const kth = (dists: number[]): number => {
    dists.sort((a, b) => a - b);
    return Math.sqrt(Math.max(dists[k - 1]!, 1e-300));
  };
  let s = 0;
  for (let i = 0; i < n; i++) {
    const dq: number[] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let d = 0;
      for (let c = 0; c < D; c++) d += (x[i * D + c]! - x[j * D + c]!) ** 2;
      dq.push(d);
    }
    const dp: number[] = [];
    for (let j = 0; j < m; j++) {
      let d = 0;
      for (let c = 0; c < D; c++) d += (x[i * D + c]! - y[j * D + c]!) ** 2;
      dp.push(d);
    }
    s += Math.log(kth(dp) / kth(dq));
  }
  return (D / n) * s + Math.log(m / (n - 1));
}
