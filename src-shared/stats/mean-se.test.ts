import { describe, expect, it } from 'vitest';
import { isWithinNoise, meanSe, pairedDifference, pairedDifferenceByRow, quantile } from './mean-se';

describe('meanSe', () => {
  it('matches the textbook formulas', () => {
    const s = meanSe([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s.mean).toBe(5);
    expect(s.sd).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(s.se).toBeCloseTo(Math.sqrt(32 / 7) / Math.sqrt(8), 12);
    expect(s.n).toBe(8);
  });
  it('is stable for a large offset and leaves out non-finite values', () => {
    const s = meanSe([1e9 + 1, 1e9 + 2, 1e9 + 3, Number.NaN, Infinity]);
    expect(s.n).toBe(3);
    expect(s.mean).toBe(1e9 + 2);
    expect(s.sd).toBeCloseTo(1, 9);
  });
  it('reports no spread for one value and NaN for none', () => {
    expect(meanSe([3])).toEqual({ mean: 3, sd: 0, se: 0, n: 1 });
    expect(meanSe([]).n).toBe(0);
  });
});

describe('paired differences', () => {
  it('cancels the rows’ own variation', () => {
    // Rows vary by ±100; the two fits differ by exactly 0.5 on every row but one.
    const a = Array.from({ length: 50 }, (_, i) => 100 * Math.sin(i) + 0.5 + (i === 7 ? 0.1 : 0));
    const b = Array.from({ length: 50 }, (_, i) => 100 * Math.sin(i));
    const d = pairedDifference(a, b);
    expect(d.mean).toBeCloseTo(0.502, 10);
    expect(d.se).toBeLessThan(0.01);
    expect(d.withinNoise).toBe(false);
    // Unpaired, the same data cannot be told apart.
    const sa = meanSe(a);
    const sb = meanSe(b);
    expect(isWithinNoise(sa.mean - sb.mean, Math.hypot(sa.se, sb.se))).toBe(true);
  });
  it('calls identical series within noise', () => {
    const a = [1, 2, 3, 4];
    expect(pairedDifference(a, a).withinNoise).toBe(true);
  });
  it('refuses misaligned series', () => {
    expect(() => pairedDifference([1, 2], [1])).toThrow(/same rows.*2 and 1/);
  });
  it('aligns by row id', () => {
    const d = pairedDifferenceByRow({ rows: [3, 1, 2], values: [30, 10, 20] }, { rows: [1, 2, 9], values: [9, 18, 0] });
    expect(d!.n).toBe(2);
    expect(d!.mean).toBeCloseTo(1.5, 12);
    expect(pairedDifferenceByRow({ rows: [1], values: [1] }, { rows: [1], values: [2] })).toBeNull();
  });
});

describe('quantile', () => {
  it('interpolates order statistics', () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBeCloseTo(2.5, 12);
    expect(quantile([4, 1, 3, 2], 1)).toBe(4);
    expect(() => quantile([1], 2)).toThrow(/got 2/);
  });
});
