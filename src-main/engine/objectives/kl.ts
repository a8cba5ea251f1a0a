/**
 * Closed-form Kullback–Leibler divergences between Gaussians.
 *   KL(N(μ, σ²) ‖ N(m, s²)) = log(s/σ) + (σ² + (μ − m)²)/(2 s²) − ½            (per coordinate)
 *   KL(N(μ₁, Σ₁) ‖ N(μ₂, Σ₂)) = ½[tr(Σ₂⁻¹Σ₁) + (μ₂−μ₁)ᵀΣ₂⁻¹(μ₂−μ₁) − D + log|Σ₂| − log|Σ₁|]
 * The tensor forms are differentiable (used by analytic-KL ELBOs); the float64 form is a reference.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GaussianForm } from '../families/family.js';
import { cholesky, cholSolve, logDetSpd } from '../models/common/linalg.js';

/** Per-coordinate KL(N(μ, σ²) ‖ N(0, 1)) [..., D]. */
export function klNormalStd(mu: tf.Tensor, sigma: tf.Tensor): tf.Tensor {
  return tf.mul(0.5, tf.sub(tf.add(tf.square(sigma), tf.square(mu)), tf.add(1, tf.mul(2, tf.log(sigma)))));
}

/** Per-coordinate KL(N(μ, σ²) ‖ N(m, s²)) [..., D]. */
export function klNormalDiag(mu: tf.Tensor, sigma: tf.Tensor, m: tf.Tensor | number, s: tf.Tensor | number): tf.Tensor {
  const s2 = tf.square(s);
  return tf.add(
    tf.sub(tf.log(s), tf.log(sigma)),
    tf.sub(tf.div(tf.add(tf.square(sigma), tf.square(tf.sub(mu, m))), tf.mul(2, s2)), 0.5),
  );
}

/**
 * KL(N(μ, L Lᵀ) ‖ N(m, diag s²)) for lower-triangular L [..., D, D] and a diagonal prior → [...].
 */
export function klTrilDiag(mu: tf.Tensor, L: tf.Tensor, m: tf.Tensor | number, s: tf.Tensor | number): tf.Tensor {
  const D = mu.shape[mu.rank - 1]!;
  const s2 = tf.square(tf.add(tf.zerosLike(mu), s)); // [..., D]
  const trace = tf.sum(tf.div(tf.sum(tf.square(L), -1), s2), -1); // Σ_i (LLᵀ)_ii / s_i²
  const maha = tf.sum(tf.div(tf.square(tf.sub(mu, m)), s2), -1);
  const eye = tf.eye(D);
  const logDiag = tf.sum(tf.mul(eye, tf.log(tf.add(tf.abs(L), tf.sub(1, eye)))), [-2, -1]);
  return tf.mul(0.5, tf.add(tf.sub(tf.add(trace, maha), D), tf.sub(tf.sum(tf.log(s2), -1), tf.mul(2, logDiag))));
}

/**
 * KL(q ‖ N(m, diag s²)) for an exactly Gaussian q (Family.gaussian): per coordinate [..., D] for a diagonal scale
 * (perDim, null for a full factor) and the total [...].
 */
export function klGaussianToDiag(
  q: GaussianForm,
  m: tf.Tensor | number,
  s: tf.Tensor | number,
): { perDim: tf.Tensor | null; total: tf.Tensor } {
  if (q.tril) return { perDim: null, total: klTrilDiag(q.loc, q.tril, m, s) };
  const perDim = m === 0 && s === 1 ? klNormalStd(q.loc, q.scale) : klNormalDiag(q.loc, q.scale, m, s);
  return { perDim, total: tf.sum(perDim, -1) };
}

/** Reference KL between full-covariance Gaussians in float64 (row-major covariances). */
export function klMvn(mu1: Float64Array, cov1: Float64Array, mu2: Float64Array, cov2: Float64Array): number {
  const D = mu1.length;
  const L2 = cholesky(cov2, D);
  let tr = 0;
  for (let j = 0; j < D; j++) {
    const col = Float64Array.from({ length: D }, (_, i) => cov1[i * D + j]!);
    tr += cholSolve(L2, D, col)[j]!;
  }
  const diff = Float64Array.from(mu2, (v, i) => v - mu1[i]!);
  const sol = cholSolve(L2, D, diff);
  let maha = 0;
  for (let i = 0; i < D; i++) maha += diff[i]! * sol[i]!;
  return 0.5 * (tr + maha - D + logDetSpd(cov2, D) - logDetSpd(cov1, D));
}
