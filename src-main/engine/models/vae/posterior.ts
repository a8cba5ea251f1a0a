/**
 * Amortised posteriors q(z | x) for the VAE.
 *
 * Gaussian latents use any engine family in its amortised form (families/): the encoder emits, per row, the P
 * numbers the family needs (`family.amortisedSize`), laid out in the family's sorted-name order, and
 *   z = T_{η(x)}(ε),  log q(z|x) = log N(ε; 0, I) − log|det ∂T/∂ε|   (`sampleAmortised`, Rezende & Mohamed 2015),
 * where IAF and coupling flows take the encoder's per-row context `ctx` (Kingma et al. 2016, §4) and their MADE /
 * coupling networks are shared parameters. For flow-free families the KL to N(0, I) has a closed form:
 *   mean-field  KL = Σ_d ½(μ_d² + σ_d² − 1 − log σ_d²),   full-rank  KL = ½(tr Σ + μᵀμ − D − log|Σ|).
 *
 * Categorical latents: N variables with K categories each, q(c_n | x) = Cat(π_n(x)), relaxed for training by
 * Gumbel-softmax (Jang et al. 2016; Maddison et al. 2016):
 *   y_nk = softmax_k((log π_nk + g_nk) / τ),  g = −log(−log u),  u ~ U(0, 1),
 * with KL(q(c|x) ‖ Uniform) = Σ_n Σ_k π_nk log π_nk + N log K in closed form; evaluation uses hard one-hot draws
 * c ~ q (Gumbel-max), so log-likelihood estimates are of the discrete model.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FamilySpec } from '../../../../src-shared/schemas/run-spec';
import { uniformTensor, type Key } from '../../rng';
import { makeFamily, LowRankGaussian, TransformedGaussian, type Family } from '../../families';
import { klGaussianToDiag } from '../../objectives/kl';
import { sizeOf, unpackEncoder, type ShapeMap, type TensorMap } from '../../families/params';

export interface EncoderLayout {
  /** Per-datum parameter names in the encoder output's order (sorted). */
  names: string[];
  shapes: ShapeMap;
  /** Offset of each name in the encoder output. */
  offsets: Record<string, number>;
  /** The location parameter (emitted by the encoder's μ head). */
  locName: string;
  /** Total encoder outputs per row. */
  size: number;
  /** Outputs of the μ head (D) and of the other head (size − D). */
  locSize: number;
  restSize: number;
}

function layoutOf(shapes: ShapeMap, locName: string): EncoderLayout {
  const names = Object.keys(shapes).sort();
  if (!names.includes(locName))
    throw new Error(`Expected the family's per-datum parameters to include "${locName}", got ${names.join(', ')}.`);
  const offsets: Record<string, number> = {};
  let off = 0;
  for (const n of names) {
    offsets[n] = off;
    off += sizeOf(shapes[n]!);
  }
  const locSize = sizeOf(shapes[locName]!);
  return { names, shapes, offsets, locName, size: off, locSize, restSize: off - locSize };
}

/** Per-datum (local) parameter shapes of an engine family in amortised form. */
function localShapesOf(f: Family): ShapeMap {
  if (f instanceof TransformedGaussian || f instanceof LowRankGaussian) return f.localShapes();
  throw new Error(
    `The ${f.kind} family has no amortised form for a VAE encoder; choose meanfield, fullrank, lowrank or a flow.`,
  );
}

export class GaussianPosterior {
  readonly kind = 'gaussian' as const;
  readonly family: Family;
  readonly layout: EncoderLayout;
  /** Whether KL(q ‖ N(0, I)) has a closed form here (meanfield: per dimension; fullrank: total). */
  readonly analyticKl: 'perDim' | 'total' | null;

  constructor(
    readonly spec: FamilySpec,
    readonly dim: number,
  ) {
    if (spec.kind === 'svgd') {
      throw new Error(
        'SVGD particles are not for VAEs: they move one set of particles for a single global posterior, while a VAE needs an ' +
          'amortised q(z|x) produced by the encoder for every row. Choose meanfield, fullrank, lowrank or a flow (planar, radial, iaf, coupling).',
      );
    }
    this.family = makeFamily(spec, dim, { form: 'amortised' });
    const shapes = localShapesOf(this.family);
    this.layout = layoutOf(shapes, this.family instanceof LowRankGaussian ? 'loc' : 'base.loc');
    const form = this.family.gaussianForm ?? null;
    this.analyticKl = form === 'tril' ? 'total' : form === 'diagonal' ? 'perDim' : null;
  }

  /** Encoder output h [B, P] in the family's layout from the μ head [B, D] and the other head [B, P − D]. */
  assemble(loc: tf.Tensor2D, rest: tf.Tensor2D | null): tf.Tensor2D {
    if (!rest) return loc;
    const B = loc.shape[0];
    const before = this.layout.offsets[this.layout.locName]!;
    const parts: tf.Tensor2D[] = [];
    if (before > 0) parts.push(tf.slice(rest, [0, 0], [B, before]));
    parts.push(loc);
    if (before < this.layout.restSize) parts.push(tf.slice(rest, [0, before], [B, this.layout.restSize - before]));
    return parts.length === 1 ? parts[0]! : tf.concat(parts, 1);
  }

  /** z [S, B, D] and log q(z|x) [S, B]. */
  sample(k: Key, shared: TensorMap, h: tf.Tensor2D, S: number): { z: tf.Tensor3D; logQ: tf.Tensor2D } {
    const r = this.family.sampleAmortised(k, shared, h, S);
    return { z: r.z as tf.Tensor3D, logQ: r.logQ as tf.Tensor2D };
  }

  /** log q(z|x) at given z [S, B, D] → [S, B]; throws for flows without an inverse (planar, radial). */
  logProb(shared: TensorMap, h: tf.Tensor2D, z: tf.Tensor): tf.Tensor2D {
    return this.family.logProbAmortised(shared, h, z) as tf.Tensor2D;
  }

  get hasLogProb(): boolean {
    return this.family.hasLogProb;
  }

  /** Closed-form KL to N(0, I): per dimension [B, D] (meanfield) or total [B] (fullrank); null for other families. */
  kl(h: tf.Tensor2D): { perDim: tf.Tensor2D | null; total: tf.Tensor1D } | null {
    const q = this.analyticKl ? this.family.gaussian?.(unpackEncoder(h, this.layout.shapes)) : null;
    if (!q) return null;
    const kl = klGaussianToDiag(q, 0, 1);
    return { perDim: kl.perDim as tf.Tensor2D | null, total: kl.total as tf.Tensor1D };
  }

  /** Location [B, D] (the posterior mean for flow-free families; the base mean for flows). */
  location(h: tf.Tensor2D): tf.Tensor2D {
    const off = this.layout.offsets[this.layout.locName]!;
    return tf.slice(h, [0, off], [h.shape[0], this.dim]);
  }

  /** Marginal standard deviations [B, D] for flow-free and low-rank families, else null. */
  marginalSd(h: tf.Tensor2D): tf.Tensor2D | null {
    const p = unpackEncoder(h, this.layout.shapes);
    if (this.family instanceof LowRankGaussian) {
      const W = p.factor!;
      const d = tf.add(tf.softplus(tf.add(p.diag!, Math.log(Math.expm1(this.family.initScale)))), 1e-6);
      return tf.sqrt(tf.add(tf.sum(tf.square(W), -1), tf.square(d))) as tf.Tensor2D;
    }
    const q = this.family.gaussian?.(p);
    if (!q) return null;
    return (q.tril ? tf.sqrt(tf.sum(tf.square(q.tril), -1)) : q.scale) as tf.Tensor2D;
  }

  /** Whether the posterior mean equals the location (no flow). */
  get meanIsLocation(): boolean {
    return this.family instanceof LowRankGaussian || (this.family as TransformedGaussian).flow.layers.length === 0;
  }
}

export class GumbelPosterior {
  readonly kind = 'categorical' as const;
  readonly layout: EncoderLayout;
  /** Decoder input size N·K. */
  readonly dim: number;

  constructor(
    readonly variables: number,
    readonly categories: number,
  ) {
    this.dim = variables * categories;
    this.layout = layoutOf({ logits: [this.dim] }, 'logits');
  }

  /** log π [B, N, K] from the encoder logits [B, N·K]. */
  logProbs(h: tf.Tensor2D): tf.Tensor3D {
    return tf.logSoftmax(tf.reshape(h, [h.shape[0], this.variables, this.categories])) as tf.Tensor3D;
  }

  /** Relaxed draws y [S, B, N·K] at temperature τ. */
  relaxed(k: Key, h: tf.Tensor2D, S: number, tau: number): tf.Tensor3D {
    const B = h.shape[0];
    const logPi = this.logProbs(h);
    const u = uniformTensor(k, [S, B, this.variables, this.categories]);
    const g = tf.neg(tf.log(tf.neg(tf.log(u))));
    const y = tf.softmax(tf.div(tf.add(logPi, g), tau));
    return tf.reshape(y, [S, B, this.dim]) as tf.Tensor3D;
  }

  /** Hard one-hot draws c [S, B, N·K] (Gumbel-max) and log q(c|x) [S, B]. */
  hard(k: Key, h: tf.Tensor2D, S: number): { z: tf.Tensor3D; logQ: tf.Tensor2D } {
    const B = h.shape[0];
    const logPi = this.logProbs(h);
    const u = uniformTensor(k, [S, B, this.variables, this.categories]);
    const g = tf.neg(tf.log(tf.neg(tf.log(u))));
    const idx = tf.argMax(tf.add(logPi, g), -1);
    const c = tf.cast(tf.oneHot(tf.cast(idx, 'int32'), this.categories), 'float32');
    const logQ = tf.sum(tf.mul(c, logPi), [-2, -1]) as tf.Tensor2D;
    return { z: tf.reshape(c, [S, B, this.dim]) as tf.Tensor3D, logQ };
  }

  /** log p(c) = −N log K under the uniform prior. */
  get logPrior(): number {
    return -this.variables * Math.log(this.categories);
  }

  /** KL(q(c_n|x) ‖ Uniform(K)) per variable [B, N]. */
  kl(h: tf.Tensor2D): tf.Tensor2D {
    const logPi = this.logProbs(h);
    return tf.add(tf.sum(tf.mul(tf.exp(logPi), logPi), -1), Math.log(this.categories)) as tf.Tensor2D;
  }

  /** Posterior means E[c | x] = π [B, N·K]. */
  probs(h: tf.Tensor2D): tf.Tensor2D {
    return tf.reshape(tf.exp(this.logProbs(h)), [h.shape[0], this.dim]) as tf.Tensor2D;
  }
}

export type VaePosterior = GaussianPosterior | GumbelPosterior;

/**
 * Gumbel-softmax temperature at step t (Jang et al. 2016, §4: τ = max(τ_min, τ₀ e^{−r t})).
 */
export function gumbelTemperature(step: number, t: { initial: number; min: number; rate: number }): number {
  return Math.max(t.min, t.initial * Math.exp(-t.rate * step));
}

/** Standard-normal log density summed over the last axis: log N(z; 0, I). */
export function stdNormalLogDensity(z: tf.Tensor): tf.Tensor {
  const D = z.shape[z.rank - 1]!;
  return tf.mul(-0.5, tf.add(tf.sum(tf.square(z), -1), D * Math.log(2 * Math.PI)));
}
