import { describe, expect, it } from 'vitest';
import { bestIndex, flatten, metricDirection } from './compare';

describe('compare helpers', () => {
  it('knows which way a metric is better', () => {
    expect(metricDirection('val_elbo')).toBe(1);
    expect(metricDirection('loglik')).toBe(1);
    expect(metricDirection('perplexity')).toBe(-1);
    expect(metricDirection('seconds_per_epoch')).toBe(-1);
    expect(metricDirection('epochs')).toBe(0);
  });

  it('picks the best run, none on ties or without a direction', () => {
    expect(bestIndex('val_elbo', [-30, -25, undefined])).toBe(1);
    expect(bestIndex('perplexity', [900, 1200])).toBe(0);
    expect(bestIndex('active_units', [2, 2])).toBeNull();
    expect(bestIndex('epochs', [5, 8])).toBeNull();
    expect(bestIndex('val_elbo', [-30, undefined])).toBeNull();
  });

  it('flattens a spec into dotted paths', () => {
    expect(flatten({ family: { kind: 'iaf', length: 4 }, hidden: [128, 64] })).toEqual({ 'family.kind': 'iaf', 'family.length': '4', hidden: '128, 64' });
  });
});
