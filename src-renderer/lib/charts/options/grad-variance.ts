/**
 * Gradient variance or SNR per parameter group over a run's checkpoints (artifact 'gradVariance',
 * src-shared/domain/grad-variance.ts), log y. The run's own estimator as solid lines with markers; for a
 * score-function run the pathwise estimator on the same parameters and rows as dashed lines of the same colour.
 * Pure: data in, ECharts option out.
 */
import type { ChartOption } from '../echarts';
import type { GradGroupStat, GradVarianceArtifact } from '../../../../src-shared/domain/grad-variance';

export type GradMeasure = 'variance' | 'snr';

const PALETTE = ['#3b5bdb', '#e8590c', '#2b8a3e', '#c2255c', '#7048e8', '#0b7285', '#a61e4d', '#5c940d'];

const estimatorName = (e: 'reparam' | 'score'): string => (e === 'score' ? 'score function' : 'pathwise');

/** Positive finite values only: a log axis cannot draw 0, and JSON stores ∞ as null. */
function valueOf(g: GradGroupStat | undefined, m: GradMeasure): number | null {
  const v = g?.[m];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
}

export function gradVarianceOption(a: GradVarianceArtifact, measure: GradMeasure): ChartOption {
  const xs = a.checkpoints.map((c) => c.step);
  const groups: string[] = [];
  for (const c of a.checkpoints) for (const g of c.groups) if (!groups.includes(g.group)) groups.push(g.group);
  const own = estimatorName(a.estimator);
  const series: NonNullable<ChartOption['series']> = [];
  const legend: string[] = [];
  groups.forEach((group, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    // Both estimators' series carry the group's name: one legend entry toggles the pair.
    legend.push(group);
    series.push({
      type: 'line',
      name: group,
      color,
      showSymbol: true,
      symbolSize: 6,
      data: a.checkpoints.map((c, j) => [
        xs[j]!,
        valueOf(
          c.groups.find((g) => g.group === group),
          measure,
        ),
      ]),
    });
    if (a.estimator === 'score') {
      series.push({
        type: 'line',
        name: group,
        color,
        lineStyle: { type: 'dashed' },
        symbol: 'emptyCircle',
        symbolSize: 6,
        data: a.checkpoints.map((c, j) => [
          xs[j]!,
          valueOf(
            c.pathwise?.find((g) => g.group === group),
            measure,
          ),
        ]),
      });
    }
  });
  const yName = measure === 'variance' ? 'gradient variance (mean over entries)' : 'SNR = √(mean² / variance)';
  return {
    animation: false,
    grid: { left: 72, right: 24, top: 48, bottom: 44 },
    legend: { top: 0, type: 'scroll', data: legend, textStyle: { color: '#495057' } },
    tooltip: {
      trigger: 'axis',
      formatter: (params: unknown) => {
        const items = (Array.isArray(params) ? params : [params]) as Array<{
          seriesIndex: number;
          seriesName: string;
          marker: string;
          value: [number, number | null];
        }>;
        const lines = items.map((p) => {
          const which = a.estimator === 'score' ? (p.seriesIndex % 2 === 0 ? ` (${own})` : ' (pathwise)') : '';
          const v = p.value[1];
          return `${p.marker}${p.seriesName}${which}: ${typeof v === 'number' ? v.toPrecision(3) : '—'}`;
        });
        return [`step ${items[0]?.value[0] ?? ''}`, ...lines].join('<br/>');
      },
    },
    xAxis: {
      type: 'value',
      name: 'step',
      nameLocation: 'middle',
      nameGap: 28,
      min: 'dataMin',
      max: 'dataMax',
    },
    yAxis: { type: 'log', name: yName, nameLocation: 'middle', nameGap: 56 },
    series,
  } as ChartOption;
}
