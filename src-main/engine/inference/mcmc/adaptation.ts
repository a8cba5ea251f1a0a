/**
 * Warm-up adaptation for HMC / NUTS as in Stan (Stan Reference Manual, "HMC algorithm parameters"):
 *   - step size by dual averaging (Hoffman & Gelman 2014, §3.2; Nesterov 2009): with counter m,
 *       s̄ ← (1 − 1/(m + t₀)) s̄ + (δ − a_m)/(m + t₀),  log ε_m = μ − √m s̄ / γ,
 *       log ε̄ ← m^−κ log ε_m + (1 − m^−κ) log ε̄,   μ = log(10 ε₀), γ = 0.05, t₀ = 10, κ = 0.75, δ = 0.8;
 *     the final step size is ε̄;
 *   - the inverse metric M⁻¹ (diagonal or dense) from the draws of doubling windows between an initial buffer (75)
 *     and a terminal buffer (50), base window 25, each estimate shrunk towards 10⁻³ I:
 *       M⁻¹ = n/(n + 5) · Cov + 10⁻³ · 5/(n + 5) · I;
 *     after each window the step size is re-initialised and its dual averaging restarted.
 */

export class DualAveraging {
  private counter = 0;
  private sBar = 0;
  private xBar = 0;
  private mu: number;
  constructor(
    eps0: number,
    private readonly delta = 0.8,
    private readonly gamma = 0.05,
    private readonly t0 = 10,
    private readonly kappa = 0.75,
  ) {
    this.mu = Math.log(10 * eps0);
  }

  /** Restart with a new initial step size (μ = log 10 ε₀). */
  restart(eps0: number): void {
    this.counter = 0;
    this.sBar = 0;
    this.xBar = 0;
    this.mu = Math.log(10 * eps0);
  }

  /** Learn from one transition's mean acceptance statistic; returns the next step size. */
  learn(acceptStat: number): number {
    this.counter++;
    const a = Number.isFinite(acceptStat) ? Math.min(1, acceptStat) : 0;
    const eta = 1 / (this.counter + this.t0);
    this.sBar = (1 - eta) * this.sBar + eta * (this.delta - a);
    const x = this.mu - (this.sBar * Math.sqrt(this.counter)) / this.gamma;
    const w = Math.pow(this.counter, -this.kappa);
    this.xBar = (1 - w) * this.xBar + w * x;
    return Math.exp(x);
  }

  /** The averaged step size exp(log ε̄), used after warm-up. */
  final(): number {
    return Math.exp(this.xBar);
  }
}

/** Running mean and covariance (Welford), diagonal or dense. */
export class CovarianceEstimator {
  n = 0;
  private mean: Float64Array;
  private m2: Float64Array;
  constructor(
    private readonly dim: number,
    private readonly dense: boolean,
  ) {
    this.mean = new Float64Array(dim);
    this.m2 = new Float64Array(dense ? dim * dim : dim);
  }

  add(q: ArrayLike<number>): void {
    const D = this.dim;
    this.n++;
    const d1 = new Float64Array(D);
    for (let i = 0; i < D; i++) {
      d1[i] = q[i]! - this.mean[i]!;
      this.mean[i]! += d1[i]! / this.n;
    }
    for (let i = 0; i < D; i++) {
      const d2i = q[i]! - this.mean[i]!;
      if (this.dense) for (let j = 0; j < D; j++) this.m2[i * D + j]! += d2i * d1[j]!;
      else this.m2[i]! += d2i * d1[i]!;
    }
  }

  /** Stan's regularised estimate n/(n+5) · Cov + 10⁻³ · 5/(n+5) · I (diagonal: D values; dense: D × D). */
  regularised(): Float64Array {
    const D = this.dim;
    const n = this.n;
    const out = new Float64Array(this.m2.length);
    const shrink = 1e-3 * (5 / (n + 5));
    for (let k = 0; k < out.length; k++) out[k] = (n / (n + 5)) * (this.m2[k]! / Math.max(1, n - 1));
    if (this.dense) {
      for (let i = 0; i < D; i++) out[i * D + i]! += shrink;
      // Symmetrise (Welford's outer products are symmetric only up to rounding).
      for (let i = 0; i < D; i++)
        for (let j = 0; j < i; j++) {
          const v = 0.5 * (out[i * D + j]! + out[j * D + i]!);
          out[i * D + j] = v;
          out[j * D + i] = v;
        }
    } else for (let i = 0; i < D; i++) out[i]! += shrink;
    return out;
  }

  restart(): void {
    this.n = 0;
    this.mean.fill(0);
    this.m2.fill(0);
  }
}

/**
 * Stan's windowed warm-up schedule: the iterations (0-based) that collect metric draws, and those at which a window
 * ends (the metric is updated after that iteration). Warm-ups too short for 75 + 25 + 50 use 15 % / 75 % / 10 %;
 * fewer than 20 warm-up iterations adapt the step size only.
 */
export function warmupWindows(warmup: number): { start: number; end: number }[] {
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`Expected warmup ≥ 0 iterations, got ${warmup}`);
  if (warmup < 20) return [];
  let init = 75;
  let term = 50;
  let base = 25;
  if (init + base + term > warmup) {
    init = Math.floor(0.15 * warmup);
    term = Math.floor(0.1 * warmup);
    base = warmup - (init + term);
  }
  const lastEnd = warmup - term; // exclusive end of the adaptation windows
  const out: { start: number; end: number }[] = [];
  let start = init;
  let size = base;
  while (start < lastEnd) {
    let end = start + size;
    // A window that would leave less than twice its doubled size before the terminal buffer absorbs the rest.
    if (end + 2 * size >= lastEnd) end = lastEnd;
    out.push({ start, end });
    start = end;
    size *= 2;
  }
  return out;
}
