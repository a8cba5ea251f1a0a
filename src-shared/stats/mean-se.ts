/**
 * Standard errors for every figure the app shows, and paired differences for every comparison it makes.
 *   mean x̄ = Σ x_i / n,  sd = √(Σ (x_i − x̄)² / (n − 1)),  SE(x̄) = sd / √n;
 *   paired difference on the same rows: d_i = a_i − b_i, d̄ ± SE(d̄) (the rows' own variation cancels, so two fits
 *   evaluated on the same rows are told apart far more sharply than by two unpaired SEs).
 * A difference is "within noise" when |d̄| < 2 SE(d̄) (an approximate 95 % interval that covers 0).
 */

export interface MeanSe {
  mean: number;
  /** Standard error of the mean (0 for a single value: no spread is known). */
  se: number;
  /** Sample standard deviation (n − 1 denominator; 0 for n < 2). */
  sd: number;
  /** Values the mean was computed on. */
  n: number;
}

/** Multiples of the standard error inside which a difference is reported as noise. */
export const NOISE_SE_MULTIPLE = 2;

/** Mean, sd and SE of the finite values of x (non-finite values are left out and not counted). */
export function meanSe(x: ArrayLike<number>): MeanSe {
  let n = 0;
  let m = 0;
  let m2 = 0;
  // Welford's update: one pass, no cancellation for large means.
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) continue;
    n += 1;
    const d = v - m;
    m += d / n;
    m2 += d * (v - m);
  }
  if (n === 0) return { mean: Number.NaN, se: Number.NaN, sd: Number.NaN, n: 0 };
  const sd = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
  return { mean: m, sd, se: sd / Math.sqrt(n), n };
}

export interface PairedDifference extends MeanSe {
  /** |mean| < NOISE_SE_MULTIPLE · se: the data do not tell the two apart. */
  withinNoise: boolean;
}

/** True when |difference| < 2 SE, when the difference is exactly 0, or when either is unknown. */
export function isWithinNoise(difference: number, se: number): boolean {
  if (!Number.isFinite(difference) || !Number.isFinite(se)) return true;
  return difference === 0 || Math.abs(difference) < NOISE_SE_MULTIPLE * se;
}

/** a_i − b_i over rows where both are finite; a and b must be aligned (the same rows in the same order). */
export function pairedDifference(a: ArrayLike<number>, b: ArrayLike<number>): PairedDifference {
  if (a.length !== b.length) {
    throw new RangeError(
      `A paired difference needs the same rows on both sides, got ${a.length} and ${b.length} values.`,
    );
  }
  const d: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const v = a[i]! - b[i]!;
    if (Number.isFinite(v)) d.push(v);
  }
  const s = meanSe(d);
  return { ...s, withinNoise: s.n < 2 || isWithinNoise(s.mean, s.se) };
}

/**
 * Align two per-row series by row id and take the paired difference on the rows both hold (e.g. two runs evaluated
 * on overlapping validation rows). Returns null when fewer than 2 rows are shared.
 */
export function pairedDifferenceByRow(
  a: { rows: ArrayLike<number>; values: ArrayLike<number> },
  b: { rows: ArrayLike<number>; values: ArrayLike<number> },
): PairedDifference | null {
  const byRow = new Map<number, number>();
  for (let i = 0; i < b.rows.length; i++) byRow.set(b.rows[i]!, b.values[i]!);
  const av: number[] = [];
  const bv: number[] = [];
  for (let i = 0; i < a.rows.length; i++) {
    const other = byRow.get(a.rows[i]!);
    if (other === undefined) continue;
    av.push(a.values[i]!);
    bv.push(other);
  }
  return av.length >= 2 ? pairedDifference(av, bv) : null;
}

/** Quantile q ∈ [0, 1] of the finite values (linear interpolation between order statistics). */
export function quantile(x: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`Expected a quantile in [0, 1], got ${q}`);
  const v = Array.from(x)
    .filter(Number.isFinite)
    .sort((p, r) => p - r);
  if (v.length === 0) return Number.NaN;
  const pos = q * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
}
