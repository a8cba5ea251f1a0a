/**
 * Measured gradient variance of an estimator, per parameter group: draw the stochastic gradient R times at fixed
 * φ with independent keys and report, for each named parameter, the mean over its entries of the sample variance
 * Var_r[ĝ_r] and of the squared mean (signal), plus the totals. Lets the app show how far apart the
 * reparameterised and score-function estimators are on the same model (Mohamed et al. 2020, §5).
 */
import type { Key } from '../rng.js';
import { fold } from '../rng.js';
import type { Family } from '../families/family.js';
import type { VariableMap } from '../families/params.js';
import { disposeParams } from '../families/params.js';
import type { GlobalModel } from '../models/common/model.js';
import type { Objective } from '../objectives/objective.js';
import { lossAndGrads } from '../objectives/estimators.js';

export interface GradVarianceGroup {
  /** mean over entries of Var_r[ĝ] */
  variance: number;
  /** mean over entries of (mean_r ĝ)² */
  signal: number;
  size: number;
}

export interface GradVarianceResult {
  groups: Record<string, GradVarianceGroup>;
  /** Σ over all entries of Var_r[ĝ] (trace of the gradient covariance). */
  totalVariance: number;
  repeats: number;
}

export function gradientVariance(opts: {
  family: Family;
  params: VariableMap;
  model: GlobalModel;
  objective: Objective;
  repeats: number;
  key: Key;
}): GradVarianceResult {
  const R = opts.repeats;
  if (!Number.isInteger(R) || R < 2)
    throw new RangeError(`Expected at least 2 repeats to measure gradient variance, got ${R}`);
  const sums: Record<string, Float64Array> = {};
  const sq: Record<string, Float64Array> = {};
  for (let r = 0; r < R; r++) {
    const { grads } = lossAndGrads(fold(opts.key, r), opts.params, {
      family: opts.family,
      model: opts.model,
      objective: opts.objective,
      beta: 1,
      baseline: null,
    });
    for (const [name, g] of Object.entries(grads)) {
      const v = g.dataSync();
      const s = (sums[name] ??= new Float64Array(v.length));
      const q = (sq[name] ??= new Float64Array(v.length));
      for (let i = 0; i < v.length; i++) {
        s[i]! += v[i]!;
        q[i]! += v[i]! * v[i]!;
      }
    }
    disposeParams(grads);
  }
  const groups: Record<string, GradVarianceGroup> = {};
  let totalVariance = 0;
  for (const name of Object.keys(sums)) {
    const s = sums[name]!;
    const q = sq[name]!;
    let variance = 0;
    let signal = 0;
    for (let i = 0; i < s.length; i++) {
      const m = s[i]! / R;
      const v = (q[i]! - R * m * m) / (R - 1);
      variance += v;
      signal += m * m;
    }
    totalVariance += variance;
    groups[name] = { variance: variance / s.length, signal: signal / s.length, size: s.length };
  }
  return { groups, totalVariance, repeats: R };
}
