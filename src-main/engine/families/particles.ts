/**
 * SVGD particles as a non-parametric family (Liu & Wang 2016). The particles x_1..x_N [N, D] are the posterior;
 * they are moved by inference/svgd.ts, not by SVI. To give the importance-sampling diagnostics and KL estimates a
 * density, `sample` and `logProb` use the Gaussian kernel density estimate
 *   q̂(z) = (1/N) Σ_j N(z; x_j, h² I),  h chosen by leave-one-out likelihood around Scott's rule,
 * which is an exact density of what `sample` draws. Parameter: particles [N, D]. Global form only.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Key } from '../rng.js';
import { fold, normal, normalTensor, uniform } from '../rng.js';
import type { Family, FamilyForm, FamilySample } from './family.js';
import { checkCount, standardNormalLogProb } from './family.js';
import type { ShapeMap, TensorMap, VariableMap } from './params.js';
import { createVariables, need } from './params.js';

export type SvgdKernel = 'rbf' | 'imq';

export class ParticleFamily implements Family {
  readonly kind = 'svgd' as const;
  readonly hasLogProb = true;
  readonly trainableBySvi = false;
  readonly amortisedSize = 0;

  constructor(
    readonly dim: number,
    readonly count: number,
    readonly kernel: SvgdKernel = 'rbf',
    readonly initScale = 1,
  ) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`Expected a latent dimension ≥ 1, got ${dim}`);
    if (!Number.isInteger(count) || count < 2) throw new RangeError(`Expected at least 2 SVGD particles, got ${count}`);
  }
  paramShapes(form: FamilyForm = 'global'): ShapeMap {
    if (form === 'amortised')
      throw new Error('SVGD particles have no amortised form; use meanfield, a flow or iaf for encoders.');
    return { particles: [this.count, this.dim] };
  }
  init(k: Key, form: FamilyForm = 'global'): VariableMap {
    this.paramShapes(form);
    const x = Float32Array.from(normal(k, this.count * this.dim), (v) => v * this.initScale);
    return createVariables(this.paramShapes(), { particles: x });
  }
  /**
   * KDE bandwidth: the maximiser of the leave-one-out log-likelihood of the particles over a log-spaced grid
   * around Scott's rule (Scott's rule alone over-smooths multimodal particle sets).
   */
  bandwidth(params: TensorMap): number {
    const x = need(params, 'particles').dataSync();
    const N = this.count;
    const D = this.dim;
    let sdSum = 0;
    for (let d = 0; d < D; d++) {
      let m = 0;
      for (let i = 0; i < N; i++) m += x[i * D + d]! / N;
      let v = 0;
      for (let i = 0; i < N; i++) v += (x[i * D + d]! - m) ** 2 / (N - 1);
      sdSum += Math.sqrt(v);
    }
    const scott = Math.max((sdSum / D) * Math.pow(N, -1 / (D + 4)), 1e-3);
    const d2 = new Float64Array(N * N);
    for (let i = 0; i < N; i++)
      for (let j = i + 1; j < N; j++) {
        let s = 0;
        for (let d = 0; d < D; d++) s += (x[i * D + d]! - x[j * D + d]!) ** 2;
        d2[i * N + j] = s;
        d2[j * N + i] = s;
      }
    let best = scott;
    let bestLl = -Infinity;
    for (let g = 0; g <= 24; g++) {
      const h = scott * Math.pow(2, -3 + g / 4);
      let ll = 0;
      for (let i = 0; i < N; i++) {
        let mx = -Infinity;
        for (let j = 0; j < N; j++) if (j !== i) mx = Math.max(mx, -d2[i * N + j]! / (2 * h * h));
        let s = 0;
        for (let j = 0; j < N; j++) if (j !== i) s += Math.exp(-d2[i * N + j]! / (2 * h * h) - mx);
        ll += mx + Math.log(s) - D * Math.log(h);
      }
      if (ll > bestLl) {
        bestLl = ll;
        best = h;
      }
    }
    return best;
  }
  sample(k: Key, params: TensorMap, n: number): FamilySample {
    checkCount(n);
    const h = this.bandwidth(params);
    const u = uniform(fold(k, 0), n);
    const idx = Int32Array.from(u, (v) => Math.min(this.count - 1, Math.floor(v * this.count)));
    const centres = tf.gather(need(params, 'particles'), tf.tensor1d(idx, 'int32'));
    const z = tf.add(centres, tf.mul(h, normalTensor(fold(k, 1), [n, this.dim])));
    return { z, logQ: this.kde(params, z, h) };
  }
  logProb(params: TensorMap, z: tf.Tensor): tf.Tensor {
    return this.kde(params, z, this.bandwidth(params));
  }
  private kde(params: TensorMap, z: tf.Tensor, h: number): tf.Tensor {
    const x = need(params, 'particles');
    const diff = tf.div(tf.sub(tf.expandDims(z, 1), tf.expandDims(x, 0)), h); // [n, N, D]
    const comp = tf.sub(standardNormalLogProb(diff), this.dim * Math.log(h));
    return tf.sub(tf.logSumExp(comp, 1), Math.log(this.count));
  }
  sampleAmortised(): FamilySample {
    throw new Error('SVGD particles have no amortised form; use meanfield, a flow or iaf for encoders.');
  }
  logProbAmortised(): tf.Tensor {
    throw new Error('SVGD particles have no amortised form; use meanfield, a flow or iaf for encoders.');
  }
  moments(_k: Key, params: TensorMap): { mean: Float64Array; sd: Float64Array } {
    const x = need(params, 'particles').dataSync();
    const N = this.count;
    const D = this.dim;
    const mean = new Float64Array(D);
    const sd = new Float64Array(D);
    for (let i = 0; i < N; i++) for (let d = 0; d < D; d++) mean[d]! += x[i * D + d]! / N;
    for (let i = 0; i < N; i++) for (let d = 0; d < D; d++) sd[d]! += (x[i * D + d]! - mean[d]!) ** 2 / (N - 1);
    for (let d = 0; d < D; d++) sd[d] = Math.sqrt(sd[d]!);
    return { mean, sd };
  }
}
