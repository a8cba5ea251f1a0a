/**
 * Affine coupling layer (Dinh et al. 2017, RealNVP) in its masked form, for any D ≥ 1:
 *   y = x ⊙ exp(s) + t,  s = (1 − b) ⊙ 2 tanh(ŝ(b ⊙ x)/2),  t = (1 − b) ⊙ t̂(b ⊙ x),  log|det J| = Σ s,
 * with a binary mask b alternating between layers; ŝ, t̂ share one hidden layer of H ELU units (plus `ctx`).
 * Inverse: x = (y − t(b ⊙ y)) ⊙ exp(−s(b ⊙ y)). The tanh cap keeps each layer's scale in (e⁻², e²).
 * Shared parameters: W1 [D, H], b1 [H], Ws [H, D], bs [D], Wt [H, D], bt [D].
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Key } from '../rng.js';
import { split } from '../rng.js';
import type { ShapeMap, TensorMap } from '../families/params.js';
import { need } from '../families/params.js';
import type { ForwardResult } from './base.js';
import { Bijector, dense } from './base.js';
import { gaussianInit } from './iaf.js';

export class AffineCoupling extends Bijector {
  readonly name = 'coupling';
  private readonly mask: Float32Array;

  constructor(
    dim: number,
    readonly hidden = 64,
    readonly parity = 0,
  ) {
    super(dim);
    if (!Number.isInteger(hidden) || hidden < 1)
      throw new RangeError(`Expected coupling hidden size ≥ 1, got ${hidden}`);
    this.mask = new Float32Array(dim);
    for (let d = 0; d < dim; d++) this.mask[d] = (d + parity) % 2 === 0 ? 1 : 0;
  }
  override sharedShapes(): ShapeMap {
    const D = this.dim;
    const H = this.hidden;
    return { W1: [D, H], b1: [H], Ws: [H, D], bs: [D], Wt: [H, D], bt: [D] };
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
      Ws: gaussianInit(k2!, H * D, 0.01),
      bs: new Float32Array(D),
      Wt: gaussianInit(k3!, H * D, 0.01),
      bt: new Float32Array(D),
    };
  }
  private st(xa: tf.Tensor, p: TensorMap): { s: tf.Tensor; t: tf.Tensor } {
    let pre = dense(xa, need(p, 'W1'), need(p, 'b1'));
    if (p.ctx) pre = tf.add(pre, p.ctx);
    const h = tf.elu(pre);
    const inv = tf.tensor1d(this.mask.map((m) => 1 - m));
    const s = tf.mul(tf.mul(2, tf.tanh(tf.div(dense(h, need(p, 'Ws'), need(p, 'bs')), 2))), inv);
    const t = tf.mul(dense(h, need(p, 'Wt'), need(p, 'bt')), inv);
    return { s, t };
  }
  protected _forwardAndLogDet(x: tf.Tensor, p: TensorMap): ForwardResult {
    const { s, t } = this.st(tf.mul(x, tf.tensor1d(this.mask)), p);
    return { y: tf.add(tf.mul(x, tf.exp(s)), t), logDet: tf.sum(s, -1) };
  }
  protected override _inverse(y: tf.Tensor, p: TensorMap): tf.Tensor {
    const { s, t } = this.st(tf.mul(y, tf.tensor1d(this.mask)), p);
    return tf.mul(tf.sub(y, t), tf.exp(tf.neg(s)));
  }
}
