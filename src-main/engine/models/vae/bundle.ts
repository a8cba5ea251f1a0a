/**
 * Export of a fitted VAE as a folder bundle, and loading it back (the bundle family: ../common/bundle.ts).
 *
 *   manifest.json          format 'elbo-studio.vae-bundle' v2: app version, model, family, objective, spec (every
 *                          hyper-parameter), latent, architecture, likelihood, preprocessing (the transform from raw
 *                          columns), the prepared columns and the raw column schema, seed, metrics, backend, source run,
 *                          `parts` (role → file) and `files` (size and SHA-256 of every other file)
 *   encoder/model.json     TensorFlow.js layers model (Sequential of Dense layers): x' [B, d] → η [B, P], the
 *   encoder/weights.bin    posterior's per-row parameters in the layout `manifest.encoderOutput` lists
 *   decoder/model.json     Sequential of Dense layers: z [B, latent] → E[x' | z] (sigmoid for Bernoulli, identity for
 *   decoder/weights.bin    Gaussian; for mixed data numeric means and per-group logits, softmax per group)
 *   posterior.json         the family's shared parameters (IAF MADE / coupling networks), params format v1
 *   likelihood.json        the Gaussian likelihood's log-variances (when there are Gaussian columns)
 *
 * model.json follows tfjs-layers' `format: "layers-model"` (modelTopology = a Keras Sequential config, one
 * weightsManifest group); `tf.loadLayersModel('file://…/encoder/model.json')` loads it. Every path read from a
 * bundle is resolved inside the chosen folder; anything else is refused. Version 1 bundles (no checksums, the roles
 * under `files`) still load.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { familyLabel, objectiveLabel, type VaeSpec } from '../../../../src-shared/schemas/run-spec';
import { key, normalTensor, uniform } from '../../rng';
import {
  insideBundle,
  openBundleFolder,
  sealBundle,
  type BundleColumn,
  type BundleFileEntry,
  type BundleHeader,
  type BundleSource,
} from '../common/bundle';
import { openVae, VAE_SNAPSHOT_FORMAT, type VaeModel, type VaeSnapshot } from './model';
import type { ParamRecord, LayerActivation } from './network';
import type { PreparedColumn, PreparedVaeData, VaeTransform } from './prepare';
import type { SerialisedParams } from '../../families/params';
import { scoreVae, type VaeScores } from './score';

export { insideBundle };

export const VAE_BUNDLE_FORMAT = 'elbo-studio.vae-bundle';
export const VAE_BUNDLE_VERSION = 2;

/** Which file plays which role (version 1 kept this object under `files`). */
export interface VaeBundleParts {
  encoder: string;
  decoder: string;
  posterior: string | null;
  likelihood: string | null;
}

export interface VaeBundleManifest extends Omit<BundleHeader, 'format' | 'model' | 'files'> {
  format: typeof VAE_BUNDLE_FORMAT;
  model: 'vae';
  family: VaeSpec['family'];
  objective: VaeSpec['objective'];
  estimator: VaeSpec['training']['estimator'];
  beta: number;
  /** Every hyper-parameter of the run (absent in version 1). */
  spec?: VaeSpec;
  latent: { type: 'gaussian' | 'categorical'; dim: number; categories: number | null; decoderInput: number };
  architecture: { inputDim: number; hidden: number[]; activation: string };
  likelihood: { kind: string; gaussianVariance: 'learned' | 'fixed'; noiseVariance: number };
  /** How raw column values become the model's inputs x'. */
  preprocessing: VaeTransform;
  columns: PreparedColumn[];
  image: { width: number; height: number } | null;
  metrics: Record<string, number | null>;
  /** Encoder output layout: name → { offset, shape }. */
  encoderOutput: Array<{ name: string; offset: number; shape: number[] }>;
  decoderOutput: 'probabilities' | 'means' | 'means-and-logits';
  parts: VaeBundleParts;
  /** Version 2: every file with size and SHA-256; version 1: the role → file object (now `parts`). */
  files: BundleFileEntry[] | VaeBundleParts;
  /** The full model configuration (for ELBO Studio to rebuild it). */
  config: VaeSnapshot['config'];
}

/** The raw columns a VAE needs, from its prepared-column layout (binary levels unknown: read as numbers). */
export function vaeColumnSchema(columns: PreparedColumn[]): BundleColumn[] {
  return columns.map((c) =>
    c.kind === 'categorical'
      ? { name: c.name, role: 'feature', type: 'categorical', levels: c.levels ?? [], required: true }
      : { name: c.name, role: 'feature', type: 'numeric', required: true },
  );
}

interface LayerSpec {
  name: string;
  units: number;
  inputDim: number;
  activation: LayerActivation | 'sigmoid';
  kernel: Float32Array;
  bias: Float32Array;
}

/** A tfjs-layers model.json (Sequential of Dense layers) and its weights.bin. */
function layersModelJson(name: string, layers: LayerSpec[]): { json: object; weights: Buffer } {
  const topology = layers.map((l, i) => ({
    class_name: 'Dense',
    config: {
      units: l.units,
      activation: l.activation,
      use_bias: true,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
      name: l.name,
      trainable: true,
      dtype: 'float32',
      ...(i === 0 ? { batch_input_shape: [null, l.inputDim] } : {}),
    },
  }));
  const specs: Array<{ name: string; shape: number[]; dtype: 'float32' }> = [];
  const chunks: Buffer[] = [];
  for (const l of layers) {
    specs.push({ name: `${l.name}/kernel`, shape: [l.inputDim, l.units], dtype: 'float32' });
    chunks.push(Buffer.from(l.kernel.buffer, l.kernel.byteOffset, l.kernel.byteLength));
    specs.push({ name: `${l.name}/bias`, shape: [l.units], dtype: 'float32' });
    chunks.push(Buffer.from(l.bias.buffer, l.bias.byteOffset, l.bias.byteLength));
  }
  return {
    json: {
      format: 'layers-model',
      generatedBy: 'ELBO Studio',
      convertedBy: null,
      modelTopology: {
        class_name: 'Sequential',
        config: { name, layers: topology },
        keras_version: 'tfjs-layers 4.22.0',
        backend: 'tensor_flow.js',
      },
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    },
    weights: Buffer.concat(chunks),
  };
}

function f32(p: { values: number[] } | undefined, what: string): Float32Array {
  if (!p) throw new Error(`The model has no parameter "${what}".`);
  return Float32Array.from(p.values);
}

/** Column-concatenate row-major matrices [r, c_i] into [r, Σ c_i]. */
function hcat(parts: Array<{ values: Float32Array; cols: number }>, rows: number): Float32Array {
  const total = parts.reduce((a, p) => a + p.cols, 0);
  const out = new Float32Array(rows * total);
  let off = 0;
  for (const p of parts) {
    for (let r = 0; r < rows; r++) out.set(p.values.subarray(r * p.cols, (r + 1) * p.cols), r * total + off);
    off += p.cols;
  }
  return out;
}

/** Column slice [c0, c0 + n) of a row-major [rows, cols] matrix. */
function colSlice(m: Float32Array, rows: number, cols: number, c0: number, n: number): Float32Array {
  const out = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) out.set(m.subarray(r * cols + c0, r * cols + c0 + n), r * n);
  return out;
}

/** Encoder and decoder of a snapshot as Dense-layer lists (the encoder's two heads merged in the output layout). */
function networkLayers(
  s: VaeSnapshot,
  layout: VaeModel['posterior']['layout'],
): { encoder: LayerSpec[]; decoder: LayerSpec[] } {
  const c = s.config;
  const p = s.network;
  const encoder: LayerSpec[] = [];
  let width = c.d;
  c.hidden.forEach((h, i) => {
    encoder.push({
      name: `encoder_dense_${i}`,
      units: h,
      inputDim: width,
      activation: c.activation,
      kernel: f32(p[`encoder.${i}.weight`], `encoder.${i}.weight`),
      bias: f32(p[`encoder.${i}.bias`], `encoder.${i}.bias`),
    });
    width = h;
  });
  const before = layout.offsets[layout.locName]!;
  const muW = f32(p['encoder.mu.weight'], 'encoder.mu.weight');
  const muB = f32(p['encoder.mu.bias'], 'encoder.mu.bias');
  let kernel = muW;
  let bias = muB;
  if (layout.restSize > 0) {
    const qW = f32(p['encoder.q.weight'], 'encoder.q.weight');
    const qB = f32(p['encoder.q.bias'], 'encoder.q.bias');
    const R = layout.restSize;
    const L = layout.locSize;
    kernel = hcat(
      [
        { values: colSlice(qW, width, R, 0, before), cols: before },
        { values: muW, cols: L },
        { values: colSlice(qW, width, R, before, R - before), cols: R - before },
      ],
      width,
    );
    bias = hcat(
      [
        { values: qB.subarray(0, before), cols: before },
        { values: muB, cols: L },
        { values: qB.subarray(before), cols: R - before },
      ],
      1,
    );
  }
  encoder.push({ name: 'encoder_posterior', units: layout.size, inputDim: width, activation: 'linear', kernel, bias });
  const decoder: LayerSpec[] = [];
  width = c.latentType === 'categorical' ? c.latentDim * c.categories : c.latentDim;
  [...c.hidden].reverse().forEach((h, i) => {
    decoder.push({
      name: `decoder_dense_${i}`,
      units: h,
      inputDim: width,
      activation: c.activation,
      kernel: f32(p[`decoder.${i}.weight`], `decoder.${i}.weight`),
      bias: f32(p[`decoder.${i}.bias`], `decoder.${i}.bias`),
    });
    width = h;
  });
  decoder.push({
    name: 'decoder_output',
    units: c.d,
    inputDim: width,
    activation: c.likelihood === 'bernoulli' ? 'sigmoid' : 'linear',
    kernel: f32(p['decoder.out.weight'], 'decoder.out.weight'),
    bias: f32(p['decoder.out.bias'], 'decoder.out.bias'),
  });
  return { encoder, decoder };
}

export interface VaeBundleMeta {
  spec: VaeSpec;
  metrics?: Record<string, number | null>;
  appVersion: string;
  backend?: string | null;
  /** The raw feature columns with their dataset types and levels (default: derived from the prepared columns). */
  columnSchema?: BundleColumn[];
  source?: BundleSource | null;
}

/** Write the bundle into `dir` (created if needed). Returns the files written, relative to dir. */
/** What to do instead of exporting a model the bundle format cannot hold. */
export const VAE_BUNDLE_HINT =
  'Use the fitted model inside ELBO Studio (latent map, interpolation, scoring), or fit a one-layer MLP VAE to export.';

/**
 * Why a fitted VAE cannot be written as a bundle, or null: the bundle's encoder and decoder are TF.js layers models of
 * dense layers (and ONNX graphs converted from them), which hold neither convolutions nor a ladder's top-down
 * inference (the merge of bottom-up and top-down Gaussians is not a layers model). Refused, never written half-way.
 */
export function vaeBundleUnsupported(snapshot: VaeSnapshot): string | null {
  const c = snapshot.config;
  if (c.layers && c.layers.length > 1)
    return `it is a ladder VAE (latent layers [${c.layers.join(', ')}]); the bundle's TF.js / ONNX networks are dense layers with one latent layer, which cannot express top-down inference.`;
  if (c.autoregressive)
    return `its decoder is autoregressive over the features; the bundle's decoder maps z alone to the data's mean and cannot express the chain over earlier features.`;
  if (c.conv)
    return `it is a convolutional VAE (${c.conv.image.height} × ${c.conv.image.width} × ${c.conv.image.channels} images); the bundle's TF.js / ONNX networks are dense layers only.`;
  return null;
}

export async function exportVaeBundle(
  snapshot: VaeSnapshot,
  dir: string,
  meta: VaeBundleMeta,
): Promise<{ dir: string; files: string[] }> {
  const unsupported = vaeBundleUnsupported(snapshot);
  if (unsupported) throw new Error(`This VAE cannot be exported: ${unsupported} ${VAE_BUNDLE_HINT}`);
  const m = openVae(snapshot);
  let layout: VaeModel['posterior']['layout'];
  let noise: number[] | null = null;
  try {
    layout = m.posterior.layout;
    if (m.net.noiseLogvar) noise = Array.from(m.net.noiseLogvar.dataSync());
  } finally {
    m.dispose();
  }
  const c = snapshot.config;
  const { encoder, decoder } = networkLayers(snapshot, layout);
  const root = resolve(dir);
  await mkdir(insideBundle(root, 'encoder'), { recursive: true });
  await mkdir(insideBundle(root, 'decoder'), { recursive: true });
  const files: string[] = [];
  const write = async (rel: string, data: string | Buffer): Promise<void> => {
    await writeFile(insideBundle(root, rel), data);
    files.push(rel);
  };
  for (const [name, layers] of [
    ['encoder', encoder],
    ['decoder', decoder],
  ] as const) {
    const { json, weights } = layersModelJson(name, layers);
    await write(`${name}/model.json`, JSON.stringify(json));
    await write(`${name}/weights.bin`, weights);
  }
  if (snapshot.shared) await write('posterior.json', JSON.stringify({ family: c.family, shared: snapshot.shared }));
  if (noise) await write('likelihood.json', JSON.stringify({ noiseLogvar: noise }));
  const parts: VaeBundleParts = {
    encoder: 'encoder/model.json',
    decoder: 'decoder/model.json',
    posterior: snapshot.shared ? 'posterior.json' : null,
    likelihood: noise ? 'likelihood.json' : null,
  };
  const manifest: VaeBundleManifest = {
    format: VAE_BUNDLE_FORMAT,
    formatVersion: VAE_BUNDLE_VERSION,
    appVersion: meta.appVersion,
    createdAt: new Date().toISOString(),
    model: 'vae',
    family: c.family,
    familyLabel:
      c.latentType === 'categorical' ? `gumbel-softmax:${c.latentDim}x${c.categories}` : familyLabel(c.family),
    objective: meta.spec.objective,
    objectiveLabel: objectiveLabel(meta.spec.objective),
    estimator: meta.spec.training.estimator,
    beta: meta.spec.training.beta,
    spec: meta.spec,
    backend: meta.backend ?? null,
    columnSchema: meta.columnSchema ?? vaeColumnSchema(c.columns),
    source: meta.source ?? null,
    latent: {
      type: c.latentType,
      dim: c.latentDim,
      categories: c.latentType === 'categorical' ? c.categories : null,
      decoderInput: c.latentType === 'categorical' ? c.latentDim * c.categories : c.latentDim,
    },
    architecture: { inputDim: c.d, hidden: c.hidden, activation: c.activation },
    likelihood: { kind: c.likelihood, gaussianVariance: c.gaussianVariance, noiseVariance: c.noiseVariance },
    preprocessing: snapshot.transform,
    columns: c.columns,
    image: snapshot.image,
    seed: meta.spec.seed,
    metrics: meta.metrics ?? {},
    encoderOutput: layout.names.map((name) => ({ name, offset: layout.offsets[name]!, shape: layout.shapes[name]! })),
    decoderOutput:
      c.likelihood === 'bernoulli' ? 'probabilities' : c.likelihood === 'gaussian' ? 'means' : 'means-and-logits',
    parts,
    files: [],
    config: c,
  };
  sealBundle(root, manifest);
  files.push('manifest.json');
  return { dir: root, files };
}

interface ModelJson {
  format?: string;
  modelTopology: {
    class_name: string;
    config: { layers: Array<{ class_name: string; config: { name: string; units: number; activation: string } }> };
  };
  weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: string }> }>;
}

/** Read a layers model.json + weights inside the bundle: weight name → values. */
async function readLayersModel(
  root: string,
  rel: string,
): Promise<{
  layers: ModelJson['modelTopology']['config']['layers'];
  weights: Map<string, { shape: number[]; values: Float32Array }>;
}> {
  const path = insideBundle(root, rel);
  const json = JSON.parse(await readFile(path, 'utf8')) as ModelJson;
  if (json.modelTopology?.class_name !== 'Sequential')
    throw new Error(`${rel}: expected a Sequential layers model, got ${String(json.modelTopology?.class_name)}.`);
  const dirRel = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '.';
  const weights = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const group of json.weightsManifest) {
    const bufs: Buffer[] = [];
    for (const p of group.paths) bufs.push(await readFile(insideBundle(root, join(dirRel, p))));
    const all = Buffer.concat(bufs);
    let off = 0;
    for (const w of group.weights) {
      if (w.dtype !== 'float32')
        throw new Error(`${rel}: weight ${w.name} has dtype ${w.dtype}; only float32 is supported.`);
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (off + 4 * n > all.length) throw new Error(`${rel}: weights file is shorter than its manifest (${w.name}).`);
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = all.readFloatLE(off + 4 * i);
      weights.set(w.name, { shape: w.shape, values });
      off += 4 * n;
    }
  }
  return { layers: json.modelTopology.config.layers, weights };
}

export interface LoadedVaeBundle {
  manifest: VaeBundleManifest;
  snapshot: VaeSnapshot;
  /** The live model (disposed by dispose()). */
  model: VaeModel;
  /** Raw rows (column order of manifest.columns' raw columns) → model inputs x'. */
  prepare(raw: number[][]): number[][];
  /** Posterior means E_q[z | x] for rows; `prepared` = rows are already x'. */
  encode(rows: number[][], opts?: { prepared?: boolean }): number[][];
  /** E[x' | z = mean of q(z|x)] for rows. */
  reconstruct(rows: number[][], opts?: { prepared?: boolean }): number[][];
  /** Decoded means of n prior draws z ~ p(z). */
  sample(n: number, seed?: number): number[][];
  /** Posterior means and sds, and the reconstruction's log-likelihood and error, of prepared rows x' [n × d]. */
  score(x: Float32Array, n: number, opts?: { seed?: number }): VaeScores;
  dispose(): void;
}

/** Apply a bundle's preprocessing to raw rows (one value per raw column; categorical values are level codes). */
export function applyTransform(t: VaeTransform, columns: PreparedColumn[], raw: number[][]): number[][] {
  return raw.map((r, i) => {
    if (t.kind === 'scale') return r.map((v) => Math.min(1, v / t.divisor));
    if (t.kind === 'standardize') return r.map((v, j) => (v - t.mean[j]!) / t.std[j]!);
    const width = columns.reduce((a, c) => Math.max(a, c.start + c.size), 0);
    const out = new Array<number>(width).fill(0);
    columns.forEach((c, j) => {
      const v = r[j]!;
      if (c.kind === 'categorical') {
        if (!Number.isInteger(v) || v < 0 || v >= c.size)
          throw new Error(`Row ${i + 1}: column "${c.name}" has code ${v}; expected 0 … ${c.size - 1}.`);
        out[c.start + v] = 1;
      } else {
        out[c.start] = (v - t.mean[j]!) / t.std[j]!;
      }
    });
    return out;
  });
}

/** Load a bundle written by exportVaeBundle. */
export async function loadVaeBundle(dir: string): Promise<LoadedVaeBundle> {
  const root = resolve(dir);
  // Format, version and (version ≥ 2) every file's size and checksum, before anything is parsed.
  const manifest = openBundleFolder(root, 'vae').manifest as unknown as VaeBundleManifest;
  const parts: VaeBundleParts = manifest.formatVersion >= 2 ? manifest.parts : (manifest.files as VaeBundleParts);
  if (!parts || typeof parts.encoder !== 'string' || typeof parts.decoder !== 'string')
    throw new Error('The bundle manifest does not name its encoder and decoder files.');
  const c = manifest.config;
  const enc = await readLayersModel(root, parts.encoder);
  const dec = await readLayersModel(root, parts.decoder);
  const network: ParamRecord = {};
  const get = (
    w: Map<string, { shape: number[]; values: Float32Array }>,
    name: string,
  ): { shape: number[]; values: Float32Array } => {
    const v = w.get(name);
    if (!v) throw new Error(`The bundle's weights have no "${name}".`);
    return v;
  };
  const put = (name: string, v: { shape: number[]; values: Float32Array }): void => {
    network[name] = { shape: v.shape, values: Array.from(v.values) };
  };
  c.hidden.forEach((_, i) => {
    put(`encoder.${i}.weight`, get(enc.weights, `encoder_dense_${i}/kernel`));
    put(`encoder.${i}.bias`, get(enc.weights, `encoder_dense_${i}/bias`));
    put(`decoder.${i}.weight`, get(dec.weights, `decoder_dense_${i}/kernel`));
    put(`decoder.${i}.bias`, get(dec.weights, `decoder_dense_${i}/bias`));
  });
  put('decoder.out.weight', get(dec.weights, 'decoder_output/kernel'));
  put('decoder.out.bias', get(dec.weights, 'decoder_output/bias'));
  const head = get(enc.weights, 'encoder_posterior/kernel');
  const headB = get(enc.weights, 'encoder_posterior/bias');
  const width = head.shape[0]!;
  const P = head.shape[1]!;
  const loc = manifest.encoderOutput.find((e) => e.name === 'base.loc' || e.name === 'loc' || e.name === 'logits');
  if (!loc) throw new Error('The bundle manifest lists no location parameter in encoderOutput.');
  const L = loc.shape.reduce((a, b) => a * b, 1);
  const before = loc.offset;
  network['encoder.mu.weight'] = { shape: [width, L], values: Array.from(colSlice(head.values, width, P, before, L)) };
  network['encoder.mu.bias'] = { shape: [L], values: Array.from(headB.values.subarray(before, before + L)) };
  if (P > L) {
    const q = hcat(
      [
        { values: colSlice(head.values, width, P, 0, before), cols: before },
        { values: colSlice(head.values, width, P, before + L, P - before - L), cols: P - before - L },
      ],
      width,
    );
    const qb = hcat(
      [
        { values: headB.values.subarray(0, before), cols: before },
        { values: headB.values.subarray(before + L), cols: P - before - L },
      ],
      1,
    );
    network['encoder.q.weight'] = { shape: [width, P - L], values: Array.from(q) };
    network['encoder.q.bias'] = { shape: [P - L], values: Array.from(qb) };
  }
  if (parts.likelihood) {
    const lik = JSON.parse(await readFile(insideBundle(root, parts.likelihood), 'utf8')) as { noiseLogvar: number[] };
    network['decoder.noise_logvar'] = { shape: [c.d], values: lik.noiseLogvar };
  }
  let shared: SerialisedParams | null = null;
  if (parts.posterior) {
    shared = (JSON.parse(await readFile(insideBundle(root, parts.posterior), 'utf8')) as { shared: SerialisedParams })
      .shared;
  }
  const snapshot: VaeSnapshot = {
    format: VAE_SNAPSHOT_FORMAT,
    config: c,
    network,
    shared,
    transform: manifest.preprocessing,
    image: manifest.image,
  };
  const model = openVae(snapshot);
  const prep = (rows: number[][], prepared?: boolean): tf.Tensor2D => {
    const x = prepared ? rows : applyTransform(manifest.preprocessing, c.columns, rows);
    for (const r of x)
      if (r.length !== c.d) throw new Error(`Expected rows of ${c.d} prepared values, got ${r.length}.`);
    return tf.tensor2d(x.flat(), [x.length, c.d]);
  };
  const toRows = (t: tf.Tensor): number[][] => {
    const [r, k] = t.shape as [number, number];
    const v = t.dataSync();
    return Array.from({ length: r }, (_, i) => Array.from(v.subarray(i * k, (i + 1) * k)));
  };
  const run = (fn: () => tf.Tensor): number[][] => {
    const t = tf.tidy(fn);
    const r = toRows(t);
    t.dispose();
    return r;
  };
  return {
    manifest,
    snapshot,
    model,
    prepare: (raw) => applyTransform(manifest.preprocessing, c.columns, raw),
    encode: (rows, o = {}) => run(() => model.posteriorMean(key(1), model.encode(prep(rows, o.prepared)))),
    reconstruct: (rows, o = {}) =>
      run(() =>
        model.mean(model.decode(model.posteriorMean(key(1), model.encode(prep(rows, o.prepared)))) as tf.Tensor2D),
      ),
    sample: (n, seed = 1) =>
      run(() => {
        const p = model.posterior;
        let z: tf.Tensor2D;
        if (p.kind === 'gaussian') {
          z = normalTensor(key(seed), [n, p.dim]) as tf.Tensor2D;
        } else {
          const u = uniform(key(seed), n * p.variables);
          const oh = new Float32Array(n * p.dim);
          for (let i = 0; i < n * p.variables; i++)
            oh[i * p.categories + Math.min(p.categories - 1, Math.floor(u[i]! * p.categories))] = 1;
          z = tf.tensor2d(oh, [n, p.dim]);
        }
        return model.mean(model.decode(z) as tf.Tensor2D);
      }),
    score: (x, n, o = {}) => scoreVae(model, x, n, { seed: o.seed ?? manifest.seed }),
    dispose: () => model.dispose(),
  };
}

/**
 * Prepare new raw rows (e.g. a separate test file with the same columns) exactly as the fitted model's training data
 * were: the same divisor, means and standard deviations, and one-hot layout — never statistics of the new rows.
 */
export function prepareWithSnapshot(
  raw: { x: Float32Array; n: number; d: number },
  snapshot: Pick<VaeSnapshot, 'config' | 'transform' | 'image'>,
): PreparedVaeData {
  const t = snapshot.transform;
  const c = snapshot.config;
  const { n, d } = raw;
  if (raw.x.length !== n * d)
    throw new Error(`Expected a ${n} × ${d} matrix (${n * d} values), got ${raw.x.length} values.`);
  const rawCols = t.kind === 'mixed' ? t.mean.length : c.d;
  if (d !== rawCols)
    throw new Error(
      `The model was fitted on ${rawCols} raw columns; these data have ${d}. Select the same feature columns.`,
    );
  const out = new Float32Array(n * c.d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = raw.x[i * d + j]!;
      if (!Number.isFinite(v))
        throw new Error(`The VAE needs finite numbers, got ${v} in row ${i + 1}, column ${j + 1}.`);
      if (t.kind === 'scale') {
        if (v < 0)
          throw new Error(`Row ${i + 1}, column ${j + 1} has ${v}; the model's Bernoulli likelihood needs values ≥ 0.`);
        out[i * c.d + j] = Math.min(1, v / t.divisor);
      } else if (t.kind === 'standardize') {
        out[i * c.d + j] = (v - t.mean[j]!) / t.std[j]!;
      } else {
        const col = c.columns[j]!;
        if (col.kind === 'categorical') {
          if (!Number.isInteger(v) || v < 0 || v >= col.size)
            throw new Error(`Row ${i + 1}: column "${col.name}" has code ${v}; expected 0 … ${col.size - 1}.`);
          out[i * c.d + col.start + v] = 1;
        } else {
          out[i * c.d + col.start] = (v - t.mean[j]!) / t.std[j]!;
        }
      }
    }
  }
  return { x: out, n, d: c.d, likelihood: c.likelihood, transform: t, image: snapshot.image, columns: c.columns };
}
