/**
 * Bounds as reductions of one log-weight tensor logW [S, B], logW_sb = log p(x_b, z_sb) − log q(z_sb | x_b)
 * (the structure of NumPyro's RenyiELBO). Each returns the per-datum bound [B]:
 *   ELBO      L = (1/S) Σ_s logW_s                                     (Jordan et al. 1999)
 *   IWAE-K    L_K = logsumexp_s logW_s − log K                        (Burda et al. 2015)
 *   Rényi-α   L_α = 1/(1−α) [logsumexp_s (1−α) logW_s − log S]        (Li & Turner 2016)
 * with α = 0 giving IWAE and α → 1 the ELBO (for |1 − α| < 1e-3 the second-order expansion
 * mean + (1−α)/2 · var is used, avoiding the 0/0).
 */
import * as tf from '@tensorflow/tfjs-core';

function checkLogW(logW: tf.Tensor): number {
  if (logW.rank !== 2)
    throw new RangeError(
      `Expected log-weights of shape [S, B], got [${logW.shape.join(', ')}]; reshape [S] to [S, 1].`,
    );
  return logW.shape[0]!;
}

export function elboBound(logW: tf.Tensor): tf.Tensor {
  checkLogW(logW);
  return tf.mean(logW, 0);
}

export function iwaeBound(logW: tf.Tensor): tf.Tensor {
  const S = checkLogW(logW);
  return tf.sub(tf.logSumExp(logW, 0), Math.log(S));
}

export function renyiBound(logW: tf.Tensor, alpha: number): tf.Tensor {
  const S = checkLogW(logW);
  if (!Number.isFinite(alpha)) throw new RangeError(`Expected a finite Rényi α, got ${alpha}`);
  const c = 1 - alpha;
  if (Math.abs(c) < 1e-3) {
    const m = tf.mean(logW, 0);
    if (c === 0 || S === 1) return m;
    const v = tf.div(tf.sum(tf.square(tf.sub(logW, m)), 0), S);
    return tf.add(m, tf.mul(c / 2, v));
  }
  return tf.div(tf.sub(tf.logSumExp(tf.mul(c, logW), 0), Math.log(S)), c);
}

/** Self-normalised importance weights w̃ [S, B] (softmax over S). */
export function normalisedWeights(logW: tf.Tensor): tf.Tensor {
  checkLogW(logW);
  return tf.exp(tf.sub(logW, tf.logSumExp(logW, 0, true)));
}
