/**
 * KL per latent dimension over training for one posterior-collapse lab run (artifact 'klTrace'): one line per
 * dimension, epochs on x, nats on y (a shared y range across the lab's runs so the panels compare), and for a free-bits
 * run a dashed line at λ. Pure: data in, ECharts option out.
 */
import type { ChartOption } from '../echarts';
import type { KlTraceArtifact } from '../../../../src-shared/domain/artifacts';

const PALETTE = ['#3b5bdb', '#e8590c', '#2b8a3e', '#c2255c', '#7048e8', '#0b7285', '#a61e4d', '#5c940d'];

export function klTraceOption(t: KlTraceArtifact, opts: { yMax: number; freeBits?: number | null }): ChartOption {
  const dims = t.klPerDim.reduce((m, row) => Math.max(m, row.length), 0);
  const series: NonNullable<ChartOption['series']> = [];
  for (let j = 0; j < dims; j++) {
    series.push({
      type: 'line',
      name: `z${j + 1}`,
      color: PALETTE[j % PALETTE.length],
      showSymbol: false,
      data: t.epochs.map((e, i) => [e, t.klPerDim[i]?.[j] ?? null]),
    });
  }
  if (opts.freeBits) {
    series.push({
      type: 'line',
      name: `λ = ${opts.freeBits}`,
      color: '#495057',
      lineStyle: { type: 'dashed' },
      showSymbol: false,
      data: [
        [t.epochs[0] ?? 1, opts.freeBits],
        [t.epochs[t.epochs.length - 1] ?? 1, opts.freeBits],
      ],
    });
  }
  return {
    animation: false,
    grid: { left: 48, right: 12, top: 28, bottom: 40 },
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v: unknown) => (typeof v === 'number' ? `${v.toFixed(3)} nats` : '—'),
    },
    xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 24, minInterval: 1 },
    yAxis: { type: 'value', name: 'KL (nats)', min: 0, max: Math.max(opts.yMax, 0.1) },
    series,
  };
}

/**
 * The shared y range: the largest KL of any dimension at any epoch across the runs, rounded up to a tenth below 1 nat
 * and to the next half nat above (an axis step ECharts labels, so no line runs off the top).
 */
export function sharedKlMax(traces: ReadonlyArray<KlTraceArtifact | null>): number {
  let m = 0;
  for (const t of traces)
    for (const row of t?.klPerDim ?? []) for (const v of row) if (Number.isFinite(v)) m = Math.max(m, v);
  return m <= 1 ? Math.ceil(m * 10) / 10 : Math.ceil(m * 2) / 2;
}
