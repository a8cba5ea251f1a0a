import { describe, expect, it } from 'vitest';
import { klTraceOption, sharedKlMax } from './collapse-lab';
import type { KlTraceArtifact } from '../../../../src-shared/domain/artifacts';

const trace: KlTraceArtifact = {
  rows: 180,
  from: 'validation',
  epochs: [1, 2, 3],
  klPerDim: [
    [0.5, 1.04],
    [0.2, 0.6],
    [0.01, 0.3],
  ],
};

describe('KL trace chart', () => {
  it('draws one line per dimension over the epochs, and λ for free bits', () => {
    const o = klTraceOption(trace, { yMax: 1.1, freeBits: 0.5 });
    const series = o.series as Array<{ name: string; data: Array<[number, number | null]> }>;
    expect(series.map((s) => s.name)).toEqual(['z1', 'z2', 'λ = 0.5']);
    expect(series[1]!.data).toEqual([
      [1, 1.04],
      [2, 0.6],
      [3, 0.3],
    ]);
    expect(series[2]!.data).toEqual([
      [1, 0.5],
      [3, 0.5],
    ]);
    expect((o.yAxis as { max: number }).max).toBe(1.1);
    expect(klTraceOption(trace, { yMax: 1.1 }).series).toHaveLength(2);
  });

  it('shares the y range: the largest KL of any run, rounded up to a tenth (≤ 1) or a half nat', () => {
    expect(sharedKlMax([trace, null, { ...trace, klPerDim: [[2.31]] }])).toBe(2.5);
    expect(sharedKlMax([{ ...trace, klPerDim: [[2]] }])).toBe(2);
    expect(sharedKlMax([{ ...trace, klPerDim: [[0.62]] }])).toBe(0.7);
    expect(sharedKlMax([null])).toBe(0);
  });
});
