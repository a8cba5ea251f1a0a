/**
 * Turns a raw feature matrix into what the VAE models, and chooses the likelihood:
 *
 *   Bernoulli:  x' = x / c  with c = spec.scale, or the global maximum for pixel-like grey levels, so x' ∈ [0, 1];
 *   Gaussian:   x'_ij = (x_ij − mean_j) / std_j  (std_j = 1 for constant columns);
 *   mixed:      numeric columns standardised as for Gaussian; a categorical column with L levels (raw values are
 *               level codes 0 … L−1, as the dataset file stores them) becomes L one-hot columns, modelled by a
 *               categorical likelihood over its group; the level counts come from the optional `columns` argument
 *               (`{ name, type: 'categorical', levels }` — the dataset schema's entries for the feature columns).
 *
 * `auto` picks Bernoulli when every value is ≥ 0 and either every value is ≤ 1, or the data look like grey levels
 * (integers in 0 … 255 over at least 16 columns, e.g. 8×8 digits in 0–16 or images in 0–255), or every value is
 * ≤ spec.scale when a scale is given; otherwise Gaussian.
 */
import type { VaeSpec } from '../../../../src-shared/schemas/run-spec';

export interface VaeData {
  /** Row-major raw feature matrix, n × d. */
  x: Float32Array;
  n: number;
  d: number;
}

export interface ColumnRange {
  min: number;
  max: number;
  mean: number;
  std: number;
}

export type VaeLikelihood = 'bernoulli' | 'gaussian' | 'mixed';

/** What prepareVaeData needs to know about each raw feature column (the dataset schema's entries). */
export interface VaeColumn {
  name: string;
  type: 'numeric' | 'binary' | 'categorical';
  /** Level labels of a categorical column; raw values are indices into it. */
  levels?: string[];
}

/** One raw column as it appears in the prepared matrix: columns [start, start + size). */
export interface PreparedColumn {
  name: string;
  kind: 'bernoulli' | 'gaussian' | 'categorical';
  start: number;
  size: number;
  levels?: string[];
}

export type VaeTransform =
  | { kind: 'scale'; divisor: number }
  | { kind: 'standardize'; mean: number[]; std: number[] }
  /** Per raw column: numeric (mean, std) or categorical (levels); prepared columns follow `PreparedVaeData.columns`. */
  | { kind: 'mixed'; mean: number[]; std: number[]; levels: Array<number | null> };

export interface PreparedVaeData {
  /** Row-major prepared matrix, n × d: in [0, 1] for Bernoulli, standardised for Gaussian. */
  x: Float32Array;
  n: number;
  d: number;
  likelihood: VaeLikelihood;
  /** How x was obtained from the raw values (stored with the run so a fitted model can be applied to new rows). */
  transform: VaeTransform;
  /** Square images (d = w²) with a Bernoulli likelihood; null otherwise. */
  image: { width: number; height: number } | null;
  /** Raw columns and where they sit in the prepared matrix (names x1, x2 … when no column schema was given). */
  columns?: PreparedColumn[];
}

/** The prepared-column layout, filling it in for data prepared without one. */
export function columnsOf(data: PreparedVaeData): PreparedColumn[] {
  if (data.columns) return data.columns;
  const kind = data.likelihood === 'bernoulli' ? 'bernoulli' : 'gaussian';
  return Array.from({ length: data.d }, (_, j) => ({ name: `x${j + 1}`, kind, start: j, size: 1 }));
}

/** Fewest columns for integer data in 0 … 255 to count as pixel grey levels under `auto`. */
const MIN_PIXEL_COLUMNS = 16;

interface Scan {
  min: number;
  max: number;
  allIntegers: boolean;
  /** Where the minimum sits (for error messages). */
  argMin: { row: number; col: number };
  argMax: { row: number; col: number };
}

/** One pass over the matrix: global min / max and whether every value is an integer; rejects non-finite values. */
function scan(raw: VaeData): Scan {
  const { x, n, d } = raw;
  let min = Infinity;
  let max = -Infinity;
  let allIntegers = true;
  let argMin = { row: 0, col: 0 };
  let argMax = { row: 0, col: 0 };
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j]!;
      if (!Number.isFinite(v)) {
        throw new Error(
          `The VAE needs finite numbers, got ${v} in row ${i + 1}, feature column ${j + 1}; impute or drop missing values when importing.`,
        );
      }
      if (v < min) {
        min = v;
        argMin = { row: i, col: j };
      }
      if (v > max) {
        max = v;
        argMax = { row: i, col: j };
      }
      if (allIntegers && !Number.isInteger(v)) allIntegers = false;
    }
  }
  return { min, max, allIntegers, argMin, argMax };
}

/** (w, w) when d = w² with d ≥ 16 (4 × 4 or larger), else null: 4 or 9 binary columns are a table, not a picture. */
function squareImage(d: number): { width: number; height: number } | null {
  const w = Math.round(Math.sqrt(d));
  return d >= MIN_PIXEL_COLUMNS && w * w === d ? { width: w, height: w } : null;
}

/**
 * Prepared rows back in the data's own units, one value per raw column: x·divisor for scaled data, x·std + mean for
 * standardised columns, and for a categorical one-hot group the index of its largest entry (the level code, or the
 * most probable level of a reconstruction). `x` holds rows × data.d prepared values (e.g. decoder means).
 */
export function toOriginalUnits(data: PreparedVaeData, x: ArrayLike<number>, rows: number): number[][] {
  const t = data.transform;
  const cols = columnsOf(data);
  const out: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const base = i * data.d;
    out.push(
      cols.map((c, j) => {
        if (c.kind === 'categorical') {
          let best = 0;
          for (let l = 1; l < c.size; l++) if (x[base + c.start + l]! > x[base + c.start + best]!) best = l;
          return best;
        }
        const v = x[base + c.start]!;
        if (t.kind === 'scale') return v * t.divisor;
        return v * t.std[j]! + t.mean[j]!;
      }),
    );
  }
  return out;
}

/**
 * Validate a raw matrix, choose the likelihood and transform the values (see the module comment for the rule).
 *
 * @param raw    row-major n × d feature matrix
 * @param ranges per-column statistics (used for standardisation: x' = (x − mean) / std)
 * @param spec   the run spec (likelihood, scale)
 */
export function prepareVaeData(
  raw: VaeData,
  ranges: ColumnRange[],
  spec: VaeSpec,
  columns?: VaeColumn[],
): PreparedVaeData {
  const { d } = raw;
  if (columns && columns.length !== d)
    throw new Error(`Expected ${d} column descriptions (one per feature), got ${columns.length}.`);
  const hasCategorical = !!columns?.some((c) => c.type === 'categorical');
  if (spec.likelihood === 'mixed' || (spec.likelihood === 'auto' && hasCategorical)) {
    return prepareMixed(raw, ranges, columns);
  }
  if (hasCategorical) {
    const c = columns!.find((col) => col.type === 'categorical')!;
    throw new Error(
      `Column "${c.name}" is categorical; the ${spec.likelihood} likelihood would treat its level codes as numbers. ` +
        `Choose likelihood "mixed" (or "auto"), or leave the column out of the features.`,
    );
  }
  const named = (p: PreparedVaeData): PreparedVaeData =>
    columns
      ? {
          ...p,
          columns: columns.map((c, j) => ({
            name: c.name,
            kind: p.likelihood === 'bernoulli' ? 'bernoulli' : 'gaussian',
            start: j,
            size: 1,
          })),
        }
      : p;
  return named(prepareSimple(raw, ranges, spec));
}

function checkShape(raw: VaeData, ranges: ColumnRange[]): void {
  const { n, d } = raw;
  if (!Number.isInteger(n) || n < 2) throw new Error(`The VAE needs at least 2 rows, got ${n}.`);
  if (!Number.isInteger(d) || d < 1) throw new Error(`The VAE needs at least 1 feature column, got ${d}.`);
  if (raw.x.length !== n * d) {
    throw new Error(`Expected a ${n} × ${d} matrix (${n * d} values), got ${raw.x.length} values.`);
  }
  if (ranges.length !== d) throw new Error(`Expected ${d} column ranges (one per feature), got ${ranges.length}.`);
}

/**
 * Mixed-type tabular data: numeric (and binary) columns standardised, categorical columns one-hot encoded. A
 * categorical column needs `levels` (≥ 2) and integer codes in 0 … L−1.
 */
function prepareMixed(raw: VaeData, ranges: ColumnRange[], columns: VaeColumn[] | undefined): PreparedVaeData {
  checkShape(raw, ranges);
  scan(raw);
  const { n, d } = raw;
  const cols: VaeColumn[] =
    columns ?? Array.from({ length: d }, (_, j) => ({ name: `x${j + 1}`, type: 'numeric' as const }));
  const prepared: PreparedColumn[] = [];
  const mean: number[] = [];
  const std: number[] = [];
  const levels: Array<number | null> = [];
  let width = 0;
  cols.forEach((c, j) => {
    if (c.type === 'categorical') {
      const L = c.levels?.length ?? 0;
      if (L < 2) {
        throw new Error(
          `Categorical column "${c.name}" needs its level list (≥ 2 levels) to be one-hot encoded, got ${L}; pass the dataset schema's levels.`,
        );
      }
      prepared.push({ name: c.name, kind: 'categorical', start: width, size: L, levels: c.levels! });
      mean.push(0);
      std.push(1);
      levels.push(L);
      width += L;
    } else {
      const r = ranges[j]!;
      if (!Number.isFinite(r.mean)) throw new Error(`Column range ${j + 1} has a non-finite mean (${r.mean}).`);
      prepared.push({ name: c.name, kind: 'gaussian', start: width, size: 1 });
      mean.push(r.mean);
      std.push(Number.isFinite(r.std) && r.std > 1e-12 ? r.std : 1);
      levels.push(null);
      width += 1;
    }
  });
  const out = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = raw.x[i * d + j]!;
      const pc = prepared[j]!;
      if (pc.kind === 'categorical') {
        if (!Number.isInteger(v) || v < 0 || v >= pc.size) {
          throw new Error(
            `Categorical column "${pc.name}" has code ${v} in row ${i + 1}; expected an integer in 0 … ${pc.size - 1}.`,
          );
        }
        out[i * width + pc.start + v] = 1;
      } else {
        out[i * width + pc.start] = (v - mean[j]!) / std[j]!;
      }
    }
  }
  return {
    x: out,
    n,
    d: width,
    likelihood: 'mixed',
    transform: { kind: 'mixed', mean, std, levels },
    image: null,
    columns: prepared,
  };
}

function prepareSimple(raw: VaeData, ranges: ColumnRange[], spec: VaeSpec): PreparedVaeData {
  const { n, d } = raw;
  if (!Number.isInteger(n) || n < 2) throw new Error(`The VAE needs at least 2 rows, got ${n}.`);
  if (!Number.isInteger(d) || d < 1) throw new Error(`The VAE needs at least 1 feature column, got ${d}.`);
  if (raw.x.length !== n * d) {
    throw new Error(`Expected a ${n} × ${d} matrix (${n * d} values), got ${raw.x.length} values.`);
  }
  if (ranges.length !== d) throw new Error(`Expected ${d} column ranges (one per feature), got ${ranges.length}.`);
  if (!(spec.scale >= 0)) throw new Error(`Expected scale ≥ 0 (0 = the data maximum), got ${spec.scale}.`);
  const s = scan(raw);

  let likelihood: VaeLikelihood;
  let divisor = 1;
  if (spec.likelihood === 'gaussian') {
    likelihood = 'gaussian';
  } else if (spec.likelihood === 'bernoulli') {
    if (s.min < 0) {
      throw new Error(
        `A Bernoulli likelihood needs values ≥ 0, but feature column ${s.argMin.col + 1} has ${s.min} in row ${s.argMin.row + 1}. ` +
          `Choose the Gaussian likelihood (or auto) for data with negative values.`,
      );
    }
    divisor = spec.scale > 0 ? spec.scale : s.max > 1 ? s.max : 1;
    if (s.max / divisor > 1 + 1e-6) {
      throw new Error(
        `A Bernoulli likelihood needs values in [0, 1] after dividing by scale ${spec.scale}, but feature column ` +
          `${s.argMax.col + 1} has ${s.max} in row ${s.argMax.row + 1}. Set scale ≥ ${s.max} or 0 (the data maximum).`,
      );
    }
    likelihood = 'bernoulli';
  } else if (s.min < 0) {
    likelihood = 'gaussian';
  } else if (spec.scale > 0) {
    if (s.max <= spec.scale) {
      likelihood = 'bernoulli';
      divisor = spec.scale;
    } else {
      likelihood = 'gaussian';
    }
  } else if (s.max <= 1) {
    likelihood = 'bernoulli';
  } else if (s.allIntegers && s.max <= 255 && d >= MIN_PIXEL_COLUMNS) {
    likelihood = 'bernoulli';
    divisor = s.max;
  } else {
    likelihood = 'gaussian';
  }

  const out = new Float32Array(n * d);
  if (likelihood === 'bernoulli') {
    const inv = 1 / divisor;
    for (let i = 0; i < out.length; i++) out[i] = Math.min(1, raw.x[i]! * inv);
    return { x: out, n, d, likelihood, transform: { kind: 'scale', divisor }, image: squareImage(d) };
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < d; j++) {
    const r = ranges[j]!;
    if (!Number.isFinite(r.mean)) throw new Error(`Column range ${j + 1} has a non-finite mean (${r.mean}).`);
    mean.push(r.mean);
    std.push(Number.isFinite(r.std) && r.std > 1e-12 ? r.std : 1);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = (raw.x[i * d + j]! - mean[j]!) / std[j]!;
  }
  return { x: out, n, d, likelihood, transform: { kind: 'standardize', mean, std }, image: null };
}
