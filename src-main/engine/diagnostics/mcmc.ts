/**
 * Convergence diagnostics for Markov chains of one scalar quantity, as Vehtari, Gelman, Simpson, Carpenter & Bürkner
 * (2021), "Rank-normalization, folding, and localization: an improved R̂" (the posterior R package's definitions):
 *   split chains: each chain of n draws is cut into two halves (M chains → 2M of ⌊n/2⌋);
 *   rank-normalised z = Φ⁻¹((r − 3/8)/(S + 1/4)), r the average rank over all S pooled draws;
 *   R̂ = max(R̂(z(split x)), R̂(z(split |x − median x|))),  R̂(x) = √((n−1)/n + B/(nW)) with B/n the variance of the
 *     chain means and W the mean within-chain variance;
 *   ESS = MN/τ̂, τ̂ = −1 + 2 Σ_{t<T} ρ̂_t + ρ̂_T from Geyer's initial monotone sequence of paired autocorrelations
 *     (autocovariances from an FFT, combined across chains through var⁺);
 *   bulk-ESS = ESS(z(split x)); tail-ESS = min(ESS(split 𝟙[x ≤ q₀.₀₅]), ESS(split 𝟙[x ≤ q₀.₉₅]));
 *   MCSE of the mean = sd/√ESS(split x); of the sd by the delta method on ESS of (x − x̄)².
 * Input: one array per chain, all of the same length n ≥ 4.
 */
import { normalQuantile } from '../../../src-shared/stats/normal.js';

export type Chains = ReadonlyArray<ArrayLike<number>>;

function checkChains(x: Chains): number {
  if (x.length < 1) throw new RangeError('Expected at least 1 chain, got 0');
  const n = x[0]!.length;
  for (const [c, ch] of x.entries())
    if (ch.length !== n) throw new RangeError(`Chain ${c} has ${ch.length} draws, chain 0 has ${n}; cut them equal.`);
  if (n < 4) throw new RangeError(`Expected at least 4 draws per chain, got ${n}`);
  return n;
}

/** Each chain cut into its first and second half (the middle draw of an odd chain is dropped). */
export function splitChains(x: Chains): Float64Array[] {
  const n = checkChains(x);
  const h = Math.floor(n / 2);
  const out: Float64Array[] = [];
  for (const ch of x) {
    out.push(Float64Array.from({ length: h }, (_, i) => ch[i]!));
    out.push(Float64Array.from({ length: h }, (_, i) => ch[n - h + i]!));
  }
  return out;
}

/** Rank-normalised draws: Φ⁻¹((r − 3/8)/(S + 1/4)) with average ranks for ties, pooled over chains. */
export function rankNormalise(x: Chains): Float64Array[] {
  const n = x[0]!.length;
  const S = x.length * n;
  const flat = new Float64Array(S);
  x.forEach((ch, c) => {
    for (let i = 0; i < n; i++) flat[c * n + i] = ch[i]!;
  });
  const order = Array.from({ length: S }, (_, i) => i).sort((a, b) => flat[a]! - flat[b]!);
  const rank = new Float64Array(S);
  for (let i = 0; i < S;) {
    let j = i;
    while (j + 1 < S && flat[order[j + 1]!] === flat[order[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) rank[order[k]!] = r;
    i = j + 1;
  }
  return x.map((_, c) =>
    Float64Array.from({ length: n }, (_, i) => normalQuantile((rank[c * n + i]! - 0.375) / (S + 0.25))),
  );
}

/** The classic potential scale reduction √((n−1)/n + B/(nW)) of the chains as given (no splitting). */
export function rhatBasic(x: Chains): number {
  const n = checkChains(x);
  const M = x.length;
  if (M < 2) return NaN;
  const means = x.map((ch) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += ch[i]!;
    return s / n;
  });
  const vars = x.map((ch, c) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (ch[i]! - means[c]!) ** 2;
    return s / (n - 1);
  });
  const grand = means.reduce((a, b) => a + b, 0) / M;
  const B = (n * means.reduce((a, m) => a + (m - grand) ** 2, 0)) / (M - 1);
  const W = vars.reduce((a, b) => a + b, 0) / M;
  if (!(W > 0)) return B > 0 ? Infinity : NaN;
  return Math.sqrt((n - 1) / n + B / (n * W));
}

/** Rank-normalised split R̂ (the larger of bulk and folded). > 1.01 means the chains disagree. */
export function rhat(x: Chains): number {
  checkChains(x);
  const bulk = rhatBasic(rankNormalise(splitChains(x)));
  const all: number[] = [];
  for (const ch of x) for (let i = 0; i < ch.length; i++) all.push(ch[i]!);
  const med = median(all);
  const folded = x.map((ch) => Float64Array.from({ length: ch.length }, (_, i) => Math.abs(ch[i]! - med)));
  const tail = rhatBasic(rankNormalise(splitChains(folded)));
  return Math.max(bulk, tail);
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : 0.5 * (s[m - 1]! + s[m]!);
}

/** Sample quantile with linear interpolation (R type 7). */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** In-place radix-2 FFT of (re, im), length a power of two; `inverse` without the 1/n factor. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const ar = re[i + k]!;
        const ai = im[i + k]!;
        const br = re[i + k + len / 2]! * cr - im[i + k + len / 2]! * ci;
        const bi = re[i + k + len / 2]! * ci + im[i + k + len / 2]! * cr;
        re[i + k] = ar + br;
        im[i + k] = ai + bi;
        re[i + k + len / 2] = ar - br;
        im[i + k + len / 2] = ai - bi;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
}

/** Biased autocovariance γ̂_t = (1/n) Σ_{i<n−t} (x_i − x̄)(x_{i+t} − x̄), t = 0 … n−1 (by FFT, zero-padded). */
export function autocovariance(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i]! / n;
  let size = 1;
  while (size < 2 * n) size <<= 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let i = 0; i < n; i++) re[i] = x[i]! - m;
  fft(re, im, false);
  for (let i = 0; i < size; i++) {
    re[i] = re[i]! * re[i]! + im[i]! * im[i]!;
    im[i] = 0;
  }
  fft(re, im, true);
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) out[t] = re[t]! / size / n;
  return out;
}

/** Effective sample size of the chains as given (no splitting, no rank normalisation). NaN for constant draws. */
export function essBasic(x: Chains): number {
  const n = checkChains(x);
  const M = x.length;
  const acov = x.map((ch) => autocovariance(ch).map((v) => (v * n) / (n - 1)));
  const means = x.map((ch) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += ch[i]!;
    return s / n;
  });
  const meanVar = acov.reduce((a, g) => a + g[0]!, 0) / M;
  let varPlus = (meanVar * (n - 1)) / n;
  if (M > 1) {
    const gm = means.reduce((a, b) => a + b, 0) / M;
    varPlus += means.reduce((a, m) => a + (m - gm) ** 2, 0) / (M - 1);
  }
  if (!(varPlus > 0)) return NaN;
  const meanAcov = (t: number): number => acov.reduce((a, g) => a + g[t]!, 0) / M;
  const rho = new Float64Array(n);
  rho[0] = 1;
  let rhoEven = 1;
  let rhoOdd = 1 - (meanVar - meanAcov(1)) / varPlus;
  rho[1] = rhoOdd;
  let t = 0;
  while (t < n - 5 && !Number.isNaN(rhoEven + rhoOdd) && rhoEven + rhoOdd > 0) {
    t += 2;
    rhoEven = 1 - (meanVar - meanAcov(t)) / varPlus;
    rhoOdd = 1 - (meanVar - meanAcov(t + 1)) / varPlus;
    if (rhoEven + rhoOdd >= 0) {
      rho[t] = rhoEven;
      rho[t + 1] = rhoOdd;
    }
  }
  const maxT = t;
  if (rhoEven > 0) rho[maxT] = rhoEven;
  // Geyer's initial monotone sequence.
  for (let u = 2; u <= maxT - 2; u += 2) {
    if (rho[u]! + rho[u + 1]! > rho[u - 2]! + rho[u - 1]!) {
      rho[u] = (rho[u - 2]! + rho[u - 1]!) / 2;
      rho[u + 1] = rho[u]!;
    }
  }
  let sum = 0;
  for (let u = 0; u < maxT; u++) sum += rho[u]!;
  const S = M * n;
  const tau = Math.max(-1 + 2 * sum + rho[maxT]!, 1 / Math.log10(S));
  return S / tau;
}

/** Bulk-ESS: ESS of the rank-normalised split chains. */
export function essBulk(x: Chains): number {
  return essBasic(rankNormalise(splitChains(x)));
}

/** Tail-ESS: the smaller ESS of the 5 % and 95 % quantile indicators (split chains). */
export function essTail(x: Chains): number {
  const all: number[] = [];
  for (const ch of x) for (let i = 0; i < ch.length; i++) all.push(ch[i]!);
  all.sort((a, b) => a - b);
  const q05 = quantile(all, 0.05);
  const q95 = quantile(all, 0.95);
  const ind = (q: number) => x.map((ch) => Float64Array.from({ length: ch.length }, (_, i) => (ch[i]! <= q ? 1 : 0)));
  return Math.min(essBasic(splitChains(ind(q05))), essBasic(splitChains(ind(q95))));
}

export interface ScalarSummary {
  mean: number;
  sd: number;
  /** Monte Carlo standard errors of the mean and the sd. */
  mcseMean: number;
  mcseSd: number;
  q05: number;
  q50: number;
  q95: number;
  rhat: number;
  essBulk: number;
  essTail: number;
}

/** Mean, sd, their MCSEs, quantiles, R̂ and bulk/tail ESS of one quantity's chains. */
export function summariseChains(x: Chains): ScalarSummary {
  const n = checkChains(x);
  const all: number[] = [];
  for (const ch of x) for (let i = 0; i < n; i++) all.push(ch[i]!);
  const S = all.length;
  const mean = all.reduce((a, b) => a + b, 0) / S;
  const sd = Math.sqrt(all.reduce((a, v) => a + (v - mean) ** 2, 0) / (S - 1));
  const essMean = essBasic(splitChains(x));
  const sq = x.map((ch) => Float64Array.from({ length: n }, (_, i) => (ch[i]! - mean) ** 2));
  const essSq = essBasic(splitChains(sq));
  // Var(ŝ²) ≈ Var((x − x̄)²)/ESS, and sd(ŝ) ≈ sd(ŝ²)/(2s).
  let m4 = 0;
  for (const v of all) m4 += ((v - mean) ** 2 - sd * sd) ** 2 / (S - 1);
  const mcseSd = sd > 0 ? Math.sqrt(m4 / essSq) / (2 * sd) : 0;
  const sorted = [...all].sort((a, b) => a - b);
  return {
    mean,
    sd,
    mcseMean: sd / Math.sqrt(essMean),
    mcseSd,
    q05: quantile(sorted, 0.05),
    q50: quantile(sorted, 0.5),
    q95: quantile(sorted, 0.95),
    rhat: x.length > 0 ? rhat(x) : NaN,
    essBulk: essBulk(x),
    essTail: essTail(x),
  };
}

/**
 * Energy Bayesian fraction of missing information per chain (Betancourt 2016): Σ (E_t − E_{t−1})² / Σ (E_t − Ē)².
 * Below 0.3 suggests the momentum resampling explores the energy distribution poorly.
 */
export function ebfmi(energy: ArrayLike<number>): number {
  const n = energy.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += energy[i]! / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) num += (energy[i]! - energy[i - 1]!) ** 2;
    den += (energy[i]! - m) ** 2;
  }
  return den > 0 ? num / den : NaN;
}
