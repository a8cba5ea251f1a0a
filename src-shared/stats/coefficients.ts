/**
 * A GLM's coefficients on the data's own scale, and the error of one posterior against another.
 *
 * Fitting scale → original scale (engine/models/glm/standardise.ts fits x_j as (x_j − c_j)/s_j and a linear model's
 * y as (y − m)/t): y = m + t·(β₀ + Σ_j β_j (x_j − c_j)/s_j), so
 *   b_j = t·β_j / s_j,   b₀ = m + t·(β₀ − Σ_j β_j c_j / s_j),   σ_y = t·exp(log σ).
 * The map is affine, b = Aβ + a, and `originalCoefficients` is its one home: tables from draws map every draw (the
 * intercept mixes coefficients, so its quantiles are not the mapped quantiles); tables from a Gaussian map the mean
 * and covariance exactly (A μ + a, A Σ Aᵀ).
 * Dummy columns have c = 0, s = 1, so their b is a difference from the reference level in target units.
 */
import type {
  CoefficientError,
  CoefficientRow,
  CoefficientTable,
  DummyCoding,
  ReferenceComparison,
} from '../domain/reference';
import { normalCdf, normalQuantile } from './normal';

export interface GlmScaling {
  /** Per design column (after the intercept): the centre and scale used in fitting. */
  centre: ArrayLike<number>;
  scale: ArrayLike<number>;
  /** The target's centre and scale (0 and 1 when the target was not standardised, e.g. logistic regression). */
  target: { centre: number; scale: number };
}

/** The scaling of data fitted as it is (no standardisation). */
export function identityScaling(predictors: number): GlmScaling {
  return {
    centre: new Float64Array(predictors),
    scale: new Float64Array(predictors).fill(1),
    target: { centre: 0, scale: 1 },
  };
}

/**
 * b = Aβ + a for one fitting-scale vector θ (intercept first, then the P design columns; further coordinates such as
 * log σ are ignored). Writes the P + 1 coefficients into `out` (or a new array).
 */
export function originalCoefficients(
  theta: ArrayLike<number>,
  s: GlmScaling,
  offset = 0,
  out: Float64Array = new Float64Array(s.centre.length + 1),
): Float64Array {
  const P = s.centre.length;
  const t = s.target.scale;
  let shift = 0;
  for (let j = 0; j < P; j++) {
    const bj = theta[offset + j + 1]! / s.scale[j]!;
    out[j + 1] = t * bj;
    shift += bj * s.centre[j]!;
  }
  out[0] = s.target.centre + t * (theta[offset]! - shift);
  return out;
}

function checkNames(names: readonly string[], s: GlmScaling, D: number): void {
  const P = s.centre.length;
  if (names[0] !== '(intercept)')
    throw new RangeError(`Expected "(intercept)" first among the coefficients, got "${names[0]}"`);
  if (s.scale.length !== P || names.length < P + 1 || D < P + 1)
    throw new RangeError(
      `Expected the intercept and ${P} design columns (centres ${P}, scales ${s.scale.length}), got ${names.length} names and ${D} coordinates`,
    );
}

/**
 * The coding behind a design column: a categorical predictor's dummy `column[level]`, or a two-valued predictor stored
 * as 0/1 under its own name (its level coded 1 against the level coded 0). Undefined for a numeric predictor.
 */
export function dummyOf(name: string, dummies: readonly DummyCoding[] | undefined): CoefficientRow['dummy'] {
  for (const d of dummies ?? []) {
    const k = d.names.indexOf(name);
    // `names` lists the levels other than the reference, in level order.
    const level = k >= 0 ? d.levels.filter((l) => l !== d.reference)[k] : undefined;
    if (level !== undefined) return { column: d.column, level, reference: d.reference };
  }
  return undefined;
}

/** A coefficient's row name for people: `sex = male (vs female)` for a coded level, else the column's name. */
export function coefficientLabel(row: Pick<CoefficientRow, 'name' | 'dummy'>): string {
  return row.dummy ? `${row.dummy.column} = ${row.dummy.level} (vs ${row.dummy.reference})` : row.name;
}

/** Draws of the original-scale coefficients (and σ_y for learned noise) from fitting-scale draws θ [S, D]. */
export function originalDraws(
  names: readonly string[],
  theta: ArrayLike<number>,
  S: number,
  D: number,
  scaling: GlmScaling,
): { names: string[]; values: Float64Array; sigma: Float64Array | null } {
  checkNames(names, scaling, D);
  if (theta.length !== S * D) throw new RangeError(`Expected ${S} × ${D} draws, got ${theta.length} values`);
  const K = scaling.centre.length + 1;
  const values = new Float64Array(S * K);
  const li = names.indexOf('log σ');
  const sigma = li >= 0 ? new Float64Array(S) : null;
  for (let i = 0; i < S; i++) {
    originalCoefficients(theta, scaling, i * D, values.subarray(i * K, (i + 1) * K));
    if (sigma) sigma[i] = scaling.target.scale * Math.exp(theta[i * D + li]!);
  }
  return { names: names.slice(0, K), values, sigma };
}

/** Sample quantile with linear interpolation (R type 7) of sorted values. */
export function sortedQuantile(sorted: ArrayLike<number>, p: number): number {
  return q(sorted, p);
}
function q(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * A table row from draws of one coefficient. `ess` (default: the number of draws, i.e. independent draws) sets the
 * MCSEs: mean sd/√ESS; sd by the delta method, √(Var((x − x̄)²)/ESS) / (2 sd).
 */
export function rowFromDraws(name: string, x: ArrayLike<number>, ess?: number): CoefficientRow {
  const S = x.length;
  if (S < 2) throw new RangeError(`Expected at least 2 draws of "${name}", got ${S}`);
  let mean = 0;
  for (let i = 0; i < S; i++) mean += x[i]! / S;
  let v = 0;
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < S; i++) {
    v += (x[i]! - mean) ** 2 / (S - 1);
    if (x[i]! > 0) pos++;
    else if (x[i]! < 0) neg++;
  }
  const sd = Math.sqrt(v);
  let m4 = 0;
  for (let i = 0; i < S; i++) m4 += ((x[i]! - mean) ** 2 - v) ** 2 / (S - 1);
  const n = ess ?? S;
  const sorted = Float64Array.from(x).sort();
  return {
    name,
    mean,
    sd,
    mcseMean: sd / Math.sqrt(n),
    mcseSd: sd > 0 ? Math.sqrt(m4 / n) / (2 * sd) : 0,
    q025: q(sorted, 0.025),
    q05: q(sorted, 0.05),
    q50: q(sorted, 0.5),
    q95: q(sorted, 0.95),
    q975: q(sorted, 0.975),
    pd: Math.max(pos, neg) / S,
  };
}

/** The coefficient table of fitting-scale draws θ [S, D] (independent draws, e.g. from a variational family). */
export function coefficientTableFromDraws(
  names: readonly string[],
  theta: ArrayLike<number>,
  S: number,
  D: number,
  scaling: GlmScaling,
  dummies?: readonly DummyCoding[],
): CoefficientTable {
  const o = originalDraws(names, theta, S, D, scaling);
  const K = o.names.length;
  const rows = o.names.map((name, k) => {
    const row = rowFromDraws(
      name,
      Float64Array.from({ length: S }, (_, i) => o.values[i * K + k]!),
    );
    const dummy = dummyOf(name, dummies);
    return dummy ? { ...row, dummy } : row;
  });
  const table: CoefficientTable = { rows, source: { kind: 'draws', draws: S } };
  if (o.sigma) table.noiseSigma = rowFromDraws('σ', o.sigma);
  return table;
}

/** The original-scale Gaussian N(Aμ + a, AΣAᵀ) of a fitting-scale Gaussian N(μ, Σ) (μ [D], Σ [D, D]). */
export function originalGaussian(
  names: readonly string[],
  mean: ArrayLike<number>,
  cov: ArrayLike<number>,
  scaling: GlmScaling,
): { names: string[]; mean: Float64Array; cov: Float64Array } {
  const D = mean.length;
  checkNames(names, scaling, D);
  if (cov.length !== D * D) throw new RangeError(`Expected a ${D} × ${D} covariance, got ${cov.length} values`);
  const K = scaling.centre.length + 1;
  const a = originalCoefficients(new Float64Array(D), scaling);
  const A = new Float64Array(K * D);
  for (let d = 0; d < D; d++) {
    const e = new Float64Array(D);
    e[d] = 1;
    const col = originalCoefficients(e, scaling);
    for (let k = 0; k < K; k++) A[k * D + d] = col[k]! - a[k]!;
  }
  const m = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let s = a[k]!;
    for (let d = 0; d < D; d++) s += A[k * D + d]! * mean[d]!;
    m[k] = s;
  }
  const AS = new Float64Array(K * D);
  for (let k = 0; k < K; k++)
    for (let d = 0; d < D; d++) {
      let s = 0;
      for (let e = 0; e < D; e++) s += A[k * D + e]! * cov[e * D + d]!;
      AS[k * D + d] = s;
    }
  const C = new Float64Array(K * K);
  for (let k = 0; k < K; k++)
    for (let l = 0; l < K; l++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += AS[k * D + d]! * A[l * D + d]!;
      C[k * K + l] = s;
    }
  return { names: names.slice(0, K), mean: m, cov: C };
}

/** The exact coefficient table of a fitting-scale Gaussian posterior N(μ, Σ): quantiles μ_b ± z_p σ_b, pd = Φ(|μ_b|/σ_b). */
export function coefficientTableFromGaussian(
  names: readonly string[],
  mean: ArrayLike<number>,
  cov: ArrayLike<number>,
  scaling: GlmScaling,
  dummies?: readonly DummyCoding[],
): CoefficientTable {
  const g = originalGaussian(names, mean, cov, scaling);
  const K = g.names.length;
  const z = (p: number) => normalQuantile(p);
  const rows = g.names.map((name, k): CoefficientRow => {
    const m = g.mean[k]!;
    const sd = Math.sqrt(Math.max(0, g.cov[k * K + k]!));
    const row: CoefficientRow = {
      name,
      mean: m,
      sd,
      mcseMean: 0,
      mcseSd: 0,
      q025: m + z(0.025) * sd,
      q05: m + z(0.05) * sd,
      q50: m,
      q95: m + z(0.95) * sd,
      q975: m + z(0.975) * sd,
      pd: sd > 0 ? normalCdf(Math.abs(m) / sd) : 1,
    };
    const dummy = dummyOf(name, dummies);
    return dummy ? { ...row, dummy } : row;
  });
  return { rows, source: { kind: 'exact' } };
}

/**
 * The error of posterior `q` against the reference `ref`, matched by coefficient name (see ReferenceComparison):
 *   shift_j = (m_q − m_ref)/s_ref,  Var ≈ (mcse_q² + mcse_ref²)/s_ref² + shift² (mcseSd_ref/s_ref)²;
 *   ratio_j = s_q/s_ref,            Var ≈ ratio² ((mcseSd_q/s_q)² + (mcseSd_ref/s_ref)²);
 *   W = √(mean_j (shift_j² + (ratio_j − 1)²)), its SE by the delta method over independent coefficients.
 */
export function compareToReference(q: CoefficientTable, ref: CoefficientTable): ReferenceComparison {
  const byName = new Map(ref.rows.map((r) => [r.name, r]));
  const qNames = new Set(q.rows.map((r) => r.name));
  const unmatched = [
    ...q.rows.filter((r) => !byName.has(r.name)).map((r) => r.name),
    ...ref.rows.filter((r) => !qNames.has(r.name)).map((r) => r.name),
  ];
  const coefficients: CoefficientError[] = [];
  for (const a of q.rows) {
    const b = byName.get(a.name);
    if (!b) continue;
    if (!(b.sd > 0)) throw new RangeError(`The reference sd of "${a.name}" is ${b.sd}; it must be positive.`);
    const shift = (a.mean - b.mean) / b.sd;
    const relSdRef = b.mcseSd / b.sd;
    const shiftSe = Math.sqrt((a.mcseMean ** 2 + b.mcseMean ** 2) / b.sd ** 2 + shift ** 2 * relSdRef ** 2);
    const sdRatio = a.sd / b.sd;
    const sdRatioSe = sdRatio * Math.sqrt((a.sd > 0 ? (a.mcseSd / a.sd) ** 2 : 0) + relSdRef ** 2);
    coefficients.push({ name: a.name, shift, shiftSe, sdRatio, sdRatioSe });
  }
  const K = coefficients.length;
  if (K === 0) throw new RangeError('No coefficient names in common between the posterior and the reference.');
  let w2sq = 0;
  for (const c of coefficients) w2sq += (c.shift ** 2 + (c.sdRatio - 1) ** 2) / K;
  const w2 = Math.sqrt(w2sq);
  let varW = 0;
  if (w2 > 0)
    for (const c of coefficients)
      varW += ((c.shift * c.shiftSe) ** 2 + ((c.sdRatio - 1) * c.sdRatioSe) ** 2) / (K * w2) ** 2;
  const abs = coefficients.map((c) => Math.abs(c.shift));
  return {
    coefficients,
    overall: {
      w2,
      se: Math.sqrt(varW),
      meanAbsShift: abs.reduce((s, v) => s + v, 0) / K,
      maxAbsShift: Math.max(...abs),
    },
    unmatched,
  };
}
