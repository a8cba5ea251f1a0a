/**
 * Importance-sampled log-likelihood (Burda et al. 2015, §5; the IWAE bound with large K):
 *   log p(x_b) ≈ log (1/K) Σ_k exp(logW_kb),  logW_kb = log p(x_b, z_kb) − log q(z_kb | x_b),  z_kb ~ q,
 * computed in chunks of draws so K can reach 5,000 without holding [K, B] at once: a running log-sum-exp per
 * datum in float64. The estimate is a stochastic lower bound that tightens as K grows.
 * From the same draws: the ELBO per datum, (1/K) Σ_k logW_kb, so ELBO_b ≤ log p̂(x_b) holds row by row (Jensen)
 * and their difference is the gap on exactly the same draws; and, on request, the PSIS k̂ of each datum's K
 * importance ratios (Yao et al. 2018; diagnostics/psis.ts), which says whether log p̂(x_b) can be trusted.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Key } from '../rng.js';
import { fold } from '../rng.js';
import { psis } from './psis.js';

export interface IsLogLikOptions {
  /** Draws per datum (1 … 5000+). */
  k: number;
  /** Draws per chunk (default 100). */
  chunk?: number;
  key: Key;
  /** Called after each chunk with (draws done, k). */
  onProgress?: (done: number, total: number) => void;
  /** Also compute each datum's PSIS k̂ (keeps all K log-weights of every datum: 8·K·B bytes). */
  khat?: boolean;
}

export interface IsLogLikResult {
  /** Estimate per datum [B]. */
  perDatum: Float64Array;
  /** Mean over data. */
  mean: number;
  /** Sum over data. */
  total: number;
  /** Effective sample size of the importance weights per datum. */
  ess: Float64Array;
  /** ELBO per datum from the same K draws, (1/K) Σ_k logW_kb [B]. */
  elbo: Float64Array;
  /** PSIS k̂ per datum [B] when requested (NaN where K < 5 or the tail cannot be fitted). */
  khat?: Float64Array;
}

/**
 * `logWeights(key, n)` must return logW [n, B] for n fresh draws per datum (it may run in a tidy scope; the result
 * is disposed here).
 */
export function importanceLogLikelihood(
  logWeights: (k: Key, n: number) => tf.Tensor,
  opts: IsLogLikOptions,
): IsLogLikResult {
  const K = opts.k;
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`Expected K ≥ 1 importance samples, got ${K}`);
  const chunk = opts.chunk ?? 100;
  if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`Expected a chunk size ≥ 1, got ${chunk}`);
  let max: Float64Array | null = null;
  let sum: Float64Array | null = null; // Σ exp(logW − max)
  let sum2: Float64Array | null = null; // Σ exp(2 (logW − max))
  let sumW: Float64Array | null = null; // Σ logW
  let draws: Float64Array | null = null; // [B, K] when k̂ is wanted
  let done = 0;
  let c = 0;
  while (done < K) {
    const n = Math.min(chunk, K - done);
    const t = logWeights(fold(opts.key, c++), n);
    if (t.rank !== 2 || t.shape[0] !== n) {
      t.dispose();
      throw new RangeError(`logWeights must return [n, B] with n = ${n}, got [${t.shape.join(', ')}].`);
    }
    const B = t.shape[1]!;
    const v = t.dataSync();
    t.dispose();
    if (!max || !sum || !sum2 || !sumW) {
      max = new Float64Array(B).fill(-Infinity);
      sum = new Float64Array(B);
      sum2 = new Float64Array(B);
      sumW = new Float64Array(B);
      if (opts.khat) draws = new Float64Array(B * K);
    }
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < n; i++) {
        sumW[b]! += v[i * B + b]!;
        if (draws) draws[b * K + done + i] = v[i * B + b]!;
      }
      let m = max[b]!;
      for (let i = 0; i < n; i++) m = Math.max(m, v[i * B + b]!);
      if (m > max[b]!) {
        const r = Math.exp(max[b]! - m);
        sum[b]! *= Number.isFinite(r) ? r : 0;
        sum2[b]! *= Number.isFinite(r) ? r * r : 0;
        max[b] = m;
      }
      for (let i = 0; i < n; i++) {
        const e = Math.exp(v[i * B + b]! - m);
        sum[b]! += e;
        sum2[b]! += e * e;
      }
    }
    done += n;
    opts.onProgress?.(done, K);
  }
  const B = max!.length;
  const perDatum = Float64Array.from({ length: B }, (_, b) => max![b]! + Math.log(sum![b]!) - Math.log(K));
  const ess = Float64Array.from({ length: B }, (_, b) => (sum![b]! * sum![b]!) / sum2![b]!);
  const elbo = Float64Array.from({ length: B }, (_, b) => sumW![b]! / K);
  let total = 0;
  for (const x of perDatum) total += x;
  const out: IsLogLikResult = { perDatum, mean: total / B, total, ess, elbo };
  if (draws) {
    out.khat = Float64Array.from({ length: B }, (_, b) => {
      const row = draws!.subarray(b * K, (b + 1) * K);
      return K >= 5 && !row.some(Number.isNaN) ? psis(row).khat : Number.NaN;
    });
  }
  return out;
}
