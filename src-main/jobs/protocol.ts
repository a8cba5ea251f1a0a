/** Messages between the job runner and a training worker. Plain data: they cross postMessage. */
import type { ArtifactMessage } from '../../src-shared/domain/artifacts';
import type { BackendName, MetricPoint, RunProgress } from '../../src-shared/domain/types';
import type { RunSpec } from '../../src-shared/schemas/run-spec';
import type { VerdictEvidence } from '../../src-shared/domain/verdict';

export interface WorkerInput {
  runId: number;
  spec: RunSpec;
  /** Absolute path of the dataset's folder. */
  datasetDir: string;
  /** Absolute path of a folder for this run's larger files (model snapshots, bundles); created on demand. */
  runDir: string;
  /** Absolute folder of a second dataset the spec names (LDA's held-out documents, a VAE's test file), if any. */
  heldoutDatasetDir?: string;
}

export type ToWorker = { type: 'cancel' };

export type FromWorker =
  | { type: 'started'; backend: BackendName; detail: string }
  | { type: 'progress'; progress: Omit<RunProgress, 'runId'> }
  | { type: 'metrics'; points: MetricPoint[] }
  | ArtifactMessage
  | { type: 'completed'; metrics: Record<string, number>; evidence?: VerdictEvidence }
  | { type: 'cancelled'; metrics: Record<string, number>; evidence?: VerdictEvidence }
  /** A failed run; a diverged one carries its evidence (step, value) and the counters of what happened. */
  | { type: 'failed'; message: string; metrics?: Record<string, number>; evidence?: VerdictEvidence };
