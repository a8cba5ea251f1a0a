/** Pure helpers of the compare view: which final metric is best, and where run configurations differ. */
import type { RunSummary } from '../../src-shared/domain/types';

const HIGHER = /elbo|loglik|log_lik|accuracy|auc|active_units|coverage|coherence/i;
const LOWER = /perplexity|seconds|rmse|nll|loss|ece|error|non_finite/i;

/** +1 when larger is better, −1 when smaller is better, 0 when neither (e.g. epochs, KL). */
export function metricDirection(name: string): 1 | -1 | 0 {
  if (LOWER.test(name)) return -1;
  if (HIGHER.test(name)) return 1;
  return 0;
}

/** Index of the best run for a metric (null when the metric has no direction or fewer than two runs have it). */
export function bestIndex(name: string, values: ReadonlyArray<number | undefined>): number | null {
  const dir = metricDirection(name);
  if (dir === 0) return null;
  let best: number | null = null;
  let count = 0;
  values.forEach((v, i) => {
    if (v === undefined || !Number.isFinite(v)) return;
    count++;
    if (best === null || dir * v > dir * values[best]!) best = i;
  });
  if (count < 2 || best === null) return null;
  const top = values[best]!;
  // A tie for the top is no winner.
  return values.filter((v) => v === top).length > 1 ? null : best;
}

/** Flattens an object into dotted paths → printable values. */
export function flatten(o: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (Array.isArray(o)) {
    out[prefix] = o.length === 0 ? '[]' : o.every((x) => typeof x !== 'object') ? o.join(', ') : JSON.stringify(o);
  } else if (o !== null && typeof o === 'object') {
    for (const [k, v] of Object.entries(o)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = String(o);
  }
  return out;
}

export interface ConfigRow {
  key: string;
  values: string[];
  differs: boolean;
}

/** Every configuration field of the runs (spec, dataset, seed), the differing ones first. */
export function configRows(runs: readonly RunSummary[]): ConfigRow[] {
  const flat = runs.map((r) => ({ dataset: r.datasetName, ...flatten(r.spec) }));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))];
  const rows = keys.map((key) => {
    const values = flat.map((f) => (f as Record<string, string>)[key] ?? '—');
    return { key, values, differs: new Set(values).size > 1 };
  });
  return [...rows.filter((r) => r.differs), ...rows.filter((r) => !r.differs)];
}
