/**
 * The one optimiser module: first-order updates with explicit state, for tensors (tfjs variables) and for float64
 * vectors (the BNN kernel), sharing the step-size schedule, the clipping and Adam's bias correction.
 *   Adam (Kingma & Ba 2015): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − η_t m̂/(√v̂ + ε),
 *     computed as θ ← θ − α_t m/(√v + ε̂_t) with α_t = η_t √(1−β₂ᵗ)/(1−β₁ᵗ), ε̂_t = ε √(1−β₂ᵗ) (Algorithm 1, §2).
 *   SGD with momentum: u ← μu + g, θ ← θ − η_t u.
 * Step sizes η_t (t = updates applied so far): constant η; Robbins–Monro η · (τ₀ + t + 1)^(−κ) with κ ∈ (0.5, 1],
 * τ₀ ≥ 0 (Robbins & Monro 1951; the ρ_t of Hoffman et al. 2013 when η = 1), so Σ η_t = ∞ and Σ η_t² < ∞; cosine
 * η (f + (1−f) · ½(1 + cos(π t / T))) from η down to f·η over T steps (Loshchilov & Hutter 2017, no restarts).
 * Gradients may be clipped to a maximum global L2 norm (Pascanu et al. 2013) before the update. Shapes: one
 * gradient per variable, shaped like it; the float64 form takes θ and g as flat vectors [P].
 */
import * as tf from '@tensorflow/tfjs-core';
import { nativeAdam } from '../kernels/native-adam';
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

export type ResolvedOptimiserConfig = Required<Omit<OptimiserConfig, 'clipNorm'>> & { clipNorm: number | null };

export function validateSchedule(s: LrSchedule): void {
  if (s.kind === 'robbins-monro') {
    if (!(s.kappa > 0.5 && s.kappa <= 1)) {
      throw new RangeError(`Expected Robbins–Monro κ in (0.5, 1], got ${s.kappa}; κ ≤ 0.5 does not converge, try 0.7.`);
    }
    if (!(s.tau0 >= 0) || !Number.isFinite(s.tau0))
      throw new RangeError(`Expected Robbins–Monro τ₀ ≥ 0, got ${s.tau0}; try 1 or 1024.`);
  }
  if (s.kind === 'cosine') {
    if (!(s.totalSteps >= 1))
      throw new RangeError(
        `Expected a cosine schedule over ≥ 1 step, got ${s.totalSteps}; pass the run's total steps.`,
      );
    const f = s.floor ?? 0.01;
    if (!(f >= 0 && f <= 1)) throw new RangeError(`Expected a cosine floor in [0, 1], got ${f}; try 0.01.`);
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
  if (spec.schedule.kind === 'cosine' && totalSteps === undefined)
    throw new RangeError("A cosine schedule needs the run's total steps.");
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

/** ‖g‖₂ of a float64 vector. */
export function vectorNorm(g: ArrayLike<number>): number {
  let n2 = 0;
  for (let i = 0; i < g.length; i++) n2 += g[i]! * g[i]!;
  return Math.sqrt(n2);
}

/**
 * What every optimiser shares: the validated configuration, the update count t, the schedule, the clipping factor
 * and Adam's bias-corrected step α_t and ε̂_t. Subclasses hold the moment slots and apply one update.
 */
export abstract class OptimiserBase {
  readonly config: ResolvedOptimiserConfig;
  /** Number of updates applied. */
  t = 0;

  constructor(config: OptimiserConfig) {
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
  }

  currentLearningRate(): number {
    return learningRateAt(this.t, this.config.learningRate, this.config.schedule);
  }

  /** Factor the gradient is multiplied by before the update (1 unless clipping applies). */
  clipScale(norm: number): number {
    const c = this.config.clipNorm;
    return c !== null && norm > c ? c / norm : 1;
  }

  /**
   * Start one update: advance t and return this update's coefficients — for Adam α_t (`step`) and ε̂_t, for SGD
   * the learning rate η_t (`step`) — and the clipping factor.
   */
  protected begin(norm: number): { step: number; epsHat: number; scale: number } {
    const c = this.config;
    const lr = this.currentLearningRate();
    this.t += 1;
    const scale = this.clipScale(norm);
    if (c.kind === 'sgd') return { step: lr, epsHat: 0, scale };
    const c2 = Math.sqrt(1 - Math.pow(c.beta2, this.t));
    return { step: (lr * c2) / (1 - Math.pow(c.beta1, this.t)), epsHat: c.epsilon * c2, scale };
  }
}

/** Variables at or above this many entries in total get one moment slot each (no per-step concat/split copy). */
const FUSED_MAX_SIZE = 1 << 16;

/** The optimiser on tfjs variables (global families, SVGD particles, VAE networks, BNN blocks). */
export class Optimiser extends OptimiserBase {
  /**
   * Small parameter sets (many tiny tensors: GLM families, flows) are updated as one flat vector — one fused update
   * instead of one per tensor; large ones (the VAE's ~640k weights) keep a slot per variable, since flattening
   * would copy every gradient twice per step.
   */
  private readonly fused: boolean;
  /** Fused: [m, v] (Adam) or [u] (SGD) over all parameters; else the same per variable, in `names` order. */
  private readonly slots: tf.Variable[][];
  private readonly names: string[];
  private readonly sizes: number[];
  /** Adam's running β₁^t and β₂^t in float32, as tfjs keeps them, and this update's 1 − β^t. */
  private acc1: number;
  private acc2: number;
  private oneMinusAcc1 = 1;
  private oneMinusAcc2 = 1;

  constructor(
    config: OptimiserConfig,
    readonly vars: VariableMap,
  ) {
    super(config);
    this.acc1 = Math.fround(this.config.beta1);
    this.acc2 = Math.fround(this.config.beta2);
    this.names = Object.keys(vars);
    this.sizes = this.names.map((n) => vars[n]!.size);
    const total = this.sizes.reduce((a, b) => a + b, 0);
    this.fused = total < FUSED_MAX_SIZE;
    const nSlots = config.kind === 'adam' ? 2 : 1;
    const shapes = this.fused ? [[total]] : this.names.map((n) => vars[n]!.shape);
    this.slots = shapes.map((s) => Array.from({ length: nSlots }, () => newVariable(tf.zeros(s), false)));
  }

  /**
   * Apply one update from gradients keyed like `vars` (already finite; the loop checks). `norm`: their global norm
   * if the caller has it (computed here only when clipping needs it). Does not dispose `grads`.
   */
  apply(grads: TensorMap, norm: number | null = null): void {
    const lr = this.currentLearningRate();
    const begun = this.begin(norm ?? (this.config.clipNorm === null ? 0 : globalNorm(grads)));
    const { scale } = begun;
    // Adam on tensors divides by 1 − β^t itself (tfjs' order of operations), so its step is η_t.
    const step = this.config.kind === 'adam' ? lr : begun.step;
    if (this.config.kind === 'adam') {
      this.oneMinusAcc1 = Math.fround(1 - this.acc1);
      this.oneMinusAcc2 = Math.fround(1 - this.acc2);
      this.acc1 = Math.fround(this.acc1 * Math.fround(this.config.beta1));
      this.acc2 = Math.fround(this.acc2 * Math.fround(this.config.beta2));
    }
    if (this.names.length === 0) return;
    tf.tidy(() => {
      if (this.fused) {
        const flat = tf.concat(
          this.names.map((n) => (grads[n] ? tf.reshape(grads[n]!, [-1]) : tf.zeros([this.vars[n]!.size]))),
        );
        const delta = this.delta(this.slots[0]!, scale === 1 ? flat : tf.mul(flat, scale), step);
        const parts = this.names.length === 1 ? [delta] : tf.split(delta, this.sizes);
        this.names.forEach((n, i) => {
          const v = this.vars[n]!;
          v.assign(tf.sub(v, tf.reshape(parts[i]!, v.shape)));
        });
      } else {
        this.names.forEach((n, i) => {
          const v = this.vars[n]!;
          const g = grads[n] ?? tf.zerosLike(v); // as the fused path: an absent gradient is zero, the moments decay
          const gs = scale === 1 ? g : tf.mul(g, scale);
          const c = this.config;
          // With the native kernels, Adam is one call per tensor (same float32 operations; kernels/native-adam.ts).
          if (c.kind === 'adam') {
            const [m, u] = this.slots[i] as [tf.Variable, tf.Variable];
            const coeffs = {
              beta1: c.beta1,
              beta2: c.beta2,
              oneMinusAcc1: this.oneMinusAcc1,
              oneMinusAcc2: this.oneMinusAcc2,
              epsilon: c.epsilon,
              step,
            };
            if (nativeAdam(v, m, u, gs, coeffs)) return;
          }
          v.assign(tf.sub(v, this.delta(this.slots[i]!, gs, step)));
        });
      }
    });
  }

  /** Update the moment slots from gradient g and return the parameter change (subtracted from θ). */
  private delta(slots: tf.Variable[], g: tf.Tensor, step: number): tf.Tensor {
    const c = this.config;
    if (c.kind === 'adam') {
      const [m, u] = slots as [tf.Variable, tf.Variable];
      m.assign(tf.add(tf.mul(m, c.beta1), tf.mul(g, 1 - c.beta1)));
      u.assign(tf.add(tf.mul(u, c.beta2), tf.mul(tf.square(g), 1 - c.beta2)));
      // m̂ / (√v̂ + ε) in the order of tfjs' AdamOptimizer, with its float32 running β^t, so a run trained before the
      // engine owned the optimiser reproduces to the bit (step = η_t here; see begin()).
      const mHat = tf.div(m, this.oneMinusAcc1);
      const vHat = tf.div(u, this.oneMinusAcc2);
      return tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), c.epsilon)), step);
    }
    const u = slots[0]!;
    u.assign(tf.add(tf.mul(u, c.momentum), g));
    return tf.mul(step, u);
  }

  dispose(): void {
    for (const s of this.slots) for (const v of s) v.dispose();
  }
}

/**
 * The same optimiser on a flat float64 vector θ [P] (the BNN's hand-written kernel, where tfjs dispatch would cost
 * more than the arithmetic). Same schedule, clipping and bias correction as `Optimiser`, in float64.
 */
export class FlatOptimiser extends OptimiserBase {
  private readonly m: Float64Array;
  private readonly v: Float64Array;

  constructor(
    config: OptimiserConfig,
    readonly size: number,
  ) {
    super(config);
    this.m = new Float64Array(size);
    this.v = new Float64Array(config.kind === 'adam' ? size : 0);
  }

  /** θ ← θ − update(g) in place; returns the pre-clipping norm. The caller checks finiteness first. */
  apply(theta: Float64Array, g: ArrayLike<number>, norm = vectorNorm(g)): number {
    if (theta.length !== this.size || g.length !== this.size) {
      throw new RangeError(`Expected θ and g of length ${this.size}, got ${theta.length} and ${g.length}`);
    }
    const { step, epsHat, scale } = this.begin(norm);
    const c = this.config;
    const m = this.m;
    if (c.kind === 'adam') {
      const v = this.v;
      const b1 = c.beta1;
      const b2 = c.beta2;
      for (let i = 0; i < g.length; i++) {
        const gi = g[i]! * scale;
        m[i] = b1 * m[i]! + (1 - b1) * gi;
        v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
        theta[i]! -= (step * m[i]!) / (Math.sqrt(v[i]!) + epsHat);
      }
    } else {
      for (let i = 0; i < g.length; i++) {
        m[i] = c.momentum * m[i]! + g[i]! * scale;
        theta[i]! -= step * m[i]!;
      }
    }
    return norm;
  }
}
