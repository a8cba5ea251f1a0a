import { describe, expect, it } from 'vitest';
import { gradVarianceOption } from './grad-variance';
import type { GradGroupStat, GradVarianceArtifact } from '../../../../src-shared/domain/grad-variance';
import { ratioSentence } from '../../../../src-shared/domain/grad-variance';

type Opt = {
  yAxis: { type: string };
  legend: { data: string[] };
  series: Array<{ name: string; color: string; data: unknown[]; lineStyle?: { type: string } }>;
};

const g = (group: string, variance: number, snr: number): GradGroupStat => ({
  group,
  size: 4,
  variance,
  varianceSe: variance / 10,
  signal: snr * snr * variance,
  snr,
  snrSe: snr / 10,
});

function artifact(estimator: 'reparam' | 'score'): GradVarianceArtifact {
  const cp = (step: number, scale: number) => ({
    step,
    epoch: step / 10,
    groups: [g('encoder.0', 40 * scale, 0.2), g('decoder.out', 2 * scale, 1.5)],
    pathwise: estimator === 'score' ? [g('encoder.0', scale, 1.1), g('decoder.out', 2 * scale, 1.5)] : null,
    totalVariance: 4 * (40 + 2) * scale,
    pathwiseTotalVariance: estimator === 'score' ? 4 * (1 + 2) * scale : null,
    seconds: 0.01,
  });
  return {
    model: 'vae',
    estimator,
    repeats: 8,
    rows: 20,
    rowsFrom: 'validation',
    checkpoints: [cp(10, 1), cp(20, 0.5)],
    overheadShare: 0.05,
  };
}

describe('gradVarianceOption', () => {
  it('score-function run: one solid and one dashed pathwise series per group, log y, steps on x', () => {
    const o = gradVarianceOption(artifact('score'), 'variance') as unknown as Opt;
    expect(o.yAxis.type).toBe('log');
    const names = o.series.map((s: { name: string }) => s.name);
    // One legend entry per group toggles both of its series.
    expect(names).toEqual(['encoder.0', 'encoder.0', 'decoder.out', 'decoder.out']);
    expect(o.legend.data).toEqual(['encoder.0', 'decoder.out']);
    expect(o.series[0]!.data).toEqual([
      [10, 40],
      [20, 20],
    ]);
    expect(o.series[1]!.lineStyle!.type).toBe('dashed');
    expect(o.series[1]!.data).toEqual([
      [10, 1],
      [20, 0.5],
    ]);
    expect(o.series[0]!.color).toBe(o.series[1]!.color);
  });

  it('pathwise run: one series per group; SNR measure; ∞, 0 and null are left out of the log axis', () => {
    const a = artifact('reparam');
    a.checkpoints[0]!.groups[1]!.snr = null as unknown as number; // ∞ after a JSON round trip
    a.checkpoints[1]!.groups[1]!.snr = 0;
    const o = gradVarianceOption(a, 'snr') as unknown as Opt;
    expect(o.series.map((s: { name: string }) => s.name)).toEqual(['encoder.0', 'decoder.out']);
    expect(o.series[0]!.data).toEqual([
      [10, 0.2],
      [20, 0.2],
    ]);
    expect(o.series[1]!.data).toEqual([
      [10, null],
      [20, null],
    ]);
  });

  it('the ratio in words uses the last checkpoint with a pathwise figure', () => {
    expect(ratioSentence(artifact('score'))).toBe(
      'Score-function gradient variance is 14× the pathwise on this model (last checkpoint, same parameters and rows).',
    );
    expect(ratioSentence(artifact('reparam'))).toBeNull();
  });
});
