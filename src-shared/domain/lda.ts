/** Plain-data results of the LDA channels (text:preview, lda:*), shared by the main process and the UI. */

/** The text-preparation report of a column under given options (src-main/text/prepare.ts TextPrepReport). */
export interface TextPreview {
  documents: number;
  blankDocuments: number;
  emptyDocuments: number;
  emptyDocumentIndices: number[];
  cellsWithoutLetters: number;
  rawTokens: number;
  droppedByLength: number;
  droppedByStopWords: number;
  droppedByDocumentFrequency: number;
  droppedByVocabularyCap: number;
  outOfVocabulary: number;
  tokens: number;
  bigramTokens: number;
  candidateVocabulary: number;
  vocabulary: number;
  documentLength: { min: number; median: number; mean: number; p90: number; max: number };
  lengthHistogram: { from: number; to: number; documents: number }[];
  topWords: { word: string; count: number; documents: number }[];
  minDfCount: number;
  maxDfCount: number;
  warnings: string[];
}

/**
 * One piece of a document's text: the gaps between words (kind 'gap'), words in the model's vocabulary with their
 * most likely topic, words dropped by preparation ('stop': stop word or too short) or kept by it but outside the
 * model's vocabulary ('oov').
 */
export interface DocumentSegment {
  text: string;
  kind: 'gap' | 'word' | 'stop' | 'oov';
  /** 0-based topic of an in-vocabulary word: argmax_k E[log β_kw] + E[log θ_dk]. */
  topic?: number;
}

export interface LdaDocument {
  runId: number;
  row: number;
  /** Rows in the dataset (for a row picker). */
  rows: number;
  text: string;
  segments: DocumentSegment[];
  /** Posterior mean topic proportions E[θ_d] = γ_d / Σγ_d (the prior mean α / Σα for an empty document). */
  theta: number[];
  /** In-vocabulary tokens of the document (0 = empty: θ is the prior mean). */
  tokens: number;
  /** The document was held out of training (used for perplexity). */
  heldout: boolean;
  /** Values of the dataset's other short columns for this row (e.g. category). */
  fields: Record<string, string>;
}

export interface LdaSearchHit {
  row: number;
  snippet: string;
}

export interface LdaInferResult {
  runId: number;
  sourceName: string;
  textColumn: string;
  K: number;
  documents: number;
  /** Rows whose text was blank or kept no in-vocabulary token: θ is the prior mean there (flagged in the CSV). */
  emptyDocuments: number;
  emptyRows: number[];
  tokens: number;
  outOfVocabulary: number;
  /** Mean θ over the non-empty documents. */
  meanTheta: number[];
  /** The first rows: text (shortened), dominant topic (0-based) and its weight. */
  preview: { row: number; text: string; dominant: number; weight: number; empty: boolean }[];
  /** Document–topic proportions of every row as CSV (formula-injection safe). */
  csv: string;
  fileName: string;
  warnings: string[];
}

export type LdaExportKind = 'topic-word' | 'vocabulary' | 'doc-topic' | 'model';

export interface LdaExport {
  kind: LdaExportKind;
  fileName: string;
  mime: 'text/csv' | 'application/json';
  /** Where the export was written (streamed: the run folder's exports/). */
  path: string;
  bytes: number;
  /** The file's text when it is small enough to hand to the renderer for download (≤ 32 MiB), else null. */
  text: string | null;
}

export interface LdaByCategory {
  column: string;
  categories: string[];
  /** Non-empty documents per category. */
  counts: number[];
  /** Mean θ per category [categories × K]. */
  meanTheta: number[][];
  /** Mean θ over all non-empty documents. */
  overall: number[];
}

/** One topic of an LDA run's 'topics' artifact: its top words and how much of the corpus it explains. */
export interface TopicSummary {
  words: string[];
  /** p(w|k) of each top word. */
  weights: number[];
  /** The topic's share of the fitted word mass. */
  prevalence: number;
  /** Coherence scores; NaN (null in the stored JSON) when not measured. */
  umass: number;
  npmi: number;
}

/** The 'topics' artifact of an LDA run. */
export interface TopicsArtifact {
  topics: TopicSummary[];
  trainRows: number;
  heldoutRows: number;
}

/** The 'model' artifact of an LDA run: the fitted variational parameters (the engine's modelToJSON). */
export interface LdaModelArtifact {
  format: 'elbo-studio/lda-model';
  version: 1;
  K: number;
  V: number;
  vocabulary: string[];
  alpha: number[];
  eta: number;
  /** λ [K × V], topic-major. */
  lambda: number[];
  /** The LDA spec and text preparation it was fitted with (read back by the engine's modelFromJSON). */
  spec: unknown;
  preparation: unknown;
}

/** The 'text-report' artifact of an LDA run: how its text column was prepared, and whether a stored corpus served. */
export type TextReportArtifact = TextPreview & { cached: boolean };
