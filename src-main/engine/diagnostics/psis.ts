/**
 * Pareto-smoothed importance sampling (Vehtari, Simpson, Gelman, Yao & Gabry 2015/2024) and the k̂ diagnostic of
 * Yao et al. 2018 ("Yes, but did it work?"). Given log importance ratios log r_s = log p(θ_s, y) − log q(θ_s),
 * θ_s ~ q, fit a generalised Pareto distribution to the M = min(⌈0.2 S⌉, ⌈3√S⌉) largest ratios' exceedances over
 * the (S−M)-th, with the Zhang & Stephens (2009) profile estimator and a weakly informative prior on the shape
 * (k ← (M k + 5)/(M + 10)). k̂ < 0.5: reliable; 0.5–0.7: usable with care; > 0.7: the approximation q is poor.
 * The tail ratios are replaced by GPD quantiles (capped at the largest raw ratio) to give smoothed weights.
 */

export interface GpdFit {
  k: number;
  sigma: number;
}

/** Zhang & Stephens (2009) GPD fit to exceedances x > 0 (sorted ascending), with the Vehtari et al. prior on k. */
export function gpdFit(xSorted: Float64Array, weaklyInformativePrior = true): GpdFit {
  const n = xSorted.length;
  if (n < 2) throw new RangeError(`Expected at least 2 exceedances to fit a generalised Pareto tail, got ${n}`);
  const prior = 3;
  const m = 30 + Math.floor(Math.sqrt(n));
  const xStar = xSorted[Math.max(0, Math.floor(n / 4 + 0.5) - 1)]!;
  const xMax = xSorted[n - 1]!;
  const theta = new Float64Array(m);
  const lTheta = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    theta[j] = 1 / xMax + (1 - Math.sqrt(m / (j + 1 - 0.5))) / prior / xStar;
    let kj = 0;
    for (let i = 0; i < n; i++) kj += Math.log1p(-theta[j]! * xSorted[i]!);
    kj /= n;
    lTheta[j] = n * (Math.log(-theta[j]! / kj) - kj - 1);
  }
  let maxL = -Infinity;
  for (const l of lTheta) if (l > maxL) maxL = l;
  let sumW = 0;
  const w = Float64Array.from(lTheta, (l) => {
    const e = Math.exp(l - maxL);
    sumW += e;
    return e;
  });
  let thetaHat = 0;
  for (let j = 0; j < m; j++) thetaHat += (theta[j]! * w[j]!) / sumW;
  let k = 0;
  for (let i = 0; i < n; i++) k += Math.log1p(-thetaHat * xSorted[i]!);
  k /= n;
  const sigma = -k / thetaHat;
  if (weaklyInformativePrior) k = (n * k + 10 * 0.5) / (n + 10);
  return { k, sigma };
}

function gpdQuantile(p: number, k: number, sigma: number): number {
  return k === 0 ? -sigma * Math.log1p(-p) : (sigma * Math.expm1(-k * Math.log1p(-p))) / k;
}

export interface PsisResult {
  /** Pareto shape estimate k̂ (NaN when the tail is too short to fit). */
  khat: number;
  /** Tail length M used for the fit. */
  tailLength: number;
  /** Pareto-smoothed, normalised log weights (sum of exp = 1). */
  logWeights: Float64Array;
  /** Effective sample size of the smoothed weights, 1 / Σ w̃². */
  ess: number;
  /** ESS of the raw (unsmoothed) weights, (Σ w)² / Σ w². */
  essRaw: number;
}

export function psis(logRatios: ArrayLike<number>): PsisResult {
  const S = logRatios.length;
  if (S < 5)
    throw new RangeError(
      `Expected at least 5 importance ratios for PSIS, got ${S}; draw more samples (≥ 100 recommended).`,
    );
  for (let i = 0; i < S; i++) {
    if (Number.isNaN(logRatios[i]!))
      throw new RangeError(`Log importance ratio ${i} is NaN; the model or family produced an invalid density.`);
  }
  let maxLr = -Infinity;
  for (let i = 0; i < S; i++) if (logRatios[i]! > maxLr) maxLr = logRatios[i]!;
  const lw = Float64Array.from({ length: S }, (_, i) => logRatios[i]! - maxLr);
  const essRaw = essOf(lw);
  const M = Math.min(Math.ceil(0.2 * S), Math.ceil(3 * Math.sqrt(S)));
  const order = Array.from({ length: S }, (_, i) => i).sort((a, b) => lw[a]! - lw[b]!);
  const cutoffIdx = order[S - M - 1]!;
  const logCut = lw[cutoffIdx]!;
  const tailIdx = order.slice(S - M);
  const cut = Math.exp(logCut);
  const exceed = Float64Array.from(tailIdx, (i) => Math.exp(lw[i]!) - cut);
  let khat = NaN;
  const smoothed = Float64Array.from(lw);
  if (M >= 5 && exceed[exceed.length - 1]! > 0 && Number.isFinite(logCut)) {
    const positive = Float64Array.from(exceed.filter((v) => v > 0));
    if (positive.length >= 5) {
      const fit = gpdFit(positive);
      khat = fit.k;
      if (Number.isFinite(khat)) {
        for (let j = 0; j < M; j++) {
          const q = cut + gpdQuantile((j + 0.5) / M, khat, fit.sigma);
          smoothed[tailIdx[j]!] = Math.min(Math.log(q), 0); // 0 = the largest raw log ratio
        }
      }
    }
  }
  let max = -Infinity;
  for (const v of smoothed) if (v > max) max = v;
  let s = 0;
  for (const v of smoothed) s += Math.exp(v - max);
  const lse = max + Math.log(s);
  const logWeights = Float64Array.from(smoothed, (v) => v - lse);
  let s2 = 0;
  for (const v of logWeights) s2 += Math.exp(2 * v);
  return { khat, tailLength: M, logWeights, ess: 1 / s2, essRaw };
}

/** (Σ w)² / Σ w² from log weights. */
export function essOf(logW: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < logW.length; i++) if (logW[i]! > max) max = logW[i]!;
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < logW.length; i++) {
    const w = Math.exp(logW[i]! - max);
    s1 += w;
    s2 += w * w;
  }
  return (s1 * s1) / s2;
}
