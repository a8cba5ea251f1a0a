import { describe, expect, it } from 'vitest';
import {
  categoryHeatmapOption,
  distanceMapOption,
  ldaPassCurvesOption,
  lengthHistogramOption,
  topicBarsOption,
} from './topics';

type Series = { data: unknown[]; name?: string }[];

describe('topic chart options', () => {
  it('draws the selected topic on top of the map, sized by prevalence', () => {
    const o = distanceMapOption({
      points: [
        [0, 0],
        [1, 1],
        [2, 0],
      ],
      prevalence: [0.5, 0.25, 0.25],
      labels: ['a', 'b', 'c'],
      selected: 1,
    });
    const s = o.series as Series;
    expect(s[0]!.data).toHaveLength(3);
    expect(s[1]!.data).toEqual([expect.objectContaining({ name: '2', value: [1, 1] })]);
    const sizes = (s[0]!.data as { symbolSize: number }[]).map((d) => d.symbolSize);
    expect(sizes[0]).toBeGreaterThan(sizes[1]!);
  });

  it('shows mean θ or lift per category', () => {
    const input = {
      categories: ['x', 'y'],
      counts: [3, 1],
      meanTheta: [
        [0.8, 0.2],
        [0.2, 0.8],
      ],
      overall: [0.5, 0.5],
      topicLabels: ['T1', 'T2'],
    };
    const abs = (categoryHeatmapOption({ ...input, relative: false }).series as Series)[0]!.data as number[][];
    const lift = (categoryHeatmapOption({ ...input, relative: true }).series as Series)[0]!.data as number[][];
    expect(abs[0]).toEqual([0, 0, 0.8]);
    expect(lift[0]![2]).toBeCloseTo(1.6, 12);
  });

  it('plots per-pass curves, one legend entry per run when comparing', () => {
    const curve = { epoch: [1, 2], value: [3000, Number.NaN] };
    const one = ldaPassCurvesOption({ measure: 'perplexity', runs: [{ label: 'r', perplexity: curve, bound: curve }] });
    expect((one.series as Series)[0]!.data).toEqual([[1, 3000]]);
    const two = ldaPassCurvesOption({ measure: 'perplexity', runs: [{ label: 'a' }, { label: 'b' }] });
    expect((two.legend as { data: string[] }).data).toEqual(['a', 'b']);
  });

  it('scales the relevance bars to estimated tokens and builds the length histogram', () => {
    const o = topicBarsOption({
      topic: 0,
      words: [{ word: 'w', pTopic: 0.5, pOverall: 0.1, relevance: 0 }],
      prevalence: 0.2,
      tokens: 1000,
    });
    const s = o.series as Series;
    expect(s[0]!.data).toEqual([100]);
    expect(s[1]!.data).toEqual([100]);
    const h = lengthHistogramOption([
      { from: 0, to: 1, documents: 2 },
      { from: 1, to: 2, documents: 5 },
    ]);
    expect((h.xAxis as { data: string[] }).data).toEqual(['0', '1']);
  });
});
