/**
 * Low-rank plus diagonal Gaussian (as Pyro's AutoLowRankMultivariateNormal):
 *   z = μ + W ε₁ + d ⊙ ε₂,  ε₁ ~ N(0, I_r), ε₂ ~ N(0, I_D),  Σ = W Wᵀ + diag(d²),  d = softplus(ρ + c).
 * log q uses the Woodbury identity and the matrix determinant lemma with the r×r capacitance
 * C = I_r + Wᵀ diag(d⁻²) W, factorised by an unrolled Cholesky (r is small).
 * Parameters: loc [D], factor [D, r], diag [D].
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Key } from '../rng.js';
import { fold, normal, normalTensor } from '../rng.js';
import type { Family, FamilyForm, FamilySample } from './family.js';
import { checkCount } from './family.js';
import type { ShapeMap, TensorMap, VariableMap } from './params.js';
import { createVariables, inverseSoftplus, need, totalSize, unpackEncoder } from './params.js';
import { unstackSafe } from '../bijectors/base.js';

const LOG_2PI = Math.log(2 * Math.PI);

export class LowRankGaussian implements Family {
  readonly kind = 'lowrank' as const;
  readonly hasLogProb = true;
  readonly trainableBySvi = true;
  readonly amortisedSize: number;
  private readonly offset: number;

  constructor(
    readonly dim: number,
    readonly rank: number,
    readonly initScale = 1,
  ) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`Expected a latent dimension ≥ 1, got ${dim}`);
    if (!Number.isInteger(rank) || rank < 1) throw new RangeError(`Expected a low-rank rank ≥ 1, got ${rank}`);
    this.offset = inverseSoftplus(initScale);
    this.amortisedSize = totalSize(this.localShapes());
  }
  localShapes(): ShapeMap {
    return { loc: [this.dim], factor: [this.dim, this.rank], diag: [this.dim] };
  }
  paramShapes(form: FamilyForm = 'global'): ShapeMap {
    return form === 'amortised' ? {} : this.localShapes();
  }
  init(k: Key, form: FamilyForm = 'global'): VariableMap {
    if (form === 'amortised') return {};
    const W = Float32Array.from(normal(k, this.dim * this.rank), (v) => 0.1 * this.initScale * v);
    return createVariables(this.localShapes(), {
      loc: new Float32Array(this.dim),
      factor: W,
      diag: new Float32Array(this.dim),
    });
  }
  private d(p: TensorMap): tf.Tensor {
    return tf.add(tf.softplus(tf.add(need(p, 'diag'), this.offset)), 1e-6);
  }
  private run(k: Key, p: TensorMap, batch: number[], n: number): FamilySample {
    checkCount(n);
    const e1 = normalTensor(fold(k, 0), [n, ...batch, this.rank]);
    const e2 = normalTensor(fold(k, 1), [n, ...batch, this.dim]);
    const W = need(p, 'factor');
    const z = tf.add(tf.add(need(p, 'loc'), tf.sum(tf.mul(W, tf.expandDims(e1, -2)), -1)), tf.mul(this.d(p), e2));
    return { z, logQ: this.density(p, z) };
  }
  private density(p: TensorMap, z: tf.Tensor): tf.Tensor {
    const r = this.rank;
    const W = need(p, 'factor'); // [..., D, r]
    const d2 = tf.square(this.d(p)); // [..., D]
    const y = tf.sub(z, need(p, 'loc')); // [n, ..., D]
    const a = tf.div(y, d2);
    const b = tf.sum(tf.mul(W, tf.expandDims(a, -1)), -2); // [n, ..., r]
    const Wd = tf.div(W, tf.expandDims(d2, -1));
    const C = tf.sum(tf.mul(tf.expandDims(Wd, -1), tf.expandDims(W, -2)), -3); // [..., r, r] = Wᵀ D⁻² W
    const rows = unstackSafe(C, C.rank - 2).map((row) => unstackSafe(row, row.rank - 1));
    const L: tf.Tensor[][] = [];
    let logDetC: tf.Tensor = tf.scalar(0);
    for (let i = 0; i < r; i++) {
      L.push([]);
      for (let j = 0; j <= i; j++) {
        let s: tf.Tensor = rows[i]![j]!;
        if (i === j) s = tf.add(s, 1);
        for (let k = 0; k < j; k++) s = tf.sub(s, tf.mul(L[i]![k]!, L[j]![k]!));
        if (i === j) {
          const lii = tf.sqrt(s);
          L[i]!.push(lii);
          logDetC = tf.add(logDetC, tf.mul(2, tf.log(lii)));
        } else {
          L[i]!.push(tf.div(s, L[j]![j]!));
        }
      }
    }
    const bs = unstackSafe(b, b.rank - 1);
    const v: tf.Tensor[] = [];
    let vv: tf.Tensor = tf.scalar(0);
    for (let i = 0; i < r; i++) {
      let s = bs[i]!;
      for (let j = 0; j < i; j++) s = tf.sub(s, tf.mul(L[i]![j]!, v[j]!));
      const vi = tf.div(s, L[i]![i]!);
      v.push(vi);
      vv = tf.add(vv, tf.square(vi));
    }
    const quad = tf.sub(tf.sum(tf.mul(y, a), -1), vv);
    const logDet = tf.add(logDetC, tf.sum(tf.log(d2), -1));
    return tf.mul(-0.5, tf.add(tf.add(quad, logDet), this.dim * LOG_2PI));
  }
  sample(k: Key, params: TensorMap, n: number): FamilySample {
    return this.run(k, params, [], n);
  }
  logProb(params: TensorMap, z: tf.Tensor): tf.Tensor {
    return this.density(params, z);
  }
  sampleAmortised(k: Key, _shared: TensorMap, h: tf.Tensor, n: number): FamilySample {
    return this.run(k, unpackEncoder(h, this.localShapes()), [h.shape[0]!], n);
  }
  logProbAmortised(_shared: TensorMap, h: tf.Tensor, z: tf.Tensor): tf.Tensor {
    return this.density(unpackEncoder(h, this.localShapes()), z);
  }
  /** Exact mean and covariance (row-major) of the global form. */
  gaussianMoments(params: TensorMap): { mean: Float64Array; cov: Float64Array } {
    const D = this.dim;
    const r = this.rank;
    const mean = Float64Array.from(need(params, 'loc').dataSync());
    const W = need(params, 'factor').dataSync();
    const dt = tf.tidy(() => this.d(params));
    const d = dt.dataSync();
    dt.dispose();
    const cov = new Float64Array(D * D);
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) {
        let s = i === j ? d[i]! * d[i]! : 0;
        for (let q = 0; q < r; q++) s += W[i * r + q]! * W[j * r + q]!;
        cov[i * D + j] = s;
      }
    return { mean, cov };
  }
  moments(_k: Key, params: TensorMap): { mean: Float64Array; sd: Float64Array } {
    const { mean, cov } = this.gaussianMoments(params);
    return { mean, sd: Float64Array.from({ length: this.dim }, (_, i) => Math.sqrt(cov[i * this.dim + i]!)) };
  }
}
