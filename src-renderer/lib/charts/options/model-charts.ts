/**
 * Charts of an imported model used on a new CSV (issue 7): the mean topic proportions of the scored documents (LDA)
 * and the predictive mean with its 95 % interval per row (BNN regression), rows ordered by the mean so the widths
 * read at a glance. Pure: data in, ECharts option out.
 */
import type { ChartOption } from '../echarts';

const AXIS_NAME = { nameLocation: 'middle' as const, nameGap: 28, nameTextStyle: { color: '#495057', fontSize: 12 } };

/** Horizontal bars: the share of each topic over the scored documents, labelled with its top words. */
export function topicShareOption(
  meanTheta: readonly number[],
  topWords: ReadonlyArray<readonly string[]>,
  colors: (k: number) => string,
): ChartOption {
  const K = meanTheta.length;
  const labels = meanTheta.map((_, k) => `${k + 1}: ${(topWords[k] ?? []).slice(0, 3).join(', ')}`);
  const order = Array.from({ length: K }, (_, k) => k).reverse();
  return {
    animation: false,
    grid: { left: 190, right: 56, top: 8, bottom: 36 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      valueFormatter: (v) => `${(Number(v) * 100).toFixed(1)} %`,
    },
    xAxis: {
      type: 'value',
      name: 'mean proportion',
      ...AXIS_NAME,
      axisLabel: { formatter: (v: number) => `${Math.round(v * 100)} %` },
    },
    yAxis: {
      type: 'category',
      data: order.map((k) => labels[k]!),
      axisLabel: { fontSize: 11, width: 180, overflow: 'truncate' },
    },
    series: [
      {
        type: 'bar',
        data: order.map((k) => ({ value: meanTheta[k]!, itemStyle: { color: colors(k) } })),
        barMaxWidth: 18,
        label: {
          show: true,
          position: 'right',
          fontSize: 11,
          formatter: (p) => `${(Number(p.value) * 100).toFixed(1)} %`,
        },
      },
    ],
  };
}

export interface IntervalInput {
  mean: readonly number[];
  lower: readonly number[];
  upper: readonly number[];
  /** The actual target where the file has it. */
  actual?: ReadonlyArray<number | null> | null;
  /** The input rows (1-based) the values belong to. */
  rows: readonly number[];
  target: string;
}

/** Rows ordered by predictive mean: the 95 % interval as a band, the mean as a line, actual values as dots. */
export function intervalOption(p: IntervalInput): ChartOption {
  const order = p.mean.map((_, i) => i).sort((a, b) => p.mean[a]! - p.mean[b]!);
  const x = order.map((_, j) => j + 1);
  const lower = order.map((i) => p.lower[i]!);
  const width = order.map((i) => p.upper[i]! - p.lower[i]!);
  const series: NonNullable<ChartOption['series']> = [
    // The band: the width stacked on the lower bound ('all': stack across signs, else a negative lower bound and a
    // positive width would each be stacked on zero).
    {
      type: 'line',
      name: 'lower',
      data: lower,
      stack: 'band',
      stackStrategy: 'all',
      symbol: 'none',
      lineStyle: { opacity: 0 },
      tooltip: { show: false },
    },
    {
      type: 'line',
      name: '95 % interval',
      data: width,
      stack: 'band',
      stackStrategy: 'all',
      symbol: 'none',
      lineStyle: { opacity: 0 },
      itemStyle: { color: 'rgba(59, 91, 219, 0.35)' },
      areaStyle: { color: 'rgba(59, 91, 219, 0.18)' },
      tooltip: { show: false },
    },
    {
      type: 'line',
      name: 'predictive mean',
      data: order.map((i) => p.mean[i]!),
      symbol: 'none',
      itemStyle: { color: '#3b5bdb' },
      lineStyle: { color: '#3b5bdb', width: 2 },
    },
  ];
  if (p.actual && p.actual.some((v) => v !== null)) {
    series.push({
      type: 'scatter',
      name: `${p.target} (actual)`,
      data: order.map((i, j) => [x[j]!, p.actual![i] ?? null]),
      symbolSize: 5,
      itemStyle: { color: '#e8590c' },
    });
  }
  return {
    animation: false,
    grid: { left: 64, right: 16, top: 30, bottom: 44 },
    legend: {
      top: 0,
      data: ['predictive mean', '95 % interval', ...(series.length > 3 ? [`${p.target} (actual)`] : [])],
      textStyle: { fontSize: 11 },
    },
    tooltip: {
      trigger: 'axis',
      formatter: (params: unknown) => {
        const j = (params as Array<{ dataIndex: number }>)[0]?.dataIndex ?? 0;
        const i = order[j]!;
        const a = p.actual?.[i];
        return `row ${p.rows[i]}<br/>mean ${p.mean[i]!.toPrecision(4)}<br/>95 %: ${p.lower[i]!.toPrecision(4)} … ${p.upper[i]!.toPrecision(4)}${a !== undefined && a !== null ? `<br/>actual ${a}` : ''}`;
      },
    },
    xAxis: {
      type: 'category',
      data: x,
      name: 'rows, ordered by predictive mean',
      ...AXIS_NAME,
      axisLabel: { show: false },
      axisTick: { show: false },
    },
    yAxis: { type: 'value', name: p.target, ...AXIS_NAME, nameGap: 46, scale: true },
    dataZoom: [{ type: 'inside', xAxisIndex: 0 }],
    series,
  };
}
