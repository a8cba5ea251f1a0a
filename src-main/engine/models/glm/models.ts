/**
 * Bayesian generalised linear models on plain Float32Array design matrices (row-major X [N, P]), as GlobalModels
 * (models/common/model.ts) — the ADVI workflow of Stan and PyMC.
 *   Linear:   β ~ N(0, τ² I),  y_n | β, σ ~ N(x_nᵀβ, σ²);  σ known, or learned with log σ ~ N(0, 2²) as an
 *             extra coordinate θ_P = log σ (unconstrained).
 *   Logistic: β ~ N(0, τ² I),  y_n | β ~ Bernoulli(sigmoid(x_nᵀβ)),  y_n ∈ {0, 1}.
 * logJoint includes every constant (exact = true), so importance-sampled evidences are absolute.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GlobalModel } from '../common/model.js';
import { logDetSpd, spdInverse } from '../common/linalg.js';
import type { DummyCoding } from '../../../../src-shared/domain/reference.js';

export type { DummyCoding };

const LOG_2PI = Math.log(2 * Math.PI);

export interface GlmData {
  /** Row-major design matrix [rows, cols]. */
  X: Float32Array;
  rows: number;
  cols: number;
  y: Float32Array;
  /** Column names (defaults x1 … xP). */
  names?: string[];
}

/** The prior sd τ of every coefficient when the spec gives none. */
export const DEFAULT_PRIOR_SCALE = { linear: 10, logistic: 5 } as const;

export type NoiseSpec = { kind: 'known'; sigma: number } | { kind: 'learned' };

export function checkGlmData(d: GlmData): void {
  if (!Number.isInteger(d.rows) || d.rows < 1) throw new RangeError(`Expected at least 1 data row, got ${d.rows}`);
  if (!Number.isInteger(d.cols) || d.cols < 1)
    throw new RangeError(`Expected at least 1 predictor column, got ${d.cols}`);
  if (d.X.length !== d.rows * d.cols) {
    throw new RangeError(
      `Design matrix has ${d.X.length} values, expected rows × cols = ${d.rows} × ${d.cols} = ${d.rows * d.cols}.`,
    );
  }
  if (d.y.length !== d.rows) throw new RangeError(`Target has ${d.y.length} values, expected one per row (${d.rows}).`);
  for (let i = 0; i < d.X.length; i++) {
    if (!Number.isFinite(d.X[i]!))
      throw new RangeError(
        `Design matrix entry ${i} (row ${Math.floor(i / d.cols)}) is ${d.X[i]}; impute or drop missing values first.`,
      );
  }
  for (let i = 0; i < d.rows; i++) {
    if (!Number.isFinite(d.y[i]!))
      throw new RangeError(`Target row ${i} is ${d.y[i]}; impute or drop missing values first.`);
  }
}

function checkPriorScale(tau: number): void {
  if (!(tau > 0) || !Number.isFinite(tau)) throw new RangeError(`Expected a prior scale τ > 0, got ${tau}`);
}

function names(d: GlmData): string[] {
  if (d.names && d.names.length !== d.cols)
    throw new RangeError(`Got ${d.names.length} column names for ${d.cols} columns.`);
  return d.names ?? Array.from({ length: d.cols }, (_, i) => `x${i + 1}`);
}

/** The linear predictor η = β Xᵀ [S, N] for θ [S, ≥P]. */
function predictor(theta: tf.Tensor, Xt: tf.Tensor, P: number): tf.Tensor {
  const beta = theta.shape[1] === P ? theta : tf.slice(theta, [0, 0], [theta.shape[0]!, P]);
  return tf.matMul(beta, Xt);
}

function gaussianPriorLog(theta: tf.Tensor, scales: Float32Array): tf.Tensor {
  const s = tf.tensor1d(scales);
  let c = 0;
  for (const v of scales) c += -Math.log(v) - 0.5 * LOG_2PI;
  return tf.add(tf.mul(-0.5, tf.sum(tf.square(tf.div(theta, s)), -1)), c);
}

export function linearRegressionModel(
  data: GlmData,
  opts: { priorScale?: number; noise?: NoiseSpec } = {},
): GlobalModel & { noise: NoiseSpec } {
  checkGlmData(data);
  const tau = opts.priorScale ?? DEFAULT_PRIOR_SCALE.linear;
  checkPriorScale(tau);
  const noise = opts.noise ?? { kind: 'learned' };
  if (noise.kind === 'known' && !(noise.sigma > 0))
    throw new RangeError(`Expected a known noise σ > 0, got ${noise.sigma}`);
  const P = data.cols;
  const N = data.rows;
  const D = noise.kind === 'learned' ? P + 1 : P;
  const priorScales = Float32Array.from({ length: D }, (_, i) => (i < P ? tau : 2));
  const Xt = tf.keep(tf.tidy(() => tf.transpose(tf.tensor2d(data.X, [N, P]))));
  const y = tf.keep(tf.tensor1d(data.y));
  const logLikelihood = (theta: tf.Tensor): tf.Tensor => {
    const r = tf.sub(y, predictor(theta, Xt, P)); // [S, N]
    const ss = tf.sum(tf.square(r), -1);
    if (noise.kind === 'known') {
      const s2 = noise.sigma * noise.sigma;
      return tf.sub(tf.mul(-0.5 / s2, ss), N * (Math.log(noise.sigma) + 0.5 * LOG_2PI));
    }
    const logSigma = tf.squeeze(tf.slice(theta, [0, P], [theta.shape[0]!, 1]), [1]);
    return tf.sub(
      tf.mul(-0.5, tf.mul(ss, tf.exp(tf.mul(-2, logSigma)))),
      tf.add(tf.mul(N, logSigma), 0.5 * N * LOG_2PI),
    );
  };
  const logPrior = (theta: tf.Tensor): tf.Tensor => gaussianPriorLog(theta, priorScales);
  return {
    dim: D,
    names: noise.kind === 'learned' ? [...names(data), 'log σ'] : names(data),
    exact: true,
    noise,
    logLikelihood,
    logPrior,
    logJoint: (theta) => tf.add(logLikelihood(theta), logPrior(theta)),
    priorGaussian: { loc: new Float64Array(D), scale: Float64Array.from(priorScales) },
    dispose: () => {
      Xt.dispose();
      y.dispose();
    },
  };
}

export function logisticRegressionModel(data: GlmData, opts: { priorScale?: number } = {}): GlobalModel {
  checkGlmData(data);
  for (let i = 0; i < data.rows; i++) {
    if (data.y[i] !== 0 && data.y[i] !== 1)
      throw new RangeError(
        `Logistic regression needs a 0/1 target; row ${i} is ${data.y[i]}. Recode the classes as 0 and 1.`,
      );
  }
  const tau = opts.priorScale ?? DEFAULT_PRIOR_SCALE.logistic;
  checkPriorScale(tau);
  const P = data.cols;
  const N = data.rows;
  const priorScales = new Float32Array(P).fill(tau);
  const Xt = tf.keep(tf.tidy(() => tf.transpose(tf.tensor2d(data.X, [N, P]))));
  const y = tf.keep(tf.tensor1d(data.y));
  const logLikelihood = (theta: tf.Tensor): tf.Tensor => {
    const eta = predictor(theta, Xt, P);
    return tf.sum(tf.sub(tf.mul(y, eta), tf.softplus(eta)), -1);
  };
  const logPrior = (theta: tf.Tensor): tf.Tensor => gaussianPriorLog(theta, priorScales);
  return {
    dim: P,
    names: names(data),
    exact: true,
    logLikelihood,
    logPrior,
    logJoint: (theta) => tf.add(logLikelihood(theta), logPrior(theta)),
    priorGaussian: { loc: new Float64Array(P), scale: Float64Array.from(priorScales) },
    dispose: () => {
      Xt.dispose();
      y.dispose();
    },
  };
}

/**
 * Exact posterior of conjugate linear regression with known σ:
 *   Λ = XᵀX/σ² + I/τ²,  Σ = Λ⁻¹,  μ = Σ Xᵀy/σ²,  log p(y) = log N(y; 0, σ² I + τ² X Xᵀ),
 * the evidence in O(NP² + P³) by the matrix determinant lemma and Woodbury's identity:
 *   log|σ² I + τ² X Xᵀ| = N log σ² + P log τ² + log|Λ|,   yᵀ(σ² I + τ² X Xᵀ)⁻¹ y = yᵀy/σ² − μᵀ Xᵀy/σ².
 */
export function exactLinearPosterior(
  data: GlmData,
  sigma: number,
  tau: number,
): { mean: Float64Array; cov: Float64Array; logEvidence: number } {
  if (!(sigma > 0)) throw new RangeError(`Expected a known noise σ > 0, got ${sigma}`);
  checkPriorScale(tau);
  const { X, rows: N, cols: P, y } = data;
  const s2 = sigma * sigma;
  const prec = new Float64Array(P * P);
  const xty = new Float64Array(P);
  let yty = 0;
  for (let n = 0; n < N; n++) {
    yty += y[n]! * y[n]!;
    for (let i = 0; i < P; i++) {
      xty[i]! += (X[n * P + i]! * y[n]!) / s2;
      for (let j = 0; j < P; j++) prec[i * P + j]! += (X[n * P + i]! * X[n * P + j]!) / s2;
    }
  }
  for (let i = 0; i < P; i++) prec[i * P + i]! += 1 / (tau * tau);
  const cov = spdInverse(prec, P);
  const mean = new Float64Array(P);
  for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) mean[i]! += cov[i * P + j]! * xty[j]!;
  let quad = yty / s2;
  for (let i = 0; i < P; i++) quad -= mean[i]! * xty[i]!;
  const logDetK = N * Math.log(s2) + 2 * P * Math.log(tau) + logDetSpd(prec, P);
  const logEvidence = -0.5 * (N * LOG_2PI + logDetK + quad);
  return { mean, cov, logEvidence };
}

/**
 * GlmData from named columns (as the CSV importer stores them): the target column and the predictor columns
 * (default: every other column), with optional standardisation of numeric predictors to mean 0, sd 1 (the means and
 * sds are returned so coefficients can be mapped back).
 * A predictor named in `categorical` holds level codes 0 … K−1 and becomes K − 1 dummy columns `name[level]`
 * (treatment coding against its `reference` level, default the first level); dummies are never standardised, so
 * their coefficients are differences from the reference level (centre 0, scale 1).
 */
export function glmDataFromColumns(
  columns: Record<string, ArrayLike<number>>,
  target: string,
  opts: {
    features?: string[];
    standardise?: boolean;
    categorical?: Record<string, { levels: string[]; reference?: string }>;
  } = {},
): GlmData & { centre: Float64Array; scale: Float64Array; dummies: DummyCoding[] } {
  const y = columns[target];
  if (!y) throw new RangeError(`No column named "${target}"; available: ${Object.keys(columns).join(', ')}.`);
  const features = opts.features ?? Object.keys(columns).filter((c) => c !== target);
  if (features.length === 0) throw new RangeError(`No predictor columns besides "${target}"; add a feature column.`);
  const N = y.length;
  for (const f of Object.keys(opts.categorical ?? {}))
    if (!features.includes(f)) throw new RangeError(`Categorical column "${f}" is not among the predictors.`);
  // One design column per numeric predictor, K − 1 per categorical one.
  const dummies: DummyCoding[] = [];
  const design: Array<{ name: string; source: string; level?: number }> = [];
  for (const f of features) {
    const cat = opts.categorical?.[f];
    if (!cat) {
      design.push({ name: f, source: f });
      continue;
    }
    if (cat.levels.length < 2)
      throw new RangeError(`Categorical column "${f}" has ${cat.levels.length} level(s); a predictor needs 2 or more.`);
    const reference = cat.reference ?? cat.levels[0]!;
    const ref = cat.levels.indexOf(reference);
    if (ref < 0)
      throw new RangeError(
        `Reference level "${reference}" is not a level of "${f}"; levels: ${cat.levels.join(', ')}.`,
      );
    const names: string[] = [];
    cat.levels.forEach((lv, k) => {
      if (k === ref) return;
      names.push(`${f}[${lv}]`);
      design.push({ name: `${f}[${lv}]`, source: f, level: k });
    });
    dummies.push({ column: f, levels: [...cat.levels], reference, names });
  }
  const P = design.length;
  const X = new Float32Array(N * P);
  const centre = new Float64Array(P);
  const scale = new Float64Array(P).fill(1);
  design.forEach((d, j) => {
    const col = columns[d.source];
    if (!col) throw new RangeError(`No column named "${d.source}"; available: ${Object.keys(columns).join(', ')}.`);
    if (col.length !== N) throw new RangeError(`Column "${d.source}" has ${col.length} rows, "${target}" has ${N}.`);
    if (d.level !== undefined) {
      const K = opts.categorical![d.source]!.levels.length;
      for (let n = 0; n < N; n++) {
        const code = col[n]!;
        if (!(Number.isInteger(code) && code >= 0 && code < K))
          throw new RangeError(`Column "${d.source}" row ${n} has level code ${code}; expected 0 … ${K - 1}.`);
        X[n * P + j] = code === d.level ? 1 : 0;
      }
      return;
    }
    if (opts.standardise) {
      let m = 0;
      for (let n = 0; n < N; n++) m += col[n]! / N;
      let v = 0;
      for (let n = 0; n < N; n++) v += (col[n]! - m) ** 2 / Math.max(1, N - 1);
      centre[j] = m;
      scale[j] = v > 0 ? Math.sqrt(v) : 1;
    }
    for (let n = 0; n < N; n++) X[n * P + j] = (col[n]! - centre[j]!) / scale[j]!;
  });
  return {
    X,
    rows: N,
    cols: P,
    y: Float32Array.from(y),
    names: design.map((d) => d.name),
    centre,
    scale,
    dummies,
  };
}
