/**
 * A run or a comparison as one self-contained HTML file: configuration, metrics, dataset summary, backend and
 * versions, seed, and every chart embedded as inline SVG (ECharts' server-side renderer), so it opens offline in
 * any browser. Pure: the caller gathers runs, datasets, metric series and artifacts.
 */
import * as echarts from 'echarts';
import type { Dataset, MetricSeries, RunSummary } from '../../src-shared/domain/types';
import { runDataInfo } from '../../src-shared/domain/columns';
import {
  coverageLevel,
  estimateDifference,
  metricDirection,
  metricEstimate,
  rankMetric,
  shownMetricNames,
} from '../../src-shared/domain/metric-direction';
import { formatMeanSe as formatMeanSeWith } from '../../src-shared/stats/format';
import { coefficientLabel } from '../../src-shared/stats/coefficients';
import type { GlmPosteriorArtifact } from '../../src-shared/domain/artifacts';
import { checkSvg } from '../../src-shared/schemas/chart-svg';
import { ratioSentence, type GradVarianceArtifact } from '../../src-shared/domain/grad-variance';
import { verdictChecks, type VerdictEvidence } from '../../src-shared/domain/verdict';
import { metricHelp, metricLabel, settingInfo, settingLabel } from '../../src-shared/domain/labels';
import { settingsUsed } from '../../src-shared/schemas/spec-checks';

export interface ReportRun {
  run: RunSummary;
  dataset: Dataset | null;
  series: MetricSeries[];
  artifacts: Record<string, unknown>;
}

/** A chart as a view drew it (ECharts' SVG renderer in the renderer process). */
export interface ViewChart {
  id: string;
  title: string;
  svg: string;
}

export interface ReportInput {
  runs: ReportRun[];
  appVersion: string;
  generatedAt: string;
  versions: Record<string, string>;
  /** The compare view's charts as shown: embedded in place of the report's own curve charts. */
  viewCharts?: ViewChart[];
  /** Title instead of "Comparison of N … runs" (a saved comparison's name). */
  title?: string;
}

export interface Report {
  html: string;
  /** The chart ids embedded, in order (tests check each is present). */
  charts: string[];
}

const PALETTE = ['#3b5bdb', '#e8590c', '#2b8a3e', '#ae3ec9', '#1098ad', '#f08c00', '#c92a2a', '#5c940d'];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function svgChart(option: echarts.EChartsCoreOption, width = 760, height = 300): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({ animation: false, color: PALETTE, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

function viewChartFigures(charts: ViewChart[], ids: string[]): string {
  const seen = new Set<string>();
  return charts
    .map((c) => {
      if (seen.has(c.id)) throw new Error(`Chart id "${c.id}" appears twice`);
      seen.add(c.id);
      const svg = checkSvg(c.svg, c.id);
      ids.push(c.id);
      return `<figure data-chart="${escapeHtml(c.id)}"><figcaption>${escapeHtml(c.title)}</figcaption>${svg}</figure>`;
    })
    .join('');
}

/** The one flattening of a spec (dotted paths → printable values), kept under its old name for callers. */
export { flattenSpec as flatten } from '../../src-shared/schemas/spec-checks';

const CURVES: Record<string, { names: string[]; x: 'epoch' | 'step'; title: string }> = {
  vae: { names: ['train_elbo', 'val_elbo'], x: 'epoch', title: 'ELBO per epoch (nats, higher is better)' },
  glm: { names: ['elbo'], x: 'step', title: 'Objective per step (nats)' },
  lda: { names: ['perplexity', 'elbo'], x: 'epoch', title: 'Per pass' },
  bnn: { names: ['val_loglik', 'epoch_loss'], x: 'epoch', title: 'Per epoch (first split)' },
};

function curveCharts(runs: ReportRun[], charts: string[]): string {
  const model = runs[0]!.run.model;
  const cfg = CURVES[model];
  if (!cfg) return '';
  let out = '';
  for (const name of cfg.names) {
    const series = runs
      .map((r, i) => {
        const s = r.series.find((m) => m.name === name);
        if (!s || s.value.length === 0) return null;
        const xs = cfg.x === 'epoch' ? s.epoch : s.step;
        return {
          type: 'line',
          name: `${r.run.name} (#${r.run.id})`,
          showSymbol: xs.length < 60,
          data: xs.map((x, j) => [x, s.value[j]]),
          color: PALETTE[i % PALETTE.length],
        };
      })
      .filter((s) => s !== null);
    if (!series.length) continue;
    const id = `curve-${name}`;
    charts.push(id);
    out += `<figure data-chart="${id}"><figcaption>${escapeHtml(metricLabel(name, model))} — ${escapeHtml(cfg.title)}</figcaption>${svgChart(
      {
        grid: { left: 70, right: 20, top: 40, bottom: 40 },
        legend: { top: 0 },
        xAxis: {
          type: 'value',
          name: cfg.x === 'epoch' ? (model === 'lda' ? 'pass' : 'epoch') : 'step',
          nameLocation: 'middle',
          nameGap: 26,
          minInterval: 1,
        },
        yAxis: { type: 'value', scale: true, name: metricLabel(name, model) },
        series,
      },
    )}</figure>`;
  }
  return out;
}

/**
 * The gradient-noise readout of each run that has one: variance per group over checkpoints (log y; pathwise dashed
 * for a score-function run), the ratio in words, and the last checkpoint as a table with its standard errors.
 */
function gradVarianceSection(runs: ReportRun[], charts: string[]): string {
  let out = '';
  for (const r of runs) {
    const a = r.artifacts.gradVariance as GradVarianceArtifact | undefined;
    const last = a?.checkpoints?.[a.checkpoints.length - 1];
    if (!a || !last) continue;
    const id = `grad-variance-${r.run.id}`;
    charts.push(id);
    const pos = (v: number | null | undefined): number | null =>
      typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
    const series: unknown[] = [];
    last.groups.forEach((g, i) => {
      const color = PALETTE[i % PALETTE.length];
      const at = (pick: (c: GradVarianceArtifact['checkpoints'][number]) => number | null | undefined) =>
        a.checkpoints.map((c) => [c.step, pos(pick(c))]);
      series.push({
        type: 'line',
        name: g.group,
        color,
        data: at((c) => c.groups.find((x) => x.group === g.group)?.variance),
      });
      if (a.estimator === 'score')
        series.push({
          type: 'line',
          name: g.group,
          color,
          lineStyle: { type: 'dashed' },
          data: at((c) => c.pathwise?.find((x) => x.group === g.group)?.variance),
        });
    });
    const tag = `${escapeHtml(r.run.name)} (#${r.run.id})`;
    const sentence = ratioSentence(a);
    const num = (v: number | null | undefined, se?: number | null): string =>
      typeof v !== 'number' ? '∞' : `${v.toPrecision(3)}${typeof se === 'number' ? ` ± ${se.toPrecision(2)}` : ''}`;
    const rows = last.groups
      .map((g, i) => {
        const p = last.pathwise?.[i];
        const path = last.pathwise
          ? `<td class="num">${p ? num(p.variance, p.varianceSe) : '—'}</td><td class="num">${p && p.variance > 0 ? `${(g.variance / p.variance).toPrecision(3)}×` : '—'}</td>`
          : '';
        return `<tr><th>${escapeHtml(g.group)}</th><td class="num">${g.size}</td><td class="num">${num(g.variance, g.varianceSe)}</td><td class="num">${num(g.snr, g.snrSe)}</td>${path}</tr>`;
      })
      .join('');
    const pathHead = last.pathwise ? '<th>pathwise variance</th><th>score ÷ pathwise</th>' : '';
    out += `<figure data-chart="${id}"><figcaption>Gradient variance per group — ${tag}; ${a.repeats} draws on ${a.rows} ${a.rowsFrom} rows${a.estimator === 'score' ? '; dashed: pathwise' : ''}</figcaption>${svgChart(
      {
        grid: { left: 70, right: 20, top: 36, bottom: 40 },
        legend: { top: 0, data: last.groups.map((g) => g.group) },
        xAxis: { type: 'value', name: 'step', min: 'dataMin', max: 'dataMax' },
        yAxis: { type: 'log', name: 'variance' },
        series,
      },
      760,
      260,
    )}${sentence ? `<p><strong>${escapeHtml(sentence)}</strong></p>` : ''}<table data-table="${id}"><thead><tr><th>group (step ${last.step})</th><th>entries</th><th>variance ± SE</th><th>SNR ± SE</th>${pathHead}</tr></thead><tbody>${rows}</tbody></table><p class="muted">Variance: mean over a group's entries of the variance across draws; SNR = √(mean squared mean gradient / variance); SE: jackknife over the draws.</p></figure>`;
  }
  return out;
}

/** Model-specific charts per run; ids in `skip` (drawn by the view already) are left out. */
function modelCharts(runs: ReportRun[], charts: string[], skip: ReadonlySet<string> = new Set()): string {
  let out = '';
  runs.forEach((r, i) => {
    const tag = `${escapeHtml(r.run.name)} (#${r.run.id})`;
    const ev = r.artifacts.evaluation as
      { klPerDim?: number[]; activeUnits?: { count: number; total: number } } | undefined;
    if (ev?.klPerDim?.length && !skip.has(`kl-per-dim-${r.run.id}`)) {
      const id = `kl-per-dim-${r.run.id}`;
      charts.push(id);
      out += `<figure data-chart="${id}"><figcaption>KL per latent dimension — ${tag}; active units ${ev.activeUnits?.count ?? '?'}/${ev.activeUnits?.total ?? '?'}</figcaption>${svgChart(
        {
          grid: { left: 60, right: 20, top: 20, bottom: 40 },
          xAxis: { type: 'category', data: ev.klPerDim.map((_, j) => `z${j + 1}`) },
          yAxis: { type: 'value', name: 'nats' },
          series: [{ type: 'bar', data: ev.klPerDim, color: PALETTE[i % PALETTE.length] }],
        },
        760,
        240,
      )}</figure>`;
    }
    const views = r.artifacts.views as
      | {
          band?: {
            feature: string;
            x: number[];
            mean: number[];
            totalSd?: number[];
            sd?: number[];
            epistemicSd?: number[];
          } | null;
          coverage?: { nominal: number[]; observed: number[] } | null;
        }
      | undefined;
    const band = views?.band;
    if (band && band.x?.length && band.mean?.length && !skip.has(`band-${r.run.id}`)) {
      const sd = band.totalSd ?? band.sd ?? band.epistemicSd ?? band.mean.map(() => 0);
      const id = `band-${r.run.id}`;
      charts.push(id);
      out += `<figure data-chart="${id}"><figcaption>Predictive mean ± 2 sd over ${escapeHtml(band.feature)} — ${tag}</figcaption>${svgChart(
        {
          grid: { left: 60, right: 20, top: 20, bottom: 40 },
          xAxis: { type: 'value', name: band.feature, nameLocation: 'middle', nameGap: 26, scale: true },
          yAxis: { type: 'value', scale: true },
          series: [
            {
              type: 'line',
              showSymbol: false,
              data: band.x.map((x, j) => [x, band.mean[j]! - 2 * sd[j]!]),
              lineStyle: { opacity: 0.4 },
              color: PALETTE[i % PALETTE.length],
            },
            {
              type: 'line',
              showSymbol: false,
              data: band.x.map((x, j) => [x, band.mean[j]]),
              color: PALETTE[i % PALETTE.length],
            },
            {
              type: 'line',
              showSymbol: false,
              data: band.x.map((x, j) => [x, band.mean[j]! + 2 * sd[j]!]),
              lineStyle: { opacity: 0.4 },
              color: PALETTE[i % PALETTE.length],
            },
          ],
        },
      )}</figure>`;
    }
    const topics = r.artifacts.topics as { topics?: { words: string[]; prevalence: number }[] } | undefined;
    if (topics?.topics?.length && !skip.has(`topic-prevalence-${r.run.id}`)) {
      const id = `topic-prevalence-${r.run.id}`;
      charts.push(id);
      out += `<figure data-chart="${id}"><figcaption>Topic prevalence — ${tag}</figcaption>${svgChart(
        {
          grid: { left: 220, right: 20, top: 10, bottom: 30 },
          xAxis: { type: 'value' },
          yAxis: {
            type: 'category',
            inverse: true,
            data: topics.topics.map((t, k) => `${k + 1}: ${t.words.slice(0, 4).join(' ')}`),
          },
          series: [{ type: 'bar', data: topics.topics.map((t) => t.prevalence), color: PALETTE[i % PALETTE.length] }],
        },
        760,
        Math.max(160, 22 * topics.topics.length + 40),
      )}</figure>`;
    }
  });
  return out;
}

const formatMeanSe = (m: number, se: number): string => formatMeanSeWith(m, se, fmt);

/**
 * A regression run's coefficient table in original units, as the run page shows it: each row named for people (a
 * coded level says which level is 1: `sex = male (vs female)`), mean ± MCSE, sd, 95 % interval, P(direction).
 */
function coefficientSection(runs: ReportRun[]): string {
  let out = '';
  for (const r of runs) {
    const table = (r.artifacts.posterior as GlmPosteriorArtifact | undefined)?.coefficients;
    if (!table?.rows.length) continue;
    const source =
      table.source.kind === 'draws' ? `${table.source.draws.toLocaleString('en')} draws of q` : 'the exact Gaussian';
    const rows = table.rows
      .map(
        (c) =>
          `<tr data-coefficient="${escapeHtml(c.name)}"><th>${escapeHtml(coefficientLabel(c))}</th><td class="num">${c.mcseMean > 0 ? formatMeanSe(c.mean, c.mcseMean) : fmt(c.mean)}</td><td class="num">${fmt(c.sd)}</td><td class="num">[${fmt(c.q025)}, ${fmt(c.q975)}]</td><td class="num">${fmt(c.pd)}</td></tr>`,
      )
      .join('');
    out += `<section class="card" data-report="coefficients"><h3>Coefficients — ${escapeHtml(r.run.name)} <span class="muted">#${r.run.id}</span></h3>
      <p class="muted">In the data's own units, per unit of each predictor; a coded level is its difference from the level named after "vs". From ${source}; mean ± its Monte Carlo SE.</p>
      <table><thead><tr><th>Coefficient</th><th class="num">Mean</th><th class="num">sd</th><th class="num">95 % interval</th><th class="num">P(direction)</th></tr></thead><tbody>${rows}</tbody></table></section>`;
  }
  return out;
}

/** ": convergence, PSIS k̂" — what an "ok" was judged on (" (nothing beyond finishing)" when nothing was). */
function checkedText(e: VerdictEvidence | null | undefined): string {
  const seen = verdictChecks(e);
  return seen.length ? `: ${seen.join(', ')}` : ' (nothing beyond finishing)';
}
const VERDICT_TEXT = { ok: '✓ ok', caution: '! caution', failed: '✕ failed' } as const;
const SEVERITY_ORDER = { failed: 0, caution: 1, info: 2 } as const;

/** A run's verdict: the level, then each reason (worst first) with its remedy; "not assessed" for a run without one. */
export function verdictHtml(
  run: Pick<RunSummary, 'status' | 'verdict'> & { evidence?: VerdictEvidence | null },
): string {
  const v = run.verdict;
  if (!v) {
    return run.status === 'queued' || run.status === 'running'
      ? '<span class="muted">none yet (the run has not finished)</span>'
      : '<span class="verdict none">not assessed</span> <span class="muted">(finished before runs were given verdicts)</span>';
  }
  const reasons = [...v.reasons].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const list = reasons.length
    ? `<ul class="reasons">${reasons
        .map(
          (r) =>
            `<li class="${r.severity}">${escapeHtml(r.message)}<br><span class="muted">${escapeHtml(r.remedy)}</span></li>`,
        )
        .join('')}</ul>`
    : ` <span class="muted">no problem found in what the run measured${checkedText(run.evidence)}</span>`;
  return `<span class="verdict ${v.verdict}">${VERDICT_TEXT[v.verdict]}</span>${list}`;
}

function fmt(v: number | null | undefined): string {
  if (v === null) return '—';
  if (v === undefined || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : Number.isInteger(v) ? String(v) : v.toFixed(4);
}

export function buildReport(input: ReportInput): Report {
  if (input.runs.length === 0) throw new Error('A report needs at least one run');
  const kinds = new Set(input.runs.map((r) => r.run.model));
  if (kinds.size > 1)
    throw new Error(`Runs of different model kinds cannot be compared in one report: ${[...kinds].join(', ')}`);
  const charts: string[] = [];
  const runs = input.runs;
  const title =
    input.title ||
    (runs.length === 1
      ? `Run: ${runs[0]!.run.name}`
      : `Comparison of ${runs.length} ${runs[0]!.run.model.toUpperCase()} runs`);
  // The view's charts replace the report's own curves; the report's other charts are kept unless the view drew one
  // with the same id.
  let chartHtml: string;
  if (input.viewCharts) {
    const shown = viewChartFigures(input.viewCharts, charts);
    const extra = modelCharts(runs, charts, new Set(charts));
    chartHtml = `<div class="charts">${shown}${extra}</div>`;
  } else {
    chartHtml = `${curveCharts(runs, charts)}${modelCharts(runs, charts)}`;
  }
  chartHtml += gradVarianceSection(runs, charts);
  chartHtml += coefficientSection(runs);

  // Metrics table with differences to the first run and the best highlighted.
  const metricNames = shownMetricNames(runs.flatMap((r) => Object.keys(r.run.metrics)));
  const metricRows = metricNames
    .map((m) => {
      const est = runs.map((r) => metricEstimate(m, r.run.metrics, r.artifacts));
      // The compare view's rule: a winner only beyond 2 SE of every other run (paired on shared rows where kept).
      const rank = rankMetric(m, est);
      const level = coverageLevel(m);
      const side = level !== null ? `◎ ${Math.round(level * 100)} %` : ['↓', '', '↑'][metricDirection(m) + 1];
      const note =
        rank.reason === 'within-noise'
          ? ' <span class="muted">within noise</span>'
          : rank.reason === 'no-standard-error'
            ? ' <span class="muted">no SE: not ranked</span>'
            : '';
      const cells = est
        .map((e, i) => {
          const d = i > 0 ? estimateDifference(e, est[0]!) : null;
          const diffText = d
            ? ` <span class="diff">(${d.diff >= 0 ? '+' : '−'}${d.se !== null ? formatMeanSe(Math.abs(d.diff), d.se) : fmt(Math.abs(d.diff))}${d.pairedRows !== null ? `, paired on ${d.pairedRows} rows` : ''}${d.withinNoise ? ', within noise' : ''})</span>`
            : '';
          const value = e.value !== undefined && e.se !== undefined ? formatMeanSe(e.value, e.se) : fmt(e.value);
          return `<td class="num${rank.best === i ? ' best' : ''}">${value}${diffText}</td>`;
        })
        .join('');
      const model = runs[0]!.run.model;
      return `<tr><th title="${escapeHtml(metricHelp(m, model))}">${escapeHtml(metricLabel(m, model))} <span class="muted key">${escapeHtml(m)}</span>${runs.length > 1 && side ? ` <span class="muted">${side}</span>` : ''}${runs.length > 1 ? note : ''}</th>${cells}</tr>`;
    })
    .join('');

  // Configuration with differing keys highlighted.
  // Only the settings each run used (a default the model never reads is left out), in spec order, labelled.
  const flat = runs.map((r) => Object.fromEntries(settingsUsed(r.run.spec).map((s) => [s.path, s.value])));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))];
  const configRows = keys
    .map((k) => {
      const vals = flat.map((f) => f[k] ?? '—');
      const differs = runs.length > 1 && new Set(vals).size > 1;
      const help = settingInfo(k)?.help ?? '';
      return `<tr class="${differs ? 'differs' : ''}"><th title="${escapeHtml(help)}">${escapeHtml(settingLabel(k))} <span class="muted key">${escapeHtml(k)}</span>${help ? `<br><span class="muted help">${escapeHtml(help)}</span>` : ''}</th>${vals.map((v) => `<td>${escapeHtml(v)}</td>`).join('')}</tr>`;
    })
    .join('');

  const head = runs.map((r) => `<th>${escapeHtml(r.run.name)} <span class="muted">#${r.run.id}</span></th>`).join('');
  const facts = runs
    .map((r) => {
      const d = r.dataset;
      const info = d ? runDataInfo(r.run.spec, d) : null;
      const m = r.run.metrics;
      const basis =
        m.eval_rows !== undefined
          ? `<dt>Evaluation</dt><dd>eval ELBO, log-lik, gap and k̂ from one evaluation on the same ${m.eval_rows.toLocaleString('en')} rows${m.loglik_k !== undefined ? ` with K = ${m.loglik_k.toLocaleString('en')} draws per row` : ''}; ± is one standard error over those rows</dd>`
          : '';
      return `<section class="card"><h3>${escapeHtml(r.run.name)} <span class="muted">#${r.run.id}</span></h3><dl>
        <dt>Verdict</dt><dd class="verdict-dd">${verdictHtml(r.run)}</dd>${basis}
        <dt>Status</dt><dd>${escapeHtml(r.run.status)}${r.run.error ? ` — ${escapeHtml(r.run.error)}` : ''}</dd>
        <dt>Model</dt><dd>${escapeHtml(r.run.model)}</dd><dt>Family</dt><dd>${escapeHtml(r.run.family)}</dd>
        <dt>Objective</dt><dd>${escapeHtml(r.run.objective)}</dd><dt>Seed</dt><dd>${r.run.seed}</dd>
        <dt>Backend</dt><dd>${escapeHtml(r.run.backend ?? '—')}</dd>
        <dt>Started</dt><dd>${escapeHtml(r.run.startedAt ?? '—')}</dd><dt>Finished</dt><dd>${escapeHtml(r.run.finishedAt ?? '—')}</dd>
        <dt>Dataset</dt><dd>${d ? `${escapeHtml(d.name)} (${escapeHtml(d.sourceName)}, ${d.rows.toLocaleString('en')} rows × ${d.columns} columns, sha256 ${escapeHtml(d.contentHash.slice(0, 16))}…)` : '—'}</dd>
        ${info ? `<dt>Missing values</dt><dd data-report="missing">${escapeHtml(info.missing)}</dd>` : ''}
        ${info ? `<dt>Columns used</dt><dd>${escapeHtml([...(info.target ? [`${info.target} (target)`] : []), ...info.used].join(', '))}</dd>` : ''}
        ${info && info.leftOut.length ? `<dt>Left out</dt><dd data-report="left-out">${info.leftOut.map((c) => `${escapeHtml(c.name)} <span class="muted">(${escapeHtml(c.reason)})</span>`).join('; ')}</dd>` : ''}
        ${r.run.notes ? `<dt>Notes</dt><dd>${escapeHtml(r.run.notes)}</dd>` : ''}
        ${r.run.tags.length ? `<dt>Tags</dt><dd>${r.run.tags.map(escapeHtml).join(', ')}</dd>` : ''}
      </dl></section>`;
    })
    .join('');
  const versions = Object.entries({ 'ELBO Studio': input.appVersion, ...input.versions })
    .map(([k, v]) => `${escapeHtml(k)} ${escapeHtml(v)}`)
    .join(' · ');

  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)} — ELBO Studio</title>
<style>
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;background:#f6f7f9;color:#212529;font-size:14px}
header{background:#fff;border-bottom:1px solid #e9ecef;padding:14px 32px;display:flex;gap:10px;align-items:center}
.logo{background:#3b5bdb;color:#fff;border-radius:6px;width:26px;height:26px;display:inline-flex;align-items:center;justify-content:center;font-weight:700}
main{max-width:1100px;margin:0 auto;padding:24px 32px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}h3{font-size:15px;margin:0 0 8px}
.muted{color:#868e96;font-weight:400}.key{font-family:ui-monospace,monospace;font-size:11px}.help{font-size:12px}.card{background:#fff;border:1px solid #e9ecef;border-radius:8px;padding:16px 20px;margin:0 0 14px}
dl{display:grid;grid-template-columns:110px 1fr;gap:4px 12px;margin:0}dt{color:#868e96}dd{margin:0}
table{border-collapse:collapse;background:#fff;border:1px solid #e9ecef;border-radius:8px;width:100%}
th,td{padding:6px 10px;border-bottom:1px solid #f1f3f5;text-align:left;vertical-align:top;overflow-wrap:anywhere}td.num{font-variant-numeric:tabular-nums;text-align:right}
td.best{background:#ebfbee;font-weight:600}.diff{color:#868e96;font-size:12px}tr.differs{background:#fff9db}
figure{background:#fff;border:1px solid #e9ecef;border-radius:8px;margin:0 0 14px;padding:12px;overflow:auto}figcaption{font-weight:600;margin:0 0 6px}
.charts{display:flex;flex-wrap:wrap;gap:0 14px;align-items:flex-start}.charts figure{flex:1 1 auto;max-width:100%}figure svg{max-width:100%;height:auto;display:block}
footer{color:#868e96;font-size:12px;margin:30px 0}
.verdict{display:inline-block;padding:0 8px;border-radius:999px;font-size:12px;font-weight:600;border:1px solid}
.verdict.ok{background:#e6f6ec;color:#1e7a3e;border-color:#b8e3c6}.verdict.caution{background:#fff4e0;color:#9a5b00;border-color:#f3d9a8}
.verdict.failed{background:#fdecec;color:#b42318;border-color:#f6c4c0}.verdict.none{background:#f8f9fa;color:#868e96;border-color:#dee2e6}
ul.reasons{margin:6px 0 0;padding-left:18px}ul.reasons li{margin-bottom:4px}li.failed::marker{color:#b42318}li.caution::marker{color:#9a5b00}
</style></head><body>
<header><span class="logo">∫</span><strong>ELBO Studio</strong><span class="muted">report</span></header>
<main>
<h1>${escapeHtml(title)}</h1><p class="muted">Generated ${escapeHtml(input.generatedAt)}</p>
<h2>Runs</h2>${facts}
<h2>Metrics</h2><table><thead><tr><th>metric</th>${head}</tr></thead><tbody>${metricRows || '<tr><td>No final metrics.</td></tr>'}</tbody></table>
<h2>Charts</h2>${chartHtml}
<h2>Configuration</h2><table><thead><tr><th>setting</th>${head}</tr></thead><tbody>${configRows}</tbody></table>
<footer>${versions}</footer>
</main></body></html>`;
  return { html, charts };
}
