/**
 * A GLM's coefficient table in the data's own units, its reference posterior (exact where conjugate, NUTS
 * otherwise) and the error of a variational posterior against that reference. Produced by the engine
 * (engine/models/glm/reference.ts, src-shared/stats/coefficients.ts), stored by the reference service and the GLM
 * adapter, shown by the run page and printed by the CLI.
 */

/** One coefficient b_j on the data's own scale (per unit of the predictor; a dummy: difference from its reference). */
export interface CoefficientRow {
  /** "(intercept)", a predictor's name, or `column[level]` for a dummy column (people read `coefficientLabel`). */
  name: string;
  mean: number;
  sd: number;
  /** Monte Carlo standard errors of the mean and the sd (0 for an exact Gaussian table). */
  mcseMean: number;
  mcseSd: number;
  /** Central 90 % and 95 % intervals: [q05, q95] and [q025, q975]. */
  q025: number;
  q05: number;
  q50: number;
  q95: number;
  q975: number;
  /** Probability of direction: max(P(b > 0), P(b < 0)), in [0.5, 1]. */
  pd: number;
  /** A dummy column's (or a named two-valued predictor's) column, its level coded 1 and the level it is compared with. */
  dummy?: { column: string; level: string; reference: string };
  /** For sampled references: rank-normalised split R̂ and bulk / tail ESS of this coefficient's draws. */
  rhat?: number;
  essBulk?: number;
  essTail?: number;
}

/**
 * How a categorical predictor enters the design: one 0/1 column per level except the reference level. A two-valued
 * predictor with named levels (`binary`) is one column under its own name, its codes 0 / 1 (standardised like a
 * numeric predictor when the run standardises): level 1 against level 0, the reference.
 */
export interface DummyCoding {
  column: string;
  /** Every level, in code order (the stored value is the index). */
  levels: string[];
  /** The level every dummy is compared against (its rows are 0 in every dummy column). */
  reference: string;
  /** The design columns, named `column[level]` (a binary predictor: `column`), in `levels` order without the reference. */
  names: string[];
  /** A two-valued predictor fitted as its 0/1 codes (absent for a categorical predictor's dummies). */
  binary?: true;
}

/** Coefficients per unit of each predictor and of the target (standardisation undone). */
export interface CoefficientTable {
  rows: CoefficientRow[];
  /** A linear model's noise sd σ in the target's units (learned noise), summarised like a coefficient. */
  noiseSigma?: CoefficientRow;
  /** Where the numbers come from: draws (how many, and their total ESS where known) or an exact Gaussian. */
  source: { kind: 'draws'; draws: number } | { kind: 'exact' };
}

export interface McmcDiagnostics {
  chains: number;
  warmup: number;
  /** Kept draws per chain. */
  draws: number;
  metric: 'diag' | 'dense';
  maxTreeDepth: number;
  /** Divergent transitions among the kept draws (all chains); any is a warning. */
  divergences: number;
  /** Kept draws whose trajectory hit maxTreeDepth. */
  treeDepthSaturated: number;
  /** Worst coordinate: largest R̂, smallest bulk and tail ESS (over the fitted coordinates). */
  maxRhat: number;
  minEssBulk: number;
  minEssTail: number;
  /** Adapted step size and E-BFMI per chain. */
  stepSize: number[];
  ebfmi: number[];
  leapfrogSteps: number;
  seconds: number;
}

/** The reference posterior of one GLM on one dataset. */
export interface ReferencePosterior {
  method: 'exact' | 'nuts';
  model: 'linear' | 'logistic';
  /** Fitting-scale coordinate names (intercept, design columns, then "log σ" for learned noise). */
  names: string[];
  /** Fitting-scale summaries per coordinate (what the variational family approximates). */
  fitted: Array<{ name: string; mean: number; sd: number; mcseMean: number; mcseSd: number }>;
  /** The coefficient table in original units. */
  coefficients: CoefficientTable;
  /** Exact log evidence log p(y) (conjugate case only), on the fitting scale of y. */
  logEvidence: number | null;
  /** Exact case: the coefficients' Gaussian in original units (mean, covariance row-major) for contours. */
  gaussian: { mean: number[]; cov: number[] } | null;
  /** Up to `n` draws of the coefficients (original units, `coefficients.rows` order, row-major) for pair plots. */
  draws: { n: number; values: number[] };
  /** NUTS only. */
  mcmc: McmcDiagnostics | null;
  /** Warnings a reader must see (divergences, R̂ > 1.01, ESS < 400, saturated trees). */
  warnings: string[];
}

/** One coefficient's error of a variational posterior against the reference. */
export interface CoefficientError {
  name: string;
  /** (mean_q − mean_ref) / sd_ref, with its standard error. */
  shift: number;
  shiftSe: number;
  /** sd_q / sd_ref, with its standard error. */
  sdRatio: number;
  sdRatioSe: number;
}

/**
 * The error of a variational posterior against the reference: per coefficient, and one overall figure, the
 * root mean square over coefficients of the 2-Wasserstein distance between the two marginals' Gaussian fits in
 * reference sds: W = √(mean_j (shift_j² + (ratio_j − 1)²)). 0 is a perfect match of every marginal's mean and sd;
 * 0.1 is a tenth of a posterior sd off, typically. Its SE is by the delta method, treating coefficients as independent.
 */
export interface ReferenceComparison {
  coefficients: CoefficientError[];
  overall: { w2: number; se: number; meanAbsShift: number; maxAbsShift: number };
  /** Names in one table and not the other (not compared). */
  unmatched: string[];
}

/** A reference posterior job, by cache key (reference/service.ts). */
export interface ReferenceJobStatus {
  /** sha-256 of dataset content, model spec fields and sampler settings. */
  key: string;
  datasetId: number;
  /** none: not stored and not started. */
  status: 'none' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
  progress: { fraction: number; phase: 'warmup' | 'sampling'; divergences: number } | null;
  error: string | null;
  reference: ReferencePosterior | null;
  /** True when the completed reference was read from the store (no resampling). */
  cached: boolean;
  /** Wall-clock seconds the reference took to compute (completed only). */
  seconds: number | null;
}

/** A GLM run's reference and, once it is there, the run's coefficient table compared with it. */
export interface RunReference extends ReferenceJobStatus {
  runId: number;
  comparison: ReferenceComparison | null;
}
