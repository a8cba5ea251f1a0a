/**
 * The VAE's networks as plain tfjs-core variables (no tfjs-layers):
 *
 *   encoder  h = act(… act(x W₁ + b₁) …),  μ = h W_μ + b_μ,  log σ² = h W_lv + b_lv        (q(z|x), mean-field)
 *   decoder  g = act(… act(z V₁ + c₁) …),  out = g V_o + c_o   (Bernoulli logits or Gaussian means)
 *            + a per-feature log-variance s ∈ ℝ^d for the Gaussian likelihood.
 *
 * Weights are Glorot-uniform (Glorot & Bengio 2010): W_ij ~ U(−a, a), a = √(6 / (fan_in + fan_out)), drawn from the
 * engine's seeded rng; biases start at 0.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradient functions (the umbrella @tensorflow/tfjs does this import).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { fold, uniform, type Key } from '../../rng';
import type { VaeLikelihood } from './prepare';
import { bernoulliLogLik, gaussianKlStdNormal, gaussianLogLik, reparameterise } from './losses';

export type Activation = 'relu' | 'tanh' | 'elu';

export interface Dense {
  name: string;
  w: tf.Variable;
  b: tf.Variable;
}

export interface VaeNetwork {
  /** Prefix of this network's tfjs variable names (`vae3/`); parameter names are reported without it. */
  prefix: string;
  activation: Activation;
  likelihood: VaeLikelihood;
  encoder: Dense[];
  mu: Dense;
  logvar: Dense;
  decoder: Dense[];
  out: Dense;
  /** [d] per-feature log-variance of the Gaussian likelihood; null for Bernoulli. */
  noiseLogvar: tf.Variable | null;
}

/** Lower bound on the Gaussian likelihood's per-feature log-variance (σ ≥ 0.01 in standardised units). */
export const MIN_NOISE_LOGVAR = Math.log(1e-4);

/**
 * Glorot-uniform matrix, row-major [fanIn, fanOut]: W_ij = a (2u_ij − 1), u ~ U(0, 1), a = √(6 / (fanIn + fanOut)).
 */
export function glorotUniform(k: Key, fanIn: number, fanOut: number): Float32Array {
  const a = Math.sqrt(6 / (fanIn + fanOut));
  const u = uniform(k, fanIn * fanOut);
  const w = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < w.length; i++) w[i] = a * (2 * u[i]! - 1);
  return w;
}

/** tfjs variable names are global to the process; a per-network prefix keeps concurrent networks apart. */
let networkCounter = 0;

/** A dense layer x ↦ x W + b with W Glorot-uniform from key k and b = 0, as tfjs variables named `${prefix}${name}.weight|bias`. */
function dense(k: Key, prefix: string, name: string, fanIn: number, fanOut: number): Dense {
  const w = tf.tidy(() => tf.tensor2d(glorotUniform(k, fanIn, fanOut), [fanIn, fanOut]));
  const b = tf.zeros([fanOut]);
  const out = {
    name,
    w: tf.variable(w, true, `${prefix}${name}.weight`),
    b: tf.variable(b, true, `${prefix}${name}.bias`),
  };
  w.dispose();
  b.dispose();
  return out;
}

/** A fresh network: x ∈ ℝ^d → hidden widths → z ∈ ℝ^k → reversed hidden widths → ℝ^d. Layer ℓ draws from fold(k, ℓ). */
export function createNetwork(
  k: Key,
  d: number,
  latentDim: number,
  hidden: readonly number[],
  activation: Activation,
  likelihood: VaeLikelihood,
): VaeNetwork {
  let layer = 0;
  const prefix = `vae${networkCounter++}/`;
  const next = (name: string, fanIn: number, fanOut: number): Dense =>
    dense(fold(k, layer++), prefix, name, fanIn, fanOut);
  const encoder: Dense[] = [];
  let width = d;
  hidden.forEach((h, i) => {
    encoder.push(next(`encoder.${i}`, width, h));
    width = h;
  });
  const mu = next('encoder.mu', width, latentDim);
  const logvar = next('encoder.logvar', width, latentDim);
  const decoder: Dense[] = [];
  width = latentDim;
  [...hidden].reverse().forEach((h, i) => {
    decoder.push(next(`decoder.${i}`, width, h));
    width = h;
  });
  const out = next('decoder.out', width, d);
  let noiseLogvar: tf.Variable | null = null;
  if (likelihood === 'gaussian') {
    const z0 = tf.zeros([d]);
    noiseLogvar = tf.variable(z0, true, `${prefix}decoder.noise_logvar`);
    z0.dispose();
  }
  return { prefix, activation, likelihood, encoder, mu, logvar, decoder, out, noiseLogvar };
}

/** Every trainable variable, in a fixed order. */
export function networkVariables(net: VaeNetwork): tf.Variable[] {
  const vs: tf.Variable[] = [];
  for (const l of [...net.encoder, net.mu, net.logvar, ...net.decoder, net.out]) vs.push(l.w, l.b);
  if (net.noiseLogvar) vs.push(net.noiseLogvar);
  return vs;
}

/** Free every variable of the network. */
export function disposeNetwork(net: VaeNetwork): void {
  for (const v of networkVariables(net)) v.dispose();
}

/** Parameters as plain arrays, keyed `encoder.0.weight`, …, `decoder.out.bias`, `decoder.noise_logvar`. */
export function exportParams(net: VaeNetwork): Record<string, { shape: number[]; values: number[] }> {
  const out: Record<string, { shape: number[]; values: number[] }> = {};
  for (const v of networkVariables(net)) {
    const name = v.name.startsWith(net.prefix) ? v.name.slice(net.prefix.length) : v.name;
    out[name] = { shape: [...v.shape], values: Array.from(v.dataSync()) };
  }
  return out;
}

/** act(x): relu = max(0, x), tanh, elu = x if x > 0 else e^x − 1. */
function act(x: tf.Tensor2D, a: Activation): tf.Tensor2D {
  switch (a) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'elu':
      return tf.elu(x);
  }
}

/** x W + b for x [B, in], W [in, out], b [out]. */
function affine(x: tf.Tensor2D, l: Dense): tf.Tensor2D {
  return tf.add(tf.matMul(x, l.w as tf.Tensor2D), l.b) as tf.Tensor2D;
}

/** h_L = act(… act(x W₁ + b₁) … W_L + b_L): the hidden stack (identity when there are no layers). */
function mlp(x: tf.Tensor2D, layers: readonly Dense[], a: Activation): tf.Tensor2D {
  let h = x;
  for (const l of layers) h = act(affine(h, l), a);
  return h;
}

/** q(z|x) parameters: μ, log σ², each [B, k]. Call inside tf.tidy. */
export function encode(net: VaeNetwork, x: tf.Tensor2D): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
  const h = mlp(x, net.encoder, net.activation);
  return { mu: affine(h, net.mu), logvar: affine(h, net.logvar) };
}

/** Decoder output [B, d]: Bernoulli logits or Gaussian means. Call inside tf.tidy. */
export function decode(net: VaeNetwork, z: tf.Tensor2D): tf.Tensor2D {
  return affine(mlp(z, net.decoder, net.activation), net.out);
}

/** Mean of p(x|z): σ(logits) for Bernoulli, the decoder output for Gaussian. Call inside tf.tidy. */
export function decodeMean(net: VaeNetwork, z: tf.Tensor2D): tf.Tensor2D {
  const o = decode(net, z);
  return net.likelihood === 'bernoulli' ? tf.sigmoid(o) : o;
}

/** The Gaussian likelihood's log-variance, floored at MIN_NOISE_LOGVAR. Call inside tf.tidy. */
function noiseLogvar(net: VaeNetwork): tf.Tensor1D {
  if (!net.noiseLogvar) throw new Error('This network has a Bernoulli likelihood and no noise variance.');
  return tf.maximum(net.noiseLogvar, MIN_NOISE_LOGVAR) as tf.Tensor1D;
}

/**
 * Per-row single-sample ELBO estimate and its parts, with S draws of ε per row averaged:
 *
 *   ELBO(x) ≈ (1/S) Σ_s log p(x | z_s) − KL(q(z|x) ‖ N(0, I)),   z_s = μ(x) + σ(x) ⊙ ε_s.
 *
 * @param x   [B, d]
 * @param eps [S·B, k] standard normal draws (sample-major: rows s·B … s·B + B − 1 belong to draw s)
 * @returns   elbo, logLik, kl — each [B]. Call inside tf.tidy.
 */
export function elboPerRow(
  net: VaeNetwork,
  x: tf.Tensor2D,
  eps: tf.Tensor2D,
): { elbo: tf.Tensor1D; logLik: tf.Tensor1D; kl: tf.Tensor1D } {
  const b = x.shape[0];
  const s = eps.shape[0] / b;
  if (!Number.isInteger(s) || s < 1) throw new Error(`Expected ε with a multiple of ${b} rows, got ${eps.shape[0]}.`);
  const { mu, logvar } = encode(net, x);
  const kl = gaussianKlStdNormal(mu, logvar);
  const muS = s === 1 ? mu : (tf.tile(mu, [s, 1]) as tf.Tensor2D);
  const lvS = s === 1 ? logvar : (tf.tile(logvar, [s, 1]) as tf.Tensor2D);
  const xS = s === 1 ? x : (tf.tile(x, [s, 1]) as tf.Tensor2D);
  const z = reparameterise(muS, lvS, eps);
  const o = decode(net, z);
  const llS = net.likelihood === 'bernoulli' ? bernoulliLogLik(xS, o) : gaussianLogLik(xS, o, noiseLogvar(net));
  const logLik = s === 1 ? llS : (tf.mean(tf.reshape(llS, [s, b]), 0) as tf.Tensor1D);
  return { elbo: tf.sub(logLik, kl) as tf.Tensor1D, logLik, kl };
}
