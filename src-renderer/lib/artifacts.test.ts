import { describe, expect, it } from 'vitest';
import { asReconstructions } from './artifacts';

describe('asReconstructions', () => {
  it('accepts the stored shape', () => {
    const r = asReconstructions({ width: 2, height: 1, rows: [3], originals: [[0, 1]], reconstructions: [[0.1, 0.9]] });
    expect(r?.width).toBe(2);
    expect(r?.rows).toEqual([3]);
  });
  it('rejects anything else', () => {
    expect(asReconstructions(null)).toBeNull();
    expect(asReconstructions({ width: 2, height: 1, originals: [['a']], reconstructions: [] })).toBeNull();
  });
});

describe('tabular reconstructions', () => {
  it('errors per feature: RMSE in units, relative to the sd, and the share of wrong levels', async () => {
    const { columnErrors, isImage } = await import('./artifacts');
    const t = {
      columns: [
        { name: 'w', kind: 'numeric' as const },
        { name: 'k', kind: 'categorical' as const, levels: ['a', 'b'] },
      ],
      originals: [
        [10, 0],
        [20, 1],
      ],
      reconstructions: [
        [13, 0],
        [16, 0],
      ],
      sd: [5, null],
    };
    const e = columnErrors(t);
    expect(e[0]!.error).toBeCloseTo(Math.sqrt((9 + 16) / 2), 12);
    expect(e[0]!.relative).toBeCloseTo(Math.sqrt(12.5) / 5, 12);
    expect(e[1]).toMatchObject({ error: 0.5, relative: null, rows: 2 });
    const img = {
      width: 4,
      height: 4,
      rows: [0],
      originals: [Array(16).fill(0.5)],
      reconstructions: [Array(16).fill(0.2)],
    };
    expect(isImage(img)).toBe(true);
    expect(isImage({ ...img, originals: [Array(16).fill(2)] })).toBe(false);
    expect(isImage({ width: 3, height: 1, rows: [0], originals: [[0, 1, 0]], reconstructions: [[0, 1, 0]] })).toBe(
      false,
    );
    expect(isImage({ ...img, tabular: { ...t } })).toBe(false);
  });
});
