// Reconstructions of a table are shown in the data's own units: prepared values map back to the raw ones exactly
// (standardised, scaled and one-hot columns), and a trained VAE's tabular artifact carries them.
import { describe, expect, it } from 'vitest';
import { vaeSpecSchema } from '../../../../src-shared/schemas/run-spec';
import { initBackend } from '../../backend';
import { prepareVaeData, toOriginalUnits } from './prepare';
import { trainVae } from './train';

const spec = (o: Record<string, unknown> = {}) => vaeSpecSchema.parse({ model: 'vae', ...o });

describe('toOriginalUnits', () => {
  it('inverts standardisation', () => {
    const x = Float32Array.from([1.5, 300, 2.5, 100, 4, 200]);
    const ranges = [
      { min: 1.5, max: 4, mean: 8 / 3, std: 1.03 },
      { min: 100, max: 300, mean: 200, std: 81.6 },
    ];
    const p = prepareVaeData({ x, n: 3, d: 2 }, ranges, spec({ likelihood: 'gaussian' }));
    const back = toOriginalUnits(p, p.x, 3);
    back.flat().forEach((v, i) => expect(v).toBeCloseTo(x[i]!, 3));
  });
  it('inverts the Bernoulli scale, and a one-hot group back to its level code', () => {
    const px = Float32Array.from([0, 16, 8, 4]);
    const p = prepareVaeData(
      { x: px, n: 2, d: 2 },
      [0, 1].map(() => ({ min: 0, max: 16, mean: 7, std: 6 })),
      spec({ likelihood: 'bernoulli' }),
    );
    expect(toOriginalUnits(p, p.x, 2)).toEqual([
      [0, 16],
      [8, 4],
    ]);
    const raw = Float32Array.from([2, 10, 0, 20, 1, 30]);
    const m = prepareVaeData(
      { x: raw, n: 3, d: 2 },
      [
        { min: 0, max: 2, mean: 1, std: 1 },
        { min: 10, max: 30, mean: 20, std: 8 },
      ],
      spec({ likelihood: 'mixed' }),
      [
        { name: 'c', type: 'categorical', levels: ['a', 'b', 'c'] },
        { name: 'v', type: 'numeric' },
      ],
    );
    expect(m.d).toBe(4);
    expect(toOriginalUnits(m, m.x, 3).map((r) => r.map((v) => Math.round(v * 1000) / 1000))).toEqual([
      [2, 10],
      [0, 20],
      [1, 30],
    ]);
    // A reconstruction's probabilities pick the most probable level.
    expect(toOriginalUnits(m, [0.2, 0.7, 0.1, 0], 1)[0]).toEqual([1, 20]);
  });
});

describe('tabular reconstructions', () => {
  it('a VAE on a table stores originals in the data’s units and no image shape', async () => {
    await initBackend();
    const n = 60;
    const x = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      x[i * 3] = 50 + 10 * Math.sin(i);
      x[i * 3 + 1] = 2 * Math.cos(i);
      x[i * 3 + 2] = i % 2;
    }
    const ranges = [0, 1, 2].map((j) => {
      const col = Array.from({ length: n }, (_, i) => x[i * 3 + j]!);
      const mean = col.reduce((a, b) => a + b, 0) / n;
      const std = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
      return { min: Math.min(...col), max: Math.max(...col), mean, std };
    });
    const s = spec({ epochs: 2, hidden: [8], likelihood: 'gaussian' });
    const data = prepareVaeData({ x, n, d: 3 }, ranges, s, [
      { name: 'a', type: 'numeric' },
      { name: 'b', type: 'numeric' },
      { name: 'c', type: 'binary' },
    ]);
    const r = await trainVae(data, s, {});
    const rec = r.reconstructions!;
    expect(rec.tabular).toBeDefined();
    expect(rec.tabular!.columns.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    rec.rows.forEach((row, i) => {
      for (let j = 0; j < 3; j++) expect(rec.tabular!.originals[i]![j]).toBeCloseTo(x[row * 3 + j]!, 3);
    });
    expect(rec.tabular!.sd[0]).toBeCloseTo(ranges[0]!.std, 5);
    // Reconstructions sit on the data's scale too (column a lives near 50, not near 0).
    for (const rr of rec.tabular!.reconstructions) expect(Math.abs(rr[0]! - 50)).toBeLessThan(40);
  }, 60_000);
});
