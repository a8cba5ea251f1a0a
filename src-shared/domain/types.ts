import type { RunVerdict, VerdictEvidence } from './verdict';
/** Domain objects shared by the main process and the UI. Plain data only: they cross IPC and HTTP as JSON. */
import type { AppErrorData } from '../ipc/app-error';
import type { RunSpec } from '../schemas/run-spec';

export type ColumnType = 'numeric' | 'binary' | 'categorical' | 'text' | 'identifier';
export type ColumnRole = 'feature' | 'label' | 'text' | 'ignore';
export type MissingPolicy = 'drop' | 'impute';

export interface ColumnStats {
  min: number;
  max: number;
  mean: number;
  std: number;
}

/** One column of an imported dataset as stored. */
export interface ColumnSchema {
  name: string;
  type: ColumnType;
  role: ColumnRole;
  /** Cells that were empty (or NA) in the source, before the missing-value policy. */
  missing: number;
  /** numeric and binary columns: statistics of the stored (imputed, not standardised) values. */
  stats?: ColumnStats;
  /** categorical and binary columns: the levels, in code order (the stored value is the index). */
  levels?: string[];
}

export interface Preprocessing {
  missing: MissingPolicy;
  /** When true, models see numeric features as (x − mean) / std using `stats`; the stored values stay raw. */
  standardize: boolean;
  droppedRows: number;
  delimiter: string;
  /** The source's text encoding when it was not UTF-8 (windows-1252). */
  encoding?: string;
  /** Numeric columns read with a decimal comma. */
  decimalComma?: string[];
  /** What the import changed and names: non-finite values read as missing beyond the preview's sample, … */
  warnings?: string[];
}

export interface Project {
  id: number;
  name: string;
  createdAt: string;
  datasetCount: number;
  runCount: number;
}

export interface Dataset {
  id: number;
  projectId: number;
  name: string;
  sourceName: string;
  contentHash: string;
  rows: number;
  columns: number;
  schema: ColumnSchema[];
  preprocessing: Preprocessing;
  bytes: number;
  createdAt: string;
}

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export type BackendName = 'tensorflow' | 'native' | 'wasm' | 'cpu';

export interface RunSummary {
  id: number;
  projectId: number;
  datasetId: number;
  datasetName: string;
  name: string;
  model: RunSpec['model'];
  family: string;
  objective: string;
  spec: RunSpec;
  seed: number;
  status: RunStatus;
  backend: BackendName | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Final metrics, e.g. train_elbo, val_elbo, seconds_per_epoch. */
  metrics: Record<string, number>;
  notes: string;
  tags: string[];
  starred: boolean;
  /** Whether the run worked (src-shared/domain/verdict.ts); null for runs not yet finished or from before verdicts. */
  verdict: RunVerdict | null;
  /** The evidence the verdict was judged on. */
  evidence: VerdictEvidence | null;
}

/** What deleting a run or a dataset removes, for the confirmation and the result. */
export interface DeletionSummary {
  runs: number;
  datasets: number;
  metrics: number;
  artifacts: number;
  /** Files and folders on disk (dataset columns, model snapshots, bundles). */
  files: string[];
  /** The same files and folders with their sizes (a folder: the bytes and the count of files inside it). */
  entries: DeletionEntry[];
  bytes: number;
}

export interface DeletionEntry {
  path: string;
  bytes: number;
  /** Files inside (1 for a plain file). */
  fileCount: number;
  isDirectory: boolean;
}

export interface MetricPoint {
  step: number;
  epoch: number;
  name: string;
  value: number;
  /** Seconds since the run started. */
  wall: number;
}

/** A metric as columns, the shape charts want. */
export interface MetricSeries {
  name: string;
  step: number[];
  epoch: number[];
  value: number[];
  wall: number[];
}

export interface SampleInfo {
  id: string;
  name: string;
  fileName: string;
  description: string;
  rows: number;
  columns: number;
  suggestedModel: 'vae' | 'lda' | 'bnn';
  license: string;
}

export interface InferredColumn {
  name: string;
  type: ColumnType;
  role: ColumnRole;
  missing: number;
  distinct: number;
  /** Why the type was inferred, e.g. "all 20 values are numbers". */
  reason: string;
  /** Numbers written with a decimal comma (1,5 = 1.5), in a file whose delimiter is not a comma. */
  decimalComma?: boolean;
}

export interface ImportPreview {
  sourceName: string;
  bytes: number;
  delimiter: string;
  headers: string[];
  /** The first rows as text cells. */
  rows: string[][];
  /** Rows inspected to infer the types. */
  sampledRows: number;
  columns: InferredColumn[];
  warnings: string[];
}

export interface PickedFile {
  fileId: string;
  name: string;
  bytes: number;
}

export interface DatasetRows {
  columns: string[];
  offset: number;
  total: number;
  rows: (number | string | null)[][];
}

export interface Artifact {
  id: number;
  runId: number;
  kind: string;
  name: string;
  createdAt: string;
  /** Small artifacts are stored inline as JSON. */
  data: unknown;
}

export interface ReconstructionArtifact {
  width: number;
  height: number;
  /** Row indices (in the dataset) of the examples. */
  rows: number[];
  originals: number[][];
  reconstructions: number[][];
}

export interface AppInfo {
  version: string;
  mode: 'electron' | 'browser';
  dataDir: string;
  backend: { name: BackendName; detail: string } | null;
}

export interface RunProgress {
  runId: number;
  step: number;
  totalSteps: number;
  epoch: number;
  totalEpochs: number;
  loss: number;
  stepsPerSecond: number;
  etaSeconds: number;
  phase: 'preparing' | 'training' | 'evaluating';
}

export interface ImportProgress {
  importId: string;
  phase: 'parsing' | 'writing' | 'done';
  rows: number;
  bytesRead: number;
  totalBytes: number;
}

export type { AppErrorData };
