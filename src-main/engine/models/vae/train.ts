/**
 * Training loop of the VAE workbench: minibatch stochastic gradient ascent on a bound of log p(x),
 *
 *   loss = −(1/B) Σ_b L(x_b),   L one of
 *     ELBO, analytic KL   (1/S) Σ_s log p(x|z_s) − β_t KL(q(z|x) ‖ p(z))           (meanfield, fullrank, categorical)
 *     ELBO, Monte Carlo   (1/S) Σ_s [log p(x|z_s) + β_t (log p(z_s) − log q(z_s|x))]
 *     IWAE-K / Rényi-α    reductions of logW [S, B] (Burda et al. 2015; Li & Turner 2016), objectives/bounds.ts
 *   with z_s = T_{η(x)}(ε_s) (reparameterised, Kingma & Welling 2014) or held fixed with the score-function
 *   surrogate E[(f − b) ∇ log q] (Williams 1992; Ranganath et al. 2014; leave-one-out baseline for S > 1, a running
 *   mean for S = 1). β_t follows the KL annealing schedule (Bowman et al. 2016 linear; Fu et al. 2019 cyclical);
 *   free bits floor the batch-mean KL of each latent dimension at λ (Kingma et al. 2016, eq. 15).
 * Categorical latents are relaxed by Gumbel-softmax at temperature τ_t = max(τ_min, τ₀ e^{−r t}) (Jang et al. 2016).
 *
 * Every random number (weights, split, order, ε, evaluation ε) comes from `rng.key(spec.seed)`. A step with a
 * non-finite loss or gradient is skipped and counted; 20 in a row throw. Early stopping (patience > 0) restores the
 * parameters of the epoch with the best validation ELBO.
 */
import { GradientPool } from './parallel';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainingSpec, VaeSpec } from '../../../../src-shared/schemas/run-spec';
import type { ReconstructionArtifact } from '../../../../src-shared/domain/types';
import { fold, key, permutation, split, type Key } from '../../rng';
import { makeObjective, type Objective } from '../../objectives/objective';
import { annealSteps, elboAnalytic, klWeight, weightedLogW, type AnnealSchedule } from '../../objectives/schedules';
import { learningRateAt, runSchedule } from '../../optim/optimisers';
import { stopGradient } from '../../objectives/estimators';
import type { TensorMap } from '../../families/params';
import { VaeModel, type VaeConfig, type VaeSnapshot } from './model';
import { gumbelTemperature } from './posterior';
import { columnsOf, type PreparedVaeData, type VaeLikelihood } from './prepare';
import { checkVaeSpec } from './validate';
import type { ParamRecord } from './network';

export interface VaeStepInfo {
  step: number;
  epoch: number;
  totalSteps: number;
  /** Minibatch −bound per row in nats (NaN for a skipped step). */
  loss: number;
  /** KL weight β_t used at this step. */
  beta: number;
  /** Gumbel-softmax temperature (categorical latents only). */
  temperature?: number;
}

export interface VaeCallbacks {
  /** After every optimiser step. */
  onStep?(p: VaeStepInfo): void;
  /** After every epoch: ELBO per row (nats) with one draw per row from a fixed evaluation key (β = 1). */
  onEpoch?(p: { epoch: number; trainElbo: number; valElbo: number | null; seconds: number; stepSeconds: number }): void;
  /** Checked before every step; when it returns true, training stops and returns with `stopped: true`. */
  shouldStop?(): boolean;
}

export interface VaeResult {
  stopped: boolean;
  /** Epochs completed. */
  epochs: number;
  /** ELBO per row on the training rows (at most EVAL_MAX_ROWS of them, a fixed seeded sample), at the kept epoch. */
  trainElbo: number;
  /** Same on the validation rows; null without a validation split. */
  valElbo: number | null;
  /** Mean wall time per epoch, including the per-epoch evaluation. */
  secondsPerEpoch: number;
  /** Mean wall time per epoch of the optimiser steps alone. */
  stepSecondsPerEpoch: number;
  /**
   * Up to 8 validation rows (train rows without validation): originals and reconstructed means E[x | z = mean of
   * q(z|x)] in the prepared scale. `rows` index the prepared matrix.
   */
  reconstructions: ReconstructionArtifact | null;
  /** Encoder and decoder parameters keyed `encoder.0.weight`, `encoder.mu.bias`, `decoder.out.weight` … */
  params: ParamRecord;
  likelihood: VaeLikelihood;
  /** Steps skipped because the loss or a gradient was not finite. */
  nonFiniteSteps: number;
  /** The fitted model as JSON (for evaluation, views, export). */
  snapshot: VaeSnapshot;
  /** Rows of the prepared matrix used for validation (sorted); empty without a split. */
  valRows: number[];
  /** True when early stopping ended the run. */
  earlyStopped: boolean;
  /** Epoch whose parameters were kept (the best validation ELBO with early stopping, else the last). */
  bestEpoch: number;
  history: Array<{ epoch: number; trainElbo: number; valElbo: number | null; seconds: number }>;
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
  optimiser: { kind: 'adam', learningRate: 3e-3, schedule: { kind: 'constant' } },
} satisfies Partial<VaeSpec>;

/** Consecutive non-finite steps after which training is declared diverged. */
export const MAX_NONFINITE_STREAK = 20;
/** Rows per forward pass when evaluating. */
export const EVAL_CHUNK = 1024;
/** Most training rows in the per-epoch ELBO (a fixed seeded sample beyond this). */
export const EVAL_MAX_ROWS = 10_000;
/** Yield to the event loop (so a worker can receive "cancel") at least this often, in ms. */
const YIELD_MS = 25;
const RECONSTRUCTION_ROWS = 8;

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

function makeOptimizer(spec: VaeSpec): tf.Optimizer {
  const o = spec.optimiser;
  if (o.kind === 'adam') return tf.train.adam(o.learningRate);
  return o.momentum > 0 ? tf.train.momentum(o.learningRate, o.momentum) : tf.train.sgd(o.learningRate);
}

/**
 * The step size of `optimiser.schedule` at step t of totalSteps, set on a tfjs optimiser (Adam reads `learningRate`
 * at each update; SGD and momentum keep it as a scalar that setLearningRate replaces). A constant schedule is left
 * alone, so such runs are unchanged.
 */
function scheduleLearningRate(o: tf.Optimizer, spec: VaeSpec, t: number, totalSteps: number): void {
  const s = spec.optimiser.schedule;
  if (s.kind === 'constant') return;
  const lr = learningRateAt(t, spec.optimiser.learningRate, runSchedule(s, totalSteps));
  // (tfjs' Optimizer instanceof is duck-typed, so test for the method itself.)
  const sgd = o as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof sgd.setLearningRate === 'function') sgd.setLearningRate(lr);
  else sgd.learningRate = lr;
}

/** Dispose an optimiser and its state (tfjs 4.22's MomentumOptimizer leaks its learning-rate scalar `c`). */
function disposeOptimizer(o: tf.Optimizer): void {
  o.dispose();
  if (o instanceof tf.MomentumOptimizer) {
    const c = (o as unknown as { c?: tf.Tensor }).c;
    if (c && !c.isDisposed) c.dispose();
  }
}

/** X_sub[i, :] = X[rows[i], :] as a [rows, d] tensor. */
export function rowsTensor(x: Float32Array, d: number, rows: ArrayLike<number>): tf.Tensor2D {
  const out = new Float32Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out.set(x.subarray(r * d, r * d + d), i * d);
  }
  return tf.tensor2d(out, [rows.length, d]);
}

/** The model configuration a spec and prepared data imply. */
export function vaeConfig(data: PreparedVaeData, spec: VaeSpec): VaeConfig {
  return {
    d: data.d,
    latentDim: spec.latentDim,
    hidden: [...spec.hidden],
    activation: spec.activation,
    likelihood: data.likelihood,
    gaussianVariance: spec.gaussianVariance,
    noiseVariance: spec.noiseVariance,
    family: spec.family,
    latentType: spec.latentType,
    categories: spec.categories,
    columns: columnsOf(data),
  };
}

/** The training aids of a VAE spec: the one place they are read from it (run-spec `training`). */
export function vaeTrainingAids(spec: VaeSpec): TrainingSpec {
  return spec.training;
}

/** KL annealing in steps from the spec's epochs. */
export function annealSchedule(spec: VaeSpec, stepsPerEpoch: number): AnnealSchedule {
  return annealSteps(vaeTrainingAids(spec).anneal, stepsPerEpoch);
}

export interface StepContext {
  objective: Objective;
  estimator: 'reparam' | 'score';
  /** Use the closed-form KL (when the posterior has one and the objective is the ELBO). */
  analytic: boolean;
  beta: number;
  freeBits: number;
  /** Gumbel-softmax temperature (categorical latents). */
  tau: number | null;
  /** Running baseline for the score-function estimator with S = 1. */
  baseline: number | null;
}

/** Row-features × epochs below which a run trains on one thread (a replica takes ~1 s to start). */
export const PARALLEL_MIN_WORK = 20_000_000;
let parallelMinWork = PARALLEL_MIN_WORK;

/** Tests: let small runs use the thread pool. */
export function setParallelMinWork(n: number = PARALLEL_MIN_WORK): void {
  parallelMinWork = n;
}

/** The gradient threads a run uses: spec.threads when the run is big enough, at most one per 16 batch rows. */
export function parallelThreads(spec: Pick<VaeSpec, 'threads' | 'training' | 'epochs'>, nTrain: number, d: number, batchSize: number): number {
  if (spec.threads <= 1 || spec.training.freeBits > 0 || nTrain * d * spec.epochs < parallelMinWork) return 1;
  return Math.max(1, Math.min(spec.threads, Math.floor(batchSize / 16)));
}

/**
 * The scalar to minimise and the per-row bound [B] it estimates (see the module comment). Call in a gradient scope.
 */
export function stepLoss(m: VaeModel, x: tf.Tensor2D, k: Key, c: StepContext): { loss: tf.Scalar; bound: tf.Tensor1D } {
  const S = c.objective.samples;
  const h = m.encode(x);
  const p = m.posterior;
  if (p.kind === 'categorical') {
    const r = m.logWeightParts(k, x, h, S, c.tau ?? 1);
    const bound = elboAnalytic(r.logLik, p.kl(h), c.beta, c.freeBits) as tf.Tensor1D;
    return { loss: tf.neg(tf.mean(bound)) as tf.Scalar, bound };
  }
  const shared = m.shared as TensorMap;
  if (c.estimator === 'score') {
    const z = stopGradient(p.sample(k, shared, h, S).z);
    const logQ = p.logProb(shared, h, z);
    const logLik = m.logLik(x, m.decode(z)) as tf.Tensor2D;
    const logPrior = tf.mul(-0.5, tf.add(tf.sum(tf.square(z), -1), p.dim * Math.log(2 * Math.PI)));
    const logW = weightedLogW(logLik, logPrior, logQ, c.beta);
    const f = stopGradient(logW);
    if (c.objective.kind === 'elbo') {
      let b: tf.Tensor;
      if (S > 1) b = tf.div(tf.sub(tf.sum(f, 0, true), f), S - 1);
      else b = tf.scalar(c.baseline ?? 0);
      const surrogate = tf.mean(tf.add(tf.mul(tf.sub(f, b), logQ), logLik));
      return { loss: tf.neg(surrogate) as tf.Scalar, bound: tf.mean(f, 0) as tf.Tensor1D };
    }
    const L = c.objective.bound(logW);
    const Lc = stopGradient(L);
    const surrogate = tf.mean(tf.add(tf.mul(tf.sub(Lc, c.baseline ?? 0), tf.sum(logQ, 0)), L));
    return { loss: tf.neg(surrogate) as tf.Scalar, bound: Lc as tf.Tensor1D };
  }
  const r = m.logWeightParts(k, x, h, S, null);
  if (c.analytic) {
    const kl = p.kl(h);
    if (kl) {
      let bound: tf.Tensor1D;
      if (kl.perDim) bound = elboAnalytic(r.logLik, kl.perDim, c.beta, c.freeBits) as tf.Tensor1D;
      else if (c.freeBits > 0) bound = tf.sub(tf.mean(r.logLik, 0), tf.mul(c.beta, tf.maximum(tf.mean(kl.total), c.freeBits * p.dim))) as tf.Tensor1D;
      else bound = elboAnalytic(r.logLik, kl.total, c.beta) as tf.Tensor1D;
      return { loss: tf.neg(tf.mean(bound)) as tf.Scalar, bound };
    }
  }
  if (c.objective.kind === 'elbo' && c.freeBits > 0) {
    // Monte Carlo KL has no per-dimension split: floor the batch-mean total at D·λ.
    const klMc = tf.mean(tf.sub(r.logQ!, r.logPrior));
    const bound = tf.sub(tf.mean(r.logLik, 0), tf.mul(c.beta, tf.maximum(klMc, c.freeBits * p.dim))) as tf.Tensor1D;
    return { loss: tf.neg(tf.mean(bound)) as tf.Scalar, bound };
  }
  const logW = weightedLogW(r.logLik, r.logPrior, r.logQ!, c.beta);
  const bound = c.objective.bound(logW) as tf.Tensor1D;
  return { loss: tf.neg(tf.mean(bound)) as tf.Scalar, bound };
}

/**
 * Mean β = 1 ELBO over rows of the prepared matrix, one draw per row, ε from fold(k, chunk); chunks are copied
 * from the host one at a time, so no copy of the data stays on the backend.
 */
export function meanElboRows(m: VaeModel, data: PreparedVaeData, rows: readonly number[], k: Key): number {
  let total = 0;
  for (let start = 0, chunk = 0; start < rows.length; start += EVAL_CHUNK, chunk++) {
    const x = rowsTensor(data.x, data.d, rows.slice(start, start + EVAL_CHUNK));
    const s = tf.tidy(() => tf.sum(m.elbo(fold(k, chunk), x)));
    total += s.dataSync()[0]!;
    tf.dispose([s, x]);
  }
  return total / rows.length;
}

/** Mean β = 1 ELBO over rows of x, one draw per row, ε from fold(k, chunk). */
export function meanElbo(m: VaeModel, x: tf.Tensor2D, k: Key): number {
  const n = x.shape[0];
  let total = 0;
  for (let start = 0, chunk = 0; start < n; start += EVAL_CHUNK, chunk++) {
    const rows = Math.min(EVAL_CHUNK, n - start);
    const s = tf.tidy(() => tf.sum(m.elbo(fold(k, chunk), tf.slice(x, [start, 0], [rows, -1]) as tf.Tensor2D)));
    total += s.dataSync()[0]!;
    s.dispose();
  }
  return total / n;
}

/** Originals and reconstructed means E[x | z = mean of q(z|x)] for the given rows. */
export function reconstructRows(m: VaeModel, data: PreparedVaeData, rows: number[], k: Key = key(0)): ReconstructionArtifact {
  const xb = rowsTensor(data.x, data.d, rows);
  const rec = tf.tidy(() => m.mean(m.decode(m.posteriorMean(k, m.encode(xb))) as tf.Tensor2D));
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

/** The seeded validation split: sorted train and validation rows of the prepared matrix. */
export function splitRows(n: number, spec: VaeSpec): { trainRows: number[]; valRows: number[] } {
  const [, kSplit] = split(key(spec.seed), 5) as [Key, Key, Key, Key, Key];
  let nVal = spec.validationFraction > 0 ? Math.max(1, Math.round(n * spec.validationFraction)) : 0;
  if (n - nVal < 1) nVal = n - 1;
  const perm = permutation(kSplit, n);
  return {
    valRows: Array.from(perm.subarray(0, nVal)).sort((a, b) => a - b),
    trainRows: Array.from(perm.subarray(nVal)).sort((a, b) => a - b),
  };
}

/**
 * Train a VAE on prepared data (see the module comment). Keys: key(seed) splits into init, split, shuffle, noise
 * and eval keys; epoch e's order is permutation(fold(shuffle, e)), step t's noise is fold(noise, t).
 * Every tensor is disposed on return or throw.
 */
export async function trainVae(data: PreparedVaeData, spec: VaeSpec, cb: VaeCallbacks = {}): Promise<VaeResult> {
  checkVaeSpec(spec);
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
  const objective = makeObjective(spec.objective);
  const [kInit, , kShuffle, kNoise, kEval] = split(key(spec.seed), 5) as [Key, Key, Key, Key, Key];
  const { trainRows, valRows } = splitRows(n, spec);
  const nTrain = trainRows.length;
  const nVal = valRows.length;
  if (nTrain < 1) throw new Error(`The VAE needs at least one training row, got ${n} rows with validation fraction ${spec.validationFraction}.`);
  const batchSize = Math.min(spec.batchSize, nTrain);
  const stepsPerEpoch = Math.ceil(nTrain / batchSize);
  const totalSteps = stepsPerEpoch * spec.epochs;
  const schedule = annealSchedule(spec, stepsPerEpoch);

  const model = new VaeModel(vaeConfig(data, spec), kInit);
  const aids = vaeTrainingAids(spec);
  const analytic = aids.kl !== 'mc' && objective.kind === 'elbo' && aids.estimator === 'reparam';
  const vars = model.variables();
  const optimizer = makeOptimizer(spec);
  const varNames = vars.map((v) => v.name);
  // Data-parallel gradient threads (parallel.ts) — on runs big enough to repay starting them, and never with free
  // bits (a batch-level floor). Decided from the spec and the data alone, so a run stays reproducible.
  const threads = parallelThreads(spec, nTrain, d, batchSize);
  const pool = GradientPool.create(threads, vars, d, Math.ceil(batchSize / Math.max(1, threads)), vaeConfig(data, spec), spec);
  // Minibatches are copied from the host matrix each step (measured on wasm: 4.3 ms per 128 × 784 batch against
  // 24 ms for tf.gather from a resident [60000, 784] tensor), so the data never sit on the backend twice.
  const batchRows = new Int32Array(batchSize);
  // The per-epoch training ELBO on at most EVAL_MAX_ROWS rows (a fixed sample), so big data stay cheap to monitor.
  const evalTrainRows =
    nTrain > EVAL_MAX_ROWS ? Array.from(permutation(fold(kEval, 1), nTrain).subarray(0, EVAL_MAX_ROWS)).sort((a, b) => a - b).map((i) => trainRows[i]!) : trainRows;

  let stopped = false;
  let earlyStopped = false;
  let epochsDone = 0;
  let trainElbo = Number.NaN;
  let valElbo: number | null = null;
  let nonFiniteSteps = 0;
  let streak = 0;
  let step = 0;
  let baseline: number | null = null;
  const epochSeconds: number[] = [];
  const stepSeconds: number[] = [];
  const history: VaeResult['history'] = [];
  let best: { epoch: number; val: number; train: number; values: tf.Tensor[] } | null = null;
  let lastYield = performance.now();

  const evaluate = (): void => {
    trainElbo = meanElboRows(model, data, evalTrainRows, kEval);
    valElbo = nVal > 0 ? meanElboRows(model, data, valRows, kEval) : null;
  };

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
        for (let i = 0; i < idx.length; i++) batchRows[i] = trainRows[idx[i]!]!;
        const stepKey = fold(kNoise, step);
        const beta = klWeight(step, aids.beta, schedule);
        scheduleLearningRate(optimizer, spec, step, totalSteps);
        const tau = spec.latentType === 'categorical' ? gumbelTemperature(step, spec.temperature) : null;
        step++;
        const rowsNow = batchRows.subarray(0, idx.length);
        // Replicas start on shards 1 … T − 1 before this thread computes shard 0 (parallel.ts).
        const bounds = pool && idx.length >= pool.threads ? pool.start(vars, data.x, rowsNow, { stepKey, beta, tau, baseline }) : null;
        const xb = rowsTensor(data.x, d, bounds ? rowsNow.subarray(0, bounds[1]) : rowsNow);
        const ctx: StepContext = { objective, estimator: aids.estimator, analytic, beta, freeBits: aids.freeBits, tau, baseline };
        let boundMean: tf.Scalar | null = null;
        let { value, grads } = optimizer.computeGradients(() => {
          const r = stepLoss(model, xb, stepKey, ctx);
          boundMean = tf.keep(tf.mean(r.bound));
          return r.loss;
        }, vars);
        xb.dispose();
        let bm = boundMean as tf.Scalar | null;
        if (pool && bounds) {
          const all = pool.collect(bounds, { grads, loss: value, boundMean: bm }, varNames);
          tf.dispose([value, ...(bm ? [bm] : []), ...Object.values(grads)]);
          ({ grads, loss: value, boundMean: bm } = all);
        }
        // One read-back per step: the bound, the loss, and the global gradient norm when clipping needs it — else
        // Σ_v Σ g_v, which is finite exactly when every gradient entry is (NaN and ±∞ propagate), and half the work.
        const clipping = spec.optimiser.clipNorm !== undefined;
        const stats = tf.tidy(() => {
          const parts = Object.values(grads).map((g) => (clipping ? tf.sum(tf.square(g)) : tf.sum(g)));
          const agg = tf.addN(parts);
          return tf.stack([bm ?? tf.scalar(Number.NaN), value, clipping ? tf.sqrt(agg) : agg]);
        });
        const statValues = stats.dataSync();
        const bound = statValues[0]!;
        const lossValue = statValues[1]!;
        const norm = statValues[2]!;
        stats.dispose();
        value.dispose();
        bm?.dispose();
        if (Number.isFinite(lossValue) && Number.isFinite(norm) && Number.isFinite(bound)) {
          streak = 0;
          if (aids.estimator === 'score') baseline = baseline === null ? bound : 0.9 * baseline + 0.1 * bound;
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
        const info: VaeStepInfo = { step, epoch, totalSteps, loss: Number.isFinite(bound) ? -bound : Number.NaN, beta };
        if (tau !== null) info.temperature = tau;
        cb.onStep?.(info);
        if (streak >= MAX_NONFINITE_STREAK) {
          throw new Error(
            `Training diverged: the loss was not finite for ${MAX_NONFINITE_STREAK} steps in a row; ` +
              `lower the learning rate (now ${spec.optimiser.learningRate})`,
          );
        }
      }
      const tSteps = performance.now();
      evaluate();
      const seconds = (performance.now() - t0) / 1000;
      epochSeconds.push(seconds);
      stepSeconds.push((tSteps - t0) / 1000);
      epochsDone = epoch;
      history.push({ epoch, trainElbo, valElbo, seconds });
      cb.onEpoch?.({ epoch, trainElbo, valElbo, seconds, stepSeconds: (tSteps - t0) / 1000 });
      if (spec.patience > 0 && valElbo !== null) {
        const v: number = valElbo;
        if (!best || v > best.val) {
          if (best) tf.dispose(best.values);
          best = { epoch, val: v, train: trainElbo, values: vars.map((x) => tf.keep(tf.clone(x))) };
        } else if (epoch - best.epoch >= spec.patience) {
          earlyStopped = true;
          break;
        }
      }
    }
    let bestEpoch = epochsDone;
    if (best && best.epoch !== epochsDone) {
      const kept = best;
      vars.forEach((v, i) => v.assign(kept.values[i]!));
      trainElbo = kept.train;
      valElbo = kept.val;
      bestEpoch = kept.epoch;
    }
    if (epochsDone === 0) evaluate();
    const shown = (valRows.length > 0 ? valRows : trainRows).slice(0, RECONSTRUCTION_ROWS);
    const reconstructions = shown.length > 0 ? reconstructRows(model, data, shown, kEval) : null;
    const snapshot = model.snapshot(data.transform, data.image);
    const mean = (a: number[]): number => (a.length ? a.reduce((s, v) => s + v, 0) / a.length : 0);
    return {
      stopped,
      epochs: epochsDone,
      trainElbo,
      valElbo,
      secondsPerEpoch: mean(epochSeconds),
      stepSecondsPerEpoch: mean(stepSeconds),
      reconstructions,
      params: snapshot.network,
      likelihood: data.likelihood,
      nonFiniteSteps,
      snapshot,
      valRows,
      earlyStopped,
      bestEpoch,
      history,
    };
  } finally {
    await pool?.close();
    if (best) tf.dispose(best.values);
    disposeOptimizer(optimizer);
    model.dispose();
  }
}
