/** What the VAE workbench channels (issue 4) return: plain JSON for the latent map, interpolation, manifold and posterior views. */

export interface VaeLatentMap {
  runId: number;
  /** Dataset row index of each point. */
  rows: number[];
  points: Array<[number, number]>;
  /** latent: z itself (2-D); pca: the two leading principal axes of the posterior means; latent-1d: (z, 0). */
  method: 'latent' | 'pca' | 'latent-1d';
  axes: [string, string];
  /** Explained-variance fractions of the two PCA axes, else null. */
  explained: number[] | null;
  dim: number;
  /** Rows in the dataset (the map may show a sample). */
  totalRows: number;
  colorBy: string | null;
  /** Per point: a number (numeric column) or a label (categorical/text column); null without colorBy. */
  colors: Array<number | string> | null;
  colorKind: 'numeric' | 'categorical' | null;
}

export interface VaeInterpolation {
  runId: number;
  rows: [number, number];
  method: 'linear' | 'slerp';
  t: number[];
  z: number[][];
  /** Decoded means E[x | z(t)] on the data's (prepared) scale, [steps][d]. */
  decoded: number[][];
  /** The two rows themselves on the same scale (for reference). */
  endpoints: [number[], number[]];
  features: string[];
  image: { width: number; height: number } | null;
  /**
   * Tables: the decoded points and the two rows in the dataset's own units, one value per raw column (a categorical
   * column as its most probable level's index into `levels`). Null for images (absent from older model services).
   */
  original?: {
    features: string[];
    levels: Array<string[] | null>;
    decoded: number[][];
    endpoints: [number[], number[]];
  } | null;
}

export interface VaeManifold {
  runId: number;
  xs: number[];
  ys: number[];
  decoded: number[][];
  features: string[];
  image: { width: number; height: number } | null;
}

export interface VaePosterior {
  runId: number;
  row: number;
  x: number[];
  y: number[];
  /** Normalised density on the grid [y][x] (sums to 1 after multiplying by the cell area). */
  density: number[][];
  samples: Array<[number, number]>;
  mean: number[];
  method: 'exact' | 'conditional' | 'kde';
  /** ∑ q · cell area before normalising (≈ 1 when the grid holds the density and the method is exact). */
  mass: number;
  family: string;
}

export interface VaeRow {
  row: number;
  columns: string[];
  values: Array<number | string | null>;
}

/**
 * A VAE run's end-of-run evaluation (engine: models/vae/evaluate.ts), stored as the `evaluation` / `test-evaluation`
 * artifact: every figure from the same rows and the same K importance draws, each mean with its standard error.
 */
export interface VaeEvaluation {
  /** Rows evaluated. */
  rows: number;
  /** Which rows of the prepared matrix (sorted), so two runs can be compared on the rows they share. */
  rowIds: number[];
  /** Mean ELBO per row (nats) from the same K draws as the log-likelihood, and its standard error over rows. */
  elbo: number;
  elboSe: number;
  logLikelihood: { k: number; mean: number; se: number; meanEss: number };
  /** log p̂(x) − ELBO on the same rows and draws (≥ 0 row by row), paired mean ± SE. */
  gap: { mean: number; se: number };
  /** PSIS k̂ of each row's K importance ratios; null when K < 5 (no tail to fit). */
  khat: { median: number; p90: number; max: number; shareAbove05: number; shareAbove07: number; rows: number } | null;
  /** Per-row values aligned with rowIds (nats; k̂ null where its tail could not be fitted). */
  perRow: { elbo: number[]; logLik: number[]; khat: Array<number | null> };
  klPerDim: number[];
  klTotal: number;
  /** How klPerDim was obtained (see the module comment). */
  klMethod: 'analytic' | 'marginal-gaussian' | 'categorical';
  activeUnits: { count: number; total: number; activity: number[]; threshold: number };
  collapse: {
    collapsed: boolean;
    /** Inactive dimensions (0-based), activity ≤ threshold: total − activeUnits.count of them. */
    inactiveDims: number[];
    /** Dimensions (0-based) whose KL is below 0.01 nats. */
    negligibleKlDims: number[];
    total: number;
    message: string | null;
  };
  amortisationGap: { rows: number; steps: number; elboBefore: number; elboAfter: number; gap: number } | null;
  /**
   * Ladder VAEs (latentDim as a list): KL and active units of each stochastic layer, bottom (next to the data) first.
   * The top-level klPerDim / activeUnits then hold every layer's dimensions in this order and klTotal their sum.
   */
  layers?: VaeLayerEvaluation[];
  /** Why the amortisation gap was not measured although requested. */
  amortisationGapNote?: string;
  stopped: boolean;
  seconds: number;
}

/** One stochastic layer of a ladder VAE's evaluation (klPerDim sums to kl; activity as the top-level active units). */
export interface VaeLayerEvaluation {
  /** 1 = next to the data. */
  layer: number;
  dim: number;
  /** mean_x E_q[KL(q(z_l | z_{l+1}, x) ‖ p(z_l | z_{l+1}))] per coordinate (nats); the top layer's against N(0, I). */
  klPerDim: number[];
  kl: number;
  /** Standard error of kl over the evaluated rows. */
  klSe: number;
  activeUnits: { count: number; total: number; activity: number[] };
}
