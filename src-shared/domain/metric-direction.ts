/**
 * Which way a final metric is better, and which run is best: one rule for the compare view and the HTML report.
 * Larger is better for bounds, log-likelihoods, accuracy and coherence; smaller for perplexity, errors, losses and
 * times; interval coverage is best closest to its nominal level; standard errors and echoed settings have no side.
 */
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
