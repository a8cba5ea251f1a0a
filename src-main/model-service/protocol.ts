/**
 * Messages between the ModelService (main process) and its worker thread. A request names an operation, its plain
 * arguments and, when it uses a fitted model, the cache key of that model. When the worker does not hold the model it
 * answers `need-model`; the service then sends the model's source (files to read, or the stored JSON of an LDA run)
 * once, and the worker keeps it in its one LRU cache.
 */
import type { ModelKind } from '../../src-shared/domain/models';
import type { LdaRunSpec } from '../../src-shared/schemas/run-spec';

/** Where a fitted model comes from; plain data, read in the worker. */
export type ModelSource =
  | { kind: 'vae-run'; runId: number; snapshotFile: string; features: string[]; datasetDir: string }
  | { kind: 'lda-run'; runId: number; json: unknown; spec: LdaRunSpec; datasetDir: string }
  | { kind: 'bnn-run'; runId: number; dir: string }
  | { kind: 'bundle'; modelKind: ModelKind; name: string; dir: string };

export interface WireError {
  name: string;
  message: string;
  code?: string;
  hint?: string;
}

export type ToModelWorker =
  | { type: 'call'; id: number; op: string; args: unknown; key?: string; source?: ModelSource }
  | { type: 'evict'; key: string };

export type FromModelWorker =
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: WireError }
  | { type: 'need-model'; id: number };
