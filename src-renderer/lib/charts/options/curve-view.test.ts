import { describe, expect, it } from 'vitest';
import { emaSmooth, forLogAxis, logAxisNote, type Point } from './curve-view';
import { elboCurveView } from './elbo-curve';
import { bnnLossView } from './bnn-charts';

describe('curve smoothing (TensorBoard EMA with debiasing)', () => {
  it('matches the closed form s_t = (1−w) Σ w^(t−i) y_i / (1 − w^t)', () => {
    const pts: Point[] = [
      [1, 4],
      [2, 2],
      [3, 8],
    ];
    const w = 0.6;
    const s = emaSmooth(pts, w);
    // t = 1: the debiased average is the first value itself.
    expect(s[0]![1]).toBeCloseTo(4, 12);
    expect(s[1]![1]).toBeCloseTo(((1 - w) * (w * 4 + 2)) / (1 - w ** 2), 12);
    expect(s[2]![1]).toBeCloseTo(((1 - w) * (w * w * 4 + w * 2 + 8)) / (1 - w ** 3), 12);
    expect(s.map(([x]) => x)).toEqual([1, 2, 3]);
  });
  it('leaves a constant curve unchanged, is the identity at 0, skips non-finite values and refuses w ≥ 1', () => {
    const flat: Point[] = Array.from({ length: 50 }, (_, i) => [i, -3.5]);
    for (const [, y] of emaSmooth(flat, 0.99)) expect(y).toBeCloseTo(-3.5, 10);
    expect(
      emaSmooth(
        [
          [0, 1],
          [1, 5],
        ],
        0,
      ),
    ).toEqual([
      [0, 1],
      [1, 5],
    ]);
    const s = emaSmooth(
      [
        [0, 2],
        [1, Number.NaN],
        [2, 2],
      ],
      0.5,
    );
    expect(s[1]![1]).toBeNaN();
    expect(s[2]![1]).toBeCloseTo(2, 12);
    expect(() => emaSmooth([], 1)).toThrow('Expected a smoothing weight in [0, 1), got 1');
  });
  it('reduces the noise of a noisy curve', () => {
    const noisy: Point[] = Array.from({ length: 400 }, (_, i) => [i, (i % 2 === 0 ? 1 : -1) * 5]);
    const s = emaSmooth(noisy, 0.9).slice(100);
    expect(Math.max(...s.map(([, y]) => Math.abs(y)))).toBeLessThan(0.3);
  });
});

describe('log axis', () => {
  it('negates curves that are negative throughout and says so', () => {
    const v = forLogAxis([
      [
        [1, -100],
        [2, -10],
      ],
      [[2, -12]],
    ]);
    expect(v.negated).toBe(true);
    expect(v.points[0]).toEqual([
      [1, 100],
      [2, 10],
    ]);
    expect(logAxisNote(v, 'ELBO')).toMatch(/^Log scale of −ELBO/);
  });
  it('keeps positive curves and counts the points it cannot draw', () => {
    const v = forLogAxis([
      [
        [1, 5],
        [2, -1],
        [3, 0],
        [4, 2],
      ],
    ]);
    expect(v.negated).toBe(false);
    expect(v.points[0]).toEqual([
      [1, 5],
      [4, 2],
    ]);
    expect(v.dropped).toBe(2);
    expect(logAxisNote(v, 'the loss')).toBe('Log scale of the loss. 2 points ≤ 0 cannot be drawn.');
  });
});

describe('curve options with the controls', () => {
  const stepElbo = {
    step: Array.from({ length: 60 }, (_, i) => i + 1),
    epoch: Array.from({ length: 60 }, () => 1),
    value: Array.from({ length: 60 }, (_, i) => -30 - 100 / (i + 1) - (i % 2)),
  };
  it('VAE: a smoothed series beside the raw one, and −ELBO on a log axis', () => {
    const { option, note } = elboCurveView({ stepElbo, smoothing: 0.8, log: true });
    const series = option.series as { name: string; data: Point[] }[];
    expect(series.map((s) => s.name)).toEqual([
      'minibatch ELBO',
      'minibatch ELBO (smoothed)',
      'train ELBO',
      'validation ELBO',
    ]);
    expect(series[0]!.data[0]).toEqual([1, 130]);
    expect((option.yAxis as { type: string; name: string }).type).toBe('log');
    expect((option.yAxis as { name: string }).name).toMatch(/^−ELBO/);
    expect(note).toMatch(/weight 0\.80/);
    expect(note).toMatch(/Log scale of −ELBO/);
    const off = elboCurveView({ stepElbo });
    expect((off.option.series as unknown[]).length).toBe(3);
    expect(off.note).toBe('');
  });
  it('BNN: the loss axis goes log, the validation axis stays linear', () => {
    const { option, note } = bnnLossView({
      loss: { step: [1, 2, 3], value: [3, 2, 1] },
      valLogLik: { step: [3], value: [-1.2] },
      smoothing: 0.5,
      log: true,
    });
    const axes = option.yAxis as { type: string }[];
    expect(axes.map((a) => a.type)).toEqual(['log', 'value']);
    expect(note).toMatch(/Log scale of the loss\./);
  });
});
