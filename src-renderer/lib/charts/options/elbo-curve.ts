/**
 * ELBO over training: the minibatch ELBO per step as a light line, and train / validation ELBO per epoch as lines
 * with markers, all against the optimiser step. Pure: data in, ECharts option out.
 */
import type { ChartOption } from '../echarts';
import { emaSmooth, forLogAxis, logAxisNote, type Point } from './curve-view';

export interface CurveData {
  step: readonly number[];
  epoch: readonly number[];
  value: readonly number[];
}

export interface ElboCurveInput {
  stepElbo?: CurveData;
  trainElbo?: CurveData;
  valElbo?: CurveData;
  totalSteps?: number | null;
  /** Keep the first, far-off values from flattening the rest of the curve. */
  robust?: boolean;
  accent?: string;
  /** EMA weight in [0, 0.99] for the minibatch ELBO (TensorBoard's smoothing); 0 = off. */
  smoothing?: number;
  /** Log-scale y axis (of −ELBO when every value is negative). */
  log?: boolean;
}

const ACCENT = '#3b5bdb';
const VAL = '#e8590c';
const STEP = '#a5b4e6';
const SMOOTH = '#5c7cfa';

function pairs(d: CurveData | undefined): [number, number][] {
  if (!d) return [];
  const out: [number, number][] = [];
  for (let i = 0; i < d.step.length; i++) {
    const x = d.step[i];
    const y = d.value[i];
    if (x !== undefined && y !== undefined && Number.isFinite(y)) out.push([x, y]);
  }
  return out;
}

/**
 * A lower y bound that skips the start of training: the ELBO begins far below where it ends, which would flatten the
 * rest of the curve. Uses the values after the first 10% of steps (at least one epoch's worth when given).
 */
export function robustMin(points: [number, number][], skipUntil?: number): number | undefined {
  if (points.length < 10) return undefined;
  let xMax = -Infinity;
  let yMin = Infinity;
  for (const [x, y] of points) {
    if (x > xMax) xMax = x;
    if (y < yMin) yMin = y;
  }
  const cut = Math.max(0.1 * xMax, skipUntil ?? 0);
  const later = points.filter(([x]) => x > cut).map(([, y]) => y);
  if (later.length < 3) return undefined;
  const lo = Math.min(...later);
  const hi = Math.max(...later);
  const bound = lo - 0.15 * Math.max(hi - lo, Math.abs(hi) * 0.01, 1e-9);
  if (!(bound > yMin)) return undefined;
  // A round number keeps the axis labels readable.
  const unit = 10 ** Math.floor(Math.log10(Math.max(hi - bound, 1e-12)));
  return Math.floor(bound / unit) * unit;
}

export function elboCurveOption(input: ElboCurveInput): ChartOption {
  return elboCurveView(input).option;
}

/** The chart and a sentence saying what it shows when smoothed or on a log axis ('' otherwise). */
export function elboCurveView(input: ElboCurveInput): { option: ChartOption; note: string } {
  let step: Point[] = pairs(input.stepElbo);
  let train: Point[] = pairs(input.trainElbo);
  let val: Point[] = pairs(input.valElbo);
  const w = Math.min(Math.max(input.smoothing ?? 0, 0), 0.99);
  let smooth: Point[] = w > 0 ? emaSmooth(step, w) : [];
  const notes: string[] = [];
  if (w > 0)
    notes.push(`Minibatch ELBO smoothed by a debiased moving average (weight ${w.toFixed(2)}); the faint line is raw.`);
  let yName = 'ELBO (nats, higher is better)';
  if (input.log) {
    const v = forLogAxis([step, train, val, smooth]);
    [step, train, val, smooth] = v.points as [Point[], Point[], Point[], Point[]];
    notes.push(logAxisNote(v, 'ELBO'));
    yName = v.negated ? '−ELBO (nats, log scale, lower is better)' : 'ELBO (nats, log scale)';
  }
  // Skip at least the first epoch: its end is where the first train/validation markers sit.
  const firstEpochEnd = train[0]?.[0] ?? val[0]?.[0];
  const yMin = input.robust === false || input.log ? undefined : robustMin([...step, ...train, ...val], firstEpochEnd);
  const accent = input.accent ?? ACCENT;
  const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4));
  const legend = ['minibatch ELBO', ...(w > 0 ? ['minibatch ELBO (smoothed)'] : []), 'train ELBO', 'validation ELBO'];

  const option: ChartOption = {
    animation: false,
    grid: { left: 64, right: 24, top: 36, bottom: 44 },
    legend: {
      top: 0,
      right: 8,
      data: legend,
      textStyle: { color: '#495057' },
    },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'line' },
      valueFormatter: (v) => (typeof v === 'number' ? fmt(v) : String(v)),
    },
    xAxis: {
      type: 'value',
      name: 'step',
      nameLocation: 'middle',
      nameGap: 28,
      min: 0,
      // The whole run while it trains (progress at a glance); the data's extent afterwards.
      max: input.totalSteps && input.totalSteps > 0 ? input.totalSteps : 'dataMax',
      axisLine: { lineStyle: { color: '#adb5bd' } },
      // The maximum is rarely a round number; its label would collide with the last round tick.
      axisLabel: { color: '#495057', showMaxLabel: false },
      splitLine: { show: false },
    },
    yAxis: {
      type: input.log ? 'log' : 'value',
      name: yName,
      nameTextStyle: { color: '#495057', align: 'left' },
      scale: true,
      min: yMin,
      axisLabel: { color: '#495057' },
      splitLine: { lineStyle: { color: '#eef0f3' } },
    },
    series: [
      {
        name: 'minibatch ELBO',
        type: 'line',
        data: step,
        showSymbol: false,
        lineStyle: { width: 1, color: STEP, opacity: w > 0 ? 0.35 : 0.8 },
        itemStyle: { color: STEP },
        sampling: 'lttb',
        z: 1,
      },
      ...(w > 0
        ? [
            {
              name: 'minibatch ELBO (smoothed)',
              type: 'line' as const,
              data: smooth,
              showSymbol: false,
              lineStyle: { width: 1.5, color: SMOOTH },
              itemStyle: { color: SMOOTH },
              sampling: 'lttb' as const,
              z: 2,
            },
          ]
        : []),
      {
        name: 'train ELBO',
        type: 'line',
        data: train,
        symbol: 'circle',
        symbolSize: 7,
        lineStyle: { width: 2, color: accent },
        itemStyle: { color: accent },
        z: 3,
      },
      {
        name: 'validation ELBO',
        type: 'line',
        data: val,
        symbol: 'diamond',
        symbolSize: 8,
        lineStyle: { width: 2, color: VAL, type: 'dashed' },
        itemStyle: { color: VAL },
        z: 4,
      },
    ],
  };
  return { option, note: notes.join(' ') };
}
