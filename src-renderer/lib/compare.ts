/** Pure helpers of the compare view: which final metric is best, and where run configurations differ. */
import type { RunSummary } from '../../src-shared/domain/types';

export {
  bestIndex,
  coverageLevel,
  estimateDifference,
  metricDirection,
  metricEstimate,
  rankMetric,
  shownMetricNames,
} from '../../src-shared/domain/metric-direction';

export { flattenSpec as flatten } from '../../src-shared/schemas/spec-checks';
import { flattenSpec as flatten } from '../../src-shared/schemas/spec-checks';

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

/**
 * For each topic of another run, the closest topic of the baseline run by the overlap of their top-n words
 * (Jaccard: shared / all distinct), so topics of two fits can be read side by side. −1 when nothing is shared.
 */
export function matchTopics(
  base: ReadonlyArray<readonly string[]>,
  other: ReadonlyArray<readonly string[]>,
  n = 10,
): { index: number; overlap: number }[] {
  const baseSets = base.map((w) => new Set(w.slice(0, n)));
  return other.map((words) => {
    const set = new Set(words.slice(0, n));
    let best = { index: -1, overlap: 0 };
    baseSets.forEach((b, i) => {
      let shared = 0;
      for (const w of set) if (b.has(w)) shared++;
      const overlap = shared / (set.size + b.size - shared || 1);
      if (overlap > best.overlap) best = { index: i, overlap };
    });
    return best;
  });
}
