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
