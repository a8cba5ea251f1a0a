// The native kernels (native/elbo_native.c via kernels/native.ts): products against a float64 reference on ragged
// shapes, every transpose, bias and relu, broadcast batches, one and two threads; then the wasm backend with its
// matrix products on them, and a VAE trained on 'native' against the same run on 'wasm'.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, describe, expect, it } from 'vitest';
import { vaeSpecSchema } from '../../../src-shared/schemas/run-spec';
import { initBackend } from '../backend';
import { key, uniform } from '../rng';
import { prepareVaeData } from '../models/vae/prepare';
import { trainVae } from '../models/vae/train';
import { defaultNativeThreads, loadNative } from './native';
import { matMulPath } from './fast-matmul';
import { GEMM_TEST_SHAPES, maxRelErr, naiveProduct as naive } from './testing';

const loaded = loadNative();
const hasCompiler = spawnSync('cc', ['--version']).status === 0;
if (!loaded.ok) console.warn(`native kernels not tested: ${loaded.reason}`);

function randn(n: number, seed: number): Float32Array {
  const u = uniform(key(seed), 2 * n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = Math.sqrt(-2 * Math.log(u[2 * i]! || 1e-12)) * Math.cos(2 * Math.PI * u[2 * i + 1]!);
  return out;
}

describe('native kernels', () => {
  it('are built wherever a C compiler is (npm ci runs scripts/build-native.cjs)', () => {
    if (hasCompiler && process.env.ELBO_STUDIO_NATIVE !== '0') expect(loaded.ok ? '' : loaded.reason).toBe('');
    else expect(true).toBe(true);
  });

  const N = loaded.ok ? loaded.kernels : null;
  afterAll(() => N?.setThreads(defaultNativeThreads()));

  // Shapes: kernels/testing.ts (ragged on each register block, K of 1, big enough for the native pool to split).
  for (const threads of [1, 2])
    for (const [M, K, Nn] of GEMM_TEST_SHAPES)
      for (const tA of [false, true])
        for (const tB of [false, true])
          it.skipIf(!N)(`${threads} thread(s): ${M}×${K} · ${K}×${Nn} (transposeA ${tA}, transposeB ${tB})`, () => {
            N!.setThreads(threads);
            const a = randn(M * K, M + 3 * K);
            const b = randn(K * Nn, Nn + 7 * K);
            // Operands at offsets inside one buffer, like tensors on the wasm heap.
            const buf = new ArrayBuffer(4 * (16 + a.length + b.length + M * Nn));
            const aOff = 64;
            const bOff = aOff + 4 * a.length;
            const cOff = bOff + 4 * b.length;
            new Float32Array(buf, aOff, a.length).set(a);
            new Float32Array(buf, bOff, b.length).set(b);
            N!.gemm(buf, aOff, bOff, cOff, M, Nn, K, tA ? 1 : 0, tB ? 1 : 0, -1, 0, 1, 1, 1);
            const ref = naive(a, b, M, K, Nn, tA, tB);
            expect(maxRelErr(ref, new Float32Array(buf, cOff, M * Nn))).toBeLessThan(1e-5);
          });

  it.skipIf(!N)('adds a bias vector, applies relu, and broadcasts a batch of one against a batch of three', () => {
    N!.setThreads(2);
    const [M, K, Nn, T] = [50, 33, 70, 3];
    const a = randn(T * M * K, 1);
    const b = randn(K * Nn, 2);
    const bias = randn(Nn, 3);
    const buf = new ArrayBuffer(4 * (a.length + b.length + bias.length + T * M * Nn));
    const f = new Float32Array(buf);
    f.set(a, 0);
    f.set(b, a.length);
    f.set(bias, a.length + b.length);
    const cOff = 4 * (a.length + b.length + bias.length);
    N!.gemm(buf, 0, 4 * a.length, cOff, M, Nn, K, 0, 0, 4 * (a.length + b.length), 1, T, 1, T);
    for (let t = 0; t < T; t++) {
      const ref = naive(a.subarray(t * M * K, (t + 1) * M * K), b, M, K, Nn, false, false);
      for (let i = 0; i < M; i++)
        for (let j = 0; j < Nn; j++) ref[i * Nn + j] = Math.max(0, ref[i * Nn + j]! + bias[j]!);
      expect(maxRelErr(ref, new Float32Array(buf, cOff + 4 * t * M * Nn, M * Nn))).toBeLessThan(1e-5);
    }
  });

  // The app trains each run in its own worker thread, and its main thread never loads the addon: Node unloads it when
  // the last such thread exits. Before the addon pinned itself, the pool's threads slept on in unmapped memory and
  // the next round's two-thread products never completed (the history e2e spec's stall). A fresh process, so that
  // this test file's own load does not keep the library mapped.
  it.skipIf(!loaded.ok)(
    'two worker threads at a time, round after round, each with two-thread products and Adam, all complete and agree',
    () => {
      const script = `
const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads');
if (isMainThread) {
  (async () => {
    const out = [];
    for (let round = 0; round < 6; round++) {
      const rs = await Promise.all([0, 1].map(() => new Promise((res, rej) => {
        const w = new Worker(__filename, { workerData: 1 });
        w.on('message', res);
        w.on('error', rej);
      })));
      out.push(...rs);
    }
    console.log(JSON.stringify(out));
  })();
} else {
  const m = { exports: {} };
  process.dlopen(m, ${JSON.stringify(loaded.ok ? loaded.file : '')});
  m.exports.setThreads(2);
  const [M, K, N] = [128, 784, 400];
  const buf = new ArrayBuffer(4 * (M * K + K * N + M * N));
  const f = new Float32Array(buf);
  for (let i = 0; i < M * K + K * N; i++) f[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  for (let t = 0; t < 20; t++) m.exports.gemm(buf, 0, 4 * M * K, 4 * (M * K + K * N), M, N, K, 0, 0, -1, 0, 1, 1, 1);
  let s = 0;
  for (let i = M * K + K * N; i < f.length; i++) s += f[i];
  // Adam on the same pool: 7 slices of n (θ, m, v, g in; θ', m', v' out) from the product's inputs.
  const n = 70000; // ≥ 2^16: split over the pool
  const ab = new ArrayBuffer(4 * 7 * n);
  const af = new Float32Array(ab);
  af.set(f.subarray(0, 4 * n));
  for (let t = 0; t < 20; t++)
    m.exports.adam(ab, 0, 4 * n, 8 * n, 12 * n, 16 * n, 20 * n, 24 * n, n, 0.9, 0.1, 0.999, 0.001, 0.1, 0.001, 1e-7, 1e-3);
  for (let i = 4 * n; i < 7 * n; i++) s += af[i];
  parentPort.postMessage(s);
}`;
      const dir = mkdtempSync(path.join(os.tmpdir(), 'elbo-native-'));
      const file = path.join(dir, 'pool.cjs');
      writeFileSync(file, script);
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
      rmSync(dir, { recursive: true, force: true });
      expect(r.signal ?? r.stderr.trim()).toBe('');
      const sums = JSON.parse(r.stdout) as number[];
      expect(sums).toHaveLength(12);
      expect(new Set(sums).size).toBe(1);
    },
    90_000,
  );

  // Chunks of C start on register-block boundaries and each is computed over all of K in the same order, so the
  // threads change who computes an element, never how: a run reproduces to the bit whatever the thread count.
  it.skipIf(!N)('gives the same bits on one thread and on two, splitting by rows and by columns', () => {
    for (const [M, K, Nn] of [
      [784, 300, 400],
      [130, 97, 1001],
    ] as const) {
      const a = randn(M * K, 51);
      const b = randn(K * Nn, 52);
      const buf = new ArrayBuffer(4 * (a.length + b.length + 2 * M * Nn));
      new Float32Array(buf).set(a, 0);
      new Float32Array(buf).set(b, a.length);
      const c1 = 4 * (a.length + b.length);
      const c2 = c1 + 4 * M * Nn;
      N!.setThreads(1);
      N!.gemm(buf, 0, 4 * a.length, c1, M, Nn, K, 0, 1, -1, 0, 1, 1, 1);
      N!.setThreads(2);
      N!.gemm(buf, 0, 4 * a.length, c2, M, Nn, K, 0, 1, -1, 0, 1, 1, 1);
      expect(Array.from(new Float32Array(buf, c2, M * Nn))).toEqual(Array.from(new Float32Array(buf, c1, M * Nn)));
    }
  });

  it.skipIf(!N)('refuses operands outside the buffer, naming the problem', () => {
    const buf = new ArrayBuffer(64);
    expect(() => N!.gemm(buf, 0, 0, 16, 4, 4, 4, 0, 0, -1, 0, 1, 1, 1)).toThrow(/outside the buffer/);
    expect(() => N!.gemm(buf, 2, 0, 0, 2, 2, 2, 0, 0, -1, 0, 1, 1, 1)).toThrow(/misaligned/);
  });
});

describe("the 'native' backend", () => {
  it.skipIf(!loaded.ok)(
    'serves the wasm backend’s matMul and fused matMul, and is the stored backend name',
    async () => {
      const info = await initBackend({ preference: 'native' });
      expect(info.name).toBe('native');
      expect(info.detail).toMatch(/native GEMM \((avx2-fma|sse2|generic)/);
      expect(tf.getBackend()).toBe('wasm');
      expect(matMulPath()).toBe('native');
      tf.tidy(() => {
        const a = tf.randomNormal([37, 29], 0, 1, 'float32', 1);
        const b = tf.randomNormal([41, 29], 0, 1, 'float32', 2);
        const bias = tf.randomNormal([41], 0, 1, 'float32', 3);
        const y = tf.fused.matMul({ a, b, transposeB: true, bias, activation: 'relu' }).dataSync();
        const ref = naive(a.dataSync(), b.dataSync(), 37, 29, 41, false, true);
        const bv = bias.dataSync();
        for (let i = 0; i < 37; i++)
          for (let j = 0; j < 41; j++) ref[i * 41 + j] = Math.max(0, ref[i * 41 + j]! + bv[j]!);
        expect(maxRelErr(ref, y)).toBeLessThan(1e-5);
        // d/dW Σ (A Wᵀ)² = 2 (A Wᵀ)ᵀ A: the backward pass's transposed products on the native kernels too.
        const g = tf
          .grad((w: tf.Tensor) => tf.sum(tf.square(tf.matMul(a, w as tf.Tensor2D, false, true))))(b)
          .dataSync();
        const ref2 = naive(
          Float64Array.from(naive(a.dataSync(), b.dataSync(), 37, 29, 41, false, true), (v) => 2 * v),
          a.dataSync(),
          41,
          37,
          29,
          true,
          false,
        );
        expect(maxRelErr(ref2, g)).toBeLessThan(1e-5);
      });
    },
  );

  it.skipIf(!loaded.ok)(
    'updates Adam in one native call per tensor, equal to the op-by-op update to the bit',
    async () => {
      const { Optimiser } = await import('../optim/optimisers');
      const run = async (backend: 'native' | 'wasm') => {
        await initBackend({ preference: backend });
        const theta = tf.variable(tf.tensor(randn(70_000, 11), [700, 100]));
        const b = tf.variable(tf.tensor(randn(100, 12), [100]));
        const opt = new Optimiser({ kind: 'adam', learningRate: 3e-3, epsilon: 1e-7 }, { theta, b });
        for (let t = 0; t < 5; t++) {
          const g = { theta: tf.tensor(randn(70_000, 20 + t), [700, 100]), b: tf.tensor(randn(100, 40 + t), [100]) };
          opt.apply(g);
          tf.dispose(Object.values(g));
        }
        const out = [theta.dataSync().slice(), b.dataSync().slice()];
        opt.dispose();
        theta.dispose();
        b.dispose();
        return out;
      };
      const { nativeAdamUpdates } = await import('./native-adam');
      const before = nativeAdamUpdates();
      const wasm = await run('wasm');
      expect(nativeAdamUpdates()).toBe(before);
      const native = await run('native');
      expect(nativeAdamUpdates()).toBe(before + 10); // 5 steps × 2 tensors
      expect(Array.from(native[0]!)).toEqual(Array.from(wasm[0]!));
      expect(Array.from(native[1]!)).toEqual(Array.from(wasm[1]!));
    },
  );

  it.skipIf(!loaded.ok)(
    'the Bernoulli log-likelihood and its gradient in one native pass each equal the wasm ops to float rounding',
    async () => {
      const { bernoulliLogLikFast } = await import('../models/vae/model');
      const { nativeBernoulliApplies } = await import('./native-elementwise');
      // Logits from −120 to 120 (softplus and σ at both tails) and near 0; d = 803 leaves a ragged AVX tail; the
      // logits carry a leading batch of 3 that x broadcasts against.
      const [S, B, d] = [3, 5, 803];
      const xs = Float32Array.from(uniform(key(21), B * d), (u) => Math.round(u * 4) / 4);
      const ls = Float32Array.from(randn(S * B * d, 22), (v, i) =>
        i % 7 === 0 ? 40 * v : i % 5 === 0 ? 1e-4 * v : 6 * v,
      );
      const dys = Float32Array.from(randn(S * B, 23));
      const run = async (backend: 'native' | 'wasm') => {
        await initBackend({ preference: backend });
        return tf.tidy(() => {
          const x = tf.tensor2d(xs, [B, d]);
          const l = tf.tensor3d(ls, [S, B, d]);
          const dy = tf.tensor2d(dys, [S, B]);
          expect(nativeBernoulliApplies(x, l)).toBe(backend === 'native');
          const { value, grads } = tf.valueAndGrads((t: tf.Tensor) => bernoulliLogLikFast(x, t))([l], dy);
          return { value: value.dataSync().slice(), grad: grads[0]!.dataSync().slice(), shape: value.shape };
        });
      };
      const wasm = await run('wasm');
      const native = await run('native');
      expect(native.shape).toEqual([S, B]);
      expect(maxRelErr(wasm.value, native.value)).toBeLessThan(1e-6);
      expect(maxRelErr(wasm.grad, native.grad)).toBeLessThan(1e-6);
      // And against float64 for one row, so that both are right and not only alike.
      let ref = 0;
      for (let j = 0; j < d; j++) {
        const l = ls[d + j]!;
        ref += xs[d + j]! * l - (Math.max(l, 0) + Math.log1p(Math.exp(-Math.abs(l))));
      }
      expect(Math.abs(native.value[1]! - ref)).toBeLessThan(1e-5 * Math.abs(ref));
      await initBackend({ preference: 'wasm' });
    },
  );

  it.skipIf(!loaded.ok)(
    'a relu layer’s backward step in one native pass equals step, mul and sum to the bit',
    async () => {
      const { nativeReluBackward } = await import('./native-elementwise');
      await initBackend({ preference: 'native' });
      const [B, Nn] = [37, 403];
      // Exact zeros in y (relu's flat side) and negative dy (signed zeros in δ).
      const ys = Float32Array.from(randn(B * Nn, 31), (v, i) => (i % 5 === 0 ? 0 : Math.max(0, v)));
      const dys = randn(B * Nn, 32);
      tf.tidy(() => {
        const y = tf.tensor2d(ys, [B, Nn]);
        const dy = tf.tensor2d(dys, [B, Nn]);
        const fused = nativeReluBackward(y, dy)!;
        expect(fused).not.toBeNull();
        const delta = tf.mul(dy, tf.step(y));
        expect(Array.from(fused[0].dataSync())).toEqual(Array.from(delta.dataSync()));
        expect(Array.from(fused[1].dataSync())).toEqual(Array.from(tf.sum(delta, 0).dataSync()));
      });
      await initBackend({ preference: 'wasm' });
    },
  );

  it.skipIf(!loaded.ok)(
    'trains a VAE as the wasm backend does, to float tolerance',
    async () => {
      const n = 256;
      const d = 40;
      const x = Float32Array.from(uniform(key(9), n * d), (u) => (u > 0.6 ? 1 : 0));
      const ranges = Array.from({ length: d }, () => ({ min: 0, max: 1, mean: 0.4, std: 0.5 }));
      const spec = vaeSpecSchema.parse({
        model: 'vae',
        latentDim: 4,
        hidden: [64],
        likelihood: 'bernoulli',
        scale: 1,
        batchSize: 32,
        epochs: 2,
        validationFraction: 0,
        seed: 5,
      });
      const train = async (backend: 'native' | 'wasm') => {
        await initBackend({ preference: backend });
        expect(matMulPath()).toBe(backend === 'native' ? 'native' : 'wasm-simd');
        return trainVae(prepareVaeData({ x, n, d }, ranges, spec), spec);
      };
      const wasm = await train('wasm');
      const native = await train('native');
      // 16 Adam steps: the two GEMMs round differently (FMA, other summation order), so agreement is to float
      // tolerance, not bit for bit.
      expect(Math.abs(native.trainElbo - wasm.trainElbo)).toBeLessThan(1e-3 * Math.abs(wasm.trainElbo));
      const w1 = native.params['encoder.0.weight']!.values;
      const w0 = wasm.params['encoder.0.weight']!.values;
      expect(w1.length).toBe(w0.length);
      expect(maxRelErr(w0, w1)).toBeLessThan(1e-3);
      await initBackend({ preference: 'wasm' });
    },
    120_000,
  );
});
