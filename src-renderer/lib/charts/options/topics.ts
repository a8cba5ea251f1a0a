/**
 * ECharts options of the topic-model views (pure: data in, option out): relevance bars of one topic, the inter-topic
 * distance map, a document's topic proportions, prevalence by category, per-pass curves and the document-length
 * histogram of the text preview.
 */
import type { ChartOption } from '../echarts';
import { topicColor } from '../../lda';

const AXIS = '#495057';
const GRID_LINE = '#eef0f3';

function fmt(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1000) return v.toLocaleString(undefined, { maximumFractionDigits: 0 });
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/**
 * Top words of a topic as horizontal bars, LDAvis style: the grey bar is the word's estimated count in the whole
 * corpus (p(w)·N), the coloured bar its estimated count within the topic (prevalence_k · p(w|k) · N).
 */
export function topicBarsOption(input: {
  topic: number;
  words: { word: string; pTopic: number; pOverall: number; relevance: number }[];
  prevalence: number;
  tokens: number;
}): ChartOption {
  const words = input.words.slice().reverse();
  const n = input.tokens > 0 ? input.tokens : 1;
  const color = topicColor(input.topic);
  return {
    animation: false,
    grid: { left: 110, right: 24, top: 30, bottom: 30 },
    legend: { top: 0, right: 8, data: ['overall', `in topic ${input.topic + 1}`], textStyle: { color: AXIS } },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (raw: unknown) => {
        const items = Array.isArray(raw) ? (raw as { dataIndex: number }[]) : [];
        const w = words[items[0]?.dataIndex ?? 0];
        if (!w) return '';
        return `<b>${w.word}</b><br/>p(w | topic) = ${fmt(w.pTopic)}<br/>p(w) = ${fmt(w.pOverall)}<br/>lift = ${fmt(w.pTopic / w.pOverall)}<br/>relevance = ${fmt(w.relevance)}`;
      },
    },
    xAxis: {
      type: 'value',
      name: 'estimated tokens',
      nameLocation: 'middle',
      nameGap: 22,
      axisLabel: { color: AXIS },
      splitLine: { lineStyle: { color: GRID_LINE } },
    },
    yAxis: {
      type: 'category',
      data: words.map((w) => w.word),
      axisLabel: { color: '#212529', fontSize: 12 },
      axisTick: { show: false },
    },
    series: [
      {
        name: 'overall',
        type: 'bar',
        data: words.map((w) => w.pOverall * n),
        itemStyle: { color: '#dee2e6' },
        barGap: '-100%',
        barWidth: '70%',
        z: 1,
      },
      {
        name: `in topic ${input.topic + 1}`,
        type: 'bar',
        data: words.map((w) => input.prevalence * w.pTopic * n),
        itemStyle: { color },
        barWidth: '70%',
        z: 2,
      },
    ],
  };
}

/** The inter-topic distance map: one circle per topic at its MDS position, area ∝ prevalence. */
export function distanceMapOption(input: {
  points: [number, number][];
  prevalence: number[];
  labels: string[];
  selected: number | null;
}): ChartOption {
  const maxPrev = Math.max(...input.prevalence, 1e-9);
  const xs = input.points.map((p) => p[0]);
  const ys = input.points.map((p) => p[1]);
  const span = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys), 1e-6);
  const pad = span * 0.18;
  const point = (p: [number, number], k: number) => ({
    value: p,
    name: String(k + 1),
    symbolSize: 14 + 76 * Math.sqrt((input.prevalence[k] ?? 0) / maxPrev),
    itemStyle: {
      color: topicColor(k),
      opacity: input.selected === null || input.selected === k ? 0.85 : 0.55,
      borderColor: input.selected === k ? '#212529' : '#fff',
      borderWidth: input.selected === k ? 3 : 1,
    },
  });
  const label = {
    show: true,
    formatter: (p: { name: string }) => p.name,
    color: '#212529',
    fontWeight: 'bold' as const,
    fontSize: 13,
  };
  return {
    animation: false,
    grid: { left: 48, right: 24, top: 20, bottom: 40 },
    tooltip: {
      trigger: 'item',
      formatter: (raw: unknown) => {
        const p = raw as { name: string };
        const k = Number(p.name) - 1;
        return `<b>${input.labels[k] ?? ''}</b><br/>prevalence ${((input.prevalence[k] ?? 0) * 100).toFixed(1)}%`;
      },
    },
    xAxis: {
      type: 'value',
      name: 'PC1',
      axisLine: { show: false },
      axisTick: { show: false },
      nameLocation: 'middle',
      nameGap: 24,
      min: Math.min(...xs) - pad,
      max: Math.max(...xs) + pad,
      axisLabel: { show: false },
      splitLine: { lineStyle: { color: GRID_LINE } },
    },
    yAxis: {
      type: 'value',
      name: 'PC2',
      axisLine: { show: false },
      axisTick: { show: false },
      nameLocation: 'middle',
      nameGap: 16,
      min: Math.min(...ys) - pad,
      max: Math.max(...ys) + pad,
      axisLabel: { show: false },
      splitLine: { lineStyle: { color: GRID_LINE } },
    },
    series: [
      {
        type: 'scatter',
        data: input.points.map((p, k) => point(p, k)),
        label,
        emphasis: { focus: 'none', scale: 1.05 },
      },
      // The selected topic again, drawn on top of any circle that overlaps it.
      {
        type: 'scatter',
        data:
          input.selected !== null && input.points[input.selected]
            ? [point(input.points[input.selected]!, input.selected)]
            : [],
        label,
        emphasis: { focus: 'none', scale: 1.05 },
        z: 3,
      },
    ],
  };
}

/** θ of one document as horizontal bars, one colour per topic. */
export function thetaBarsOption(theta: readonly number[], labels: readonly string[]): ChartOption {
  const order = theta.map((_, k) => k);
  return {
    animation: false,
    grid: { left: 180, right: 40, top: 8, bottom: 26 },
    tooltip: {
      trigger: 'item',
      formatter: (raw: unknown) => {
        const p = raw as { dataIndex: number; value: number };
        return `${labels[p.dataIndex] ?? ''}: ${(p.value * 100).toFixed(1)}%`;
      },
    },
    xAxis: {
      type: 'value',
      min: 0,
      max: 1,
      axisLabel: { color: AXIS, formatter: (v: number) => `${Math.round(v * 100)}%` },
      splitLine: { lineStyle: { color: GRID_LINE } },
    },
    yAxis: {
      type: 'category',
      inverse: true,
      data: order.map((k) => labels[k] ?? `Topic ${k + 1}`),
      axisLabel: { color: '#212529', width: 170, overflow: 'truncate' },
      axisTick: { show: false },
    },
    series: [
      {
        type: 'bar',
        data: order.map((k) => ({ value: theta[k] ?? 0, itemStyle: { color: topicColor(k) } })),
        barWidth: '65%',
        label: {
          show: true,
          position: 'right',
          color: AXIS,
          fontSize: 11,
          formatter: (p: { value: unknown }) =>
            typeof p.value === 'number' && p.value >= 0.01 ? `${Math.round(p.value * 100)}%` : '',
        },
      },
    ],
  };
}

/** Mean θ per category (rows) and topic (columns); `relative` shows mean θ / overall mean θ (lift). */
export function categoryHeatmapOption(input: {
  categories: string[];
  counts: number[];
  meanTheta: number[][];
  overall: number[];
  topicLabels: string[];
  relative: boolean;
}): ChartOption {
  const K = input.overall.length;
  const data: [number, number, number][] = [];
  let max = 0;
  input.meanTheta.forEach((row, i) => {
    for (let k = 0; k < K; k++) {
      const v = input.relative ? (row[k] ?? 0) / Math.max(input.overall[k] ?? 0, 1e-12) : (row[k] ?? 0);
      data.push([k, i, v]);
      if (v > max) max = v;
    }
  });
  const rowLabels = input.categories.map((c, i) => `${c} (${input.counts[i] ?? 0})`);
  return {
    animation: false,
    grid: { left: 150, right: 90, top: 10, bottom: 70 },
    tooltip: {
      trigger: 'item',
      formatter: (raw: unknown) => {
        const p = raw as { value: [number, number, number] };
        const [k, i, v] = p.value;
        return `<b>${input.categories[i] ?? ''}</b> × ${input.topicLabels[k] ?? ''}<br/>${input.relative ? `lift ${v.toFixed(2)}×` : `mean θ ${(v * 100).toFixed(1)}%`}`;
      },
    },
    xAxis: {
      type: 'category',
      data: input.topicLabels.map((_, k) => `T${k + 1}`),
      axisLabel: { color: AXIS },
      splitArea: { show: false },
    },
    yAxis: { type: 'category', data: rowLabels, inverse: true, axisLabel: { color: '#212529' } },
    visualMap: {
      min: input.relative ? 0 : 0,
      max: input.relative ? Math.max(2, max) : Math.max(max, 1e-6),
      calculable: true,
      orient: 'vertical',
      right: 4,
      top: 'center',
      inRange: {
        color: input.relative
          ? ['#f8f9fa', '#fff3bf', '#e8590c', '#862e9c']
          : ['#f8f9fa', '#a5d8ff', '#1971c2', '#0b2e6b'],
      },
      formatter: (v: unknown) =>
        typeof v === 'number' ? (input.relative ? `${v.toFixed(1)}×` : `${Math.round(v * 100)}%`) : String(v),
      textStyle: { color: AXIS },
    },
    series: [
      {
        type: 'heatmap',
        data,
        label: {
          show: K <= 24,
          fontSize: 10,
          formatter: (p: { value: unknown }) => {
            const v = Array.isArray(p.value) ? Number(p.value[2]) : 0;
            return input.relative ? v.toFixed(1) : `${Math.round(v * 100)}`;
          },
        },
        itemStyle: { borderColor: '#fff', borderWidth: 1 },
      },
    ],
  };
}

export interface PassCurve {
  epoch: readonly number[];
  value: readonly number[];
}

function passPairs(c: PassCurve | undefined): [number, number][] {
  if (!c) return [];
  const out: [number, number][] = [];
  for (let i = 0; i < c.epoch.length; i++) {
    const x = c.epoch[i];
    const y = c.value[i];
    if (x !== undefined && y !== undefined && Number.isFinite(y)) out.push([x, y]);
  }
  return out;
}

/**
 * Per-pass curves of one or more LDA runs: held-out perplexity (document completion, solid) and the bound-based
 * perplexity (dashed) when `measure` is 'perplexity'; the training ELBO when 'elbo'.
 */
export function ldaPassCurvesOption(input: {
  measure: 'perplexity' | 'elbo';
  runs: { label: string; color?: string; perplexity?: PassCurve; bound?: PassCurve; elbo?: PassCurve }[];
  totalPasses?: number | null;
}): ChartOption {
  const series: NonNullable<ChartOption['series']> = [];
  const names: string[] = [];
  const single = input.runs.length === 1;
  input.runs.forEach((r, i) => {
    const color = r.color ?? topicColor(i);
    if (input.measure === 'perplexity') {
      // Several runs: one legend entry per run (toggles both its lines); solid = completion, dashed = bound.
      const a = single ? 'held-out perplexity (completion)' : r.label;
      const b = single ? 'perplexity bound' : r.label;
      if (single) names.push(a, b);
      else names.push(a);
      series.push({
        name: a,
        type: 'line',
        data: passPairs(r.perplexity),
        symbol: 'circle',
        symbolSize: 7,
        lineStyle: { width: 2, color },
        itemStyle: { color },
      });
      series.push({
        name: b,
        type: 'line',
        data: passPairs(r.bound),
        symbol: 'diamond',
        symbolSize: 7,
        lineStyle: { width: 1.5, color, type: 'dashed' },
        itemStyle: { color },
      });
    } else {
      const a = single ? 'ELBO (training corpus)' : r.label;
      names.push(a);
      series.push({
        name: a,
        type: 'line',
        data: passPairs(r.elbo),
        symbol: 'circle',
        symbolSize: 7,
        lineStyle: { width: 2, color },
        itemStyle: { color },
      });
    }
  });
  return {
    animation: false,
    grid: { left: 84, right: 24, top: 62, bottom: 44 },
    legend: { top: 0, left: 8, data: names, textStyle: { color: AXIS }, type: 'scroll' },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? fmt(v) : String(v)) },
    xAxis: {
      type: 'value',
      name: 'pass',
      nameLocation: 'middle',
      nameGap: 28,
      min: 1,
      max: input.totalPasses && input.totalPasses > 1 ? input.totalPasses : 'dataMax',
      minInterval: 1,
      axisLabel: { color: AXIS },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      name: input.measure === 'perplexity' ? 'perplexity per word (lower is better)' : 'ELBO (nats, higher is better)',
      nameTextStyle: { color: AXIS, align: 'left' },
      scale: true,
      axisLabel: {
        color: AXIS,
        formatter: (v: number) => (Math.abs(v) >= 1e5 ? v.toExponential(2) : String(Math.round(v * 100) / 100)),
      },
      splitLine: { lineStyle: { color: GRID_LINE } },
    },
    series,
  };
}

/** Documents by kept length (the preview's power-of-two bins). */
export function lengthHistogramOption(bins: { from: number; to: number; documents: number }[]): ChartOption {
  const labels = bins.map((b) => (b.to - b.from <= 1 ? String(b.from) : `${b.from}–${b.to - 1}`));
  return {
    animation: false,
    grid: { left: 52, right: 12, top: 28, bottom: 40 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: {
      type: 'category',
      data: labels,
      name: 'tokens per document',
      nameLocation: 'middle',
      nameGap: 26,
      axisLabel: { color: AXIS, fontSize: 10 },
    },
    yAxis: {
      type: 'value',
      name: 'documents',
      nameTextStyle: { color: AXIS },
      axisLabel: { color: AXIS },
      splitLine: { lineStyle: { color: GRID_LINE } },
    },
    series: [
      {
        type: 'bar',
        data: bins.map((b, i) => ({ value: b.documents, itemStyle: { color: i === 0 ? '#e8590c' : '#3b5bdb' } })),
        barWidth: '80%',
      },
    ],
  };
}
