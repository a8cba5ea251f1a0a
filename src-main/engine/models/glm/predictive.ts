/**
 * Predictive checks of a fitted GLM from S draws θ_s = (β_s [, log σ_s]) of its posterior, on the fitting scale
 * (intercept first, then the P design columns; X [N, P] without the intercept column).
 *
 * Held-out log predictive density (Gelman, Hwang & Vehtari 2014, "lpd"): per row
 *   lpd_i = log (1/S) Σ_s p(y_i | x_i, θ_s),
 * linear p = N(y; η, σ²) (learned σ_s, or the known σ), logistic p = Bernoulli(y; sigmoid η), η = β₀ + x·β.
 * A linear target standardised as (y − m)/t has its density in the target's units by − log t. Reported as the mean
 * over rows with its standard error sd(lpd_i)/√N.
 *
 * Posterior predictive check: linear — the observed y's histogram against R replicated data sets
 * y_rep = η_s + σ_s ε (median and 5–95 % band per bin, in the target's units); logistic — calibration: rows binned by
 * the posterior mean probability p̄_i, per bin the mean p̄ against the observed frequency of y = 1 (with its binomial
 * SE).
 */
import { normal, key, split } from '../../rng';
import { sortedQuantile } from '../../../../src-shared/stats/coefficients';
import type { GlmPredictiveCheck } from '../../../../src-shared/domain/artifacts';

export interface PredictiveInput {
  model: 'linear' | 'logistic';
  /** Design [N, P] on the fitting scale (no intercept column). */
  X: ArrayLike<number>;
  rows: number;
  cols: number;
  /** Targets on the fitting scale (0/1 for logistic). */
  y: ArrayLike<number>;
  /** Draws [S, D]: intercept, P coefficients, then log σ for learned noise. */
  draws: { n: number; values: ArrayLike<number> };
  D: number;
  /** Known noise σ on the fitting scale (linear, when not learned). */
  knownSigma?: number;
  /** The target's centre and scale (linear): y_original = m + t·y. */
  target?: { centre: number; scale: number };
}

function eta(inp: PredictiveInput, s: number, i: number): number {
  const { X, cols, draws, D } = inp;
  let e = draws.values[s * D]!;
  for (let j = 0; j < cols; j++) e += draws.values[s * D + 1 + j]! * X[i * cols + j]!;
  return e;
}

function sigmaOf(inp: PredictiveInput, s: number): number {
  if (inp.knownSigma !== undefined) return inp.knownSigma;
  const li = inp.cols + 1;
  if (inp.D <= li) throw new RangeError(`Expected log σ at coordinate ${li} of ${inp.D}; give knownSigma instead`);
  return Math.exp(inp.draws.values[s * inp.D + li]!);
}

function checkInput(inp: PredictiveInput): void {
  if (inp.X.length !== inp.rows * inp.cols)
    throw new RangeError(
      `Expected X of ${inp.rows} × ${inp.cols} = ${inp.rows * inp.cols} values, got ${inp.X.length}`,
    );
  if (inp.y.length !== inp.rows) throw new RangeError(`Expected ${inp.rows} targets, got ${inp.y.length}`);
  if (inp.draws.n < 1 || inp.draws.values.length !== inp.draws.n * inp.D)
    throw new RangeError(`Expected ${inp.draws.n} × ${inp.D} draws, got ${inp.draws.values.length} values`);
}

/** Per-row log predictive density in the target's units, its mean and SE over rows. */
export function heldOutLogPredictive(inp: PredictiveInput): {
  mean: number;
  se: number;
  rows: number;
  lpd: Float64Array;
} {
  checkInput(inp);
  const S = inp.draws.n;
  const N = inp.rows;
  const lpd = new Float64Array(N);
  const logT = inp.model === 'linear' ? Math.log(inp.target?.scale ?? 1) : 0;
  const lp = new Float64Array(S);
  for (let i = 0; i < N; i++) {
    const yi = inp.y[i]!;
    let max = -Infinity;
    for (let s = 0; s < S; s++) {
      const e = eta(inp, s, i);
      let v: number;
      if (inp.model === 'linear') {
        const sg = sigmaOf(inp, s);
        const z = (yi - e) / sg;
        v = -0.5 * z * z - Math.log(sg) - 0.5 * Math.log(2 * Math.PI);
      } else {
        // log sigmoid(±η), stable: −softplus(∓η).
        const a = yi > 0.5 ? -e : e;
        v = -(Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a))));
      }
      lp[s] = v;
      if (v > max) max = v;
    }
    let sum = 0;
    for (let s = 0; s < S; s++) sum += Math.exp(lp[s]! - max);
    lpd[i] = max + Math.log(sum / S) - logT;
  }
  let mean = 0;
  for (let i = 0; i < N; i++) mean += lpd[i]! / N;
  let v = 0;
  for (let i = 0; i < N; i++) v += (lpd[i]! - mean) ** 2 / Math.max(1, N - 1);
  return { mean, se: Math.sqrt(v / N), rows: N, lpd };
}

/** The posterior predictive check (see the module note); `replicates` data sets for the linear histogram. */
export function posteriorPredictiveCheck(
  inp: PredictiveInput,
  opts: { replicates?: number; bins?: number; seed?: number } = {},
): GlmPredictiveCheck {
  checkInput(inp);
  const N = inp.rows;
  const S = inp.draws.n;
  if (inp.model === 'logistic') {
    const B = opts.bins ?? 10;
    const pbar = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let p = 0;
      for (let s = 0; s < S; s++) p += 1 / (1 + Math.exp(-eta(inp, s, i))) / S;
      pbar[i] = p;
    }
    const bins = Array.from({ length: B }, (_, b) => ({
      lo: b / B,
      hi: (b + 1) / B,
      rows: 0,
      predicted: 0,
      observed: 0,
      observedSe: 0,
    }));
    for (let i = 0; i < N; i++) {
      const b = Math.min(B - 1, Math.floor(pbar[i]! * B));
      const bin = bins[b]!;
      bin.rows++;
      bin.predicted += pbar[i]!;
      bin.observed += inp.y[i]! > 0.5 ? 1 : 0;
    }
    for (const bin of bins)
      if (bin.rows > 0) {
        bin.predicted /= bin.rows;
        bin.observed /= bin.rows;
        bin.observedSe = Math.sqrt((bin.observed * (1 - bin.observed)) / bin.rows);
      }
    return { kind: 'calibration', rows: N, bins: bins.filter((b) => b.rows > 0) };
  }
  const m = inp.target?.centre ?? 0;
  const t = inp.target?.scale ?? 1;
  const yo = Float64Array.from({ length: N }, (_, i) => m + t * inp.y[i]!);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of yo) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const B = opts.bins ?? 20;
  const pad = (hi - lo) * 0.1 || 1;
  lo -= pad;
  hi += pad;
  const w = (hi - lo) / B;
  const binOf = (v: number) => Math.min(B - 1, Math.max(0, Math.floor((v - lo) / w)));
  const observed = new Array<number>(B).fill(0);
  for (const v of yo) observed[binOf(v)]!++;
  const R = Math.min(opts.replicates ?? 100, S);
  const counts = Array.from({ length: B }, () => new Float64Array(R));
  const keys = split(key(opts.seed ?? 1), R);
  for (let r = 0; r < R; r++) {
    const s = Math.floor((r * S) / R);
    const eps = normal(keys[r]!, N);
    const sg = sigmaOf(inp, s);
    for (let i = 0; i < N; i++) counts[binOf(m + t * (eta(inp, s, i) + sg * eps[i]!))]![r]!++;
  }
  const quant = (a: Float64Array, p: number) => sortedQuantile(Float64Array.from(a).sort(), p);
  return {
    kind: 'histogram',
    rows: N,
    replicates: R,
    edges: Array.from({ length: B + 1 }, (_, b) => lo + b * w),
    observed,
    replicated: counts.map((c) => ({ q05: quant(c, 0.05), q50: quant(c, 0.5), q95: quant(c, 0.95) })),
  };
}
