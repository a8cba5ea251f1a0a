/**
 * Turns a raw feature matrix into what the VAE models, and chooses the likelihood:
 *
 *   Bernoulli:  x' = x / c  with c = spec.scale, or the global maximum for pixel-like grey levels, so x' ∈ [0, 1];
 *   Gaussian:   x'_ij = (x_ij − mean_j) / std_j  (std_j = 1 for constant columns).
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

export type VaeLikelihood = 'bernoulli' | 'gaussian';

export type VaeTransform = { kind: 'scale'; divisor: number } | { kind: 'standardize'; mean: number[]; std: number[] };

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

/** (w, w) when d = w² with w ≥ 2, else null. */
function squareImage(d: number): { width: number; height: number } | null {
  const w = Math.round(Math.sqrt(d));
  return w >= 2 && w * w === d ? { width: w, height: w } : null;
}

/**
 * Validate a raw matrix, choose the likelihood and transform the values (see the module comment for the rule).
 *
 * @param raw    row-major n × d feature matrix
 * @param ranges per-column statistics (used for standardisation: x' = (x − mean) / std)
 * @param spec   the run spec (likelihood, scale)
 */
export function prepareVaeData(raw: VaeData, ranges: ColumnRange[], spec: VaeSpec): PreparedVaeData {
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
