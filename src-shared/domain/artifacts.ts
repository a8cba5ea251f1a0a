/**
 * What a run stores in the artifacts table: one map from artifact name to its JSON payload, as the event channels'
 * payloads are one map in ipc/contract.ts. The training worker's artifact messages are typed by it (jobs/protocol.ts),
 * so a payload that drifts from its type fails to compile where it is made; readers take `ArtifactPayloads[name]`.
 * Payloads are stored as JSON: NaN comes back as null, and the renderer checks a payload (lib/artifacts.ts and the
 * `as…` readers) before drawing it.
 */
import type { BnnSplitsArtifact, BnnViewsArtifact } from './bnn';
import type { LdaModelArtifact, TextReportArtifact, TopicsArtifact } from './lda';
import type { ReconstructionArtifact } from './types';
import type { VaeEvaluation } from './vae';
import type { CoefficientTable, DummyCoding } from './reference';
import type { GradVarianceArtifact } from './grad-variance';

/**
 * A GLM's posterior predictive check: linear — observed counts per bin of the target (its units) against the
 * replicated data sets' median and 5–95 % band; logistic — calibration bins of the posterior mean probability.
 */
export type GlmPredictiveCheck =
  | {
      kind: 'histogram';
      rows: number;
      replicates: number;
      edges: number[];
      observed: number[];
      replicated: Array<{ q05: number; q50: number; q95: number }>;
    }
  | {
      kind: 'calibration';
      rows: number;
      bins: Array<{ lo: number; hi: number; rows: number; predicted: number; observed: number; observedSe: number }>;
    };

/** The 'posterior' artifact of a Bayesian linear or logistic regression run. */
export interface GlmPosteriorArtifact {
  model: 'linear' | 'logistic';
  /** Coefficient names, intercept first. */
  names: string[];
  mean: number[];
  sd: number[];
  noiseSigma: { mean: number; sd: number } | null;
  standardized: boolean;
  /** The predictors' centring and scaling (identity when not standardised). */
  centre: number[];
  scale: number[];
  target: { centre: number; scale: number };
  /**
   * The coefficients on the data's own scale (per unit of each predictor and of the target; the intercept has no sd),
   * when the predictors were standardised; null otherwise. Absent in runs stored before it existed.
   */
  original?: { names: string[]; mean: number[]; sd: Array<number | null> } | null;
  /**
   * The coefficient table in original units (mean, sd, 90 % / 95 % intervals, probability of direction) from draws
   * of the fitted family, each draw back-transformed; the dummy columns of categorical predictors name their
   * reference level. Absent in runs stored before it existed.
   */
  coefficients?: CoefficientTable;
  /** How each categorical predictor was dummy-coded, and which level is 1 of each named two-valued one (absent or empty when there were none). */
  dummies?: DummyCoding[];
  /** A linear model's known noise sd in the target's units (null: σ was learned). */
  knownNoiseSigma?: number | null;
  /**
   * A few hundred draws of the fitted family's coefficients in original units (`coefficients.rows` order, row-major
   * [n, rows]) for pair plots. Absent in runs stored before it existed.
   */
  coefficientDraws?: { n: number; values: number[] };
  /** Posterior predictive check on the training rows (engine/models/glm/predictive.ts). Absent in older runs. */
  ppc?: GlmPredictiveCheck;
  /** Held-out log predictive density per row (target units), mean ± SE over the validation rows; null without any. */
  heldOut?: { rows: number; lpd: number; se: number } | null;
  /** The fitted variational family's parameters, as the engine saves them. */
  posterior: unknown;
}

/** The 'vae-snapshot' artifact: where the fitted VAE is saved in the run's folder, and what it was fitted on. */
export interface VaeSnapshotArtifact {
  file: string;
  features: string[];
  valRows: number[];
}

/**
 * The 'klTrace' artifact of a VAE run: mean KL(q(z_j|x) ‖ p(z_j)) per latent dimension j after every epoch, in nats,
 * over the same `rows` each time (validation rows, else training rows; engine/models/vae/train.ts klPerDimRows). Absent
 * for families without a per-dimension closed form (flows).
 */
export interface KlTraceArtifact {
  rows: number;
  from: 'validation' | 'training';
  epochs: number[];
  /** [epoch][dimension] nats; a ladder's dimensions bottom layer first. */
  klPerDim: number[][];
}

/** Artifact name → payload. */
export interface ArtifactPayloads {
  posterior: GlmPosteriorArtifact;
  reconstructions: ReconstructionArtifact;
  'vae-snapshot': VaeSnapshotArtifact;
  evaluation: VaeEvaluation;
  'test-evaluation': VaeEvaluation;
  'text-report': TextReportArtifact;
  topics: TopicsArtifact;
  model: LdaModelArtifact;
  views: BnnViewsArtifact;
  splits: BnnSplitsArtifact;
  /** The BNN model bundle's folder inside the run's folder. */
  'bnn-bundle': { dir: string };
  /** Gradient variance and SNR per parameter group at checkpoints (VAE, GLM, BNN; domain/grad-variance.ts). */
  gradVariance: GradVarianceArtifact;
  /** KL per latent dimension after every epoch (VAE). */
  klTrace: KlTraceArtifact;
}

export type ArtifactName = keyof ArtifactPayloads;

/** The kind column stored with each artifact (several names may share a kind). */
export const ARTIFACT_KINDS = {
  posterior: 'posterior',
  reconstructions: 'reconstructions',
  'vae-snapshot': 'file',
  evaluation: 'evaluation',
  'test-evaluation': 'evaluation',
  'text-report': 'text-report',
  topics: 'topics',
  model: 'lda-model',
  views: 'bnn-views',
  splits: 'bnn-splits',
  'bnn-bundle': 'file',
  gradVariance: 'grad-variance',
  klTrace: 'kl-trace',
} as const satisfies Record<ArtifactName, string>;

export type ArtifactKind<N extends ArtifactName = ArtifactName> = (typeof ARTIFACT_KINDS)[N];

/** One artifact as the training worker sends it: the name fixes both its kind and its payload's type. */
export type ArtifactMessage = {
  [N in ArtifactName]: { type: 'artifact'; kind: ArtifactKind<N>; name: N; data: ArtifactPayloads[N] };
}[ArtifactName];

/** The message for artifact `name`, its kind taken from ARTIFACT_KINDS (what a job's reporter sends). */
export function artifactMessage<N extends ArtifactName>(name: N, data: ArtifactPayloads[N]): ArtifactMessage {
  // TypeScript cannot narrow the mapped union by a generic N; the fields are tied by the signature above.
  return { type: 'artifact', kind: ARTIFACT_KINDS[name], name, data } as ArtifactMessage;
}
