/**
 * Pure pieces of the VAE's evidence lower bound (Kingma & Welling 2014, "Auto-Encoding Variational Bayes", eq. 10):
 *
 *   ELBO(x) = E_{q(z|x)}[log p(x|z)] − KL(q(z|x) ‖ N(0, I)),   q(z|x) = N(μ(x), diag σ²(x)),
 *
 * with the expectation estimated by reparameterised draws z = μ + σ ⊙ ε, ε ~ N(0, I), and the KL in closed form.
 * Every function maps row-major batches [B, ·] to one value per row, shape [B], in nats.
 */
import * as tf from '@tensorflow/tfjs-core';

/** log(2π), the Gaussian normaliser's constant. */
export const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Analytic KL divergence of a diagonal Gaussian from the standard normal, per row:
 *
 *   KL(N(μ, diag e^{lv}) ‖ N(0, I)) = ½ Σ_j (μ_j² + e^{lv_j} − 1 − lv_j).
 *
 * @param mu     [B, k] means μ
 * @param logvar [B, k] log-variances lv = log σ²
 * @returns      [B] KL in nats (≥ 0)
 */
export function gaussianKlStdNormal(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(
    () => tf.mul(0.5, tf.sum(tf.sub(tf.sub(tf.add(tf.square(mu), tf.exp(logvar)), 1), logvar), 1)) as tf.Tensor1D,
  );
}

/**
 * Bernoulli log-likelihood from logits, per row, in the numerically stable form
 *
 *   log p(x | l) = Σ_j x_j log σ(l_j) + (1 − x_j) log(1 − σ(l_j)) = Σ_j x_j l_j − softplus(l_j),
 *
 * with softplus(l) = log(1 + e^l) evaluated without overflow. x may be fractional in [0, 1] (grey levels), as in
 * the usual VAE treatment of scaled images.
 *
 * @param x      [B, d] targets in [0, 1]
 * @param logits [B, d] decoder logits l
 * @returns      [B] log-likelihood in nats (≤ 0 for binary x)
 */
export function bernoulliLogLik(x: tf.Tensor2D, logits: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.sub(tf.mul(x, logits), tf.softplus(logits)), 1) as tf.Tensor1D);
}

/**
 * Diagonal Gaussian log-likelihood with a per-feature log-variance s (shared by all rows), per row:
 *
 *   log N(x | m, diag e^{s}) = −½ Σ_j (log 2π + s_j + (x_j − m_j)² e^{−s_j}).
 *
 * @param x      [B, d] targets (standardised features)
 * @param mean   [B, d] decoder means m
 * @param logvar [d]    per-feature log-variances s
 * @returns      [B] log-likelihood in nats
 */
export function gaussianLogLik(x: tf.Tensor2D, mean: tf.Tensor2D, logvar: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const quad = tf.mul(tf.squaredDifference(x, mean), tf.exp(tf.neg(logvar)));
    return tf.mul(-0.5, tf.sum(tf.add(tf.add(quad, logvar), LOG_2PI), 1)) as tf.Tensor1D;
  });
}

/**
 * Reparameterised draw from the mean-field posterior: z = μ + e^{lv/2} ⊙ ε.
 *
 * @param mu     [B, k]
 * @param logvar [B, k]
 * @param eps    [B, k] standard normal noise (drawn from the engine's rng)
 * @returns      [B, k] z
 */
export function reparameterise(mu: tf.Tensor2D, logvar: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logvar)), eps)) as tf.Tensor2D);
}

/** Plain-number reference of `bernoulliLogLik` for one row: Σ_j x_j log σ(l_j) + (1 − x_j) log(1 − σ(l_j)). */
export function bernoulliLogLikReference(x: ArrayLike<number>, logits: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) {
    const l = logits[j] ?? 0;
    const xj = x[j] ?? 0;
    // log σ(l) = −log(1 + e^{−l}); log(1 − σ(l)) = −log(1 + e^{l}); computed on the side where exp cannot overflow.
    const logSig = l >= 0 ? -Math.log1p(Math.exp(-l)) : l - Math.log1p(Math.exp(l));
    const log1mSig = l >= 0 ? -l - Math.log1p(Math.exp(-l)) : -Math.log1p(Math.exp(l));
    s += xj * logSig + (1 - xj) * log1mSig;
  }
  return s;
}

/**
 * Mixed-type log-likelihood per row: Gaussian columns (mask g_j = 1) with per-feature log-variance s, plus one
 * categorical term per one-hot group G = [start, start + size):
 *
 *   log p(x | out) = Σ_j g_j log N(x_j | out_j, e^{s_j}) + Σ_G Σ_{j∈G} x_j log softmax(out_G)_j.
 *
 * @param x       [B, d] standardised numeric columns and one-hot groups
 * @param out     [B, d] decoder output (means for Gaussian columns, logits for categorical ones)
 * @param logvar  [d]    log-variances (only the Gaussian columns' entries matter)
 * @param gaussianMask [d] 1 for Gaussian columns, 0 for one-hot columns
 * @param groups  one-hot groups as { start, size }
 * @returns       [B] log-likelihood in nats
 */
export function mixedLogLik(
  x: tf.Tensor2D,
  out: tf.Tensor2D,
  logvar: tf.Tensor1D,
  gaussianMask: tf.Tensor1D,
  groups: ReadonlyArray<{ start: number; size: number }>,
): tf.Tensor1D {
  return tf.tidy(() => {
    const quad = tf.mul(tf.squaredDifference(x, out), tf.exp(tf.neg(logvar)));
    let ll = tf.mul(-0.5, tf.sum(tf.mul(tf.add(tf.add(quad, logvar), LOG_2PI), gaussianMask), 1)) as tf.Tensor1D;
    const B = x.shape[0];
    for (const g of groups) {
      const xs = tf.slice(x, [0, g.start], [B, g.size]);
      const ls = tf.logSoftmax(tf.slice(out, [0, g.start], [B, g.size]));
      ll = tf.add(ll, tf.sum(tf.mul(xs, ls), 1));
    }
    return ll;
  });
}

/** Mean of p(x | out) for mixed data: the Gaussian means, and softmax(out_G) for each one-hot group. */
export function mixedMean(out: tf.Tensor2D, groups: ReadonlyArray<{ start: number; size: number }>): tf.Tensor2D {
  return tf.tidy(() => {
    if (groups.length === 0) return tf.clone(out);
    const B = out.shape[0];
    const d = out.shape[1];
    const parts: tf.Tensor2D[] = [];
    let at = 0;
    const sorted = [...groups].sort((a, b) => a.start - b.start);
    for (const g of sorted) {
      if (g.start > at) parts.push(tf.slice(out, [0, at], [B, g.start - at]));
      parts.push(tf.softmax(tf.slice(out, [0, g.start], [B, g.size])));
      at = g.start + g.size;
    }
    if (at < d) parts.push(tf.slice(out, [0, at], [B, d - at]));
    return tf.concat(parts, 1);
  });
}
