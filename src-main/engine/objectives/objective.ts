/**
 * `makeObjective(spec)`: the bound a run maximises, built from the run-spec shape ({ kind: 'iwae', k: 5 } …).
 * Every objective draws `samples` z per datum and reduces logW [S, B] to a per-datum bound [B] (bounds.ts).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ObjectiveSpec } from '../../../src-shared/schemas/run-spec.js';
import { elboBound, iwaeBound, renyiBound } from './bounds.js';
import type { AnnealSchedule } from './schedules.js';

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

interface Aids {
  beta?: number;
  anneal?: AnnealSchedule;
  freeBits?: number;
  estimator?: EstimatorKind;
  analyticKl?: boolean;
}

export function makeObjective(spec: ObjectiveSpec): Objective {
  const aids = spec as ObjectiveSpec & Aids;
  const beta = aids.beta ?? 1;
  if (!(beta >= 0)) throw new RangeError(`Expected β ≥ 0, got ${beta}`);
  const freeBits = aids.freeBits ?? 0;
  if (!(freeBits >= 0)) throw new RangeError(`Expected free bits ≥ 0 nats, got ${freeBits}`);
  const common = {
    beta,
    anneal: aids.anneal ?? ({ kind: 'constant' } as AnnealSchedule),
    freeBits,
    estimator: aids.estimator ?? 'reparam',
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
        analyticKl: aids.analyticKl ?? true,
        bound: elboBound,
      };
    case 'iwae':
      return { ...common, kind: 'iwae', label: `iwae:${spec.k}`, samples: count(spec.k, 'IWAE k'), analyticKl: false, bound: iwaeBound };
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
