/**
 * A VAE as one object: encoder + amortised posterior + decoder + likelihood (Kingma & Welling 2014).
 *
 *   log-weights  logW_sb = log p(x_b | z_sb) + log p(z_sb) − log q(z_sb | x_b),   z_sb ~ q(· | x_b),   [S, B]
 *
 * from which every bound is a reduction (objectives/bounds.ts): ELBO = mean_s, IWAE-K = logmeanexp_s,
 * Rényi-α (Li & Turner 2016). Likelihoods: Bernoulli (logits), Gaussian with a learned per-feature or fixed
 * variance, and mixed tabular data (Gaussian numeric columns + categorical one-hot groups).
 *
 * `VaeSnapshot` is the model as plain JSON (configuration + parameters): what a run stores, what the view
 * functions and the bundle exporter take, and what `openVae` turns back into live tfjs variables.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FamilySpec } from '../../../../src-shared/schemas/run-spec';
import { key as rngKey, type Key } from '../../rng';
import {
  paramsFromJSON,
  paramsToJSON,
  type SerialisedParams,
  type TensorMap,
  type VariableMap,
} from '../../families/params';
import { LOG_2PI, mixedLogLik, mixedMean } from './losses';
import {
  createNetwork,
  decodeRaw,
  disposeNetwork,
  encodeRaw,
  exportParams,
  importParams,
  MIN_NOISE_LOGVAR,
  networkVariables,
  noiseLogvar,
  type Activation,
  type ParamRecord,
  type VaeNetwork,
} from './network';
import { GaussianPosterior, GumbelPosterior, stdNormalLogDensity, type VaePosterior } from './posterior';
import type { ImageShape } from './conv';
import { arLogits, arMean } from './autoregressive';
import { carryDown, ladderEncode, ladderKlPerDim, ladderSample, type LadderDraws, type LadderNet } from './ladder';
import type { PreparedColumn, VaeLikelihood, VaeTransform } from './prepare';
import {
  nativeBernoulliApplies,
  nativeBernoulliLogLik,
  nativeBernoulliLogLikGrad,
} from '../../kernels/native-elementwise';

export interface VaeConfig {
  /** Prepared data columns. */
  d: number;
  /** Gaussian latent dimension D, or the number N of categorical latent variables. */
  latentDim: number;
  hidden: number[];
  activation: Activation;
  likelihood: VaeLikelihood;
  gaussianVariance: 'learned' | 'fixed';
  noiseVariance: number;
  family: FamilySpec;
  latentType: 'gaussian' | 'categorical';
  categories: number;
  columns: PreparedColumn[];
  /** Ladder latent sizes [D₁ … D_L] (L ≥ 2, D₁ = latentDim; ladder.ts); absent for one latent layer. */
  layers?: number[];
  /** Convolutional encoder / decoder (conv.ts) for rows of this image shape; absent for an MLP. */
  conv?: { image: ImageShape; channels: number[] };
  /** Autoregressive decoder over the feature order (autoregressive.ts), seeing `window` earlier features; absent: factorised. */
  autoregressive?: { window: number | null };
}

export const VAE_SNAPSHOT_FORMAT = 'elbo-studio.vae.v1';

/** A fitted VAE as plain, JSON-able data. */
export interface VaeSnapshot {
  format: typeof VAE_SNAPSHOT_FORMAT;
  config: VaeConfig;
  /** Encoder and decoder weights: `encoder.0.weight`, `encoder.mu.bias`, `encoder.q.weight`, `decoder.out.bias` … */
  network: ParamRecord;
  /** The family's shared parameters (MADE / coupling networks), or null. */
  shared: SerialisedParams | null;
  transform: VaeTransform;
  image: { width: number; height: number } | null;
}

export class VaeModel {
  readonly net: VaeNetwork;
  readonly posterior: VaePosterior;
  readonly shared: VariableMap;
  /** [d] 1 for Gaussian columns (mixed likelihood). */
  private readonly gaussianMask: tf.Tensor1D | null;
  private readonly fixedLogvar: tf.Tensor1D | null;
  readonly groups: Array<{ start: number; size: number }>;

  constructor(
    readonly config: VaeConfig,
    k: Key = rngKey(0),
  ) {
    const c = config;
    this.posterior =
      c.latentType === 'categorical'
        ? new GumbelPosterior(c.latentDim, c.categories)
        : new GaussianPosterior(c.family, c.latentDim);
    const needsNoise = c.likelihood !== 'bernoulli';
    this.net = createNetwork(k, {
      d: c.d,
      latent: this.posterior.dim,
      loc: this.posterior.layout.locSize,
      rest: this.posterior.layout.restSize,
      hidden: c.hidden,
      activation: c.activation,
      learnedNoise: needsNoise && c.gaussianVariance === 'learned',
      conv: c.conv ?? null,
      ladder: c.layers && c.layers.length > 1 ? c.layers : null,
      autoregressive: c.autoregressive ?? null,
    });
    if (this.net.ar && c.likelihood === 'mixed')
      throw new Error(
        'An autoregressive decoder conditions each feature on the ones before it; one-hot groups of the mixed likelihood would see their own members. Use a factorised decoder with mixed data.',
      );
    if (this.net.ladder && (c.latentType !== 'gaussian' || c.family.kind !== 'meanfield'))
      throw new Error(
        `The ladder VAE merges diagonal Gaussians layer by layer; got ${c.latentType} latents with family "${c.family.kind}". Use Gaussian latents with family meanfield.`,
      );
    // In a tidy: families/params.ts' createVariables leaves each variable's initial tensor registered (a leak of one
    // tensor per shared parameter); tidy disposes those tensors while the variables keep their data.
    const post = this.posterior;
    this.shared = post.kind === 'gaussian' ? tf.tidy(() => post.family.init(tfKeyFold(k), 'amortised')) : {};
    this.groups =
      c.likelihood === 'mixed'
        ? c.columns.filter((col) => col.kind === 'categorical').map((col) => ({ start: col.start, size: col.size }))
        : [];
    if (c.likelihood === 'mixed') {
      const m = new Float32Array(c.d);
      for (const col of c.columns) if (col.kind === 'gaussian') m[col.start] = 1;
      this.gaussianMask = tf.tensor1d(m);
    } else {
      this.gaussianMask = null;
    }
    this.fixedLogvar = needsNoise && c.gaussianVariance === 'fixed' ? tf.fill([c.d], Math.log(c.noiseVariance)) : null;
  }

  /** Every trainable variable: the networks', then the family's shared ones. */
  variables(): tf.Variable[] {
    return [
      ...networkVariables(this.net),
      ...Object.keys(this.shared)
        .sort()
        .map((n) => this.shared[n]!),
    ];
  }

  dispose(): void {
    disposeNetwork(this.net);
    for (const v of Object.values(this.shared)) v.dispose();
    this.gaussianMask?.dispose();
    this.fixedLogvar?.dispose();
  }

  /** Encoder output h [B, P] in the posterior's layout. `dataInput`: x is data (no gradient to x). Call in tidy. */
  encode(x: tf.Tensor2D, dataInput = true): tf.Tensor2D {
    const { loc, rest, features } = encodeRaw(this.net, x, dataInput);
    if (this.net.ladder) return ladderEncode(this.net, this.net.ladder, features, loc, rest!);
    return this.posterior.kind === 'gaussian' ? this.posterior.assemble(loc, rest) : loc;
  }

  /** Decoder output for z [..., latent] → [..., d]. Call in tidy. */
  decode(z: tf.Tensor): tf.Tensor {
    const lead = z.shape.slice(0, -1);
    const flat = tf.reshape(z, [-1, this.posterior.dim]) as tf.Tensor2D;
    return tf.reshape(decodeRaw(this.net, flat), [...lead, this.config.d]);
  }

  /** log-variances [d] of the Gaussian likelihood. Call in tidy. */
  private logvar(): tf.Tensor1D {
    if (this.fixedLogvar) return this.fixedLogvar;
    return noiseLogvar(this.net);
  }

  /** log p(x | out) for x [B, d] and decoder output [S, B, d] (or [B, d]) → [S, B] (or [B]). Call in tidy. */
  logLik(x: tf.Tensor2D, zOut: tf.Tensor): tf.Tensor {
    const lik = this.config.likelihood;
    // An autoregressive decoder adds the masked term in the earlier features of x (the same for every draw of z).
    const out = this.net.ar ? tf.add(zOut, arLogits(this.net.ar, x)) : zOut;
    if (lik === 'bernoulli') return bernoulliLogLikFast(x, out);
    const lv = this.logvar();
    if (lik === 'gaussian') {
      const quad = tf.mul(tf.squaredDifference(x, out), tf.exp(tf.neg(lv)));
      return tf.mul(-0.5, tf.sum(tf.add(tf.add(quad, lv), LOG_2PI), -1));
    }
    if (out.rank === 2) return mixedLogLik(x, out as tf.Tensor2D, lv, this.gaussianMask!, this.groups);
    const [S, B, d] = out.shape as [number, number, number];
    const flat = tf.reshape(out, [S * B, d]) as tf.Tensor2D;
    const xs = (S === 1 ? x : tf.tile(x, [S, 1])) as tf.Tensor2D;
    return tf.reshape(mixedLogLik(xs, flat, lv, this.gaussianMask!, this.groups), [S, B]);
  }

  /**
   * Mean of p(x | out): σ(logits), the Gaussian means, or means and group softmaxes (mixed); with an autoregressive
   * decoder the plug-in chain from the z-part `out` (autoregressive.ts arMean). Call in tidy.
   */
  mean(out: tf.Tensor2D): tf.Tensor2D {
    const ar = this.net.ar;
    if (ar) return arMean(ar, out, (o) => this.factorisedMean(o));
    return this.factorisedMean(out);
  }

  private factorisedMean(out: tf.Tensor2D): tf.Tensor2D {
    switch (this.config.likelihood) {
      case 'bernoulli':
        return tf.sigmoid(out);
      case 'gaussian':
        return out;
      case 'mixed':
        return mixedMean(out, this.groups);
    }
  }

  /**
   * Log-weight parts for S draws per row: logLik, logPrior, logQ [S, B] and z [S, B, latent]. Gaussian latents
   * draw from the family (reparameterised); categorical latents draw relaxed samples at temperature `tau`, or
   * hard one-hot samples (exact discrete densities) when `tau` is null. Call in tidy.
   */
  logWeightParts(
    k: Key,
    x: tf.Tensor2D,
    h: tf.Tensor2D,
    S: number,
    tau: number | null = null,
  ): {
    logLik: tf.Tensor2D;
    logPrior: tf.Tensor2D;
    logQ: tf.Tensor2D | null;
    z: tf.Tensor3D;
  } {
    const p = this.posterior;
    if (this.net.ladder) {
      const r = this.ladderDraws(k, h, S);
      return {
        z: r.z[0]!,
        logQ: r.logQ,
        logPrior: r.logPrior,
        logLik: this.logLik(x, this.decode(r.z[0]!)) as tf.Tensor2D,
      };
    }
    if (p.kind === 'categorical') {
      if (tau !== null) {
        const z = p.relaxed(k, h, S, tau);
        return {
          z,
          logLik: this.logLik(x, this.decode(z)) as tf.Tensor2D,
          logPrior: tf.fill([S, x.shape[0]], p.logPrior) as tf.Tensor2D,
          logQ: null,
        };
      }
      const { z, logQ } = p.hard(k, h, S);
      return {
        z,
        logLik: this.logLik(x, this.decode(z)) as tf.Tensor2D,
        logPrior: tf.fill([S, x.shape[0]], p.logPrior) as tf.Tensor2D,
        logQ,
      };
    }
    const { z, logQ } = p.sample(k, this.shared as TensorMap, h, S);
    return {
      z,
      logQ,
      logLik: this.logLik(x, this.decode(z)) as tf.Tensor2D,
      logPrior: stdNormalLogDensity(z) as tf.Tensor2D,
    };
  }

  /** log W [S, B] of the exact model (hard categorical draws): for IS log-likelihood and IWAE bounds. Call in tidy. */
  logWeights(k: Key, x: tf.Tensor2D, S: number, h: tf.Tensor2D = this.encode(x)): tf.Tensor2D {
    const r = this.logWeightParts(k, x, h, S, null);
    return tf.sub(tf.add(r.logLik, r.logPrior), r.logQ!) as tf.Tensor2D;
  }

  /**
   * Single-draw ELBO per row [B] with β = 1: log p(x|z) − KL in closed form where the posterior has one
   * (meanfield, fullrank, categorical), else log p(x|z) + log p(z) − log q(z|x). Call in tidy.
   */
  elbo(k: Key, x: tf.Tensor2D, S = 1, h: tf.Tensor2D = this.encode(x)): tf.Tensor1D {
    const p = this.posterior;
    if (this.net.ladder) {
      const r = this.ladderDraws(k, h, S);
      const logLik = this.logLik(x, this.decode(r.z[0]!));
      return tf.sub(tf.mean(logLik, 0), tf.sum(ladderKlPerDim(r), -1)) as tf.Tensor1D;
    }
    if (p.kind === 'categorical') {
      const r = this.logWeightParts(k, x, h, S, null);
      return tf.sub(tf.mean(r.logLik, 0), tf.sum(p.kl(h), -1)) as tf.Tensor1D;
    }
    const kl = p.kl(h);
    const r = this.logWeightParts(k, x, h, S, null);
    if (kl) return tf.sub(tf.mean(r.logLik, 0), kl.total) as tf.Tensor1D;
    return tf.mean(tf.sub(tf.add(r.logLik, r.logPrior), r.logQ!), 0) as tf.Tensor1D;
  }

  /** Posterior means [B, latent]: the location (flow-free), π (categorical), or a Monte Carlo mean of S draws. */
  posteriorMean(k: Key, h: tf.Tensor2D, S = 64): tf.Tensor2D {
    const p = this.posterior;
    if (this.net.ladder) return this.layerMeans(k, h, S)[0]!;
    if (p.kind === 'categorical') return p.probs(h);
    if (p.meanIsLocation) return p.location(h);
    return tf.mean(p.sample(k, this.shared as TensorMap, h, S).z, 0) as tf.Tensor2D;
  }

  /** The ladder's layers, or null for a one-layer VAE. */
  get ladder(): LadderNet | null {
    return this.net.ladder;
  }

  /** Latent sizes per layer, bottom first ([D] for one layer; N·K for categorical latents). */
  get layerSizes(): number[] {
    return this.net.ladder ? [...this.net.ladder.sizes] : [this.posterior.dim];
  }

  /** S top-down draws of every ladder layer (ladder.ts). Call in tidy. */
  ladderDraws(k: Key, h: tf.Tensor2D, S: number): LadderDraws {
    if (!this.net.ladder) throw new Error('This VAE has one latent layer; ladder draws need latentDim as a list.');
    return ladderSample(this.net, this.net.ladder, k, h, S);
  }

  /**
   * Posterior means E_q[z_l | x] [B, D_l] per layer: for the ladder a Monte Carlo mean over S top-down draws (the top
   * layer's is exact, μ̂_L); one layer: posteriorMean. Call in tidy.
   */
  layerMeans(k: Key, h: tf.Tensor2D, S = 64): tf.Tensor2D[] {
    if (!this.net.ladder) return [this.posteriorMean(k, h, S)];
    const r = this.ladderDraws(k, h, S);
    return r.qMean.map((m) => tf.mean(m, 0) as tf.Tensor2D);
  }

  /**
   * Decoder output for latent points of layer l (0-based) [N, D_l]: carried down to z₁ by the generative top-down
   * means (ladder.ts carryDown), then decoded. Call in tidy.
   */
  decodeLayer(l: number, z: tf.Tensor2D): tf.Tensor2D {
    const lad = this.net.ladder;
    if (l === 0) return this.decode(z) as tf.Tensor2D;
    if (!lad || l >= lad.sizes.length)
      throw new RangeError(`Latent layer ${l + 1} does not exist; this VAE has ${this.layerSizes.length} layer(s).`);
    return this.decode(carryDown(this.net, lad, l, z)) as tf.Tensor2D;
  }

  snapshot(transform: VaeTransform, image: { width: number; height: number } | null): VaeSnapshot {
    const names = Object.keys(this.shared);
    return {
      format: VAE_SNAPSHOT_FORMAT,
      config: structuredClone(this.config),
      network: exportParams(this.net),
      shared: names.length ? paramsToJSON(this.shared) : null,
      transform,
      image,
    };
  }
}

/**
 * Σ_j x_j l_j − softplus(l_j) over the last axis as one op: softplus(l) = max(l, 0) + log1p(e^{−|l|}) (tfjs-wasm's
 * Softplus kernel measured ~1.7× slower than these three), and the gradient ∂/∂l = x − σ(l) in one expression; with
 * the native kernels each is one pass (kernels/native-elementwise.ts).
 * x [B, d] (data, no gradient) broadcasts against logits [..., B, d].
 */
export function bernoulliLogLikFast(x: tf.Tensor2D, logits: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [l, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([x, l]);
    // The same two expressions as one native pass each when the native kernels serve the backend.
    if (nativeBernoulliApplies(x, l))
      return {
        value: nativeBernoulliLogLik(x, l),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [nativeBernoulliLogLikGrad(saved[0]!, saved[1]!, dy)],
      };
    const sp = tf.add(tf.relu(l), tf.log1p(tf.exp(tf.neg(tf.abs(l)))));
    return {
      value: tf.sum(tf.sub(tf.mul(x, l), sp), -1),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ls] = saved as [tf.Tensor, tf.Tensor];
        return [tf.mul(tf.expandDims(dy, -1), tf.sub(xs, tf.sigmoid(ls)))];
      },
    };
  });
  return op(logits);
}

/** The key the family's shared parameters are initialised from (kept apart from the network's layer keys). */
function tfKeyFold(k: Key): Key {
  return [(k[0] ^ 0x5bd1e995) >>> 0, (k[1] + 0x27d4eb2f) >>> 0];
}

/** Live model from a snapshot (the caller disposes it). */
export function openVae(s: VaeSnapshot): VaeModel {
  if (s.format !== VAE_SNAPSHOT_FORMAT)
    throw new Error(`Expected a VAE snapshot of format "${VAE_SNAPSHOT_FORMAT}", got "${String(s.format)}".`);
  const m = new VaeModel(s.config);
  try {
    importParams(m.net, s.network);
    if (s.shared) {
      const shared = s.shared;
      const loaded = tf.tidy(() => paramsFromJSON(shared));
      for (const [n, v] of Object.entries(m.shared)) {
        const src = loaded[n];
        if (!src) throw new Error(`The saved posterior has no shared parameter "${n}".`);
        v.assign(src);
      }
      for (const v of Object.values(loaded)) v.dispose();
    }
  } catch (e) {
    m.dispose();
    throw e;
  }
  return m;
}

/** Run fn on a live model built from the snapshot, disposing it afterwards. */
export async function withVae<T>(s: VaeSnapshot, fn: (m: VaeModel) => T | Promise<T>): Promise<T> {
  const m = openVae(s);
  try {
    return await fn(m);
  } finally {
    m.dispose();
  }
}

export { MIN_NOISE_LOGVAR };
