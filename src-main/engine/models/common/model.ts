/**
 * The model interface every global posterior is fitted against.
 *
 * A GlobalModel has a parameter vector θ ∈ ℝᴰ (unconstrained: positive quantities enter on the log scale) and
 * evaluates its log joint for a batch of S parameter draws at once:
 *   logJoint(θ [S, D]) → [S],  log p(y, θ) = log p(θ) + Σ_n log p(y_n | θ)   (up to constants that do not depend on θ
 *   only if `exact` is false; models with `exact: true` include every constant, so evidence estimates are absolute).
 * It must be built from tfjs ops so gradients flow to θ (reparameterised estimator) and must not dispose its inputs.
 * `names` label the coordinates for summaries. Optional `logPrior`/`logLikelihood` split the joint (used for β and
 * analytic-KL objectives), and `priorGaussian` declares an N(loc, diag(scale²)) prior for analytic KL.
 */
import type * as tf from '@tensorflow/tfjs-core';

export interface GlobalModel {
  readonly dim: number;
  readonly names: readonly string[];
  /** True when logJoint includes all normalising constants. */
  readonly exact: boolean;
  logJoint(theta: tf.Tensor): tf.Tensor;
  logPrior?(theta: tf.Tensor): tf.Tensor;
  logLikelihood?(theta: tf.Tensor): tf.Tensor;
  /** When the prior is N(loc, diag(scale²)), its parameters (for analytic KL). */
  priorGaussian?: { loc: Float64Array; scale: Float64Array };
  /** Release tensors the model holds (design matrices …). */
  dispose?(): void;
}
