/**
 * Seeded, splittable, counter-based random numbers (in the spirit of JAX's PRNG keys).
 *
 * A key is two unsigned 32-bit words. `split(key, n)` derives n independent keys; a draw of n numbers from a key is
 * value_i = H(key, i), with H two rounds of the murmur3 finaliser over the key words and the counter, so results do
 * not depend on the tfjs backend, the order of other draws, or the platform. One seed therefore reproduces a run:
 * derive every random quantity (initial weights, minibatch order, ε of the reparameterisation) from `key(seed)` by
 * `split` / `fold`, never from Math.random or tfjs' own seeds.
 */
import * as tf from '@tensorflow/tfjs-core';

export type Key = readonly [number, number];

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** H(key, counter) → uint32. */
function hash(k0: number, k1: number, i: number): number {
  let h = fmix32((k0 ^ Math.imul(i, 0x9e3779b9)) >>> 0);
  h = fmix32((h ^ k1 ^ Math.imul(i >>> 0, 0x7feb352d)) >>> 0);
  h = fmix32((h + Math.imul(k0 ^ 0x27d4eb2f, 0x165667b1)) >>> 0);
  return h;
}

/** A key from an integer seed (any safe integer; negative and fractional seeds are rejected). */
export function key(seed: number): Key {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`Expected a seed that is a non-negative integer, got ${seed}`);
  }
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  return [fmix32(lo ^ 0x6a09e667), fmix32((hi + 0x3c6ef372) >>> 0)];
}

/** n keys derived from k, independent of each other and of k's own draws. */
export function split(k: Key, n = 2): Key[] {
  const out: Key[] = [];
  for (let i = 0; i < n; i++) {
    out.push([hash(k[0], k[1], 2 * i + 0x51ed27), hash(k[1], k[0], 2 * i + 1 + 0x51ed27)]);
  }
  return out;
}

/** A key derived from k and an integer (an epoch, a step, a layer index …). */
export function fold(k: Key, data: number): Key {
  const d = data >>> 0;
  return [hash(k[0], k[1] ^ 0x1b873593, d), hash(k[1], k[0] ^ 0xcc9e2d51, d)];
}

/** n uniform draws on the open interval (0, 1) with 53 bits each. */
export function uniform(k: Key, n: number): Float64Array {
  const out = new Float64Array(n);
  const [k0, k1] = k;
  for (let i = 0; i < n; i++) {
    const a = hash(k0, k1, 2 * i) >>> 5; // 27 bits
    const b = hash(k0, k1, 2 * i + 1) >>> 6; // 26 bits
    out[i] = (a * 67108864 + b + 0.5) / 9007199254740992;
  }
  return out;
}

/** n standard normal draws (Box–Muller on pairs of uniforms). */
export function normal(k: Key, n: number): Float64Array {
  const out = new Float64Array(n);
  const u = uniform(k, n + (n & 1));
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(u[i]!));
    const t = 2 * Math.PI * u[i + 1]!;
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

/** A float32 tensor of standard normal draws with the given shape. */
export function normalTensor(k: Key, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from(normal(k, n)), shape, 'float32');
}

/** A float32 tensor of uniform (0, 1) draws with the given shape. */
export function uniformTensor(k: Key, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from(uniform(k, n)), shape, 'float32');
}

/** A random permutation of 0 … n−1 (Fisher–Yates driven by the key). */
export function permutation(k: Key, n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const u = uniform(k, n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i]! * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/** Gamma(shape, 1) draws (Marsaglia–Tsang), used for Dirichlet draws. */
export function gamma(k: Key, n: number, shape: number): Float64Array {
  if (!(shape > 0)) throw new RangeError(`Expected a gamma shape > 0, got ${shape}`);
  const out = new Float64Array(n);
  const boost = shape < 1;
  const a = boost ? shape + 1 : shape;
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  let sub = k;
  for (let i = 0; i < n; i++) {
    sub = fold(k, i);
    let tries = 0;
    for (;;) {
      const [kn, ku, kb] = split(fold(sub, tries++), 3);
      const x = normal(kn!, 1)[0]!;
      const v0 = 1 + c * x;
      if (v0 <= 0) continue;
      const v = v0 * v0 * v0;
      const u = uniform(ku!, 1)[0]!;
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
        let g = d * v;
        if (boost) g *= Math.pow(uniform(kb!, 1)[0]!, 1 / shape);
        out[i] = g;
        break;
      }
    }
  }
  return out;
}
