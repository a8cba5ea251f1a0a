/**
 * Planar flow (Rezende & Mohamed 2015, §4.1 and appendix A.1):
 *   f(z) = z + û tanh(wᵀz + b),  log|det J| = log|1 + ûᵀψ(z)|,  ψ(z) = (1 − tanh²(wᵀz + b)) w.
 * Invertibility needs wᵀû ≥ −1, enforced by û = u + (m(wᵀu) − wᵀu) w/‖w‖², m(a) = −1 + softplus(a).
 * Parameters: u [D], w [D], b []. No analytic inverse.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Key } from '../rng.js';
import { normal } from '../rng.js';
import type { ShapeMap, TensorMap } from '../families/params.js';
import { need } from '../families/params.js';
import type { ForwardResult } from './base.js';
import { Bijector } from './base.js';

export class Planar extends Bijector {
  readonly name = 'planar';
  override readonly hasInverse = false;

  constructor(
    dim: number,
    readonly initStd = 0.1,
  ) {
    super(dim);
  }
  override localShapes(): ShapeMap {
    return { u: [this.dim], w: [this.dim], b: [] };
  }
  init(k: Key): Record<string, Float32Array> {
    const r = normal(k, 2 * this.dim);
    const u = new Float32Array(this.dim);
    const w = new Float32Array(this.dim);
    for (let i = 0; i < this.dim; i++) {
      u[i] = this.initStd * r[i]!;
      w[i] = this.initStd * r[this.dim + i]!;
    }
    return { u, w, b: new Float32Array(1) };
  }
  /** û with wᵀû ≥ −1 (shape like u), and wᵀû = m(wᵀu) [..., 1]. */
  uHatAndDot(p: TensorMap): { uh: tf.Tensor; wuh: tf.Tensor } {
    const u = need(p, 'u');
    const w = need(p, 'w');
    const wu = tf.sum(tf.mul(w, u), -1, true);
    const m = tf.sub(tf.softplus(wu), 1);
    const wNorm2 = tf.add(tf.sum(tf.square(w), -1, true), 1e-8);
    return { uh: tf.add(u, tf.mul(tf.div(tf.sub(m, wu), wNorm2), w)), wuh: m };
  }
  uHat(p: TensorMap): tf.Tensor {
    return this.uHatAndDot(p).uh;
  }
  protected _forwardAndLogDet(x: tf.Tensor, p: TensorMap): ForwardResult {
    const w = need(p, 'w');
    const { uh, wuh } = this.uHatAndDot(p);
    const b = need(p, 'b');
    const a = tf.add(tf.sum(tf.mul(x, w), -1, true), b.rank === 0 ? b : tf.expandDims(b, -1)); // [..., 1]
    const h = tf.tanh(a);
    const y = tf.add(x, tf.mul(h, uh));
    // 1 + (1 − h²) wᵀû > 0 because wᵀû > −1 and 0 < 1 − h² ≤ 1.
    const det = tf.add(1, tf.mul(tf.sub(1, tf.square(h)), wuh));
    return { y, logDet: tf.squeeze(tf.log(tf.add(det, 1e-9)), [-1]) };
  }
}

/**
 * K planar layers fused (the same flow as a Chain of K Planar bijectors, f = f_K ∘ … ∘ f_1): the parameter-only
 * work (û, wᵀû for every layer) is done once on stacked parameters u [K, D], w [K, D], b [K], which cuts the
 * number of tensor operations per step roughly in half — on tfjs the per-operation overhead dominates small flows.
 */
export class PlanarStack extends Bijector {
  readonly name = 'planar-stack';
  override readonly hasInverse = false;

  constructor(
    dim: number,
    readonly length: number,
    readonly initStd = 0.1,
  ) {
    super(dim);
    if (!Number.isInteger(length) || length < 1) throw new RangeError(`Expected flow length ≥ 1, got ${length}`);
  }
  override localShapes(): ShapeMap {
    return { u: [this.length, this.dim], w: [this.length, this.dim], b: [this.length] };
  }
  init(k: Key): Record<string, Float32Array> {
    const n = this.length * this.dim;
    const r = normal(k, 2 * n);
    return {
      u: Float32Array.from({ length: n }, (_, i) => this.initStd * r[i]!),
      w: Float32Array.from({ length: n }, (_, i) => this.initStd * r[n + i]!),
      b: new Float32Array(this.length),
    };
  }
  protected _forwardAndLogDet(x: tf.Tensor, p: TensorMap): ForwardResult {
    const K = this.length;
    const u = need(p, 'u'); // [..., K, D]
    const w = need(p, 'w');
    const wu = tf.sum(tf.mul(w, u), -1); // [..., K]
    const m = tf.sub(tf.softplus(wu), 1); // wᵀû = m(wᵀu) > −1
    const wNorm2 = tf.add(tf.sum(tf.square(w), -1), 1e-8);
    const uh = tf.add(u, tf.mul(tf.expandDims(tf.div(tf.sub(m, wu), wNorm2), -1), w));
    const kAxis = u.rank - 2;
    const squeezeK = (t: tf.Tensor): tf.Tensor => tf.squeeze(t, [kAxis]);
    const uhs = K === 1 ? [uh] : tf.split(uh, K, kAxis);
    const ws = K === 1 ? [w] : tf.split(w, K, kAxis);
    const b = need(p, 'b');
    const bs = K === 1 ? [b] : tf.split(b, K, b.rank - 1); // each [..., 1]
    const ms = K === 1 ? [m] : tf.split(m, K, m.rank - 1);
    let y = x;
    let ld: tf.Tensor | null = null;
    for (let k = 0; k < K; k++) {
      const a = tf.add(tf.sum(tf.mul(y, squeezeK(ws[k]!)), -1, true), bs[k]!); // [..., 1]
      const h = tf.tanh(a);
      y = tf.add(y, tf.mul(h, squeezeK(uhs[k]!)));
      const l = tf.log(tf.add(tf.add(1, tf.mul(tf.sub(1, tf.square(h)), ms[k]!)), 1e-9));
      ld = ld ? tf.add(ld, l) : l;
    }
    return { y, logDet: tf.squeeze(ld!, [ld!.rank - 1]) };
  }
}
