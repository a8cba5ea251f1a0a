/**
 * Charts of a Bayesian regression's coefficients in original units (views/Run/GlmRunPanel.svelte and the compare
 * view): a forest plot (mean, 90 % and 95 % intervals per coefficient, one row per posterior), and pair plots of two
 * coefficients with each posterior's contours — the 1σ and 2σ ellipses of the Gaussian fitted to its draws (or of an
 * exact Gaussian), which hold 39 % and 86 % of a bivariate normal's mass — with the reference posterior's draws
 * scattered behind them. Pure: data in, ECharts option out.
 */
import type { ChartOption } from '../echarts';
import type { CoefficientRow } from '../../../../src-shared/domain/reference';
import type { GlmPredictiveCheck } from '../../../../src-shared/domain/artifacts';

/** One posterior over the coefficients: a variational family's or the reference's. */
export interface CoefficientSet {
  label: string;
  color: string;
  rows: CoefficientRow[];
  /** Draws in original units, row-major [n, rows.length]. */
  draws?: { n: number; values: ArrayLike<number> } | null;
  /** An exact Gaussian in original units (mean [K], covariance row-major [K, K]). */
  gaussian?: { mean: ArrayLike<number>; cov: ArrayLike<number> } | null;
  /** Scatter the draws (the reference) rather than draw contours. */
  scatter?: boolean;
}

export const FAMILY_COLORS = ['#3b5bdb', '#e8590c', '#2b8a3e', '#c2255c', '#7048e8', '#0b7285'];
export const REFERENCE_COLOR = '#495057';

/** Mean and covariance of coordinates i and j of draws [n, K]. */
export function pairMoments(
  draws: { n: number; values: ArrayLike<number> },
  K: number,
  i: number,
  j: number,
): { mean: [number, number]; cov: [number, number, number] } {
  const n = draws.n;
  if (n < 2) throw new RangeError(`Expected at least 2 draws for a pair plot, got ${n}`);
  let mi = 0;
  let mj = 0;
  for (let s = 0; s < n; s++) {
    mi += draws.values[s * K + i]! / n;
    mj += draws.values[s * K + j]! / n;
  }
  let vii = 0;
  let vjj = 0;
  let vij = 0;
  for (let s = 0; s < n; s++) {
    const a = draws.values[s * K + i]! - mi;
    const b = draws.values[s * K + j]! - mj;
    vii += (a * a) / (n - 1);
    vjj += (b * b) / (n - 1);
    vij += (a * b) / (n - 1);
  }
  return { mean: [mi, mj], cov: [vii, vij, vjj] };
}

/**
 * The ellipse {m + r·L u : |u| = 1} of a 2-D Gaussian with covariance [[a, b], [b, c]] (L its Cholesky factor):
 * the contour at Mahalanobis radius r. `points` + 1 points, closed.
 */
export function ellipse(
  mean: [number, number],
  cov: [number, number, number],
  r: number,
  points = 72,
): Array<[number, number]> {
  const [a, b, c] = cov;
  const l11 = Math.sqrt(Math.max(a, 0));
  const l21 = l11 > 0 ? b / l11 : 0;
  const l22 = Math.sqrt(Math.max(c - l21 * l21, 0));
  const out: Array<[number, number]> = [];
  for (let k = 0; k <= points; k++) {
    const t = (2 * Math.PI * k) / points;
    const u = Math.cos(t);
    const v = Math.sin(t);
    out.push([mean[0] + r * l11 * u, mean[1] + r * (l21 * u + l22 * v)]);
  }
  return out;
}

const fmt = (v: number): string => {
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : Number(v.toPrecision(4)).toString();
};

/**
 * Forest plot: one row per coefficient (`names`, top to bottom), each posterior a thin 95 % line, a thick 90 % line
 * and a dot at the mean, offset vertically within the row. Coefficients on wildly different scales are better read
 * in the table; `names` lets the caller leave the intercept out.
 */
export function forestOption(sets: CoefficientSet[], names: string[]): ChartOption {
  const R = names.length;
  const m = sets.length;
  const offset = (k: number) => (m <= 1 ? 0 : -0.3 + (0.6 * k) / (m - 1));
  const y = (row: number, k: number) => R - 1 - row + offset(k);
  const series: NonNullable<ChartOption['series']> = [];
  // Each interval is a segment of one line series; '-' breaks the line between segments.
  type Seg = [number, number] | '-';
  sets.forEach((set, k) => {
    const byName = new Map(set.rows.map((r) => [r.name, r]));
    const wide: Seg[] = [];
    const narrow: Seg[] = [];
    const dots: Array<{ value: [number, number]; name: string; row: CoefficientRow }> = [];
    names.forEach((name, row) => {
      const r = byName.get(name);
      if (!r) return;
      const yy = y(row, k);
      wide.push([r.q025, yy], [r.q975, yy], '-');
      narrow.push([r.q05, yy], [r.q95, yy], '-');
      dots.push({ value: [r.mean, yy], name, row: r });
    });
    const seg = (data: Seg[], width: number) => ({
      type: 'line' as const,
      name: set.label,
      color: set.color,
      data,
      showSymbol: false,
      connectNulls: false,
      silent: true,
      lineStyle: { width, opacity: 0.9 },
    });
    series.push(seg(wide, 1.5), seg(narrow, 4), {
      type: 'scatter',
      name: set.label,
      color: set.color,
      symbolSize: 8,
      data: dots,
      z: 3,
    });
  });
  return {
    animation: false,
    grid: { left: 150, right: 24, top: 36, bottom: 40 },
    legend: { top: 0, data: sets.map((s) => s.label) },
    tooltip: {
      trigger: 'item',
      formatter: (p: unknown) => {
        const d = (p as { data?: { row?: CoefficientRow }; seriesName?: string }).data?.row;
        if (!d) return '';
        return `<b>${d.name}</b> · ${(p as { seriesName: string }).seriesName}<br/>mean ${fmt(d.mean)}, sd ${fmt(d.sd)}<br/>90 % [${fmt(d.q05)}, ${fmt(d.q95)}]<br/>95 % [${fmt(d.q025)}, ${fmt(d.q975)}]<br/>P(direction) ${(d.pd * 100).toFixed(1)} %`;
      },
    },
    xAxis: { type: 'value', scale: true, name: 'coefficient (original units)', nameLocation: 'middle', nameGap: 26 },
    yAxis: {
      type: 'value',
      // Ticks start at min: integer bounds put one tick (and label) on each row's centre.
      min: -1,
      max: R,
      interval: 1,
      axisLabel: { formatter: (v: number) => (v >= 0 && v < R ? (names[R - 1 - v] ?? '') : ''), fontSize: 11 },
      axisTick: { show: false },
      splitLine: { show: false },
    },
    series: [
      ...series,
      // The zero line: a coefficient whose interval crosses it has an uncertain direction.
      {
        type: 'line',
        silent: true,
        showSymbol: false,
        data: [
          [0, -1],
          [0, R],
        ],
        lineStyle: { color: '#adb5bd', type: 'dashed', width: 1 },
      },
    ],
  };
}

/** Pair plot of coefficients i and j (indices into each set's rows, which share one order). */
export function pairOption(sets: CoefficientSet[], i: number, j: number, names: [string, string]): ChartOption {
  const series: NonNullable<ChartOption['series']> = [];
  for (const set of sets) {
    const K = set.rows.length;
    if (set.scatter && set.draws && set.draws.n > 0) {
      const pts: Array<[number, number]> = [];
      for (let s = 0; s < set.draws.n; s++) pts.push([set.draws.values[s * K + i]!, set.draws.values[s * K + j]!]);
      series.push({
        type: 'scatter',
        name: set.label,
        color: set.color,
        symbolSize: 3,
        itemStyle: { opacity: 0.35 },
        data: pts,
        z: 1,
      });
    }
    let mom: ReturnType<typeof pairMoments> | null = null;
    if (set.gaussian)
      mom = {
        mean: [set.gaussian.mean[i]!, set.gaussian.mean[j]!],
        cov: [set.gaussian.cov[i * K + i]!, set.gaussian.cov[i * K + j]!, set.gaussian.cov[j * K + j]!],
      };
    else if (set.draws && set.draws.n >= 2) mom = pairMoments(set.draws, K, i, j);
    if (!mom) continue;
    for (const [r, width, type] of [
      [1, 2, 'solid'],
      [2, 1.5, 'dashed'],
    ] as const)
      series.push({
        type: 'line',
        name: set.label,
        color: set.color,
        showSymbol: false,
        silent: true,
        lineStyle: { width, type },
        data: ellipse(mom.mean, mom.cov, r),
        z: 2,
      });
    series.push({
      type: 'scatter',
      name: set.label,
      color: set.color,
      symbol: 'diamond',
      symbolSize: 9,
      data: [mom.mean],
      z: 3,
    });
  }
  return {
    animation: false,
    grid: { left: 64, right: 20, top: 36, bottom: 48 },
    legend: { top: 0, data: sets.map((s) => s.label) },
    tooltip: {
      trigger: 'item',
      formatter: (p: unknown) => {
        const v = (p as { value?: [number, number] }).value;
        return v
          ? `${(p as { seriesName: string }).seriesName}<br/>${names[0]} ${fmt(v[0])}<br/>${names[1]} ${fmt(v[1])}`
          : '';
      },
    },
    xAxis: { type: 'value', scale: true, name: names[0], nameLocation: 'middle', nameGap: 28 },
    yAxis: { type: 'value', scale: true, name: names[1], nameLocation: 'middle', nameGap: 48 },
    series,
  };
}

/**
 * Posterior predictive check. Histogram: observed counts per bin of the target (bars) against the replicated data
 * sets' median (line) and 5–95 % band (shaded). Calibration: per bin of the posterior mean probability, the observed
 * frequency ± 2 binomial SEs against the mean prediction; the diagonal is perfect calibration.
 */
export function ppcOption(ppc: GlmPredictiveCheck, target: string): ChartOption {
  if (ppc.kind === 'histogram') {
    const mids = ppc.edges.slice(0, -1).map((e, b) => (e + ppc.edges[b + 1]!) / 2);
    return {
      animation: false,
      grid: { left: 56, right: 20, top: 36, bottom: 48 },
      legend: { top: 0, data: ['observed', 'replicated median', 'replicated 5–95 %'] },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', scale: true, name: target, nameLocation: 'middle', nameGap: 28 },
      yAxis: { type: 'value', name: 'rows' },
      series: [
        {
          type: 'bar',
          name: 'observed',
          color: '#adb5bd',
          barWidth: '90%',
          data: mids.map((m, b) => [m, ppc.observed[b]!]),
          barCategoryGap: '0%',
        },
        {
          type: 'line',
          name: 'replicated 5–95 %',
          color: '#3b5bdb',
          stack: 'band',
          showSymbol: false,
          lineStyle: { opacity: 0 },
          data: mids.map((m, b) => [m, ppc.replicated[b]!.q05]),
        },
        {
          type: 'line',
          name: 'replicated 5–95 %',
          color: '#3b5bdb',
          stack: 'band',
          showSymbol: false,
          lineStyle: { opacity: 0 },
          areaStyle: { opacity: 0.25 },
          data: mids.map((m, b) => [m, ppc.replicated[b]!.q95 - ppc.replicated[b]!.q05]),
        },
        {
          type: 'line',
          name: 'replicated median',
          color: '#3b5bdb',
          showSymbol: true,
          symbolSize: 4,
          data: mids.map((m, b) => [m, ppc.replicated[b]!.q50]),
        },
      ],
    };
  }
  const err: Array<[number, number] | '-'> = [];
  for (const b of ppc.bins)
    err.push(
      [b.predicted, Math.max(0, b.observed - 2 * b.observedSe)],
      [b.predicted, Math.min(1, b.observed + 2 * b.observedSe)],
      '-',
    );
  return {
    animation: false,
    grid: { left: 56, right: 20, top: 36, bottom: 48 },
    legend: { top: 0, data: ['observed frequency', 'perfect calibration'] },
    tooltip: { trigger: 'item' },
    xAxis: { type: 'value', min: 0, max: 1, name: 'predicted probability', nameLocation: 'middle', nameGap: 28 },
    yAxis: { type: 'value', min: 0, max: 1, name: `observed frequency of ${target}` },
    series: [
      {
        type: 'line',
        name: 'perfect calibration',
        color: '#adb5bd',
        showSymbol: false,
        lineStyle: { type: 'dashed' },
        data: [
          [0, 0],
          [1, 1],
        ],
      },
      { type: 'line', name: 'observed frequency', color: '#3b5bdb', showSymbol: false, silent: true, data: err },
      {
        type: 'scatter',
        name: 'observed frequency',
        color: '#3b5bdb',
        data: ppc.bins.map((b) => ({ value: [b.predicted, b.observed], name: `${b.rows} rows` })),
        symbolSize: (_v: unknown, p: { dataIndex: number }) => 5 + Math.sqrt(ppc.bins[p.dataIndex]!.rows),
      },
    ],
  };
}
