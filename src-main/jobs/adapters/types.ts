/**
 * A model adapter joins a run spec to the engine: `validate()` refuses a spec that cannot run on a dataset (before
 * anything is imported or queued: runs:start and the CLI call it), `run()` trains in the training worker and reports
 * through the one ProgressReporter. execute-run.ts only dispatches to them.
 */
import type { ColumnSchema } from '../../../src-shared/domain/types';
import type { RunSpec } from '../../../src-shared/schemas/run-spec';
import type { DatasetFile } from '../../data-import';
import type { ProgressReporter } from '../progress';

/** What validation knows of a dataset: its header and types; rows when it is stored (null for a CLI header sniff). */
export interface DatasetInfo {
  name: string;
  rows: number | null;
  schema: ColumnSchema[];
}

export interface ValidateContext {
  dataset: DatasetInfo;
  /** The second file a spec names (a VAE's test file, LDA's held-out documents), when it names one. */
  second?: DatasetInfo | null;
  /** Opens the stored dataset for checks that need its values (BNN targets); absent for a header-only check. */
  open?: () => DatasetFile;
}

export interface AdapterInput<S extends RunSpec> {
  spec: S;
  datasetDir: string;
  /** Folder for the run's larger files ('' when the run keeps everything in SQLite). */
  runDir: string;
  /** Folder of the second dataset (test file or held-out documents). */
  secondDatasetDir?: string;
}

export interface ModelAdapter<S extends RunSpec> {
  /** Throws an AppError (BAD_REQUEST, message echoing the bad value, hint naming the fix) when the run cannot go. */
  validate(spec: S, ctx: ValidateContext): void;
  /** The id of the second dataset the spec names, if any. */
  secondDatasetId(spec: S): number | undefined;
  run(input: AdapterInput<S>, report: ProgressReporter, isCancelled: () => boolean): Promise<void>;
}
