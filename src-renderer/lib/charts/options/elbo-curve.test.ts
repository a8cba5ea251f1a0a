import { describe, expect, it } from 'vitest';
import { elboCurveOption, robustMin } from './elbo-curve';

function curve(n: number): { step: number[]; epoch: number[]; value: number[] } {
  const step = Array.from({ length: n }, (_, i) => i + 1);
  return { step, epoch: step.map((s) => Math.ceil(s / 10)), value: step.map((s) => -30 - 500 * Math.exp(-s / 5)) };
}

describe('elboCurveOption', () => {
  it('puts step, train and validation ELBO on one step axis', () => {
    const opt = elboCurveOption({
      stepElbo: curve(100),
      trainElbo: { step: [10, 20], epoch: [1, 2], value: [-40, -35] },
      valElbo: { step: [10, 20], epoch: [1, 2], value: [-42, -37] },
      totalSteps: 200,
    });
    const series = opt.series as { name: string; data: [number, number][] }[];
    expect(series.map((s) => s.name)).toEqual(['minibatch ELBO', 'train ELBO', 'validation ELBO']);
    expect(series[0]?.data).toHaveLength(100);
    expect(series[2]?.data[1]).toEqual([20, -37]);
  });
  it('drops non-finite values', () => {
    const opt = elboCurveOption({
      stepElbo: { step: [1, 2, 3], epoch: [1, 1, 1], value: [-5, Number.NaN, -Infinity] },
    });
    const series = opt.series as { data: unknown[] }[];
    expect(series[0]?.data).toEqual([[1, -5]]);
  });
});

describe('robustMin', () => {
  it('skips the first steps of training', () => {
    const c = curve(100);
    const pts = c.step.map((s, i) => [s, c.value[i] ?? 0] as [number, number]);
    const min = robustMin(pts);
    expect(min).toBeDefined();
    expect(min!).toBeGreaterThan(-200);
    expect(min!).toBeLessThan(-30);
  });
  it('leaves short curves alone', () => {
    expect(
      robustMin([
        [1, -100],
        [2, -50],
      ]),
    ).toBeUndefined();
  });
});
