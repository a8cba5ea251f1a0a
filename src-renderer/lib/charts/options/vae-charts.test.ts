import { describe, expect, it } from 'vitest';
import { klBarOption, latentMapOption, posteriorOption } from './vae-charts';

type Series = { type: string; name?: string; data: unknown[] };

describe('vae chart options', () => {
  it('splits a categorical latent map into one series per level plus the picked rows', () => {
    const o = latentMapOption({
      points: [
        [0, 0],
        [1, 1],
        [2, 2],
      ],
      rows: [0, 1, 2],
      axes: ['z₁', 'z₂'],
      colors: ['a', 'b', 'a'],
      colorKind: 'categorical',
      colorBy: 'label',
      picked: [2],
    });
    const series = o.series as Series[];
    expect(series.map((s) => s.name)).toEqual(['a', 'b', 'picked']);
    expect(series[0]!.data).toHaveLength(2);
    expect(series[2]!.data).toHaveLength(1);
  });

  it('colours a numeric latent map with a continuous scale', () => {
    const o = latentMapOption({
      points: [
        [0, 0],
        [1, 1],
      ],
      rows: [4, 5],
      axes: ['PC1', 'PC2'],
      colors: [1, 3],
      colorKind: 'numeric',
      colorBy: 'x',
    });
    expect(o.visualMap).toMatchObject({ min: 1, max: 3, dimension: 3 });
  });

  it('draws every posterior grid cell and the draws', () => {
    const o = posteriorOption({
      x: [0, 1, 2],
      y: [0, 1],
      density: [
        [0.1, 0.2, 0.1],
        [0.1, 0.3, 0.1],
      ],
      samples: [
        [1, 1],
        [0.5, 0.5],
      ],
    });
    const series = o.series as Series[];
    expect(series[0]!.data).toHaveLength(6);
    expect(series[1]!.data).toHaveLength(2);
  });

  it('greys inactive units in the KL bars', () => {
    const o = klBarOption([0.5, 0.001], [0.2, 0.0001], 0.01);
    const data = (o.series as Array<{ data: Array<{ itemStyle: { color: string } }> }>)[0]!.data;
    expect(data[0]!.itemStyle.color).not.toBe(data[1]!.itemStyle.color);
  });
});

describe('shared posterior axes', () => {
  it('spans every panel’s grid, and every panel draws on it', async () => {
    const { posteriorExtent, posteriorOption, unionExtent } = await import('./vae-charts');
    const a = {
      x: [-1, 0, 1],
      y: [-2, 0, 2],
      density: [
        [0, 1, 0],
        [1, 2, 1],
        [0, 1, 0],
      ],
      samples: [],
    };
    const b = {
      x: [0, 2, 4],
      y: [-1, 0, 1],
      density: [
        [0, 1, 0],
        [1, 2, 1],
        [0, 1, 0],
      ],
      samples: [],
    };
    expect(posteriorExtent(a)).toEqual({ x: [-1.5, 1.5], y: [-3, 3] });
    const u = unionExtent([posteriorExtent(a), null, posteriorExtent(b)])!;
    expect(u).toEqual({ x: [-1.5, 5], y: [-3, 3] });
    for (const p of [a, b]) {
      const o = posteriorOption({ ...p, extent: u }) as {
        xAxis: { min: number; max: number };
        yAxis: { min: number; max: number };
      };
      expect([o.xAxis.min, o.xAxis.max, o.yAxis.min, o.yAxis.max]).toEqual([-1.5, 5, -3, 3]);
    }
    expect(unionExtent([null])).toBeNull();
  });
});
