/**
 * The 'gradVariance' artifact: the measured noise of a run's stochastic gradient at checkpoints, per parameter
 * group (engine/diagnostics/grad-variance.ts computes it). At fixed parameters φ, R gradients ĝ_1 … ĝ_R are drawn
 * with independent noise keys on one fixed minibatch; for the entries i of a group G (|G| entries):
 *   variance  V = (1/|G|) Σ_i s²_i,        s²_i = (1/(R−1)) Σ_r (ĝ_ri − m_i)²,  m_i = (1/R) Σ_r ĝ_ri
 *   signal    M = (1/|G|) Σ_i m_i²
 *   SNR       √(M / V)  — the root-mean-square mean over the root-mean-square sd, i.e. |mean| / sd for the group
 * Standard errors are jackknife over the R draws (leave one draw out). For a score-function run the pathwise
 * estimator is measured on the same φ, rows and keys, and `ratio` = V_score / V_pathwise per group and in total.
 */

export interface GradGroupStat {
  /** A layer or role: `encoder.0`, `decoder.out`, `flow`, `loc`, `layer 2` … */
  group: string;
  /** Entries in the group. */
  size: number;
  variance: number;
  varianceSe: number;
  signal: number;
  snr: number;
  snrSe: number;
}

export interface GradVarianceCheckpoint {
  /** Optimiser steps taken when measured. */
  step: number;
  /** Epochs completed (0 for models without epochs). */
  epoch: number;
  /** The run's own estimator, per group. */
  groups: GradGroupStat[];
  /** The pathwise estimator on the same φ, rows and draws (score-function runs only), else null. */
  pathwise: GradGroupStat[] | null;
  /** Σ_G |G|·V_G of the run's estimator (trace of the gradient covariance) and of the pathwise one. */
  totalVariance: number;
  pathwiseTotalVariance: number | null;
  /** Wall time of this measurement, seconds. */
  seconds: number;
}

export interface GradVarianceArtifact {
  model: 'vae' | 'glm' | 'bnn';
  estimator: 'reparam' | 'score';
  /** Gradient draws per checkpoint. */
  repeats: number;
  /** Rows of the fixed minibatch the gradients were drawn on, and where they come from. */
  rows: number;
  rowsFrom: 'validation' | 'training' | 'all';
  checkpoints: GradVarianceCheckpoint[];
  /** Time spent measuring as a share of the training time (steps + checkpoints), or null when unknown. */
  overheadShare: number | null;
}

/** The lowest per-group SNR at the last checkpoint (verdict evidence `gradientSnr`), or null without checkpoints. */
export function lowestGradientSnr(a: GradVarianceArtifact | null): { value: number; group: string } | null {
  const last = a?.checkpoints[a.checkpoints.length - 1];
  if (!last) return null;
  let out: { value: number; group: string } | null = null;
  for (const g of last.groups)
    if (Number.isFinite(g.snr) && (!out || g.snr < out.value)) out = { value: g.snr, group: g.group };
  return out;
}

/** Score-function over pathwise total variance at the last checkpoint that has both, or null. */
export function scoreToPathwiseRatio(a: GradVarianceArtifact | null): number | null {
  if (!a) return null;
  for (let i = a.checkpoints.length - 1; i >= 0; i--) {
    const c = a.checkpoints[i]!;
    if (c.pathwiseTotalVariance !== null && c.pathwiseTotalVariance > 0)
      return c.totalVariance / c.pathwiseTotalVariance;
  }
  return null;
}

/** "score-function variance is 37× the pathwise on this model" (null when there is no pathwise figure). */
export function ratioSentence(a: GradVarianceArtifact | null): string | null {
  const r = scoreToPathwiseRatio(a);
  if (r === null || !Number.isFinite(r)) return null;
  const x = r >= 100 ? Math.round(r).toLocaleString('en-GB') : r >= 10 ? r.toFixed(0) : r.toPrecision(2);
  return `Score-function gradient variance is ${x}× the pathwise on this model (last checkpoint, same parameters and rows).`;
}

/** End-of-run metrics: grad_snr_min, grad_variance_total and (score-function runs) grad_variance_ratio. */
export function gradVarianceMetrics(a: GradVarianceArtifact | null): Record<string, number> {
  const last = a?.checkpoints[a.checkpoints.length - 1];
  if (!last) return {};
  const out: Record<string, number> = { grad_variance_total: last.totalVariance };
  const snr = lowestGradientSnr(a);
  if (snr) out.grad_snr_min = snr.value;
  const ratio = scoreToPathwiseRatio(a);
  if (ratio !== null) out.grad_variance_ratio = ratio;
  return out;
}
