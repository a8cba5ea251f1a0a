import { describe, expect, it } from 'vitest';
import { bestIndex, flatten, matchTopics, metricDirection } from './compare';

describe('compare helpers', () => {
  it('knows which way a metric is better', () => {
    expect(metricDirection('val_elbo')).toBe(1);
    expect(metricDirection('loglik')).toBe(1);
    expect(metricDirection('perplexity')).toBe(-1);
    expect(metricDirection('seconds_per_epoch')).toBe(-1);
    expect(metricDirection('epochs')).toBe(0);
    expect(metricDirection('loglik_k')).toBe(0);
    expect(metricDirection('rmse_se')).toBe(0);
  });

  it('picks the best run, none on ties or without a direction', () => {
    expect(bestIndex('val_elbo', [-30, -25, undefined])).toBe(1);
    expect(bestIndex('perplexity', [900, 1200])).toBe(0);
    expect(bestIndex('active_units', [2, 2])).toBeNull();
    expect(bestIndex('epochs', [5, 8])).toBeNull();
    expect(bestIndex('val_elbo', [-30, undefined])).toBeNull();
    // Interval coverage: the closest to its nominal level wins, over- or under-covering alike.
    expect(bestIndex('coverage90', [0.99, 0.86, 0.93])).toBe(2);
    expect(bestIndex('coverage50', [0.45, 0.55])).toBeNull();
    expect(bestIndex('coverage90_se', [0.01, 0.02])).toBeNull();
    expect(bestIndex('brier', [0.2, 0.1])).toBe(1);
    expect(bestIndex('npmi', [0.05, 0.08, -0.01])).toBe(1);
    expect(bestIndex('rmse', [0.5, 0.4, 0.4])).toBeNull();
  });

  it('flattens a spec into dotted paths', () => {
    expect(flatten({ family: { kind: 'iaf', length: 4 }, hidden: [128, 64] })).toEqual({
      'family.kind': 'iaf',
      'family.length': '4',
      hidden: '128, 64',
    });
  });

  it('matches each topic of another fit to the baseline topic sharing most top words', () => {
    const base = [
      ['cat', 'dog', 'pet', 'vet'],
      ['stock', 'market', 'bank', 'rate'],
      ['rain', 'wind', 'sun', 'cloud'],
    ];
    const other = [
      ['market', 'bank', 'loan', 'rate'],
      ['ball', 'goal', 'team', 'match'],
      ['dog', 'cat', 'pet', 'vet'],
    ];
    const m = matchTopics(base, other);
    expect(m.map((x) => x.index)).toEqual([1, -1, 0]);
    expect(m[0]!.overlap).toBeCloseTo(3 / 5); // shared market, bank, rate of 5 distinct words
    expect(m[1]!.overlap).toBe(0);
    expect(m[2]!.overlap).toBe(1);
    // Only the top n words count.
    expect(matchTopics([['a', 'b', 'x']], [['a', 'b', 'y']], 2)[0]!.overlap).toBe(1);
  });
});
