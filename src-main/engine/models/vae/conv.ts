/**
 * Convolutional encoder and decoder of the VAE for image-shaped rows (x [B, H·W·C] read as [B, H, W, C], NHWC):
 *
 *   encoder  h_i = act(conv(h_{i−1}, W_i) + b_i),  4×4 filters, stride 2, padding 1: H_i = ⌊H_{i−1} / 2⌋,
 *            then flatten [B, H_L W_L C_L] into the dense layers and heads of network.ts;
 *   decoder  dense layers, a dense layer to [B, H_L W_L C_L] (act), then transposed convolutions mirroring the encoder
 *            back to [B, H, W, C] (the last one linear: Bernoulli logits or Gaussian means), flattened to [B, d]
 *            (the DCGAN-style stack of Radford et al. 2016, as in the conv VAEs of Gulrajani et al. 2017).
 *
 * Every layer is one `customGrad` op on the backend's own convolution kernels: conv2d forward and its input gradient
 * (a transposed convolution, Conv2DBackpropInput), conv2dTranspose forward and its input gradient (a conv2d). The
 * filter gradient is formed here as a product, ∂W = patches(x)ᵀ · δ, with patches the 16 stride-2 taps of the padded
 * input (im2col), because tfjs-wasm 4.22 registers no Conv2DBackpropFilter kernel (conv2d's filter gradient throws
 * "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'"). The product runs on the engine's GEMM.
 *
 * Filters are Glorot-uniform over fan_in = 16 C_in, fan_out = 16 C_out (as Keras); biases start at 0.
 */
import * as tf from '@tensorflow/tfjs-core';
import { uniform, type Key } from '../../rng';
import { activationGrad, applyActivation, matMulT, type Activation, type LayerActivation } from './network';

/** Height, width, channels of one image row. */
export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

export interface ConvLayer {
  name: string;
  /** conv: [4, 4, C_in, C_out]; transposed conv: [4, 4, C_out, C_in] (tfjs' conv2dTranspose layout). */
  w: tf.Variable;
  b: tf.Variable;
}

export interface ConvStack {
  image: ImageShape;
  /** Filters per encoder layer. */
  channels: number[];
  /** [H_i, W_i] for i = 0 (the image) … L (the last encoder layer). */
  sizes: Array<[number, number]>;
  /** Encoder convolutions (`encoder.conv.<i>`). */
  enc: ConvLayer[];
  /** Decoder transposed convolutions, top first (`decoder.deconv.<i>`); the last one outputs the image channels. */
  dec: ConvLayer[];
}

export const KERNEL = 4;
export const STRIDE = 2;
export const PAD = 1;

/** Spatial sizes of the encoder's feature maps: H_i = ⌊(H_{i−1} + 2·1 − 4) / 2⌋ + 1 = ⌊H_{i−1} / 2⌋. */
export function convSizes(image: ImageShape, layers: number): Array<[number, number]> {
  const out: Array<[number, number]> = [[image.height, image.width]];
  for (let i = 0; i < layers; i++) {
    const [h, w] = out[i]!;
    out.push([Math.floor((h + 2 * PAD - KERNEL) / STRIDE) + 1, Math.floor((w + 2 * PAD - KERNEL) / STRIDE) + 1]);
  }
  return out;
}

/** Flattened size of the last encoder feature map: H_L · W_L · C_L. */
export function convFlatSize(image: ImageShape, channels: readonly number[]): number {
  const [h, w] = convSizes(image, channels.length)[channels.length]!;
  return h * w * channels[channels.length - 1]!;
}

function glorotFilter(
  k: Key,
  shape: [number, number, number, number],
  fanIn: number,
  fanOut: number,
  name: string,
): tf.Variable {
  const a = Math.sqrt(6 / (fanIn + fanOut));
  const n = shape.reduce((p, v) => p * v, 1);
  const u = uniform(k, n);
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = a * (2 * u[i]! - 1);
  const t = tf.tensor4d(w, shape);
  const v = tf.variable(t, true, name);
  t.dispose();
  return v;
}

function layer(prefix: string, name: string, k: Key, shape: [number, number, number, number], fanIn: number, fanOut: number, bias: number): ConvLayer {
  const w = glorotFilter(k, shape, fanIn, fanOut, `${prefix}${name}.weight`);
  const z = tf.zeros([bias]);
  const b = tf.variable(z, true, `${prefix}${name}.bias`);
  z.dispose();
  return { name, w, b };
}

/**
 * Fresh conv stacks; `next()` hands out one key per layer (encoder convs first, then decoder transposed convs, top
 * first).
 */
export function createConvStack(next: () => Key, prefix: string, image: ImageShape, channels: readonly number[]): ConvStack {
  const L = channels.length;
  const enc: ConvLayer[] = [];
  let cin = image.channels;
  channels.forEach((c, i) => {
    enc.push(layer(prefix, `encoder.conv.${i}`, next(), [KERNEL, KERNEL, cin, c], KERNEL * KERNEL * cin, KERNEL * KERNEL * c, c));
    cin = c;
  });
  const dec: ConvLayer[] = [];
  for (let i = 0; i < L; i++) {
    const cIn = channels[L - 1 - i]!;
    const cOut = i === L - 1 ? image.channels : channels[L - 2 - i]!;
    dec.push(
      layer(prefix, `decoder.deconv.${i}`, next(), [KERNEL, KERNEL, cOut, cIn], KERNEL * KERNEL * cIn, KERNEL * KERNEL * cOut, cOut),
    );
  }
  return { image, channels: [...channels], sizes: convSizes(image, L), enc, dec };
}

export function convVariables(s: ConvStack): tf.Variable[] {
  return [...s.enc, ...s.dec].flatMap((l) => [l.w, l.b]);
}

/**
 * im2col of a stride-2, padding-1, 4×4 convolution: x [B, H, W, C] → patches [B·H_o·W_o, 16·C], column
 * (kh·4 + kw)·C + c, so patchesᵀ · δ reshapes to a [4, 4, C, C_out] filter. H_o, W_o are the output sizes.
 */
export function patches(x: tf.Tensor4D, ho: number, wo: number): tf.Tensor2D {
  const [B, , , C] = x.shape;
  const xp = tf.pad(x, [
    [0, 0],
    [PAD, PAD],
    [PAD, PAD],
    [0, 0],
  ]);
  const taps: tf.Tensor[] = [];
  for (let kh = 0; kh < KERNEL; kh++)
    for (let kw = 0; kw < KERNEL; kw++)
      taps.push(
        tf.stridedSlice(xp, [0, kh, kw, 0], [B, kh + STRIDE * (ho - 1) + 1, kw + STRIDE * (wo - 1) + 1, C], [1, STRIDE, STRIDE, 1]),
      );
  return tf.reshape(tf.stack(taps, 3), [B * ho * wo, KERNEL * KERNEL * C]);
}

/** ∂W of y = conv(x, W) (stride 2, pad 1) for the output gradient δ [B, H_o, W_o, C_out] → [4, 4, C, C_out]. */
export function filterGrad(x: tf.Tensor4D, delta: tf.Tensor4D): tf.Tensor4D {
  const [B, ho, wo, co] = delta.shape;
  const C = x.shape[3];
  const p = patches(x, ho, wo);
  const g = matMulT(p, tf.reshape(delta, [B * ho * wo, co]) as tf.Tensor2D, true, false);
  return tf.reshape(g, [KERNEL, KERNEL, C, co]);
}

/** y = act(conv(x, W) + b), stride 2, padding 1, as one op (see the module comment). `inputGrad` false: x is data. */
export function convLayer(x: tf.Tensor4D, l: ConvLayer, a: LayerActivation, inputGrad = true): tf.Tensor4D {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, w, b, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.GradSaveFunc];
    const y = applyActivation(a, tf.add(tf.conv2d(xi, w, STRIDE, PAD), b)) as tf.Tensor4D;
    save([xi, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const delta = activationGrad(a, ys, dy) as tf.Tensor4D;
        const dx = inputGrad ? tf.conv2dTranspose(delta, ws, xs.shape, STRIDE, PAD) : tf.zerosLike(xs);
        return [dx, filterGrad(xs, delta), tf.sum(delta, [0, 1, 2])];
      },
    };
  });
  return op(x, l.w, l.b) as tf.Tensor4D;
}

/**
 * y = act(convTranspose(x, W) + b) to the spatial size [H, W] (stride 2, padding 1) as one op: ∂x = conv(δ, W),
 * ∂W = filterGrad(δ, x) (the transposed convolution is the adjoint of conv, so the roles of input and gradient swap).
 */
export function deconvLayer(x: tf.Tensor4D, l: ConvLayer, a: LayerActivation, out: [number, number]): tf.Tensor4D {
  const cOut = l.w.shape[2]!;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, w, b, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.GradSaveFunc];
    const shape: [number, number, number, number] = [xi.shape[0], out[0], out[1], cOut];
    const y = applyActivation(a, tf.add(tf.conv2dTranspose(xi, w, shape, STRIDE, PAD), b)) as tf.Tensor4D;
    save([xi, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const delta = activationGrad(a, ys, dy) as tf.Tensor4D;
        return [tf.conv2d(delta, ws, STRIDE, PAD), filterGrad(delta, xs), tf.sum(delta, [0, 1, 2])];
      },
    };
  });
  return op(x, l.w, l.b) as tf.Tensor4D;
}

/** Encoder convolutions: x [B, d] → flattened features [B, H_L W_L C_L]. `dataInput`: x is data. Call in tidy. */
export function convEncode(s: ConvStack, x: tf.Tensor2D, act: Activation, dataInput = true): tf.Tensor2D {
  const { height, width, channels } = s.image;
  let h = tf.reshape(x, [x.shape[0], height, width, channels]) as tf.Tensor4D;
  s.enc.forEach((l, i) => {
    h = convLayer(h, l, act, !(dataInput && i === 0));
  });
  return tf.reshape(h, [x.shape[0], -1]) as tf.Tensor2D;
}

/** Decoder transposed convolutions: features [N, H_L W_L C_L] (after the activation) → output [N, d]. Call in tidy. */
export function convDecode(s: ConvStack, g: tf.Tensor2D, act: Activation): tf.Tensor2D {
  const L = s.channels.length;
  const [hL, wL] = s.sizes[L]!;
  let h = tf.reshape(g, [g.shape[0], hL, wL, s.channels[L - 1]!]) as tf.Tensor4D;
  s.dec.forEach((l, i) => {
    h = deconvLayer(h, l, i === L - 1 ? 'linear' : act, s.sizes[L - 1 - i]!);
  });
  return tf.reshape(h, [g.shape[0], -1]) as tf.Tensor2D;
}
