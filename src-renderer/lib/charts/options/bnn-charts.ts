/**
 * Charts of a Bayesian neural network run (pure: data in, ECharts option out):
 *   bnnLossOption        minibatch loss and per-epoch loss against the step, validation log-likelihood on a 2nd axis;
 *   predictedVsActualOption  test targets against the predictive mean with the central interval as error bars;
 *   reliabilityOption    classification: accuracy against confidence per bin, with the diagonal;
 *   coverageOption       observed share of test targets inside the central intervals against the nominal level;
 *   bandOption           the predictive mean over one feature with ±2 sd bands (total and epistemic), training points
 *                        overlaid and the stretches without training data shaded.
 */
import type { LineSeriesOption, ScatterSeriesOption } from 'echarts/charts';
import type { ChartOption } from '../echarts';
import type { BnnBand } from '../../../../src-shared/domain/bnn';
import { emaSmooth, forLogAxis, logAxisNote } from './curve-view';

type Series = LineSeriesOption | ScatterSeriesOption;
type Pt = [number, number | '-'];

export const BNN_COLORS = {
  mean: '#3b5bdb',
  total: '#c5d0fa',
  epistemic: '#7f95ef',
  points: '#495057',
  nodata: 'rgba(232, 89, 12, 0.09)',
  val: '#e8590c',
  other: '#2f9e44',
};

export interface Curve {
  step: readonly number[];
  value: readonly number[];
}

function pairs(c: Curve | undefined): [number, number][] {
  if (!c) return [];
  const out: [number, number][] = [];
  for (let i = 0; i < c.step.length; i++) {
    const x = c.step[i];
    const y = c.value[i];
    if (x !== undefined && y !== undefined && Number.isFinite(y)) out.push([x, y]);
  }
  return out;
}

/** [lo, hi] widened to round numbers (so the axis' end labels are round too). */
export function niceRange(lo: number, hi: number): { min: number; max: number; interval: number } {
  const span = Math.max(hi - lo, 1e-12);
  const unit = 10 ** Math.floor(Math.log10(span / 4));
  const step = [1, 2, 5, 10].map((m) => m * unit).find((u) => span / u <= 8) ?? 10 * unit;
  return {
    min: Number((Math.floor(lo / step) * step).toPrecision(12)),
    max: Number((Math.ceil(hi / step) * step).toPrecision(12)),
    interval: step,
  };
}

const fmt = (v: number): string =>
  Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(2) : String(Number(v.toPrecision(4)));

export function bnnLossOption(input: BnnLossInput): ChartOption {
  return bnnLossView(input).option;
}

export interface BnnLossInput {
  loss?: Curve;
  epochLoss?: Curve;
  valLogLik?: Curve;
  totalSteps?: number | null;
  /** EMA weight in [0, 0.99] for the minibatch loss; 0 = off. */
  smoothing?: number;
  /** Log-scale loss axis (of −loss when every value is negative); the validation axis stays linear. */
  log?: boolean;
}

/** The loss chart and a sentence saying what it shows when smoothed or on a log axis ('' otherwise). */
export function bnnLossView(input: BnnLossInput): { option: ChartOption; note: string } {
  let loss: [number, number][] = pairs(input.loss);
  let epochLoss: [number, number][] = pairs(input.epochLoss);
  const val = pairs(input.valLogLik);
  const w = Math.min(Math.max(input.smoothing ?? 0, 0), 0.99);
  let smooth: [number, number][] = w > 0 ? emaSmooth(loss, w) : [];
  const notes: string[] = [];
  if (w > 0)
    notes.push(`Minibatch loss smoothed by a debiased moving average (weight ${w.toFixed(2)}); the faint line is raw.`);
  let lossName = 'loss (nats / row)';
  if (input.log) {
    const v = forLogAxis([loss, epochLoss, smooth]);
    [loss, epochLoss, smooth] = v.points as [[number, number][], [number, number][], [number, number][]];
    notes.push(logAxisNote(v, 'the loss'));
    lossName = v.negated ? '−loss (nats / row, log)' : 'loss (nats / row, log)';
  }
  // Robust y range for the loss: skip the first 10 % of steps (the start is far above the rest).
  const later = [...loss, ...epochLoss]
    .filter(([x]) => x > 0.1 * Math.max(1, ...loss.map(([s]) => s)))
    .map(([, y]) => y);
  const yMax = later.length > 5 ? Math.max(...later) : undefined;
  const yMin = later.length > 5 ? Math.min(...later) : undefined;
  const pad = yMax !== undefined && yMin !== undefined ? 0.15 * Math.max(yMax - yMin, 1e-6) : 0;
  const option: ChartOption = {
    animation: false,
    grid: { left: 64, right: 64, top: 36, bottom: 40 },
    legend: {
      top: 0,
      data: ['Minibatch loss', ...(w > 0 ? ['Smoothed loss'] : []), 'Epoch loss', 'Validation log-lik.'],
    },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? fmt(v) : String(v)) },
    xAxis: {
      type: 'value',
      axisLine: { onZero: false },
      name: 'step',
      nameLocation: 'middle',
      nameGap: 26,
      min: 0,
      axisLabel: { showMaxLabel: false },
      // The whole run while it trains; afterwards the data's extent (an early-stopped run ends before its last epoch).
      max: input.totalSteps ? input.totalSteps : 'dataMax',
    },
    yAxis: [
      input.log
        ? { type: 'log' as const, axisLine: { onZero: false }, name: lossName }
        : {
            type: 'value' as const,
            axisLine: { onZero: false },
            name: lossName,
            scale: true,
            ...(yMax !== undefined && yMin !== undefined ? niceRange(yMin - pad, yMax + pad) : {}),
          },
      { type: 'value', axisLine: { onZero: false }, name: 'val. log-lik.', scale: true, splitLine: { show: false } },
    ],
    series: [
      {
        name: 'Minibatch loss',
        type: 'line',
        data: loss,
        showSymbol: false,
        lineStyle: { width: 1, color: '#a5b4e6', opacity: w > 0 ? 0.35 : 1 },
        itemStyle: { color: '#a5b4e6' },
      },
      ...(w > 0
        ? [
            {
              name: 'Smoothed loss',
              type: 'line' as const,
              data: smooth,
              showSymbol: false,
              lineStyle: { width: 1.5, color: '#5c7cfa' },
              itemStyle: { color: '#5c7cfa' },
            },
          ]
        : []),
      {
        name: 'Epoch loss',
        type: 'line',
        data: epochLoss,
        showSymbol: epochLoss.length < 60,
        symbolSize: 4,
        lineStyle: { width: 2, color: BNN_COLORS.mean },
        itemStyle: { color: BNN_COLORS.mean },
      },
      {
        name: 'Validation log-lik.',
        type: 'line',
        yAxisIndex: 1,
        data: val,
        showSymbol: val.length < 60,
        symbolSize: 4,
        lineStyle: { width: 2, color: BNN_COLORS.val },
        itemStyle: { color: BNN_COLORS.val },
      },
    ],
  };
  return { option, note: notes.join(' ') };
}

export interface PvaPoint {
  actual: number;
  predicted: number;
  lower: number;
  upper: number;
}

export function predictedVsActualOption(points: readonly PvaPoint[], level: number, target: string): ChartOption {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    lo = Math.min(lo, p.actual, p.lower);
    hi = Math.max(hi, p.actual, p.upper);
  }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  const pad = 0.04 * (hi - lo || 1);
  const a = lo - pad;
  const b = hi + pad;
  const bars: Pt[] = [];
  for (const p of points) bars.push([p.actual, p.lower], [p.actual, p.upper], [p.actual, '-']);
  return {
    animation: false,
    grid: { left: 70, right: 24, top: 36, bottom: 48 },
    legend: { top: 0, data: ['Predictive mean', `${Math.round(level * 100)} % interval`] },
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        const d = (p as { data?: unknown }).data;
        return Array.isArray(d) && typeof d[0] === 'number' && typeof d[1] === 'number'
          ? `actual ${fmt(d[0])}<br>predicted ${fmt(d[1])}`
          : '';
      },
    },
    xAxis: {
      type: 'value',
      axisLine: { onZero: false },
      name: `actual ${target}`,
      nameLocation: 'middle',
      nameGap: 28,
      ...niceRange(a, b),
    },
    yAxis: {
      type: 'value',
      axisLine: { onZero: false },
      name: `predicted ${target}`,
      nameLocation: 'middle',
      nameGap: 40,
      ...niceRange(a, b),
    },
    series: [
      {
        name: `${Math.round(level * 100)} % interval`,
        type: 'line',
        data: bars,
        connectNulls: false,
        showSymbol: false,
        lineStyle: { width: 1, color: '#9fb0ee' },
        itemStyle: { color: '#9fb0ee' },
        silent: true,
      },
      {
        name: 'y = x',
        type: 'line',
        data: [
          [a, a],
          [b, b],
        ],
        showSymbol: false,
        lineStyle: { type: 'dashed', color: '#868e96', width: 1 },
        itemStyle: { color: '#868e96' },
        silent: true,
      },
      {
        name: 'Predictive mean',
        type: 'scatter',
        data: points.map((p) => [p.actual, p.predicted]),
        symbolSize: 5,
        itemStyle: { color: BNN_COLORS.mean },
      },
    ],
  };
}

export function reliabilityOption(
  bins: ReadonlyArray<{ lower: number; upper: number; count: number; confidence: number; accuracy: number }>,
  ece: number,
): ChartOption {
  const used = bins.filter((b) => b.count > 0);
  return {
    animation: false,
    grid: { left: 56, right: 24, top: 36, bottom: 48 },
    legend: { top: 0, data: ['Accuracy per bin', 'Perfect calibration'] },
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        const d = (p as { data?: unknown }).data;
        return Array.isArray(d) && typeof d[0] === 'number' && typeof d[1] === 'number'
          ? `confidence ${fmt(d[0])}<br>accuracy ${fmt(d[1])}<br>rows ${String(d[2] ?? '')}`
          : '';
      },
    },
    xAxis: {
      type: 'value',
      axisLine: { onZero: false },
      name: `confidence (ECE ${ece.toFixed(3)})`,
      nameLocation: 'middle',
      nameGap: 28,
      min: 0,
      max: 1,
    },
    yAxis: {
      type: 'value',
      axisLine: { onZero: false },
      name: 'accuracy',
      nameLocation: 'middle',
      nameGap: 36,
      min: 0,
      max: 1,
    },
    series: [
      {
        name: 'Perfect calibration',
        type: 'line',
        data: [
          [0, 0],
          [1, 1],
        ],
        showSymbol: false,
        lineStyle: { type: 'dashed', color: '#868e96', width: 1 },
        itemStyle: { color: '#868e96' },
        silent: true,
      },
      {
        name: 'Accuracy per bin',
        type: 'line',
        data: used.map((b) => [b.confidence, b.accuracy, b.count]),
        symbolSize: (v: unknown) =>
          Array.isArray(v) && typeof v[2] === 'number' ? Math.max(5, Math.min(18, 4 + Math.sqrt(v[2]))) : 6,
        lineStyle: { color: BNN_COLORS.mean },
        itemStyle: { color: BNN_COLORS.mean },
      },
    ],
  };
}

export interface CoverageSeries {
  name: string;
  points: ReadonlyArray<{ nominal: number; observed: number }>;
  color?: string;
}

export function coverageOption(
  series: readonly CoverageSeries[],
  highlight: readonly number[] = [0.5, 0.9, 0.95],
): ChartOption {
  const out: Series[] = [
    {
      name: 'Nominal = observed',
      type: 'line',
      data: [
        [0, 0],
        [1, 1],
      ],
      showSymbol: false,
      lineStyle: { type: 'dashed', color: '#868e96', width: 1 },
      itemStyle: { color: '#868e96' },
      silent: true,
    },
  ];
  for (const [k, s] of series.entries()) {
    const color = s.color ?? (k === 0 ? BNN_COLORS.mean : BNN_COLORS.other);
    out.push({
      name: s.name,
      type: 'line',
      data: s.points.map((p) => ({
        value: [p.nominal, p.observed],
        symbolSize: highlight.some((h) => Math.abs(h - p.nominal) < 1e-9) ? 10 : 5,
      })),
      lineStyle: { color },
      itemStyle: { color },
    });
  }
  return {
    animation: false,
    grid: { left: 56, right: 24, top: 36, bottom: 48 },
    legend: { top: 0 },
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        const d = (p as { value?: unknown }).value;
        return Array.isArray(d) && typeof d[0] === 'number' && typeof d[1] === 'number'
          ? `${(p as { seriesName?: string }).seriesName ?? ''}<br>nominal ${Math.round(d[0] * 100)} %<br>observed ${(d[1] * 100).toFixed(1)} %`
          : '';
      },
    },
    xAxis: {
      type: 'value',
      axisLine: { onZero: false },
      name: 'nominal level of the central interval',
      nameLocation: 'middle',
      nameGap: 28,
      min: 0,
      max: 1,
    },
    yAxis: {
      type: 'value',
      axisLine: { onZero: false },
      name: 'share of test targets inside',
      nameLocation: 'middle',
      nameGap: 36,
      min: 0,
      max: 1,
    },
    series: out,
  };
}

/** Grid indices without training data nearby: farther than `share` of the data range from every training value. */
export function awayFromData(band: Pick<BnnBand, 'nearestData' | 'dataRange'>, share = 0.03): boolean[] {
  const span = band.dataRange[1] - band.dataRange[0] || 1;
  return band.nearestData.map((d) => d > share * span);
}

export interface BandStyle {
  /** Draw training points (can be many). */
  showPoints?: boolean;
  /** Fixed y range, to draw two runs on the same scale. */
  yRange?: [number, number];
}

/** y range covering the total ±2 sd band of a regression band (and its points). */
export function bandYRange(band: BnnBand): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  const m = band.mean ?? [];
  const sd = band.sd ?? [];
  for (let i = 0; i < m.length; i++) {
    lo = Math.min(lo, m[i]! - 2 * sd[i]!);
    hi = Math.max(hi, m[i]! + 2 * sd[i]!);
  }
  for (const y of band.points.y) {
    lo = Math.min(lo, y);
    hi = Math.max(hi, y);
  }
  if (!Number.isFinite(lo)) return [0, 1];
  const pad = 0.05 * (hi - lo || 1);
  return [lo - pad, hi + pad];
}

/** Regression: mean line, ±2 sd bands (total, epistemic), points, shaded no-data stretches. Classification: p̄ ± 2 sd per class. */
export function bandOption(band: BnnBand, style: BandStyle = {}): ChartOption {
  const x = band.x;
  const away = awayFromData(band);
  const xMin = x[0] ?? 0;
  const xMax = x[x.length - 1] ?? 1;
  const series: Series[] = [];
  let yAxis: ChartOption['yAxis'];
  const legend: string[] = [];
  if (band.task === 'regression' && band.mean && band.sd && band.epistemicSd) {
    const [yr0, yr1] = style.yRange ?? bandYRange(band);
    const yr = niceRange(yr0, yr1);
    const y1 = yr.max;
    const m = band.mean;
    const sd = band.sd;
    const ep = band.epistemicSd;
    // "No training data": filled from the axis bottom up to the top where the grid is away from the data.
    series.push({
      name: 'No training data',
      type: 'line',
      data: x.map((v, i): Pt => [v, away[i] ? y1 : '-']),
      connectNulls: false,
      showSymbol: false,
      lineStyle: { width: 0, opacity: 0 },
      itemStyle: { color: 'rgba(232, 89, 12, 0.35)' },
      areaStyle: { color: BNN_COLORS.nodata, origin: 'start' },
      silent: true,
      z: 0,
    });
    const stacked = (
      name: string,
      stack: string,
      lower: number[],
      upper: number[],
      color: string,
      z: number,
    ): Series[] => [
      {
        name: `${name}-base`,
        type: 'line',
        stack,
        stackStrategy: 'all',
        data: x.map((v, i) => [v, lower[i]!]),
        showSymbol: false,
        lineStyle: { opacity: 0 },
        silent: true,
        z,
        tooltip: { show: false },
      },
      {
        name,
        type: 'line',
        stack,
        stackStrategy: 'all',
        data: x.map((v, i) => [v, upper[i]! - lower[i]!]),
        showSymbol: false,
        lineStyle: { opacity: 0 },
        itemStyle: { color },
        areaStyle: { color, opacity: 1 },
        silent: true,
        z,
        tooltip: { show: false },
      },
    ];
    series.push(
      ...stacked(
        'Total ±2 sd',
        'total',
        m.map((v, i) => v - 2 * sd[i]!),
        m.map((v, i) => v + 2 * sd[i]!),
        BNN_COLORS.total,
        1,
      ),
    );
    series.push(
      ...stacked(
        'Epistemic ±2 sd',
        'epi',
        m.map((v, i) => v - 2 * ep[i]!),
        m.map((v, i) => v + 2 * ep[i]!),
        BNN_COLORS.epistemic,
        2,
      ),
    );
    if (style.showPoints !== false && band.points.x.length > 0) {
      series.push({
        name: 'Training data',
        type: 'scatter',
        data: band.points.x.map((v, i) => [v, band.points.y[i]!]),
        symbolSize: 3,
        itemStyle: { color: BNN_COLORS.points, opacity: 0.45 },
        silent: true,
        z: 3,
      });
    }
    series.push({
      name: 'Predictive mean',
      type: 'line',
      data: x.map((v, i) => [v, m[i]!]),
      showSymbol: false,
      lineStyle: { width: 2, color: BNN_COLORS.mean },
      itemStyle: { color: BNN_COLORS.mean },
      z: 4,
    });
    legend.push('Predictive mean', 'Epistemic ±2 sd', 'Total ±2 sd', 'Training data', 'No training data');
    yAxis = {
      type: 'value',
      axisLine: { onZero: false },
      name: band.target,
      nameLocation: 'middle',
      nameGap: 40,
      ...yr,
    };
  } else {
    const classes = band.classes ?? [];
    const palette = ['#3b5bdb', '#e8590c', '#2f9e44', '#ae3ec9', '#f08c00', '#0c8599', '#c2255c', '#5c940d'];
    series.push({
      name: 'No training data',
      type: 'line',
      data: x.map((v, i): Pt => [v, away[i] ? 1 : '-']),
      connectNulls: false,
      showSymbol: false,
      lineStyle: { width: 0, opacity: 0 },
      itemStyle: { color: 'rgba(232, 89, 12, 0.35)' },
      areaStyle: { color: BNN_COLORS.nodata, origin: 'start' },
      silent: true,
      z: 0,
    });
    classes.forEach((c, k) => {
      const color = palette[k % palette.length]!;
      const p = (band.probs ?? []).map((r) => r[k]!);
      const s = (band.probSd ?? []).map((r) => r[k]!);
      const lo = p.map((v, i) => Math.max(0, v - 2 * s[i]!));
      const hi = p.map((v, i) => Math.min(1, v + 2 * s[i]!));
      series.push(
        {
          name: `p(${c})-base`,
          type: 'line',
          stack: `c${k}`,
          stackStrategy: 'all',
          data: x.map((v, i) => [v, lo[i]!]),
          showSymbol: false,
          lineStyle: { opacity: 0 },
          silent: true,
          tooltip: { show: false },
        },
        {
          name: `p(${c}) ±2 sd`,
          type: 'line',
          stack: `c${k}`,
          stackStrategy: 'all',
          data: x.map((v, i) => [v, hi[i]! - lo[i]!]),
          showSymbol: false,
          lineStyle: { opacity: 0 },
          itemStyle: { color },
          areaStyle: { color, opacity: 0.18 },
          silent: true,
          tooltip: { show: false },
        },
        {
          name: `p(${c})`,
          type: 'line',
          data: x.map((v, i) => [v, p[i]!]),
          showSymbol: false,
          lineStyle: { width: 2, color },
          itemStyle: { color },
        },
      );
      legend.push(`p(${c})`);
    });
    legend.push('No training data');
    yAxis = {
      type: 'value',
      axisLine: { onZero: false },
      name: 'class probability',
      nameLocation: 'middle',
      nameGap: 36,
      min: 0,
      max: 1,
    };
  }
  return {
    animation: false,
    grid: { left: 70, right: 24, top: 48, bottom: 48 },
    legend: { top: 0, data: legend, itemGap: 8, itemWidth: 18, textStyle: { fontSize: 11 } },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? fmt(v) : String(v)) },
    xAxis: {
      type: 'value',
      axisLine: { onZero: false },
      name: band.feature,
      nameLocation: 'middle',
      nameGap: 28,
      min: xMin,
      max: xMax,
      axisLabel: { showMinLabel: false, showMaxLabel: false },
    },
    yAxis,
    series,
  };
}
