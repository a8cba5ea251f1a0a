/** Renderer helpers of the BNN views: metric rows with ± standard error, artifact guards, downloads. */
import type { BnnSplitsArtifact, BnnViewsArtifact } from '../../src-shared/domain/bnn';
import { formatDuration } from './format';
import { metricHelp, metricLabel } from '../../src-shared/domain/labels';

export interface BnnMetricRow {
  name: string;
  label: string;
  help: string;
  /** Formatted "0.512 ± 0.013" (± only with several splits). */
  value: string;
  mean: number;
  se: number | null;
  /** Which direction is better, for the side-by-side comparison. */
  better: 'higher' | 'lower' | 'closer' | null;
  /** For coverage: the nominal level (closer is better). */
  nominal?: number;
}

/** The BNN's final metrics in display order; labels, units and help come from the one catalogue (labels.ts). */
const KNOWN: Array<{ name: string; better: BnnMetricRow['better']; nominal?: number }> = [
  { name: 'rmse', better: 'lower' },
  { name: 'logLik', better: 'higher' },
  { name: 'accuracy', better: 'higher' },
  { name: 'brier', better: 'lower' },
  { name: 'ece', better: 'lower' },
  { name: 'coverage50', better: 'closer', nominal: 0.5 },
  { name: 'coverage90', better: 'closer', nominal: 0.9 },
  { name: 'coverage95', better: 'closer', nominal: 0.95 },
  { name: 'meanSd', better: null },
  { name: 'meanEpistemicSd', better: null },
  { name: 'epochs', better: null },
  { name: 'best_epoch', better: null },
  { name: 'seconds_per_split', better: 'lower' },
  { name: 'splits', better: null },
];

function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return String(Number(v.toPrecision(a >= 100 ? 5 : 4)));
}

/** Rows for the run's final metrics (`name` and `name_se`), known metrics first in a fixed order. */
export function bnnMetricRows(metrics: Record<string, number>): BnnMetricRow[] {
  const rows: BnnMetricRow[] = [];
  for (const k of KNOWN) {
    const mean = metrics[k.name];
    if (mean === undefined) continue;
    const se = metrics[`${k.name}_se`];
    const isTime = k.name.startsWith('seconds');
    const isCoverage = k.name.startsWith('coverage');
    const show = (v: number) => (isTime ? formatDuration(v) : isCoverage ? `${(v * 100).toFixed(1)} %` : fmtNum(v));
    const value =
      se !== undefined && Number.isFinite(se) && !isTime
        ? `${show(mean)} ± ${isCoverage ? `${(se * 100).toFixed(1)} %` : fmtNum(se)}`
        : show(mean);
    rows.push({
      name: k.name,
      label: metricLabel(k.name, 'bnn'),
      help: metricHelp(k.name, 'bnn'),
      value,
      mean,
      se: se ?? null,
      better: k.better,
      ...(k.nominal !== undefined ? { nominal: k.nominal } : {}),
    });
  }
  return rows;
}

/** Index of the better of two values under a row's rule (null = tie or no rule). */
export function betterOf(row: Pick<BnnMetricRow, 'better' | 'nominal'>, a: number, b: number): 0 | 1 | null {
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === b || row.better === null) return null;
  if (row.better === 'higher') return a > b ? 0 : 1;
  if (row.better === 'lower') return a < b ? 0 : 1;
  const n = row.nominal ?? 0;
  const da = Math.abs(a - n);
  const db = Math.abs(b - n);
  return da === db ? null : da < db ? 0 : 1;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export function asBnnViews(v: unknown): BnnViewsArtifact | null {
  if (!isRecord(v) || (v.task !== 'regression' && v.task !== 'classification') || !Array.isArray(v.coverage))
    return null;
  return v as unknown as BnnViewsArtifact;
}

export function asBnnSplits(v: unknown): BnnSplitsArtifact | null {
  if (!isRecord(v) || !isRecord(v.summary) || !Array.isArray(v.perSplit)) return null;
  return v as unknown as BnnSplitsArtifact;
}

export { downloadBase64, downloadText } from './download';
