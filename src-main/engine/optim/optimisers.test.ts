import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { createVariables, disposeParams } from '../families/params.js';
import { key, normal } from '../rng.js';
import type { OptimiserConfig } from './optimisers.js';
import { FlatOptimiser, Optimiser, globalNorm, learningRateAt, optimiserFromSpec, runSchedule } from './optimisers.js';

beforeAll(async () => {
  await initBackend();
});

describe('optimisers', () => {
  it('Adam and SGD-momentum minimise a quadratic; Robbins–Monro steps follow (τ0 + t)^(−κ)', () => {
    for (const kind of ['adam', 'sgd'] as const) {
      const vars = createVariables({ a: [2], b: [] }, { a: Float32Array.from([3, -2]), b: Float32Array.from([5]) });
      const opt = new Optimiser({ kind, learningRate: kind === 'adam' ? 0.1 : 0.05, momentum: 0.9 }, vars);
      for (let i = 0; i < 300; i++) {
        // gradient of ½‖a − (1, 1)‖² + ½ (b + 2)²
        const g = { a: tf.sub(vars.a!, tf.tensor1d([1, 1])), b: tf.add(vars.b!, 2) };
        opt.apply(g);
        disposeParams(g);
      }
      const a = Array.from(vars.a!.dataSync());
      expect(a[0]).toBeCloseTo(1, 2);
      expect(a[1]).toBeCloseTo(1, 2);
      expect(vars.b!.dataSync()[0]).toBeCloseTo(-2, 2);
      opt.dispose();
      disposeParams(vars);
    }
    expect(learningRateAt(0, 1, { kind: 'robbins-monro', tau0: 9, kappa: 0.5 })).toBeCloseTo(10 ** -0.5);
    expect(learningRateAt(90, 2, { kind: 'robbins-monro', tau0: 9, kappa: 1 })).toBeCloseTo(0.02);
    // Cosine: from η at t = 0 through η·0.505 half-way to η/100 at the last step.
    const cosine = runSchedule({ kind: 'cosine' }, 100);
    expect(learningRateAt(0, 2, cosine)).toBeCloseTo(2);
    expect(learningRateAt(50, 2, cosine)).toBeCloseTo(2 * 0.505);
    expect(learningRateAt(100, 2, cosine)).toBeCloseTo(0.02);
    expect(
      () => new Optimiser({ kind: 'adam', learningRate: 1, schedule: { kind: 'cosine', totalSteps: 0 } }, {}),
    ).toThrow(/cosine schedule over ≥ 1 step, got 0/);
    expect(() => optimiserFromSpec({ kind: 'adam', learningRate: 1, schedule: { kind: 'cosine' } })).toThrow(
      /needs the run's total steps/,
    );
    expect(
      () =>
        new Optimiser({ kind: 'sgd', learningRate: 1, schedule: { kind: 'robbins-monro', tau0: 1, kappa: 1.2 } }, {}),
    ).toThrow(/κ in \(0\.5, 1\], got 1\.2/);
    expect(() => new Optimiser({ kind: 'adam', learningRate: 0 }, {})).toThrow(
      'Expected a learning rate > 0, got 0; try 1e-2 for Adam.',
    );
  });

  it('clips to a global norm', () => {
    const vars = createVariables({ a: [2] }, { a: new Float32Array(2) });
    const opt = new Optimiser({ kind: 'sgd', learningRate: 1, momentum: 0, clipNorm: 1 }, vars);
    const g = { a: tf.tensor1d([30, 40]) };
    expect(globalNorm(g)).toBeCloseTo(50);
    opt.apply(g);
    const a = Array.from(vars.a!.dataSync());
    expect(a[0]).toBeCloseTo(-0.6, 5);
    expect(a[1]).toBeCloseTo(-0.8, 5);
    disposeParams(g);
    opt.dispose();
    disposeParams(vars);
  });

  it('the float64 optimiser and the tensor optimiser follow the same trajectory on the same gradients', () => {
    // Sizes below and above the fused limit (one flat slot vs a slot per variable); Adam and SGD; clipping; schedules.
    const configs: OptimiserConfig[] = [
      { kind: 'adam', learningRate: 0.05, clipNorm: 3, schedule: { kind: 'cosine', totalSteps: 40 } },
      { kind: 'sgd', learningRate: 0.01, momentum: 0.9, schedule: { kind: 'robbins-monro', tau0: 2, kappa: 0.7 } },
      { kind: 'adam', learningRate: 1e-3 },
    ];
    for (const shapes of [
      { a: [3, 4], b: [5] },
      { a: [300, 250], b: [17] },
    ]) {
      for (const config of configs) {
        const sizes = Object.values(shapes).map((s) => s.reduce((x, y) => x * y, 1));
        const P = sizes[0]! + sizes[1]!;
        const theta0 = normal(key(1), P);
        const vars = createVariables(shapes, {
          a: Float32Array.from(theta0.subarray(0, sizes[0])),
          b: Float32Array.from(theta0.subarray(sizes[0])),
        });
        const opt = new Optimiser(config, vars);
        const flat = new FlatOptimiser(config, P);
        // θ stored in float32 on both sides, so rounding of the parameters themselves does not separate them.
        const theta = Float64Array.from(Float32Array.from(theta0));
        let maxRel = 0;
        for (let t = 0; t < 40; t++) {
          // Gradients depend on θ (½‖θ − 1‖² plus noise), so any difference in the update would compound.
          const noise = normal(key(100 + t), P);
          const g = Float64Array.from(theta, (v, i) => v - 1 + 2 * noise[i]!);
          const g32 = Float32Array.from(g);
          const grads = {
            a: tf.tensor(g32.subarray(0, sizes[0]), shapes.a),
            b: tf.tensor(g32.subarray(sizes[0]), shapes.b),
          };
          opt.apply(grads);
          flat.apply(theta, Float64Array.from(g32));
          for (let i = 0; i < P; i++) theta[i] = Math.fround(theta[i]!);
          disposeParams(grads);
          const got = Float64Array.from([...vars.a!.dataSync(), ...vars.b!.dataSync()]);
          for (let i = 0; i < P; i++)
            maxRel = Math.max(maxRel, Math.abs(got[i]! - theta[i]!) / Math.max(1, Math.abs(theta[i]!)));
        }
        expect(opt.t).toBe(40);
        expect(flat.t).toBe(40);
        console.log(
          `${config.kind} ${config.schedule?.kind ?? 'constant'} P=${P}: max |Δθ|/max(1, |θ|) = ${maxRel.toExponential(2)}`,
        );
        expect(maxRel).toBeLessThan(1e-5);
        opt.dispose();
        disposeParams(vars);
      }
    }
  });

  it("Adam with ε = 1e-7 steps exactly as tf.train.adam does on the same gradients (the VAE's optimiser before)", () => {
    // Both paths: one fused slot (600 entries) and a slot per variable (90,000 entries, as the VAE's layers).
    for (const [rows, cols] of [
      [20, 30],
      [300, 300],
    ] as const) {
      const n = rows * cols;
      const init = Float32Array.from(normal(key(3), n));
      const mine = createVariables({ w: [rows, cols] }, { w: init });
      const theirs = tf.variable(tf.tensor(init, [rows, cols]), true, `theirs-w-${n}`);
      const opt = new Optimiser({ kind: 'adam', learningRate: 1e-2, epsilon: 1e-7 }, mine);
      const ref = tf.train.adam(1e-2);
      for (let t = 0; t < 50; t++) {
        const g = tf.tensor(
          Float32Array.from(normal(key(200 + t), n), (v) => v * (t % 7 === 0 ? 1e-4 : 1)),
          [rows, cols],
        );
        opt.apply({ w: g });
        ref.applyGradients([{ name: theirs.name, tensor: g }]);
        g.dispose();
      }
      const a = mine.w!.dataSync();
      const b = theirs.dataSync();
      // Bit for bit: the same operations in the same order with tfjs' float32 running β^t, so VAE runs trained
      // before the engine owned the optimiser reproduce exactly.
      let differ = 0;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
      expect(differ).toBe(0);
      let moved = 0;
      for (let i = 0; i < a.length; i++) moved = Math.max(moved, Math.abs(a[i]! - init[i]!));
      expect(moved).toBeGreaterThan(0.1);
      opt.dispose();
      ref.dispose();
      theirs.dispose();
      disposeParams(mine);
    }
  });

  it('schedules: Robbins–Monro η(τ0 + t + 1)^(−κ) and cosine from η to f·η over T steps', () => {
    const rm = { kind: 'robbins-monro' as const, tau0: 4, kappa: 0.75 };
    expect(learningRateAt(0, 2, rm)).toBeCloseTo(2 * 5 ** -0.75, 12);
    expect(learningRateAt(11, 2, rm)).toBeCloseTo(2 * 16 ** -0.75, 12);
    const cos = { kind: 'cosine' as const, totalSteps: 100 };
    expect(learningRateAt(0, 0.1, cos)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(50, 0.1, cos)).toBeCloseTo(0.1 * (0.01 + 0.99 * 0.5), 12);
    expect(learningRateAt(100, 0.1, cos)).toBeCloseTo(0.001, 12);
    expect(learningRateAt(25, 1, { kind: 'cosine', totalSteps: 100, floor: 0 })).toBeCloseTo(
      0.5 * (1 + Math.SQRT1_2),
      12,
    );
    // The BNN's cosine lrSchedule, as it was written in models/bnn/train.ts before it moved here.
    for (const step of [0, 7, 333, 999]) {
      expect(learningRateAt(step, 3e-3, { kind: 'cosine', totalSteps: 1000 })).toBeCloseTo(
        3e-3 * (0.01 + 0.99 * 0.5 * (1 + Math.cos((Math.PI * step) / 1000))),
        15,
      );
    }
    // The optimiser steps by the schedule: SGD without momentum moves θ by exactly η_t g.
    const vars = createVariables({ a: [] }, { a: Float32Array.from([0]) });
    const opt = new Optimiser({ kind: 'sgd', learningRate: 1, momentum: 0, schedule: rm }, vars);
    const g = { a: tf.scalar(1) };
    let expected = 0;
    for (let t = 0; t < 5; t++) {
      opt.apply(g);
      expected -= learningRateAt(t, 1, rm);
    }
    expect(vars.a!.dataSync()[0]).toBeCloseTo(expected, 6);
    expect(
      () => new Optimiser({ kind: 'sgd', learningRate: 1, schedule: { kind: 'cosine', totalSteps: 0 } }, {}),
    ).toThrow('Expected a cosine schedule over ≥ 1 step, got 0');
    disposeParams(g);
    opt.dispose();
    disposeParams(vars);
  });
});
