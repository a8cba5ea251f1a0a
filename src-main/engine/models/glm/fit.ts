/**
 * `fitGlm`: fit a Bayesian linear or logistic regression with any family × objective × optimiser, as the CLI and
 * the app call it. Deterministic given (data, specs, steps, seed) on one backend. Returns the posterior summary:
 * means and sds per coefficient, the final ELBO (Monte Carlo, with standard error), PSIS k̂ and importance ESS of
 * q against the exact log joint, the importance-sampled log evidence, the loss history and the saved posterior.
 */
import * as tf from '@tensorflow/tfjs-core';
import type {
  FamilySpec,
  ObjectiveSpec,
  OptimiserSpec,
  TrainingSpec,
} from '../../../../src-shared/schemas/run-spec.js';
import { activeBackend } from '../../backend.js';
import { fold, key } from '../../rng.js';
import { makeFamily } from '../../families/index.js';
import type { Family, SavedPosterior } from '../../families/family.js';
import { savePosterior } from '../../families/family.js';
import { ParticleFamily } from '../../families/particles.js';
import type { VariableMap } from '../../families/params.js';
import { disposeParams, newVariable } from '../../families/params.js';
import { makeObjective } from '../../objectives/objective.js';
import { runSchedule, type OptimiserConfig } from '../../optim/optimisers.js';
import { evaluateElbo, sviTrainable } from '../../inference/svi.js';
import { svgdTrainable } from '../../inference/svgd.js';
import {
  DivergenceError,
  TrainLoop,
  releaseTrainable,
  runLoopSync,
  type LoopSummary,
} from '../../inference/train-loop.js';
import type { Convergence } from '../../diagnostics/convergence.js';
import { psis } from '../../diagnostics/psis.js';
import { importanceLogLikelihood } from '../../diagnostics/loglik.js';
import type { GlobalModel } from '../common/model.js';
import type { GradVarianceArtifact, GradVarianceCheckpoint } from '../../../../src-shared/domain/grad-variance.js';
import {
  gradVarianceCheckpoint,
  gradVarianceSchedule,
  gradientVariance,
  withEstimator,
} from '../../diagnostics/grad-variance.js';
import type { GlmData, NoiseSpec } from './models.js';
import { checkGlmData, linearRegressionModel, logisticRegressionModel } from './models.js';

export interface FitGlmOptions {
  model: 'linear' | 'logistic';
  data: GlmData;
  /** Add a column of ones named "(intercept)" (default true). */
  intercept?: boolean;
  /** Prior sd τ of every coefficient (default 10 linear, 5 logistic). */
  priorScale?: number;
  /** Linear regression noise: known σ or learned (default learned). */
  noise?: NoiseSpec;
  family: FamilySpec;
  objective: ObjectiveSpec;
  /** Training aids (β, annealing in steps — full-batch, so an epoch is a step —, estimator, KL mode); default none. */
  training?: Partial<TrainingSpec>;
  optimiser: OptimiserSpec | OptimiserConfig;
  steps: number;
  seed: number;
  /** Called every `progressEvery` steps (default 50) and at the end. */
  onProgress?: (p: GlmProgress) => void;
  progressEvery?: number;
  /** Draws for the final ELBO, PSIS and evidence (default 2000). */
  evaluationSamples?: number;
  /** Initial posterior sd (default 0.1). */
  initScale?: number;
  /**
   * Report the average of the variational parameters over this final fraction of the steps (Polyak–Ruppert
   * averaging; default 0.25, 0 = the last iterate). With a constant step size the last iterate jitters around the
   * optimum; the average sits much closer to it, which shows in PSIS k̂. Not used for SVGD.
   */
  averageFraction?: number;
  /** Keep this many draws of q (fitting scale, [n, D]) in the result, for coefficient tables (default 0). */
  keepDraws?: number;
  /**
   * Measure the gradient's variance and SNR per parameter group with `repeats` draws at checkpoints (at most ~10 %
   * of the steps' work; diagnostics/grad-variance.ts). Not for SVGD, which has no stochastic gradient estimator.
   */
  gradientVariance?: { repeats: number };
}

export interface GlmProgress {
  step: number;
  steps: number;
  /** Objective value at this step (nats; for SVGD the mean ‖φ‖). */
  bound: number;
  skipped: number;
}

export interface GlmFit {
  model: 'linear' | 'logistic';
  family: string;
  objective: string;
  names: string[];
  mean: number[];
  sd: number[];
  /** For learned-noise linear regression: posterior mean and sd of σ (Monte Carlo over exp(log σ)). */
  noiseSigma?: { mean: number; sd: number };
  finalElbo: number;
  finalElboSe: number;
  diagnostics: {
    /** PSIS k̂ of p(θ, y)/q(θ) (Yao et al. 2018): < 0.5 good, > 0.7 unreliable. */
    psisKhat: number;
    /** Effective sample size of the smoothed importance weights (out of `samples`). */
    ess: number;
    essRaw: number;
    /** Importance-sampled log evidence log p(y) (a stochastic lower bound). */
    logEvidence: number;
    samples: number;
  };
  history: Array<{ step: number; bound: number }>;
  skippedSteps: number;
  /** Steps taken (fewer than asked when the run stopped on convergence). */
  steps: number;
  /** The smoothed bound over checkpoints every ⌈steps/100⌉ steps: converged or still improving; null for SVGD. */
  convergence: Convergence | null;
  /** The run ended because the bound had converged (training.convergence.stopWhenConverged). */
  convergedStop: boolean;
  seed: number;
  backend: string;
  seconds: number;
  posterior: SavedPosterior;
  /** `keepDraws` draws of q on the fitting scale, row-major [n, D] (absent when keepDraws is 0). */
  draws?: { n: number; values: Float64Array };
  /** Gradient variance per group at checkpoints (with `gradientVariance` and an SVI family), else null. */
  gradVariance: GradVarianceArtifact | null;
}

/** The design matrix with a leading column of ones. */
export function withIntercept(d: GlmData): GlmData {
  const P = d.cols + 1;
  const X = new Float32Array(d.rows * P);
  for (let n = 0; n < d.rows; n++) {
    X[n * P] = 1;
    for (let j = 0; j < d.cols; j++) X[n * P + j + 1] = d.X[n * d.cols + j]!;
  }
  const names = ['(intercept)', ...(d.names ?? Array.from({ length: d.cols }, (_, i) => `x${i + 1}`))];
  return { X, rows: d.rows, cols: P, y: d.y, names };
}

export function buildGlmModel(
  opts: Pick<FitGlmOptions, 'model' | 'data' | 'intercept' | 'priorScale' | 'noise'>,
): GlobalModel {
  checkGlmData(opts.data);
  const data = opts.intercept === false ? opts.data : withIntercept(opts.data);
  const mopts: { priorScale?: number; noise?: NoiseSpec } = {};
  if (opts.priorScale !== undefined) mopts.priorScale = opts.priorScale;
  if (opts.model === 'linear') {
    if (opts.noise) mopts.noise = opts.noise;
    return linearRegressionModel(data, mopts);
  }
  if (opts.model === 'logistic') return logisticRegressionModel(data, mopts);
  throw new RangeError(`Expected model "linear" or "logistic", got "${String(opts.model)}".`);
}

export function fitGlm(opts: FitGlmOptions): GlmFit {
  const t0 = Date.now();
  if (!Number.isInteger(opts.steps) || opts.steps < 1) throw new RangeError(`Expected steps ≥ 1, got ${opts.steps}`);
  const model = buildGlmModel(opts);
  const family = makeFamily(opts.family, model.dim, { initScale: opts.initScale ?? 0.1 });
  const objective = makeObjective(opts.objective, opts.training);
  // OptimiserSpec (the run-spec shape) is a subset of OptimiserConfig; its schedule runs over `steps`.
  const { schedule, ...rate } = opts.optimiser;
  const optimiser: OptimiserConfig = schedule ? { ...rate, schedule: runSchedule(schedule, opts.steps) } : rate;
  const every = opts.progressEvery ?? 50;
  const history: Array<{ step: number; bound: number }> = [];
  const fraction = opts.averageFraction ?? 0.25;
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`Expected averageFraction in [0, 1], got ${fraction}`);
  let params: VariableMap;
  let skipped = 0;
  let summary: LoopSummary | null = null;
  // Bound checkpoints every ⌈steps/100⌉ steps (the loop's default for a full-batch run), averaging the steps between.
  const convergenceOpts = opts.training?.convergence;
  let dispose: () => void;
  let gradVariance: GradVarianceArtifact | null = null;
  // One step per "epoch" (full batch) on the one loop; SVGD is its own step function on it.
  const progress = (step: number, bound: number, skippedSoFar: number): void => {
    if (step % every === 0 || step === opts.steps - 1) {
      history.push({ step, bound });
      opts.onProgress?.({ step: step + 1, steps: opts.steps, bound, skipped: skippedSoFar });
    }
  };
  try {
    if (family instanceof ParticleFamily) {
      const tr = svgdTrainable({ family, logProb: (z) => model.logJoint(z), seed: opts.seed, optimiser });
      dispose = () => releaseTrainable(tr);
      params = tr.params;
      try {
        const loop: TrainLoop = new TrainLoop(tr, {
          epochs: opts.steps,
          learningRate: optimiser.learningRate,
          onStep: (r) => progress(r.step, tr.lastPhiNorm, loop.nonFiniteSteps),
        });
        summary = runLoopSync(loop);
        skipped = summary.nonFiniteSteps;
      } catch (e) {
        dispose();
        throw e;
      }
    } else {
      const tr = sviTrainable({ family, model, objective, optimiser, seed: opts.seed });
      const st = tr.params;
      params = st;
      dispose = () => releaseTrainable(tr);
      // Gradient-variance checkpoints (full batch: one step is one unit) on the run's own estimator code.
      const gv = opts.gradientVariance;
      const checkpoints: GradVarianceCheckpoint[] = [];
      const schedule = gv
        ? gradVarianceSchedule({
            units: opts.steps,
            stepsPerUnit: 1,
            repeats: gv.repeats,
            estimators: objective.estimator === 'score' ? 2 : 1,
          })
        : null;
      const gvKey = fold(key(opts.seed), 0x9a7d);
      const measure = (step: number): void => {
        if (!gv) return;
        checkpoints.push(
          gradVarianceCheckpoint(step, 0, objective.estimator, (estimator) =>
            gradientVariance({
              family,
              params: st,
              model,
              objective: withEstimator(objective, estimator),
              repeats: gv.repeats,
              key: fold(gvKey, step),
              beta: tr.beta,
              baseline: tr.baseline,
            }),
          ),
        );
      };
      const tLoop = performance.now();
      // Polyak–Ruppert averaging over the last `fraction` of the steps.
      const avgFrom = fraction > 0 ? Math.floor(opts.steps * (1 - fraction)) : Infinity;
      const avg: Record<string, tf.Variable> = {};
      let count = 0;
      try {
        const loop: TrainLoop = new TrainLoop(tr, {
          epochs: opts.steps,
          learningRate: optimiser.learningRate,
          ...(convergenceOpts ? { convergence: convergenceOpts } : {}),
          onStep: (r) => {
            if (r.step >= avgFrom && !r.skipped) {
              count++;
              for (const [n, v] of Object.entries(st)) {
                const a = avg[n];
                if (!a) avg[n] = newVariable(tf.clone(v), false);
                else tf.tidy(() => a.assign(tf.add(a, tf.div(tf.sub(v, a), count))));
              }
            }
            progress(r.step, r.bound, loop.nonFiniteSteps);
            if (schedule?.isCheckpoint(r.step + 1)) measure(r.step + 1);
          },
        });
        summary = runLoopSync(loop);
        skipped = summary.nonFiniteSteps;
        if (gv) {
          const spent = checkpoints.reduce((a, c) => a + c.seconds, 0);
          const total = (performance.now() - tLoop) / 1000;
          gradVariance = {
            model: 'glm',
            estimator: objective.estimator,
            repeats: gv.repeats,
            rows: opts.data.rows,
            rowsFrom: 'all',
            checkpoints,
            overheadShare: total > 0 ? spent / total : null,
          };
        }
        if (count > 0) for (const [n, v] of Object.entries(st)) v.assign(avg[n]!);
      } catch (e) {
        dispose();
        throw e;
      } finally {
        disposeParams(avg);
      }
    }
  } catch (e) {
    model.dispose?.();
    throw e;
  }
  try {
    const S = opts.evaluationSamples ?? 2000;
    const evalKey = fold(key(opts.seed), 0x5eed);
    const moments = summarise(family, params, model, fold(evalKey, 1));
    const elbo = evaluateElbo(family, params, model, S, fold(evalKey, 2));
    const lw = tf.tidy(() => {
      const { z, logQ } = family.sample(fold(evalKey, 3), params, S);
      return tf.sub(model.logJoint(z), logQ);
    });
    const lwv = lw.dataSync();
    lw.dispose();
    // A fit that ended with parameters whose density is not finite diverged, whatever the last step's bound said.
    const bad = lwv.findIndex((v) => Number.isNaN(v) || v === Infinity);
    if (bad >= 0) {
      throw new DivergenceError(
        'non-finite',
        Math.max(0, (summary?.steps ?? opts.steps) - 1),
        `Training diverged: the fitted posterior gives a non-finite log density ratio (${lwv[bad]}) at the end of ` +
          `${summary?.steps ?? opts.steps} steps; lower the learning rate (e.g. by 10×) or set clipNorm (e.g. 10).`,
        lwv[bad]!,
      );
    }
    const ps = psis(lwv);
    const ev = importanceLogLikelihood(
      (k, n) =>
        tf.tidy(() => {
          const { z, logQ } = family.sample(k, params, n);
          return tf.reshape(tf.sub(model.logJoint(z), logQ), [n, 1]);
        }),
      { k: S, chunk: 500, key: fold(evalKey, 4) },
    );
    const out: GlmFit = {
      model: opts.model,
      family: opts.family.kind,
      objective: objective.label,
      names: [...model.names],
      mean: moments.mean,
      sd: moments.sd,
      finalElbo: elbo.elbo,
      finalElboSe: elbo.se,
      diagnostics: { psisKhat: ps.khat, ess: ps.ess, essRaw: ps.essRaw, logEvidence: ev.mean, samples: S },
      history,
      skippedSteps: skipped,
      steps: summary?.steps ?? opts.steps,
      convergence: summary?.convergence ?? null,
      convergedStop: summary?.convergedStop ?? false,
      seed: opts.seed,
      backend: activeBackend()?.name ?? tf.getBackend(),
      seconds: (Date.now() - t0) / 1000,
      posterior: savePosterior(family, params),
      gradVariance,
    };
    if (moments.noiseSigma) out.noiseSigma = moments.noiseSigma;
    const keep = opts.keepDraws ?? 0;
    if (!(Number.isInteger(keep) && keep >= 0)) throw new RangeError(`Expected keepDraws ≥ 0, got ${keep}`);
    if (keep > 0) {
      const z = tf.tidy(() => family.sample(fold(evalKey, 5), params, keep).z);
      out.draws = { n: keep, values: Float64Array.from(z.dataSync()) };
      z.dispose();
    }
    return out;
  } finally {
    dispose();
    model.dispose?.();
  }
}

function summarise(
  family: Family,
  params: VariableMap,
  model: GlobalModel,
  k: ReturnType<typeof key>,
): { mean: number[]; sd: number[]; noiseSigma?: { mean: number; sd: number } } {
  const m = family.moments(k, params, 4000);
  const out: { mean: number[]; sd: number[]; noiseSigma?: { mean: number; sd: number } } = {
    mean: Array.from(m.mean),
    sd: Array.from(m.sd),
  };
  const li = model.names.indexOf('log σ');
  if (li >= 0) {
    const z = tf.tidy(() => family.sample(k, params, 4000).z);
    const v = z.dataSync();
    z.dispose();
    const D = model.dim;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < 4000; i++) {
      const s = Math.exp(v[i * D + li]!);
      s1 += s;
      s2 += s * s;
    }
    const mean = s1 / 4000;
    out.noiseSigma = { mean, sd: Math.sqrt(Math.max(0, s2 / 4000 - mean * mean)) };
  }
  return out;
}
