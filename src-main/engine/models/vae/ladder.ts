/**
 * The ladder VAE (Sønderby et al. 2016, "Ladder Variational Autoencoders"): stochastic layers z₁ … z_L (z₁ next to
 * the data) with a top-down generative model and top-down inference that shares it:
 *
 *   generative  p(z_L) = N(0, I),  p(z_l | z_{l+1}) = N(μ_p,l, σ²_p,l)(z_{l+1}),  p(x | z₁) the VAE's decoder;
 *   bottom-up   d₁ = encoder(x), d_l = act(d_{l−1} U_l + a_l);  (μ̂_l, σ̂_l) = heads(d_l);
 *   inference   q(z_L | x) = N(μ̂_L, σ̂²_L);  for l < L, the precision-weighted merge (eq. 17–19 of the paper)
 *                 σ_q⁻² = σ̂_l⁻² + σ_p,l⁻²,   μ_q = (μ̂_l σ̂_l⁻² + μ_p,l σ_p,l⁻²) / σ_q⁻²,
 *               with (μ_p,l, σ_p,l) the generative model's own top-down Gaussian at the sampled z_{l+1}.
 *   bound       log p(x) ≥ E_q[log p(x|z₁)] − Σ_l KL_l,   KL_L = KL(q(z_L|x) ‖ N(0, I)) in closed form,
 *               KL_l = E_{q(z_{>l}|x)} KL(q(z_l|z_{l+1},x) ‖ p(z_l|z_{l+1})), closed form given the drawn z_{l+1}
 *               (a Monte Carlo average over the parent draws).
 *   log-weights logW = log p(x|z₁) + Σ_l log p(z_l | z_{l+1}) − Σ_l log q(z_l | z_{l+1}, x) for IWAE / Rényi / IS.
 *
 * Shapes: the encoder output h [B, Σ_l 2 D_l] holds (μ̂_l, ŝ_l) per layer, bottom first, σ̂ = softplus(ŝ + c) + σ_min
 * with c = log(e − 1) so ŝ = 0 gives σ = 1; draws are [S, B, D_l]. Each layer's q is a diagonal Gaussian: the merge is
 * coordinate-wise, which is why the ladder takes the mean-field family only.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fold, normalTensor, type Key } from '../../rng';
import { klNormalDiag, klNormalStd } from '../../objectives/kl';
import { dense, type Dense, type VaeNetwork } from './network';

/** The ladder's extra layers (layer 1's bottom-up heads are the network's `encoder.mu` / `encoder.q`). */
export interface LadderNet {
  /** Latent sizes [D₁ … D_L], bottom first. */
  sizes: number[];
  /** Bottom-up deterministic layers d_{l} → d_{l+1}, l = 1 … L − 1 (`ladder.up.<l>`). */
  up: Dense[];
  /** Bottom-up heads of layers 2 … L: μ̂ (`ladder.mu.<l>`) and ŝ (`ladder.q.<l>`). */
  upMu: Dense[];
  upSd: Dense[];
  /** Top-down layers z_{l+1} → hidden for p(z_l | z_{l+1}), l = 1 … L − 1 (`ladder.down.<l>`), and its heads. */
  down: Dense[];
  downMu: Dense[];
  downSd: Dense[];
}

/** Floor of every ladder standard deviation. */
export const LADDER_MIN_SD = 1e-3;
const SOFTPLUS_SHIFT = Math.log(Math.E - 1);
const LOG_2PI = Math.log(2 * Math.PI);

/** σ = softplus(s + log(e − 1)) + σ_min: σ = 1 + σ_min at s = 0. */
export function ladderSd(s: tf.Tensor): tf.Tensor {
  return tf.add(tf.softplus(tf.add(s, SOFTPLUS_SHIFT)), LADDER_MIN_SD);
}

/**
 * The precision-weighted merge of two diagonal Gaussians N(μ₁, σ₁²) and N(μ₂, σ₂²) (Sønderby et al. 2016, eq. 18–19):
 * the Gaussian proportional to their product, σ⁻² = σ₁⁻² + σ₂⁻², μ = (μ₁σ₁⁻² + μ₂σ₂⁻²) σ². Broadcasting shapes.
 */
export function precisionMerge(
  mu1: tf.Tensor,
  sd1: tf.Tensor,
  mu2: tf.Tensor,
  sd2: tf.Tensor,
): { mu: tf.Tensor; sd: tf.Tensor } {
  const p1 = tf.reciprocal(tf.square(sd1));
  const p2 = tf.reciprocal(tf.square(sd2));
  const prec = tf.add(p1, p2);
  const mu = tf.div(tf.add(tf.mul(mu1, p1), tf.mul(mu2, p2)), prec);
  return { mu, sd: tf.rsqrt(prec) };
}

/** log N(z; μ, σ²) summed over the last axis. */
function normalLogDensity(z: tf.Tensor, mu: tf.Tensor, sd: tf.Tensor): tf.Tensor {
  const u = tf.div(tf.sub(z, mu), sd);
  return tf.mul(-0.5, tf.sum(tf.add(tf.add(tf.square(u), tf.mul(2, tf.log(sd))), LOG_2PI), -1));
}

/** Offsets of layer l's (μ̂, ŝ) in the encoder output. */
export function ladderOffsets(sizes: readonly number[]): number[] {
  const off: number[] = [];
  let o = 0;
  for (const D of sizes) {
    off.push(o);
    o += 2 * D;
  }
  return off;
}

/**
 * The bottom-up pass: h [B, Σ 2D_l] from the encoder's deterministic output d₁ [B, H] and layer 1's head outputs.
 * Call in tidy.
 */
export function ladderEncode(
  net: VaeNetwork,
  lad: LadderNet,
  d1: tf.Tensor2D,
  mu1: tf.Tensor2D,
  s1: tf.Tensor2D,
): tf.Tensor2D {
  const parts: tf.Tensor2D[] = [mu1, s1];
  let d = d1;
  lad.up.forEach((u, i) => {
    d = dense(d, u, net.activation);
    parts.push(dense(d, lad.upMu[i]!, 'linear'), dense(d, lad.upSd[i]!, 'linear'));
  });
  return tf.concat(parts, 1);
}

/** Bottom-up (μ̂_l, σ̂_l) [B, D_l] of every layer from h. Call in tidy. */
export function bottomUp(sizes: readonly number[], h: tf.Tensor2D): Array<{ mu: tf.Tensor2D; sd: tf.Tensor2D }> {
  const off = ladderOffsets(sizes);
  const B = h.shape[0];
  return sizes.map((D, l) => ({
    mu: tf.slice(h, [0, off[l]!], [B, D]),
    sd: ladderSd(tf.slice(h, [0, off[l]! + D], [B, D])) as tf.Tensor2D,
  }));
}

/** The generative top-down Gaussian p(z_l | z_{l+1}) for layer index l (0-based, l < L − 1); z [N, D_{l+1}]. */
export function topDown(
  net: VaeNetwork,
  lad: LadderNet,
  l: number,
  z: tf.Tensor2D,
): { mu: tf.Tensor2D; sd: tf.Tensor2D } {
  const g = dense(z, lad.down[l]!, net.activation);
  return { mu: dense(g, lad.downMu[l]!, 'linear'), sd: ladderSd(dense(g, lad.downSd[l]!, 'linear')) as tf.Tensor2D };
}

export interface LadderDraws {
  /** z_l [S, B, D_l] per layer, bottom first. */
  z: tf.Tensor3D[];
  /** Σ_l log q(z_l | z_{l+1}, x) [S, B]. */
  logQ: tf.Tensor2D;
  /** Σ_l log p(z_l | z_{l+1}) [S, B] (with p(z_L) = N(0, I)). */
  logPrior: tf.Tensor2D;
  /** KL_l per coordinate: [S, B, D_l] for conditional layers (given the drawn parent), [1, B, D_L] at the top. */
  kl: tf.Tensor3D[];
  /** q's mean per layer [S, B, D_l] (given the drawn parent; [1, B, D_L] at the top). */
  qMean: tf.Tensor3D[];
}

/**
 * S top-down draws per row from q(z₁ … z_L | x): z_L first, then each layer from the merge of its bottom-up Gaussian
 * with the generative p(z_l | z_{l+1}) at the drawn parent (reparameterised: z = μ_q + σ_q ε, ε from fold(k, l)).
 * Call in tidy.
 */
export function ladderSample(net: VaeNetwork, lad: LadderNet, k: Key, h: tf.Tensor2D, S: number): LadderDraws {
  const sizes = lad.sizes;
  const L = sizes.length;
  const B = h.shape[0];
  const up = bottomUp(sizes, h);
  const z: tf.Tensor3D[] = new Array(L);
  const kl: tf.Tensor3D[] = new Array(L);
  const qMean: tf.Tensor3D[] = new Array(L);
  const top = up[L - 1]!;
  const eTop = normalTensor(fold(k, L - 1), [S, B, sizes[L - 1]!]);
  z[L - 1] = tf.add(top.mu, tf.mul(top.sd, eTop)) as tf.Tensor3D;
  let logQ = normalLogDensity(z[L - 1]!, top.mu, top.sd);
  let logPrior = tf.mul(-0.5, tf.add(tf.sum(tf.square(z[L - 1]!), -1), sizes[L - 1]! * LOG_2PI));
  kl[L - 1] = tf.expandDims(klNormalStd(top.mu, top.sd), 0) as tf.Tensor3D;
  qMean[L - 1] = tf.expandDims(top.mu, 0) as tf.Tensor3D;
  for (let l = L - 2; l >= 0; l--) {
    const D = sizes[l]!;
    const parent = tf.reshape(z[l + 1]!, [S * B, sizes[l + 1]!]) as tf.Tensor2D;
    const p = topDown(net, lad, l, parent);
    const muP = tf.reshape(p.mu, [S, B, D]);
    const sdP = tf.reshape(p.sd, [S, B, D]);
    const q = precisionMerge(up[l]!.mu, up[l]!.sd, muP, sdP);
    const e = normalTensor(fold(k, l), [S, B, D]);
    z[l] = tf.add(q.mu, tf.mul(q.sd, e)) as tf.Tensor3D;
    logQ = tf.add(logQ, normalLogDensity(z[l]!, q.mu, q.sd));
    logPrior = tf.add(logPrior, normalLogDensity(z[l]!, muP, sdP));
    kl[l] = klNormalDiag(q.mu, q.sd, muP, sdP) as tf.Tensor3D;
    qMean[l] = q.mu as tf.Tensor3D;
  }
  return { z, logQ: logQ as tf.Tensor2D, logPrior: logPrior as tf.Tensor2D, kl, qMean };
}

/** Per-row KL per coordinate of every layer, averaged over the draws: [B, Σ D_l], bottom layer first. Call in tidy. */
export function ladderKlPerDim(d: LadderDraws): tf.Tensor2D {
  return tf.concat(
    d.kl.map((k) => tf.mean(k, 0) as tf.Tensor2D),
    1,
  );
}

/**
 * Decode from layer l (0-based): z_l [N, D_l] is carried down by the generative top-down means
 * z_{j} = μ_p,j(z_{j+1}) to z₁ [N, D₁], which the caller decodes. Call in tidy.
 */
export function carryDown(net: VaeNetwork, lad: LadderNet, l: number, zl: tf.Tensor2D): tf.Tensor2D {
  let z = zl;
  for (let j = l - 1; j >= 0; j--) z = topDown(net, lad, j, z).mu;
  return z;
}
