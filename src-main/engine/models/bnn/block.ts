/**
 * A block of layers whose weights share one posterior from the engine's families (tfjs): the last layer under a
 * full-rank or low-rank Gaussian, or every layer of a small network (or the last layer of a larger one) under a
 * normalizing flow. The block's weights are one vector θ ∈ ℝᴰ (per layer W row-major then b) drawn as
 * `family.sample(key, params, S) → { z [S, D], logQ [S] }` (Pyro's AutoContinuous shape), so any engine family fits.
 *
 * Per-datum loss for a minibatch of B of the N training rows (Blundell et al. 2015, eq. 8 with π_i = 1/M):
 *   ℓ = −(1/S)(1/B) Σ_s Σ_b log p(y_b | h_b, θ_s) + KL(q ‖ p)/N,
 * KL in closed form (klTrilDiag / klNormalDiag via the engine's analyticKlToPrior) for flow-free Gaussian families
 * under a Gaussian prior, else the Monte Carlo estimate (1/S) Σ_s [log q(θ_s) − log p(θ_s)].
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { FamilySpec } from '../../../../src-shared/schemas/run-spec';
import type { BnnPriorSpec } from '../../../../src-shared/schemas/bnn-spec';
import type { Family } from '../../families/family';
import { makeFamily } from '../../families/index';
import type { TensorMap, VariableMap } from '../../families/params';
import { analyticKlToPrior } from '../../objectives/estimators';
import type { GlobalModel } from '../common/model';
import type { Key } from '../../rng';
import { fold, normal } from '../../rng';
import type { Activation, Head } from './kernel';
import { MIN_HETERO_SD } from './kernel';

const LOG_2PI = Math.log(2 * Math.PI);

export interface BlockShape {
  I: number;
  O: number;
}

export interface Block {
  family: Family;
  params: VariableMap;
  shapes: BlockShape[];
  dim: number;
}

export function blockDim(shapes: BlockShape[]): number {
  return shapes.reduce((a, s) => a + s.I * s.O + s.O, 0);
}

/** He-initialised means for the block's weights (W ~ N(0, 2/I) for relu, 1/I for tanh; b = 0). */
export function heInit(shapes: BlockShape[], k: Key, activation: Activation): Float32Array {
  const out = new Float32Array(blockDim(shapes));
  let off = 0;
  shapes.forEach((s, l) => {
    const z = normal(fold(k, l), s.I * s.O);
    const sc = Math.sqrt((activation === 'relu' ? 2 : 1) / s.I);
    for (let i = 0; i < s.I * s.O; i++) out[off + i] = sc * z[i]!;
    off += s.I * s.O + s.O;
  });
  return out;
}

/** The family over the block, initialised at He means and base scale `initScale`. */
export function makeBlock(
  spec: FamilySpec,
  shapes: BlockShape[],
  k: Key,
  initScale: number,
  activation: Activation,
): Block {
  const dim = blockDim(shapes);
  const family = makeFamily(spec, dim, { initScale, form: 'global' });
  const params = family.init(fold(k, 1), 'global');
  const locName = params['base.loc'] ? 'base.loc' : params.loc ? 'loc' : null;
  if (locName) tf.tidy(() => params[locName]!.assign(tf.tensor1d(heInit(shapes, fold(k, 2), activation))));
  return { family, params, shapes, dim };
}

/** log p(θ) summed over the last axis: Gaussian or scale-mixture prior, [S, D] → [S]. */
export function priorLogProb(z: tf.Tensor, prior: BnnPriorSpec): tf.Tensor {
  if (prior.kind === 'gaussian') {
    const s = prior.scale;
    return tf.sum(tf.sub(tf.mul(-0.5 / (s * s), tf.square(z)), Math.log(s) + 0.5 * LOG_2PI), -1);
  }
  const { pi, scale1: s1, scale2: s2 } = prior;
  const z2 = tf.square(z);
  const l1 = tf.sub(tf.mul(-0.5 / (s1 * s1), z2), Math.log(s1) - Math.log(pi));
  const l2 = tf.sub(tf.mul(-0.5 / (s2 * s2), z2), Math.log(s2) - Math.log(1 - pi));
  return tf.sum(tf.sub(tf.logSumExp(tf.stack([l1, l2]), 0), 0.5 * LOG_2PI), -1);
}

/** Forward h [B, I] through the block's layers for S weight draws z [S, D] → outputs [S, B, O]. */
export function blockForward(block: Block, z: tf.Tensor, h: tf.Tensor, activation: Activation): tf.Tensor {
  const S = z.shape[0]!;
  const B = h.shape[0]!;
  let a: tf.Tensor = tf.broadcastTo(tf.expandDims(h, 0), [S, B, h.shape[1]!]);
  let off = 0;
  block.shapes.forEach((s, l) => {
    const W = tf.reshape(tf.slice(z, [0, off], [S, s.I * s.O]), [S, s.I, s.O]);
    const b = tf.reshape(tf.slice(z, [0, off + s.I * s.O], [S, s.O]), [S, 1, s.O]);
    off += s.I * s.O + s.O;
    const pre = tf.add(tf.matMul(a, W), b);
    a = l === block.shapes.length - 1 ? pre : activation === 'relu' ? tf.relu(pre) : tf.tanh(pre);
  });
  return a;
}

/** Σ over the batch of log p(y | out) for outputs [S, B, O] → [S]. `sigma` is the homoscedastic noise sd. */
export function headLogLik(out: tf.Tensor, y: tf.Tensor, head: Head, sigma: tf.Tensor | number): tf.Tensor {
  if (head === 'categorical') {
    const C = out.shape[2]!;
    const oh = tf.oneHot(tf.cast(y, 'int32'), C); // [B, C]
    return tf.sum(tf.mul(tf.logSoftmax(out, -1), oh), [1, 2]);
  }
  const mu = tf.squeeze(tf.slice(out, [0, 0, 0], [-1, -1, 1]), [2]);
  const s =
    head === 'heteroscedastic'
      ? tf.add(tf.softplus(tf.squeeze(tf.slice(out, [0, 0, 1], [-1, -1, 1]), [2])), MIN_HETERO_SD)
      : sigma;
  const r = tf.div(tf.sub(y, mu), s);
  const ll = tf.sub(tf.mul(-0.5, tf.square(r)), tf.add(tf.log(s), 0.5 * LOG_2PI));
  return tf.sum(ll, -1);
}

/** A GlobalModel stand-in carrying only the prior, so the engine's analyticKlToPrior can be reused. */
function priorModel(dim: number, scale: number): GlobalModel {
  return {
    dim,
    names: [],
    exact: true,
    logJoint: () => {
      throw new Error('priorModel is only used for its priorGaussian');
    },
    priorGaussian: { loc: new Float64Array(dim), scale: new Float64Array(dim).fill(scale) },
  };
}

/** KL(q ‖ p) of the block: closed form when the engine has one, else the S-sample Monte Carlo estimate. */
export function blockKl(
  block: Block,
  params: TensorMap,
  z: tf.Tensor,
  logQ: tf.Tensor,
  prior: BnnPriorSpec,
): tf.Tensor {
  if (prior.kind === 'gaussian') {
    const kl = analyticKlToPrior(block.family, params, priorModel(block.dim, prior.scale));
    if (kl) return tf.reshape(kl, []);
  }
  return tf.mean(tf.sub(logQ, priorLogProb(z, prior)));
}

/**
 * The per-datum loss ℓ (module comment) for h [B, I] (the mean-field layers' output), targets y [B] and N training
 * rows. Returns the loss and its parts, all tensors (inside the caller's gradient tape).
 */
export function blockLoss(
  block: Block,
  params: TensorMap,
  h: tf.Tensor,
  y: tf.Tensor,
  k: Key,
  opts: {
    S: number;
    N: number;
    klWeight?: number;
    head: Head;
    sigma: tf.Tensor | number;
    prior: BnnPriorSpec;
    activation: Activation;
  },
): { loss: tf.Scalar; loglik: tf.Tensor; kl: tf.Tensor } {
  const { z, logQ } = block.family.sample(k, params, opts.S);
  const out = blockForward(block, z, h, opts.activation);
  const B = h.shape[0]!;
  const loglik = tf.div(tf.mean(headLogLik(out, y, opts.head, opts.sigma)), B); // per datum
  const kl = blockKl(block, params, z, logQ, opts.prior);
  const loss = tf.sub(tf.mul(kl, (opts.klWeight ?? 1) / opts.N), loglik) as tf.Scalar;
  return { loss, loglik, kl };
}

/** S weight vectors from the block's posterior, as float64 [S·D]. */
export function blockSample(block: Block, k: Key, S: number): Float64Array {
  const z = tf.tidy(() => block.family.sample(k, block.params, S).z);
  const v = Float64Array.from(z.dataSync());
  z.dispose();
  return v;
}
