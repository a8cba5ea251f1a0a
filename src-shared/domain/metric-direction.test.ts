import { describe, expect, it } from 'vitest';
import { estimateDifference, rankMetric } from './metric-direction';

describe('rankMetric', () => {
  it('highlights a winner only beyond 2 SE of every other run', () => {
    expect(
      rankMetric('val_elbo', [
        { value: -2.173, se: 0.05 },
        { value: -2.196, se: 0.05 },
      ]),
    ).toEqual({ best: null, reason: 'within-noise' });
    expect(
      rankMetric('val_elbo', [
        { value: -2.0, se: 0.01 },
        { value: -2.2, se: 0.01 },
      ]),
    ).toEqual({ best: 0, reason: null });
    // Lower is better for perplexity.
    expect(
      rankMetric('perplexity', [
        { value: 900, se: 5 },
        { value: 700, se: 5 },
        { value: 702, se: 5 },
      ]).reason,
    ).toBe('within-noise');
    expect(
      rankMetric('perplexity', [
        { value: 900, se: 5 },
        { value: 700, se: 5 },
        { value: 800, se: 5 },
      ]).best,
    ).toBe(1);
  });
  it('does not rank a metric without standard errors', () => {
    expect(rankMetric('perplexity', [{ value: 900 }, { value: 700 }])).toEqual({
      best: null,
      reason: 'no-standard-error',
    });
    expect(rankMetric('epochs', [{ value: 9 }, { value: 7 }])).toEqual({ best: null, reason: null });
  });
  it('pairs on shared rows: a consistent small gain wins although the unpaired SEs overlap', () => {
    const rows = Array.from({ length: 40 }, (_, i) => i);
    const base = rows.map((i) => -2 + Math.sin(i));
    const better = base.map((v, i) => v + 0.02 + 0.001 * Math.cos(i));
    const a = { value: -2 + 0.02, se: 0.11, perRow: { rows, values: better } };
    const b = { value: -2, se: 0.11, perRow: { rows, values: base } };
    expect(rankMetric('loglik', [b, a])).toEqual({ best: 1, reason: null });
    const d = estimateDifference(a, b)!;
    expect(d.pairedRows).toBe(40);
    expect(d.se!).toBeLessThan(0.001);
    // Without the rows, the same figures are within noise.
    expect(
      rankMetric('loglik', [
        { value: b.value, se: b.se },
        { value: a.value, se: a.se },
      ]).reason,
    ).toBe('within-noise');
  });
  it('calls two identical-seed runs within noise', () => {
    const rows = [0, 1, 2, 3, 4];
    const v = [-3, -2.5, -2.9, -3.1, -2.2];
    const e = { value: -2.74, se: 0.17, perRow: { rows, values: v } };
    expect(rankMetric('eval_elbo', [e, { ...e }])).toEqual({ best: null, reason: 'within-noise' });
    // Without SEs a tie is just a tie: no winner, and nothing claimed about noise.
    expect(rankMetric('seconds', [{ value: 3 }, { value: 3 }])).toEqual({ best: null, reason: null });
    // Three runs, two tied for the top and a third far below: still no winner.
    expect(rankMetric('eval_elbo', [e, { ...e }, { value: -9, se: 0.1 }]).best).toBeNull();
    expect(estimateDifference(e, { ...e })!.withinNoise).toBe(true);
  });
  it('ranks coverage by closeness to its level, with SEs', () => {
    expect(
      rankMetric('coverage90', [
        { value: 0.89, se: 0.005 },
        { value: 0.7, se: 0.005 },
      ]).best,
    ).toBe(0);
    expect(
      rankMetric('coverage90', [
        { value: 0.89, se: 0.05 },
        { value: 0.86, se: 0.05 },
      ]).reason,
    ).toBe('within-noise');
  });
});

describe('metricEstimate', async () => {
  const { metricEstimate, shownMetricNames } = await import('./metric-direction');
  it('takes the SE companion and the evaluation’s per-row values', () => {
    const ev = { rowIds: [4, 7], perRow: { elbo: [-1, -2], logLik: [-0.5, -1.5] } };
    const e = metricEstimate('loglik', { loglik: -1, loglik_se: 0.5 }, { evaluation: ev });
    expect(e).toEqual({ value: -1, se: 0.5, perRow: { rows: [4, 7], values: [-0.5, -1.5] } });
    expect(metricEstimate('test_elbo', { test_elbo: -1 }, { evaluation: ev }).perRow).toBeUndefined();
  });
  it('folds _se companions into their metric', () => {
    expect(shownMetricNames(['loglik', 'loglik_se', 'rmse_se', 'epochs'])).toEqual(['epochs', 'loglik', 'rmse_se']);
  });
});
