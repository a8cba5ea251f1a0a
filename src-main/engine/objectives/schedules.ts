/**
 * Training aids for the KL term.
 *   β weight (Higgins et al. 2017): logW = log p(x|z) + β (log p(z) − log q(z)).
 *   KL annealing: linear warm-up β_t = β · min(1, t / warmup) (Bowman et al. 2016), or cyclical
 *     (Fu et al. 2019): within each period, β rises linearly over the first `ratio` of the period, then holds β.
 *   Free bits (Kingma et al. 2016, eq. 15): Σ_d max(λ, E_batch KL_d), a floor on the KL each latent coordinate pays.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AnnealSpec } from '../../../src-shared/schemas/run-spec.js';

/** KL annealing in steps (the run spec's `training.anneal` counts epochs; annealSteps converts). */
export type AnnealSchedule =
  { kind: 'constant' } | { kind: 'linear'; warmup: number } | { kind: 'cyclical'; period: number; ratio?: number };

/** training.anneal (epochs) → the schedule in steps; at least one step. */
export function annealSteps(a: AnnealSpec, stepsPerEpoch: number): AnnealSchedule {
  if (a.kind === 'none') return { kind: 'constant' };
  const steps = Math.max(1, Math.round(a.epochs * stepsPerEpoch));
  return a.kind === 'linear' ? { kind: 'linear', warmup: steps } : { kind: 'cyclical', period: steps, ratio: a.ratio };
}

export function klWeight(step: number, beta = 1, schedule: AnnealSchedule = { kind: 'constant' }): number {
  if (!(beta >= 0)) throw new RangeError(`Expected β ≥ 0, got ${beta}`);
  switch (schedule.kind) {
    case 'constant':
      return beta;
    case 'linear': {
      if (!(schedule.warmup > 0)) throw new RangeError(`Expected a KL warm-up of ≥ 1 step, got ${schedule.warmup}`);
      return beta * Math.min(1, step / schedule.warmup);
    }
    case 'cyclical': {
      const ratio = schedule.ratio ?? 0.5;
      if (!(schedule.period >= 1)) throw new RangeError(`Expected a cyclical period ≥ 1 step, got ${schedule.period}`);
      if (!(ratio > 0 && ratio <= 1)) throw new RangeError(`Expected a cyclical ramp ratio in (0, 1], got ${ratio}`);
      const phase = (step % schedule.period) / schedule.period;
      return beta * Math.min(1, phase / ratio);
    }
  }
}

/** logW = logLik + β (logPrior − logQ), all [S, B]. */
export function weightedLogW(logLik: tf.Tensor, logPrior: tf.Tensor, logQ: tf.Tensor, beta = 1): tf.Tensor {
  const kl = tf.sub(logPrior, logQ);
  return tf.add(logLik, beta === 1 ? kl : tf.mul(beta, kl));
}

/** Free-bits KL penalty: Σ_d max(λ, mean_B KL_bd) for per-datum, per-coordinate KL [B, D] → scalar. */
export function freeBitsKl(klPerDim: tf.Tensor, lambda: number): tf.Tensor {
  if (!(lambda >= 0)) throw new RangeError(`Expected free bits λ ≥ 0 nats, got ${lambda}`);
  const perDim = tf.mean(klPerDim, 0);
  return tf.sum(tf.maximum(perDim, lambda));
}

/**
 * Analytic-KL ELBO per datum: E_q[log p(x|z)] − β · KL, from logLik [S, B] and KL [B] (or [B, D] summed; with
 * free bits λ > 0 the batch-mean floor of freeBitsKl is spread evenly over the batch).
 */
export function elboAnalytic(logLik: tf.Tensor, kl: tf.Tensor, beta = 1, freeBits = 0): tf.Tensor {
  const rec = tf.mean(logLik, 0);
  if (kl.rank === 2 && freeBits > 0) return tf.sub(rec, tf.mul(beta, freeBitsKl(kl, freeBits)));
  const k = kl.rank === 2 ? tf.sum(kl, -1) : kl;
  return tf.sub(rec, tf.mul(beta, k));
}
