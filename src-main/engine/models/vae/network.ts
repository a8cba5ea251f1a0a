/**
 * The VAE's networks as plain tfjs-core variables (no tfjs-layers):
 *
 *   encoder  h = act(… act(x W₁ + b₁) …),   [μ, η] = [h W_μ + b_μ,  h W_q + b_q]
 *            μ ∈ ℝ^D is the posterior's location, η ∈ ℝ^{P−D} every other per-datum parameter of the family
 *            (scales, flow parameters, IAF context …; see posterior.ts for the layout);
 *   decoder  g = act(… act(z V₁ + c₁) …),  out = g V_o + c_o   (Bernoulli logits, Gaussian means, category logits)
 *            + a per-feature log-variance s ∈ ℝ^d when the Gaussian variance is learned.
 *
 * Weights are Glorot-uniform (Glorot & Bengio 2010): W_ij ~ U(−a, a), a = √(6 / (fan_in + fan_out)), drawn from the
 * engine's seeded rng; biases start at 0.
 *
 * Speed: every layer is one `customGrad` op, y = act(x W + b), whose backward pass forms the transposes explicitly,
 *   ∂W = (xᵀ) · δ,   ∂x = δ · (Wᵀ),   δ = act′ ⊙ ∂y,
 * because tfjs-wasm 4.22's BatchMatMul with transposeA / transposeB runs ~10× slower than an explicit transpose
 * followed by a plain product (measured: 111 ms vs 11.5 ms for 784×128 · 128×400). The first encoder layer skips ∂x
 * (x is data), saving one 128×400 · 400×784 product per step; the forward product, bias and activation run as one
 * fused kernel (tf.fused.matMul) where tfjs has one.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradient functions (the umbrella @tensorflow/tfjs does this import).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { fold, uniform, type Key } from '../../rng';
import { fastMatMulActive } from '../../kernels/fast-matmul';
import { nativeReluBackward } from '../../kernels/native-elementwise';
import {
  convDecode,
  convEncode,
  convFlatSize,
  convVariables,
  createConvStack,
  type ConvStack,
  type ImageShape,
} from './conv';
import type { LadderNet } from './ladder';
import { createArTerm, type ArTerm } from './autoregressive';

export type Activation = 'relu' | 'tanh' | 'elu';
export type LayerActivation = Activation | 'linear';

export interface Dense {
  name: string;
  w: tf.Variable;
  b: tf.Variable;
}

export interface VaeNetwork {
  /** Prefix of this network's tfjs variable names (`vae3/`); parameter names are reported without it. */
  prefix: string;
  activation: Activation;
  encoder: Dense[];
  /** Location head [H, D] (named encoder.mu). */
  mu: Dense;
  /** Head for the family's other per-datum parameters [H, P − D] (named encoder.q); null when P = D. */
  rest: Dense | null;
  decoder: Dense[];
  out: Dense;
  /** [d] per-feature log-variance of a learned Gaussian likelihood; null otherwise. */
  noiseLogvar: tf.Variable | null;
  /** Convolutions before the encoder's dense layers and after the decoder's (conv.ts); null for an MLP. */
  conv: ConvStack | null;
  /** The ladder VAE's bottom-up and top-down layers (ladder.ts); null with one latent layer. */
  ladder: LadderNet | null;
  /** The autoregressive term over the feature order (autoregressive.ts); null for a factorised decoder. */
  ar: ArTerm | null;
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

function variable(values: Float32Array, shape: number[], name: string): tf.Variable {
  const t = tf.tensor(values, shape, 'float32');
  const v = tf.variable(t, true, name);
  t.dispose();
  return v;
}

/** A dense layer with W Glorot-uniform from key k (or given values) and b = 0. */
function denseLayer(k: Key, prefix: string, name: string, fanIn: number, fanOut: number): Dense {
  return {
    name,
    w: variable(glorotUniform(k, fanIn, fanOut), [fanIn, fanOut], `${prefix}${name}.weight`),
    b: variable(new Float32Array(fanOut), [fanOut], `${prefix}${name}.bias`),
  };
}

export interface NetworkShape {
  /** Data columns (prepared). */
  d: number;
  /** Latent size fed to the decoder (D, or N·K for categorical latents). */
  latent: number;
  /** Location outputs of the encoder (D, or N·K logits). */
  loc: number;
  /** Other per-datum posterior parameters. */
  rest: number;
  hidden: readonly number[];
  activation: Activation;
  learnedNoise: boolean;
  /** Convolutional encoder / decoder for rows of this image shape (d = H·W·C). */
  conv?: { image: ImageShape; channels: number[] } | null;
  /** Ladder latent sizes [D₁ … D_L] (L ≥ 2; D₁ = latent). */
  ladder?: number[] | null;
  /** Autoregressive decoder seeing `window` earlier features (null: all); absent or null for a factorised one. */
  autoregressive?: { window: number | null } | null;
}

/** A fresh network. Layer ℓ draws from fold(k, ℓ) in the order encoder, mu, rest, decoder, out. */
export function createNetwork(k: Key, s: NetworkShape): VaeNetwork {
  let layer = 0;
  const prefix = `vae${networkCounter++}/`;
  const next = (name: string, fanIn: number, fanOut: number): Dense =>
    denseLayer(fold(k, layer++), prefix, name, fanIn, fanOut);
  const encoder: Dense[] = [];
  const flat = s.conv ? convFlatSize(s.conv.image, s.conv.channels) : s.d;
  let width = flat;
  s.hidden.forEach((h, i) => {
    encoder.push(next(`encoder.${i}`, width, h));
    width = h;
  });
  const mu = next('encoder.mu', width, s.loc);
  const restLayer = s.rest > 0 ? next('encoder.q', width, s.rest) : null;
  if (!restLayer) layer++;
  const decoder: Dense[] = [];
  width = s.latent;
  [...s.hidden].reverse().forEach((h, i) => {
    decoder.push(next(`decoder.${i}`, width, h));
    width = h;
  });
  const out = next('decoder.out', width, flat);
  const noiseLogvar = s.learnedNoise ? variable(new Float32Array(s.d), [s.d], `${prefix}decoder.noise_logvar`) : null;
  // Conv and ladder layers draw their keys after the MLP's, so an MLP's initial weights are unchanged by them.
  const conv = s.conv ? createConvStack(() => fold(k, layer++), prefix, s.conv.image, s.conv.channels) : null;
  let ladder: LadderNet | null = null;
  if (s.ladder && s.ladder.length > 1) {
    const sizes = s.ladder;
    const wide = s.hidden.length ? s.hidden[s.hidden.length - 1]! : 128;
    const lad: LadderNet = { sizes: [...sizes], up: [], upMu: [], upSd: [], down: [], downMu: [], downSd: [] };
    let w = s.hidden.length ? wide : flat;
    for (let l = 1; l < sizes.length; l++) {
      lad.up.push(next(`ladder.up.${l}`, w, wide));
      w = wide;
      lad.upMu.push(next(`ladder.mu.${l}`, wide, sizes[l]!));
      lad.upSd.push(next(`ladder.q.${l}`, wide, sizes[l]!));
    }
    for (let l = 0; l < sizes.length - 1; l++) {
      lad.down.push(next(`ladder.down.${l}`, sizes[l + 1]!, wide));
      lad.downMu.push(next(`ladder.prior_mu.${l}`, wide, sizes[l]!));
      lad.downSd.push(next(`ladder.prior_q.${l}`, wide, sizes[l]!));
    }
    ladder = lad;
  }
  const ar = s.autoregressive ? createArTerm(prefix, s.d, s.autoregressive.window) : null;
  return {
    prefix,
    activation: s.activation,
    encoder,
    mu,
    rest: restLayer,
    decoder,
    out,
    noiseLogvar,
    conv,
    ladder,
    ar,
  };
}

/** Every trainable variable, in a fixed order. */
export function networkVariables(net: VaeNetwork): tf.Variable[] {
  const vs: tf.Variable[] = [];
  const layers = [...net.encoder, net.mu, ...(net.rest ? [net.rest] : []), ...net.decoder, net.out];
  for (const l of layers) vs.push(l.w, l.b);
  if (net.noiseLogvar) vs.push(net.noiseLogvar);
  if (net.conv) vs.push(...convVariables(net.conv));
  const lad = net.ladder;
  if (lad)
    for (const l of [...lad.up, ...lad.upMu, ...lad.upSd, ...lad.down, ...lad.downMu, ...lad.downSd]) vs.push(l.w, l.b);
  if (net.ar) vs.push(net.ar.w);
  return vs;
}

/** Free every variable of the network. */
export function disposeNetwork(net: VaeNetwork): void {
  for (const v of networkVariables(net)) v.dispose();
  net.ar?.mask.dispose();
}

/** The name a variable is reported under (without the per-network prefix). */
export function paramName(net: VaeNetwork, v: tf.Variable): string {
  return v.name.startsWith(net.prefix) ? v.name.slice(net.prefix.length) : v.name;
}

export type ParamRecord = Record<string, { shape: number[]; values: number[] }>;

/** Parameters as plain arrays, keyed `encoder.0.weight`, …, `decoder.out.bias`, `decoder.noise_logvar`. */
export function exportParams(net: VaeNetwork): ParamRecord {
  const out: ParamRecord = {};
  for (const v of networkVariables(net))
    out[paramName(net, v)] = { shape: [...v.shape], values: Array.from(v.dataSync()) };
  return out;
}

/** Overwrite every variable from exported parameters (names and shapes must match). */
export function importParams(net: VaeNetwork, params: ParamRecord): void {
  for (const v of networkVariables(net)) {
    const name = paramName(net, v);
    const p = params[name];
    if (!p) throw new Error(`The saved VAE has no parameter "${name}"; it was saved with another architecture.`);
    if (p.shape.join(',') !== v.shape.join(',')) {
      throw new Error(`Parameter "${name}" has shape [${p.shape.join(', ')}], expected [${v.shape.join(', ')}].`);
    }
    const t = tf.tensor(Float32Array.from(p.values), p.shape, 'float32');
    v.assign(t);
    t.dispose();
  }
}

let fastGradients: boolean | 'auto' = 'auto';

/**
 * Use the explicit-transpose custom gradients (true), tfjs' own autodiff of matMul + add + activation (false; the
 * benchmark's "before" figure), or 'auto' (default): custom gradients on the wasm backend only — the cpu backend's
 * transposed products carry no penalty, so the extra transposes only cost there.
 */
export function setFastDenseGradients(on: boolean | 'auto'): void {
  fastGradients = on;
}

function useFastGradients(): boolean {
  return fastGradients === 'auto' ? tf.getBackend() === 'wasm' : fastGradients;
}

/**
 * a·b with a and/or b transposed. With the SIMD kernel (kernels/fast-matmul.ts) transposes are free (folded into its
 * packing); with tfjs' own wasm kernel they are formed explicitly first, which is ~10× faster there.
 */
function matMulT(a: tf.Tensor2D, b: tf.Tensor2D, transA: boolean, transB: boolean): tf.Tensor2D {
  if (fastMatMulActive()) return tf.matMul(a, b, transA, transB);
  return tf.matMul(transA ? tf.transpose(a) : a, transB ? tf.transpose(b) : b);
}

/** act′(pre) ⊙ dy written in terms of the output y = act(pre). */
export function activationGrad(a: LayerActivation, y: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  switch (a) {
    case 'linear':
      return dy;
    case 'relu':
      return tf.mul(dy, tf.step(y));
    case 'tanh':
      return tf.mul(dy, tf.sub(1, tf.square(y)));
    case 'elu':
      // y > 0: 1; else e^pre = y + 1.
      return tf.mul(dy, tf.where(tf.greater(y, 0), tf.onesLike(y), tf.add(y, 1)));
  }
}

/** δ = act′ ⊙ dy and ∂b = Σ_rows δ; for relu one native pass when the native kernels serve the backend. */
function deltaAndBiasGrad(a: LayerActivation, y: tf.Tensor, dy: tf.Tensor): [tf.Tensor2D, tf.Tensor] {
  const fused = a === 'relu' ? nativeReluBackward(y, dy) : null;
  if (fused) return fused;
  const delta = activationGrad(a, y, dy) as tf.Tensor2D;
  return [delta, tf.sum(delta, 0)];
}

/**
 * act(x W + b) as one fused kernel where tfjs has one (linear, relu, elu), else matMul + add + act. Under a gradient
 * tape tf.fused.matMul runs a non-linear activation unfused (matMul, add, act: three passes); here the layer's own
 * customGrad supplies the gradient, so with ELBO Studio's GEMM serving the backend (kernels/fast-matmul.ts: bias and
 * relu applied in the kernel, rank-2 operands taken as they are) the fused kernel is called directly.
 */
function affineAct(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor, a: LayerActivation): tf.Tensor2D {
  if (a === 'tanh') return tf.tanh(tf.add(tf.matMul(x, w), b)) as tf.Tensor2D;
  if (fastMatMulActive() && x.dtype === 'float32' && w.dtype === 'float32' && b.dtype === 'float32')
    return tf
      .engine()
      .runKernel(
        '_FusedMatMul',
        { a: x, b: w, bias: b },
        { transposeA: false, transposeB: false, activation: a },
      ) as tf.Tensor2D;
  return tf.fused.matMul({ a: x, b: w, bias: b, activation: a }) as tf.Tensor2D;
}

export function applyActivation(a: LayerActivation, x: tf.Tensor): tf.Tensor {
  switch (a) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'elu':
      return tf.elu(x);
  }
}

/**
 * y = act(x W + b) for x [B, in] as one differentiable op with explicit-transpose gradients (see the module comment).
 * With `inputGrad` false the gradient with respect to x is not formed (x must then be data, not a function of
 * anything trainable).
 */
export function dense(x: tf.Tensor2D, l: Dense, a: LayerActivation, inputGrad = true): tf.Tensor2D {
  if (!useFastGradients()) return applyActivation(a, tf.add(tf.matMul(x, l.w as tf.Tensor2D), l.b)) as tf.Tensor2D;
  if (inputGrad) {
    const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [xi, w, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      const y = affineAct(xi as tf.Tensor2D, w as tf.Tensor2D, b, a);
      save([xi, w, y]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xs, ws, ys] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
          const [delta, db] = deltaAndBiasGrad(a, ys, dy);
          return [matMulT(delta, ws, false, true), matMulT(xs, delta, true, false), db];
        },
      };
    });
    return op(x, l.w, l.b) as tf.Tensor2D;
  }
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [w, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const y = affineAct(x, w as tf.Tensor2D, b, a);
    // x must be saved (not captured): tensors made inside the gradient's forward pass are disposed before backprop.
    save([x, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ys] = saved as [tf.Tensor2D, tf.Tensor2D];
        const [delta, db] = deltaAndBiasGrad(a, ys, dy);
        return [matMulT(xs, delta, true, false), db];
      },
    };
  });
  return op(l.w, l.b) as tf.Tensor2D;
}

/**
 * Encoder: x [B, d] → { loc [B, D], rest [B, P − D] | null }. `dataInput` = x is data (no input gradient). Call in tidy.
 */
export function encodeRaw(
  net: VaeNetwork,
  x: tf.Tensor2D,
  dataInput = true,
): { loc: tf.Tensor2D; rest: tf.Tensor2D | null; features: tf.Tensor2D } {
  let h = x;
  let data = dataInput;
  if (net.conv) {
    h = convEncode(net.conv, x, net.activation, dataInput);
    data = false;
  }
  net.encoder.forEach((l, i) => {
    h = dense(h, l, net.activation, !(data && i === 0));
  });
  const noHidden = net.encoder.length === 0;
  const loc = dense(h, net.mu, 'linear', !(data && noHidden));
  const rest = net.rest ? dense(h, net.rest, 'linear', !(data && noHidden)) : null;
  return { loc, rest, features: h };
}

/** Decoder output [N, d] from z [N, latent]: logits or means. Call inside tf.tidy. */
export function decodeRaw(net: VaeNetwork, z: tf.Tensor2D): tf.Tensor2D {
  let g = z;
  for (const l of net.decoder) g = dense(g, l, net.activation);
  if (net.conv) return convDecode(net.conv, dense(g, net.out, net.activation), net.activation);
  return dense(g, net.out, 'linear');
}

/** The learned Gaussian log-variance, floored at MIN_NOISE_LOGVAR. Call inside tf.tidy. */
export function noiseLogvar(net: VaeNetwork): tf.Tensor1D {
  if (!net.noiseLogvar) throw new Error('This network has no learned noise variance.');
  return tf.maximum(net.noiseLogvar, MIN_NOISE_LOGVAR) as tf.Tensor1D;
}
