/**
 * The one module of gradient estimators of ∇_φ L, on log-weights logW [S, B] (S draws; B = 1 for a global model,
 * B rows for an amortised one), L the objective's bound per row [B] (objectives/bounds.ts).
 *
 * pathwise (reparameterisation; Kingma & Welling 2014): z = T_φ(ε), differentiate L(logW) through z.
 * score function (REINFORCE; Williams 1992, Ranganath et al. 2014): z held fixed (stop-gradient), f = logW,
 *   ELBO:  ĝ_b = (1/S) Σ_s (f_sb − b_sb) ∇ log q_φ(z_sb) + ∇_θ (1/S) Σ_s d_sb,  b_sb the leave-one-out mean of the
 *          other draws of row b (S > 1) or a running mean of past bounds (S = 1), d the part of logW whose
 *          parameters are differentiated directly (a VAE decoder's log p(x|z); none for a global model);
 *   multi-sample (IWAE, Rényi): ĝ_b = (L_b − b) Σ_s ∇ log q_φ(z_sb) + ∇ L_b|_z (VIMCO, Mnih & Rezende 2016, without
 *          its per-sample baselines).
 * Analytic KL: for an ELBO with a family that exposes `gaussian(params)` (no flow) and a Gaussian prior, logW's
 * prior − q part is replaced by −KL(q ‖ p) in closed form (pathwise only).
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients; the umbrella package would. Needed by every variableGrads / grad call.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { Key } from '../rng.js';
import type { Family } from '../families/family.js';
import type { TensorMap, VariableMap } from '../families/params.js';
import type { GlobalModel } from '../models/common/model.js';
import type { Objective } from './objective.js';
import { klGaussianToDiag } from './kl.js';

/** Identity whose gradient is zero. */
const stopGradientOp = tf.customGrad((...args) => {
  const a = args[0] as tf.Tensor;
  return { value: tf.clone(a), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});
export const stopGradient = (x: tf.Tensor): tf.Tensor => stopGradientOp(x);

/** Closed-form KL(q ‖ prior) for a family that exposes `gaussian` and a diagonal Gaussian prior, else null. */
export function analyticKlToPrior(family: Family, params: TensorMap, model: GlobalModel): tf.Tensor | null {
  const prior = model.priorGaussian;
  const q = prior && family.gaussianForm ? family.gaussian?.(params) : null;
  if (!prior || !q) return null;
  const m = tf.tensor1d(Float32Array.from(prior.loc));
  const s = tf.tensor1d(Float32Array.from(prior.scale));
  return klGaussianToDiag(q, m, s).total;
}

/** Surrogate per row [B] whose gradient is the estimator, and the bound per row [B] (no gradient). */
export interface Surrogate {
  surrogate: tf.Tensor;
  bound: tf.Tensor;
}

/** Pathwise: the bound itself, differentiated through z = T_φ(ε). logW [S, B] → [B]. */
export function pathwiseSurrogate(logW: tf.Tensor, objective: Objective): Surrogate {
  const bound = objective.bound(logW);
  return { surrogate: bound, bound };
}

/**
 * Score function on logW [S, B] computed at stopped draws z, with logQ [S, B] = log q_φ(z) carrying φ's gradient
 * (see the module comment). `direct` [S, B]: terms differentiated as they stand (ELBO only; e.g. log p_θ(x|z) for
 * a decoder θ). `baseline`: the running mean of past bounds, used when S = 1 (ELBO) and by multi-sample bounds.
 */
export function scoreSurrogate(
  logW: tf.Tensor,
  logQ: tf.Tensor,
  o: { objective: Objective; baseline: number | null; direct?: tf.Tensor },
): Surrogate {
  const S = logW.shape[0]!;
  if (logW.rank !== 2 || logQ.rank !== 2)
    throw new RangeError(`Expected logW and logQ shaped [S, B], got [${logW.shape}] and [${logQ.shape}]`);
  const f = stopGradient(logW);
  if (o.objective.kind === 'elbo') {
    const b = S > 1 ? tf.div(tf.sub(tf.sum(f, 0, true), f), S - 1) : tf.scalar(o.baseline ?? 0);
    const weighted = tf.mul(tf.sub(f, b), logQ);
    const surrogate = tf.mean(o.direct ? tf.add(weighted, o.direct) : weighted, 0);
    return { surrogate, bound: tf.mean(f, 0) };
  }
  const L = o.objective.bound(logW);
  const Lc = stopGradient(L);
  return { surrogate: tf.add(tf.mul(tf.sub(Lc, o.baseline ?? 0), tf.sum(logQ, 0)), L), bound: Lc };
}

/** The running baseline of the score-function estimator: b ← 0.9 b + 0.1 L (the first bound when none yet). */
export function nextBaseline(baseline: number | null, bound: number): number {
  return baseline === null ? bound : 0.9 * baseline + 0.1 * bound;
}

export interface LossContext {
  family: Family;
  model: GlobalModel;
  objective: Objective;
  /** KL weight this step (after annealing). */
  beta: number;
  /** Running baseline for the score-function estimator (null before the first step). */
  baseline: number | null;
}

/**
 * The scalar to minimise whose gradient is −(the chosen estimator of ∇L), and the bound L itself (a [1] tensor).
 */
export function globalLoss(k: Key, params: TensorMap, c: LossContext): { loss: tf.Scalar; bound: tf.Tensor } {
  const { family, model, objective } = c;
  const S = objective.samples;
  const useBeta = c.beta !== 1;
  if (useBeta && !(model.logPrior && model.logLikelihood)) {
    throw new Error(`β = ${c.beta} needs a model that splits logPrior and logLikelihood; use β = 1 for this model.`);
  }
  const logJointOf = (z: tf.Tensor, logQ: tf.Tensor): tf.Tensor =>
    useBeta
      ? tf.add(model.logLikelihood!(z), tf.mul(c.beta, tf.sub(model.logPrior!(z), logQ)))
      : tf.sub(model.logJoint(z), logQ);

  if (objective.estimator === 'reparam') {
    if (objective.kind === 'elbo' && objective.analyticKl && model.logLikelihood) {
      const kl = analyticKlToPrior(family, params, model);
      if (kl) {
        const { z } = family.sample(k, params, S);
        const bound = tf.reshape(tf.sub(tf.mean(model.logLikelihood(z)), tf.mul(c.beta, kl)), [1]);
        return { loss: tf.neg(tf.sum(bound)) as tf.Scalar, bound };
      }
    }
    const { z, logQ } = family.sample(k, params, S);
    const r = pathwiseSurrogate(tf.reshape(logJointOf(z, logQ), [S, 1]), objective);
    return { loss: tf.neg(tf.sum(r.surrogate)) as tf.Scalar, bound: r.bound };
  }

  if (!family.hasLogProb) {
    throw new Error(
      `The score-function estimator needs log q(z) at given z; the ${family.kind} family has none. Use estimator "reparam" or an invertible family (meanfield, fullrank, lowrank, iaf, coupling).`,
    );
  }
  const z = stopGradient(family.sample(k, params, S).z);
  const logQ = tf.reshape(family.logProb(params, z), [S, 1]); // gradient flows to φ only through here
  const logW = tf.reshape(logJointOf(z, tf.reshape(logQ, [S])), [S, 1]);
  const r = scoreSurrogate(logW, logQ, { objective, baseline: c.baseline });
  return { loss: tf.neg(tf.sum(r.surrogate)) as tf.Scalar, bound: r.bound };
}

/** Loss, bound and gradients (keyed by parameter name) at one draw. Caller disposes the returned tensors. */
export function lossAndGrads(
  k: Key,
  vars: VariableMap,
  c: LossContext,
): { loss: number; bound: number; grads: TensorMap } {
  const names = Object.keys(vars);
  const varList = names.map((n) => vars[n]!);
  let boundT: tf.Tensor | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const r = globalLoss(k, vars, c);
    boundT = tf.keep(r.bound);
    return r.loss;
  }, varList);
  const out: TensorMap = {};
  names.forEach((n, i) => {
    const g = grads[varList[i]!.name];
    out[n] = g ?? tf.zerosLike(varList[i]!);
  });
  const loss = value.dataSync()[0]!;
  value.dispose();
  const bt = boundT as tf.Tensor | null;
  let bound = NaN;
  if (bt) {
    const s = tf.sum(bt);
    bound = s.dataSync()[0]!;
    s.dispose();
    bt.dispose();
  }
  return { loss, bound, grads: out };
}
