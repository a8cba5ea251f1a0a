/**
 * How much memory a run will need, estimated from its spec and the dataset's shape before it starts (issue 16,
 * item 3), so a spec inside the schema's limits that cannot fit (hidden 4096 × 6, batch 65,536, IWAE K = 5,000 …)
 * is refused with the figure and the fix instead of driving the machine into swap.
 *
 * `estimateRunMemory` is pure: spec + shape → bytes, by part, each part with the setting that shrinks it. The
 * figures are an upper-bound model of float32 tensors (parameters with Adam's two moments and a gradient;
 * activations kept for the backward pass; the data in memory twice), not a measurement; they are meant to tell
 * 200 MB from 20 GB, not 200 MB from 250 MB.
 */
import os from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import { latentLayers, type RunSpec } from '../../src-shared/schemas/run-spec';
import { vaeImageShape } from '../../src-shared/schemas/spec-checks';
import type { ColumnSchema } from '../../src-shared/domain/types';

export interface DatasetShape {
  rows: number;
  /** Model input width: numeric and binary columns count 1, categorical ones their number of levels. */
  inputDim: number;
}

export interface MemoryPart {
  what: string;
  bytes: number;
  /** The setting that shrinks this part. */
  fix: string;
}

export interface MemoryEstimate {
  bytes: number;
  parts: MemoryPart[];
}

/**
 * The model input width a spec reads from a dataset: its named features (or every feature-role column), categorical
 * columns one-hot; LDA reads one text column (width 1).
 */
export function datasetShape(schema: ColumnSchema[], rows: number, spec: RunSpec): DatasetShape {
  if (spec.model === 'lda') return { rows, inputDim: 1 };
  const target = spec.model === 'bnn' || spec.model === 'glm' ? spec.target : null;
  const named = new Set(spec.features);
  const used = schema.filter((c) => (named.size ? named.has(c.name) : c.role === 'feature') && c.name !== target);
  const width = used.reduce((a, c) => a + (c.type === 'categorical' ? Math.max(1, c.levels?.length ?? 1) : 1), 0);
  return { rows, inputDim: Math.max(1, width) };
}

const F32 = 4;
/** tfjs, its backend and the worker itself. */
const RUNTIME_BYTES = 300 * 1024 ** 2;
/** Forward activations kept for the backward pass, their gradients, and temporaries. */
const BACKPROP = 3;
/** The VAE evaluation's chunk bound (engine/models/vae/evaluate.ts CHUNK_BUDGET). */
const EVAL_CHUNK_FLOATS = 4_000_000;
/** Weights, gradient, Adam's m and v. */
const PARAM_COPIES = 4;

function mlpParams(sizes: number[]): number {
  let p = 0;
  for (let i = 1; i < sizes.length; i++) p += sizes[i - 1]! * sizes[i]! + sizes[i]!;
  return p;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

export function estimateRunMemory(spec: RunSpec, data: DatasetShape, test?: DatasetShape): MemoryEstimate {
  const parts: MemoryPart[] = [{ what: 'the runtime (TensorFlow.js, the worker)', bytes: RUNTIME_BYTES, fix: '' }];
  const dataBytes = (d: DatasetShape) => 2 * d.rows * Math.max(1, d.inputDim) * F32;
  parts.push({
    what: `the data (${data.rows.toLocaleString('en')} rows × ${data.inputDim} inputs)`,
    bytes: dataBytes(data),
    fix: 'use fewer rows or columns',
  });
  if (test)
    parts.push({
      what: `the test file (${test.rows.toLocaleString('en')} rows)`,
      bytes: dataBytes(test),
      fix: 'use a smaller test file',
    });

  if (spec.model === 'vae') {
    const D = Math.max(1, data.inputDim);
    // A ladder's layers (latentDim as a list) are counted together: each carries a bottom-up and a top-down Gaussian.
    const zSum = sum(latentLayers(spec.latentDim));
    const z = spec.latentType === 'categorical' ? zSum * spec.categories : zSum;
    const h = spec.hidden;
    const fam = spec.family;
    const flowLen = 'length' in fam ? fam.length : 0;
    const flowHidden = 'hidden' in fam ? fam.hidden : 0;
    const famParams =
      fam.kind === 'fullrank'
        ? z * z
        : fam.kind === 'lowrank'
          ? z * fam.rank
          : flowHidden
            ? flowLen * mlpParams([z, flowHidden, 2 * z])
            : flowLen * (2 * z + 1);
    const params = mlpParams([D, ...h, 2 * z]) + mlpParams([z, ...[...h].reverse(), 2 * D]) + famParams;
    parts.push({
      what: `the network's ${params.toLocaleString('en')} parameters with their optimiser state`,
      bytes: params * F32 * PARAM_COPIES * spec.threads,
      fix: 'use smaller hidden layers',
    });
    const samples = spec.objective.kind === 'elbo' ? spec.objective.samples : spec.objective.k;
    const batch = Math.min(spec.batchSize, Math.max(1, data.rows));
    const S = batch * samples;
    // Conv VAEs: the encoder's and the decoder's feature maps per row (Σ_i H_i W_i C_i, each twice), plus im2col.
    const image = spec.architecture === 'conv' ? vaeImageShape(spec, D) : null;
    const convMaps =
      image && 'shape' in image
        ? spec.convChannels.reduce(
            (a, c, i) => a + (image.shape.height >> (i + 1)) * (image.shape.width >> (i + 1)) * c * 20,
            0,
          )
        : 0;
    const act =
      batch * (sum(h) + convMaps) +
      S * (sum(h) + 2 * D + z * (flowLen + 2) + (fam.kind === 'fullrank' ? z * z : 0) + flowLen * flowHidden);
    parts.push({
      what: `one training step (batch ${spec.batchSize.toLocaleString('en')} × ${samples.toLocaleString('en')} samples)`,
      bytes: act * F32 * BACKPROP,
      fix: `lower the batch size (${spec.batchSize}) or the ${spec.objective.kind === 'elbo' ? 'ELBO samples' : 'IWAE/Rényi K'} (${samples})`,
    });
    const evalRows = spec.evaluation.rows === 0 ? data.rows : Math.min(spec.evaluation.rows, data.rows);
    const k = spec.evaluation.k;
    // The engine evaluates in chunks of at most EVAL_CHUNK_FLOATS (rows × draws × widest layer); per-row results stay.
    const widest = Math.max(2 * D, ...h, 2 * z);
    const chunkFloats = Math.min(Math.max(1, evalRows) * Math.min(k, 100) * widest, EVAL_CHUNK_FLOATS);
    parts.push({
      what: `the final evaluation (K = ${k.toLocaleString('en')} samples per row)`,
      bytes: chunkFloats * F32 * BACKPROP + evalRows * (2 * z + 4) * F32,
      fix: `lower the evaluation K (${k}) or rows (${spec.evaluation.rows})`,
    });
  } else if (spec.model === 'lda') {
    const V = spec.prep.maxVocab;
    const K = spec.topics;
    // λ, E[log β] and the sufficient statistics as float64; each document's γ; the corpus as token ids and counts.
    parts.push({
      what: `the topics (${K} × ${V.toLocaleString('en')} words)`,
      bytes: 3 * K * V * 8,
      fix: 'use fewer topics or a smaller vocabulary',
    });
    parts.push({ what: 'the documents', bytes: data.rows * (K * 8 + 64 * 8), fix: 'use fewer documents' });
  } else if (spec.model === 'bnn') {
    const D = Math.max(1, data.inputDim);
    const sizes = [D, ...spec.hidden, 2];
    const params = mlpParams(sizes);
    const particles = spec.family.kind === 'svgd' ? spec.family.particles : 1;
    // Mean and scale per weight, with gradients and Adam moments; an SVGD ensemble keeps one network per particle.
    parts.push({
      what: `the weight posterior (${params.toLocaleString('en')} weights × ${particles} particle${particles === 1 ? '' : 's'})`,
      bytes: params * particles * F32 * 2 * PARAM_COPIES,
      fix: 'use smaller hidden layers or fewer particles',
    });
    const batch = Math.min(spec.batchSize, Math.max(1, data.rows));
    const draws = spec.objective.kind === 'elbo' ? spec.objective.samples : spec.objective.k;
    parts.push({
      what: `one training step (batch ${spec.batchSize})`,
      bytes: batch * draws * sum(sizes) * particles * F32 * BACKPROP,
      fix: 'lower the batch size or use smaller hidden layers',
    });
  } else {
    const P = Math.max(1, data.inputDim) + 1;
    const fam = spec.family;
    const cov = fam.kind === 'fullrank' ? P * P : fam.kind === 'svgd' ? P * fam.particles : P * 4;
    parts.push({
      what: `the posterior over ${P} coefficients`,
      bytes: cov * F32 * PARAM_COPIES,
      fix: 'use a mean-field family',
    });
    const samples = spec.objective.kind === 'elbo' ? spec.objective.samples : spec.objective.k;
    parts.push({
      what: `one step over the data (${samples} samples)`,
      bytes: data.rows * samples * F32 * BACKPROP,
      fix: 'use fewer samples',
    });
  }
  return { bytes: sum(parts.map((p) => p.bytes)), parts };
}

/**
 * Memory a run may use: ELBO_STUDIO_MAX_RUN_MB when set, else 70 % of this machine's memory (the app, the OS and
 * the user's other programs need the rest).
 */
export function runMemoryBudget(
  env: NodeJS.ProcessEnv = process.env,
  totalmem = os.totalmem(),
): { bytes: number; source: string } {
  const raw = env.ELBO_STUDIO_MAX_RUN_MB;
  const mb = raw === undefined ? NaN : Number(raw);
  if (Number.isFinite(mb) && mb > 0) return { bytes: mb * 1024 ** 2, source: `ELBO_STUDIO_MAX_RUN_MB=${raw}` };
  return { bytes: 0.7 * totalmem, source: `70 % of this machine's ${gb(totalmem)}` };
}

export function gb(bytes: number): string {
  return bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(1)} GB`
    : `${Math.max(1, Math.round(bytes / 1024 ** 2))} MB`;
}

/** Null when the run fits, else the message and the hint that refuse it (the largest part and its fix). */
export function memoryRefusal(
  est: MemoryEstimate,
  budget: { bytes: number; source: string },
): { message: string; hint: string } | null {
  if (est.bytes <= budget.bytes) return null;
  const top = [...est.parts].filter((p) => p.fix).sort((a, b) => b.bytes - a.bytes)[0];
  return {
    message:
      `This run would need about ${gb(est.bytes)} of memory; the limit is ${gb(budget.bytes)} (${budget.source})` +
      (top ? `. Most of it is ${top.what}: ${gb(top.bytes)}` : ''),
    hint: `${top ? `${top.fix[0]!.toUpperCase()}${top.fix.slice(1)}` : 'Use smaller settings'}; or raise the limit with ELBO_STUDIO_MAX_RUN_MB on a machine with more memory.`,
  };
}

/**
 * The V8 heap limit of a training worker (ELBO_STUDIO_WORKER_HEAP_MB, default 2048 MB, at most half the machine):
 * tensors live outside the heap, so this bounds the JavaScript side — a runaway array fails the run with
 * ERR_WORKER_OUT_OF_MEMORY instead of taking the process down.
 */
export function trainingResourceLimits(env: NodeJS.ProcessEnv = process.env, totalmem = os.totalmem()): ResourceLimits {
  const raw = Number(env.ELBO_STUDIO_WORKER_HEAP_MB);
  const mb =
    Number.isFinite(raw) && raw >= 64 ? raw : Math.min(2048, Math.max(256, Math.floor(totalmem / 1024 ** 2 / 2)));
  return { maxOldGenerationSizeMb: Math.round(mb) };
}
