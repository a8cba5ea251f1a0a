/**
 * Bijectors as a template method (after TensorFlow Probability's `Bijector`): subclasses implement
 * `_forwardAndLogDet` (and `_inverse` when an analytic inverse exists); the public methods check shapes, route
 * parameters and refuse `inverse` on bijectors that declare none (planar, radial).
 *
 * A bijector acts on the last axis of x [..., D]. Its parameters come in a TensorMap whose tensors broadcast
 * against x: unbatched ([D], [] …) in the global form, [B, …] in the amortised form where x is [n, B, D].
 * `localShapes` are per-datum (an encoder may produce them); `sharedShapes` are always global (e.g. MADE weights).
 * A map may carry `ctx` [..., H], a per-datum context that IAF and coupling layers add to their first hidden layer
 * (Kingma et al. 2016, §4). log|det J| has shape x.shape[:-1].
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Key } from '../rng.js';
import { fold } from '../rng.js';
import type { ShapeMap, TensorMap } from '../families/params.js';
import { prefixed, scope } from '../families/params.js';

export interface ForwardResult {
  y: tf.Tensor;
  logDet: tf.Tensor;
}

export class NoInverseError extends Error {
  constructor(name: string) {
    super(
      `The ${name} bijector has no analytic inverse; use a family whose flow is invertible (iaf, coupling) for logProb and score-function gradients.`,
    );
    this.name = 'NoInverseError';
  }
}

export abstract class Bijector {
  abstract readonly name: string;
  /** False for bijectors whose inverse is not available in closed form. */
  readonly hasInverse: boolean = true;

  constructor(readonly dim: number) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`Expected a bijector dimension ≥ 1, got ${dim}`);
  }

  /** Per-datum parameters (produced by an encoder in the amortised form). */
  localShapes(): ShapeMap {
    return {};
  }
  /** Parameters that stay global in both forms. */
  sharedShapes(): ShapeMap {
    return {};
  }
  /** Size of the context vector this bijector can take (0 = none). */
  contextSize(): number {
    return 0;
  }
  /** Initial values of every local and shared parameter. */
  abstract init(k: Key): Record<string, Float32Array>;

  forward(x: tf.Tensor, p: TensorMap): tf.Tensor {
    return this.forwardAndLogDet(x, p).y;
  }
  forwardLogDetJacobian(x: tf.Tensor, p: TensorMap): tf.Tensor {
    return this.forwardAndLogDet(x, p).logDet;
  }
  forwardAndLogDet(x: tf.Tensor, p: TensorMap): ForwardResult {
    this.checkInput(x);
    return this._forwardAndLogDet(x, p);
  }
  inverse(y: tf.Tensor, p: TensorMap): tf.Tensor {
    if (!this.hasInverse) throw new NoInverseError(this.name);
    this.checkInput(y);
    return this._inverse(y, p);
  }
  /** log|det ∂x/∂y| at y = −log|det J_f| at x = f⁻¹(y). */
  inverseLogDetJacobian(y: tf.Tensor, p: TensorMap): tf.Tensor {
    return tf.neg(this.forwardLogDetJacobian(this.inverse(y, p), p));
  }

  protected abstract _forwardAndLogDet(x: tf.Tensor, p: TensorMap): ForwardResult;
  protected _inverse(_y: tf.Tensor, _p: TensorMap): tf.Tensor {
    throw new NoInverseError(this.name);
  }

  private checkInput(x: tf.Tensor): void {
    const d = x.shape[x.rank - 1];
    if (x.rank < 1 || d !== this.dim) {
      throw new RangeError(`The ${this.name} bijector expects inputs [..., ${this.dim}], got [${x.shape.join(', ')}].`);
    }
  }
}

/** f = f_K ∘ … ∘ f_1; parameters of layer i live under the prefix `${i}.`. */
export class Chain extends Bijector {
  readonly name = 'chain';
  override readonly hasInverse: boolean;

  constructor(
    dim: number,
    readonly layers: readonly Bijector[],
  ) {
    super(dim);
    for (const l of layers) {
      if (l.dim !== dim) throw new RangeError(`Chain of dimension ${dim} got a ${l.name} layer of dimension ${l.dim}.`);
    }
    this.hasInverse = layers.every((l) => l.hasInverse);
  }
  override localShapes(): ShapeMap {
    return Object.assign({}, ...this.layers.map((l, i) => prefixed(l.localShapes(), `${i}.`))) as ShapeMap;
  }
  override sharedShapes(): ShapeMap {
    return Object.assign({}, ...this.layers.map((l, i) => prefixed(l.sharedShapes(), `${i}.`))) as ShapeMap;
  }
  override contextSize(): number {
    return Math.max(0, ...this.layers.map((l) => l.contextSize()));
  }
  init(k: Key): Record<string, Float32Array> {
    return Object.assign({}, ...this.layers.map((l, i) => prefixed(l.init(fold(k, i)), `${i}.`))) as Record<
      string,
      Float32Array
    >;
  }
  private layerParams(p: TensorMap, i: number): TensorMap {
    const s = scope(p, `${i}.`);
    if (p.ctx) s.ctx = p.ctx;
    return s;
  }
  protected _forwardAndLogDet(x: tf.Tensor, p: TensorMap): ForwardResult {
    let y = x;
    let logDet: tf.Tensor = tf.zeros(x.shape.slice(0, -1));
    this.layers.forEach((l, i) => {
      const r = l.forwardAndLogDet(y, this.layerParams(p, i));
      y = r.y;
      logDet = tf.add(logDet, r.logDet);
    });
    return { y, logDet };
  }
  protected override _inverse(y: tf.Tensor, p: TensorMap): tf.Tensor {
    let x = y;
    for (let i = this.layers.length - 1; i >= 0; i--) x = this.layers[i]!.inverse(x, this.layerParams(p, i));
    return x;
  }
}

/** Broadcast a per-batch log-det (shape [] or [B]) to x's batch shape [..., B]. */
export function broadcastLogDet(ld: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.add(ld, tf.zeros(x.shape.slice(0, -1)));
}

/** Dense layer on the last axis for inputs of any rank: x [..., I] @ W [I, O] + b [O]. */
export function dense(x: tf.Tensor, W: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const I = x.shape[x.rank - 1]!;
  const O = W.shape[1]!;
  const flat = tf.reshape(x, [-1, I]);
  const out = tf.add(tf.matMul(flat, W), b);
  return tf.reshape(out, [...x.shape.slice(0, -1), O]);
}

/**
 * tf.unstack whose gradient works when some pieces are unused (tfjs' Unpack gradient fails on missing
 * upstream gradients): one slice per index.
 */
export function unstackSafe(x: tf.Tensor, axis: number): tf.Tensor[] {
  const ax = axis < 0 ? x.rank + axis : axis;
  const n = x.shape[ax]!;
  const out: tf.Tensor[] = [];
  for (let i = 0; i < n; i++) {
    const begin = x.shape.map((_, d) => (d === ax ? i : 0));
    const size = x.shape.map((s, d) => (d === ax ? 1 : s));
    out.push(tf.squeeze(tf.slice(x, begin, size), [ax]));
  }
  return out;
}
