// ONNX parity: the VAE encoder and decoder and the BNN's predictive-mean network, exported to ONNX and run in
// onnxruntime-node, match ELBO Studio's own outputs to 1e-5 (relative to the value's size when it exceeds 1).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend';
import { key, uniform } from '../engine/rng';
import { exportVaeBundle, openVae, prepareVaeData, trainVae } from '../engine/models/vae';
import { bnnTableFromColumns, exportBnnBundle, prepareBnnData, trainBnn, disposeNet } from '../engine/models/bnn';
import { bnnSpecSchema, vaeSpecSchema } from '../../src-shared/schemas/run-spec';
import { exportLayersModelToOnnx, readLayersModel } from './onnx';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-onnx-'));

function close(a: ArrayLike<number>, b: ArrayLike<number>) {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  expect(worst).toBeLessThan(1e-5);
}

async function runOnnx(file: string, x: Float32Array, rows: number, cols: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(file);
  const out = await session.run({ x: new ort.Tensor('float32', x, [rows, cols]) });
  const first = out[session.outputNames[0]!]!;
  return first.data as Float32Array;
}

beforeAll(async () => {
  await initBackend();
});

describe('ONNX export', () => {
  it('VAE encoder and decoder match the fitted model', async () => {
    const n = 200;
    const d = 16;
    const raw = Float32Array.from(uniform(key(3), n * d));
    const spec = vaeSpecSchema.parse({ model: 'vae', latentDim: 3, hidden: [12], epochs: 2, batchSize: 32 });
    const data = prepareVaeData(
      { x: raw, n, d },
      Array.from({ length: d }, () => ({ min: 0, max: 1, mean: 0.5, std: 0.29 })),
      spec,
    );
    const fit = await trainVae(data, spec);
    const dir = path.join(tmp(), 'bundle');
    await exportVaeBundle(fit.snapshot, dir, { spec, appVersion: '0.1.0' });
    const enc = exportLayersModelToOnnx(
      path.join(dir, 'encoder'),
      path.join(dir, 'onnx', 'encoder.onnx'),
      'vae_encoder',
      'q_params',
    );
    const dec = exportLayersModelToOnnx(
      path.join(dir, 'decoder'),
      path.join(dir, 'onnx', 'decoder.onnx'),
      'vae_decoder',
      'x_mean',
    );

    const rows = 7;
    const x = data.x.slice(0, rows * d);
    const m = openVae(fit.snapshot);
    const ref = tf.tidy(() => {
      const h = m.encode(tf.tensor2d(x, [rows, d]));
      const mu = m.posteriorMean(key(1), h);
      return {
        h: h.dataSync().slice(),
        mu: mu.dataSync().slice(),
        rec: m
          .mean(m.decode(mu) as tf.Tensor2D)
          .dataSync()
          .slice(),
      };
    });
    m.dispose();
    close(await runOnnx(enc, x, rows, d), ref.h);
    close(await runOnnx(dec, Float32Array.from(ref.mu), rows, 3), ref.rec);
  });

  it('BNN predictive-mean network matches the bundle network in original units', async () => {
    const n = 120;
    const u = uniform(key(5), n * 2);
    const x1 = Array.from({ length: n }, (_, i) => 4 * u[i]! - 2);
    const x2 = Array.from({ length: n }, (_, i) => u[n + i]!);
    const y = x1.map((v, i) => 100 + 30 * Math.sin(v) + 5 * x2[i]!);
    const table = bnnTableFromColumns({ x1, x2, y });
    const spec = bnnSpecSchema.parse({ model: 'bnn', target: 'y', hidden: [10], epochs: 20, testFraction: 0.2 });
    const bnnData = prepareBnnData(table, spec, { splitIndex: 0 });
    const fit = await trainBnn(bnnData, spec);
    const dir = path.join(tmp(), 'bnn');
    exportBnnBundle(fit.model, dir);
    disposeNet(fit.model.net);
    const file = exportLayersModelToOnnx(path.join(dir, 'tfjs'), path.join(dir, 'model.onnx'), 'bnn_mean');
    // Reference: the same Dense stack evaluated in float64 JavaScript from the bundle's own weights.
    const layers = readLayersModel(path.join(dir, 'tfjs'));
    const rows = 9;
    const input = new Float32Array(rows * 2);
    for (let r = 0; r < rows; r++) {
      input[2 * r] = x1[r]!;
      input[2 * r + 1] = x2[r]!;
    }
    const ref: number[] = [];
    for (let r = 0; r < rows; r++) {
      let h = [x1[r]!, x2[r]!];
      for (const l of layers) {
        const o = new Array<number>(l.units).fill(0);
        for (let j = 0; j < l.units; j++) {
          let s = l.b ? l.b[j]! : 0;
          for (let i = 0; i < l.inputs; i++) s += h[i]! * l.W[i * l.units + j]!;
          o[j] = l.activation === 'relu' ? Math.max(0, s) : l.activation === 'tanh' ? Math.tanh(s) : s;
        }
        h = o;
      }
      ref.push(...h);
    }
    const got = await runOnnx(file, input, rows, 2);
    close(got, ref);
    // And it is a sensible predictor in original units (the target lives around 100).
    expect(got.every((v) => v > 50 && v < 150)).toBe(true);
  });

  it('refuses what it cannot convert, naming it', () => {
    const dir = tmp();
    fs.writeFileSync(
      path.join(dir, 'model.json'),
      JSON.stringify({
        modelTopology: {
          class_name: 'Sequential',
          config: { layers: [{ class_name: 'Conv2D', config: { name: 'c', units: 1, activation: 'relu' } }] },
        },
        weightsManifest: [],
      }),
    );
    expect(() => readLayersModel(dir)).toThrow(/Layer 0 is Conv2D/);
    fs.writeFileSync(
      path.join(dir, 'model.json'),
      JSON.stringify({
        modelTopology: { class_name: 'Sequential', config: { layers: [] } },
        weightsManifest: [{ paths: ['../../etc/passwd'], weights: [] }],
      }),
    );
    expect(() => readLayersModel(dir)).toThrow(/leaves the model folder/);
  });
});
