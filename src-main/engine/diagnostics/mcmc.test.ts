/**
 * MCMC diagnostics against chains whose answer is known: AR(1) chains x_t = φ x_{t−1} + √(1−φ²) ε_t have
 * integrated autocorrelation time τ = (1 + φ)/(1 − φ), so ESS = MN/τ; iid chains have ESS ≈ MN; chains with
 * different means have R̂ well above 1.
 */
import { describe, expect, it } from 'vitest';
import { fold, key, normal } from '../rng.js';
import { autocovariance, ebfmi, essBasic, essBulk, essTail, rhat, splitChains, summariseChains } from './mcmc.js';

function ar1(seed: number, chains: number, n: number, phi: number, shift: number[] = []): Float64Array[] {
  return Array.from({ length: chains }, (_, c) => {
    const e = normal(fold(key(seed), c), n);
    const x = new Float64Array(n);
    let v = e[0]!;
    for (let t = 0; t < n; t++) {
      if (t > 0) v = phi * v + Math.sqrt(1 - phi * phi) * e[t]!;
      x[t] = v + (shift[c] ?? 0);
    }
    return x;
  });
}

describe('autocovariance', () => {
  it('matches the direct sum', () => {
    const x = normal(key(3), 37);
    const g = autocovariance(x);
    const m = x.reduce((a, b) => a + b, 0) / x.length;
    for (const t of [0, 1, 5, 36]) {
      let s = 0;
      for (let i = 0; i + t < x.length; i++) s += (x[i]! - m) * (x[i + t]! - m);
      expect(g[t]).toBeCloseTo(s / x.length, 10);
    }
  });
});

describe('effective sample size', () => {
  it('is about MN for iid chains', () => {
    const x = ar1(1, 4, 2000, 0);
    expect(essBasic(x) / 8000).toBeGreaterThan(0.9);
    expect(essBasic(x) / 8000).toBeLessThan(1.1);
    expect(essBulk(x) / 8000).toBeGreaterThan(0.9);
    expect(essTail(x) / 8000).toBeGreaterThan(0.85);
  });

  it.each([0.5, 0.8, 0.95])('is MN(1 − φ)/(1 + φ) for AR(1) chains with φ = %s', (phi) => {
    const M = 4;
    const n = 20000;
    const x = ar1(7, M, n, phi);
    const expected = (M * n * (1 - phi)) / (1 + phi);
    expect(essBasic(x) / expected).toBeGreaterThan(0.9);
    expect(essBasic(x) / expected).toBeLessThan(1.1);
    expect(essBulk(x) / expected).toBeGreaterThan(0.9);
    expect(essBulk(x) / expected).toBeLessThan(1.1);
    // Quantile indicators of a Gaussian AR(1) decorrelate faster than x itself (about twice the ESS here), yet
    // stay far from independent.
    expect(essTail(x) / expected).toBeGreaterThan(1.3);
    expect(essTail(x) / expected).toBeLessThan(3);
  });

  it('gives the MCSE of the mean as sd/√ESS, matching the spread of chain means', () => {
    // 200 independent replications of a 1-chain AR(1): the sd of their means is the true MCSE.
    const phi = 0.7;
    const means: number[] = [];
    const mcses: number[] = [];
    for (let r = 0; r < 200; r++) {
      const x = ar1(100 + r, 1, 1000, phi);
      const s = summariseChains(x);
      means.push(s.mean);
      mcses.push(s.mcseMean);
    }
    const m = means.reduce((a, b) => a + b, 0) / means.length;
    const sdMeans = Math.sqrt(means.reduce((a, v) => a + (v - m) ** 2, 0) / (means.length - 1));
    const avgMcse = mcses.reduce((a, b) => a + b, 0) / mcses.length;
    expect(avgMcse / sdMeans).toBeGreaterThan(0.8);
    expect(avgMcse / sdMeans).toBeLessThan(1.25);
  });
});

describe('R-hat', () => {
  it('is below 1.01 for chains from one distribution', () => {
    expect(rhat(ar1(2, 4, 1000, 0.3))).toBeLessThan(1.01);
  });

  it('flags chains with different locations, and a chain that drifts within itself', () => {
    expect(rhat(ar1(2, 4, 1000, 0.3, [0, 0, 0, 1]))).toBeGreaterThan(1.05);
    // One chain whose second half sits elsewhere: only the split R̂ can see it.
    const x = ar1(4, 4, 1000, 0.3);
    for (let i = 500; i < 1000; i++) x[0]![i]! += 2;
    expect(rhat(x)).toBeGreaterThan(1.05);
  });

  it('flags chains with equal means but different scales (the folded R̂)', () => {
    const x = ar1(5, 4, 1000, 0);
    for (let i = 0; i < 1000; i++) x[3]![i]! *= 4;
    expect(rhat(x)).toBeGreaterThan(1.05);
  });

  it('refuses chains of unequal length and splits odd chains', () => {
    expect(() => rhat([new Float64Array(10), new Float64Array(11)])).toThrow(/cut them equal/);
    expect(splitChains([Float64Array.from([1, 2, 3, 4, 5])])).toEqual([
      Float64Array.from([1, 2]),
      Float64Array.from([4, 5]),
    ]);
  });
});

describe('E-BFMI', () => {
  it('is about 2 for iid energies and small for a random walk', () => {
    const e = normal(key(9), 4000);
    expect(ebfmi(e)).toBeGreaterThan(1.8);
    expect(ebfmi(e)).toBeLessThan(2.2);
    const walk = new Float64Array(4000);
    for (let i = 1; i < 4000; i++) walk[i] = walk[i - 1]! + e[i]!;
    expect(ebfmi(walk)).toBeLessThan(0.1);
  });
});
