import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { createVariables, disposeParams } from '../families/params.js';
import { Optimiser, globalNorm, learningRateAt, optimiserFromSpec, runSchedule } from './optimisers.js';

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
    expect(() => new Optimiser({ kind: 'adam', learningRate: 1, schedule: { kind: 'cosine', totalSteps: 0 } }, {})).toThrow(/cosine schedule over ≥ 1 step, got 0/);
    expect(() => optimiserFromSpec({ kind: 'adam', learningRate: 1, schedule: { kind: 'cosine' } })).toThrow(/needs the run's total steps/);
    expect(() => new Optimiser({ kind: 'sgd', learningRate: 1, schedule: { kind: 'robbins-monro', tau0: 1, kappa: 1.2 } }, {})).toThrow(/κ in \(0\.5, 1\], got 1\.2/);
    expect(() => new Optimiser({ kind: 'adam', learningRate: 0 }, {})).toThrow('Expected a learning rate > 0, got 0; try 1e-2 for Adam.');
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
});
