/**
 * The autoregressive decoder (autoregressive.ts) against closed forms: its mask is causal and banded, p(x|z) sums to 1
 * over every binary x, feature j's term does not move when later features change, and the Gaussian chain's plug-in
 * mean is the exact solution x̂ = g (I − A ⊙ M)⁻¹.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../backend';
import { key, normal } from '../../rng';
import { arMask } from './autoregressive';
import { VaeModel, type VaeConfig } from './model';

function config(d: number, likelihood: 'bernoulli' | 'gaussian', window: number | null): VaeConfig {
  return {
    d,
    latentDim: 2,
    hidden: [4],
    activation: 'relu',
    likelihood,
    gaussianVariance: 'fixed',
    noiseVariance: 0.5,
    family: { kind: 'meanfield' },
    latentType: 'gaussian',
    categories: 2,
    columns: Array.from({ length: d }, (_, j) => ({
      name: `x${j}`,
      kind: likelihood === 'bernoulli' ? ('bernoulli' as const) : ('gaussian' as const),
      start: j,
      size: 1,
    })),
    autoregressive: { window },
  };
}

/** A model whose A holds seeded normal values (A starts at 0, which would test nothing). */
function model(d: number, likelihood: 'bernoulli' | 'gaussian', window: number | null): VaeModel {
  const m = new VaeModel(config(d, likelihood, window), key(3));
  const a = normal(key(9), d * d);
  m.net.ar!.w.assign(
    tf.tensor2d(
      Float32Array.from(a, (v) => 0.8 * v),
      [d, d],
    ),
  );
  return m;
}

beforeAll(async () => {
  await initBackend();
});

describe('autoregressive decoder', () => {
  it('masks each feature to the window of features before it', () => {
    const m = arMask(4, 2);
    // Row i (input feature) → column j (output feature): 1 iff 0 < j − i ≤ 2.
    expect(Array.from(m)).toEqual([0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(() => arMask(4, 0)).toThrow('Expected an autoregressive window ≥ 1 feature, got 0.');
  });

  it('p(x | z) sums to 1 over all 2^d binary rows (full chain and a window)', () => {
    for (const window of [null, 1]) {
      const d = 4;
      const m = model(d, 'bernoulli', window);
      const xs: number[] = [];
      for (let b = 0; b < 2 ** d; b++) for (let j = 0; j < d; j++) xs.push((b >> j) & 1);
      const total = tf.tidy(() => {
        const x = tf.tensor2d(xs, [2 ** d, d]);
        const z = tf.tile(tf.tensor2d([[0.3, -1.2]]), [2 ** d, 1]);
        return tf.sum(tf.exp(m.logLik(x, m.decode(z)))).dataSync()[0]!;
      });
      expect(total).toBeCloseTo(1, 5);
      m.dispose();
    }
  });

  it('a feature’s term does not depend on later features', () => {
    const d = 5;
    const m = model(d, 'bernoulli', null);
    const [a, b] = tf.tidy(() => {
      const z = tf.tensor2d([[0.5, 0.1]]);
      const out = m.decode(z);
      // Change only the last feature: the log-likelihood differs by that feature's term alone.
      const x1 = tf.tensor2d([[1, 0, 1, 1, 0]]);
      const x2 = tf.tensor2d([[1, 0, 1, 1, 1]]);
      return [m.logLik(x1, out).dataSync()[0]!, m.logLik(x2, out).dataSync()[0]!];
    });
    const l4 = tf.tidy(() => {
      const x = tf.tensor2d([[1, 0, 1, 1, 0]]);
      const o = tf.add(m.decode(tf.tensor2d([[0.5, 0.1]])), tf.matMul(x, tf.mul(m.net.ar!.w, m.net.ar!.mask)));
      return tf.slice(o, [0, 4], [1, 1]).dataSync()[0]!;
    });
    // log σ(l) − log(1 − σ(l)) = l for the last feature.
    expect(b - a).toBeCloseTo(l4, 4);
    m.dispose();
  });

  it('the Gaussian chain’s mean is g (I − A ⊙ M)⁻¹', () => {
    const d = 4;
    const m = model(d, 'gaussian', 2);
    const got = tf.tidy(() => Array.from(m.mean(m.decode(tf.tensor2d([[0.7, -0.4]])) as tf.Tensor2D).dataSync()));
    const g = tf.tidy(() => Array.from(m.decode(tf.tensor2d([[0.7, -0.4]])).dataSync()));
    const a = Array.from(tf.tidy(() => tf.mul(m.net.ar!.w, m.net.ar!.mask).dataSync()));
    // x̂_j = g_j + Σ_{i<j} x̂_i A_ij, solved forward (A ⊙ M is strictly upper triangular).
    const want: number[] = [];
    for (let j = 0; j < d; j++) {
      let v = g[j]!;
      for (let i = 0; i < j; i++) v += want[i]! * a[i * d + j]!;
      want.push(v);
    }
    got.forEach((v, j) => expect(v).toBeCloseTo(want[j]!, 4));
    m.dispose();
  });
});
