/**
 * The contract every posterior family meets (after Pyro's AutoContinuous: a base distribution and a transform).
 *
 * Global form: one posterior over a parameter vector θ ∈ ℝᴰ; `init` returns every parameter as a tf.Variable and
 *   `sample(key, params, n)` gives z [n, D] and log q(z) [n].
 * Amortised form: an encoder maps each datum to P = `amortisedSize` numbers h [B, P]; `sampleAmortised(key,
 *   shared, h, n)` gives z [n, B, D] and log q(z | x) [n, B]. `init(key, 'amortised')` returns only the shared
 *   parameters (MADE / coupling networks); everything else comes from h.
 * Every random draw comes from `key` (see rng.ts), so a seed reproduces a run.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Key } from '../rng.js';
import type { SerialisedParams, ShapeMap, TensorMap, VariableMap } from './params.js';
import { paramsFromJSON, paramsToJSON } from './params.js';

export type FamilyKind = 'meanfield' | 'fullrank' | 'lowrank' | 'planar' | 'radial' | 'iaf' | 'coupling' | 'svgd';
export type FamilyForm = 'global' | 'amortised';

export interface FamilySample {
  /** [n, D] (global) or [n, B, D] (amortised). */
  z: tf.Tensor;
  /** log q(z): [n] or [n, B]. */
  logQ: tf.Tensor;
}

export interface SavedPosterior {
  kind: FamilyKind;
  dim: number;
  form: FamilyForm;
  params: SerialisedParams;
}

/** q as an exact Gaussian: location [..., D] and a diagonal scale [..., D] or a lower-triangular factor [..., D, D]. */
export type GaussianForm =
  { loc: tf.Tensor; scale: tf.Tensor; tril?: undefined } | { loc: tf.Tensor; tril: tf.Tensor; scale?: undefined };

export interface Family {
  readonly kind: FamilyKind;
  readonly dim: number;
  /** Whether log q(z) can be evaluated at arbitrary z (needed by the score-function estimator). */
  readonly hasLogProb: boolean;
  /** Whether the family is fitted by SVI (false for SVGD particles, fitted by inference/svgd.ts). */
  readonly trainableBySvi: boolean;
  /** Encoder outputs per datum needed by the amortised form. */
  readonly amortisedSize: number;
  /** Shapes of the parameters `init(key, form)` returns. */
  paramShapes(form?: FamilyForm): ShapeMap;
  init(k: Key, form?: FamilyForm): VariableMap;
  sample(k: Key, params: TensorMap, n: number): FamilySample;
  logProb(params: TensorMap, z: tf.Tensor): tf.Tensor;
  sampleAmortised(k: Key, shared: TensorMap, h: tf.Tensor, n: number): FamilySample;
  logProbAmortised(shared: TensorMap, h: tf.Tensor, z: tf.Tensor): tf.Tensor;
  /**
   * Capability for a closed-form KL: 'diagonal' or 'tril' when q is exactly Gaussian (no flow), else null. With it,
   * `gaussian(params)` gives loc and scale / tril from global parameters or from {...shared, ...unpackEncoder(h)}.
   */
  readonly gaussianForm?: 'diagonal' | 'tril' | null;
  gaussian?(params: TensorMap): GaussianForm | null;
  /** Mean and marginal standard deviations of a global posterior, if known in closed form (else estimated). */
  moments(k: Key, params: TensorMap, n?: number): { mean: Float64Array; sd: Float64Array };
}

const LOG_2PI = Math.log(2 * Math.PI);

/** log N(ε; 0, I) summed over the last axis. */
export function standardNormalLogProb(eps: tf.Tensor): tf.Tensor {
  const D = eps.shape[eps.rank - 1]!;
  return tf.mul(-0.5, tf.add(tf.sum(tf.square(eps), -1), D * LOG_2PI));
}

export function checkCount(n: number, what = 'sample count'): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Expected a ${what} ≥ 1, got ${n}`);
}

export function savePosterior(f: Family, params: TensorMap, form: FamilyForm = 'global'): SavedPosterior {
  return { kind: f.kind, dim: f.dim, form, params: paramsToJSON(params) };
}

export function loadPosterior(f: Family, saved: SavedPosterior): VariableMap {
  if (saved.kind !== f.kind || saved.dim !== f.dim) {
    throw new Error(
      `Saved posterior is ${saved.kind} of dim ${saved.dim}; this family is ${f.kind} of dim ${f.dim}. Rebuild the family from the saved spec.`,
    );
  }
  return paramsFromJSON(saved.params, f.paramShapes(saved.form));
}

/** Monte Carlo moments from n draws (for families without closed-form moments). */
export function sampleMoments(
  f: Family,
  k: Key,
  params: TensorMap,
  n: number,
): { mean: Float64Array; sd: Float64Array } {
  const z = tf.tidy(() => f.sample(k, params, n).z);
  const v = z.dataSync();
  z.dispose();
  const D = f.dim;
  const mean = new Float64Array(D);
  const sd = new Float64Array(D);
  for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) mean[d]! += v[i * D + d]! / n;
  for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) sd[d]! += (v[i * D + d]! - mean[d]!) ** 2 / (n - 1);
  for (let d = 0; d < D; d++) sd[d] = Math.sqrt(sd[d]!);
  return { mean, sd };
}
