/**
 * Options for the VAE workbench charts (issue 4): KL per latent dimension, the latent map, one row's posterior
 * (density as a heatmap with iso-density contour levels, draws overlaid), a feature-wise interpolation chart and
 * overlaid training curves of several runs. Pure: data in, ECharts option out.
 */
import type { ChartOption } from '../echarts';

export const RUN_COLORS = ['#3b5bdb', '#e8590c', '#2b8a3e', '#c2255c', '#7048e8', '#0b7285', '#e67700', '#495057'];
export const runColor = (i: number): string => RUN_COLORS[i % RUN_COLORS.length]!;
const CAT = [
  '#4263eb',
  '#f76707',
  '#37b24d',
  '#f03e3e',
  '#ae3ec9',
  '#1098ad',
  '#fab005',
  '#868e96',
  '#d6336c',
  '#74b816',
  '#5c7cfa',
  '#ff922b',
];

const AXIS_NAME = {
  nameLocation: 'middle' as const,
  nameGap: 28,
  nameTextStyle: { color: '#495057', fontSize: 12 },
  axisLine: { onZero: false },
};
const round = (v: number): string =>
  Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(2) : v.toFixed(2);

/** KL(q ‖ p) per latent dimension, bars coloured active (≥ threshold) or inactive. */
export function klBarOption(kl: readonly number[], activity: readonly number[] | null, threshold = 0.01): ChartOption {
  const active = (i: number): boolean => (activity ? (activity[i] ?? 0) > threshold : (kl[i] ?? 0) > 0.01);
  return {
    animation: false,
    grid: { left: 56, right: 16, top: 16, bottom: 44 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => `${round(Number(v))} nats` },
    xAxis: {
      type: 'category',
      data: kl.map((_, i) => `z${i + 1}`),
      name: 'latent dimension',
      ...AXIS_NAME,
      axisLabel: { interval: kl.length > 24 ? 'auto' : 0, fontSize: 11 },
    },
    yAxis: { type: 'value', name: 'KL (nats)', ...AXIS_NAME, nameGap: 40 },
    series: [
      {
        type: 'bar',
        data: kl.map((v, i) => ({ value: v, itemStyle: { color: active(i) ? '#3b5bdb' : '#ced4da' } })),
        barMaxWidth: 36,
      },
    ],
  };
}

export interface LatentMapInput {
  points: ReadonlyArray<readonly [number, number]>;
  rows: readonly number[];
  axes: readonly [string, string];
  colors: ReadonlyArray<number | string> | null;
  colorKind: 'numeric' | 'categorical' | null;
  colorBy: string | null;
  /** Highlighted rows (picked for interpolation). */
  picked?: readonly number[];
  title?: string;
  /** Extra tooltip HTML for a row (e.g. its values), fetched on hover. */
  rowDetail?: (row: number) => Promise<string>;
}

/** Posterior means as a scatter; categorical colours become one series per level (a legend), numeric a colour scale. */
export function latentMapOption(m: LatentMapInput): ChartOption {
  const base = {
    animation: false,
    grid: {
      left: 56,
      right: m.colorKind === 'numeric' ? 80 : 16,
      top: m.colorKind === 'categorical' ? 40 : 16,
      bottom: 48,
    },
    xAxis: {
      type: 'value' as const,
      name: m.axes[0],
      ...AXIS_NAME,
      scale: true,
      splitLine: { lineStyle: { color: '#f1f3f5' } },
    },
    yAxis: {
      type: 'value' as const,
      name: m.axes[1],
      ...AXIS_NAME,
      nameGap: 40,
      scale: true,
      splitLine: { lineStyle: { color: '#f1f3f5' } },
    },
    tooltip: { trigger: 'item' as const },
    dataZoom: [
      { type: 'inside' as const, xAxisIndex: 0 },
      { type: 'inside' as const, yAxisIndex: 0 },
    ],
  };
  const pickedSeries = {
    type: 'scatter' as const,
    name: 'picked',
    data: (m.picked ?? []).flatMap((r, k) => {
      const i = m.rows.indexOf(r);
      return i >= 0
        ? [
            {
              value: [m.points[i]![0], m.points[i]![1], r],
              label: {
                show: true,
                formatter: k === 0 ? 'A' : 'B',
                position: 'top' as const,
                fontWeight: 'bold' as const,
              },
            },
          ]
        : [];
    }),
    symbolSize: 16,
    itemStyle: { color: 'transparent', borderColor: '#212529', borderWidth: 2 },
    z: 10,
    tooltip: { show: false },
  };
  const rowTip = (p: unknown, ticket?: string, callback?: (ticket: string, html: string) => void): string => {
    const v = (p as { value: [number, number, number, (number | string)?] }).value;
    const base = `row ${v[2]}${v[3] !== undefined ? `<br/>${m.colorBy}: ${String(v[3])}` : ''}<br/>(${round(v[0])}, ${round(v[1])})`;
    if (m.rowDetail && ticket !== undefined && callback)
      m.rowDetail(v[2]).then(
        (extra) => callback(ticket, `${base}<br/>${extra}`),
        () => {},
      );
    return base;
  };
  if (m.colorKind === 'categorical' && m.colors) {
    const levels = [...new Set(m.colors.map(String))].slice(0, 24);
    const byLevel = new Map(levels.map((l) => [l, [] as Array<[number, number, number, string]>]));
    m.points.forEach((p, i) => byLevel.get(String(m.colors![i]))?.push([p[0], p[1], m.rows[i]!, String(m.colors![i])]));
    return {
      ...base,
      tooltip: { trigger: 'item', formatter: rowTip },
      legend: { top: 4, type: 'scroll', data: levels, textStyle: { fontSize: 11 } },
      series: [
        ...levels.map((l, k) => ({
          type: 'scatter' as const,
          name: l,
          data: byLevel.get(l)!,
          symbolSize: 6,
          itemStyle: { color: CAT[k % CAT.length], opacity: 0.75 },
          large: true,
        })),
        pickedSeries,
      ],
    };
  }
  const data = m.points.map((p, i) => (m.colors ? [p[0], p[1], m.rows[i]!, m.colors[i]!] : [p[0], p[1], m.rows[i]!]));
  let lo = Infinity;
  let hi = -Infinity;
  if (m.colorKind === 'numeric' && m.colors)
    for (const c of m.colors)
      if (typeof c === 'number') {
        lo = Math.min(lo, c);
        hi = Math.max(hi, c);
      }
  return {
    ...base,
    tooltip: { trigger: 'item', formatter: rowTip },
    ...(m.colorKind === 'numeric'
      ? {
          visualMap: {
            type: 'continuous' as const,
            dimension: 3,
            min: lo,
            max: hi > lo ? hi : lo + 1,
            right: 4,
            top: 'middle' as const,
            itemHeight: 120,
            text: [String(m.colorBy), ''],
            textStyle: { fontSize: 11 },
            inRange: { color: ['#4c6ef5', '#e9ecef', '#f03e3e'] },
            seriesIndex: 0,
            calculable: false,
          },
        }
      : {}),
    series: [
      { type: 'scatter', data, symbolSize: 6, itemStyle: { color: '#3b5bdb', opacity: 0.7 }, large: true },
      pickedSeries,
    ],
  };
}

export interface PosteriorInput {
  x: readonly number[];
  y: readonly number[];
  /** Normalised density [y][x]. */
  density: ReadonlyArray<readonly number[]>;
  samples: ReadonlyArray<readonly [number, number]>;
  title?: string;
  /** Shared axis extents so two panels are comparable. */
  extent?: PosteriorExtent | null;
  /** Plot area in pixels (the chart size minus the grid margins), to size the density cells. */
  plot?: { w: number; h: number };
}

export interface PosteriorExtent {
  x: [number, number];
  y: [number, number];
}

/** The range a posterior grid covers (cell edges, not centres). */
export function posteriorExtent(p: Pick<PosteriorInput, 'x' | 'y'>): PosteriorExtent {
  const dx = p.x.length > 1 ? p.x[1]! - p.x[0]! : 1;
  const dy = p.y.length > 1 ? p.y[1]! - p.y[0]! : 1;
  return { x: [p.x[0]! - dx / 2, p.x[p.x.length - 1]! + dx / 2], y: [p.y[0]! - dy / 2, p.y[p.y.length - 1]! + dy / 2] };
}

/** The smallest range holding every panel's range (null when there is none). */
export function unionExtent(list: ReadonlyArray<PosteriorExtent | null | undefined>): PosteriorExtent | null {
  const got = list.filter((e): e is PosteriorExtent => !!e);
  if (got.length === 0) return null;
  return {
    x: [Math.min(...got.map((e) => e.x[0])), Math.max(...got.map((e) => e.x[1]))],
    y: [Math.min(...got.map((e) => e.y[0])), Math.max(...got.map((e) => e.y[1]))],
  };
}

/** Grid margins of the posterior chart (the panel subtracts them from its size). */
export const POSTERIOR_GRID = { left: 56, right: 16, top: 12, bottom: 48 };

/** Density of q(z | x) over (z₁, z₂) as a heatmap with the draws on top. */
export function posteriorOption(p: PosteriorInput): ChartOption {
  let max = 0;
  const cells: Array<[number, number, number]> = [];
  p.density.forEach((row, i) =>
    row.forEach((v, j) => {
      if (v > max) max = v;
      cells.push([p.x[j]!, p.y[i]!, v]);
    }),
  );
  const dx = p.x.length > 1 ? p.x[1]! - p.x[0]! : 1;
  const dy = p.y.length > 1 ? p.y[1]! - p.y[0]! : 1;
  const ext = p.extent ?? posteriorExtent(p);
  return {
    animation: false,
    grid: POSTERIOR_GRID,
    tooltip: {
      trigger: 'item',
      formatter: (q: unknown) => {
        const v = (q as { value: number[]; seriesIndex: number }).value;
        return `z₁ ${round(v[0]!)}, z₂ ${round(v[1]!)}${v.length > 2 ? `<br/>q ${round(v[2]!)}` : ''}`;
      },
    },
    xAxis: {
      type: 'value',
      name: 'z₁',
      ...AXIS_NAME,
      min: ext.x[0],
      max: ext.x[1],
      axisLabel: { formatter: (v: number) => round2(v).toString(), showMinLabel: false, showMaxLabel: false },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      name: 'z₂',
      ...AXIS_NAME,
      nameGap: 40,
      min: ext.y[0],
      max: ext.y[1],
      axisLabel: { formatter: (v: number) => round2(v).toString(), showMinLabel: false, showMaxLabel: false },
      splitLine: { show: false },
    },
    dataZoom: [
      { type: 'inside', xAxisIndex: 0 },
      { type: 'inside', yAxisIndex: 0 },
    ],
    visualMap: { type: 'piecewise', show: false, dimension: 2, seriesIndex: 0, pieces: contourPieces(max) },
    series: [
      {
        type: 'scatter',
        name: 'density',
        data: cells,
        symbol: 'rect',
        symbolSize: [
          Math.ceil(((p.plot?.w ?? 400) * dx) / Math.max(1e-12, ext.x[1] - ext.x[0])) + 1,
          Math.ceil(((p.plot?.h ?? 240) * dy) / Math.max(1e-12, ext.y[1] - ext.y[0])) + 1,
        ],
        itemStyle: { opacity: 1 },
        large: false,
      },
      {
        type: 'scatter',
        name: 'draws',
        data: p.samples.map((s) => [s[0], s[1]]),
        symbolSize: 3,
        itemStyle: { color: 'rgba(20,20,20,0.55)' },
        z: 5,
      },
    ],
  };
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Contour bands: density levels at fractions of the maximum, coloured light to dark. */
function contourPieces(max: number): Array<{ gte?: number; lt?: number; color: string }> {
  const f = [0.02, 0.1, 0.25, 0.45, 0.65, 0.85];
  const colors = ['#edf2ff', '#dbe4ff', '#bac8ff', '#91a7ff', '#748ffc', '#5c7cfa', '#4263eb'];
  const out: Array<{ gte?: number; lt?: number; color: string }> = [{ lt: f[0]! * max, color: 'rgba(255,255,255,0)' }];
  for (let i = 0; i < f.length; i++)
    out.push({ gte: f[i]! * max, ...(i + 1 < f.length ? { lt: f[i + 1]! * max } : {}), color: colors[i + 1]! });
  return out;
}

/** Decoded features along the interpolation path: one line per feature over t (at most 24 features drawn). */
export function interpolationLinesOption(
  t: readonly number[],
  decoded: ReadonlyArray<readonly number[]>,
  features: readonly string[],
  at: number | null,
): ChartOption {
  const d = Math.min(features.length, 24);
  return {
    animation: false,
    grid: { left: 56, right: 120, top: 12, bottom: 44 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => round(Number(v)) },
    legend: { type: 'scroll', orient: 'vertical', right: 0, top: 8, bottom: 8, textStyle: { fontSize: 11 } },
    xAxis: { type: 'value', min: 0, max: 1, name: 't along the path', ...AXIS_NAME },
    yAxis: { type: 'value', name: 'decoded value', ...AXIS_NAME, nameGap: 40, scale: true },
    series: Array.from({ length: d }, (_, j) => ({
      type: 'line' as const,
      name: features[j]!,
      showSymbol: false,
      data: t.map((ti, i) => [ti, decoded[i]![j]!]),
      ...(j === 0 && at !== null
        ? {
            markLine: {
              silent: true,
              symbol: 'none',
              lineStyle: { color: '#212529', type: 'dashed' as const },
              data: [{ xAxis: at }],
              label: { show: false },
            },
          }
        : {}),
    })),
  };
}

export interface CompareCurve {
  label: string;
  color: string;
  /** [x, y] pairs. */
  train: Array<[number, number]>;
  val: Array<[number, number]>;
}

/** Training (solid) and validation (dashed) curves of several runs overlaid; `twinLabel` names the dashed ones. */
export function compareCurvesOption(
  curves: readonly CompareCurve[],
  xName: string,
  yName: string,
  twinLabel = 'validation',
): ChartOption {
  return {
    animation: false,
    grid: { left: 64, right: 16, top: 40, bottom: 48 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => round(Number(v)) },
    legend: { top: 4, type: 'scroll', textStyle: { fontSize: 11 } },
    xAxis: { type: 'value', name: xName, ...AXIS_NAME, scale: true },
    yAxis: { type: 'value', name: yName, ...AXIS_NAME, nameGap: 48, scale: true },
    dataZoom: [{ type: 'inside', xAxisIndex: 0 }],
    series: curves.flatMap((c) => [
      ...(c.train.length
        ? [
            {
              type: 'line' as const,
              name: `${c.label} train`,
              data: c.train,
              showSymbol: c.train.length < 40,
              symbolSize: 4,
              lineStyle: { color: c.color, width: 2 },
              itemStyle: { color: c.color },
            },
          ]
        : []),
      ...(c.val.length
        ? [
            {
              type: 'line' as const,
              name: `${c.label} ${twinLabel}`,
              data: c.val,
              showSymbol: c.val.length < 40,
              symbolSize: 4,
              lineStyle: { color: c.color, width: 2, type: 'dashed' as const },
              itemStyle: { color: c.color },
            },
          ]
        : []),
    ]),
  };
}

/** One feature's reconstruction error (see lib/artifacts.ts columnErrors). */
export interface FeatureError {
  name: string;
  kind: 'numeric' | 'categorical';
  error: number;
  relative: number | null;
  rows: number;
}

/**
 * Reconstruction error per feature of a table, comparable across features: a numeric feature's bar is its RMSE ÷ the
 * column's sd (labelled with the RMSE in the column's own units), a categorical feature's bar the share of rows whose
 * most probable level is wrong.
 */
export function featureErrorOption(errors: readonly FeatureError[], fmt: (v: number) => string): ChartOption {
  const bar = (e: FeatureError): number => (e.kind === 'categorical' ? e.error : (e.relative ?? 0));
  const text = (e: FeatureError): string =>
    e.kind === 'categorical'
      ? `${Math.round(e.error * e.rows)}/${e.rows} wrong`
      : `RMSE ${fmt(e.error)}${e.relative === null ? '' : ` (${fmt(e.relative)} sd)`}`;
  return {
    animation: false,
    grid: { left: 110, right: 150, top: 28, bottom: 36 },
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        const e = errors[(p as { dataIndex: number }).dataIndex];
        return e ? `${e.name}: ${text(e)} over ${e.rows} rows` : '';
      },
    },
    xAxis: {
      type: 'value',
      name: 'error ÷ column sd (numeric) · share wrong (categorical)',
      nameLocation: 'middle',
      nameGap: 24,
      min: 0,
      axisLabel: { color: '#495057' },
      splitLine: { lineStyle: { color: '#eef0f3' } },
    },
    yAxis: {
      type: 'category',
      inverse: true,
      data: errors.map((e) => e.name),
      axisLabel: { color: '#495057', width: 100, overflow: 'truncate' },
    },
    series: [
      {
        type: 'bar',
        data: errors.map((e) => ({
          value: bar(e),
          itemStyle: { color: e.kind === 'categorical' ? '#e8590c' : '#3b5bdb' },
        })),
        barMaxWidth: 18,
        label: { show: true, position: 'right', color: '#495057', formatter: (p) => text(errors[p.dataIndex]!) },
      },
    ],
  };
}
