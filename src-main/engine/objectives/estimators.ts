/**
 * Gradient estimators of ∇_φ L for a global model (φ the family's parameters, L the objective's bound).
 *
 * reparam (pathwise; Kingma & Welling 2014): z = T_φ(ε), differentiate logW = log p(x, z) − log q_φ(z) through z.
 * score (REINFORCE; Williams 1992, Ranganath et al. 2014): z is held fixed (stop-gradient), and
 *   ELBO:  ĝ = (1/S) Σ_s (f_s − b_s) ∇ log q_φ(z_s),  f_s = logW_s, b_s the leave-one-out mean of the other
 *          samples (S > 1) or a running mean of past bounds (S = 1);
 *   other bounds (IWAE, Rényi): ĝ = (L − b) Σ_s ∇ log q_φ(z_s) + ∇_φ L|_z (as VIMCO without per-sample baselines).
 * Analytic KL: for an ELBO with a flow-free Gaussian family and a Gaussian prior, logW's prior − q part is replaced
 * by −KL(q ‖ p) in closed form (reparam only).
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients; the umbrella package would. Needed by every variableGrads / grad call.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { Key } from '../rng.js';
import type { Family } from '../families/family.js';
import { TransformedGaussian } from '../families/transformed.js';
import { AffineTril } from '../bijectors/affine.js';
import { scope } from '../families/params.js';
import type { TensorMap, VariableMap } from '../families/params.js';
import type { GlobalModel } from '../models/common/model.js';
import type { Objective } from './objective.js';
import { klNormalDiag, klTrilDiag } from './kl.js';

/** Identity whose gradient is zero. */
const stopGradientOp = tf.customGrad((...args) => {
  const a = args[0] as tf.Tensor;
  return { value: tf.clone(a), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});
export const stopGradient = (x: tf.Tensor): tf.Tensor => stopGradientOp(x);

/** Closed-form KL(q ‖ prior) for a flow-free Gaussian family and a diagonal Gaussian prior, else null. */
export function analyticKlToPrior(family: Family, params: TensorMap, model: GlobalModel): tf.Tensor | null {
  const prior = model.priorGaussian;
  if (!prior || !(family instanceof TransformedGaussian) || family.flow.layers.length > 0) return null;
  const p = scope(params, 'base.');
  const m = tf.tensor1d(Float32Array.from(prior.loc));
  const s = tf.tensor1d(Float32Array.from(prior.scale));
  if (family.base instanceof AffineTril) return klTrilDiag(p.loc!, family.base.tril(p), m, s);
  return tf.sum(klNormalDiag(p.loc!, family.base.scale(p), m, s), -1);
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
    const logW = tf.reshape(logJointOf(z, logQ), [S, 1]);
    const bound = objective.bound(logW);
    return { loss: tf.neg(tf.sum(bound)) as tf.Scalar, bound };
  }

  if (!family.hasLogProb) {
    throw new Error(`The score-function estimator needs log q(z) at given z; the ${family.kind} family has none. Use estimator "reparam" or an invertible family (meanfield, fullrank, lowrank, iaf, coupling).`);
  }
  const z = stopGradient(family.sample(k, params, S).z);
  const logQ = family.logProb(params, z); // gradient flows to φ only through here
  const logW = tf.reshape(logJointOf(z, logQ), [S, 1]);
  const bound = objective.bound(logW);
  const f = stopGradient(tf.reshape(logW, [S]));
  const logQv = tf.reshape(logQ, [S]);
  if (objective.kind === 'elbo') {
    let b: tf.Tensor;
    if (S > 1) b = tf.div(tf.sub(tf.sum(f), f), S - 1);
    else b = tf.scalar(c.baseline ?? 0);
    const surrogate = tf.mean(tf.mul(tf.sub(f, b), logQv));
    return { loss: tf.neg(surrogate) as tf.Scalar, bound: stopGradient(bound) };
  }
  const Lc = stopGradient(bound);
  const b = c.baseline ?? 0;
  const surrogate = tf.add(tf.mul(tf.sub(tf.sum(Lc), b), tf.sum(logQv)), tf.sum(bound));
  return { loss: tf.neg(surrogate) as tf.Scalar, bound: Lc };
}

/** Loss, bound and gradients (keyed by parameter name) at one draw. Caller disposes the returned tensors. */
export function lossAndGrads(k: Key, vars: VariableMap, c: LossContext): { loss: number; bound: number; grads: TensorMap } {
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
