import { describe, expect, it } from 'vitest';
import { convergence, relativeChanges, risingRun } from './convergence';

describe('convergence (ADVI relative tolerance)', () => {
  it('calls a bound that still climbs 5 % per checkpoint "still improving" and a flat one converged', () => {
    const climbing = Array.from({ length: 10 }, (_, t) => -1000 * Math.pow(0.95, t));
    const c = convergence(climbing);
    expect(c.converged).toBe(false);
    expect(c.relativeChange).toBeCloseTo(0.05 / 0.95, 6);
    const flat = Array.from({ length: 10 }, (_, t) => -500 - 0.5 * Math.sin(t));
    expect(convergence(flat).converged).toBe(true);
  });
  it('uses the smaller of mean and median, so one noisy checkpoint does not undo convergence', () => {
    const b = [-100, -100.1, -100.05, -100.1, -150, -100.1];
    const c = convergence(b, { window: 5, tolerance: 0.01 });
    expect(relativeChanges(b).length).toBe(5);
    expect(c.converged).toBe(true);
  });
  it('judges a bound near 0 by its climb since the first checkpoint, not by |L| (Stan would divide by ≈ 0)', () => {
    // A standardised regression: from −309 to a plateau at +5.6 with ±1 nat of noise.
    const near0 = [-309, -28, 4, 5, 6.6, 4.6, 5.6, 6.1, 4.9, 5.7];
    const c = convergence(near0);
    expect(c.converged).toBe(true);
    const stan = near0.slice(1).map((b, i) => Math.abs((b - near0[i]!) / b));
    // Stan's |ΔL / L| over the same window: a median of 0.17, "still improving" forever.
    expect([...stan.slice(-5)].sort((a, b) => a - b)[2]!).toBeGreaterThan(0.1);
  });
  it('needs two checkpoints and refuses bad settings with the value', () => {
    expect(convergence([-3]).converged).toBe(false);
    expect(() => convergence([1, 2], { tolerance: 0 })).toThrow(/got 0/);
    expect(() => convergence([1, 2], { window: 0 })).toThrow(/got 0/);
  });
});

describe('risingRun', () => {
  it('counts the passes at the end in which a held-out measure rose', () => {
    expect(risingRun([3000, 2900, 3065, 3120, 3174])).toEqual({ passes: 3, from: 2900, to: 3174 });
    expect(risingRun([3065, 3120, 3100, 3174])).toEqual({ passes: 1, from: 3100, to: 3174 });
    expect(risingRun([3000, 2900, null, 2800])).toBeNull();
  });
});
