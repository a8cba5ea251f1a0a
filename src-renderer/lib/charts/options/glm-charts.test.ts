import { describe, expect, it } from 'vitest';
import { ellipse, forestOption, pairMoments, pairOption, ppcOption } from './glm-charts';
import type { CoefficientRow } from '../../../../src-shared/domain/reference';

const row = (name: string, mean: number, sd: number): CoefficientRow => ({
  name,
  mean,
  sd,
  mcseMean: 0,
  mcseSd: 0,
  q025: mean - 1.96 * sd,
  q05: mean - 1.645 * sd,
  q50: mean,
  q95: mean + 1.645 * sd,
  q975: mean + 1.96 * sd,
  pd: 0.9,
});

describe('GLM charts', () => {
  it('pairMoments gives the sample mean and covariance of two coordinates', () => {
    // Draws [n=4, K=3]; coordinates 0 and 2: (1,2), (3,6), (5,10), (7,14): y = 2x, var x = 20/3.
    const values = [1, 9, 2, 3, 9, 6, 5, 9, 10, 7, 9, 14];
    const m = pairMoments({ n: 4, values }, 3, 0, 2);
    expect(m.mean).toEqual([4, 8]);
    expect(m.cov[0]).toBeCloseTo(20 / 3, 12);
    expect(m.cov[1]).toBeCloseTo(40 / 3, 12);
    expect(m.cov[2]).toBeCloseTo(80 / 3, 12);
  });
  it('an ellipse at radius r has Mahalanobis distance r at every point', () => {
    const cov: [number, number, number] = [4, 1.2, 1];
    const det = cov[0] * cov[2] - cov[1] * cov[1];
    for (const [x, y] of ellipse([1, -2], cov, 2, 36)) {
      const dx = x - 1;
      const dy = y + 2;
      const d2 = (cov[2] * dx * dx - 2 * cov[1] * dx * dy + cov[0] * dy * dy) / det;
      expect(Math.sqrt(d2)).toBeCloseTo(2, 10);
    }
  });
  it('the forest plot puts the first name on the top row and each interval at its quantiles', () => {
    const rows = [row('a', 1, 0.5), row('b', -2, 1)];
    const o = forestOption([{ label: 'q', color: '#000', rows }], ['a', 'b']);
    const series = o.series as Array<{ type: string; data: Array<unknown> }>;
    expect(series[0]!.data.slice(0, 3)).toEqual([[rows[0]!.q025, 1], [rows[0]!.q975, 1], '-']);
    expect(series[1]!.data.slice(3, 5)).toEqual([
      [rows[1]!.q05, 0],
      [rows[1]!.q95, 0],
    ]);
    expect((series[2]!.data[1] as { value: number[] }).value).toEqual([-2, 0]);
  });
  it('pair plots scatter the reference draws and draw two ellipses per posterior', () => {
    const rows = [row('a', 0, 1), row('b', 0, 1)];
    const o = pairOption(
      [
        { label: 'ref', color: '#000', rows, draws: { n: 3, values: [0, 0, 1, 1, 2, 0] }, scatter: true },
        { label: 'q', color: '#f00', rows, gaussian: { mean: [0, 0], cov: [1, 0, 0, 1] } },
      ],
      0,
      1,
      ['a', 'b'],
    );
    const types = (o.series as Array<{ type: string; name: string }>).map((s) => `${s.name}:${s.type}`);
    expect(types).toEqual(['ref:scatter', 'ref:line', 'ref:line', 'ref:scatter', 'q:line', 'q:line', 'q:scatter']);
  });
});

describe('GLM predictive check chart', () => {
  it('stacks the band as q05 + (q95 − q05) at each bin centre', () => {
    const o = ppcOption(
      {
        kind: 'histogram',
        rows: 10,
        replicates: 5,
        edges: [0, 1, 2],
        observed: [4, 6],
        replicated: [
          { q05: 2, q50: 4, q95: 6 },
          { q05: 3, q50: 5, q95: 8 },
        ],
      },
      'y',
    );
    const s = o.series as Array<{ data: number[][] }>;
    expect(s[0]!.data).toEqual([
      [0.5, 4],
      [1.5, 6],
    ]);
    expect(s[2]!.data).toEqual([
      [0.5, 4],
      [1.5, 5],
    ]);
  });
  it('calibration error bars are ±2 SE, clipped to [0, 1]', () => {
    const o = ppcOption(
      {
        kind: 'calibration',
        rows: 4,
        bins: [{ lo: 0.9, hi: 1, rows: 4, predicted: 0.95, observed: 1, observedSe: 0.1 }],
      },
      'y',
    );
    const s = o.series as Array<{ data: unknown[] }>;
    expect(s[1]!.data).toEqual([[0.95, 0.8], [0.95, 1], '-']);
  });
});
