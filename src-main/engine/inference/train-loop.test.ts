/**
 * The one training loop: minibatch epochs, the non-finite policy, divergence, early stopping with restore, cancel
 * while yielding. Toy trainables make every expectation exact; the divergence case runs real SVI.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { key } from '../rng.js';
import { makeFamily } from '../families/index.js';
import { disposeParams } from '../families/params.js';
import { makeObjective } from '../objectives/objective.js';
import { gaussianTarget } from '../models/common/targets.js';
import { sviTrainable } from './svi.js';
import type { StepInput, StepOutcome, Trainable } from './train-loop.js';
import {
  DivergenceError,
  EXPLOSION_FACTOR,
  ExplodedError,
  NonFiniteError,
  TrainLoop,
  runLoop,
  runLoopSync,
} from './train-loop.js';
import { key as rngKey, normal, uniform } from '../rng.js';

beforeAll(async () => {
  await initBackend();
});

/** θ moves by +1 per committed step; `bad(step)` makes a step non-finite. */
class Walker implements Trainable<number> {
  theta = 0;
  commits = 0;
  discards = 0;
  seen: Array<Int32Array | null> = [];
  constructor(private readonly bad: (step: number) => boolean = () => false) {}
  step(s: StepInput): StepOutcome {
    this.seen.push(s.rows ? Int32Array.from(s.rows) : null);
    const loss = this.bad(s.step) ? Number.NaN : this.theta;
    return {
      loss,
      bound: -loss,
      gradNorm: 1,
      commit: () => {
        this.theta += 1;
        this.commits++;
      },
      discard: () => this.discards++,
    };
  }
  snapshot(): number {
    return this.theta;
  }
  restore(s: number): void {
    this.theta = s;
  }
}

describe('train loop', () => {
  it('cuts each epoch into seeded minibatches that cover every row once, a new order each epoch', () => {
    const w = new Walker();
    const s = runLoopSync(new TrainLoop(w, { epochs: 3, batches: { n: 10, batchSize: 4, shuffleKey: key(7) } }));
    expect(s.steps).toBe(9);
    expect(s.epochs).toBe(3);
    expect(w.seen.map((r) => r!.length)).toEqual([4, 4, 2, 4, 4, 2, 4, 4, 2]);
    const epochRows = [0, 1, 2].map((e) => w.seen.slice(3 * e, 3 * e + 3).flatMap((r) => Array.from(r!)));
    for (const rows of epochRows) expect([...rows].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epochRows[0]).not.toEqual(epochRows[1]);
    const again = new Walker();
    runLoopSync(new TrainLoop(again, { epochs: 3, batches: { n: 10, batchSize: 4, shuffleKey: key(7) } }));
    expect(again.seen).toEqual(w.seen);
    // Full batch: one step per epoch, no rows.
    const g = new Walker();
    expect(runLoopSync(new TrainLoop(g, { epochs: 5 })).steps).toBe(5);
    expect(g.seen.every((r) => r === null)).toBe(true);
  });

  it('skips and counts non-finite steps without applying them; the bound history marks them NaN', () => {
    const w = new Walker((t) => t % 3 === 1);
    const loop = new TrainLoop(w, { epochs: 9 });
    const s = runLoopSync(loop);
    expect(s.nonFiniteSteps).toBe(3);
    expect(w.commits).toBe(6);
    expect(w.discards).toBe(3);
    expect(w.theta).toBe(6);
    expect(loop.bounds.map(Number.isNaN)).toEqual([false, true, false, false, true, false, false, true, false]);
  });

  it('stops after N non-finite steps in a row with one typed error naming the step, the value and the fix', () => {
    const w = new Walker((t) => t >= 4);
    const reports: boolean[] = [];
    let err: unknown = null;
    try {
      runLoopSync(
        new TrainLoop(w, {
          epochs: 100,
          maxConsecutiveNonFinite: 6,
          learningRate: 0.3,
          onStep: (r) => reports.push(r.skipped),
        }),
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteError);
    expect(err).toBeInstanceOf(DivergenceError);
    const e = err as NonFiniteError;
    expect(e.atStep).toBe(9);
    expect(e.steps).toBe(6);
    expect(e.kind).toBe('non-finite');
    expect(e.message).toBe(
      'Training diverged: the loss was not finite for 6 steps in a row; lower the learning rate (now 0.3) or set clipNorm ' +
        '(e.g. 10), or check the model for log(0) / overflow. Step 9 gave loss NaN, bound NaN, gradient norm 1; the run was stopped before writing NaNs.',
    );
    expect(reports).toEqual([false, false, false, false, true, true, true, true, true, true]);
    expect(w.theta).toBe(4);
  });

  it('a huge learning rate diverges SVI into a NonFiniteError naming the step and the learning rate', () => {
    const target = gaussianTarget(Float64Array.from([1, -2]), Float64Array.from([1, 0, 0, 1]));
    const tr = sviTrainable({
      family: makeFamily({ kind: 'meanfield' }, 2),
      model: target,
      objective: makeObjective({ kind: 'elbo', samples: 1 }),
      optimiser: { kind: 'sgd', learningRate: 1e12, momentum: 0 },
      seed: 1,
    });
    const skipped: number[] = [];
    let err: unknown = null;
    try {
      runLoopSync(
        // Checkpoints only at step 1000, so the exploding-bound check (tested below) does not stop it first.
        new TrainLoop(tr, {
          epochs: 1000,
          learningRate: 1e12,
          convergence: { checkpointSteps: 1000 },
          onStep: (r) => r.skipped && skipped.push(r.step),
        }),
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteError);
    const e = err as NonFiniteError;
    expect(skipped.length).toBeGreaterThanOrEqual(20);
    // The 20 skipped steps in a row end at the step named in the error, well before the 1000 allowed.
    expect(skipped.slice(-20)).toEqual(Array.from({ length: 20 }, (_, i) => e.atStep - 19 + i));
    expect(e.atStep).toBeLessThan(100);
    expect(e.message).toContain(`lower the learning rate (now 1000000000000)`);
    expect(e.message).toContain(`Step ${e.atStep} gave loss`);
    // Skipped steps never wrote their NaNs.
    const values = Object.values(tr.params).flatMap((v) => Array.from(v.dataSync()));
    expect(values.every(Number.isFinite)).toBe(true);
    tr.optimiser.dispose();
    disposeParams(tr.params);
    target.dispose?.();
  });

  it('early stopping stops after `patience` epochs without a better score and restores the best parameters', () => {
    // θ after epoch e is 2e (two steps an epoch); the score peaks at θ = 6, i.e. epoch 3.
    for (const restoreBest of [true, false]) {
      const w = new Walker();
      const epochs: Array<number | null> = [];
      const s = runLoopSync(
        new TrainLoop(w, {
          epochs: 20,
          batches: { n: 4, batchSize: 2, shuffleKey: key(1) },
          evaluate: () => -Math.abs(w.theta - 6),
          earlyStopping: { patience: 2, restoreBest },
          onEpoch: (e) => epochs.push(e.score),
        }),
      );
      expect(s.earlyStopped).toBe(true);
      expect(s.epochs).toBe(5);
      expect(epochs).toEqual([-4, -2, -0, -2, -4]);
      expect(s.bestScore).toBe(-0);
      expect(s.bestEpoch).toBe(restoreBest ? 3 : 5);
      expect(w.theta).toBe(restoreBest ? 6 : 10);
    }
  });

  it('keeps the best epoch without stopping early when patience is 0', () => {
    const w = new Walker();
    const s = runLoopSync(
      new TrainLoop(w, {
        epochs: 6,
        evaluate: () => -Math.abs(w.theta - 2),
        earlyStopping: { patience: 0, restoreBest: true },
      }),
    );
    expect(s.earlyStopped).toBe(false);
    expect(s.epochs).toBe(6);
    expect(s.bestEpoch).toBe(2);
    expect(w.theta).toBe(2);
  });

  it('yields to the event loop, so a cancel arriving by a timer stops a busy run between steps', async () => {
    let cancel = false;
    const busy: Trainable = {
      step: () => {
        const t0 = performance.now();
        while (performance.now() - t0 < 4); // a 4 ms step that never awaits
        return { loss: 0, gradNorm: 0, commit: () => {}, discard: () => {} };
      },
    };
    setTimeout(() => (cancel = true), 30);
    const t0 = performance.now();
    const s = await runLoop(new TrainLoop(busy, { epochs: Infinity, shouldStop: () => cancel }));
    expect(s.stopped).toBe(true);
    expect(s.steps).toBeGreaterThan(2);
    // Without yielding the timer could never fire; with yields every 25 ms it fires within a few steps of 30 ms.
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('rejects early stopping without a checkpoint score or a snapshot, and a bad streak limit', () => {
    expect(() => new TrainLoop(new Walker(), { epochs: 1, earlyStopping: { patience: 3, restoreBest: true } })).toThrow(
      /Early stopping needs an evaluate\(\)/,
    );
    expect(() => new TrainLoop(new Walker(), { epochs: 1, maxConsecutiveNonFinite: 0 })).toThrow(
      'Expected maxConsecutiveNonFinite ≥ 1, got 0',
    );
    const bare: Trainable = { step: (s) => new Walker().step(s) };
    expect(
      () => new TrainLoop(bare, { epochs: 1, evaluate: () => 0, earlyStopping: { patience: 1, restoreBest: true } }),
    ).toThrow(/restoreBest needs a trainable with snapshot\(\) and restore\(\)/);
  });

  describe('bound checkpoints', () => {
    /** A trainable whose bound is a given function of the step (parameters are irrelevant to the loop's checks). */
    const curve = (bound: (step: number) => number): Trainable => ({
      step: ({ step }) => {
        const b = bound(step);
        return { loss: -b, bound: b, gradNorm: 1, commit: () => {}, discard: () => {} };
      },
    });

    it('a healthy noisy run never trips the exploding-bound check', () => {
      // Decay from −502 to −2 with heavy-tailed noise: Gaussian at 30 % of the level, plus 1 % spikes 40× the level's
      // magnitude (a score-function estimator's outliers), and a learning-rate bump of 10× the level for 50 steps.
      const n = 40_000;
      const z = normal(rngKey(3), n);
      const u = uniform(rngKey(4), n);
      const level = (t: number): number => -(2 + 500 * Math.exp(-t / 300));
      const noisy = (t: number): number => {
        const l = level(t);
        const bump = t >= 20_000 && t < 20_050 ? 10 * l : 0;
        return l + 0.3 * Math.abs(l) * z[t]! + (u[t]! < 0.01 ? 40 * l : 0) + bump;
      };
      const minibatch = runLoopSync(
        new TrainLoop(curve(noisy), { epochs: 4000, batches: { n: 40, batchSize: 4, shuffleKey: key(1) } }),
      );
      expect(minibatch.steps).toBe(n);
      expect(minibatch.checkpointBounds).toHaveLength(4000);
      // Full batch: checkpoints every ⌈40000/100⌉ = 400 steps.
      const full = runLoopSync(new TrainLoop(curve(noisy), { epochs: n }));
      expect(full.checkpointBounds).toHaveLength(100);
      // Real SVI with a brisk Adam step on a correlated target: noisy, never exploding.
      const target = gaussianTarget(Float64Array.from([3, -2]), Float64Array.from([1, 0.9, 0.9, 1]));
      const tr = sviTrainable({
        family: makeFamily({ kind: 'meanfield' }, 2),
        model: target,
        objective: makeObjective({ kind: 'elbo', samples: 1 }),
        optimiser: { kind: 'adam', learningRate: 0.3 },
        seed: 2,
      });
      const svi = runLoopSync(new TrainLoop(tr, { epochs: 1500, learningRate: 0.3 }));
      expect(svi.steps).toBe(1500);
      tr.optimiser.dispose();
      disposeParams(tr.params);
      target.dispose?.();
    });

    it('an exploding bound stops the run with one error naming the step, the value and the fix', () => {
      // The bound of a stable run, then a blow-up to −1e13 (the VAE at learning rate 10 reached −5.65e13).
      let err: unknown = null;
      const loop = new TrainLoop(
        curve((t) => (t < 200 ? -3 - Math.exp(-t / 20) : -1e13)),
        { epochs: 100, batches: { n: 40, batchSize: 10, shuffleKey: key(1) }, learningRate: 10 },
      );
      try {
        runLoopSync(loop);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ExplodedError);
      const e = err as ExplodedError;
      expect(e).toBeInstanceOf(DivergenceError);
      expect(e.kind).toBe('exploded');
      // Steps 200–203 (0-based) are the 51st epoch; its checkpoint closes at step index 203, the 204th step.
      expect(e.atStep).toBe(203);
      expect(e.value).toBe(-1e13);
      expect(e.best).toBeCloseTo(-3, 3);
      expect(e.message).toContain('at step 204 the bound averaged -1.000e+13');
      expect(e.message).toContain('lower the learning rate (now 10) by 10× or set clipNorm');
      expect(e.counters).toEqual({ steps: 204, nonFiniteSteps: 0 });
      // The threshold: a fall just short of EXPLOSION_FACTOR magnitudes below the best passes.
      const edge = (fall: number) => (): unknown =>
        runLoopSync(
          new TrainLoop(
            curve((t) => (t < 50 ? -3 : -3 - fall * 3)),
            { epochs: 100, convergence: { checkpointSteps: 10 } },
          ),
        );
      expect(edge(EXPLOSION_FACTOR * 0.99)).not.toThrow();
      expect(edge(EXPLOSION_FACTOR * 1.01)).toThrow(ExplodedError);
    });

    it('a huge learning rate on real SVI explodes before it turns non-finite', () => {
      const target = gaussianTarget(Float64Array.from([1, -2]), Float64Array.from([1, 0, 0, 1]));
      const tr = sviTrainable({
        family: makeFamily({ kind: 'meanfield' }, 2),
        model: target,
        objective: makeObjective({ kind: 'elbo', samples: 1 }),
        optimiser: { kind: 'sgd', learningRate: 1e12, momentum: 0 },
        seed: 1,
      });
      expect(() => runLoopSync(new TrainLoop(tr, { epochs: 1000, learningRate: 1e12 }))).toThrow(
        /Training diverged: at step 10 the bound averaged .*lower the learning rate \(now 1000000000000\)/,
      );
      tr.optimiser.dispose();
      disposeParams(tr.params);
      target.dispose?.();
    });

    it('reports converged or still improving, and stops when converged if asked, saying so', () => {
      const settling = curve((t) => -(1 + Math.exp(-t / 50)));
      const batches = { n: 10, batchSize: 5, shuffleKey: key(1) };
      const all = runLoopSync(new TrainLoop(settling, { epochs: 1000, batches }));
      expect(all.epochs).toBe(1000);
      expect(all.convergedStop).toBe(false);
      expect(all.convergence!.converged).toBe(true);
      const early = runLoopSync(
        new TrainLoop(settling, { epochs: 1000, batches, convergence: { stopWhenConverged: true, tolerance: 0.001 } }),
      );
      expect(early.convergedStop).toBe(true);
      expect(early.stopped).toBe(false);
      expect(early.epochs).toBeLessThan(1000);
      expect(early.steps).toBe(2 * early.epochs);
      expect(early.convergence!.converged).toBe(true);
      expect(early.convergence!.relativeChange).toBeLessThan(0.001);
      // One epoch earlier it had not: the window's changes were still above the tolerance.
      const before = runLoopSync(
        new TrainLoop(settling, { epochs: early.epochs - 1, batches, convergence: { tolerance: 0.001 } }),
      );
      expect(before.convergence!.converged).toBe(false);
      // A bound still climbing steadily is "still improving", and stopWhenConverged lets it run to the end.
      const climbing = runLoopSync(
        new TrainLoop(
          curve((t) => -1000 + 10 * t),
          { epochs: 500, convergence: { stopWhenConverged: true } },
        ),
      );
      expect(climbing.steps).toBe(500);
      expect(climbing.convergence!.converged).toBe(false);
      expect(climbing.convergence!.relativeChange).toBeGreaterThan(0.01);
      // A model without a bound (SVGD) has no checkpoints and no verdict.
      const none = runLoopSync(
        new TrainLoop({ step: () => ({ loss: 1, gradNorm: 1, commit: () => {}, discard: () => {} }) }, { epochs: 50 }),
      );
      expect(none.checkpointBounds).toEqual([]);
      expect(none.convergence).toBeNull();
      expect(() => new TrainLoop(new Walker(), { epochs: 5, convergence: { tolerance: 0 } })).toThrow(
        'Expected a convergence tolerance > 0, got 0',
      );
    });
  });
});
