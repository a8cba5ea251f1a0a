/**
 * Normalised toy targets (log densities include every constant, so KL(q ‖ p) = E_q[log q − log p] exactly):
 *   gaussianTarget(μ, Σ):  N(μ, Σ) in any dimension (a conjugate posterior stand-in);
 *   bimodalTarget():       ½ N((−2, −2), I) + ½ N((2, 2), I);
 *   bananaTarget(b, s):    x₁ ~ N(0, 1), x₂ | x₁ ~ N(b (x₁² − 1), s²)   (a twisted Gaussian, Haario et al. 1999).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GlobalModel } from './model.js';
import { cholesky, logDetSpd, spdInverse } from './linalg.js';
import { unstackSafe } from '../../bijectors/base.js';

const LOG_2PI = Math.log(2 * Math.PI);

export function gaussianTarget(
  mean: Float64Array,
  cov: Float64Array,
): GlobalModel & { mean: Float64Array; cov: Float64Array } {
  const D = mean.length;
  if (cov.length !== D * D) throw new RangeError(`Expected a ${D}×${D} covariance, got ${cov.length} entries.`);
  cholesky(cov, D);
  const prec = Float32Array.from(spdInverse(cov, D));
  const mu = Float32Array.from(mean);
  const c = -0.5 * (D * LOG_2PI + logDetSpd(cov, D));
  return {
    dim: D,
    names: Array.from({ length: D }, (_, i) => `x${i + 1}`),
    exact: true,
    mean,
    cov,
    logJoint(theta: tf.Tensor): tf.Tensor {
      const d = tf.sub(theta, tf.tensor1d(mu));
      return tf.add(tf.mul(-0.5, tf.sum(tf.mul(d, tf.matMul(d, tf.tensor2d(prec, [D, D]))), -1)), c);
    },
  };
}

export function bimodalTarget(sep = 2): GlobalModel {
  return {
    dim: 2,
    names: ['x1', 'x2'],
    exact: true,
    logJoint(theta: tf.Tensor): tf.Tensor {
      const a = tf.mul(-0.5, tf.sum(tf.square(tf.add(theta, sep)), -1));
      const b = tf.mul(-0.5, tf.sum(tf.square(tf.sub(theta, sep)), -1));
      return tf.sub(tf.logSumExp(tf.stack([a, b], 0), 0), LOG_2PI + Math.log(2));
    },
  };
}

export function bananaTarget(b = 1, s = 0.5): GlobalModel {
  return {
    dim: 2,
    names: ['x1', 'x2'],
    exact: true,
    logJoint(theta: tf.Tensor): tf.Tensor {
      const [x1, x2] = unstackSafe(theta, 1) as [tf.Tensor, tf.Tensor];
      const l1 = tf.mul(-0.5, tf.square(x1));
      const r = tf.div(tf.sub(x2, tf.mul(b, tf.sub(tf.square(x1), 1))), s);
      const l2 = tf.mul(-0.5, tf.square(r));
      return tf.sub(tf.add(l1, l2), LOG_2PI + Math.log(s));
    },
  };
}

/** Exact draws from the bimodal target (row-major [n, 2]), for sample-based KL estimates. */
export function sampleBimodal(u: Float64Array, e: Float64Array, n: number, sep = 2): Float64Array {
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const c = u[i]! < 0.5 ? -sep : sep;
    out[2 * i] = c + e[2 * i]!;
    out[2 * i + 1] = c + e[2 * i + 1]!;
  }
  return out;
}

/** Exact draws from the banana target from standard normals e [2n]. */
export function sampleBanana(e: Float64Array, n: number, b = 1, s = 0.5): Float64Array {
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const x1 = e[2 * i]!;
    out[2 * i] = x1;
    out[2 * i + 1] = b * (x1 * x1 - 1) + s * e[2 * i + 1]!;
  }
  return out;
}

/**
 * The banana's whitening map T(x) = (x₁, (x₂ − b(x₁² − 1))/s): T pushes the banana to N(0, I) with a constant
 * Jacobian, and KL is invariant under bijections, so KL(q ‖ banana) = KL(T#q ‖ N(0, I)). Row-major [n, 2].
 */
export function whitenBanana(x: ArrayLike<number>, n: number, b = 1, s = 0.5): Float32Array {
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const x1 = x[2 * i]!;
    out[2 * i] = x1;
    out[2 * i + 1] = (x[2 * i + 1]! - b * (x1 * x1 - 1)) / s;
  }
  return out;
}
