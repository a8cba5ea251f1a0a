/**
 * Convolutional encoder and decoder of the VAE for image-shaped rows (x [B, H·W·C] read as [B, H, W, C], NHWC):
 *
 *   encoder  h_i = act(conv(h_{i−1}, W_i) + b_i),  4×4 filters, stride 2, padding 1: H_i = ⌊H_{i−1} / 2⌋,
 *            then flatten [B, H_L W_L C_L] into the dense layers and heads of network.ts;
 *   decoder  dense layers, a dense layer to [B, H_L W_L C_L] (act), then transposed convolutions mirroring the encoder
 *            back to [B, H, W, C] (the last one linear: Bernoulli logits or Gaussian means), flattened to [B, d]
 *            (the DCGAN-style stack of Radford et al. 2016, as in the conv VAEs of Gulrajani et al. 2017).
 *
 * Every layer is one `customGrad` op whose forward and backward passes all run on the backend's Conv2D kernel:
 *   conv            forward conv2d; ∂x a transposed convolution; ∂W a dilated conv2d with batch ↔ channels (filterGrad)
 *   transposed conv forward by sub-pixel convolution (convTranspose); ∂x a conv2d; ∂W filterGrad with the roles swapped.
 * tfjs-wasm 4.22 registers no Conv2DBackpropFilter kernel (tfjs' conv2d gradient throws "Kernel
 * 'Conv2DBackpropFilter' not registered for backend 'wasm'"), and its Conv2DBackpropInput (conv2dTranspose) is a plain
 * loop; the forms here need neither and are checked against tfjs' own gradients on the cpu backend (conv.test.ts).
 *
 * Filters are Glorot-uniform over fan_in = 16 C_in, fan_out = 16 C_out (as Keras); biases start at 0.
 */
import * as tf from '@tensorflow/tfjs-core';
import { uniform, type Key } from '../../rng';
import { activationGrad, applyActivation, type Activation, type LayerActivation } from './network';

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

function layer(
  prefix: string,
  name: string,
  k: Key,
  shape: [number, number, number, number],
  fanIn: number,
  fanOut: number,
  bias: number,
): ConvLayer {
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
export function createConvStack(
  next: () => Key,
  prefix: string,
  image: ImageShape,
  channels: readonly number[],
): ConvStack {
  const L = channels.length;
  const enc: ConvLayer[] = [];
  let cin = image.channels;
  channels.forEach((c, i) => {
    enc.push(
      layer(
        prefix,
        `encoder.conv.${i}`,
        next(),
        [KERNEL, KERNEL, cin, c],
        KERNEL * KERNEL * cin,
        KERNEL * KERNEL * c,
        c,
      ),
    );
    cin = c;
  });
  const dec: ConvLayer[] = [];
  for (let i = 0; i < L; i++) {
    const cIn = channels[L - 1 - i]!;
    const cOut = i === L - 1 ? image.channels : channels[L - 2 - i]!;
    dec.push(
      layer(
        prefix,
        `decoder.deconv.${i}`,
        next(),
        [KERNEL, KERNEL, cOut, cIn],
        KERNEL * KERNEL * cIn,
        KERNEL * KERNEL * cOut,
        cOut,
      ),
    );
  }
  return { image, channels: [...channels], sizes: convSizes(image, L), enc, dec };
}

export function convVariables(s: ConvStack): tf.Variable[] {
  return [...s.enc, ...s.dec].flatMap((l) => [l.w, l.b]);
}

/**
 * ∂W of y = conv(x, W) (stride 2, pad 1) for the output gradient δ [B, H_o, W_o, C_out] → [4, 4, C, C_out]:
 *   ∂W[i, j, c, o] = Σ_{b,p,q} x̃[b, 2p + i, 2q + j, c] δ[b, p, q, o]   (x̃ = x padded by 1),
 * which is itself a convolution with batch and channels swapped: x̃ᵀ [C, H+2, W+2, B] correlated with δᵀ
 * [H_o, W_o, B, C_out] at dilation 2, keeping the first 4 × 4 outputs. One Conv2D call (measured on wasm under load:
 * 175 ms against 2.2 s for im2col by strided slices and a product, [128, 14, 14, 32] → 64 channels).
 */
export function filterGrad(x: tf.Tensor4D, delta: tf.Tensor4D): tf.Tensor4D {
  const xp = tf.pad(x, [
    [0, 0],
    [PAD, PAD],
    [PAD, PAD],
    [0, 0],
  ]);
  const xt = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D;
  const dt = tf.transpose(delta, [1, 2, 0, 3]) as tf.Tensor4D;
  const out = tf.conv2d(xt, dt, 1, 'valid', 'NHWC', STRIDE);
  return tf.transpose(tf.slice(out, [0, 0, 0, 0], [-1, KERNEL, KERNEL, -1]), [1, 2, 0, 3]) as tf.Tensor4D;
}

/** Kernel taps of the two output parities along one axis: even outputs 2m use (3, 1), odd outputs 2m+1 use (2, 0). */
const PARITY_TAPS = [
  [3, 1],
  [2, 0],
] as const;

/**
 * The transposed convolution (stride 2, pad 1, 4 × 4; w [4, 4, C_out, C_in] as tf.conv2dTranspose) to [H, W], by
 * sub-pixel convolution (Shi et al. 2016): along each axis y[2m] = x[m] w₁ + x[m−1] w₃ and y[2m+1] = x[m+1] w₀ +
 * x[m] w₂, so the four output parities are one stride-1 2 × 2 convolution of x padded by 1 with 4·C_out filters,
 * interleaved by depthToSpace. tfjs-wasm's Conv2DBackpropInput (its conv2dTranspose) is a plain loop; this runs on
 * its Conv2D.
 */
export function convTranspose(x: tf.Tensor4D, w: tf.Tensor4D, out: [number, number]): tf.Tensor4D {
  const [B, h, wd, cin] = x.shape;
  const cout = w.shape[2];
  const wt = tf.transpose(w, [0, 1, 3, 2]);
  const blocks: tf.Tensor[] = [];
  for (const pr of [0, 1])
    for (const pc of [0, 1]) {
      const rows = PARITY_TAPS[pr]!.map((kh) =>
        tf.stack(
          PARITY_TAPS[pc]!.map((kw) => tf.reshape(tf.slice(wt, [kh, kw, 0, 0], [1, 1, cin, cout]), [cin, cout])),
          0,
        ),
      );
      blocks.push(tf.stack(rows, 0));
    }
  const f = tf.concat(blocks, 3) as tf.Tensor4D;
  const xp = tf.pad(x, [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]);
  // y[b, p, q, (2 pr + pc)·C_out + o] is output (2(p − pr) + pr, 2(q − pc) + pc); p ∈ 0 … h, q ∈ 0 … w.
  const y = tf.conv2d(xp as tf.Tensor4D, f, 1, 'valid');
  const part = (pr: number, pc: number): tf.Tensor =>
    tf.pad(tf.slice(y, [0, pr, pc, (2 * pr + pc) * cout], [B, h + 1 - pr, wd + 1 - pc, cout]), [
      [0, 0],
      [0, pr],
      [0, pc],
      [0, 0],
    ]);
  const z = tf.depthToSpace(tf.concat([part(0, 0), part(0, 1), part(1, 0), part(1, 1)], 3) as tf.Tensor4D, 2);
  return tf.slice(z, [0, 0, 0, 0], [B, out[0], out[1], cout]) as tf.Tensor4D;
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
        const dx = inputGrad ? convTranspose(delta, ws, [xs.shape[1], xs.shape[2]]) : tf.zerosLike(xs);
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
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, w, b, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.GradSaveFunc];
    const y = applyActivation(a, tf.add(convTranspose(xi, w, out), b)) as tf.Tensor4D;
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
