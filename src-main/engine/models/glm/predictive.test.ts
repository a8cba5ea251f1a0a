import { describe, expect, it } from 'vitest';
import { heldOutLogPredictive, posteriorPredictiveCheck } from './predictive';

const logN = (y: number, m: number, s: number) => -0.5 * ((y - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);

describe('GLM predictive checks', () => {
  it('linear lpd with one draw is the normal log density, shifted by −log t into target units', () => {
    const r = heldOutLogPredictive({
      model: 'linear',
      X: [3, -1],
      rows: 2,
      cols: 1,
      y: [6.5, -1],
      draws: { n: 1, values: [1, 2, Math.log(0.5)] },
      D: 3,
      target: { centre: 10, scale: 2 },
    });
    expect(r.lpd[0]).toBeCloseTo(logN(6.5, 7, 0.5) - Math.log(2), 12);
    expect(r.lpd[1]).toBeCloseTo(logN(-1, -1, 0.5) - Math.log(2), 12);
    expect(r.mean).toBeCloseTo((r.lpd[0]! + r.lpd[1]!) / 2, 12);
    expect(r.se).toBeCloseTo(Math.abs(r.lpd[0]! - r.lpd[1]!) / 2, 12);
  });
  it('averages densities (not log densities) over draws, with a known σ', () => {
    const r = heldOutLogPredictive({
      model: 'linear',
      X: [0],
      rows: 1,
      cols: 1,
      y: [0],
      draws: { n: 2, values: [0, 5, 3, 5] },
      D: 2,
      knownSigma: 1,
    });
    expect(r.lpd[0]).toBeCloseTo(Math.log((Math.exp(logN(0, 0, 1)) + Math.exp(logN(0, 3, 1))) / 2), 12);
  });
  it('logistic lpd: log sigmoid(±η), stable at large |η|', () => {
    const r = heldOutLogPredictive({
      model: 'logistic',
      X: [0, 1, 1],
      rows: 3,
      cols: 1,
      y: [1, 0, 1],
      draws: { n: 1, values: [0, 800] },
      D: 2,
    });
    expect(r.lpd[0]).toBeCloseTo(Math.log(0.5), 12);
    expect(r.lpd[1]).toBeCloseTo(-800, 9);
    expect(r.lpd[2]).toBeCloseTo(0, 12);
  });
  it('calibration bins the posterior mean probability and counts the observed ones', () => {
    // η = x with one draw: p = sigmoid(x); rows at p ≈ 0.12 (y: 0, 0, 1, 0) and p ≈ 0.88 (y: 1, 1, 1, 0).
    const x = [-2, -2, -2, -2, 2, 2, 2, 2];
    const c = posteriorPredictiveCheck({
      model: 'logistic',
      X: x,
      rows: 8,
      cols: 1,
      y: [0, 0, 1, 0, 1, 1, 1, 0],
      draws: { n: 1, values: [0, 1] },
      D: 2,
    });
    if (c.kind !== 'calibration') throw new Error('expected calibration');
    expect(c.bins.map((b) => b.rows)).toEqual([4, 4]);
    expect(c.bins[0]!.predicted).toBeCloseTo(1 / (1 + Math.exp(2)), 12);
    expect(c.bins[0]!.observed).toBe(0.25);
    expect(c.bins[1]!.observed).toBe(0.75);
    expect(c.bins[1]!.observedSe).toBeCloseTo(Math.sqrt((0.75 * 0.25) / 4), 12);
  });
  it('the linear histogram: replicated data from an exact, near-noiseless fit match the observed counts', () => {
    const N = 50;
    const X = Array.from({ length: N }, (_, i) => i / 10);
    const y = X.map((v) => 1 + 2 * v);
    const c = posteriorPredictiveCheck(
      {
        model: 'linear',
        X,
        rows: N,
        cols: 1,
        y,
        draws: { n: 20, values: Array.from({ length: 20 }, () => [1, 2, Math.log(1e-9)]).flat() },
        D: 3,
        target: { centre: 5, scale: 3 },
      },
      { replicates: 20, bins: 10 },
    );
    if (c.kind !== 'histogram') throw new Error('expected histogram');
    expect(c.observed.reduce((a, b) => a + b, 0)).toBe(N);
    expect(c.replicated.map((r) => r.q50)).toEqual(c.observed);
    expect(c.edges[0]).toBeLessThan(5 + 3 * 1);
    expect(c.edges[10]).toBeGreaterThan(5 + 3 * (1 + 2 * 4.9));
  });
});
