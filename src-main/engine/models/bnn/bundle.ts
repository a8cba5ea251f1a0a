/**
 * A fitted BNN as a folder that ELBO Studio loads back to predict with uncertainty, plus the predictive-mean network
 * in TensorFlow.js layers format for use anywhere tfjs runs:
 *
 *   manifest.json      format 'elbo-studio.bnn-bundle' v2 (the bundle family: ../common/bundle.ts): app version,
 *                      model, task, family, objective, architecture, preprocessing (the transform), columns and the
 *                      column schema, seed, spec, metrics, backend, source run, `parts` (role → file) and `files`
 *                      (size and SHA-256 of every other file; version 1 bundles have neither and still load)
 *   posterior.json     per layer: weight and bias means and standard deviations (I×O and O), and the exact posterior
 *                      parameters (mean-field θ, the engine family's parameters, or the SVGD particles)
 *   tfjs/model.json    a Sequential of Dense layers (tfjs-layers "layers-model" format, weights manifest)
 *   tfjs/weights.bin   little-endian float32 kernels and biases, in manifest order
 *
 * The tfjs network takes the encoded inputs in `columns.inputNames` order *before* standardisation — numeric features
 * in their own units (the standardisation is folded into the first layer: W' = W / s, b' = b − Σ (m/s) W), binary as
 * 0/1, categorical one-hot — and returns the target in its own units (regression, de-standardisation folded into the
 * last layer) or class probabilities (softmax). Its weights are the posterior means (the usual plug-in approximation
 * of the predictive mean); for SVGD it is the exact ensemble mean of the particle networks' outputs, built as one
 * wider network with block-diagonal hidden layers and the output layer averaging the particles.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BnnSpec } from '../../../../src-shared/schemas/bnn-spec';
import { bnnSpecFields } from '../../../../src-shared/schemas/bnn-spec';
import { familyLabel, objectiveLabel } from '../../../../src-shared/schemas/run-spec';
import {
  insideBundle,
  openBundleFolder,
  sealBundle,
  type BundleColumn,
  type BundleFileEntry,
  type BundleHeader,
  type BundleSource,
} from '../common/bundle';
import { key } from '../../rng';
import type { BnnTable, BnnTransform } from './data';
import { encodeWithTransform } from './data';
import type { Dense } from './kernel';
import { denseForward } from './kernel';
import type { BnnModel, SerialisedNet } from './model';
import { deserialiseNet, layerMoments, layerShapes, serialiseNet } from './model';
import type { BnnDraws, BnnMetrics, BnnSummary } from './predict';
import { bnnMetrics, predictDraws, summarise } from './predict';
import { unflattenDense } from './kernel';

export const BUNDLE_FORMAT = 'elbo-studio.bnn-bundle';
export const BUNDLE_VERSION = 2;

/** Which file plays which role (version 1 kept this object under `files`). */
export interface BnnBundleParts {
  posterior: string;
  tfjsModel: string;
  tfjsWeights: string;
}

export interface BnnManifest extends Omit<BundleHeader, 'format' | 'model' | 'files'> {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  model: 'bnn';
  task: BnnTransform['task'];
  family: string;
  architecture: { sizes: number[]; activation: string; head: string; form: string; meanFieldLayers: number };
  preprocessing: BnnTransform;
  columns: { features: string[]; target: string; inputNames: string[] };
  seed: number;
  spec: BnnSpec;
  metrics: BnnMetrics | Record<string, number> | null;
  parts: BnnBundleParts;
  /** Version 2: every file with size and SHA-256; version 1: the role → file object (now `parts`). */
  files: BundleFileEntry[] | BnnBundleParts;
  meanNetwork: { inputs: string; output: string };
  createdAt: string;
}

export interface BnnBundleMeta {
  metrics?: BnnMetrics | Record<string, number> | null;
  appVersion?: string;
  backend?: string | null;
  source?: BundleSource | null;
}

/** The columns a new CSV needs (the features, with their levels) and may have (the target, for metrics). */
export function bnnColumnSchema(t: BnnTransform): BundleColumn[] {
  const cols: BundleColumn[] = t.features.map((f) =>
    f.kind === 'numeric'
      ? { name: f.name, role: 'feature', type: 'numeric', required: true }
      : {
          name: f.name,
          role: 'feature',
          type: f.kind === 'binary' ? 'binary' : 'categorical',
          levels: f.levels,
          required: true,
        },
  );
  cols.push(
    t.target.kind === 'numeric'
      ? { name: t.target.name, role: 'target', type: 'numeric', required: false }
      : { name: t.target.name, role: 'target', type: 'categorical', levels: t.target.classes, required: false },
  );
  return cols;
}

export interface PosteriorFile {
  format: 'elbo-studio.bnn-posterior.v1';
  layers: Array<{
    index: number;
    inputs: number;
    outputs: number;
    weightMean: number[][];
    weightSd: number[][];
    biasMean: number[];
    biasSd: number[];
  }>;
  net: SerialisedNet;
}

const rowsOf = (v: Float64Array, I: number, O: number): number[][] =>
  Array.from({ length: I }, (_, i) => Array.from(v.subarray(i * O, (i + 1) * O)));

/** The dense layers of the exported predictive-mean network (before folding pre/post-processing). */
export function meanNetworkLayers(model: BnnModel): Dense[] {
  const net = model.net;
  if (net.form !== 'svgd') return layerMoments(net, key(model.spec.seed)).mean;
  const P = net.particles!;
  const shapes = layerShapes(net.sizes);
  const nets = Array.from({ length: P.count }, (_, p) =>
    unflattenDense(P.values.subarray(p * P.dim, (p + 1) * P.dim), shapes),
  );
  const N = P.count;
  return shapes.map((s, l) => {
    const first = l === 0;
    const last = l === shapes.length - 1;
    const I = first ? s.I : s.I * N;
    const O = last ? s.O : s.O * N;
    const W = new Float64Array(I * O);
    const b = new Float64Array(O);
    for (let p = 0; p < N; p++) {
      const L = nets[p]![l]!;
      const r0 = first ? 0 : p * s.I;
      const c0 = last ? 0 : p * s.O;
      for (let i = 0; i < s.I; i++)
        for (let o = 0; o < s.O; o++) W[(r0 + i) * O + c0 + o]! += last ? L.W[i * s.O + o]! / N : L.W[i * s.O + o]!;
      for (let o = 0; o < s.O; o++) b[c0 + o]! += last ? L.b[o]! / N : L.b[o]!;
    }
    return { I, O, W, b };
  });
}

/** Fold input standardisation into the first layer and the output's de-standardisation (mean column only) into the last. */
export function foldPreprocessing(layers: Dense[], t: BnnTransform, head: string): Dense[] {
  const out = layers.map((L) => ({ I: L.I, O: L.O, W: Float64Array.from(L.W), b: Float64Array.from(L.b) }));
  const first = out[0]!;
  let j = 0;
  for (const f of t.features) {
    if (f.kind === 'numeric') {
      for (let o = 0; o < first.O; o++) {
        const w = first.W[j * first.O + o]! / f.std;
        first.W[j * first.O + o] = w;
        first.b[o]! -= f.mean * w;
      }
      j += 1;
    } else j += f.kind === 'onehot' ? f.levels.length : 1;
  }
  if (head !== 'categorical' && t.target.kind === 'numeric') {
    const L = out[out.length - 1]!;
    const { mean: my, std: sy } = t.target;
    const W = new Float64Array(L.I);
    for (let i = 0; i < L.I; i++) W[i] = L.W[i * L.O]! * sy;
    out[out.length - 1] = { I: L.I, O: 1, W, b: Float64Array.of(L.b[0]! * sy + my) };
  }
  return out;
}

/** model.json and weights.bin of the predictive-mean network (tfjs-layers "layers-model" format). */
export function tfjsArtifacts(model: BnnModel): {
  modelJson: Record<string, unknown>;
  weights: Buffer;
  layers: Dense[];
  lastActivation: 'linear' | 'softmax';
} {
  const head = model.net.head;
  const layers = foldPreprocessing(meanNetworkLayers(model), model.transform, head);
  const lastActivation = head === 'categorical' ? 'softmax' : 'linear';
  const specs: Array<{ name: string; shape: number[]; dtype: 'float32' }> = [];
  const chunks: Float32Array[] = [];
  const configs = layers.map((L, l) => {
    const name = `dense_${l + 1}`;
    specs.push(
      { name: `${name}/kernel`, shape: [L.I, L.O], dtype: 'float32' },
      { name: `${name}/bias`, shape: [L.O], dtype: 'float32' },
    );
    chunks.push(Float32Array.from(L.W), Float32Array.from(L.b));
    const config: Record<string, unknown> = {
      name,
      trainable: true,
      dtype: 'float32',
      units: L.O,
      activation: l === layers.length - 1 ? lastActivation : model.net.activation,
      use_bias: true,
      kernel_initializer: { class_name: 'Zeros', config: {} },
      bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    };
    if (l === 0) config.batch_input_shape = [null, L.I];
    return { class_name: 'Dense', config };
  });
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const all = new Float32Array(total);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'ELBO Studio (BNN predictive-mean network)',
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: { name: 'bnn_predictive_mean', layers: configs },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  };
  return { modelJson, weights: Buffer.from(all.buffer, all.byteOffset, all.byteLength), layers, lastActivation };
}

/** Write the bundle folder (created if needed), manifest.json last with every file's checksum. Returns the manifest. */
export function exportBnnBundle(model: BnnModel, dir: string, opts: BnnBundleMeta = {}): BnnManifest {
  mkdirSync(join(dir, 'tfjs'), { recursive: true });
  const t = model.transform;
  const net = model.net;
  const mom = layerMoments(net, key(model.spec.seed));
  const posterior: PosteriorFile = {
    format: 'elbo-studio.bnn-posterior.v1',
    layers: mom.mean.map((m, l) => {
      const s = mom.sd[l]!;
      return {
        index: l,
        inputs: m.I,
        outputs: m.O,
        weightMean: rowsOf(m.W, m.I, m.O),
        weightSd: rowsOf(s.W, s.I, s.O),
        biasMean: Array.from(m.b),
        biasSd: Array.from(s.b),
      };
    }),
    net: serialiseNet(net),
  };
  const tfjs = tfjsArtifacts(model);
  const parts: BnnBundleParts = {
    posterior: 'posterior.json',
    tfjsModel: 'tfjs/model.json',
    tfjsWeights: 'tfjs/weights.bin',
  };
  const manifest: BnnManifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_VERSION,
    appVersion: opts.appVersion ?? 'unknown',
    model: 'bnn',
    task: t.task,
    family: familyLabel(model.spec.family),
    familyLabel: familyLabel(model.spec.family),
    objectiveLabel: objectiveLabel(model.spec.objective),
    backend: opts.backend ?? null,
    columnSchema: bnnColumnSchema(t),
    source: opts.source ?? null,
    architecture: {
      sizes: net.sizes,
      activation: net.activation,
      head: net.head,
      form: net.form,
      meanFieldLayers: net.mfCount,
    },
    preprocessing: t,
    columns: { features: t.features.map((f) => f.name), target: t.target.name, inputNames: t.inputNames },
    seed: model.spec.seed,
    spec: model.spec,
    metrics: opts.metrics ?? null,
    parts,
    files: [],
    meanNetwork: {
      inputs: `${t.inputNames.length} encoded inputs in columns.inputNames order: numeric features in their own units, binary 0/1, categorical one-hot`,
      output:
        t.task === 'regression'
          ? `predictive mean of ${t.target.name} in its own units (network at the posterior mean weights${net.form === 'svgd' ? '; exact SVGD ensemble mean' : ''})`
          : `class probabilities over ${JSON.stringify(t.target.kind === 'categorical' ? t.target.classes : [])}`,
    },
    createdAt: new Date().toISOString(),
  };
  writeFileSync(join(dir, 'posterior.json'), JSON.stringify(posterior));
  writeFileSync(join(dir, 'tfjs', 'model.json'), JSON.stringify(tfjs.modelJson, null, 2));
  writeFileSync(join(dir, 'tfjs', 'weights.bin'), tfjs.weights);
  return sealBundle(dir, manifest);
}

/** Load a bundle written by exportBnnBundle (checks format and version). Dispose with disposeNet(model.net). */
export function loadBnnBundle(dir: string): { model: BnnModel; manifest: BnnManifest } {
  // Format, version and (version ≥ 2) every file's size and checksum, before anything is parsed.
  const manifest = openBundleFolder(dir, 'bnn').manifest as unknown as BnnManifest;
  const parts: BnnBundleParts = manifest.formatVersion >= 2 ? manifest.parts : (manifest.files as BnnBundleParts);
  if (!parts || typeof parts.posterior !== 'string')
    throw new Error('The bundle manifest does not name its posterior file.');
  const spec = bnnSpecFields.parse(manifest.spec);
  const posterior = JSON.parse(readFileSync(insideBundle(dir, parts.posterior), 'utf8')) as PosteriorFile;
  const net = deserialiseNet(posterior.net, spec);
  return { model: { spec, transform: manifest.preprocessing, net }, manifest };
}

/** Predict with uncertainty on a new table's rows (metrics too when it has the target column). */
export function predictBnnTable(
  model: BnnModel,
  table: BnnTable,
  opts: { samples?: number; seed?: number } = {},
): { draws: BnnDraws; summary: BnnSummary; metrics: BnnMetrics | null; unknownLevels: Record<string, number> } {
  const enc = encodeWithTransform(table, model.transform);
  const draws = predictDraws(model.net, enc.x, enc.n, {
    samples: opts.samples ?? model.spec.predictiveSamples,
    seed: opts.seed ?? model.spec.seed,
  });
  const summary = summarise(draws, model.transform);
  const y = enc.yRaw;
  const metrics = y && Array.from(y).every(Number.isFinite) ? bnnMetrics(draws, model.transform, y) : null;
  return { draws, summary, metrics, unknownLevels: enc.unknownLevels };
}

/** Run the exported tfjs network's weights in plain JS (inputs unstandardised, as the tfjs model takes them). */
export function meanNetworkPredict(dir: string, x: Float64Array, n: number): Float64Array {
  const mj = JSON.parse(readFileSync(join(dir, 'tfjs', 'model.json'), 'utf8')) as {
    modelTopology: { config: { layers: Array<{ config: { activation: string } }> } };
    weightsManifest: Array<{ weights: Array<{ shape: number[] }> }>;
  };
  const buf = readFileSync(join(dir, 'tfjs', 'weights.bin'));
  const w = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const specs = mj.weightsManifest[0]!.weights;
  const layers: Dense[] = [];
  let off = 0;
  for (let i = 0; i < specs.length; i += 2) {
    const [I, O] = specs[i]!.shape as [number, number];
    layers.push({
      I,
      O,
      W: Float64Array.from(w.subarray(off, off + I * O)),
      b: Float64Array.from(w.subarray(off + I * O, off + I * O + O)),
    });
    off += I * O + O;
  }
  const acts = mj.modelTopology.config.layers.map((l) => l.config.activation);
  const hidden = (acts[0] === 'tanh' ? 'tanh' : 'relu') as 'relu' | 'tanh';
  const outs = denseForward(layers, x, n, hidden, true);
  const out = outs[outs.length - 1]!;
  if (acts[acts.length - 1] === 'softmax') {
    const O = layers[layers.length - 1]!.O;
    for (let i = 0; i < n; i++) {
      let m = -Infinity;
      for (let c = 0; c < O; c++) m = Math.max(m, out[i * O + c]!);
      let z = 0;
      for (let c = 0; c < O; c++) z += Math.exp(out[i * O + c]! - m);
      for (let c = 0; c < O; c++) out[i * O + c] = Math.exp(out[i * O + c]! - m) / z;
    }
  }
  return out;
}
