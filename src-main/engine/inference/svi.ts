/**
 * Stochastic variational inference for a global model (models/common/model.ts) on the one loop (train-loop.ts):
 *   φ_{t+1} = φ_t − η_t · clip(ĝ_t),  ĝ_t an unbiased estimate of −∇_φ L(φ_t) from `objective.samples` draws
 * keyed by fold(runKey, t) (objectives/estimators.ts: pathwise or score function on logW [S, 1]). The loop skips
 * and counts non-finite steps and stops after `maxConsecutiveNonFinite` in a row with NonFiniteError. Parameters:
 * the family's variables φ; the loop knows no family or bound (Pyro's SVI).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Key } from '../rng.js';
import { fold, key, split } from '../rng.js';
import type { Family } from '../families/family.js';
import type { VariableMap } from '../families/params.js';
import { disposeParams } from '../families/params.js';
import type { GlobalModel } from '../models/common/model.js';
import type { Objective } from '../objectives/objective.js';
import { lossAndGrads, nextBaseline } from '../objectives/estimators.js';
import { klWeight } from '../objectives/schedules.js';
import type { OptimiserConfig } from '../optim/optimisers.js';
import { Optimiser, globalNorm } from '../optim/optimisers.js';
import type { StepInput, StepOutcome, VariableTrainable } from './train-loop.js';
import { MAX_NONFINITE_STREAK, Stepper } from './train-loop.js';

export { NonFiniteError } from './train-loop.js';

export interface SviConfig {
  family: Family;
  model: GlobalModel;
  objective: Objective;
  optimiser: OptimiserConfig;
  seed: number;
  /** Stop after this many non-finite steps in a row (default 20). */
  maxConsecutiveNonFinite?: number;
  /** Start from these parameters instead of the family's initialisation (ownership passes to the state). */
  initialParams?: VariableMap;
}

export interface SviStepResult {
  step: number;
  bound: number;
  loss: number;
  gradNorm: number;
  skipped: boolean;
  learningRate: number;
  beta: number;
}

/** The global model's step on the loop: loss, bound and gradients at fold(runKey, t); the update on commit. */
export class SviTrainable implements VariableTrainable<null> {
  baseline: number | null = null;
  lastBound = NaN;
  /** β and η of the last step (for progress). */
  beta = 1;
  learningRate = NaN;

  constructor(
    readonly config: SviConfig,
    readonly params: VariableMap,
    readonly optimiser: Optimiser,
    readonly runKey: Key,
  ) {}

  step({ step }: StepInput): StepOutcome {
    const { family, model, objective } = this.config;
    this.beta = klWeight(step, objective.beta, objective.anneal);
    this.learningRate = this.optimiser.currentLearningRate();
    const r = lossAndGrads(fold(this.runKey, step), this.params, {
      family,
      model,
      objective,
      beta: this.beta,
      baseline: this.baseline,
    });
    const gradNorm = globalNorm(r.grads);
    return {
      loss: r.loss,
      bound: r.bound,
      gradNorm,
      commit: () => {
        this.optimiser.apply(r.grads, gradNorm);
        disposeParams(r.grads);
        this.lastBound = r.bound;
        this.baseline = nextBaseline(this.baseline, r.bound);
      },
      discard: () => disposeParams(r.grads),
    };
  }
}

/** SVI driven one step at a time (tests, benchmarks); fitGlm runs the same trainable through the loop. */
export class SviState extends Stepper<SviTrainable, null> {
  constructor(trainable: SviTrainable) {
    super(trainable, {
      maxConsecutiveNonFinite: trainable.config.maxConsecutiveNonFinite,
      learningRate: trainable.config.optimiser.learningRate,
    });
  }
  get config(): SviConfig {
    return this.trainable.config;
  }
  get runKey(): Key {
    return this.trainable.runKey;
  }
  get lastBound(): number {
    return this.trainable.lastBound;
  }
}

/** The trainable of a global model: validated family and model, initial parameters, optimiser, run key. */
export function sviTrainable(config: SviConfig): SviTrainable {
  const { family, model } = config;
  if (!family.trainableBySvi)
    throw new Error(`The ${family.kind} family is not fitted by SVI; run inference/svgd.ts instead.`);
  if (family.dim !== model.dim)
    throw new RangeError(
      `Family dim ${family.dim} differs from model dim ${model.dim}; build the family with makeFamily(spec, model.dim).`,
    );
  const max = config.maxConsecutiveNonFinite ?? MAX_NONFINITE_STREAK;
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`Expected maxConsecutiveNonFinite ≥ 1, got ${max}`);
  const [kInit, kRun] = split(key(config.seed), 2);
  const params = config.initialParams ?? family.init(kInit!, 'global');
  let optimiser: Optimiser;
  try {
    optimiser = new Optimiser(config.optimiser, params);
  } catch (e) {
    if (!config.initialParams) disposeParams(params);
    throw e;
  }
  return new SviTrainable(config, params, optimiser, kRun!);
}

export function sviInit(config: SviConfig): SviState {
  return new SviState(sviTrainable(config));
}

export function sviStep(state: SviState): SviStepResult {
  const t = state.trainable;
  const r = state.loop.advance()!;
  return {
    step: r.step,
    bound: r.bound,
    loss: r.loss,
    gradNorm: r.gradNorm ?? NaN,
    skipped: r.skipped,
    learningRate: t.learningRate,
    beta: t.beta,
  };
}

/**
 * Monte Carlo ELBO (β = 1, no analytic KL) with `samples` draws from a dedicated key, and its standard error.
 */
export function sviEvaluate(
  state: SviState,
  opts: { samples?: number; seed?: number } = {},
): { elbo: number; se: number } {
  return evaluateElbo(
    state.config.family,
    state.params,
    state.config.model,
    opts.samples ?? 1000,
    fold(state.runKey, 0x7fffffff ^ (opts.seed ?? 0)),
  );
}

export function evaluateElbo(
  family: Family,
  params: VariableMap,
  model: GlobalModel,
  samples: number,
  k: Key,
): { elbo: number; se: number } {
  const logW = tf.tidy(() => {
    const { z, logQ } = family.sample(k, params, samples);
    return tf.sub(model.logJoint(z), logQ);
  });
  const v = logW.dataSync();
  logW.dispose();
  let m = 0;
  for (const x of v) m += x / v.length;
  let s2 = 0;
  for (const x of v) s2 += (x - m) ** 2 / Math.max(1, v.length - 1);
  return { elbo: m, se: Math.sqrt(s2 / v.length) };
}

export function sviDispose(state: SviState): void {
  state.dispose();
}
