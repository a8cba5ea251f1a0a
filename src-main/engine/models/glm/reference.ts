/**
 * The reference posterior of a Bayesian GLM, on the same log joint its variational fit uses (buildGlmModel):
 *   - linear regression with known noise σ and the N(0, τ² I) prior is conjugate: the posterior is exactly
 *     N(μ, Σ), Σ = (XᵀX/σ² + I/τ²)⁻¹, μ = Σ Xᵀy/σ², with the exact evidence (exactLinearPosterior);
 *   - otherwise (learned σ, logistic) NUTS with Stan's warm-up (inference/mcmc) on the model's tfjs logJoint and its
 *     tfjs gradient, 4 chains by default from dispersed inits, with rank-normalised R̂, bulk/tail ESS, divergences,
 *     tree-depth saturation and E-BFMI.
 * The coefficient table is in the data's own units: from the mapped draws (NUTS, so the intercept's interval comes
 * from mapped draws, not mapped quantiles) or the mapped Gaussian (exact), src-shared/stats/coefficients.ts.
 * Shapes: data X [N, P] without the intercept column (added here as in fitGlm); draws kept [n, P + 1].
 */
import type { McmcDiagnostics, ReferencePosterior, DummyCoding } from '../../../../src-shared/domain/reference.js';
import {
  coefficientTableFromGaussian,
  dummyOf,
  originalDraws,
  originalGaussian,
  rowFromDraws,
  type GlmScaling,
} from '../../../../src-shared/stats/coefficients.js';
import { ebfmi, summariseChains } from '../../diagnostics/mcmc.js';
import { modelLogDensity } from '../../inference/mcmc/density.js';
import { sampleNuts, type NutsProgress } from '../../inference/mcmc/nuts.js';
import { cholesky } from '../common/linalg.js';
import { fold, key, normal } from '../../rng.js';
import { buildGlmModel, withIntercept } from './fit.js';
import { DEFAULT_PRIOR_SCALE, exactLinearPosterior, type GlmData, type NoiseSpec } from './models.js';

export interface GlmReferenceOptions {
  model: 'linear' | 'logistic';
  /** Design without the intercept column (standardised as the fit was), as fitGlm takes it. */
  data: GlmData;
  priorScale?: number;
  /** Linear regression noise (default learned); known noise makes the reference exact. */
  noise?: NoiseSpec;
  /** How the fit scaled predictors and target (identityScaling when it did not). */
  scaling: GlmScaling;
  dummies?: DummyCoding[];
  seed: number;
  /** auto (default): exact where conjugate, else NUTS; nuts: always sample (e.g. to check NUTS against exact). */
  method?: 'auto' | 'nuts';
  chains?: number;
  warmup?: number;
  /** Kept draws per chain (default 1000). */
  draws?: number;
  metric?: 'diag' | 'dense';
  maxTreeDepth?: number;
  targetAccept?: number;
  /** Coefficient draws kept for pair plots (default 1000; thinned evenly from all chains). */
  keepDraws?: number;
  onProgress?: (p: ReferenceProgress) => void;
  shouldStop?: () => boolean;
}

export interface ReferenceProgress {
  /** 0 … 1 over warm-up and sampling of every chain. */
  fraction: number;
  phase: 'warmup' | 'sampling';
  divergences: number;
}

/** The exact reference applies: linear regression with known noise. */
export function referenceIsExact(model: 'linear' | 'logistic', noise?: NoiseSpec): boolean {
  return model === 'linear' && noise?.kind === 'known';
}

export async function glmReferencePosterior(opts: GlmReferenceOptions): Promise<ReferencePosterior> {
  const keep = opts.keepDraws ?? 1000;
  if (!(Number.isInteger(keep) && keep >= 2)) throw new RangeError(`Expected keepDraws ≥ 2, got ${keep}`);
  if (opts.method !== 'nuts' && referenceIsExact(opts.model, opts.noise)) return exactReference(opts, keep);
  return nutsReference(opts, keep);
}

function exactReference(opts: GlmReferenceOptions, keep: number): ReferencePosterior {
  const noise = opts.noise as { kind: 'known'; sigma: number };
  const data = withIntercept(opts.data);
  const tau = opts.priorScale ?? DEFAULT_PRIOR_SCALE.linear;
  const ex = exactLinearPosterior(data, noise.sigma, tau);
  const names = data.names!;
  const D = names.length;
  const coefficients = coefficientTableFromGaussian(names, ex.mean, ex.cov, opts.scaling, opts.dummies);
  const g = originalGaussian(names, ex.mean, ex.cov, opts.scaling);
  // Draws from the exact Gaussian (original units) for pair plots: b = μ_b + L_b ε.
  const K = g.names.length;
  const L = cholesky(jitter(g.cov, K), K);
  const eps = normal(fold(key(opts.seed), 0xe7ac), keep * K);
  const values: number[] = new Array(keep * K);
  for (let i = 0; i < keep; i++)
    for (let k = 0; k < K; k++) {
      let v = g.mean[k]!;
      for (let l = 0; l <= k; l++) v += L[k * K + l]! * eps[i * K + l]!;
      values[i * K + k] = v;
    }
  return {
    method: 'exact',
    model: opts.model,
    names: [...names],
    fitted: names.map((name, d) => ({
      name,
      mean: ex.mean[d]!,
      sd: Math.sqrt(ex.cov[d * D + d]!),
      mcseMean: 0,
      mcseSd: 0,
    })),
    coefficients,
    logEvidence: ex.logEvidence,
    gaussian: { mean: Array.from(g.mean), cov: Array.from(g.cov) },
    draws: { n: keep, values },
    mcmc: null,
    warnings: [],
  };
}

/** A covariance with 1e-12 × its largest diagonal added, so a Cholesky factor exists for draws. */
function jitter(cov: Float64Array, K: number): Float64Array {
  const out = Float64Array.from(cov);
  let m = 0;
  for (let k = 0; k < K; k++) m = Math.max(m, cov[k * K + k]!);
  for (let k = 0; k < K; k++) out[k * K + k]! += 1e-12 * m + 1e-300;
  return out;
}

async function nutsReference(opts: GlmReferenceOptions, keep: number): Promise<ReferencePosterior> {
  const model = buildGlmModel({
    model: opts.model,
    data: opts.data,
    ...(opts.priorScale !== undefined ? { priorScale: opts.priorScale } : {}),
    ...(opts.noise ? { noise: opts.noise } : {}),
  });
  const names = [...model.names];
  const D = model.dim;
  const warmup = opts.warmup ?? 1000;
  let r;
  try {
    r = await sampleNuts(modelLogDensity(model), {
      seed: opts.seed,
      ...(opts.chains !== undefined ? { chains: opts.chains } : {}),
      warmup,
      ...(opts.draws !== undefined ? { draws: opts.draws } : {}),
      ...(opts.metric ? { metric: opts.metric } : {}),
      ...(opts.maxTreeDepth !== undefined ? { maxTreeDepth: opts.maxTreeDepth } : {}),
      ...(opts.targetAccept !== undefined ? { targetAccept: opts.targetAccept } : {}),
      ...(opts.shouldStop ? { shouldStop: opts.shouldStop } : {}),
      onProgress: (p: NutsProgress) =>
        opts.onProgress?.({
          fraction: p.iterations / p.totalIterations,
          phase: p.warmupDone < p.totalIterations * (warmup / (warmup + (opts.draws ?? 1000))) ? 'warmup' : 'sampling',
          divergences: p.divergences,
        }),
    });
  } finally {
    model.dispose?.();
  }
  const M = r.chains;
  const n = r.draws;
  // Fitting-scale summaries per coordinate.
  const coordChains = (d: number): Float64Array[] =>
    r.samples.map((s) => Float64Array.from({ length: n }, (_, i) => s[i * D + d]!));
  const fittedSummaries = names.map((name, d) => ({ name, ...summariseChains(coordChains(d)) }));
  // Original-scale draws per chain, then one row per coefficient from all chains with its chain diagnostics.
  const perChain = r.samples.map((s) => originalDraws(names, s, n, D, opts.scaling));
  const K = perChain[0]!.names.length;
  const rowFromChains = (name: string, chains: Float64Array[]) => {
    const s = summariseChains(chains);
    const all = new Float64Array(M * n);
    chains.forEach((c, m) => all.set(c, m * n));
    const row = rowFromDraws(name, all);
    return {
      ...row,
      mcseMean: s.mcseMean,
      mcseSd: s.mcseSd,
      rhat: s.rhat,
      essBulk: s.essBulk,
      essTail: s.essTail,
    };
  };
  const rows = perChain[0]!.names.map((name, k) => {
    const chains = perChain.map((o) => Float64Array.from({ length: n }, (_, i) => o.values[i * K + k]!));
    const row = rowFromChains(name, chains);
    const dummy = dummyOf(name, opts.dummies);
    return dummy ? { ...row, dummy } : row;
  });
  const sigmaChains = perChain[0]!.sigma ? perChain.map((o) => o.sigma!) : null;
  const coefficients: ReferencePosterior['coefficients'] = { rows, source: { kind: 'draws', draws: M * n } };
  if (sigmaChains) coefficients.noiseSigma = rowFromChains('σ', sigmaChains);
  // Thinned draws for pair plots.
  const total = M * n;
  const take = Math.min(keep, total);
  const values: number[] = new Array(take * K);
  for (let i = 0; i < take; i++) {
    const j = Math.floor((i * total) / take);
    const o = perChain[Math.floor(j / n)]!;
    const row = j % n;
    for (let k = 0; k < K; k++) values[i * K + k] = o.values[row * K + k]!;
  }
  const mcmc: McmcDiagnostics = {
    chains: M,
    warmup: r.warmup,
    draws: n,
    metric: r.metric,
    maxTreeDepth: r.maxTreeDepth,
    divergences: r.divergences,
    treeDepthSaturated: r.treeDepthSaturated,
    maxRhat: Math.max(...fittedSummaries.map((s) => s.rhat)),
    minEssBulk: Math.min(...fittedSummaries.map((s) => s.essBulk)),
    minEssTail: Math.min(...fittedSummaries.map((s) => s.essTail)),
    stepSize: r.stats.map((s) => s.stepSize),
    ebfmi: r.stats.map((s) => ebfmi(s.energy)),
    leapfrogSteps: r.leapfrogSteps,
    seconds: r.seconds,
  };
  return {
    method: 'nuts',
    model: opts.model,
    names,
    fitted: fittedSummaries.map((s) => ({
      name: s.name,
      mean: s.mean,
      sd: s.sd,
      mcseMean: s.mcseMean,
      mcseSd: s.mcseSd,
    })),
    coefficients,
    logEvidence: null,
    gaussian: null,
    draws: { n: take, values },
    mcmc,
    warnings: mcmcWarnings(mcmc),
  };
}

/** The reader-facing warnings of a NUTS run (Stan's and ArviZ's thresholds). */
export function mcmcWarnings(m: McmcDiagnostics): string[] {
  const out: string[] = [];
  const total = m.chains * m.draws;
  if (m.divergences > 0)
    out.push(
      `${m.divergences} of ${total} transitions after warm-up diverged; the reference may be biased — raise targetAccept (e.g. 0.95).`,
    );
  if (m.maxRhat > 1.01)
    out.push(`R̂ reaches ${m.maxRhat.toFixed(3)} (> 1.01): the chains disagree; run longer or check for several modes.`);
  if (m.minEssBulk < 100 * m.chains || m.minEssTail < 100 * m.chains)
    out.push(
      `Effective sample size is low (bulk ${m.minEssBulk.toFixed(0)}, tail ${m.minEssTail.toFixed(0)}; want ≥ ${100 * m.chains}); draw more.`,
    );
  if (m.treeDepthSaturated > 0)
    out.push(
      `${m.treeDepthSaturated} of ${total} transitions hit the maximum tree depth ${m.maxTreeDepth}; trajectories were cut short — raise maxTreeDepth.`,
    );
  const low = m.ebfmi.filter((e) => e < 0.3).length;
  if (low > 0) out.push(`E-BFMI is below 0.3 in ${low} chain(s): the energy is explored poorly.`);
  return out;
}
