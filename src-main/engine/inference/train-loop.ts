/**
 * The one training loop (the loop kept apart from family, bound and optimiser, as Pyro's `SVI`): for epoch e = 1..E,
 * the rows 0..n−1 in the order permutation(fold(shuffleKey, e), n) are cut into minibatches of B (the last one
 * shorter), and each step t asks the model's `Trainable` for its loss, bound and gradients on one minibatch, then
 * lets it apply them:
 *   φ_{t+1} = update(φ_t, ĝ_t),   ĝ_t a stochastic gradient of −L(φ_t) on minibatch b_t.
 * Without minibatches (global models: GLM, SVGD particles) an epoch is one full-batch step.
 *
 * The loop owns what every model shares: yielding to the event loop at least every `yieldMs` (so a worker hears
 * "cancel"), `shouldStop`, the non-finite policy (a step whose loss, bound or gradient norm is not finite is
 * discarded — parameters untouched — and counted; `maxConsecutiveNonFinite` in a row throw one NonFiniteError naming
 * the step, the values and the fix), the end-of-epoch checkpoint (`evaluate` → a score, higher is better), early
 * stopping with patience and the restore of the best snapshot, and progress (onStep, onEpoch).
 *
 * Bound checkpoints (run verdicts, issue 14): the finite step bounds since the previous checkpoint are averaged into
 * one smoothed bound L_c — at each epoch's end with minibatches, every `checkpointSteps` steps without (default
 * ⌈steps/100⌉, as Stan's ADVI evaluates its ELBO every `eval_elbo` iterations). On them:
 *   convergence (diagnostics/convergence.ts, Kucukelbir et al. 2017 §3.5): the mean or median of the last `window`
 *     relative changes |ΔL_c / L_c| below `tolerance`; with `stopWhenConverged` the run ends there (a full window
 *     of changes is required first);
 *   explosion: L_c < B − EXPLOSION_FACTOR · S (100), where B is the best level so far (the first step's bound — the
 *     initial model — or the best checkpoint) and S = max(|B|, |L_0|, 1) the magnitude of the bounds the run has
 *     shown. A smoothed average of a healthy run varies by a fraction of S (Monte Carlo noise, a plateau, a
 *     learning-rate bump); a fall of two orders of magnitude is an optimiser thrown out of the basin (too large a
 *     step), and the run stops with a DivergenceError('exploded') naming the step, the value and the fix. Measured:
 *     a full-rank GLM (506 × 13, collinear) at Adam 0.05 falls to −9.8e4 from −950 at step 630; let run on, it ends
 *     with NaN importance ratios — the fall was no transient.
 * `bounds` keeps every step's bound (NaN when skipped); onStep may throw a DivergenceError to stop a run; `evaluate`
 * receives the loop at each epoch's checkpoint.
 */
import type { Key } from '../rng.js';
import { fold, permutation } from '../rng.js';
import type { VariableMap } from '../families/params.js';
import { disposeParams } from '../families/params.js';
import { convergence, type Convergence } from '../diagnostics/convergence.js';

/** A run stopped because training went astray; `kind` says how (issue 14 adds an exploding bound). */
export class DivergenceError extends Error {
  /** What the loop had done when it stopped (set by runLoop / runLoopSync): the run's counters stay honest. */
  counters: { steps: number; nonFiniteSteps: number } | null = null;
  constructor(
    readonly kind: 'non-finite' | 'exploded',
    readonly atStep: number,
    message: string,
    /** The bound (or loss) at that step: NaN/±∞ for non-finite, a huge finite value for an explosion. */
    readonly value: number = Number.NaN,
  ) {
    super(message);
    this.name = 'DivergenceError';
  }
}

/** `steps` steps in a row up to `atStep` (0-based) gave a non-finite loss, bound or gradient. */
export class NonFiniteError extends DivergenceError {
  constructor(
    readonly steps: number,
    atStep: number,
    readonly last: { loss: number; bound: number | undefined; gradNorm: number | null },
    learningRate: number | undefined,
  ) {
    const lr = learningRate === undefined ? '' : ` (now ${learningRate})`;
    const bound = last.bound === undefined ? '' : `, bound ${last.bound}`;
    const norm = last.gradNorm === null ? '' : `, gradient norm ${last.gradNorm}`;
    super(
      'non-finite',
      atStep,
      `Training diverged: the loss was not finite for ${steps} steps in a row; lower the learning rate${lr} or set ` +
        `clipNorm (e.g. 10), or check the model for log(0) / overflow. Step ${atStep} gave loss ${last.loss}${bound}${norm}; ` +
        'the run was stopped before writing NaNs.',
      last.bound ?? last.loss,
    );
    this.name = 'NonFiniteError';
  }
}

/** How far below its best a smoothed bound may fall, in magnitudes of the run's bounds, before it has exploded. */
export const EXPLOSION_FACTOR = 100;

/** The smoothed bound fell EXPLOSION_FACTOR magnitudes below its best level (module comment). */
export class ExplodedError extends DivergenceError {
  constructor(
    atStep: number,
    value: number,
    readonly best: number,
    learningRate: number | undefined,
  ) {
    const lr = learningRate === undefined ? '' : ` (now ${learningRate})`;
    super(
      'exploded',
      atStep,
      `Training diverged: at step ${atStep + 1} the bound averaged ${value.toExponential(3)}, more than ` +
        `${EXPLOSION_FACTOR}× its own scale below its best level ${best.toPrecision(4)}; lower the learning rate${lr} ` +
        'by 10× or set clipNorm (e.g. 10). The run was stopped; its parameters are not a fit.',
      value,
    );
    this.name = 'ExplodedError';
  }
}

/** Options for the bound checkpoints (module comment); tolerance and window as diagnostics/convergence.ts. */
export interface LoopConvergence {
  tolerance?: number;
  window?: number;
  /** End the run at the first checkpoint at which it has converged over a full window. */
  stopWhenConverged?: boolean;
  /** Steps between checkpoints without minibatches (default ⌈epochs/100⌉, or 10 for a run without end). */
  checkpointSteps?: number;
}

/** What a model computed at one step; the gradients wait inside until the loop commits or discards them. */
export interface StepOutcome {
  /** The minimised loss (per datum or per batch, as the model reports it). */
  loss: number;
  /** The bound this step estimates (omitted where there is none, e.g. SVGD). */
  bound?: number;
  /** Global L2 norm of the gradient (NaN/∞ when an entry is); null when the model checked only finiteness. */
  gradNorm: number | null;
  /** With gradNorm null: whether every gradient entry is finite. */
  gradFinite?: boolean;
  /** Apply the update (called only for a finite step). */
  commit(): void;
  /** Drop the gradients (a non-finite step). */
  discard(): void;
}

export interface StepInput {
  /** 0-based step index over the run. */
  step: number;
  /** 1-based epoch. */
  epoch: number;
  /** This minibatch's row indices into 0..n−1 (a view, valid during the call); null for a full-batch step. */
  rows: Int32Array | null;
}

/** A model as the loop sees it. Snapshots are only taken when early stopping keeps the best epoch. */
export interface Trainable<Snap = unknown> {
  step(s: StepInput): StepOutcome;
  snapshot?(): Snap;
  restore?(s: Snap): void;
  disposeSnapshot?(s: Snap): void;
}

export interface StepReport {
  step: number;
  epoch: number;
  loss: number;
  bound: number;
  gradNorm: number | null;
  skipped: boolean;
}

export interface EpochReport {
  epoch: number;
  /** Mean loss over the epoch's finite steps (NaN if none). */
  meanLoss: number;
  /** The checkpoint's score (null without evaluation). */
  score: number | null;
  /** Wall time of the epoch including evaluation, and of its steps alone. */
  seconds: number;
  stepSeconds: number;
}

export interface LoopConfig {
  /** Epochs (or, without minibatches, steps); Infinity runs until stopped (steps driven by `advance`). */
  epochs: number;
  /** Seeded minibatches over n rows; omitted: one full-batch step per epoch. */
  batches?: { n: number; batchSize: number; shuffleKey: Key };
  /** Non-finite steps in a row before the run stops (default 20). */
  maxConsecutiveNonFinite?: number;
  /** The learning rate, named in the divergence message. */
  learningRate?: number;
  /** Checkpoint after each epoch: a score to maximise (e.g. validation ELBO), or null. */
  evaluate?(epoch: number, loop: TrainLoop): number | null;
  /**
   * Early stopping on the checkpoint score: stop after `patience` epochs without a better score (0 = never stop
   * early); with `restoreBest` the parameters of the best epoch are snapshotted and restored at the end.
   */
  earlyStopping?: { patience: number; restoreBest: boolean };
  /** After every step (skipped ones too, before a divergence error). May throw to stop the run. */
  onStep?(r: StepReport): void;
  onEpoch?(r: EpochReport): void;
  /** Checked before every step; true ends the run (stopped). */
  shouldStop?(): boolean;
  /** Longest stretch without yielding to the event loop, in ms (async driver; default 25). */
  yieldMs?: number;
  /** Bound checkpoints: convergence and stop-when-converged (explosion is always checked). */
  convergence?: LoopConvergence;
}

export interface LoopSummary {
  steps: number;
  /** Epochs completed. */
  epochs: number;
  nonFiniteSteps: number;
  stopped: boolean;
  earlyStopped: boolean;
  /** Epoch whose parameters are kept (the best score with restoreBest, else the last completed). */
  bestEpoch: number;
  bestScore: number | null;
  epochSeconds: number[];
  stepSeconds: number[];
  /** Smoothed bounds at the checkpoints (empty for models without a bound, e.g. SVGD). */
  checkpointBounds: number[];
  /** Converged or still improving at the end; null without at least two checkpoints of a bound. */
  convergence: Convergence | null;
  /** The run ended because it had converged (stopWhenConverged). */
  convergedStop: boolean;
}

export const MAX_NONFINITE_STREAK = 20;
export const YIELD_MS = 25;

export class TrainLoop<Snap = unknown> {
  step = 0;
  /** Epochs completed. */
  epoch = 0;
  nonFiniteSteps = 0;
  streak = 0;
  stopped = false;
  earlyStopped = false;
  convergedStop = false;
  /** Smoothed bound at each checkpoint. */
  readonly checkpointBounds: number[] = [];
  /** Every step's bound (NaN for skipped steps and models without one): the window for convergence checks. */
  readonly bounds: number[] = [];
  readonly epochSeconds: number[] = [];
  readonly stepSeconds: number[] = [];
  private best: { epoch: number; score: number; snap: Snap | null } | null = null;
  private order: Int32Array | null = null;
  private batch = 0;
  private readonly stepsPerEpoch: number;
  private readonly maxStreak: number;
  private epochStart = 0;
  private lossSum = 0;
  private lossCount = 0;
  private done = false;
  private readonly checkpointSteps: number;
  private cpSum = 0;
  private cpCount = 0;
  private initialBound = Number.NaN;
  private bestBound = Number.NaN;

  constructor(
    readonly trainable: Trainable<Snap>,
    readonly config: LoopConfig,
  ) {
    const b = config.batches;
    if (!(config.epochs >= 0)) throw new RangeError(`Expected epochs ≥ 0, got ${config.epochs}`);
    if (b && !(Number.isInteger(b.batchSize) && b.batchSize >= 1))
      throw new RangeError(`Expected a batch size ≥ 1, got ${b.batchSize}`);
    if (b && !(b.n >= 1)) throw new RangeError(`Expected at least one training row, got ${b.n}`);
    this.stepsPerEpoch = b ? Math.ceil(b.n / Math.min(b.batchSize, b.n)) : 1;
    this.maxStreak = config.maxConsecutiveNonFinite ?? MAX_NONFINITE_STREAK;
    if (!Number.isInteger(this.maxStreak) || this.maxStreak < 1) {
      throw new RangeError(`Expected maxConsecutiveNonFinite ≥ 1, got ${this.maxStreak}`);
    }
    const cv = config.convergence;
    this.checkpointSteps = b
      ? this.stepsPerEpoch
      : (cv?.checkpointSteps ?? (Number.isFinite(config.epochs) ? Math.max(1, Math.ceil(config.epochs / 100)) : 10));
    if (!Number.isInteger(this.checkpointSteps) || this.checkpointSteps < 1)
      throw new RangeError(`Expected checkpointSteps ≥ 1, got ${this.checkpointSteps}`);
    // Checked here so a bad tolerance or window fails before the first step, not at the end.
    convergence([], { tolerance: cv?.tolerance, window: cv?.window });
    const es = config.earlyStopping;
    if (es && (es.restoreBest || es.patience > 0) && !config.evaluate) {
      throw new Error('Early stopping needs an evaluate() checkpoint score; pass evaluate or drop earlyStopping.');
    }
    if (es?.restoreBest && !(trainable.snapshot && trainable.restore)) {
      throw new Error(
        'restoreBest needs a trainable with snapshot() and restore(); add them or set restoreBest false.',
      );
    }
  }

  get finished(): boolean {
    return this.done;
  }

  /**
   * One step (and, when it closes an epoch, the checkpoint). Returns the step's report, or null once the run has
   * ended (all epochs, early stop, or shouldStop). Throws NonFiniteError on a streak of non-finite steps.
   */
  advance(): StepReport | null {
    if (this.done) return null;
    if (this.epoch >= this.config.epochs) return this.end();
    if (this.config.shouldStop?.()) {
      this.stopped = true;
      return this.end();
    }
    const c = this.config;
    const epoch = this.epoch + 1;
    if (this.batch === 0) {
      this.epochStart = performance.now();
      this.lossSum = 0;
      this.lossCount = 0;
      if (c.batches) this.order = permutation(fold(c.batches.shuffleKey, epoch), c.batches.n);
    }
    let rows: Int32Array | null = null;
    if (c.batches && this.order) {
      const B = Math.min(c.batches.batchSize, c.batches.n);
      rows = this.order.subarray(this.batch * B, Math.min(c.batches.n, (this.batch + 1) * B));
    }
    const step = this.step;
    const out = this.trainable.step({ step, epoch, rows });
    this.step += 1;
    const finite =
      Number.isFinite(out.loss) &&
      (out.bound === undefined || Number.isFinite(out.bound)) &&
      (out.gradNorm !== null ? Number.isFinite(out.gradNorm) : out.gradFinite !== false);
    if (finite) {
      out.commit();
      this.streak = 0;
      this.lossSum += out.loss;
      this.lossCount += 1;
    } else {
      out.discard();
      this.nonFiniteSteps += 1;
      this.streak += 1;
    }
    const bound = out.bound ?? Number.NaN;
    this.bounds.push(finite ? bound : Number.NaN);
    if (finite && out.bound !== undefined) {
      if (Number.isNaN(this.initialBound)) this.initialBound = this.bestBound = out.bound;
      this.cpSum += out.bound;
      this.cpCount += 1;
    }
    const report: StepReport = { step, epoch, loss: out.loss, bound, gradNorm: out.gradNorm, skipped: !finite };
    c.onStep?.(report);
    if (this.streak >= this.maxStreak) {
      this.done = true;
      throw new NonFiniteError(
        this.streak,
        step,
        { loss: out.loss, bound: out.bound, gradNorm: out.gradNorm },
        c.learningRate,
      );
    }
    // Minibatch runs check the bound at each epoch's end, full-batch runs every checkpointSteps steps.
    const atCheckpoint = c.batches ? this.batch + 1 >= this.stepsPerEpoch : this.step % this.checkpointSteps === 0;
    const converged = atCheckpoint && this.checkpoint(step);
    this.batch += 1;
    if (this.batch >= this.stepsPerEpoch) this.endEpoch(epoch);
    if (converged && !this.done) {
      this.convergedStop = true;
      this.end();
    }
    return report;
  }

  /**
   * Close a bound checkpoint at `step`: record the smoothed bound, throw ExplodedError when it fell far below the
   * best level; true when the run has converged over a full window and asks to stop then.
   */
  private checkpoint(step: number): boolean {
    if (this.cpCount === 0) return false;
    const level = this.cpSum / this.cpCount;
    this.cpSum = 0;
    this.cpCount = 0;
    this.checkpointBounds.push(level);
    const best = this.bestBound;
    const scale = Math.max(Math.abs(best), Math.abs(this.initialBound), 1);
    if (level < best - EXPLOSION_FACTOR * scale) {
      this.done = true;
      throw new ExplodedError(step, level, best, this.config.learningRate);
    }
    if (level > best) this.bestBound = level;
    const cv = this.config.convergence;
    if (!cv?.stopWhenConverged) return false;
    const window = cv.window ?? 5;
    if (this.checkpointBounds.length <= window) return false;
    return convergence(this.checkpointBounds, { tolerance: cv.tolerance, window }).converged;
  }

  /** Converged or still improving over the checkpoints so far (null with fewer than two). */
  convergence(): Convergence | null {
    if (this.checkpointBounds.length < 2) return null;
    const cv = this.config.convergence;
    return convergence(this.checkpointBounds, { tolerance: cv?.tolerance, window: cv?.window });
  }

  private endEpoch(epoch: number): void {
    const c = this.config;
    this.batch = 0;
    const tSteps = performance.now();
    const score = c.evaluate ? c.evaluate(epoch, this) : null;
    const seconds = (performance.now() - this.epochStart) / 1000;
    const stepSeconds = (tSteps - this.epochStart) / 1000;
    this.epoch = epoch;
    this.epochSeconds.push(seconds);
    this.stepSeconds.push(stepSeconds);
    c.onEpoch?.({
      epoch,
      meanLoss: this.lossCount ? this.lossSum / this.lossCount : Number.NaN,
      score,
      seconds,
      stepSeconds,
    });
    const es = c.earlyStopping;
    if (!es || score === null || Number.isNaN(score)) return;
    if (!this.best || score > this.best.score) {
      if (this.best?.snap != null) this.trainable.disposeSnapshot?.(this.best.snap);
      this.best = { epoch, score, snap: es.restoreBest && this.trainable.snapshot ? this.trainable.snapshot() : null };
    } else if (es.patience > 0 && epoch - this.best.epoch >= es.patience) {
      this.earlyStopped = true;
      this.end();
    }
  }

  private end(): null {
    this.done = true;
    return null;
  }

  /**
   * End the run: restore the best snapshot (when one was kept and is not the last epoch) and summarise. Safe to call
   * after a throw (it then only releases the snapshot).
   */
  finish(): LoopSummary {
    this.done = true;
    const best = this.best;
    let bestEpoch = this.epoch;
    if (best && best.snap !== null) {
      if (best.epoch !== this.epoch) this.trainable.restore?.(best.snap);
      bestEpoch = best.epoch;
      this.trainable.disposeSnapshot?.(best.snap);
      best.snap = null;
    }
    return {
      steps: this.step,
      epochs: this.epoch,
      nonFiniteSteps: this.nonFiniteSteps,
      stopped: this.stopped,
      earlyStopped: this.earlyStopped,
      bestEpoch,
      bestScore: best ? best.score : null,
      epochSeconds: [...this.epochSeconds],
      stepSeconds: [...this.stepSeconds],
      checkpointBounds: [...this.checkpointBounds],
      convergence: this.convergence(),
      convergedStop: this.convergedStop,
    };
  }

  /** Release a kept snapshot without restoring it (a failed run). */
  dispose(): void {
    if (this.best?.snap != null) this.trainable.disposeSnapshot?.(this.best.snap);
    if (this.best) this.best.snap = null;
    this.done = true;
  }
}

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Run a loop to its end, yielding to the event loop at least every `yieldMs` (workers, the app). */
export async function runLoop<S>(loop: TrainLoop<S>): Promise<LoopSummary> {
  const yieldMs = loop.config.yieldMs ?? YIELD_MS;
  let lastYield = performance.now();
  try {
    for (;;) {
      if (performance.now() - lastYield >= yieldMs) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      if (loop.advance() === null) break;
    }
    return loop.finish();
  } catch (e) {
    if (e instanceof DivergenceError) e.counters = { steps: loop.step, nonFiniteSteps: loop.nonFiniteSteps };
    loop.dispose();
    throw e;
  }
}

/** Run a loop to its end without yielding (synchronous callers: fitGlm, tests). */
export function runLoopSync<S>(loop: TrainLoop<S>): LoopSummary {
  try {
    while (loop.advance() !== null);
    return loop.finish();
  } catch (e) {
    if (e instanceof DivergenceError) e.counters = { steps: loop.step, nonFiniteSteps: loop.nonFiniteSteps };
    loop.dispose();
    throw e;
  }
}

/** A trainable over tfjs variables with its own optimiser (global models, SVGD particles). */
export interface VariableTrainable<Snap = unknown> extends Trainable<Snap> {
  readonly params: VariableMap;
  readonly optimiser: { dispose(): void };
}

/** Dispose a variable trainable's optimiser state and parameters. */
export function releaseTrainable(t: VariableTrainable): void {
  t.optimiser.dispose();
  disposeParams(t.params);
}

/** A variable trainable driven one step at a time (sviStep, svgdStep: tests, benchmarks) on a loop without end. */
export class Stepper<T extends VariableTrainable<Snap>, Snap = unknown> {
  readonly loop: TrainLoop<Snap>;
  constructor(
    readonly trainable: T,
    config: Omit<LoopConfig, 'epochs'> = {},
  ) {
    this.loop = new TrainLoop(trainable, { ...config, epochs: Infinity });
  }
  get params(): VariableMap {
    return this.trainable.params;
  }
  get optimiser(): T['optimiser'] {
    return this.trainable.optimiser;
  }
  /** Steps taken (skipped ones included). */
  get step(): number {
    return this.loop.step;
  }
  get skipped(): number {
    return this.loop.nonFiniteSteps;
  }
  dispose(): void {
    releaseTrainable(this.trainable);
  }
}
