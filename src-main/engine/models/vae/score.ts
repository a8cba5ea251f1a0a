/**
 * Scores of new rows under a fitted VAE (what "use the model on a new CSV" shows), for prepared rows x' [n × d]:
 *
 *   mean_i   = E_q[z | x_i]  (the location for flow-free families, π for categorical latents, else a Monte Carlo
 *              mean of S draws with a fixed key, so the same rows always give the same numbers)
 *   sd_i     = the marginal standard deviations of q(z | x_i) (closed form where the family has one; √(π(1 − π)) for
 *              categorical latents; else the spread of the same S draws)
 *   reconLogLik_i = log p(x_i | z = mean_i)   — the plug-in reconstruction log-likelihood, in nats
 *   reconError_i  = mean_j (x'_ij − E[x'_ij | z = mean_i])²   — the reconstruction's mean squared error in x' units
 *
 * Rows are processed in batches so a large file never builds one huge tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import { key } from '../../rng';
import type { TensorMap } from '../../families/params';
import type { VaeModel } from './model';

export interface VaeScores {
  n: number;
  /** Width of z (N·K for categorical latents). */
  latentDim: number;
  /** Row-major [n × latentDim]. */
  mean: Float32Array;
  sd: Float32Array;
  reconLogLik: Float32Array;
  reconError: Float32Array;
  /** How sd was obtained. */
  sdMethod: 'exact' | 'monte-carlo' | 'categorical';
}

export function scoreVae(
  model: VaeModel,
  x: Float32Array,
  n: number,
  opts: { seed?: number; samples?: number; batch?: number } = {},
): VaeScores {
  const d = model.config.d;
  if (x.length !== n * d) throw new Error(`Expected ${n} × ${d} prepared values (${n * d}), got ${x.length}.`);
  const p = model.posterior;
  const D = p.dim;
  const S = opts.samples ?? 64;
  const batch = Math.max(1, opts.batch ?? 512);
  const seed = opts.seed ?? 1;
  const out: VaeScores = {
    n,
    latentDim: D,
    mean: new Float32Array(n * D),
    sd: new Float32Array(n * D),
    reconLogLik: new Float32Array(n),
    reconError: new Float32Array(n),
    sdMethod: p.kind === 'categorical' ? 'categorical' : 'exact',
  };
  for (let b0 = 0; b0 < n; b0 += batch) {
    const B = Math.min(batch, n - b0);
    const [mean, sd, ll, err] = tf.tidy(() => {
      const xb = tf.tensor2d(x.subarray(b0 * d, (b0 + B) * d), [B, d]);
      const h = model.encode(xb);
      const k = key(seed);
      let mu: tf.Tensor2D;
      let sdT: tf.Tensor2D;
      if (p.kind === 'categorical') {
        mu = p.probs(h);
        sdT = tf.sqrt(tf.mul(mu, tf.sub(1, mu))) as tf.Tensor2D;
      } else {
        const exact = p.marginalSd(h);
        if (p.meanIsLocation && exact) {
          mu = p.location(h);
          sdT = exact;
        } else {
          const z = p.sample(k, model.shared as TensorMap, h, S).z; // [S, B, D]
          mu = model.posteriorMean(k, h, S);
          sdT = exact ?? (tf.sqrt(tf.mean(tf.square(tf.sub(z, tf.mean(z, 0))), 0)) as tf.Tensor2D);
          if (!exact) out.sdMethod = 'monte-carlo';
        }
      }
      const dec = model.decode(mu) as tf.Tensor2D;
      const logLik = model.logLik(xb, dec) as tf.Tensor1D;
      const recon = model.mean(dec);
      const mse = tf.mean(tf.squaredDifference(xb, recon), -1);
      return [mu, sdT, logLik, mse];
    });
    out.mean.set(mean.dataSync() as Float32Array, b0 * D);
    out.sd.set(sd.dataSync() as Float32Array, b0 * D);
    out.reconLogLik.set(ll.dataSync() as Float32Array, b0);
    out.reconError.set(err.dataSync() as Float32Array, b0);
    tf.dispose([mean, sd, ll, err]);
  }
  return out;
}
