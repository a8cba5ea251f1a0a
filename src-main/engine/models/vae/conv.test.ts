import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { initBackend } from '../../backend';
import { fold, key, normal } from '../../rng';
import { vaeSpecFields } from '../../../../src-shared/schemas/run-spec';
import { convDecode, convEncode, convFlatSize, convLayer, createConvStack, deconvLayer, type ConvStack } from './conv';
import { VaeModel } from './model';
import { trainVae, vaeConfig } from './train';
import type { PreparedVaeData } from './prepare';

const randn = (seed: number, shape: number[]): tf.Tensor =>
  tf.tensor(
    Float32Array.from(
      normal(
        key(seed),
        shape.reduce((a, b) => a * b, 1),
      ),
    ),
    shape,
  );

let backend = '';
beforeAll(async () => {
  await initBackend();
  backend = tf.getBackend(); // the tfjs name ('wasm' under the native kernels)
});
afterAll(async () => {
  await tf.setBackend(backend === 'tensorflow' ? 'tensorflow' : backend);
});

function stack(image: { height: number; width: number; channels: number }, channels: number[]): ConvStack {
  let i = 0;
  return createConvStack(() => fold(key(5), i++), `convtest${Math.random()}/`, image, channels);
}

describe('conv shapes', () => {
  it.each([
    [28, 28, 1, [32, 64]],
    [8, 8, 1, [8, 16]],
    [7, 9, 3, [4, 6]],
    [32, 32, 3, [8, 8, 8]],
    [5, 6, 2, [3]],
  ])('%i × %i × %i with channels %j round-trip: encoder [B, H_L W_L C_L], decoder [B, H W C]', (H, W, C, ch) => {
    const s = stack({ height: H, width: W, channels: C }, ch);
    const B = 3;
    const d = H * W * C;
    const [enc, dec] = tf.tidy(() => {
      const x = randn(1, [B, d]) as tf.Tensor2D;
      const e = convEncode(s, x, 'relu');
      const g = tf.relu(randn(2, [B, convFlatSize(s.image, ch)])) as tf.Tensor2D;
      return [e.shape, convDecode(s, g, 'relu').shape];
    });
    let h = H;
    let w = W;
    for (let i = 0; i < ch.length; i++) {
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    }
    expect(enc).toEqual([B, h * w * ch[ch.length - 1]!]);
    expect(convFlatSize(s.image, ch)).toBe(h * w * ch[ch.length - 1]!);
    expect(dec).toEqual([B, d]);
    for (const l of [...s.enc, ...s.dec]) tf.dispose([l.w, l.b]);
  });
});

describe('conv gradients', () => {
  // The filter gradient is ours (im2col + product); compare with tfjs' own conv2d gradients on the cpu backend, which
  // has Conv2DBackpropFilter.
  it.each([
    [8, 8, 2, 3],
    [7, 9, 3, 4],
  ])('conv and transposed conv on %i × %i × %i → %i channels match tfjs autodiff', async (H, W, C, Co) => {
    await tf.setBackend('cpu');
    try {
      const s = stack({ height: H, width: W, channels: C }, [Co]);
      const l = s.enc[0]!;
      const x = randn(3, [2, H, W, C]) as tf.Tensor4D;
      const up = randn(4, [2, Math.floor(H / 2), Math.floor(W / 2), Co]);
      const f = (y: tf.Tensor): tf.Scalar => tf.sum(tf.mul(y, tf.sin(tf.add(y, 0.3))));
      const ours = tf.grads((xx: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        f(convLayer(xx as tf.Tensor4D, { name: 'c', w: w as tf.Variable, b: b as tf.Variable }, 'tanh')),
      )([x, l.w, l.b]);
      const ref = tf.grads((xx: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        f(tf.tanh(tf.add(tf.conv2d(xx as tf.Tensor4D, w as tf.Tensor4D, 2, 1), b))),
      )([x, l.w, l.b]);
      for (let i = 0; i < 3; i++) {
        const diff = tf.max(tf.abs(tf.sub(ours[i]!, ref[i]!))).dataSync()[0]!;
        const scale = tf.max(tf.abs(ref[i]!)).dataSync()[0]!;
        expect(scale).toBeGreaterThan(1e-3);
        expect(diff).toBeLessThan(1e-4 * Math.max(1, scale));
      }
      const t = s.dec[0]!; // [4, 4, C, Co]: Co → C channels, to H × W
      const oursT = tf.grads((yy: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        f(deconvLayer(yy as tf.Tensor4D, { name: 't', w: w as tf.Variable, b: b as tf.Variable }, 'relu', [H, W])),
      )([up, t.w, t.b]);
      const refT = tf.grads((yy: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        f(tf.relu(tf.add(tf.conv2dTranspose(yy as tf.Tensor4D, w as tf.Tensor4D, [2, H, W, C], 2, 1), b))),
      )([up, t.w, t.b]);
      for (let i = 0; i < 3; i++) {
        const diff = tf.max(tf.abs(tf.sub(oursT[i]!, refT[i]!))).dataSync()[0]!;
        const scale = tf.max(tf.abs(refT[i]!)).dataSync()[0]!;
        expect(scale).toBeGreaterThan(1e-3);
        expect(diff).toBeLessThan(1e-4 * Math.max(1, scale));
      }
    } finally {
      await tf.setBackend(backend);
    }
  });
});

describe('conv VAE', () => {
  it('trains on the backend that trains (its filter gradient included) and reproduces with a seed', async () => {
    const n = 24;
    const d = 64;
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let p = 0; p < d; p++) x[i * d + p] = (p % 8) + (i % 3) > 5 ? 1 : 0;
    const data: PreparedVaeData = {
      x,
      n,
      d,
      likelihood: 'bernoulli',
      transform: { kind: 'scale', divisor: 1 },
      image: { width: 8, height: 8 },
    };
    const spec = vaeSpecFields.parse({
      model: 'vae',
      architecture: 'conv',
      convChannels: [4, 8],
      hidden: [16],
      latentDim: [3, 2],
      epochs: 4,
      batchSize: 8,
      optimiser: { kind: 'adam', learningRate: 1e-2 },
    });
    const m = new VaeModel(vaeConfig(data, spec), key(1));
    const names = m.variables().map((v) => v.name.replace(/^vae\d+\//, ''));
    m.dispose();
    expect(names).toContain('encoder.conv.1.weight');
    expect(names).toContain('decoder.deconv.1.bias');
    const a = await trainVae(data, spec);
    const b = await trainVae(data, spec);
    expect(a.trainElbo).toBe(b.trainElbo);
    expect(a.history[a.history.length - 1]!.trainElbo).toBeGreaterThan(a.history[0]!.trainElbo);
    expect(a.snapshot.config.conv).toEqual({ image: { height: 8, width: 8, channels: 1 }, channels: [4, 8] });
  });
});
