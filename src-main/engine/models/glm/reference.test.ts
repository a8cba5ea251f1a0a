/**
 * The GLM reference posterior and the coefficient table against closed forms: the conjugate posterior and evidence
 * (log p(y, β) − log N(β; μ, Σ) = log p(y) at any β), the back-transform of a fit on standardised data against the
 * exact posterior of the raw data, NUTS on the GLM log joint against the exact reference (every coefficient within
 * 4 MCSE, in original units), dummy coding, and the comparison figures.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend.js';
import { key, normal } from '../../rng.js';
import { mvnLogPdf } from '../common/linalg.js';
import {
  coefficientTableFromDraws,
  coefficientTableFromGaussian,
  compareToReference,
  identityScaling,
  type GlmScaling,
} from '../../../../src-shared/stats/coefficients.js';
import { normalQuantile } from '../../../../src-shared/stats/normal.js';
import { exactLinearPosterior, glmDataFromColumns, type GlmData } from './models.js';
import { withIntercept } from './fit.js';
import { standardiseTarget } from './standardise.js';
import { glmReferencePosterior } from './reference.js';

beforeAll(async () => {
  await initBackend();
});

/** Raw columns on awkward scales: x1 ~ 50 ± 10, x2 ~ 0.003 ± 0.001, y = 3 + 0.2 x1 − 900 x2 + 1.5 ε. */
function rawColumns(N: number, seed: number): Record<string, Float64Array> {
  const e = normal(key(seed), 3 * N);
  const x1 = Float64Array.from({ length: N }, (_, n) => 50 + 10 * e[n]!);
  const x2 = Float64Array.from({ length: N }, (_, n) => 0.003 + 0.001 * (0.6 * e[n]! + 0.8 * e[N + n]!));
  const y = Float64Array.from({ length: N }, (_, n) => 3 + 0.2 * x1[n]! - 900 * x2[n]! + 1.5 * e[2 * N + n]!);
  return { x1, x2, y };
}

describe('exact conjugate posterior', () => {
  it('has the evidence log p(y, β) − log N(β; μ, Σ) at every β, equal to the dense Gaussian evidence', () => {
    const N = 30;
    const cols = rawColumns(N, 4);
    const d = withIntercept(glmDataFromColumns(cols, 'y', { standardise: true }));
    const sigma = 1.3;
    const tau = 2.5;
    const ex = exactLinearPosterior(d, sigma, tau);
    const P = d.cols;
    const logJoint = (b: number[]): number => {
      let s = 0;
      for (let n = 0; n < N; n++) {
        let eta = 0;
        for (let j = 0; j < P; j++) eta += d.X[n * P + j]! * b[j]!;
        s += -0.5 * ((d.y[n]! - eta) / sigma) ** 2 - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
      }
      for (const v of b) s += -0.5 * (v / tau) ** 2 - Math.log(tau) - 0.5 * Math.log(2 * Math.PI);
      return s;
    };
    for (const b of [[0, 0, 0], [1, -2, 0.5], Array.from(ex.mean)]) {
      const lq = mvnLogPdf(Float64Array.from(b), ex.mean, ex.cov, P);
      expect(logJoint(b) - lq).toBeCloseTo(ex.logEvidence, 8);
    }
    // Against log N(y; 0, σ²I + τ² X Xᵀ) directly.
    const K = new Float64Array(N * N);
    for (let a = 0; a < N; a++)
      for (let c = 0; c < N; c++) {
        let s = a === c ? sigma * sigma : 0;
        for (let j = 0; j < P; j++) s += tau * tau * d.X[a * P + j]! * d.X[c * P + j]!;
        K[a * N + c] = s;
      }
    expect(mvnLogPdf(Float64Array.from(d.y), new Float64Array(N), K, N)).toBeCloseTo(ex.logEvidence, 8);
  });
});

describe('coefficient table in original units', () => {
  // With a flat prior (τ = 10⁶ on both scales) the posterior of the raw-data fit is the back-transformed posterior of
  // the standardised fit, intercept included.
  const N = 80;
  const cols = rawColumns(N, 8);
  const sigmaRaw = 1.5;
  const tau = 1e6;
  const raw = withIntercept(glmDataFromColumns(cols, 'y', { standardise: false }));
  const rawExact = exactLinearPosterior(raw, sigmaRaw, tau);
  const std = glmDataFromColumns(cols, 'y', { standardise: true });
  const yScaling = standardiseTarget(std.y);
  const scaling: GlmScaling = { centre: std.centre, scale: std.scale, target: yScaling };
  const stdExact = exactLinearPosterior(withIntercept(std), sigmaRaw / yScaling.scale, tau);
  const names = ['(intercept)', 'x1', 'x2'];

  it('maps an exact Gaussian: means, sds and 95 % intervals of the raw-data posterior', () => {
    const t = coefficientTableFromGaussian(names, stdExact.mean, stdExact.cov, scaling);
    t.rows.forEach((r, k) => {
      const sd = Math.sqrt(rawExact.cov[k * 3 + k]!);
      // Both designs are stored in float32, so agreement is to rounding of the data: 10⁻³ posterior sds.
      expect(Math.abs(r.mean - rawExact.mean[k]!) / sd).toBeLessThan(1e-3);
      expect(Math.abs(r.sd / sd - 1)).toBeLessThan(1e-3);
      expect((r.q975 - r.mean) / r.sd).toBeCloseTo(normalQuantile(0.975), 8);
      expect((r.q05 - r.mean) / r.sd).toBeCloseTo(normalQuantile(0.05), 8);
      expect(r.pd).toBeGreaterThan(0.5);
    });
    // The intercept's sd is not the standardised intercept's sd scaled: the slopes' uncertainty enters it.
    expect(t.rows[0]!.sd / (yScaling.scale * Math.sqrt(stdExact.cov[0]!))).toBeGreaterThan(3);
  });

  it('maps draws: each draw back-transformed, intervals within Monte Carlo error of the raw-data posterior', () => {
    const S = 20000;
    const P = 3;
    const L = [0, 0, 0, 0, 0, 0, 0, 0, 0];
    // Cholesky of the standardised covariance (3 × 3) by hand.
    const C = stdExact.cov;
    L[0] = Math.sqrt(C[0]!);
    L[3] = C[3]! / L[0]!;
    L[4] = Math.sqrt(C[4]! - L[3]! ** 2);
    L[6] = C[6]! / L[0]!;
    L[7] = (C[7]! - L[6]! * L[3]!) / L[4]!;
    L[8] = Math.sqrt(C[8]! - L[6]! ** 2 - L[7]! ** 2);
    const e = normal(key(99), S * P);
    const draws = new Float64Array(S * P);
    for (let i = 0; i < S; i++)
      for (let a = 0; a < P; a++) {
        let v = stdExact.mean[a]!;
        for (let b = 0; b <= a; b++) v += L[a * 3 + b]! * e[i * P + b]!;
        draws[i * P + a] = v;
      }
    const t = coefficientTableFromDraws(names, draws, S, P, scaling);
    expect(t.source).toEqual({ kind: 'draws', draws: S });
    t.rows.forEach((r, k) => {
      const sd = Math.sqrt(rawExact.cov[k * 3 + k]!);
      const m = rawExact.mean[k]!;
      expect(Math.abs(r.mean - m)).toBeLessThan(4 * r.mcseMean);
      expect(Math.abs(r.sd - sd)).toBeLessThan(4 * r.mcseSd);
      // A quantile's MCSE ≈ √(p(1−p)/S)/φ(z_p) · sd; 4 of them.
      const qse = (p: number) =>
        (Math.sqrt((p * (1 - p)) / S) / (Math.exp(-0.5 * normalQuantile(p) ** 2) / Math.sqrt(2 * Math.PI))) * sd;
      expect(Math.abs(r.q05 - (m + normalQuantile(0.05) * sd))).toBeLessThan(4 * qse(0.05));
      expect(Math.abs(r.q975 - (m + normalQuantile(0.975) * sd))).toBeLessThan(4 * qse(0.975));
    });
  });
});

describe('dummy coding', () => {
  it('makes K − 1 columns against the named reference level and refuses an unknown one', () => {
    const cols = { y: [1, 2, 3, 4], g: [0, 1, 2, 1], x: [1, 2, 3, 5] };
    const d = glmDataFromColumns(cols, 'y', {
      standardise: true,
      categorical: { g: { levels: ['a', 'b', 'c'], reference: 'b' } },
    });
    expect(d.names).toEqual(['g[a]', 'g[c]', 'x']);
    expect(Array.from(d.X.filter((_, i) => i % 3 === 0))).toEqual([1, 0, 0, 0]);
    expect(Array.from(d.X.filter((_, i) => i % 3 === 1))).toEqual([0, 0, 1, 0]);
    expect(d.dummies).toEqual([{ column: 'g', levels: ['a', 'b', 'c'], reference: 'b', names: ['g[a]', 'g[c]'] }]);
    expect(d.scale[0]).toBe(1);
    expect(d.centre[1]).toBe(0);
    expect(() =>
      glmDataFromColumns(cols, 'y', { categorical: { g: { levels: ['a', 'b', 'c'], reference: 'z' } } }),
    ).toThrow('Reference level "z" is not a level of "g"; levels: a, b, c.');
    expect(() => glmDataFromColumns({ y: [1], g: [3] }, 'y', { categorical: { g: { levels: ['a', 'b'] } } })).toThrow(
      /level code 3; expected 0 … 1/,
    );
  });
});

describe('comparison against the reference', () => {
  const ref = coefficientTableFromGaussian(['(intercept)', 'a'], [0, 1], [1, 0, 0, 4], identityScaling(1));
  it('is zero for the reference itself, and reports shifts in reference sds and sd ratios', () => {
    expect(compareToReference(ref, ref).overall.w2).toBe(0);
    const q = coefficientTableFromGaussian(['(intercept)', 'a'], [0.5, 1], [1, 0, 0, 1], identityScaling(1));
    const c = compareToReference(q, ref);
    expect(c.coefficients.map((x) => [x.shift, x.sdRatio])).toEqual([
      [0.5, 1],
      [0, 0.5],
    ]);
    // W = √(mean(0.5² + 0², 0² + 0.5²)) = 0.5.
    expect(c.overall.w2).toBeCloseTo(0.5, 12);
    expect(c.overall.se).toBe(0);
    expect(c.overall.maxAbsShift).toBe(0.5);
  });
});

describe('glmReferencePosterior', () => {
  it('NUTS on the GLM log joint matches the exact reference in original units', async () => {
    const N = 60;
    const cols = rawColumns(N, 12);
    const std = glmDataFromColumns(cols, 'y', { standardise: true });
    const yScaling = standardiseTarget(std.y);
    const scaling: GlmScaling = { centre: std.centre, scale: std.scale, target: yScaling };
    const base = {
      model: 'linear' as const,
      data: std as GlmData,
      noise: { kind: 'known' as const, sigma: 1.5 / yScaling.scale },
      priorScale: 3,
      scaling,
      seed: 4,
    };
    const exact = await glmReferencePosterior(base);
    expect(exact.method).toBe('exact');
    expect(exact.logEvidence).toBeTypeOf('number');
    const nuts = await glmReferencePosterior({ ...base, method: 'nuts', warmup: 500, draws: 1000 });
    expect(nuts.method).toBe('nuts');
    expect(nuts.mcmc!.divergences).toBe(0);
    expect(nuts.warnings).toEqual([]);
    nuts.coefficients.rows.forEach((r, k) => {
      const e = exact.coefficients.rows[k]!;
      expect(r.name).toBe(e.name);
      expect(Math.abs(r.mean - e.mean), r.name).toBeLessThan(4 * r.mcseMean);
      expect(Math.abs(r.sd - e.sd), r.name).toBeLessThan(4 * r.mcseSd);
      expect(r.rhat!).toBeLessThan(1.01);
    });
    const cmp = compareToReference(nuts.coefficients, exact.coefficients);
    expect(cmp.overall.w2).toBeLessThan(4 * cmp.overall.se + 0.02);
    expect(exact.draws.values.length).toBe(1000 * 3);
    expect(nuts.draws.n).toBe(1000);
  }, 600_000);
});
