/**
 * Gaussian base pushed through a chain of bijectors: z = f_K ∘ … ∘ f_1(μ + S ε), ε ~ N(0, I_D),
 *   log q(z) = log N(ε; 0, I) − log|det S| − Σ_k log|det J_{f_k}|   (Rezende & Mohamed 2015, eq. 13).
 * S is diagonal (mean-field and every flow's base) or lower-triangular (full-rank). Parameters "base.loc" [D],
 * "base.scale" [D] or "base.tril" [D(D+1)/2], "flow.<k>.<name>" per layer; "ctx" [H] per datum for amortised
 * IAF / coupling flows (Kingma et al. 2016).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Key } from '../rng.js';
import { fold, normalTensor, split } from '../rng.js';
import { AffineDiagonal, AffineTril } from '../bijectors/affine.js';
import type { Bijector } from '../bijectors/base.js';
import { Chain } from '../bijectors/base.js';
import type { Family, FamilyForm, FamilyKind, FamilySample, GaussianForm } from './family.js';
import { checkCount, sampleMoments, standardNormalLogProb } from './family.js';
import type { ShapeMap, TensorMap, VariableMap } from './params.js';
import { createVariables, prefixed, scope, totalSize, unpackEncoder } from './params.js';

export class TransformedGaussian implements Family {
  readonly hasLogProb: boolean;
  readonly trainableBySvi = true;
  readonly amortisedSize: number;
  readonly base: AffineDiagonal | AffineTril;
  readonly flow: Chain;
  readonly gaussianForm: 'diagonal' | 'tril' | null;

  constructor(
    readonly kind: FamilyKind,
    readonly dim: number,
    opts: { fullRank?: boolean; layers?: Bijector[]; initScale?: number },
  ) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`Expected a latent dimension ≥ 1, got ${dim}`);
    const s = opts.initScale ?? 1;
    this.base = opts.fullRank ? new AffineTril(dim, s) : new AffineDiagonal(dim, s);
    this.flow = new Chain(dim, opts.layers ?? []);
    this.hasLogProb = this.flow.hasInverse;
    this.gaussianForm = this.flow.layers.length > 0 ? null : opts.fullRank ? 'tril' : 'diagonal';
    this.amortisedSize = totalSize(this.localShapes());
  }

  localShapes(): ShapeMap {
    const out: ShapeMap = {
      ...prefixed(this.base.localShapes(), 'base.'),
      ...prefixed(this.flow.localShapes(), 'flow.'),
    };
    const c = this.flow.contextSize();
    if (c > 0) out.ctx = [c];
    return out;
  }
  sharedShapes(): ShapeMap {
    return prefixed(this.flow.sharedShapes(), 'flow.');
  }
  paramShapes(form: FamilyForm = 'global'): ShapeMap {
    if (form === 'amortised') return this.sharedShapes();
    const local = this.localShapes();
    delete local.ctx;
    return { ...local, ...this.sharedShapes() };
  }
  init(k: Key, form: FamilyForm = 'global'): VariableMap {
    const [kb, kf] = split(k, 2);
    const values = { ...prefixed(this.base.init(kb!), 'base.'), ...prefixed(this.flow.init(kf!), 'flow.') };
    return createVariables(this.paramShapes(form), values);
  }

  private run(k: Key, p: TensorMap, batch: number[], n: number): FamilySample {
    checkCount(n);
    const eps = normalTensor(fold(k, 0), [n, ...batch, this.dim]);
    const b = this.base.forwardAndLogDet(eps, scope(p, 'base.'));
    const fp = scope(p, 'flow.');
    if (p.ctx) fp.ctx = p.ctx;
    const f = this.flow.forwardAndLogDet(b.y, fp);
    const logQ = tf.sub(tf.sub(standardNormalLogProb(eps), b.logDet), f.logDet);
    return { z: f.y, logQ };
  }
  private density(p: TensorMap, z: tf.Tensor): tf.Tensor {
    const fp = scope(p, 'flow.');
    if (p.ctx) fp.ctx = p.ctx;
    const x = this.flow.inverse(z, fp);
    const ldf = this.flow.forwardLogDetJacobian(x, fp);
    const bp = scope(p, 'base.');
    const eps = this.base.inverse(x, bp);
    const ldb = this.base.forwardLogDetJacobian(eps, bp);
    return tf.sub(tf.sub(standardNormalLogProb(eps), ldb), ldf);
  }
  gaussian(params: TensorMap): GaussianForm | null {
    if (!this.gaussianForm) return null;
    const bp = scope(params, 'base.');
    const loc = bp.loc!;
    return this.base instanceof AffineTril ? { loc, tril: this.base.tril(bp) } : { loc, scale: this.base.scale(bp) };
  }
  sample(k: Key, params: TensorMap, n: number): FamilySample {
    return this.run(k, params, [], n);
  }
  logProb(params: TensorMap, z: tf.Tensor): tf.Tensor {
    return this.density(params, z);
  }
  sampleAmortised(k: Key, shared: TensorMap, h: tf.Tensor, n: number): FamilySample {
    const local = unpackEncoder(h, this.localShapes());
    return this.run(k, { ...shared, ...local }, [h.shape[0]!], n);
  }
  logProbAmortised(shared: TensorMap, h: tf.Tensor, z: tf.Tensor): tf.Tensor {
    return this.density({ ...shared, ...unpackEncoder(h, this.localShapes()) }, z);
  }
  moments(k: Key, params: TensorMap, n = 4000): { mean: Float64Array; sd: Float64Array } {
    if (this.flow.layers.length > 0) return sampleMoments(this, k, params, n);
    const { mean, cov } = this.gaussianMoments(params);
    const D = this.dim;
    return { mean, sd: Float64Array.from({ length: D }, (_, i) => Math.sqrt(cov[i * D + i]!)) };
  }
  /** Mean and covariance (row-major D×D) of a flow-free (mean-field or full-rank) global posterior. */
  gaussianMoments(params: TensorMap): { mean: Float64Array; cov: Float64Array } {
    if (this.flow.layers.length > 0)
      throw new Error(`gaussianMoments needs a flow-free family, this one is ${this.kind}.`);
    const D = this.dim;
    const mean = Float64Array.from(params['base.loc']!.dataSync());
    const cov = new Float64Array(D * D);
    if (this.base instanceof AffineTril) {
      const Lt = tf.tidy(() => (this.base as AffineTril).tril(scope(params, 'base.')));
      const L = Lt.dataSync();
      Lt.dispose();
      for (let i = 0; i < D; i++)
        for (let j = 0; j < D; j++) {
          let s = 0;
          for (let k = 0; k < D; k++) s += L[i * D + k]! * L[j * D + k]!;
          cov[i * D + j] = s;
        }
    } else {
      const st = tf.tidy(() => (this.base as AffineDiagonal).scale(scope(params, 'base.')));
      const s = st.dataSync();
      st.dispose();
      for (let i = 0; i < D; i++) cov[i * D + i] = s[i]! * s[i]!;
    }
    return { mean, cov };
  }
}
