/**
 * Convergence of a stochastic optimisation from its bound, as Stan's ADVI judges it (Kucukelbir, Tran, Ranganath,
 * Gelman & Blei 2017, §3.5; Stan's `tol_rel_obj`): at checkpoints t = 1 … T the bound L_t (an average over the steps
 * since the previous checkpoint, which smooths the Monte Carlo noise) gives relative changes
 *   δ_t = |L_t − L_{t−1}| / max(|L_t|, |L_t − L_1|),
 * and the run has converged when the mean or the median of the last `window` δ_t falls below `tolerance`.
 * Stan divides by |L_t| alone, which blows up when the bound sits near 0 — a log density's level is arbitrary (a
 * standardised regression of 200 rows ends at ELBO +5.6 and would never "converge"). The second scale, the climb since
 * the first checkpoint, keeps δ meaningful there and equals Stan's rule wherever |L_t| is the larger.
 * Shapes: one number per checkpoint. Also: passes in a row at the end in which a held-out measure got worse.
 */

export interface ConvergenceOptions {
  /** Relative-change tolerance (Stan's default 0.01). */
  tolerance?: number;
  /** Checkpoints whose relative changes are averaged (Stan keeps a circular buffer; default 5). */
  window?: number;
}

export interface Convergence {
  converged: boolean;
  /** The smaller of the mean and the median relative change over the window (NaN before two checkpoints). */
  relativeChange: number;
  tolerance: number;
  window: number;
  /** Checkpoints the verdict rests on. */
  checkpoints: number;
}

export function relativeChanges(bounds: readonly number[]): number[] {
  const out: number[] = [];
  const first = bounds[0]!;
  for (let t = 1; t < bounds.length; t++) {
    const cur = bounds[t]!;
    const prev = bounds[t - 1]!;
    const scale = Math.max(Math.abs(cur), Math.abs(cur - first));
    out.push(Math.abs(cur - prev) / (scale === 0 ? 1 : scale));
  }
  return out;
}

export function convergence(bounds: readonly number[], opts: ConvergenceOptions = {}): Convergence {
  const tolerance = opts.tolerance ?? 0.01;
  const window = opts.window ?? 5;
  if (!(tolerance > 0))
    throw new RangeError(`Expected a convergence tolerance > 0, got ${tolerance}; Stan's default is 0.01.`);
  if (!Number.isInteger(window) || window < 1)
    throw new RangeError(`Expected a convergence window ≥ 1 checkpoint, got ${window}`);
  const finite = bounds.filter(Number.isFinite);
  const deltas = relativeChanges(finite).slice(-window);
  if (deltas.length === 0)
    return { converged: false, relativeChange: Number.NaN, tolerance, window, checkpoints: finite.length };
  const mean = deltas.reduce((a, b) => a + b, 0) / deltas.length;
  const sorted = [...deltas].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const relativeChange = Math.min(mean, median);
  return { converged: relativeChange < tolerance, relativeChange, tolerance, window, checkpoints: finite.length };
}

/** Passes in a row, counted back from the last, in which `values` rose (a held-out perplexity getting worse). */
export function risingRun(values: ReadonlyArray<number | null>): { passes: number; from: number; to: number } | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  let passes = 0;
  for (let i = v.length - 1; i > 0 && v[i]! > v[i - 1]!; i--) passes++;
  return passes > 0 ? { passes, from: v[v.length - 1 - passes]!, to: v[v.length - 1]! } : null;
}
