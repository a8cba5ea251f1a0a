/**
 * Which way a final metric is better, and which run is best: one rule for the compare view and the HTML report.
 * Larger is better for bounds, log-likelihoods, accuracy and coherence; smaller for perplexity, errors, losses and
 * times; interval coverage is best closest to its nominal level; standard errors and echoed settings have no side.
 */
import { isWithinNoise, pairedDifferenceByRow } from '../stats/mean-se';

const HIGHER = /elbo|loglik|log_lik|accuracy|auc|active_units|coherence|npmi|umass/i;
const LOWER = /perplexity|seconds|rmse|nll|loss|ece|brier|error|non_finite|skipped|khat/i;

/** Interval coverage at a nominal level (`coverage90` → 0.9): the closer to the level, the better. */
export function coverageLevel(name: string): number | null {
  const m = /^coverage(\d{2})$/.exec(name);
  return m ? Number(m[1]) / 100 : null;
}

/** +1 when larger is better, −1 when smaller is better, 0 when neither (e.g. epochs, KL, standard errors). */
export function metricDirection(name: string): 1 | -1 | 0 {
  // Standard errors, settings echoed as metrics (loglik_k = the K used) and coverage (closest wins) have no direction.
  if (/_se$|_k$/.test(name) || coverageLevel(name) !== null) return 0;
  if (LOWER.test(name)) return -1;
  if (HIGHER.test(name)) return 1;
  return 0;
}

/** Index of the best run for a metric (null when the metric has no direction or fewer than two runs have it). */
export function bestIndex(name: string, values: ReadonlyArray<number | undefined>): number | null {
  const level = coverageLevel(name);
  const dir = metricDirection(name);
  if (dir === 0 && level === null) return null;
  // A score where larger is better.
  const score = (v: number) => (level !== null ? -Math.abs(v - level) : dir * v);
  let best: number | null = null;
  let count = 0;
  values.forEach((v, i) => {
    if (v === undefined || !Number.isFinite(v)) return;
    count++;
    if (best === null || score(v) > score(values[best]!)) best = i;
  });
  if (count < 2 || best === null) return null;
  const top = score(values[best]!);
  // A tie for the top is no winner (within rounding: |0.45 − 0.5| and |0.55 − 0.5| differ in the last bit).
  const tied = (v: number) => Math.abs(score(v) - top) <= 1e-12 * Math.max(1, Math.abs(top));
  return values.filter((v) => v !== undefined && Number.isFinite(v) && tied(v)).length > 1 ? null : best;
}

/** One run's estimate of a metric: its value, its standard error, and (when stored) its per-row values. */
export interface MetricEstimate {
  value: number | undefined;
  se?: number | undefined;
  /** Per-row values on identified rows, for paired differences (e.g. a VAE's evaluation rows). */
  perRow?: { rows: ArrayLike<number>; values: ArrayLike<number> } | null;
}

/** A difference between two runs' estimates with the standard error it can be judged by. */
export interface EstimateDifference {
  /** a − b. */
  diff: number;
  /** Its standard error: paired on the shared rows when both have per-row values, else √(se_a² + se_b²); null if unknown. */
  se: number | null;
  /** Rows the paired difference was taken on (null when unpaired). */
  pairedRows: number | null;
  withinNoise: boolean | null;
}

/** a − b with its standard error (paired where possible); see EstimateDifference. */
export function estimateDifference(a: MetricEstimate, b: MetricEstimate): EstimateDifference | null {
  if (a.value === undefined || b.value === undefined || !Number.isFinite(a.value) || !Number.isFinite(b.value))
    return null;
  if (a.perRow && b.perRow) {
    const p = pairedDifferenceByRow(a.perRow, b.perRow);
    if (p) return { diff: a.value - b.value, se: p.se, pairedRows: p.n, withinNoise: p.withinNoise };
  }
  if (a.se !== undefined && b.se !== undefined && Number.isFinite(a.se) && Number.isFinite(b.se)) {
    const se = Math.hypot(a.se, b.se);
    return { diff: a.value - b.value, se, pairedRows: null, withinNoise: isWithinNoise(a.value - b.value, se) };
  }
  return { diff: a.value - b.value, se: null, pairedRows: null, withinNoise: null };
}

export interface MetricRanking {
  /** The run to highlight: best, and more than 2 SE better than every other run; else null. */
  best: number | null;
  /** Why nothing is highlighted although the metric has a direction. */
  reason: 'within-noise' | 'no-standard-error' | null;
}

/**
 * The best run of a metric, highlighted only when the data can tell: the best value must beat every other run by more
 * than 2 standard errors of the difference (paired on shared rows where per-row values exist). A metric without
 * standard errors is not ranked at all — a winner from noise is worse than no winner.
 */
export function rankMetric(name: string, estimates: readonly MetricEstimate[]): MetricRanking {
  const values = estimates.map((e) => e.value);
  const best = bestIndex(name, values);
  if (best === null) {
    // An exact tie (two identical-seed runs) is the plainest case of "within noise" — said so when the runs carry SEs.
    const ranked = metricDirection(name) !== 0 || coverageLevel(name) !== null;
    const finite = estimates.filter((e) => e.value !== undefined && Number.isFinite(e.value));
    const withSe = finite.every((e) => (e.se !== undefined && Number.isFinite(e.se)) || !!e.perRow);
    return { best: null, reason: ranked && finite.length >= 2 && withSe ? 'within-noise' : null };
  }
  const level = coverageLevel(name);
  for (let j = 0; j < estimates.length; j++) {
    if (j === best) continue;
    const d = estimateDifference(estimates[best]!, estimates[j]!);
    if (!d) continue;
    if (d.se === null) return { best: null, reason: 'no-standard-error' };
    // Coverage is ranked by closeness to its level: compare |v − level| with the same SE.
    const gap =
      level !== null ? Math.abs(estimates[j]!.value! - level) - Math.abs(estimates[best]!.value! - level) : d.diff;
    if (isWithinNoise(gap, d.se)) return { best: null, reason: 'within-noise' };
  }
  return { best, reason: null };
}

/** Which evaluation artifact and per-row series stand behind a stored metric (VAE: validation and test evaluations). */
const PER_ROW_SOURCES: Record<string, { artifact: string; series: 'elbo' | 'logLik' }> = {
  eval_elbo: { artifact: 'evaluation', series: 'elbo' },
  loglik: { artifact: 'evaluation', series: 'logLik' },
  test_elbo: { artifact: 'test-evaluation', series: 'elbo' },
  test_loglik: { artifact: 'test-evaluation', series: 'logLik' },
};

/** Artifact names whose per-row values the compare view and the report load. */
export const PER_ROW_ARTIFACTS = ['evaluation', 'test-evaluation'] as const;

/**
 * A run's estimate of metric `name`: the stored value, its `name_se` companion, and per-row values from the run's
 * evaluation artifacts (by artifact name) where they are kept.
 */
export function metricEstimate(
  name: string,
  metrics: Readonly<Record<string, number>>,
  artifacts: Readonly<Record<string, unknown>> = {},
): MetricEstimate {
  const est: MetricEstimate = { value: metrics[name], se: metrics[`${name}_se`] };
  const src = PER_ROW_SOURCES[name];
  const ev = src ? artifacts[src.artifact] : undefined;
  if (src && typeof ev === 'object' && ev !== null) {
    const e = ev as { rowIds?: unknown; perRow?: Record<string, unknown> };
    const values = e.perRow?.[src.series];
    if (Array.isArray(e.rowIds) && Array.isArray(values) && values.length === e.rowIds.length) {
      est.perRow = { rows: e.rowIds as number[], values: values as number[] };
    }
  }
  return est;
}

/** Metric names to show as rows: every stored metric except the `_se` companions, which travel with their metric. */
export function shownMetricNames(all: Iterable<string>): string[] {
  const names = new Set(all);
  return [...names].filter((n) => !(n.endsWith('_se') && names.has(n.slice(0, -3)))).sort();
}
