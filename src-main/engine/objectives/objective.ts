/**
 * `makeObjective(spec, training)`: the bound a run maximises, built from the run-spec shapes ({ kind: 'iwae', k: 5 }
 * and the training aids). Every objective draws `samples` z per datum and reduces logW [S, B] to a per-datum bound
 * [B] (bounds.ts).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ObjectiveSpec, TrainingSpec } from '../../../src-shared/schemas/run-spec.js';
import { elboBound, iwaeBound, renyiBound } from './bounds.js';
import { annealSteps, type AnnealSchedule } from './schedules.js';

export type EstimatorKind = 'reparam' | 'score';

export interface Objective {
  readonly kind: ObjectiveSpec['kind'];
  readonly label: string;
  /** Draws per datum per step (S). */
  readonly samples: number;
  readonly beta: number;
  readonly anneal: AnnealSchedule;
  readonly freeBits: number;
  readonly estimator: EstimatorKind;
  /** Whether the analytic KL may replace the Monte Carlo one (ELBO with Gaussian q and prior). */
  readonly analyticKl: boolean;
  bound(logW: tf.Tensor): tf.Tensor;
}

/**
 * The objective with its training aids (run-spec `training`; absent fields take the schema's defaults).
 * `stepsPerEpoch` converts annealing's epochs into steps (1 for full-batch models such as the GLM).
 */
export function makeObjective(spec: ObjectiveSpec, training: Partial<TrainingSpec> = {}, stepsPerEpoch = 1): Objective {
  const beta = training.beta ?? 1;
  if (!(beta >= 0)) throw new RangeError(`Expected β ≥ 0, got ${beta}`);
  const freeBits = training.freeBits ?? 0;
  if (!(freeBits >= 0)) throw new RangeError(`Expected free bits ≥ 0 nats, got ${freeBits}`);
  const common = {
    beta,
    anneal: annealSteps(training.anneal ?? { kind: 'none' }, stepsPerEpoch),
    freeBits,
    estimator: training.estimator ?? 'reparam',
  };
  const count = (n: number, what: string): number => {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Expected ${what} ≥ 1, got ${n}`);
    return n;
  };
  switch (spec.kind) {
    case 'elbo':
      return {
        ...common,
        kind: 'elbo',
        label: spec.samples > 1 ? `elbo:${spec.samples}` : 'elbo',
        samples: count(spec.samples, 'ELBO samples'),
        analyticKl: training.kl !== 'mc',
        bound: elboBound,
      };
    case 'iwae':
      return {
        ...common,
        kind: 'iwae',
        label: `iwae:${spec.k}`,
        samples: count(spec.k, 'IWAE k'),
        analyticKl: false,
        bound: iwaeBound,
      };
    case 'renyi': {
      const alpha = spec.alpha;
      if (!Number.isFinite(alpha)) throw new RangeError(`Expected a finite Rényi α, got ${alpha}`);
      return {
        ...common,
        kind: 'renyi',
        label: `renyi:${alpha}:${spec.k}`,
        samples: count(spec.k, 'Rényi k'),
        analyticKl: false,
        bound: (logW) => renyiBound(logW, alpha),
      };
    }
  }
}
