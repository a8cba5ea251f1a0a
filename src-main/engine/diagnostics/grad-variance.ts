/**
 * Measured gradient variance of an estimator, per parameter group (Mohamed et al. 2020, "Monte Carlo gradient
 * estimation in machine learning", §5 and §8). At fixed φ, draw the stochastic gradient R times with independent
 * keys (`draw(r)` → gradient entries per named tensor, any shapes); for a group G of entries i:
 *   m_i = (1/R) Σ_r ĝ_ri,  s²_i = (1/(R−1)) Σ_r (ĝ_ri − m_i)²,
 *   variance V = mean_i s²_i,  signal M = mean_i m_i²,  SNR = √(M / V).
 * Standard errors of V and SNR: jackknife over the R draws (leave one draw out; needs R ≥ 3). The definitions are
 * documented once for the app in src-shared/domain/grad-variance.ts. Each model supplies `draw` from the same code
 * its training step uses (objectives/estimators.ts `lossAndGrads` for global models, the VAE's `stepLoss`, the BNN's
 * step functions), never touching optimiser state. SVGD has no stochastic gradient estimator in this sense (its
 * update is a deterministic kernelised direction given the minibatch): it is not measured.
 */
import type { GradGroupStat, GradVarianceCheckpoint } from '../../../src-shared/domain/grad-variance.js';
import type { Key } from '../rng.js';
import { fold } from '../rng.js';
import type { Family } from '../families/family.js';
import type { VariableMap } from '../families/params.js';
import { disposeParams } from '../families/params.js';
import type { GlobalModel } from '../models/common/model.js';
import type { Objective } from '../objectives/objective.js';
import { lossAndGrads } from '../objectives/estimators.js';

export type { GradGroupStat, GradVarianceCheckpoint };

export interface GradDrawStats {
  groups: GradGroupStat[];
  /** Σ over all entries of s²_i (trace of the gradient covariance). */
  totalVariance: number;
  repeats: number;
}

/** One gradient draw: entries per named tensor. */
export type GradDraw = Record<string, ArrayLike<number>>;

/** Group statistics from R draws (see the module comment); `groupOf` maps a tensor name to its group. */
export function gradientDrawStats(
  repeats: number,
  draw: (r: number) => GradDraw,
  groupOf: (name: string) => string = (n) => n,
): GradDrawStats {
  const R = repeats;
  if (!Number.isInteger(R) || R < 3)
    throw new RangeError(`Expected at least 3 gradient draws to measure variance with a standard error, got ${R}`);
  // Draws are kept (R × entries, float32) for the jackknife.
  const draws: Array<Record<string, Float32Array>> = [];
  for (let r = 0; r < R; r++) {
    const d = draw(r);
    const copy: Record<string, Float32Array> = {};
    for (const [n, v] of Object.entries(d)) copy[n] = Float32Array.from(v);
    draws.push(copy);
  }
  const names = Object.keys(draws[0]!);
  const order: string[] = [];
  const members = new Map<string, string[]>();
  for (const n of names) {
    const g = groupOf(n);
    if (!members.has(g)) {
      members.set(g, []);
      order.push(g);
    }
    members.get(g)!.push(n);
  }
  const groups: GradGroupStat[] = [];
  let totalVariance = 0;
  for (const g of order) {
    // Per-entry sums over draws, then V and M for all draws and for each leave-one-out set.
    let size = 0;
    let vAll = 0;
    let mAll = 0;
    const vLoo = new Float64Array(R);
    const mLoo = new Float64Array(R);
    for (const n of members.get(g)!) {
      const len = draws[0]![n]!.length;
      size += len;
      for (let i = 0; i < len; i++) {
        let s1 = 0;
        let s2 = 0;
        for (let r = 0; r < R; r++) {
          const x = draws[r]![n]![i]!;
          s1 += x;
          s2 += x * x;
        }
        const m = s1 / R;
        vAll += Math.max(0, (s2 - R * m * m) / (R - 1));
        mAll += m * m;
        for (let r = 0; r < R; r++) {
          const x = draws[r]![n]![i]!;
          const ml = (s1 - x) / (R - 1);
          vLoo[r]! += Math.max(0, (s2 - x * x - (R - 1) * ml * ml) / (R - 2));
          mLoo[r]! += ml * ml;
        }
      }
    }
    totalVariance += vAll;
    const V = vAll / size;
    const M = mAll / size;
    const snrOf = (m: number, v: number): number => (v > 0 ? Math.sqrt(m / v) : m > 0 ? Infinity : 0);
    const jack = (f: (r: number) => number): number => {
      let mean = 0;
      for (let r = 0; r < R; r++) mean += f(r) / R;
      let ss = 0;
      for (let r = 0; r < R; r++) ss += (f(r) - mean) ** 2;
      return Math.sqrt(((R - 1) / R) * ss);
    };
    groups.push({
      group: g,
      size,
      variance: V,
      varianceSe: jack((r) => vLoo[r]! / size),
      signal: M,
      snr: snrOf(M, V),
      snrSe: jack((r) => snrOf(mLoo[r]! / size, vLoo[r]! / size)),
    });
  }
  return { groups, totalVariance, repeats: R };
}

export interface GlobalGradVarianceOptions {
  family: Family;
  params: VariableMap;
  model: GlobalModel;
  objective: Objective;
  repeats: number;
  key: Key;
  /** KL weight at this step (default 1). */
  beta?: number;
  /** The score-function estimator's running baseline as training has it (default none). */
  baseline?: number | null;
}

/**
 * A global model's gradient variance (GLM, any SVI family): R draws of `lossAndGrads` — the function the SVI step
 * calls — at keys fold(key, r). Groups are the family's parameter tensors (loc, scale, L …).
 */
export function gradientVariance(opts: GlobalGradVarianceOptions): GradDrawStats {
  return gradientDrawStats(opts.repeats, (r) => {
    const { grads } = lossAndGrads(fold(opts.key, r), opts.params, {
      family: opts.family,
      model: opts.model,
      objective: opts.objective,
      beta: opts.beta ?? 1,
      baseline: opts.baseline ?? null,
    });
    const out: GradDraw = {};
    for (const [n, g] of Object.entries(grads)) out[n] = g.dataSync();
    disposeParams(grads);
    return out;
  });
}

/** The same objective with another estimator (the pathwise comparison of a score-function run). */
export function withEstimator(objective: Objective, estimator: Objective['estimator']): Objective {
  return { ...objective, estimator };
}

/**
 * The work the readout may add, as a share of the steps by count (issue 14: "must not slow training", < ~10 %). 8 %,
 * since a draw costs ~1.2 steps (one thread, a read-back per draw): 7.8 % by count measured 8.9–10.1 % of the time.
 */
export const GRAD_VARIANCE_MAX_SHARE = 0.08;
/** Gradient draws per checkpoint in the app. */
export const GRAD_VARIANCE_REPEATS = 8;

/**
 * How often to measure: every `every` units (epochs, or steps for full-batch models) and at the last, so that
 * R draws per estimator (each about one training step's work) stay under `maxShare` of `stepsPerUnit` steps, with at
 * most `maxCheckpoints` checkpoints.
 */
export function gradVarianceSchedule(o: {
  units: number;
  stepsPerUnit: number;
  repeats: number;
  estimators: number;
  maxShare?: number;
  maxCheckpoints?: number;
}): { every: number; isCheckpoint(unit: number): boolean } {
  const cost = o.repeats * o.estimators;
  const share = o.maxShare ?? GRAD_VARIANCE_MAX_SHARE;
  const every = Math.max(
    1,
    Math.ceil(cost / (share * Math.max(1, o.stepsPerUnit))),
    Math.ceil(o.units / (o.maxCheckpoints ?? 20)),
  );
  return { every, isCheckpoint: (u) => u === o.units || (u > 0 && u % every === 0) };
}

/**
 * One checkpoint: the run's own estimator, and for a score-function run the pathwise one on the same φ and keys
 * (`measure(estimator)` must draw with the same keys for both), timed.
 */
export function gradVarianceCheckpoint(
  step: number,
  epoch: number,
  estimator: 'reparam' | 'score',
  measure: (estimator: 'reparam' | 'score') => GradDrawStats,
): GradVarianceCheckpoint {
  const t0 = performance.now();
  const own = measure(estimator);
  const path = estimator === 'score' ? measure('reparam') : null;
  return {
    step,
    epoch,
    groups: own.groups,
    pathwise: path ? path.groups : null,
    totalVariance: own.totalVariance,
    pathwiseTotalVariance: path ? path.totalVariance : null,
    seconds: (performance.now() - t0) / 1000,
  };
}
