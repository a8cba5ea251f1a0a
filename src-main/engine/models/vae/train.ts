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
 * Every random number (weights, split, order, ε, evaluation ε) comes from `rng.key(spec.seed)`. Training runs on the
 * engine's one loop (inference/train-loop.ts: minibatches, non-finite policy, early stopping on the validation ELBO
 * with restore, cancel) with the engine's optimiser (optim/optimisers.ts); the score-function surrogate is the
 * engine's (objectives/estimators.ts) on logW [S, B].
 */
import { GradientPool } from './parallel';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainingSpec, VaeSpec } from '../../../../src-shared/schemas/run-spec';
import type { ReconstructionArtifact } from '../../../../src-shared/domain/types';
import { fold, key, permutation, split, type Key } from '../../rng';
import { makeObjective, type Objective } from '../../objectives/objective';
import { annealSteps, elboAnalytic, klWeight, weightedLogW, type AnnealSchedule } from '../../objectives/schedules';
import { nextBaseline, scoreSurrogate, stopGradient } from '../../objectives/estimators';
import type { TensorMap, VariableMap } from '../../families/params';
import { Optimiser, optimiserFromSpec, type OptimiserConfig } from '../../optim/optimisers';
import type { Convergence } from '../../diagnostics/convergence';
import {
  MAX_NONFINITE_STREAK,
  TrainLoop,
  runLoop,
  type StepInput,
  type StepOutcome,
  type Trainable,
} from '../../inference/train-loop';
import { VaeModel, type VaeConfig, type VaeSnapshot } from './model';
import { gumbelTemperature } from './posterior';
import { columnsOf, type PreparedVaeData, type VaeLikelihood } from './prepare';
import { checkVaeSpec } from './validate';
import type { ParamRecord } from './network';
import { networkVariables, paramName } from './network';
import type { GradVarianceArtifact, GradVarianceCheckpoint } from '../../../../src-shared/domain/grad-variance';
import {
  gradVarianceCheckpoint,
  gradVarianceSchedule,
  gradientDrawStats,
  type GradDraw,
  type GradDrawStats,
} from '../../diagnostics/grad-variance';

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
  /**
   * Measure the gradient's variance and SNR per layer with `repeats` draws on a fixed minibatch at epoch checkpoints
   * (at most ~10 % of the steps' work; diagnostics/grad-variance.ts). Off when absent.
   */
  gradientVariance?: { repeats: number };
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
  /** The per-epoch smoothed training bound: converged or still improving (null before two epochs). */
  convergence: Convergence | null;
  /** The run ended because the bound had converged (training.convergence.stopWhenConverged). */
  convergedStop: boolean;
  /** The fitted model as JSON (for evaluation, views, export). */
  snapshot: VaeSnapshot;
  /** Rows of the prepared matrix used for validation (sorted); empty without a split. */
  valRows: number[];
  /** True when early stopping ended the run. */
  earlyStopped: boolean;
  /** Epoch whose parameters were kept (the best validation ELBO with early stopping, else the last). */
  bestEpoch: number;
  history: Array<{ epoch: number; trainElbo: number; valElbo: number | null; seconds: number }>;
  /** Gradient variance per layer at checkpoints (with `cb.gradientVariance`), else null. */
  gradVariance: GradVarianceArtifact | null;
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

export { MAX_NONFINITE_STREAK };
/** Rows per forward pass when evaluating. */
export const EVAL_CHUNK = 1024;
/** Most training rows in the per-epoch ELBO (a fixed seeded sample beyond this). */
export const EVAL_MAX_ROWS = 10_000;
const RECONSTRUCTION_ROWS = 8;

/**
 * The optimiser of a VAE spec for a run of `totalSteps` updates: the one place it is read. ε = 1e-7 as
 * tf.train.adam (the float32 backend's ε), which the VAE used before the engine's optimiser, so its figures stay put.
 */
export function vaeOptimiser(spec: VaeSpec, totalSteps: number): OptimiserConfig {
  return { ...optimiserFromSpec(spec.optimiser, totalSteps), epsilon: 1e-7 };
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
export function parallelThreads(
  spec: Pick<VaeSpec, 'threads' | 'training' | 'epochs'>,
  nTrain: number,
  d: number,
  batchSize: number,
): number {
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
    // The decoder's log p(x|z) is differentiated as it stands (direct), the encoder through log q only.
    const r = scoreSurrogate(logW, logQ, { objective: c.objective, baseline: c.baseline, direct: logLik });
    return { loss: tf.neg(tf.mean(r.surrogate)) as tf.Scalar, bound: r.bound as tf.Tensor1D };
  }
  const r = m.logWeightParts(k, x, h, S, null);
  if (c.analytic) {
    const kl = p.kl(h);
    if (kl) {
      let bound: tf.Tensor1D;
      if (kl.perDim) bound = elboAnalytic(r.logLik, kl.perDim, c.beta, c.freeBits) as tf.Tensor1D;
      else if (c.freeBits > 0)
        bound = tf.sub(
          tf.mean(r.logLik, 0),
          tf.mul(c.beta, tf.maximum(tf.mean(kl.total), c.freeBits * p.dim)),
        ) as tf.Tensor1D;
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
export function reconstructRows(
  m: VaeModel,
  data: PreparedVaeData,
  rows: number[],
  k: Key = key(0),
): ReconstructionArtifact {
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
      throw new Error(
        `A Bernoulli likelihood needs values in [0, 1], got ${v} in ${where}; prepare the data with prepareVaeData.`,
      );
    }
  }
  const objective = makeObjective(spec.objective);
  const aids = vaeTrainingAids(spec);
  const [kInit, , kShuffle, kNoise, kEval] = split(key(spec.seed), 5) as [Key, Key, Key, Key, Key];
  const { trainRows, valRows } = splitRows(n, spec);
  const nTrain = trainRows.length;
  const nVal = valRows.length;
  if (nTrain < 1)
    throw new Error(
      `The VAE needs at least one training row, got ${n} rows with validation fraction ${spec.validationFraction}.`,
    );
  const batchSize = Math.min(spec.batchSize, nTrain);
  const stepsPerEpoch = Math.ceil(nTrain / batchSize);
  const totalSteps = stepsPerEpoch * spec.epochs;
  const schedule = annealSchedule(spec, stepsPerEpoch);

  const model = new VaeModel(vaeConfig(data, spec), kInit);
  const analytic = aids.kl !== 'mc' && objective.kind === 'elbo' && aids.estimator === 'reparam';
  const vars = model.variables();
  const optConfig = vaeOptimiser(spec, totalSteps);
  let optimiser: Optimiser | null = null;
  let pool: GradientPool | null = null;
  // The per-epoch training ELBO on at most EVAL_MAX_ROWS rows (a fixed sample), so big data stay cheap to monitor.
  const evalTrainRows =
    nTrain > EVAL_MAX_ROWS
      ? Array.from(permutation(fold(kEval, 1), nTrain).subarray(0, EVAL_MAX_ROWS))
          .sort((a, b) => a - b)
          .map((i) => trainRows[i]!)
      : trainRows;

  let trainElbo = Number.NaN;
  let valElbo: number | null = null;
  const history: VaeResult['history'] = [];
  const evaluate = (): void => {
    trainElbo = meanElboRows(model, data, evalTrainRows, kEval);
    valElbo = nVal > 0 ? meanElboRows(model, data, valRows, kEval) : null;
  };

  try {
    optimiser = new Optimiser(optConfig, Object.fromEntries(vars.map((v) => [v.name, v])) as VariableMap);
    // Data-parallel gradient threads (parallel.ts) — on runs big enough to repay starting them, and never with free
    // bits (a batch-level floor). Decided from the spec and the data alone, so a run stays reproducible.
    const threads = parallelThreads(spec, nTrain, d, batchSize);
    pool = GradientPool.create(
      threads,
      vars,
      d,
      Math.ceil(batchSize / Math.max(1, threads)),
      vaeConfig(data, spec),
      spec,
    );
    const trainable = new VaeTrainable({
      model,
      data,
      trainRows,
      batchSize,
      objective,
      aids,
      analytic,
      schedule,
      kNoise,
      optimiser,
      pool,
      temperature: spec.latentType === 'categorical' ? spec.temperature : null,
      clipping: optConfig.clipNorm !== undefined,
    });
    // Gradient-variance checkpoints: R draws on one fixed, seeded minibatch (validation rows when there are any).
    const gv = cb.gradientVariance;
    const gvKey = fold(key(spec.seed), 0x9a7d);
    const gvFrom = nVal > 0 ? valRows : trainRows;
    const gvRows = Array.from(permutation(gvKey, gvFrom.length).subarray(0, Math.min(batchSize, gvFrom.length)))
      .sort((a, b) => a - b)
      .map((i) => gvFrom[i]!);
    const gvSchedule = gv
      ? gradVarianceSchedule({
          units: spec.epochs,
          stepsPerUnit: stepsPerEpoch,
          repeats: gv.repeats,
          estimators: aids.estimator === 'score' ? 2 : 1,
        })
      : null;
    const gvCheckpoints: GradVarianceCheckpoint[] = [];
    const loop = new TrainLoop(trainable, {
      epochs: spec.epochs,
      batches: { n: nTrain, batchSize, shuffleKey: kShuffle },
      learningRate: optConfig.learningRate,
      convergence: spec.training.convergence,
      ...(spec.patience > 0 && nVal > 0 ? { earlyStopping: { patience: spec.patience, restoreBest: true } } : {}),
      evaluate: (epoch, l) => {
        evaluate();
        if (gv && gvSchedule?.isCheckpoint(epoch)) {
          const xg = rowsTensor(data.x, data.d, gvRows);
          try {
            gvCheckpoints.push(
              gradVarianceCheckpoint(l.step, epoch, aids.estimator, (estimator) =>
                trainable.gradientDraws(xg, estimator, gv.repeats, fold(gvKey, epoch)),
              ),
            );
          } finally {
            xg.dispose();
          }
        }
        return valElbo;
      },
      shouldStop: cb.shouldStop,
      onStep: (r) => {
        const info: VaeStepInfo = {
          step: r.step + 1,
          epoch: r.epoch,
          totalSteps,
          loss: Number.isFinite(r.bound) ? -r.bound : Number.NaN,
          beta: trainable.beta,
        };
        if (trainable.tau !== null) info.temperature = trainable.tau;
        cb.onStep?.(info);
      },
      onEpoch: (e) => {
        history.push({ epoch: e.epoch, trainElbo, valElbo, seconds: e.seconds });
        cb.onEpoch?.({ epoch: e.epoch, trainElbo, valElbo, seconds: e.seconds, stepSeconds: e.stepSeconds });
      },
    });
    const summary = await runLoop(loop);
    const kept = history.find((h) => h.epoch === summary.bestEpoch);
    if (kept && summary.bestEpoch !== summary.epochs) {
      trainElbo = kept.trainElbo;
      valElbo = kept.valElbo;
    }
    if (summary.epochs === 0) evaluate();
    const shown = (valRows.length > 0 ? valRows : trainRows).slice(0, RECONSTRUCTION_ROWS);
    const reconstructions = shown.length > 0 ? reconstructRows(model, data, shown, kEval) : null;
    const snapshot = model.snapshot(data.transform, data.image);
    const mean = (a: number[]): number => (a.length ? a.reduce((s, v) => s + v, 0) / a.length : 0);
    const trainingSeconds = summary.epochSeconds.reduce((a, b) => a + b, 0);
    const gradVariance: GradVarianceArtifact | null = gv
      ? {
          model: 'vae',
          estimator: aids.estimator,
          repeats: gv.repeats,
          rows: gvRows.length,
          rowsFrom: nVal > 0 ? 'validation' : 'training',
          checkpoints: gvCheckpoints,
          overheadShare:
            trainingSeconds > 0 ? gvCheckpoints.reduce((a, c) => a + c.seconds, 0) / trainingSeconds : null,
        }
      : null;
    return {
      stopped: summary.stopped,
      epochs: summary.epochs,
      trainElbo,
      valElbo,
      secondsPerEpoch: mean(summary.epochSeconds),
      stepSecondsPerEpoch: mean(summary.stepSeconds),
      reconstructions,
      params: snapshot.network,
      likelihood: data.likelihood,
      nonFiniteSteps: summary.nonFiniteSteps,
      convergence: summary.convergence,
      convergedStop: summary.convergedStop,
      snapshot,
      valRows,
      earlyStopped: summary.earlyStopped,
      bestEpoch: summary.bestEpoch,
      history,
      gradVariance,
    };
  } finally {
    await pool?.close();
    optimiser?.dispose();
    model.dispose();
  }
}

interface VaeTrainableSetup {
  model: VaeModel;
  data: PreparedVaeData;
  trainRows: number[];
  batchSize: number;
  objective: Objective;
  aids: ReturnType<typeof vaeTrainingAids>;
  analytic: boolean;
  schedule: AnnealSchedule;
  kNoise: Key;
  optimiser: Optimiser;
  pool: GradientPool | null;
  temperature: VaeSpec['temperature'] | null;
  clipping: boolean;
}

/**
 * The VAE on the loop: step t's loss on minibatch rows (noise fold(kNoise, t), β_t, τ_t), its gradient pooled over
 * the replica threads when there are any (parallel.ts), and one read-back of bound, loss and gradient statistic.
 */
class VaeTrainable implements Trainable<tf.Tensor[]> {
  /** β_t and τ_t of the last step (progress). */
  beta = 1;
  tau: number | null = null;
  private baseline: number | null = null;
  private readonly vars: tf.Variable[];
  private readonly varNames: string[];
  /**
   * Minibatches are copied from the host matrix each step (measured on wasm: 4.3 ms per 128 × 784 batch against
   * 24 ms for tf.gather from a resident [60000, 784] tensor), so the data never sit on the backend twice.
   */
  private readonly batchRows: Int32Array;

  constructor(private readonly c: VaeTrainableSetup) {
    this.vars = c.model.variables();
    this.varNames = this.vars.map((v) => v.name);
    this.batchRows = new Int32Array(c.batchSize);
  }

  step({ step, rows }: StepInput): StepOutcome {
    const { model, data, objective, aids, pool } = this.c;
    const idx = rows!;
    for (let i = 0; i < idx.length; i++) this.batchRows[i] = this.c.trainRows[idx[i]!]!;
    const stepKey = fold(this.c.kNoise, step);
    const beta = klWeight(step, aids.beta, this.c.schedule);
    const tau = this.c.temperature ? gumbelTemperature(step, this.c.temperature) : null;
    this.beta = beta;
    this.tau = tau;
    const baseline = this.baseline;
    const rowsNow = this.batchRows.subarray(0, idx.length);
    // Replicas start on shards 1 … T − 1 before this thread computes shard 0 (parallel.ts).
    const bounds =
      pool && idx.length >= pool.threads
        ? pool.start(this.vars, data.x, rowsNow, { stepKey, beta, tau, baseline })
        : null;
    const xb = rowsTensor(data.x, data.d, bounds ? rowsNow.subarray(0, bounds[1]) : rowsNow);
    const ctx: StepContext = {
      objective,
      estimator: aids.estimator,
      analytic: this.c.analytic,
      beta,
      freeBits: aids.freeBits,
      tau,
      baseline,
    };
    let boundMean: tf.Scalar | null = null;
    let value: tf.Scalar;
    let grads: tf.NamedTensorMap;
    try {
      ({ value, grads } = tf.variableGrads(() => {
        const r = stepLoss(model, xb, stepKey, ctx);
        boundMean = tf.keep(tf.mean(r.bound));
        return r.loss;
      }, this.vars));
    } finally {
      xb.dispose();
    }
    let bm = boundMean as tf.Scalar | null;
    if (pool && bounds) {
      const all = pool.collect(bounds, { grads, loss: value, boundMean: bm }, this.varNames);
      tf.dispose([value, ...(bm ? [bm] : []), ...Object.values(grads)]);
      ({ grads, loss: value, boundMean: bm } = all);
    }
    // One read-back per step: the bound, the loss, and the global gradient norm when clipping needs it — else
    // Σ_v Σ g_v, which is finite exactly when every gradient entry is (NaN and ±∞ propagate), and half the work.
    const clipping = this.c.clipping;
    const stats = tf.tidy(() => {
      const parts = Object.values(grads).map((g) => (clipping ? tf.sum(tf.square(g)) : tf.sum(g)));
      const agg = tf.addN(parts);
      return tf.stack([bm ?? tf.scalar(Number.NaN), value, clipping ? tf.sqrt(agg) : agg]);
    });
    const [bound, loss, stat] = Array.from(stats.dataSync()) as [number, number, number];
    tf.dispose([stats, value, ...(bm ? [bm] : [])]);
    return {
      loss,
      bound,
      gradNorm: clipping ? stat : null,
      gradFinite: Number.isFinite(stat),
      commit: () => {
        if (aids.estimator === 'score') this.baseline = nextBaseline(this.baseline, bound);
        this.c.optimiser.apply(grads, clipping ? stat : null);
        tf.dispose(grads);
      },
      discard: () => tf.dispose(grads),
    };
  }

  /**
   * R gradient draws of this step's loss (`stepLoss`, as `step` computes it) on rows x at the current φ, β_t, τ_t
   * and baseline, noise fold(k, r); no optimiser state is touched. Groups: one per layer (weight and bias together),
   * the family's shared flow networks as one. The pathwise draws of a score-function run use the Monte Carlo KL, so
   * both estimate the gradient of the same integrand.
   */
  gradientDraws(x: tf.Tensor2D, estimator: 'reparam' | 'score', R: number, k: Key): GradDrawStats {
    const { model, objective, aids } = this.c;
    const net = new Set(networkVariables(model.net));
    const names = this.vars.map((v, i) => (net.has(v) ? paramName(model.net, v) : `flow/${i}`));
    const ctx: StepContext = {
      objective,
      estimator,
      analytic: estimator === aids.estimator ? this.c.analytic : false,
      beta: this.beta,
      freeBits: aids.freeBits,
      tau: this.tau,
      baseline: this.baseline,
    };
    return gradientDrawStats(
      R,
      (r) => {
        const { value, grads } = tf.variableGrads(() => stepLoss(model, x, fold(k, r), ctx).loss, this.vars);
        const out: GradDraw = {};
        this.vars.forEach((v, i) => {
          const g = grads[v.name];
          out[names[i]!] = g ? g.dataSync() : new Float32Array(v.size);
        });
        tf.dispose([value, ...Object.values(grads)]);
        return out;
      },
      (n) => (n.startsWith('flow/') ? 'flow' : n.replace(/\.(weight|bias)$/, '')),
    );
  }

  snapshot(): tf.Tensor[] {
    return this.vars.map((v) => tf.keep(tf.clone(v)));
  }
  restore(s: tf.Tensor[]): void {
    this.vars.forEach((v, i) => v.assign(s[i]!));
  }
  disposeSnapshot(s: tf.Tensor[]): void {
    tf.dispose(s);
  }
}
