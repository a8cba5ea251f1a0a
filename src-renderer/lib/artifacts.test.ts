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
