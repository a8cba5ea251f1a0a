import { describe, expect, it } from 'vitest';
import { intervalOption, topicShareOption } from './model-charts';

type Series = Array<{ name?: string; data: unknown[]; stack?: string; stackStrategy?: string }>;

describe('intervalOption', () => {
  it('orders rows by the mean and draws the band as the width stacked on the lower bound across signs', () => {
    const o = intervalOption({
      mean: [3, -2, 1],
      lower: [2, -5, 0],
      upper: [4, -1, 2.5],
      actual: [3.5, null, 0.5],
      rows: [1, 2, 3],
      target: 'y',
    });
    const s = o.series as Series;
    expect(s.map((x) => x.name)).toEqual(['lower', '95 % interval', 'predictive mean', 'y (actual)']);
    expect(s[0]!.data).toEqual([-5, 0, 2]);
    expect(s[1]!.data).toEqual([4, 2.5, 2]);
    // A negative lower bound must not split the stack (ECharts' default 'samesign' would stack the width on zero).
    expect(s[0]!.stackStrategy).toBe('all');
    expect(s[1]!.stackStrategy).toBe('all');
    expect(s[2]!.data).toEqual([-2, 1, 3]);
    expect(s[3]!.data).toEqual([
      [1, null],
      [2, 0.5],
      [3, 3.5],
    ]);
  });

  it('leaves out the actual values when the file has none', () => {
    const o = intervalOption({ mean: [1], lower: [0], upper: [2], actual: [null], rows: [1], target: 'y' });
    expect((o.series as Series).map((x) => x.name)).toEqual(['lower', '95 % interval', 'predictive mean']);
  });
});

describe('topicShareOption', () => {
  it('one bar per topic, topic 1 on top, labelled with its top words', () => {
    const o = topicShareOption([0.5, 0.3, 0.2], [['cat', 'dog', 'pet', 'x'], ['star', 'moon'], []], () => '#000');
    const y = o.yAxis as { data: string[] };
    expect(y.data).toEqual(['3: ', '2: star, moon', '1: cat, dog, pet']);
    expect(((o.series as Series)[0]!.data as Array<{ value: number }>).map((d) => d.value)).toEqual([0.2, 0.3, 0.5]);
  });
});
