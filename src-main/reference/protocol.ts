/** Messages between the ReferenceService and a reference worker (one job per worker thread). */
import type { ReferencePosterior } from '../../src-shared/domain/reference';
import type { GlmSpec } from '../../src-shared/schemas/run-spec';
import type { ReferenceSettings } from '../../src-shared/schemas/api';

export interface ReferenceWorkerInput {
  datasetDir: string;
  spec: GlmSpec;
  settings: ReferenceSettings;
}

export type ToReferenceWorker = { type: 'cancel' };

export type FromReferenceWorker =
  | { type: 'progress'; fraction: number; phase: 'warmup' | 'sampling'; divergences: number }
  | { type: 'done'; result: ReferencePosterior; seconds: number }
  | { type: 'cancelled' }
  | { type: 'failed'; message: string };
