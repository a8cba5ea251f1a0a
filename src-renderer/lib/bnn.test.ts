import { describe, expect, it } from 'vitest';
import { betterOf, bnnMetricRows } from './bnn';
import { awayFromData, bandOption, coverageOption, niceRange } from './charts/options/bnn-charts';
import type { BnnBand } from '../../src-shared/domain/bnn';

describe('bnnMetricRows', () => {
  it('orders known metrics and shows ± SE only when present', () => {
    const rows = bnnMetricRows({ coverage90: 0.9, rmse: 0.5, rmse_se: 0.01, logLik: -1.2, splits: 20 });
    expect(rows.map((r) => r.name)).toEqual(['rmse', 'logLik', 'coverage90', 'splits']);
    expect(rows[0]!.value).toBe('0.5 ± 0.01');
    expect(rows[1]!.value).toBe('-1.2');
    expect(rows[2]!.value).toBe('90.0 %');
  });
  it('picks the better run per rule', () => {
    expect(betterOf({ better: 'lower' }, 0.4, 0.5)).toBe(0);
    expect(betterOf({ better: 'higher' }, -1, -0.5)).toBe(1);
    expect(betterOf({ better: 'closer', nominal: 0.9 }, 0.8, 0.93)).toBe(1);
    expect(betterOf({ better: null }, 1, 2)).toBeNull();
  });
});

describe('bnn charts', () => {
  it('rounds axis ranges', () => {
    expect(niceRange(-0.361, 1.14)).toEqual({ min: -0.4, max: 1.2, interval: 0.2 });
  });
  it('shades the grid away from the data and draws the bands', () => {
    const x = [-3, -2, -1, 0, 1, 2, 3];
    const band: BnnBand = {
      runId: 1,
      task: 'regression',
      feature: 'x',
      target: 'y',
      numericFeatures: ['x'],
      x,
      dataRange: [-2, 2],
      nearestData: [1, 0, 0, 1, 0, 0, 1],
      mean: x.map(() => 0),
      sd: x.map(() => 1),
      epistemicSd: x.map(() => 0.5),
      points: { x: [-2, -1, 1, 2], y: [0, 0, 0, 0] },
      sdNearData: null,
      sdAwayFromData: null,
      sdInGaps: null,
      sdBeyondData: null,
    };
    expect(awayFromData(band)).toEqual([true, false, false, true, false, false, true]);
    const opt = bandOption(band);
    const names = (opt.series as Array<{ name?: string }>).map((s) => s.name);
    expect(names).toContain('Predictive mean');
    expect(names).toContain('Epistemic ±2 sd');
    expect(names).toContain('No training data');
    expect(coverageOption([{ name: 'a', points: [{ nominal: 0.5, observed: 0.4 }] }]).series).toHaveLength(2);
  });
});
