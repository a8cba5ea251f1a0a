/**
 * Standardisation of a GLM's data and its undoing on the fitted coefficients. Predictors x_j are fitted as
 * (x_j − c_j) / s_j (glmDataFromColumns); a linear model's target as (y − m) / t, so the N(0, τ²) prior and the initial
 * posterior are on the scale of the data. Mapping back, with β on the standardised scale:
 *   y = m + t·(β₀ + Σ_j β_j (x_j − c_j)/s_j)  ⇒  b_j = t·β_j / s_j,  b₀ = m + t·(β₀ − Σ_j β_j c_j / s_j),  σ_y = t·σ.
 * The slopes' posterior sds scale the same way (t / s_j); the intercept's sd needs the posterior covariance of β, which
 * a family may not keep, so it is not given here (src-shared/stats/coefficients.ts maps draws or a Gaussian instead;
 * the affine map itself lives there).
 */
import { originalCoefficients, type GlmScaling } from '../../../../src-shared/stats/coefficients.js';

export type { GlmScaling };

/** Centres and scales y in place (sample sd; a constant target keeps scale 1). Returns the centre and scale. */
export function standardiseTarget(y: Float32Array | Float64Array): { centre: number; scale: number } {
  const n = y.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += y[i]! / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (y[i]! - m) ** 2 / Math.max(1, n - 1);
  const scale = v > 0 ? Math.sqrt(v) : 1;
  for (let i = 0; i < n; i++) y[i] = (y[i]! - m) / scale;
  return { centre: m, scale };
}

/**
 * Coefficients on the data's own scale. `names[0]` must be "(intercept)", then the predictors in fitting order; any
 * further parameters (a linear model's log σ) are not coefficients and are left out.
 * A logistic model (target not scaled) gets b_j = β_j / s_j and b₀ = β₀ − Σ β_j c_j / s_j: the log-odds per unit of x_j.
 */
export function unstandardiseCoefficients(
  names: readonly string[],
  mean: readonly number[],
  sd: readonly number[],
  s: GlmScaling,
): { names: string[]; mean: number[]; sd: Array<number | null> } {
  if (names[0] !== '(intercept)')
    throw new RangeError(`Expected "(intercept)" first among the coefficients, got "${names[0]}"`);
  const P = s.centre.length;
  if (s.scale.length !== P || names.length < P + 1 || mean.length < P + 1 || sd.length < P + 1) {
    throw new RangeError(
      `Expected the intercept and ${P} predictors (centres and scales: ${P} and ${s.scale.length}), got ${names.length} names`,
    );
  }
  const t = s.target.scale;
  const outMean = Array.from(originalCoefficients(mean, s));
  const outSd = new Array<number | null>(P + 1);
  for (let j = 0; j < P; j++) outSd[j + 1] = (t * sd[j + 1]!) / s.scale[j]!;
  outSd[0] = null;
  return { names: names.slice(0, P + 1), mean: outMean, sd: outSd };
}
