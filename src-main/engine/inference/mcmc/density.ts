/**
 * The log density a sampler moves on, evaluated for a batch of points at once:
 *   evaluate(θ [S, D] row-major) → log p(θ) [S] and ∇_θ log p(θ) [S, D].
 * `modelLogDensity` takes both from a GlobalModel's tfjs `logJoint` (the same function the variational fit
 * differentiates) with one `tf.valueAndGrad` over the sum of the batch: the points are independent, so the gradient
 * of the sum is each point's own gradient. The sampler keeps its state in float64; points cross into tfjs as float32.
 * A non-finite log density (or gradient) comes back as −∞ so the sampler treats the point as divergent.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { GlobalModel } from '../../models/common/model.js';

export interface LogDensityBatch {
  readonly dim: number;
  /** log p and ∇ log p at S points θ [S, D] (row-major, float64); returns logp [S] and grad [S, D]. */
  evaluate(theta: Float64Array, S: number): { logp: Float64Array; grad: Float64Array };
}

/** A batched log density on a GlobalModel's tfjs log joint and its tfjs gradient. */
export function modelLogDensity(model: GlobalModel): LogDensityBatch {
  const D = model.dim;
  let perPoint: tf.Tensor | null = null;
  const vg = tf.valueAndGrad((theta: tf.Tensor) => {
    const lj = model.logJoint(theta);
    perPoint = tf.keep(lj);
    return tf.sum(lj);
  });
  return {
    dim: D,
    evaluate(theta, S) {
      if (theta.length !== S * D)
        throw new RangeError(`Expected ${S} × ${D} = ${S * D} coordinates, got ${theta.length}`);
      const grad = tf.tidy(() => vg(tf.tensor2d(Float32Array.from(theta), [S, D])).grad);
      const g = Float64Array.from(grad.dataSync());
      grad.dispose();
      const pp = perPoint as tf.Tensor | null;
      if (!pp) throw new Error('The model log joint produced no per-point values.');
      const logp = Float64Array.from(pp.dataSync());
      pp.dispose();
      perPoint = null;
      for (let s = 0; s < S; s++) {
        let ok = Number.isFinite(logp[s]!);
        for (let d = 0; ok && d < D; d++) ok = Number.isFinite(g[s * D + d]!);
        if (!ok) logp[s] = -Infinity;
      }
      return { logp, grad: g };
    },
  };
}
