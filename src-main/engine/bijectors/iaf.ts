/**
 * Inverse autoregressive flow step with the numerically stable gated update (Kingma et al. 2016, §4, Alg. 1):
 *   [m, s] = MADE(z; ctx),  σ = sigmoid(s + forgetBias),  f(z) = σ ⊙ z + (1 − σ) ⊙ m,  log|det J| = Σ log σ.
 * One masked hidden layer of H ELU units; `ctx` [..., H] (the encoder's h in the amortised form) is added to its
 * pre-activation. Written as an inverted MAF: the forward pass is parallel, the inverse takes D sequential passes.
 * Shared parameters: W1 [D, H], b1 [H], Wm [H, D], bm [D], Ws [H, D], bs [D]. Orderings alternate between steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Key } from '../rng.js';
import { normal, split } from '../rng.js';
import type { ShapeMap, TensorMap } from '../families/params.js';
import { need } from '../families/params.js';
import type { ForwardResult } from './base.js';
import { Bijector, dense } from './base.js';
import { madeMasks } from './made.js';

export function gaussianInit(k: Key, n: number, std: number): Float32Array {
  return Float32Array.from(normal(k, n), (v) => v * std);
}

export class Iaf extends Bijector {
  readonly name = 'iaf';
  private readonly mIn: Float32Array;
  private readonly mOut: Float32Array;

  constructor(
    dim: number,
    readonly hidden = 64,
    readonly reverse = false,
    readonly forgetBias = 2,
  ) {
    super(dim);
    if (!Number.isInteger(hidden) || hidden < 1) throw new RangeError(`Expected IAF hidden size ≥ 1, got ${hidden}`);
    const m = madeMasks(dim, hidden, reverse);
    this.mIn = m.inHidden;
    this.mOut = m.hiddenOut;
  }
  override sharedShapes(): ShapeMap {
    const D = this.dim;
    const H = this.hidden;
    return { W1: [D, H], b1: [H], Wm: [H, D], bm: [D], Ws: [H, D], bs: [D] };
  }
  override contextSize(): number {
    return this.hidden;
  }
  init(k: Key): Record<string, Float32Array> {
    const D = this.dim;
    const H = this.hidden;
    const [k1, k2, k3] = split(k, 3);
    return {
      W1: gaussianInit(k1!, D * H, 1 / Math.sqrt(D)),
      b1: new Float32Array(H),
      Wm: gaussianInit(k2!, H * D, 0.01),
      bm: new Float32Array(D),
      Ws: gaussianInit(k3!, H * D, 0.01),
      bs: new Float32Array(D),
    };
  }
  /** m, s [..., D] at z. */
  private made(z: tf.Tensor, p: TensorMap): { m: tf.Tensor; s: tf.Tensor } {
    const D = this.dim;
    const H = this.hidden;
    const W1 = tf.mul(need(p, 'W1'), tf.tensor2d(this.mIn, [D, H]));
    let pre = dense(z, W1, need(p, 'b1'));
    if (p.ctx) pre = tf.add(pre, p.ctx);
    const h = tf.elu(pre);
    const mask = tf.tensor2d(this.mOut, [H, D]);
    const m = dense(h, tf.mul(need(p, 'Wm'), mask), need(p, 'bm'));
    const s = tf.add(dense(h, tf.mul(need(p, 'Ws'), mask), need(p, 'bs')), this.forgetBias);
    return { m, s };
  }
  protected _forwardAndLogDet(x: tf.Tensor, p: TensorMap): ForwardResult {
    const { m, s } = this.made(x, p);
    const sig = tf.sigmoid(s);
    const y = tf.add(tf.mul(sig, x), tf.mul(tf.sub(1, sig), m));
    // log σ(s) = −softplus(−s) (tf.logSigmoid's gradient breaks inside variableGrads on wasm).
    return { y, logDet: tf.sum(tf.neg(tf.softplus(tf.neg(s))), -1) };
  }
  protected override _inverse(y: tf.Tensor, p: TensorMap): tf.Tensor {
    let x = tf.zerosLike(y);
    for (let i = 0; i < this.dim; i++) {
      const { m, s } = this.made(x, p);
      const sig = tf.sigmoid(s);
      x = tf.div(tf.sub(y, tf.mul(tf.sub(1, sig), m)), sig);
    }
    return x;
  }
}
