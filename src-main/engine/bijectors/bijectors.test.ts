import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { key, fold, normal } from '../rng.js';
import { logAbsDet } from '../models/common/linalg.js';
import type { TensorMap } from '../families/params.js';
import { sizeOf } from '../families/params.js';
import type { Bijector } from './base.js';
import { Chain, NoInverseError } from './base.js';
import { AffineDiagonal, AffineTril } from './affine.js';
import { Planar, PlanarStack } from './planar.js';
import { read } from '../models/common/testing.js';
import { Radial } from './radial.js';
import { Iaf } from './iaf.js';
import { AffineCoupling } from './coupling.js';

beforeAll(async () => {
  await initBackend();
});

/** Random, far-from-identity parameters for every local and shared parameter. */
function randomParams(b: Bijector, seed: number, std = 0.7): TensorMap {
  const shapes = { ...b.localShapes(), ...b.sharedShapes() };
  const out: TensorMap = {};
  Object.entries(shapes).forEach(([name, shape], i) => {
    const v = normal(fold(key(seed), i), sizeOf(shape));
    out[name] = tf.tensor(
      Float32Array.from(v, (x) => x * std),
      shape,
    );
  });
  return out;
}

function fwd(b: Bijector, p: TensorMap, x: Float64Array): Float64Array {
  return read(() => b.forward(tf.tensor2d(Float32Array.from(x), [1, x.length]), p));
}

/** Central differences with one Richardson step: error O(h⁴). */
function fdJacobian(b: Bijector, p: TensorMap, x: Float64Array, h = 1e-2): Float64Array {
  const D = x.length;
  const J = new Float64Array(D * D);
  const diff = (j: number, step: number): Float64Array => {
    const xp = Float64Array.from(x);
    const xm = Float64Array.from(x);
    xp[j]! += step;
    xm[j]! -= step;
    const yp = fwd(b, p, xp);
    const ym = fwd(b, p, xm);
    return Float64Array.from(yp, (v, i) => (v - ym[i]!) / (2 * step));
  };
  for (let j = 0; j < D; j++) {
    const d1 = diff(j, h);
    const d2 = diff(j, h / 2);
    for (let i = 0; i < D; i++) J[i * D + j] = (4 * d2[i]! - d1[i]!) / 3;
  }
  return J;
}

const D = 3;
const cases: Array<[string, () => Bijector]> = [
  ['affine-diagonal', () => new AffineDiagonal(D, 0.7)],
  ['affine-tril', () => new AffineTril(D, 0.7)],
  ['planar', () => new Planar(D)],
  ['planar stack K=1', () => new PlanarStack(D, 1)],
  ['planar stack K=5', () => new PlanarStack(D, 5)],
  ['radial', () => new Radial(D)],
  ['iaf', () => new Iaf(D, 8)],
  ['iaf reversed', () => new Iaf(D, 8, true)],
  ['coupling even', () => new AffineCoupling(D, 8, 0)],
  ['coupling odd', () => new AffineCoupling(D, 8, 1)],
  ['chain iaf+coupling', () => new Chain(D, [new Iaf(D, 8), new AffineCoupling(D, 8, 1), new AffineDiagonal(D)])],
  ['chain planar+radial', () => new Chain(D, [new Planar(D), new Radial(D), new Planar(D)])],
];

describe('bijectors', () => {
  for (const [label, make] of cases) {
    it(`${label}: log|det J| matches a finite-difference Jacobian; inverse round-trips where it exists`, () => {
      const b = make();
      for (let trial = 0; trial < 3; trial++) {
        const p = randomParams(b, 10 + trial);
        if (b instanceof Planar || b instanceof PlanarStack) p.w = tf.mul(p.w!, 2); // exercise the wᵀu ≥ −1 constraint
        const x = Float64Array.from(normal(key(100 + trial), D));
        const J = fdJacobian(b, p, x);
        const ref = logAbsDet(J, D);
        const ld = read(() => b.forwardLogDetJacobian(tf.tensor2d(Float32Array.from(x), [1, D]), p))[0]!;
        expect(Math.abs(ld - ref)).toBeLessThan(1e-3);
        if (b.hasInverse) {
          const back = read(() => {
            const xs = tf.tensor2d(Float32Array.from(normal(key(200 + trial), 5 * D)), [5, D]);
            return tf.max(tf.abs(tf.sub(b.inverse(b.forward(xs, p), p), xs)));
          })[0]!;
          expect(back).toBeLessThan(1e-4);
        } else {
          expect(() => b.inverse(tf.zeros([1, D]), p)).toThrow(NoInverseError);
        }
        Object.values(p).forEach((t) => t.dispose());
      }
    });
  }

  it('IAF is autoregressive: the Jacobian is triangular in its ordering', () => {
    const b = new Iaf(4, 16);
    const p = randomParams(b, 3);
    const J = fdJacobian(b, p, Float64Array.from(normal(key(5), 4)));
    for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) expect(Math.abs(J[i * 4 + j]!)).toBeLessThan(1e-5);
    const r = new Iaf(4, 16, true);
    const Jr = fdJacobian(r, p, Float64Array.from(normal(key(5), 4)));
    for (let i = 0; i < 4; i++) for (let j = 0; j < i; j++) expect(Math.abs(Jr[i * 4 + j]!)).toBeLessThan(1e-5);
  });

  it('a fused planar stack equals the chain of single planar layers', () => {
    const K = 4;
    const stack = new PlanarStack(3, K);
    const chain = new Chain(
      3,
      Array.from({ length: K }, () => new Planar(3)),
    );
    const p = randomParams(stack, 31, 1);
    const cp: TensorMap = {};
    for (let k = 0; k < K; k++) {
      cp[`${k}.u`] = tf.squeeze(tf.slice(p.u!, [k, 0], [1, 3]), [0]);
      cp[`${k}.w`] = tf.squeeze(tf.slice(p.w!, [k, 0], [1, 3]), [0]);
      cp[`${k}.b`] = tf.squeeze(tf.slice(p.b!, [k], [1]));
    }
    const x = tf.tensor2d(Float32Array.from(normal(key(4), 12)), [4, 3]);
    const a = stack.forwardAndLogDet(x, p);
    const c = chain.forwardAndLogDet(x, cp);
    expect(read(() => tf.max(tf.abs(tf.sub(a.y, c.y))))[0]!).toBeLessThan(1e-5);
    expect(read(() => tf.max(tf.abs(tf.sub(a.logDet, c.logDet))))[0]!).toBeLessThan(1e-5);
    // amortised shapes: params [B, K, …], x [n, B, D]
    const pa: TensorMap = { u: tf.ones([2, K, 3]), w: tf.ones([2, K, 3]), b: tf.zeros([2, K]) };
    const r = stack.forwardAndLogDet(tf.zeros([5, 2, 3]), pa);
    expect(r.y.shape).toEqual([5, 2, 3]);
    expect(r.logDet.shape).toEqual([5, 2]);
  });

  it('planar keeps wᵀû ≥ −1 for adversarial u, w', () => {
    const b = new Planar(2);
    const p: TensorMap = { u: tf.tensor1d([-5, -5]), w: tf.tensor1d([3, 3]), b: tf.scalar(0) };
    const wu = read(() => tf.sum(tf.mul(p.w!, b.uHat(p))))[0]!;
    expect(wu).toBeGreaterThanOrEqual(-1);
  });

  it('works on amortised batches [n, B, D] with per-datum parameters [B, …]', () => {
    const b = new Planar(2);
    const B = 3;
    const p: TensorMap = { u: tf.ones([B, 2]), w: tf.ones([B, 2]), b: tf.zeros([B]) };
    const r = b.forwardAndLogDet(tf.zeros([4, B, 2]), p);
    expect(r.y.shape).toEqual([4, B, 2]);
    expect(r.logDet.shape).toEqual([4, B]);
  });

  it('rejects a wrong input dimension naming the expected shape', () => {
    expect(() => new Planar(3).forward(tf.zeros([2, 2]), {})).toThrow(/expects inputs \[\.\.\., 3\]/);
    expect(() => new Planar(0)).toThrow(/≥ 1, got 0/);
  });
});
