/**
 * Plain-data results of the BNN channels (bnn:band, bnn:predict, bnn:bundle) and of the stored BNN artifacts
 * ('views', 'splits'), shared by the main process and the UI. Regression values are in the target's own units.
 */

/** The predictive over one numeric feature, the other inputs held at their training means. */
export interface BnnBand {
  runId: number;
  task: 'regression' | 'classification';
  feature: string;
  target: string;
  /** Numeric features the band can be drawn over. */
  numericFeatures: string[];
  /** Grid over the feature (original units). */
  x: number[];
  /** Training range of the feature. */
  dataRange: [number, number];
  /** Distance from each grid point to the nearest training value of the feature (feature units). */
  nearestData: number[];
  /** Regression: predictive mean, total and epistemic sd per grid point. */
  mean?: number[];
  sd?: number[];
  epistemicSd?: number[];
  lower95?: number[];
  upper95?: number[];
  /** Classification: mean class probabilities and their epistemic sd per grid point and class. */
  classes?: string[];
  probs?: number[][];
  probSd?: number[][];
  /** Training rows of the run's dataset (feature, target), at most a few thousand, for overlaying. */
  points: { x: number[]; y: number[] };
  /** Mean epistemic / total sd on grid points near the data and far from it (null when the grid has none). */
  sdNearData: { epistemic: number; total: number } | null;
  sdAwayFromData: { epistemic: number; total: number } | null;
  /** The same inside the training range but away from the data (gaps between clusters: in-between uncertainty). */
  sdInGaps: { epistemic: number; total: number } | null;
  /** The same beyond the training range (extrapolation). */
  sdBeyondData: { epistemic: number; total: number } | null;
}

export interface BnnPredictResult {
  runId: number;
  sourceName: string;
  task: 'regression' | 'classification';
  target: string;
  rows: number;
  /** Column names of `table` and of the CSV. */
  columns: string[];
  /** The first rows (at most 500) for display. */
  table: Array<Array<number | string | null>>;
  /** Every row, RFC 4180 quoted, cells starting with = + - @ tab or CR prefixed with ' (formula injection). */
  csv: string;
  fileName: string;
  /** Metrics when the new table has the target column. */
  metrics: Record<string, number> | null;
  unknownLevels: Record<string, number>;
  warnings: string[];
}

/** One file of a run's BNN bundle, ready to save. */
export interface BnnBundleFile {
  path: string;
  mime: string;
  encoding: 'utf8' | 'base64';
  content: string;
  bytes: number;
}

export interface BnnBundle {
  runId: number;
  /** Suggested folder name when saving. */
  name: string;
  files: BnnBundleFile[];
}

/** A BNN's predictive metrics on test rows (engine models/bnn/predict.ts bnnMetrics). */
export interface RegressionMetrics {
  task: 'regression';
  n: number;
  /** Original units. */
  rmse: number;
  /** Mean test log-likelihood per row, original units (nats). */
  logLik: number;
  coverage50: number;
  coverage90: number;
  coverage95: number;
  /** Mean predictive sd (original units) and its epistemic part. */
  meanSd: number;
  meanEpistemicSd: number;
}

export interface ClassificationMetrics {
  task: 'classification';
  n: number;
  accuracy: number;
  logLik: number;
  brier: number;
  ece: number;
  coverage50: number;
  coverage90: number;
  coverage95: number;
}

export type BnnMetrics = RegressionMetrics | ClassificationMetrics;

/** The 'views' artifact of a BNN run (engine bnnViews of the first split's model on its test rows). */
export interface BnnViewsArtifact {
  task: 'regression' | 'classification';
  metrics: BnnMetrics;
  predictedVsActual: {
    level: number;
    points: Array<{ row: number; actual: number; predicted: number; lower: number; upper: number; sd: number }>;
  } | null;
  reliability: {
    bins: Array<{ lower: number; upper: number; count: number; confidence: number; accuracy: number }>;
    ece: number;
  } | null;
  coverage: Array<{ nominal: number; observed: number }>;
  band: unknown;
}

/** The 'splits' artifact: mean ± standard error of every metric over the random splits. */
export interface BnnSplitsArtifact {
  summary: Record<string, { mean: number; se: number }>;
  perSplit: BnnMetrics[];
  secondsPerSplit: number;
}
