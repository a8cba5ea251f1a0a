/**
 * Radial flow (Rezende & Mohamed 2015, §4.1 and appendix A.2):
 *   f(z) = z + β h(α, r)(z − z₀),  r = ‖z − z₀‖,  h = 1/(α + r),
 *   log|det J| = (D − 1) log(1 + βh) + log(1 + βh + βh′r),  h′ = −1/(α + r)².
 * Invertibility needs β ≥ −α: α = softplus(α̃) > 0, β = −α + softplus(β̃).
 * Parameters: z0 [D], alpha [], beta []. No analytic inverse (it needs a 1-D root find).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Key } from '../rng.js';
import { normal } from '../rng.js';
import type { ShapeMap, TensorMap } from '../families/params.js';
import { need } from '../families/params.js';
import type { ForwardResult } from './base.js';
import { Bijector } from './base.js';

export class Radial extends Bijector {
  readonly name = 'radial';
  override readonly hasInverse = false;

  constructor(
    dim: number,
    readonly initStd = 1,
  ) {
    super(dim);
  }
  override localShapes(): ShapeMap {
    return { z0: [this.dim], alpha: [], beta: [] };
  }
  init(k: Key): Record<string, Float32Array> {
    const z0 = Float32Array.from(normal(k, this.dim), (v) => this.initStd * v);
    // α̃ = 0, β̃ = 0 gives β = 0: the identity at initialisation.
    return { z0, alpha: new Float32Array(1), beta: new Float32Array(1) };
  }
  protected _forwardAndLogDet(x: tf.Tensor, p: TensorMap): ForwardResult {
    const alpha = tf.softplus(need(p, 'alpha'));
    const beta = tf.add(tf.neg(alpha), tf.softplus(need(p, 'beta')));
    const diff = tf.sub(x, need(p, 'z0'));
    const r = tf.sqrt(tf.add(tf.sum(tf.square(diff), -1), 1e-12));
    const h = tf.reciprocal(tf.add(alpha, r));
    const bh = tf.mul(beta, h);
    const y = tf.add(x, tf.mul(tf.expandDims(bh, -1), diff));
    const hPrime = tf.neg(tf.square(h));
    const t1 = tf.mul(this.dim - 1, tf.log(tf.add(tf.add(1, bh), 1e-9)));
    const t2 = tf.log(tf.add(tf.add(tf.add(1, bh), tf.mul(tf.mul(beta, hPrime), r)), 1e-9));
    return { y, logDet: tf.add(t1, t2) };
  }
}
