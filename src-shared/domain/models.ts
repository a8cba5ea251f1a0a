/**
 * Model bundles (issue 7): a fitted VAE, LDA or BNN exported from a run as a folder or .zip, opened again in ELBO
 * Studio (also on another machine) and used on a new CSV.
 */
export type ModelKind = 'vae' | 'lda' | 'bnn';

/** A column a new CSV must (or may) hold for the model (the bundle's column schema). */
export interface ModelColumn {
  name: string;
  role: 'feature' | 'target' | 'text';
  type: 'numeric' | 'binary' | 'categorical' | 'text';
  levels?: string[];
  required: boolean;
}

/** What the list shows of an imported bundle (from its manifest). */
export interface ModelSummary {
  kind: ModelKind;
  format: string;
  formatVersion: number;
  appVersion: string;
  createdAt: string;
  familyLabel: string;
  objectiveLabel: string;
  seed: number;
  backend: string | null;
  source: { runId: number; runName: string; dataset: string; project?: string } | null;
  /** A few headline metrics. */
  metrics: Record<string, number>;
  columns: ModelColumn[];
  /** One line about the model: "2-d Gaussian latent, 64 inputs, Bernoulli", "20 topics, 3,412 words" … */
  description: string;
  /** Whether every file was checked against a SHA-256 in the manifest (false for old bundles without checksums). */
  checksummed: boolean;
  files: number;
}

export interface ImportedModel {
  id: number;
  name: string;
  kind: ModelKind;
  summary: ModelSummary;
  /** The .zip file name or folder it was imported from. */
  sourceName: string;
  bytes: number;
  importedAt: string;
}

/** models:export's answer: a zip to download, or the folder written. */
export type ModelExportResult =
  | { kind: 'zip'; fileName: string; bytes: number; base64: string; files: string[] }
  | { kind: 'folder'; folder: string; files: string[]; replaced: number };

/** models:check's answer: how a CSV's columns match the model's column schema. */
export interface ModelColumnCheck {
  modelId: number;
  sourceName: string;
  headers: string[];
  columns: Array<ModelColumn & { status: 'ok' | 'missing' | 'mismatch' | 'optional-missing'; detail: string }>;
  /** LDA: columns that could hold the documents (the training column first when present). */
  textCandidates: string[];
  ok: boolean;
  /** Rows looked at for the type check (the check reads the head of the file). */
  rowsChecked: number;
}

export interface ModelScoreBase {
  modelId: number;
  sourceName: string;
  rows: number;
  columns: string[];
  /** The first rows of the result table (the CSV has all of them). */
  table: Array<Array<number | string | null>>;
  csv: string;
  fileName: string;
  warnings: string[];
}

export interface VaeScoreResult extends ModelScoreBase {
  kind: 'vae';
  latentDim: number;
  /** The latent means in two dimensions (z₁, z₂, or the first two principal components), at most 3,000 rows. */
  map: { points: Array<[number, number]>; rows: number[]; axes: [string, string]; method: 'latent' | 'pca' | 'line' };
  /** Columns of the CSV the model does not use, with few distinct values (to colour the map). */
  colorColumns: Array<{ name: string; values: string[] }>;
  meanReconLogLik: number;
  meanReconError: number;
  sdMethod: 'exact' | 'monte-carlo' | 'categorical';
}

export interface LdaScoreResult extends ModelScoreBase {
  kind: 'lda';
  K: number;
  textColumn: string;
  meanTheta: number[];
  topWords: string[][];
  emptyDocuments: number;
  tokens: number;
  outOfVocabulary: number;
}

export interface BnnScoreResult extends ModelScoreBase {
  kind: 'bnn';
  task: 'regression' | 'classification';
  target: string;
  metrics: Record<string, number> | null;
}

export type ModelScoreResult = VaeScoreResult | LdaScoreResult | BnnScoreResult;
