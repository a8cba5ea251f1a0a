import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { makeFamily } from '../families/index.js';
import { makeObjective } from '../objectives/objective.js';
import { gaussianTarget } from '../models/common/targets.js';
import type { GlobalModel } from '../models/common/model.js';
import { NonFiniteError, sviDispose, sviInit, sviStep } from './svi.js';
import * as glm from '../models/glm/models.js';

beforeAll(async () => {
  await initBackend();
});

const target = gaussianTarget(Float64Array.from([1, -2]), Float64Array.from([1, 0.5, 0.5, 2]));

describe('SVI', () => {
  it('keeps the tensor count flat across steps (no leaks) for every family and estimator', () => {
    const specs = [
      { kind: 'meanfield' as const },
      { kind: 'fullrank' as const },
      { kind: 'lowrank' as const, rank: 1 },
      { kind: 'planar' as const, length: 2 },
      { kind: 'radial' as const, length: 2 },
      { kind: 'iaf' as const, length: 2, hidden: 8 },
      { kind: 'coupling' as const, length: 2, hidden: 8 },
    ];
    for (const spec of specs) {
      for (const objective of [
        makeObjective({ kind: 'elbo', samples: 2 }),
        makeObjective({ kind: 'iwae', k: 3 }),
        makeObjective({ kind: 'renyi', alpha: 0.5, k: 3 }),
      ]) {
        const state = sviInit({
          family: makeFamily(spec, 2),
          model: target,
          objective,
          optimiser: { kind: 'adam', learningRate: 0.01 },
          seed: 1,
        });
        sviStep(state);
        const before = tf.memory().numTensors;
        for (let i = 0; i < 5; i++) sviStep(state);
        expect(tf.memory().numTensors, `${spec.kind} × ${objective.label}`).toBe(before);
        sviDispose(state);
      }
    }
    const sf = sviInit({
      family: makeFamily({ kind: 'meanfield' }, 2),
      model: target,
      objective: makeObjective({ kind: 'elbo', samples: 4 }, { estimator: 'score' }),
      optimiser: {
        kind: 'sgd',
        learningRate: 0.01,
        clipNorm: 5,
        schedule: { kind: 'robbins-monro', tau0: 10, kappa: 0.7 },
      },
      seed: 1,
    });
    sviStep(sf);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) sviStep(sf);
    expect(tf.memory().numTensors).toBe(before);
    sviDispose(sf);
  });

  it('skips and counts non-finite steps, then stops with a clear error', () => {
    let calls = 0;
    const flaky: GlobalModel = {
      dim: 2,
      names: ['a', 'b'],
      exact: false,
      logJoint(theta) {
        calls++;
        const base = target.logJoint(theta);
        return calls % 3 === 0 ? tf.mul(base, NaN) : base;
      },
    };
    const state = sviInit({
      family: makeFamily({ kind: 'meanfield' }, 2),
      model: flaky,
      objective: makeObjective({ kind: 'elbo', samples: 1 }),
      optimiser: { kind: 'adam', learningRate: 0.01 },
      seed: 3,
    });
    for (let i = 0; i < 30; i++) sviStep(state);
    expect(state.skipped).toBe(10);
    const values = Object.values(state.params).flatMap((v) => Array.from(v.dataSync()));
    expect(values.every(Number.isFinite)).toBe(true);
    sviDispose(state);

    const broken: GlobalModel = {
      dim: 2,
      names: ['a', 'b'],
      exact: false,
      logJoint: (t) => tf.mul(tf.sum(t, -1), NaN),
    };
    const s2 = sviInit({
      family: makeFamily({ kind: 'meanfield' }, 2),
      model: broken,
      objective: makeObjective({ kind: 'elbo', samples: 1 }),
      optimiser: { kind: 'adam', learningRate: 0.01 },
      seed: 3,
      maxConsecutiveNonFinite: 5,
    });
    let err: unknown = null;
    try {
      for (let i = 0; i < 10; i++) sviStep(s2);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteError);
    expect((err as Error).message).toMatch(
      /not finite for 5 steps in a row; lower the learning rate \(now 0\.01\).* Step 4 gave loss NaN/,
    );
    expect(s2.step).toBe(5);
    sviDispose(s2);
  });

  it('anneals β linearly and applies it through logPrior − log q', () => {
    const { linearRegressionModel } = glm;
    const model = linearRegressionModel(
      { X: Float32Array.from([1, 0, 0, 1, 1, 1]), rows: 3, cols: 2, y: Float32Array.from([1, 2, 3]) },
      { noise: { kind: 'known', sigma: 1 } },
    );
    const state = sviInit({
      family: makeFamily({ kind: 'meanfield' }, 2),
      model,
      objective: makeObjective({ kind: 'elbo', samples: 2 }, { anneal: { kind: 'linear', epochs: 4 } }),
      optimiser: { kind: 'adam', learningRate: 0.01 },
      seed: 1,
    });
    const betas = Array.from({ length: 6 }, () => sviStep(state).beta);
    expect(betas).toEqual([0, 0.25, 0.5, 0.75, 1, 1]);
    sviDispose(state);
    model.dispose?.();
  });

  it('validates Robbins–Monro κ and names the fix', () => {
    expect(() =>
      sviInit({
        family: makeFamily({ kind: 'meanfield' }, 2),
        model: target,
        objective: makeObjective({ kind: 'elbo', samples: 1 }),
        optimiser: { kind: 'sgd', learningRate: 1, schedule: { kind: 'robbins-monro', tau0: 1, kappa: 0.5 } },
        seed: 1,
      }),
    ).toThrow(/κ in \(0\.5, 1\], got 0\.5/);
  });
});
