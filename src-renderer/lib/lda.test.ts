import { describe, expect, it } from 'vitest';
import {
  asLdaModel,
  asTopics,
  classicalMds,
  jensenShannon,
  marginalWordProbabilities,
  relevantWords,
  topEigen,
  topicDistances,
  topicWordProbabilities,
} from './lda';

describe('topic-view mathematics', () => {
  const model = { K: 2, V: 3, vocabulary: ['a', 'b', 'c'], alpha: [0.5, 0.5], eta: 0.1, lambda: [8, 1, 1, 1, 1, 8] };

  it('checks artifacts', () => {
    expect(asLdaModel(model)).not.toBeNull();
    expect(asLdaModel({ ...model, lambda: [1, 2] })).toBeNull();
    expect(
      asTopics({
        topics: [{ words: ['a'], weights: [1], prevalence: 1, umass: null, npmi: -0.1 }],
        trainRows: 3,
        heldoutRows: 1,
      })?.topics[0]!.umass,
    ).toBeNaN();
    expect(asTopics({ topics: 'x' })).toBeNull();
  });

  it('ranks words by relevance: λ = 1 by p(w|k), λ = 0 by lift', () => {
    const pwk = topicWordProbabilities(asLdaModel(model)!);
    expect(pwk[0]).toBeCloseTo(0.8, 12);
    const pw = marginalWordProbabilities(pwk, 2, 3, [0.5, 0.5]);
    expect(Array.from(pw).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(pw[1]).toBeCloseTo(0.1, 12);
    const r1 = relevantWords(pwk, pw, model.vocabulary, 0, 1, 3);
    expect(r1[0]!.word).toBe('a');
    expect(r1[0]!.relevance).toBeCloseTo(Math.log(0.8), 12);
    const r0 = relevantWords(pwk, pw, model.vocabulary, 0, 0, 3);
    expect(r0[0]!.relevance).toBeCloseTo(Math.log(0.8 / 0.45), 12);
    expect(r0.map((w) => w.word)).toEqual(['a', 'b', 'c']);
  });

  it('computes Jensen–Shannon divergence (0 for equal, ln 2 for disjoint)', () => {
    expect(jensenShannon([0.5, 0.5], [0.5, 0.5])).toBeCloseTo(0, 12);
    expect(jensenShannon([1, 0], [0, 1])).toBeCloseTo(Math.LN2, 12);
    const d = topicDistances(Float64Array.from([1, 0, 0, 1]), 2, 2);
    expect(d[0]![1]).toBeCloseTo(Math.sqrt(Math.LN2), 12);
  });

  it('finds the leading eigenpairs of a symmetric matrix', () => {
    const { values, vectors } = topEigen(
      [
        [2, 1],
        [1, 2],
      ],
      2,
    );
    expect(values[0]).toBeCloseTo(3, 8);
    expect(values[1]).toBeCloseTo(1, 8);
    expect(Math.abs(vectors[0]![0]!)).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it('recovers a planar configuration from its distances by classical MDS', () => {
    const pts = [
      [0, 0],
      [3, 0],
      [0, 4],
      [3, 4],
      [1.5, 2],
    ];
    const d = pts.map((p) => pts.map((q) => Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!)));
    const y = classicalMds(d);
    for (let i = 0; i < pts.length; i++) {
      for (let j = 0; j < pts.length; j++) {
        expect(Math.hypot(y[i]![0] - y[j]![0], y[i]![1] - y[j]![1])).toBeCloseTo(d[i]![j]!, 5);
      }
    }
  });
});
