/**
 * Missing values: what each import policy keeps, the wizard's default, and which models accept cells left missing.
 *
 * The wizard scans the whole file once (data-import/missing-scan.ts) into missing-cell patterns; the counts for any
 * choice of column types and roles follow from the patterns without reading the file again.
 */
import type { ColumnSchema, ColumnType, MissingPolicy } from './types';

/** A scan of a whole CSV: missing cells per column and the distinct patterns of missing cells per row. */
export interface MissingScan {
  /** Data rows in the file (the header excluded). */
  sourceRows: number;
  /** Per source column: empty / NA cells, and non-finite tokens (Inf, ?, #N/A …), which count as missing only in numeric and binary columns. */
  columns: { name: string; missing: number; nonFinite: number }[];
  /**
   * Rows with at least one missing or non-finite cell, grouped by which cells: `missing` and `nonFinite` hold source
   * column indices. Rows with every cell present are not listed.
   */
  patterns: { missing: number[]; nonFinite: number[]; rows: number }[];
  /** Rows whose pattern was not kept (more than MAX_PATTERNS distinct ones); counted as rows that a drop loses. */
  unpatterned: number;
}

/** The most distinct missing patterns a scan keeps. */
export const MAX_PATTERNS = 20_000;

/** Above this share of rows lost, "drop rows" is never the default: the wizard imputes unless told otherwise. */
export const DROP_SHARE_LIMIT = 0.05;

/** A column as the wizard will import it. */
export interface PlannedUse {
  name: string;
  type: ColumnType;
  role: 'feature' | 'label' | 'text' | 'ignore';
}

/** Does a column of this type and role take part in the missing-value policy (stored as float32 and used)? */
export function policyApplies(c: Pick<PlannedUse, 'type' | 'role'>): boolean {
  return c.role !== 'ignore' && (c.type === 'numeric' || c.type === 'binary' || c.type === 'categorical');
}

export interface PolicyCounts {
  sourceRows: number;
  /** Per used column with missing cells: the cells a policy acts on. */
  columns: { name: string; cells: number }[];
  /** Rows with at least one missing cell in a used column: what "drop" removes (an upper bound when unpatterned > 0). */
  rowsWithMissing: number;
  /** Rows kept by each policy. */
  kept: Record<MissingPolicy, number>;
  /** Missing cells filled by "impute", or stored as missing by "keep". */
  cells: number;
}

/** What each policy keeps, for the columns as planned (source order, same length as scan.columns). */
export function policyCounts(scan: MissingScan, plan: PlannedUse[]): PolicyCounts {
  if (plan.length !== scan.columns.length) {
    throw new Error(`The plan has ${plan.length} columns but the scanned file has ${scan.columns.length}`);
  }
  const used = plan.map(policyApplies);
  // Non-finite tokens are missing in numeric and binary columns; a categorical column reads them as a level.
  const gaps = plan.map((c, j) => used[j] === true && (c.type === 'numeric' || c.type === 'binary'));
  let rowsWithMissing = scan.unpatterned;
  for (const p of scan.patterns) {
    if (p.missing.some((j) => used[j]) || p.nonFinite.some((j) => gaps[j])) rowsWithMissing += p.rows;
  }
  rowsWithMissing = Math.min(rowsWithMissing, scan.sourceRows);
  const columns: PolicyCounts['columns'] = [];
  scan.columns.forEach((c, j) => {
    if (!used[j]) return;
    const cells = c.missing + (gaps[j] ? c.nonFinite : 0);
    if (cells > 0) columns.push({ name: c.name, cells });
  });
  const cells = columns.reduce((a, c) => a + c.cells, 0);
  return {
    sourceRows: scan.sourceRows,
    columns,
    rowsWithMissing,
    kept: { drop: scan.sourceRows - rowsWithMissing, impute: scan.sourceRows, keep: scan.sourceRows },
    cells,
  };
}

/** The wizard's default: drop rows when that loses at most DROP_SHARE_LIMIT of them, else impute. */
export function defaultMissingPolicy(counts: Pick<PolicyCounts, 'sourceRows' | 'rowsWithMissing'>): MissingPolicy {
  if (counts.sourceRows === 0) return 'drop';
  return counts.rowsWithMissing / counts.sourceRows <= DROP_SHARE_LIMIT ? 'drop' : 'impute';
}

/** Which models can use cells left missing (the 'keep' policy), and why. */
export const MISSING_SUPPORT: Record<'vae' | 'glm' | 'bnn' | 'lda', { accepts: boolean; why: string }> = {
  lda: {
    accepts: true,
    why: 'LDA reads only the text column; a missing text is an empty document and other columns are not used',
  },
  vae: { accepts: false, why: "the VAE's likelihood needs every feature value of a row" },
  bnn: { accepts: false, why: 'the network needs every feature value of a row, and a target to learn from' },
  glm: { accepts: false, why: 'the regression needs every predictor value of a row, and the target' },
};

const MODEL_NAMES: Record<keyof typeof MISSING_SUPPORT, string> = {
  vae: 'A VAE',
  glm: 'A regression (GLM)',
  bnn: 'A Bayesian neural network',
  lda: 'LDA',
};

/**
 * The refusal when a model that cannot handle missing values meets columns stored with missing cells (the 'keep'
 * policy): names the columns, their counts and the fix. null when nothing is missing in `used`.
 */
export function missingRefusal(
  model: keyof typeof MISSING_SUPPORT,
  datasetName: string,
  rows: number | null,
  used: Pick<ColumnSchema, 'name' | 'missingStored'>[],
): { message: string; hint: string } | null {
  if (MISSING_SUPPORT[model].accepts) return null;
  const bad = used.filter((c) => (c.missingStored ?? 0) > 0);
  if (bad.length === 0) return null;
  const list = bad
    .slice(0, 5)
    .map((c) => `"${c.name}" (${c.missingStored} of ${rows ?? '?'} rows)`)
    .join(', ');
  return {
    message:
      `${MODEL_NAMES[model]} cannot use missing values: dataset "${datasetName}" was imported with missing values kept, ` +
      `and ${bad.length === 1 ? 'column' : 'columns'} ${list}${bad.length > 5 ? ` and ${bad.length - 5} more` : ''} ` +
      `${bad.length === 1 ? 'has' : 'have'} missing cells (${MISSING_SUPPORT[model].why})`,
    hint: `Import the file again with "impute" (or "drop rows"), or leave ${bad.length === 1 ? `"${bad[0]!.name}"` : 'these columns'} out of the model.`,
  };
}

/** One line for a run's or dataset's data info: what the import did with missing values. */
export function describeMissing(p: {
  missing: MissingPolicy;
  droppedRows: number;
  sourceRows?: number;
  numericImpute?: string;
  indicators?: boolean;
  imputed?: { cells: number }[];
  keptMissing?: { cells: number }[];
  policySource?: 'default' | 'chosen';
}): string {
  const src = p.sourceRows;
  const pct = (n: number): string => (src ? ` (${((100 * n) / src).toFixed(1)} %)` : '');
  const how = p.policySource === 'default' ? ' (the default)' : p.policySource === 'chosen' ? ' (chosen)' : '';
  if (p.missing === 'drop') {
    return p.droppedRows === 0
      ? `Drop rows with a missing value${how}: none had one`
      : `Drop rows with a missing value${how}: ${p.droppedRows.toLocaleString('en-US')}${src ? ` of ${src.toLocaleString('en-US')}` : ''} rows dropped${pct(p.droppedRows)}`;
  }
  if (p.missing === 'impute') {
    const cells = (p.imputed ?? []).reduce((a, c) => a + c.cells, 0);
    const cols = (p.imputed ?? []).length;
    return (
      `Impute${how}: ${cells.toLocaleString('en-US')} cells in ${cols} column${cols === 1 ? '' : 's'} filled ` +
      `(numeric: ${p.numericImpute ?? 'mean'}; binary and categorical: most frequent level)` +
      (p.indicators ? ', with a 0/1 missing-indicator column each' : '') +
      '; no rows dropped'
    );
  }
  const cells = (p.keptMissing ?? []).reduce((a, c) => a + c.cells, 0);
  return `Keep missing${how}: ${cells.toLocaleString('en-US')} cells left missing; no rows dropped`;
}
