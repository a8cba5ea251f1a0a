/**
 * What a run is: model × posterior family × objective × optimiser, validated at the edge. A run spec plus a seed and
 * a dataset reproduces a run. New models add a member to `runSpecSchema`'s union.
 */
import { z } from 'zod';

const flowLength = z.number().int().min(1, 'Expected flow length ≥ 1').max(32, 'Expected flow length ≤ 32');

export const familySpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('meanfield') }),
  z.object({ kind: z.literal('fullrank') }),
  z.object({ kind: z.literal('lowrank'), rank: z.number().int().min(1).max(64).default(2) }),
  z.object({ kind: z.literal('planar'), length: flowLength.default(8) }),
  z.object({ kind: z.literal('radial'), length: flowLength.default(8) }),
  z.object({ kind: z.literal('iaf'), length: flowLength.default(4), hidden: z.number().int().min(4).max(1024).default(64) }),
  z.object({ kind: z.literal('coupling'), length: flowLength.default(4), hidden: z.number().int().min(4).max(1024).default(64) }),
  z.object({
    kind: z.literal('svgd'),
    particles: z.number().int().min(2).max(1000).default(50),
    kernel: z.enum(['rbf', 'imq']).default('rbf'),
  }),
]);
export type FamilySpec = z.infer<typeof familySpecSchema>;

/** Optional training aids shared by every objective (engine: objectives/schedules.ts, objectives/estimators.ts). */
const objectiveAids = {
  /** KL weight β (1 = the true bound). */
  beta: z.number().min(0).max(100).optional(),
  /** KL annealing of β: linear warm-up over `warmup` steps, or cyclical (Fu et al. 2019). */
  anneal: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('constant') }),
      z.object({ kind: z.literal('linear'), warmup: z.number().int().min(1) }),
      z.object({ kind: z.literal('cyclical'), period: z.number().int().min(1), ratio: z.number().gt(0).max(1).optional() }),
    ])
    .optional(),
  /** Free bits: minimum KL per latent dimension, nats (amortised models with analytic KL). */
  freeBits: z.number().min(0).max(100).optional(),
  /** Gradient estimator: pathwise (default) or score-function with a baseline. */
  estimator: z.enum(['reparam', 'score']).optional(),
  /** ELBO only: use the closed-form KL when q and the prior are Gaussian (default true). */
  analyticKl: z.boolean().optional(),
};

export const objectiveSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('elbo'), samples: z.number().int().min(1).max(1000).default(1), ...objectiveAids }),
  z.object({ kind: z.literal('iwae'), k: z.number().int().min(1).max(5000).default(5), ...objectiveAids }),
  z.object({
    kind: z.literal('renyi'),
    alpha: z.number().min(-10).max(10).default(0.5),
    k: z.number().int().min(1).max(5000).default(5),
    ...objectiveAids,
  }),
]);
export type ObjectiveSpec = z.infer<typeof objectiveSpecSchema>;

export const optimiserSpecSchema = z.object({
  kind: z.enum(['adam', 'sgd']).default('adam'),
  learningRate: z.number().positive().max(10).default(1e-3),
  momentum: z.number().min(0).max(0.999).default(0.9),
  clipNorm: z.number().positive().optional(),
  /** Step-size schedule: constant, or Robbins–Monro η·(τ0 + t)^(−κ) with κ ∈ (0.5, 1]. */
  schedule: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('constant') }),
      z.object({
        kind: z.literal('robbins-monro'),
        tau0: z.number().min(0).default(1),
        kappa: z.number().gt(0.5, 'Expected κ > 0.5 (Robbins–Monro needs κ ∈ (0.5, 1])').max(1, 'Expected κ ≤ 1'),
      }),
    ])
    .optional(),
});
export type OptimiserSpec = z.infer<typeof optimiserSpecSchema>;

export const vaeSpecSchema = z.object({
  model: z.literal('vae'),
  family: familySpecSchema.default({ kind: 'meanfield' }),
  objective: objectiveSpecSchema.default({ kind: 'elbo', samples: 1 }),
  latentDim: z.number().int().min(1).max(512).default(2),
  hidden: z.array(z.number().int().min(1).max(4096)).max(6).default([128]),
  activation: z.enum(['relu', 'tanh', 'elu']).default('relu'),
  /** auto: Bernoulli when every feature lies in [0, 1] after scaling, mixed when a feature is categorical, else Gaussian; mixed: Gaussian numeric columns + categorical one-hot groups. */
  likelihood: z.enum(['auto', 'bernoulli', 'gaussian', 'mixed']).default('auto'),
  /** Pixel-like data (e.g. 0–16 or 0–255 grey levels) are divided by this before a Bernoulli likelihood; 0 = the column maximum. */
  scale: z.number().min(0).default(0),
  epochs: z.number().int().min(1).max(10000).default(20),
  batchSize: z.number().int().min(1).max(65536).default(64),
  optimiser: optimiserSpecSchema.default({ kind: 'adam', learningRate: 1e-3, momentum: 0.9 }),
  validationFraction: z.number().min(0).max(0.9).default(0.1),
  /** Feature columns to model; empty = every column whose role is feature. */
  features: z.array(z.string()).default([]),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  // ── VAE workbench options (issue 4); every field has a default, so older specs still parse. ──
  /** Gradient estimator: pathwise (reparameterised) or score function (REINFORCE with a baseline; needs log q). */
  estimator: z.enum(['reparam', 'score']).default('reparam'),
  /** KL term: auto = closed form where the family allows (Gaussian q, ELBO), else Monte Carlo; analytic forces it. */
  kl: z.enum(['auto', 'analytic', 'mc']).default('auto'),
  /** Weight β on the KL term (β-VAE, Higgins et al. 2017); 1 = the ELBO. */
  beta: z.number().min(0).max(100).default(1),
  /** KL annealing: β_t rises linearly over `epochs` (linear) or repeats that ramp every `epochs` (cyclical, ramp = ratio). */
  klAnneal: z
    .object({
      kind: z.enum(['none', 'linear', 'cyclical']).default('none'),
      epochs: z.number().min(0.01).max(10000).default(5),
      ratio: z.number().gt(0).max(1).default(0.5),
    })
    .default({ kind: 'none', epochs: 5, ratio: 0.5 }),
  /** Free bits λ (nats per latent dimension, Kingma et al. 2016): the KL of a dimension is not pushed below λ. */
  freeBits: z.number().min(0).max(10).default(0),
  /** Gaussian likelihood's variance: learned per feature, or fixed at `noiseVariance` (on standardised data). */
  gaussianVariance: z.enum(['learned', 'fixed']).default('learned'),
  noiseVariance: z.number().positive().max(1e4).default(1),
  /** Latent variables: Gaussian (any family) or categorical relaxed by Gumbel-softmax (latentDim variables). */
  latentType: z.enum(['gaussian', 'categorical']).default('gaussian'),
  /** Categories per categorical latent variable. */
  categories: z.number().int().min(2).max(256).default(10),
  /** Gumbel-softmax temperature τ_t = max(min, initial · e^{−rate·t}) at step t (Jang et al. 2016). */
  temperature: z
    .object({
      initial: z.number().positive().max(100).default(1),
      min: z.number().positive().max(100).default(0.5),
      rate: z.number().min(0).max(1).default(3e-4),
    })
    .default({ initial: 1, min: 0.5, rate: 3e-4 }),
  /** Early stopping: stop after this many epochs without a better validation ELBO (0 = off). */
  patience: z.number().int().min(0).max(10000).default(0),
  /**
   * Threads computing each step's gradient (data-parallel shards of the minibatch; 1 = serial). The result depends on
   * the thread count (each shard draws its own noise), so it is part of the spec. Used only on runs big enough to
   * gain (training rows × columns × epochs ≥ 2·10⁷) and without free bits; at most one thread per 16 batch rows.
   */
  threads: z.number().int().min(1).max(8).default(1),
  /**
   * A separate dataset with the same feature columns (a test file), scored at the end with the fitted model: test
   * ELBO, importance-sampled log-likelihood, KL and active units, stored as test_* metrics beside the validation ones.
   */
  testDatasetId: z.number().int().positive().optional(),
  /** Evaluation at the end of a run. */
  evaluation: z
    .object({
      /** Importance samples per row for the log-likelihood (Burda et al. 2015). */
      k: z.number().int().min(1).max(5000).default(1000),
      /** Most evaluation rows (a seeded sample of the validation rows when there are more); 0 = all. */
      rows: z.number().int().min(0).max(1_000_000).default(2000),
      /** Refine q per row to measure the amortisation gap (Cremer et al. 2018). */
      amortisationGap: z.boolean().default(false),
      gapRows: z.number().int().min(1).max(10000).default(64),
      gapSteps: z.number().int().min(1).max(10000).default(100),
    })
    .default({ k: 1000, rows: 2000, amortisationGap: false, gapRows: 64, gapSteps: 100 }),
});
export type VaeSpec = z.infer<typeof vaeSpecSchema>;

/**
 * A Bayesian generalised linear model on CSV columns (the ADVI workflow of Stan and PyMC): linear regression for a
 * numeric target, logistic regression for a binary one, with any posterior family and objective of the engine.
 */
export const glmSpecSchema = z.object({
  model: z.literal('glm'),
  /** auto: logistic when the target is binary, else linear. */
  kind: z.enum(['auto', 'linear', 'logistic']).default('auto'),
  target: z.string().min(1, 'A GLM needs a target column'),
  /** Predictor columns; empty = every numeric or binary feature column except the target. */
  features: z.array(z.string()).default([]),
  family: familySpecSchema.default({ kind: 'meanfield' }),
  objective: objectiveSpecSchema.default({ kind: 'elbo', samples: 1 }),
  optimiser: optimiserSpecSchema.default({ kind: 'adam', learningRate: 0.01, momentum: 0.9 }),
  steps: z.number().int().min(1).max(1_000_000).default(3000),
  /** Prior sd of every coefficient (default 10 linear, 5 logistic). */
  priorScale: z.number().positive().optional(),
  /** Standardise predictors before fitting (coefficients are then per standard deviation of the predictor). */
  standardize: z.boolean().default(true),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
});
export type GlmSpec = z.infer<typeof glmSpecSchema>;

/** How a text column becomes a bag-of-words corpus (stored once per dataset and these options). */
export const textPrepSchema = z.object({
  /** Stop-word language (ISO 639-1, e.g. en, de, fr) or none. */
  language: z.string().min(2).max(12).default('en'),
  extraStopWords: z.array(z.string().min(1).max(100)).max(5000).default([]),
  minTokenLength: z.number().int().min(1).max(50).default(3),
  /** Minimum document frequency: a count when ≥ 1, a fraction of documents when < 1. */
  minDf: z.number().positive().default(5),
  /** Maximum document frequency: a fraction of documents when ≤ 1, a count when > 1. */
  maxDf: z.number().positive().default(0.5),
  maxVocab: z.number().int().min(10).max(1_000_000).default(10_000),
  bigrams: z.boolean().default(false),
});
export type TextPrepSpec = z.infer<typeof textPrepSchema>;

/**
 * Latent Dirichlet allocation on a text column (Blei, Ng & Jordan 2003): batch variational EM or online SVI
 * (Hoffman et al. 2010). Defaults follow REFERENCE.md: τ0 = 1024, κ = 0.5 reaches batch quality after one pass.
 */
export const ldaSpecSchema = z.object({
  model: z.literal('lda'),
  textColumn: z.string().min(1, 'LDA needs a text column'),
  prep: textPrepSchema.default({ language: 'en', extraStopWords: [], minTokenLength: 3, minDf: 5, maxDf: 0.5, maxVocab: 10_000, bigrams: false }),
  topics: z.number().int().min(2, 'Expected at least 2 topics').max(500).default(20),
  method: z.enum(['online', 'batch']).default('online'),
  alpha: z.union([z.enum(['symmetric', 'asymmetric']), z.number().positive()]).default('symmetric'),
  eta: z.number().positive().optional(),
  batchSize: z.number().int().min(1).max(100_000).default(256),
  tau0: z.number().min(0).max(1e7).default(1024),
  /** Step-size decay κ ∈ [0.5, 1]: Hoffman et al. prove convergence for κ ∈ (0.5, 1]; 0.5 works best in practice. */
  kappa: z.number().min(0.5, 'Expected κ ≥ 0.5 (step sizes (τ0 + t)^−κ must decay fast enough)').max(1).default(0.5),
  passes: z.number().int().min(1).max(1000).default(5),
  maxEStepIter: z.number().int().min(1).max(10_000).default(100),
  eStepTol: z.number().positive().max(1).default(1e-3),
  optimizeAlpha: z.boolean().default(false),
  optimizeEta: z.boolean().default(false),
  /** Share of documents held out for perplexity (document completion); ignored when heldoutDatasetId is set. */
  heldoutFraction: z.number().min(0).max(0.5).default(0.1),
  /** A separate dataset (same text column) scored for held-out perplexity; training then uses every row. */
  heldoutDatasetId: z.number().int().positive().optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
});
export type LdaRunSpec = z.infer<typeof ldaSpecSchema>;

/**
 * Run spec of a Bayesian neural network (model 'bnn'): task, columns, architecture, weight posterior family, prior,
 * likelihood, training schedule, splits. Validated at the edge.
 *
 * Families (engine shapes): meanfield = Bayes by Backprop over every weight with the local reparameterisation trick;
 * fullrank / lowrank = that Gaussian over the last layer's weights, other layers mean-field; planar / radial / iaf /
 * coupling = a normalizing flow over every weight of small networks (≤ `flowMaxWeights`) or over the last layer;
 * svgd = an ensemble of whole networks moved by Stein variational gradient descent.
 */
export const bnnPriorSchema = z.discriminatedUnion('kind', [
  /** w ~ N(0, scale²) for every weight and bias. */
  z.object({ kind: z.literal('gaussian'), scale: z.number().positive().max(100).default(1) }),
  /** w ~ π N(0, σ₁²) + (1 − π) N(0, σ₂²) (Blundell et al. 2015, eq. 7). */
  z.object({
    kind: z.literal('mixture'),
    pi: z.number().gt(0).lt(1).default(0.5),
    scale1: z.number().positive().max(100).default(1),
    scale2: z.number().positive().max(100).default(Math.exp(-6)),
  }),
]);
export type BnnPriorSpec = z.infer<typeof bnnPriorSchema>;

export const bnnSpecSchema = z.object({
  model: z.literal('bnn'),
  /** auto: classification when the target is categorical or binary, else regression. */
  task: z.enum(['auto', 'regression', 'classification']).default('auto'),
  target: z.string().min(1, 'Choose a target column'),
  /** Feature columns; empty = every column whose role is feature, except the target. */
  features: z.array(z.string().min(1)).default([]),
  hidden: z.array(z.number().int().min(1).max(1024)).max(4).default([50]),
  activation: z.enum(['relu', 'tanh']).default('relu'),
  family: familySpecSchema.default({ kind: 'meanfield' }),
  /** Flows: over every weight when the network has at most this many (else the last layer only). */
  flowMaxWeights: z.number().int().min(1).max(100000).default(1000),
  /** Only the ELBO is defined for minibatched BNNs; `samples` = weight draws per step. */
  objective: objectiveSpecSchema.default({ kind: 'elbo', samples: 1 }),
  prior: bnnPriorSchema.default({ kind: 'gaussian', scale: 1 }),
  /** Regression noise: learned = one σ fitted by maximising the ELBO; heteroscedastic = σ(x) from a second output; fixed = noiseScale. */
  noise: z.enum(['learned', 'heteroscedastic', 'fixed']).default('learned'),
  /** Noise standard deviation in the target's original units: fixed value, or the initial value when learned (default 0.5·sd(y)). */
  noiseScale: z.number().positive().optional(),
  epochs: z.number().int().min(1).max(100000).default(300),
  batchSize: z.number().int().min(1).max(65536).default(32),
  optimiser: optimiserSpecSchema.default({ kind: 'adam', learningRate: 1e-3, momentum: 0.9 }),
  /** Learning-rate schedule: constant, or cosine annealing from learningRate to learningRate/100 over all steps. */
  lrSchedule: z.enum(['constant', 'cosine']).default('constant'),
  /** Share of the training rows held out for early stopping (0 = train on all of them for `epochs`). */
  validationFraction: z.number().min(0).max(0.5).default(0.1),
  /** Epochs without a better validation log-likelihood before stopping (0 = never stop early). */
  patience: z.number().int().min(0).max(10000).default(30),
  /** Share of rows held out as the test split. */
  testFraction: z.number().min(0).max(0.9).default(0.1),
  /** Random train/test splits (the benchmark protocol uses 20). */
  splits: z.number().int().min(1).max(100).default(1),
  /** Weight draws S for the posterior predictive. */
  predictiveSamples: z.number().int().min(1).max(5000).default(100),
  /** Initial standard deviation of the weight posteriors. */
  initScale: z.number().positive().max(1).default(0.01),
  /** A categorical feature with more levels than this is rejected before training. */
  maxLevels: z.number().int().min(2).max(100000).default(100),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
});
export type BnnSpec = z.infer<typeof bnnSpecSchema>;
export type BnnSpecInput = z.input<typeof bnnSpecSchema>;

export const runSpecSchema = z.discriminatedUnion('model', [vaeSpecSchema, glmSpecSchema, ldaSpecSchema, bnnSpecSchema]);
export type RunSpec = z.infer<typeof runSpecSchema>;
export type RunSpecInput = z.input<typeof runSpecSchema>;

/** "planar:16", "meanfield" … for tables and the CLI. */
export function familyLabel(f: FamilySpec): string {
  switch (f.kind) {
    case 'meanfield':
    case 'fullrank':
      return f.kind;
    case 'lowrank':
      return `lowrank:${f.rank}`;
    case 'planar':
    case 'radial':
    case 'iaf':
    case 'coupling':
      return `${f.kind}:${f.length}`;
    case 'svgd':
      return `svgd:${f.particles}:${f.kernel}`;
  }
}

export function objectiveLabel(o: ObjectiveSpec): string {
  switch (o.kind) {
    case 'elbo':
      return o.samples > 1 ? `elbo:${o.samples}` : 'elbo';
    case 'iwae':
      return `iwae:${o.k}`;
    case 'renyi':
      return `renyi:${o.alpha}:${o.k}`;
  }
}

/** The family label a run is listed under (LDA's closed-form updates use a mean-field Dirichlet family). */
export function specFamilyLabel(spec: RunSpec): string {
  return spec.model === 'lda' ? 'meanfield' : familyLabel(spec.family);
}

/** The objective label a run is listed under (LDA: the ELBO, by online SVI or batch variational EM). */
export function specObjectiveLabel(spec: RunSpec): string {
  return spec.model === 'lda' ? `elbo:${spec.method === 'online' ? 'svi' : 'batch'}` : objectiveLabel(spec.objective);
}
