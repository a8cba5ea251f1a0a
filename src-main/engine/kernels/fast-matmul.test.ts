import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { fastMatMulActive } from './fast-matmul';
import { GEMM_TEST_SHAPES, maxRelErr, naiveProduct as naive } from './testing';

const require = createRequire(import.meta.url);

describe('SIMD GEMM kernel on the wasm backend', () => {
  beforeAll(async () => {
    await initBackend({ preference: 'wasm' });
  });

  it('is installed when the wasm backend starts (unless ELBO_STUDIO_WASM_GEMM=0)', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(fastMatMulActive()).toBe(process.env.ELBO_STUDIO_WASM_GEMM !== '0');
  });

  // Shapes: kernels/testing.ts (ragged on each register block, K of 1, big enough for the native pool to split).
  for (const [M, K, N] of GEMM_TEST_SHAPES)
    for (const tA of [false, true])
      for (const tB of [false, true])
        it(`matMul ${M}×${K} · ${K}×${N} (transposeA ${tA}, transposeB ${tB}) matches a float64 product`, () => {
          tf.tidy(() => {
            const a = tf.randomNormal(tA ? [K, M] : [M, K], 0, 1, 'float32', M * 7 + K);
            const b = tf.randomNormal(tB ? [N, K] : [K, N], 0, 1, 'float32', N * 13 + K);
            const c = tf.matMul(a, b, tA, tB);
            expect(c.shape).toEqual([M, N]);
            const ref = naive(a.dataSync(), b.dataSync(), M, K, N, tA, tB);
            expect(maxRelErr(ref, c.dataSync())).toBeLessThan(1e-5);
          });
        });

  it('a fused product with a full [M, N] bias and relu matches', () => {
    tf.tidy(() => {
      const a = tf.randomNormal([7, 5], 0, 1, 'float32', 8);
      const b = tf.randomNormal([5, 11], 0, 1, 'float32', 9);
      const bias = tf.randomNormal([7, 11], 0, 1, 'float32', 10);
      const y = tf.fused.matMul({ a, b, bias, activation: 'relu' }).dataSync();
      const ref = naive(a.dataSync(), b.dataSync(), 7, 5, 11, false, false);
      const bd = bias.dataSync();
      expect(
        maxRelErr(
          ref.map((v, i) => Math.max(0, v + bd[i]!)),
          y,
        ),
      ).toBeLessThan(1e-5);
    });
  });

  it('batched products, including a single matrix broadcast against a batch', () => {
    tf.tidy(() => {
      const a = tf.randomNormal([3, 5, 6], 0, 1, 'float32', 1);
      const b = tf.randomNormal([3, 6, 9], 0, 1, 'float32', 2);
      const b1 = tf.randomNormal([1, 6, 9], 0, 1, 'float32', 3);
      const c = tf.matMul(a, b);
      const cb = tf.matMul(a, b1);
      expect(c.shape).toEqual([3, 5, 9]);
      expect(cb.shape).toEqual([3, 5, 9]);
      const ad = a.dataSync();
      for (let t = 0; t < 3; t++) {
        const at = ad.subarray(t * 30, (t + 1) * 30);
        expect(
          maxRelErr(
            naive(at, b.dataSync().subarray(t * 54, (t + 1) * 54), 5, 6, 9, false, false),
            c.dataSync().subarray(t * 45, (t + 1) * 45),
          ),
        ).toBeLessThan(1e-5);
        expect(
          maxRelErr(naive(at, b1.dataSync(), 5, 6, 9, false, false), cb.dataSync().subarray(t * 45, (t + 1) * 45)),
        ).toBeLessThan(1e-5);
      }
    });
  });

  // tfjs-wasm 4.22's own fused kernel gets these wrong (it adds the bias wrongly with transposeB), so they fail with
  // ELBO_STUDIO_WASM_GEMM=0.
  for (const activation of ['linear', 'relu', 'elu', 'sigmoid'] as const)
    it(`fused product (transposeB) + bias + ${activation} matches and leaves nothing on the heap`, () => {
      const ids = (): number =>
        (tf.backend() as unknown as { dataIdMap: { numDataIds(): number } }).dataIdMap.numDataIds();
      const before = ids();
      tf.tidy(() => {
        const [M, K, N] = [13, 21, 19];
        const a = tf.randomNormal([M, K], 0, 1, 'float32', 4);
        const b = tf.randomNormal([N, K], 0, 1, 'float32', 5);
        const bias = tf.randomNormal([N], 0, 1, 'float32', 6);
        const y = tf.fused.matMul({ a, b, transposeB: true, bias, activation }).dataSync();
        const ref = naive(a.dataSync(), b.dataSync(), M, K, N, false, true);
        const bd = bias.dataSync();
        const act = (v: number): number =>
          activation === 'relu'
            ? Math.max(0, v)
            : activation === 'elu'
              ? v > 0
                ? v
                : Math.expm1(v)
              : activation === 'sigmoid'
                ? 1 / (1 + Math.exp(-v))
                : v;
        const want = ref.map((v, i) => act(v + bd[i % N]!));
        expect(maxRelErr(want, y)).toBeLessThan(1e-5);
      });
      expect(ids()).toBe(before);
    });

  it('gradients through matMul agree with the cpu backend', async () => {
    const grads = async (backend: string): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor2d(
          Array.from({ length: 6 * 10 }, (_, i) => Math.sin(i)),
          [6, 10],
        );
        const w = tf.tensor2d(
          Array.from({ length: 10 * 9 }, (_, i) => Math.cos(i * 0.7)),
          [10, 9],
        );
        const f = (xx: tf.Tensor, ww: tf.Tensor): tf.Scalar => tf.sum(tf.square(tf.relu(tf.matMul(xx, ww))));
        const [gx, gw] = tf.grads(f)([x, w]);
        return [gx!.dataSync() as Float32Array, gw!.dataSync() as Float32Array];
      });
    };
    const cpu = await grads('cpu');
    const wasm = await grads('wasm');
    expect(fastMatMulActive()).toBe(process.env.ELBO_STUDIO_WASM_GEMM !== '0');
    expect(maxRelErr(cpu[0]!, wasm[0]!)).toBeLessThan(1e-5);
    expect(maxRelErr(cpu[1]!, wasm[1]!)).toBeLessThan(1e-5);
  });

  it('the checked-in module is the one scripts/gen-gemm.cjs generates', async () => {
    const gen = require('../../../scripts/gen-gemm.cjs') as { build(): Promise<Buffer>; tsSource(b: Buffer): string };
    const expected = gen.tsSource(await gen.build());
    const actual = readFileSync(path.join(__dirname, 'gemm-wasm.ts'), 'utf8');
    expect(actual).toBe(expected);
  });
});
