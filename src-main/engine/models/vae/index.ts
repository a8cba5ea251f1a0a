/**
 * Variational auto-encoder with a mean-field Gaussian posterior (Kingma & Welling 2014), trained by stochastic
 * gradient ascent on the reparameterised ELBO:
 *
 *   loss = −(1/B) Σ_i [ (1/S) Σ_s log p(x_i | z_is) − KL(N(μ_i, diag σ_i²) ‖ N(0, I)) ],   z_is = μ_i + σ_i ⊙ ε_is,
 *
 * with μ, log σ² from an MLP encoder, p(x|z) Bernoulli (logits) or Gaussian (mean + per-feature log-variance) from an
 * MLP decoder, minibatches of B rows in a seeded order, Adam or SGD with momentum, optional global-norm clipping.
 *
 * Every random number (weight init, validation split, minibatch order, ε, the evaluation ε) comes from
 * `rng.key(spec.seed)`, so one seed on one backend reproduces a run exactly.
 *
 * Until the general engine's families and objectives land, this model supports family `meanfield` and objective
 * `elbo` (any number of samples) only.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { VaeSpec } from '../../../../src-shared/schemas/run-spec';
import type { ReconstructionArtifact } from '../../../../src-shared/domain/types';
import { fold, key, normalTensor, permutation, split, type Key } from '../../rng';
import type { PreparedVaeData, VaeLikelihood } from './prepare';
import {
  createNetwork,
  decodeMean,
  disposeNetwork,
  elboPerRow,
  encode,
  exportParams,
  networkVariables,
  type VaeNetwork,
} from './network';

export { prepareVaeData } from './prepare';
export type { VaeData, ColumnRange, PreparedVaeData, VaeLikelihood, VaeTransform } from './prepare';
export {
  gaussianKlStdNormal,
  bernoulliLogLik,
  bernoulliLogLikReference,
  gaussianLogLik,
  reparameterise,
  LOG_2PI,
} from './losses';
export { glorotUniform, MIN_NOISE_LOGVAR } from './network';

export interface VaeCallbacks {
  /** After every optimiser step. `loss` is the minibatch −ELBO per row in nats (NaN for a skipped step). */
  onStep?(p: { step: number; epoch: number; totalSteps: number; loss: number }): void;
  /** After every epoch: full-pass ELBO per row (nats) with one ε per row from a fixed evaluation key. */
  onEpoch?(p: { epoch: number; trainElbo: number; valElbo: number | null; seconds: number }): void;
  /** Checked before every step; when it returns true, training stops and returns with `stopped: true`. */
  shouldStop?(): boolean;
}

export interface VaeResult {
  stopped: boolean;
  /** Epochs completed. */
  epochs: number;
  /** Last evaluated full-pass ELBO per row (nats) on the training rows. */
  trainElbo: number;
  /** Same on the validation rows; null without a validation split. */
  valElbo: number | null;
  secondsPerEpoch: number;
  /**
   * Up to 8 validation rows (train rows without validation): originals and reconstructed means E[x | z = μ(x)] in
   * the prepared scale ([0, 1] or standardised). `rows` index the prepared matrix.
   */
  reconstructions: ReconstructionArtifact | null;
  /** Trained parameters keyed `encoder.0.weight`, `encoder.mu.bias`, `decoder.out.weight`, `decoder.noise_logvar` … */
  params: Record<string, { shape: number[]; values: number[] }>;
  likelihood: VaeLikelihood;
  /** Steps skipped because the loss or a gradient was not finite. */
  nonFiniteSteps: number;
}

/**
 * Settings for the bundled 8×8 digits ("Try a sample"): with the defaults (batch 64, Adam 1e-3, 2 latent
 * dimensions) the bound is still climbing after 15 epochs and reconstructions are blurry; these reach a validation
 * ELBO of ≈ −24.5 nats and recognisable reconstructions in ~10 s on the wasm backend.
 */
export const VAE_DIGITS_PRESET = {
  latentDim: 8,
  hidden: [128],
  epochs: 30,
  batchSize: 32,
  optimiser: { kind: 'adam', learningRate: 3e-3, momentum: 0.9 },
} satisfies Partial<VaeSpec>;

/** Consecutive non-finite steps after which training is declared diverged. */
export const MAX_NONFINITE_STREAK = 20;
/** Rows per forward pass when evaluating the full-pass ELBO. */
const EVAL_CHUNK = 1024;
/** Yield to the event loop (so a worker can receive "cancel") at least this often, in ms. */
const YIELD_MS = 25;
const RECONSTRUCTION_ROWS = 8;

/** Let pending messages (e.g. a worker's "cancel") run: resolves on the next turn of the event loop. */
const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Reject spec parts this model does not implement yet, naming what is supported. */
export function checkVaeSpecSupported(spec: VaeSpec): void {
  if (spec.family.kind !== 'meanfield') {
    throw new Error(`The VAE supports the meanfield posterior family only (for now), got "${spec.family.kind}".`);
  }
  if (spec.objective.kind !== 'elbo') {
    throw new Error(`The VAE supports the elbo objective only (for now), got "${spec.objective.kind}".`);
  }
}

/**
 * Adam (Kingma & Ba 2015: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − η m̂ / (√v̂ + ε)) or SGD with momentum
 * (a ← μa + g, θ ← θ − η a; plain θ ← θ − η g when μ = 0).
 */
function makeOptimizer(spec: VaeSpec): tf.Optimizer {
  const o = spec.optimiser;
  if (o.kind === 'adam') return tf.train.adam(o.learningRate);
  return o.momentum > 0 ? tf.train.momentum(o.learningRate, o.momentum) : tf.train.sgd(o.learningRate);
}

/**
 * Dispose an optimiser and its state. tfjs 4.22's MomentumOptimizer.dispose does not call SGDOptimizer.dispose, so the
 * learning-rate scalar `c` it inherits would leak one tensor per run; dispose it here.
 */
function disposeOptimizer(o: tf.Optimizer): void {
  o.dispose();
  if (o instanceof tf.MomentumOptimizer) {
    const c = (o as unknown as { c?: tf.Tensor }).c;
    if (c && !c.isDisposed) c.dispose();
  }
}

/** X_sub[i, :] = X[rows[i], :]: copy the given rows of a row-major n × d matrix into a [rows, d] tensor. */
function rowsTensor(x: Float32Array, d: number, rows: ArrayLike<number>): tf.Tensor2D {
  const out = new Float32Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out.set(x.subarray(r * d, r * d + d), i * d);
  }
  return tf.tensor2d(out, [rows.length, d]);
}

/**
 * Full-pass ELBO per row: (1/n) Σ_i [log p(x_i | μ_i + σ_i ε_i) − KL_i], ε_i from fold(evalKey, chunk) — the same ε
 * at every epoch, so changes between epochs come from the parameters only.
 */
function evaluateElbo(net: VaeNetwork, x: tf.Tensor2D, latentDim: number, evalKey: Key): number {
  const n = x.shape[0];
  let total = 0;
  for (let start = 0, chunk = 0; start < n; start += EVAL_CHUNK, chunk++) {
    const rows = Math.min(EVAL_CHUNK, n - start);
    const s = tf.tidy(() => {
      const xb = tf.slice(x, [start, 0], [rows, -1]);
      const eps = normalTensor(fold(evalKey, chunk), [rows, latentDim]) as tf.Tensor2D;
      return tf.sum(elboPerRow(net, xb, eps).elbo);
    });
    total += s.dataSync()[0]!;
    s.dispose();
  }
  return total / n;
}

/** Originals and reconstructed means E[x | z = μ(x)] (σ(logits) or the Gaussian mean) for the given rows. */
function reconstruct(
  net: VaeNetwork,
  data: PreparedVaeData,
  rows: number[],
): ReconstructionArtifact {
  const xb = rowsTensor(data.x, data.d, rows);
  const rec = tf.tidy(() => decodeMean(net, encode(net, xb).mu));
  const recValues = rec.dataSync();
  xb.dispose();
  const originals: number[][] = [];
  const reconstructions: number[][] = [];
  rows.forEach((r, i) => {
    originals.push(Array.from(data.x.subarray(r * data.d, (r + 1) * data.d)));
    reconstructions.push(Array.from(recValues.subarray(i * data.d, (i + 1) * data.d)));
  });
  rec.dispose();
  const { width, height } = data.image ?? { width: data.d, height: 1 };
  return { width, height, rows, originals, reconstructions };
}

/**
 * Train a mean-field VAE on prepared data (see the module comment for the objective).
 *
 * Keys: key(seed) splits into init, split, shuffle, noise and eval keys; epoch e's order is
 * permutation(fold(shuffle, e)), step t's ε is normal(fold(noise, t)).
 * A step whose loss or gradient norm is not finite is skipped (parameters and optimiser state unchanged) and counted;
 * 20 in a row throw. Every tensor is disposed on return or throw.
 */
export async function trainVae(data: PreparedVaeData, spec: VaeSpec, cb: VaeCallbacks = {}): Promise<VaeResult> {
  checkVaeSpecSupported(spec);
  const { n, d } = data;
  if (data.x.length !== n * d) throw new Error(`Expected ${n} × ${d} = ${n * d} values, got ${data.x.length}.`);
  const bernoulli = data.likelihood === 'bernoulli';
  for (let i = 0; i < data.x.length; i++) {
    const v = data.x[i]!;
    const where = `row ${Math.floor(i / d) + 1}, column ${(i % d) + 1}`;
    if (!Number.isFinite(v)) throw new Error(`The VAE needs finite numbers, got ${v} in ${where}.`);
    if (bernoulli && (v < 0 || v > 1)) {
      throw new Error(`A Bernoulli likelihood needs values in [0, 1], got ${v} in ${where}; prepare the data with prepareVaeData.`);
    }
  }
  const samples = spec.objective.kind === 'elbo' ? spec.objective.samples : 1;
  const k = spec.latentDim;

  const [kInit, kSplit, kShuffle, kNoise, kEval] = split(key(spec.seed), 5) as [Key, Key, Key, Key, Key];

  // Validation split by a seeded permutation; both sides sorted so the stored tensors follow the data's order.
  let nVal = spec.validationFraction > 0 ? Math.max(1, Math.round(n * spec.validationFraction)) : 0;
  if (n - nVal < 1) nVal = n - 1;
  const perm = permutation(kSplit, n);
  const valRows = Array.from(perm.subarray(0, nVal)).sort((a, b) => a - b);
  const trainRows = Array.from(perm.subarray(nVal)).sort((a, b) => a - b);
  const nTrain = trainRows.length;
  if (nTrain < 1) throw new Error(`The VAE needs at least one training row, got ${n} rows with validation fraction ${spec.validationFraction}.`);
  const batchSize = Math.min(spec.batchSize, nTrain);
  const stepsPerEpoch = Math.ceil(nTrain / batchSize);
  const totalSteps = stepsPerEpoch * spec.epochs;

  const net = createNetwork(kInit, d, k, spec.hidden, spec.activation, data.likelihood);
  const vars = networkVariables(net);
  const optimizer = makeOptimizer(spec);
  const trainX = rowsTensor(data.x, d, trainRows);
  const valX = nVal > 0 ? rowsTensor(data.x, d, valRows) : null;

  let stopped = false;
  let epochsDone = 0;
  let trainElbo = Number.NaN;
  let valElbo: number | null = null;
  let nonFiniteSteps = 0;
  let streak = 0;
  let step = 0;
  const epochSeconds: number[] = [];
  let lastYield = performance.now();

  try {
    outer: for (let epoch = 1; epoch <= spec.epochs; epoch++) {
      const t0 = performance.now();
      const order = permutation(fold(kShuffle, epoch), nTrain);
      for (let b = 0; b < stepsPerEpoch; b++) {
        if (performance.now() - lastYield >= YIELD_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        if (cb.shouldStop?.()) {
          stopped = true;
          break outer;
        }
        const idx = order.subarray(b * batchSize, Math.min(nTrain, (b + 1) * batchSize));
        const rows = idx.length;
        const stepKey = fold(kNoise, step);
        step++;
        const { value, grads } = optimizer.computeGradients(() => {
          const xb = tf.gather(trainX, tf.tensor1d(idx, 'int32')) as tf.Tensor2D;
          const eps = normalTensor(stepKey, [samples * rows, k]) as tf.Tensor2D;
          return tf.neg(tf.mean(elboPerRow(net, xb, eps).elbo)) as tf.Scalar;
        }, vars);
        // One read-back per step: the loss and the global gradient norm ‖g‖₂ = √(Σ_v Σ g_v²).
        const stats = tf.tidy(() => {
          const sq = Object.values(grads).map((g) => tf.sum(tf.square(g)));
          return tf.stack([value, tf.sqrt(tf.addN(sq))]);
        });
        const statValues = stats.dataSync();
        const loss = statValues[0]!;
        const norm = statValues[1]!;
        stats.dispose();
        value.dispose();
        if (Number.isFinite(loss) && Number.isFinite(norm)) {
          streak = 0;
          const clip = spec.optimiser.clipNorm;
          if (clip !== undefined && norm > clip) {
            const scaled = tf.tidy(() => {
              const out: tf.NamedTensorMap = {};
              for (const [name, g] of Object.entries(grads)) out[name] = tf.mul(g, clip / norm);
              return out;
            });
            optimizer.applyGradients(scaled);
            tf.dispose(scaled);
          } else {
            optimizer.applyGradients(grads);
          }
          tf.dispose(grads);
        } else {
          tf.dispose(grads);
          nonFiniteSteps++;
          streak++;
        }
        cb.onStep?.({ step, epoch, totalSteps, loss: Number.isFinite(loss) ? loss : Number.NaN });
        if (streak >= MAX_NONFINITE_STREAK) {
          throw new Error(
            `Training diverged: the loss was not finite for ${MAX_NONFINITE_STREAK} steps in a row; ` +
              `lower the learning rate (now ${spec.optimiser.learningRate})`,
          );
        }
      }
      trainElbo = evaluateElbo(net, trainX, k, kEval);
      valElbo = valX ? evaluateElbo(net, valX, k, kEval) : null;
      const seconds = (performance.now() - t0) / 1000;
      epochSeconds.push(seconds);
      epochsDone = epoch;
      cb.onEpoch?.({ epoch, trainElbo, valElbo, seconds });
    }
    if (epochsDone === 0) {
      // Stopped inside the first epoch: report the bound of the parameters reached so far.
      trainElbo = evaluateElbo(net, trainX, k, kEval);
      valElbo = valX ? evaluateElbo(net, valX, k, kEval) : null;
    }
    const shown = (valRows.length > 0 ? valRows : trainRows).slice(0, RECONSTRUCTION_ROWS);
    const reconstructions = shown.length > 0 ? reconstruct(net, data, shown) : null;
    return {
      stopped,
      epochs: epochsDone,
      trainElbo,
      valElbo,
      secondsPerEpoch: epochSeconds.length ? epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length : 0,
      reconstructions,
      params: exportParams(net),
      likelihood: data.likelihood,
      nonFiniteSteps,
    };
  } finally {
    disposeOptimizer(optimizer);
    disposeNetwork(net);
    trainX.dispose();
    valX?.dispose();
  }
}
