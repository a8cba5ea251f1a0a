/**
 * Stochastic variational inference on explicit state (the loop kept apart from family and bound, as Pyro's SVI):
 *   φ_{t+1} = φ_t − η_t · clip(ĝ_t),  ĝ_t an unbiased estimate of −∇_φ L(φ_t) from `objective.samples` draws
 * keyed by fold(runKey, t). A step whose loss or gradient is not finite is skipped (parameters untouched) and
 * counted; after `maxConsecutiveNonFinite` such steps in a row the run stops with NonFiniteError. Global models
 * only (models/common/model.ts); amortised models build their loss from the same families and bounds.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Key } from '../rng.js';
import { fold, key, split } from '../rng.js';
import type { Family } from '../families/family.js';
import type { VariableMap } from '../families/params.js';
import { disposeParams } from '../families/params.js';
import type { GlobalModel } from '../models/common/model.js';
import type { Objective } from '../objectives/objective.js';
import { lossAndGrads } from '../objectives/estimators.js';
import { klWeight } from '../objectives/schedules.js';
import type { OptimiserConfig } from '../optim/optimisers.js';
import { Optimiser, globalNorm } from '../optim/optimisers.js';

export class NonFiniteError extends Error {
  constructor(
    readonly steps: number,
    readonly atStep: number,
    detail: string,
  ) {
    super(
      `${steps} steps in a row (up to step ${atStep}) gave a non-finite loss or gradient (${detail}); the run was stopped ` +
        'before writing NaNs. Lower the learning rate, set clipNorm (e.g. 10), or check the model for log(0) / overflow.',
    );
    this.name = 'NonFiniteError';
  }
}

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

export interface SviState {
  readonly config: SviConfig;
  readonly params: VariableMap;
  readonly optimiser: Optimiser;
  readonly runKey: Key;
  step: number;
  skipped: number;
  consecutiveSkipped: number;
  baseline: number | null;
  lastBound: number;
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

export function sviInit(config: SviConfig): SviState {
  const { family, model } = config;
  if (!family.trainableBySvi) throw new Error(`The ${family.kind} family is not fitted by SVI; run inference/svgd.ts instead.`);
  if (family.dim !== model.dim) throw new RangeError(`Family dim ${family.dim} differs from model dim ${model.dim}; build the family with makeFamily(spec, model.dim).`);
  const max = config.maxConsecutiveNonFinite ?? 20;
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`Expected maxConsecutiveNonFinite ≥ 1, got ${max}`);
  const [kInit, kRun] = split(key(config.seed), 2);
  const params = config.initialParams ?? family.init(kInit!, 'global');
  return {
    config,
    params,
    optimiser: new Optimiser(config.optimiser, params),
    runKey: kRun!,
    step: 0,
    skipped: 0,
    consecutiveSkipped: 0,
    baseline: null,
    lastBound: NaN,
  };
}

export function sviStep(state: SviState): SviStepResult {
  const { family, model, objective } = state.config;
  const beta = klWeight(state.step, objective.beta, objective.anneal);
  const k = fold(state.runKey, state.step);
  const learningRate = state.optimiser.currentLearningRate();
  const r = lossAndGrads(k, state.params, { family, model, objective, beta, baseline: state.baseline });
  const gradNorm = globalNorm(r.grads);
  const finite = Number.isFinite(r.loss) && Number.isFinite(r.bound) && Number.isFinite(gradNorm);
  const step = state.step;
  state.step += 1;
  if (!finite) {
    disposeParams(r.grads);
    state.skipped += 1;
    state.consecutiveSkipped += 1;
    if (state.consecutiveSkipped >= (state.config.maxConsecutiveNonFinite ?? 20)) {
      throw new NonFiniteError(state.consecutiveSkipped, step, `loss ${r.loss}, bound ${r.bound}, gradient norm ${gradNorm}`);
    }
    return { step, bound: r.bound, loss: r.loss, gradNorm, skipped: true, learningRate, beta };
  }
  state.consecutiveSkipped = 0;
  state.optimiser.apply(r.grads, gradNorm);
  disposeParams(r.grads);
  state.lastBound = r.bound;
  state.baseline = state.baseline === null ? r.bound : 0.9 * state.baseline + 0.1 * r.bound;
  return { step, bound: r.bound, loss: r.loss, gradNorm, skipped: false, learningRate, beta };
}

/**
 * Monte Carlo ELBO (β = 1, no analytic KL) with `samples` draws from a dedicated key, and its standard error.
 */
export function sviEvaluate(state: SviState, opts: { samples?: number; seed?: number } = {}): { elbo: number; se: number } {
  return evaluateElbo(state.config.family, state.params, state.config.model, opts.samples ?? 1000, fold(state.runKey, 0x7fffffff ^ (opts.seed ?? 0)));
}

export function evaluateElbo(family: Family, params: VariableMap, model: GlobalModel, samples: number, k: Key): { elbo: number; se: number } {
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
  state.optimiser.dispose();
  disposeParams(state.params);
}

/** Run `steps` SVI steps with an optional progress callback every `every` steps. */
export function sviRun(
  state: SviState,
  steps: number,
  onProgress?: (r: SviStepResult) => void,
  every = 50,
): SviStepResult | null {
  let last: SviStepResult | null = null;
  for (let i = 0; i < steps; i++) {
    last = sviStep(state);
    if (onProgress && (last.step % every === 0 || i === steps - 1)) onProgress(last);
  }
  return last;
}
