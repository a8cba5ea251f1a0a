/**
 * First-order optimisers on named variables, with explicit, serialisable state.
 *   Adam (Kingma & Ba 2015): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − η_t m̂/(√v̂ + ε).
 *   SGD with momentum: u ← μu + g, θ ← θ − η_t u.
 * Step sizes: constant η_t = η, or Robbins–Monro η_t = η · (τ₀ + t)^(−κ) with κ ∈ (0.5, 1] and τ₀ ≥ 0
 * (Robbins & Monro 1951; the ρ_t of Hoffman et al. 2013 when η = 1), so Σ η_t = ∞ and Σ η_t² < ∞, or cosine
 * η_t = η (f + (1−f) · ½(1 + cos(π t / T))) from η down to f·η (default f = 0.01) over the run's T steps.
 * Gradients may be clipped to a maximum global norm (Pascanu et al. 2013) before the update.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorMap, VariableMap } from '../families/params.js';
import { newVariable } from '../families/params.js';
import type { LrScheduleSpec, OptimiserSpec } from '../../../src-shared/schemas/run-spec.js';

export type LrSchedule =
  | { kind: 'constant' }
  | { kind: 'robbins-monro'; tau0: number; kappa: number }
  /** Cosine decay over `totalSteps` updates to `floor` · η (default 0.01). */
  | { kind: 'cosine'; totalSteps: number; floor?: number };

export interface OptimiserConfig {
  kind: 'adam' | 'sgd';
  learningRate: number;
  /** SGD momentum μ ∈ [0, 1). */
  momentum?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Clip gradients to this global L2 norm. */
  clipNorm?: number;
  schedule?: LrSchedule;
}

export function validateSchedule(s: LrSchedule): void {
  if (s.kind === 'robbins-monro') {
    if (!(s.kappa > 0.5 && s.kappa <= 1)) {
      throw new RangeError(`Expected Robbins–Monro κ in (0.5, 1], got ${s.kappa}; κ ≤ 0.5 does not converge, try 0.7.`);
    }
    if (!(s.tau0 >= 0) || !Number.isFinite(s.tau0)) throw new RangeError(`Expected Robbins–Monro τ₀ ≥ 0, got ${s.tau0}; try 1 or 1024.`);
  }
  if (s.kind === 'cosine' && !(s.totalSteps >= 1)) {
    throw new RangeError(`Expected a cosine schedule over ≥ 1 step, got ${s.totalSteps}; pass the run's total steps.`);
  }
}

/** η_t for step t = 0, 1, … */
export function learningRateAt(t: number, lr: number, s: LrSchedule = { kind: 'constant' }): number {
  switch (s.kind) {
    case 'constant':
      return lr;
    case 'robbins-monro':
      return lr * Math.pow(s.tau0 + t + 1, -s.kappa);
    case 'cosine': {
      const f = s.floor ?? 0.01;
      return lr * (f + (1 - f) * 0.5 * (1 + Math.cos((Math.PI * t) / Math.max(1, s.totalSteps))));
    }
  }
}

/** The run spec's schedule for a run of `totalSteps` updates (the cosine schedule spans them). */
export function runSchedule(s: LrScheduleSpec | LrSchedule, totalSteps: number): LrSchedule {
  return s.kind === 'cosine' ? { ...s, totalSteps } : s;
}

/**
 * From the run-spec optimiser shape: the one place a spec's optimiser settings are read. `totalSteps` = the
 * updates the run will apply (the cosine schedule needs them).
 */
export function optimiserFromSpec(spec: OptimiserSpec, totalSteps?: number): OptimiserConfig {
  const c: OptimiserConfig = { kind: spec.kind, learningRate: spec.learningRate };
  if (spec.kind === 'sgd') c.momentum = spec.momentum;
  if (spec.clipNorm !== undefined) c.clipNorm = spec.clipNorm;
  if (spec.schedule.kind === 'cosine' && totalSteps === undefined) throw new RangeError('A cosine schedule needs the run\'s total steps.');
  if (spec.schedule.kind !== 'constant') c.schedule = runSchedule(spec.schedule, totalSteps ?? 1);
  return c;
}

/** Global L2 norm of a set of gradients (a float64 number; NaN/∞ if any entry is). */
export function globalNorm(grads: TensorMap): number {
  const t = tf.tidy(() => {
    const parts = Object.values(grads).map((g) => tf.sum(tf.square(g)));
    return parts.length ? tf.sqrt(tf.addN(parts)) : tf.scalar(0);
  });
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
}

export class Optimiser {
  readonly config: Required<Omit<OptimiserConfig, 'clipNorm'>> & { clipNorm: number | null };
  /** Number of updates applied. */
  t = 0;
  /** Moment slots over all parameters flattened in `names` order (one fused update instead of one per tensor). */
  private readonly slots: tf.Variable[];
  private readonly names: string[];
  private readonly sizes: number[];

  constructor(config: OptimiserConfig, readonly vars: VariableMap) {
    if (!(config.learningRate > 0) || !Number.isFinite(config.learningRate)) {
      throw new RangeError(`Expected a learning rate > 0, got ${config.learningRate}; try 1e-2 for Adam.`);
    }
    const momentum = config.momentum ?? 0.9;
    if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`Expected momentum in [0, 1), got ${momentum}`);
    if (config.clipNorm !== undefined && !(config.clipNorm > 0)) {
      throw new RangeError(`Expected clipNorm > 0, got ${config.clipNorm}; omit it to disable clipping.`);
    }
    const schedule = config.schedule ?? { kind: 'constant' };
    validateSchedule(schedule);
    this.config = {
      kind: config.kind,
      learningRate: config.learningRate,
      momentum,
      beta1: config.beta1 ?? 0.9,
      beta2: config.beta2 ?? 0.999,
      epsilon: config.epsilon ?? 1e-8,
      clipNorm: config.clipNorm ?? null,
      schedule,
    };
    this.names = Object.keys(vars);
    this.sizes = this.names.map((n) => vars[n]!.size);
    const total = this.sizes.reduce((a, b) => a + b, 0);
    this.slots = Array.from({ length: config.kind === 'adam' ? 2 : 1 }, () => newVariable(tf.zeros([total]), false));
  }

  currentLearningRate(): number {
    return learningRateAt(this.t, this.config.learningRate, this.config.schedule);
  }

  /**
   * Apply one update from gradients keyed like `vars` (already finite; see inference/svi.ts). Returns the
   * pre-clipping global norm. Does not dispose `grads`.
   */
  apply(grads: TensorMap, norm = globalNorm(grads)): number {
    const c = this.config;
    const scale = c.clipNorm !== null && norm > c.clipNorm ? c.clipNorm / norm : 1;
    const lr = this.currentLearningRate();
    this.t += 1;
    const t = this.t;
    if (this.names.length === 0) return norm;
    tf.tidy(() => {
      const flat = tf.concat(this.names.map((n) => (grads[n] ? tf.reshape(grads[n]!, [-1]) : tf.zeros([this.vars[n]!.size]))));
      const g = scale === 1 ? flat : tf.mul(flat, scale);
      let delta: tf.Tensor;
      if (c.kind === 'adam') {
        const m = this.slots[0]!;
        const u = this.slots[1]!;
        m.assign(tf.add(tf.mul(m, c.beta1), tf.mul(g, 1 - c.beta1)));
        u.assign(tf.add(tf.mul(u, c.beta2), tf.mul(tf.square(g), 1 - c.beta2)));
        const step = (lr * Math.sqrt(1 - Math.pow(c.beta2, t))) / (1 - Math.pow(c.beta1, t));
        const epsHat = c.epsilon * Math.sqrt(1 - Math.pow(c.beta2, t));
        delta = tf.mul(step, tf.div(m, tf.add(tf.sqrt(u), epsHat)));
      } else {
        const u = this.slots[0]!;
        u.assign(tf.add(tf.mul(u, c.momentum), g));
        delta = tf.mul(lr, u);
      }
      const parts = this.names.length === 1 ? [delta] : tf.split(delta, this.sizes);
      this.names.forEach((n, i) => {
        const v = this.vars[n]!;
        v.assign(tf.sub(v, tf.reshape(parts[i]!, v.shape)));
      });
    });
    return norm;
  }

  dispose(): void {
    for (const v of this.slots) v.dispose();
  }
}
