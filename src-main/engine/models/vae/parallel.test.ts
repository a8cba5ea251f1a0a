// Data-parallel VAE gradients (parallel.ts): the pooled gradient is the size-weighted mean of the shard gradients
// (shard j ≥ 1 drawing noise from fold(stepKey, j)), and a multi-threaded run is reproducible.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainingSpecSchema, vaeSpecSchema } from '../../../../src-shared/schemas/run-spec';
import { initBackend } from '../../backend';
import { makeObjective } from '../../objectives/objective';
import { fold, key, uniform } from '../../rng';
import { VaeModel } from './model';
import { GradientPool, shardBounds } from './parallel';
import { prepareVaeData } from './prepare';
import {
  parallelThreads,
  rowsTensor,
  setParallelMinWork,
  stepLoss,
  trainVae,
  vaeConfig,
  type StepContext,
} from './train';

const N = 96;
const D = 12;
const x = Float32Array.from(uniform(key(3), N * D));
const ranges = Array.from({ length: D }, () => ({ min: 0, max: 1, mean: 0.5, std: 0.3 }));

beforeAll(async () => {
  await initBackend();
});
afterAll(() => setParallelMinWork());

describe('shards', () => {
  it('splits a batch into contiguous shards, the first ones a row larger', () => {
    expect(shardBounds(10, 3)).toEqual([0, 4, 7, 10]);
    expect(shardBounds(128, 2)).toEqual([0, 64, 128]);
    expect(shardBounds(2, 2)).toEqual([0, 1, 2]);
  });

  it('uses threads only on big runs, never with free bits, at most one per 16 batch rows', () => {
    const s = (threads: number, freeBits = 0, epochs = 1) => ({
      threads,
      training: trainingSpecSchema.parse({ freeBits }),
      epochs,
    });
    expect(parallelThreads(s(4), 60_000, 784, 128)).toBe(4);
    expect(parallelThreads(s(4), 1_797, 64, 64)).toBe(1);
    expect(parallelThreads(s(4, 0.5), 60_000, 784, 128)).toBe(1);
    expect(parallelThreads(s(8), 60_000, 784, 32)).toBe(2);
    expect(parallelThreads(s(1), 60_000, 784, 128)).toBe(1);
  });
});

describe('gradient pool', () => {
  for (const family of [{ kind: 'meanfield' }, { kind: 'iaf', length: 2, hidden: 16 }] as const)
    it(`${family.kind}: pooled gradient = Σ (n_j / B) · gradient of shard j with its own noise`, async () => {
      const spec = vaeSpecSchema.parse({
        model: 'vae',
        latentDim: 3,
        hidden: [16],
        likelihood: 'bernoulli',
        scale: 1,
        batchSize: 32,
        threads: 2,
        family,
      });
      const data = prepareVaeData({ x, n: N, d: D }, ranges, spec);
      const model = new VaeModel(vaeConfig(data, spec), key(1));
      const vars = model.variables();
      const pool = GradientPool.create(2, vars, D, 32, vaeConfig(data, spec), spec)!;
      try {
        const rows = Int32Array.from({ length: 30 }, (_, i) => (i * 7) % N);
        const stepKey = key(11);
        const ctx: StepContext = {
          objective: makeObjective(spec.objective),
          estimator: 'reparam',
          analytic: family.kind === 'meanfield',
          beta: 0.7,
          freeBits: 0,
          tau: null,
          baseline: null,
        };
        const shardGrads = (from: number, to: number, k: typeof stepKey) => {
          const xb = rowsTensor(data.x, D, rows.subarray(from, to));
          const { value, grads } = tf.variableGrads(() => stepLoss(model, xb, k, ctx).loss, vars);
          xb.dispose();
          return { value, grads };
        };
        const bounds = pool.start(vars, data.x, rows, { stepKey, beta: 0.7, tau: null, baseline: null });
        expect(bounds).toEqual([0, 15, 30]);
        const own = shardGrads(0, 15, stepKey);
        const pooled = pool.collect(
          bounds,
          { grads: own.grads, loss: own.value, boundMean: null },
          vars.map((v) => v.name),
        );
        // Reference on this thread: shard 1 with fold(stepKey, 1), weighted by shard sizes.
        const other = shardGrads(15, 30, fold(stepKey, 1));
        let worst = 0;
        for (const v of vars) {
          const want = tf.tidy(() =>
            tf.add(tf.mul(own.grads[v.name]!, 0.5), tf.mul(other.grads[v.name]!, 0.5)).dataSync(),
          );
          const got = pooled.grads[v.name]!.dataSync();
          let scale = 1e-6;
          for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
          for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i]! - got[i]!) / scale);
        }
        expect(worst).toBeLessThan(1e-4);
        const lossWant = 0.5 * own.value.dataSync()[0]! + 0.5 * other.value.dataSync()[0]!;
        expect(pooled.loss.dataSync()[0]).toBeCloseTo(lossWant, 4);
        tf.dispose([
          own.value,
          other.value,
          pooled.loss,
          pooled.boundMean,
          ...Object.values(own.grads),
          ...Object.values(other.grads),
          ...Object.values(pooled.grads),
        ]);
      } finally {
        await pool.close();
        model.dispose();
      }
    }, 60_000);
});

describe('training on two threads', () => {
  it('is reproducible and learns as well as one thread', async () => {
    setParallelMinWork(0);
    const train = async (threads: number) => {
      const spec = vaeSpecSchema.parse({
        model: 'vae',
        latentDim: 2,
        hidden: [16],
        likelihood: 'bernoulli',
        scale: 1,
        batchSize: 32,
        epochs: 4,
        validationFraction: 0,
        threads,
        seed: 4,
      });
      const r = await trainVae(prepareVaeData({ x, n: N, d: D }, ranges, spec), spec);
      return { elbo: r.trainElbo, w: r.snapshot.network['encoder.0.weight']!.values.slice(0, 20) };
    };
    const a = await train(2);
    const b = await train(2);
    const serial = await train(1);
    expect(b.elbo).toBe(a.elbo);
    expect(b.w).toEqual(a.w);
    expect(a.w).not.toEqual(serial.w);
    expect(Math.abs(a.elbo - serial.elbo)).toBeLessThan(0.5);
  }, 120_000);
});
