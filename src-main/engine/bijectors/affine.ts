/**
 * Affine bijectors that turn N(0, I) into a Gaussian.
 *
 * AffineDiagonal: y = μ + σ ⊙ x, σ = softplus(ρ + c) with c = softplus⁻¹(initScale); log|det J| = Σ log σ.
 *   Parameters: loc [D], scale [D] (unconstrained ρ). Mean-field ADVI (Kucukelbir et al. 2017).
 * AffineTril: y = μ + L x, L lower-triangular with diagonal softplus(ρ_ii + c) > 0; log|det J| = Σ log L_ii.
 *   Parameters: loc [D], tril [D(D+1)/2] (row-major packed lower triangle). Full-rank ADVI.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Key } from '../rng.js';
import type { ShapeMap, TensorMap } from '../families/params.js';
import { inverseSoftplus, need } from '../families/params.js';
import type { ForwardResult } from './base.js';
import { Bijector, broadcastLogDet, unstackSafe } from './base.js';

export class AffineDiagonal extends Bijector {
  readonly name = 'affine-diagonal';
  private readonly offset: number;
  constructor(
    dim: number,
    readonly initScale = 1,
  ) {
    super(dim);
    this.offset = inverseSoftplus(initScale);
  }
  override localShapes(): ShapeMap {
    return { loc: [this.dim], scale: [this.dim] };
  }
  init(_k: Key): Record<string, Float32Array> {
    return { loc: new Float32Array(this.dim), scale: new Float32Array(this.dim) };
  }
  /** σ [..., D] from the unconstrained parameter. */
  scale(p: TensorMap): tf.Tensor {
    return tf.add(tf.softplus(tf.add(need(p, 'scale'), this.offset)), 1e-6);
  }
  protected _forwardAndLogDet(x: tf.Tensor, p: TensorMap): ForwardResult {
    const s = this.scale(p);
    const y = tf.add(need(p, 'loc'), tf.mul(s, x));
    return { y, logDet: broadcastLogDet(tf.sum(tf.log(s), -1), x) };
  }
  protected override _inverse(y: tf.Tensor, p: TensorMap): tf.Tensor {
    return tf.div(tf.sub(y, need(p, 'loc')), this.scale(p));
  }
}

export class AffineTril extends Bijector {
  readonly name = 'affine-tril';
  private readonly offset: number;
  private readonly diagMask: Float32Array;
  readonly packedSize: number;

  constructor(
    dim: number,
    readonly initScale = 1,
  ) {
    super(dim);
    this.offset = inverseSoftplus(initScale);
    const T = (dim * (dim + 1)) / 2;
    this.packedSize = T;
    this.diagMask = new Float32Array(T);
    for (let i = 0; i < dim; i++) {
      this.diagMask[(i * (i + 1)) / 2 + i] = 1;
    }
  }
  override localShapes(): ShapeMap {
    return { loc: [this.dim], tril: [this.packedSize] };
  }
  init(_k: Key): Record<string, Float32Array> {
    return { loc: new Float32Array(this.dim), tril: new Float32Array(this.packedSize) };
  }
  /** Packed entries with the diagonal made positive: [..., T]. */
  private packed(p: TensorMap): tf.Tensor {
    const raw = need(p, 'tril');
    const mask = tf.tensor1d(this.diagMask);
    const pos = tf.add(tf.softplus(tf.add(raw, this.offset)), 1e-6);
    return tf.add(tf.mul(pos, mask), tf.mul(raw, tf.sub(1, mask)));
  }
  /** L [..., D, D], built row by row from slices (gather's gradient needs a kernel the wasm backend lacks). */
  tril(p: TensorMap): tf.Tensor {
    const packed = this.packed(p);
    const lead = packed.shape.slice(0, -1);
    const axis = packed.rank - 1;
    const rows: tf.Tensor[] = [];
    for (let i = 0; i < this.dim; i++) {
      const row = tf.slice(packed, [...lead.map(() => 0), (i * (i + 1)) / 2], [...lead, i + 1]);
      const pad: Array<[number, number]> = [...lead.map((): [number, number] => [0, 0]), [0, this.dim - i - 1]];
      rows.push(i === this.dim - 1 ? row : tf.pad(row, pad));
    }
    return tf.stack(rows, axis);
  }
  /** Σ log L_ii [...]. */
  logDiagSum(p: TensorMap): tf.Tensor {
    const packed = this.packed(p);
    return tf.sum(
      tf.mul(tf.log(tf.add(packed, tf.sub(1, tf.tensor1d(this.diagMask)))), tf.tensor1d(this.diagMask)),
      -1,
    );
  }
  protected _forwardAndLogDet(x: tf.Tensor, p: TensorMap): ForwardResult {
    const L = this.tril(p);
    const y = tf.add(need(p, 'loc'), tf.sum(tf.mul(L, tf.expandDims(x, -2)), -1));
    return { y, logDet: broadcastLogDet(this.logDiagSum(p), x) };
  }
  /** Forward substitution, one coordinate at a time (D small). */
  protected override _inverse(y: tf.Tensor, p: TensorMap): tf.Tensor {
    const L = this.tril(p);
    const r = tf.sub(y, need(p, 'loc'));
    const rows = unstackSafe(L, L.rank - 2); // each [..., D]
    const rs = unstackSafe(r, r.rank - 1);
    const xs: tf.Tensor[] = [];
    for (let i = 0; i < this.dim; i++) {
      const Li = unstackSafe(rows[i]!, rows[i]!.rank - 1);
      let acc = rs[i]!;
      for (let j = 0; j < i; j++) acc = tf.sub(acc, tf.mul(Li[j]!, xs[j]!));
      xs.push(tf.div(acc, Li[i]!));
    }
    return tf.stack(xs, r.rank - 1);
  }
}
