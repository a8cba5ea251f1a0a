/**
 * PSIS k̂ of a BNN's joint posterior against a case with a known answer: a BNN without hidden layers and a fixed
 * Gaussian noise is Bayesian linear regression, whose exact posterior is N(Λ⁻¹Xᵀy/σ², Λ⁻¹), Λ = I/s² + XᵀX/σ².
 * A mean-field q a little wider than the exact (diagonal) posterior of an orthogonal design is a good proposal
 * (k̂ < 0.5); the mean-field optimum of KL(q ‖ p) on strongly correlated features (σ_j² = 1/Λ_jj) is too narrow
 * along the correlated direction, and k̂ > 0.7 (Yao et al. 2018, §4).
 */
import { describe, expect, it } from 'vitest';
import { key, normal } from '../../rng';
import { bnnSpecSchema } from '../../../../src-shared/schemas/run-spec';
import { spdInverse } from '../common/linalg';
import { inverseSoftplus, mfLayout } from './kernel';
import type { BnnData } from './data';
import type { BnnModel } from './model';
import { bnnJointPsis } from './psis';

const N = 200;
const NOISE = 0.5;
const PRIOR = 1;

function problem(correlation: number): { data: BnnData; mean: Float64Array; cov: Float64Array } {
  const z = normal(key(3), 3 * N);
  const x = new Float32Array(2 * N);
  const y = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    const a = z[i]!;
    const b = correlation * a + Math.sqrt(1 - correlation * correlation) * z[N + i]!;
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = 0.8 * a - 0.3 * b + 0.2 + NOISE * z[2 * N + i]!;
  }
  // Parameters in the BNN's order: W (2 × 1, row-major), then the bias.
  const P = 3;
  const lam = new Float64Array(P * P);
  const xty = new Float64Array(P);
  for (let p = 0; p < P; p++) lam[p * P + p] = 1 / (PRIOR * PRIOR);
  for (let i = 0; i < N; i++) {
    const row = [x[2 * i]!, x[2 * i + 1]!, 1];
    for (let p = 0; p < P; p++) {
      xty[p]! += (row[p]! * y[i]!) / NOISE ** 2;
      for (let q = 0; q < P; q++) lam[p * P + q]! += (row[p]! * row[q]!) / NOISE ** 2;
    }
  }
  const cov = spdInverse(lam, P);
  const mean = new Float64Array(P);
  for (let p = 0; p < P; p++) for (let q = 0; q < P; q++) mean[p]! += cov[p * P + q]! * xty[q]!;
  const data = {
    task: 'regression',
    n: N,
    d: 2,
    x,
    y,
    yRaw: Float64Array.from(y),
    classes: [],
    transform: {} as BnnData['transform'],
    trainRows: Int32Array.from({ length: N }, (_, i) => i),
    testRows: new Int32Array(0),
  } as BnnData;
  return { data, mean, cov: Object.assign(cov, { lam }) };
}

function meanField(mean: Float64Array, sd: number[]): BnnModel {
  const layout = mfLayout([2, 1], 1);
  const L = layout.layers[0]!;
  const theta = new Float64Array(layout.size);
  theta[L.wMu] = mean[0]!;
  theta[L.wMu + 1] = mean[1]!;
  theta[L.bMu] = mean[2]!;
  theta[L.wRho] = inverseSoftplus(sd[0]!);
  theta[L.wRho + 1] = inverseSoftplus(sd[1]!);
  theta[L.bRho] = inverseSoftplus(sd[2]!);
  const spec = bnnSpecSchema.parse({
    model: 'bnn',
    target: 'y',
    hidden: [],
    noise: 'fixed',
    prior: { kind: 'gaussian', scale: PRIOR },
  });
  return {
    spec,
    transform: {} as BnnModel['transform'],
    net: {
      sizes: [2, 1],
      activation: 'relu',
      head: 'gaussian',
      form: 'meanfield',
      mfCount: 1,
      layout,
      theta,
      block: null,
      particles: null,
      noiseSd: NOISE,
    },
  };
}

describe('BNN joint PSIS k̂', () => {
  it('is small for a mean-field q slightly wider than the exact posterior of an orthogonal design', () => {
    const { data, mean, cov } = problem(0);
    const r = bnnJointPsis(
      meanField(
        mean,
        [0, 1, 2].map((p) => 1.2 * Math.sqrt(cov[p * 3 + p]!)),
      ),
      data,
      { samples: 2000 },
    )!;
    expect(r.rows).toBe(N);
    expect(r.khat).toBeLessThan(0.5);
    expect(r.ess).toBeGreaterThan(1000);
  });

  it('is above 0.7 for the mean-field optimum on strongly correlated features', () => {
    const { data, mean, cov } = problem(0.98);
    const lam = (cov as Float64Array & { lam: Float64Array }).lam;
    const q = meanField(
      mean,
      [0, 1, 2].map((p) => 1 / Math.sqrt(lam[p * 3 + p]!)),
    );
    // k̂ from one set of draws is noisy (a finite tail); take the median over 5 independent sets of 4000 draws.
    const khats = [1, 2, 3, 4, 5]
      .map((seed) => bnnJointPsis(q, data, { samples: 4000, seed })!.khat)
      .sort((a, b) => a - b);
    expect(khats[2]!).toBeGreaterThan(0.7);
  });

  it('is not defined for an SVGD ensemble and refuses too few draws', () => {
    const { data, mean } = problem(0);
    const m = meanField(mean, [1, 1, 1]);
    expect(bnnJointPsis({ ...m, net: { ...m.net, form: 'svgd' } }, data)).toBeNull();
    expect(() => bnnJointPsis(m, data, { samples: 3 })).toThrow(/at least 5 weight draws for PSIS k̂, got 3/);
  });
});
