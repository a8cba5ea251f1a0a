/**
 * What a run is: model × posterior family × objective × training aids × optimiser, validated at the edge. A run spec
 * plus a seed and a dataset reproduces a run. New models add a member to `runSpecSchema`'s union.
 *
 * One home per concept: the objective holds its kind, samples or K and α; the training aids (β, its annealing, free
 * bits, estimator, KL mode) live in `training`; step sizes in `optimiser`. Every object is strict (strict.ts: an
 * unknown key is refused with the key, where it was and what to use instead), and each model refuses the settings it
 * would not use (spec-checks.ts). Specs stored by earlier versions go through spec-upgrade.ts.
 */
import { z } from 'zod';
import { bnnSpecProblems, glmSpecProblems, ldaSpecProblems, vaeSpecProblems, type SpecProblem } from './spec-checks';
import { strictObject, type StrictPlace } from './strict';

const flowLength = z.number().int().min(1, 'Expected flow length ≥ 1').max(32, 'Expected flow length ≤ 32');

const FAMILY: StrictPlace = { in: 'family', prefix: 'family.', noun: 'a family' };
const familyMoved = {
  rank: '"rank" belongs to family kind lowrank',
  length: '"length" belongs to the flow families (planar, radial, iaf, coupling)',
  hidden: '"hidden" belongs to families iaf and coupling (the width of their autoregressive networks)',
  particles: '"particles" belongs to family kind svgd',
  kernel: '"kernel" belongs to family kind svgd',
};
/** A family member: strict, and a parameter of another kind named as such. */
const familyMember = <T extends z.core.$ZodLooseShape>(shape: T) =>
  strictObject(shape, FAMILY, Object.fromEntries(Object.entries(familyMoved).filter(([k]) => !(k in shape))));

export const familySpecSchema = z.discriminatedUnion('kind', [
  familyMember({ kind: z.literal('meanfield') }),
  familyMember({ kind: z.literal('fullrank') }),
  familyMember({ kind: z.literal('lowrank'), rank: z.number().int().min(1).max(64).default(2) }),
  familyMember({ kind: z.literal('planar'), length: flowLength.default(8) }),
  familyMember({ kind: z.literal('radial'), length: flowLength.default(8) }),
  familyMember({
    kind: z.literal('iaf'),
    length: flowLength.default(4),
    hidden: z.number().int().min(4).max(1024).default(64),
  }),
  familyMember({
    kind: z.literal('coupling'),
    length: flowLength.default(4),
    hidden: z.number().int().min(4).max(1024).default(64),
  }),
  familyMember({
    kind: z.literal('svgd'),
    particles: z.number().int().min(2).max(1000).default(50),
    kernel: z.enum(['rbf', 'imq']).default('rbf'),
  }),
]);
export type FamilySpec = z.infer<typeof familySpecSchema>;

/** The bound a run maximises: its kind, the draws per row (samples or K) and Rényi's α. Training aids live in `training`. */
const OBJECTIVE: StrictPlace = { in: 'objective', prefix: 'objective.', noun: 'an objective' };
const objectiveMoved = {
  beta: 'use "training.beta"',
  anneal: 'use "training.anneal"',
  freeBits: 'use "training.freeBits"',
  estimator: 'use "training.estimator"',
  analyticKl: 'use "training.kl" ("auto", "analytic" or "mc")',
  kl: 'use "training.kl"',
};
export const objectiveSpecSchema = z.discriminatedUnion('kind', [
  strictObject({ kind: z.literal('elbo'), samples: z.number().int().min(1).max(1000).default(1) }, OBJECTIVE, {
    ...objectiveMoved,
    k: 'the ELBO draws "samples" per row; "k" belongs to objective kinds iwae and renyi',
    alpha: '"alpha" belongs to objective kind renyi',
  }),
  strictObject({ kind: z.literal('iwae'), k: z.number().int().min(1).max(5000).default(5) }, OBJECTIVE, {
    ...objectiveMoved,
    samples: 'IWAE draws "k" importance samples per row; use "k"',
    alpha: '"alpha" belongs to objective kind renyi',
  }),
  strictObject(
    {
      kind: z.literal('renyi'),
      alpha: z.number().min(-10).max(10).default(0.5),
      k: z.number().int().min(1).max(5000).default(5),
    },
    OBJECTIVE,
    { ...objectiveMoved, samples: 'the Rényi bound draws "k" samples per row; use "k"' },
  ),
]);
export type ObjectiveSpec = z.infer<typeof objectiveSpecSchema>;

const ANNEAL: StrictPlace = { in: 'training.anneal', prefix: 'training.anneal.', noun: 'a KL-annealing' };
const annealMoved = {
  warmup: 'annealing is counted in epochs; use "epochs"',
  period: 'annealing is counted in epochs; use "epochs" (the cycle length)',
};
/**
 * KL annealing of β, in epochs: linear warm-up β_t = β · min(1, t / epochs) (Bowman et al. 2016), or cyclical (Fu et
 * al. 2019): the ramp repeats every `epochs`, rising over the first `ratio` of each cycle. A GLM is fitted full-batch,
 * so for a GLM one step is one epoch (`epochs: 500` warms up over 500 steps).
 */
export const annealSpecSchema = z.discriminatedUnion('kind', [
  strictObject({ kind: z.literal('none') }, ANNEAL, {
    ...annealMoved,
    epochs: 'set "kind" to "linear" or "cyclical" to anneal',
    ratio: '"ratio" belongs to kind "cyclical"',
  }),
  strictObject({ kind: z.literal('linear'), epochs: z.number().min(0.01).max(1_000_000) }, ANNEAL, {
    ...annealMoved,
    ratio: '"ratio" belongs to kind "cyclical"',
  }),
  strictObject(
    {
      kind: z.literal('cyclical'),
      epochs: z.number().min(0.01).max(1_000_000),
      ratio: z.number().gt(0).max(1).default(0.5),
    },
    ANNEAL,
    annealMoved,
  ),
]);
export type AnnealSpec = z.infer<typeof annealSpecSchema>;

/**
 * Training aids, one block with one schema for every model that has them (VAE, GLM, BNN); a model refuses the aids
 * it does not use (spec-checks.ts). Engine: objectives/schedules.ts, objectives/estimators.ts, models/vae/train.ts.
 */
export const trainingSpecSchema = strictObject(
  {
    /** Weight β on the KL term (β-VAE, Higgins et al. 2017); 1 = the true bound. */
    beta: z.number().min(0).max(100).default(1),
    anneal: annealSpecSchema.default({ kind: 'none' }),
    /** Free bits λ (nats per latent dimension, Kingma et al. 2016): the KL of a dimension is not pushed below λ. */
    freeBits: z.number().min(0).max(10).default(0),
    /** Gradient estimator: pathwise (reparameterised) or score function (REINFORCE with a baseline; needs log q). */
    estimator: z.enum(['reparam', 'score']).default('reparam'),
    /** KL term: auto = closed form where the family allows (Gaussian q, ELBO), else Monte Carlo; analytic forces it. */
    kl: z.enum(['auto', 'analytic', 'mc']).default('auto'),
    /**
     * Convergence of the smoothed bound (Stan's ADVI: the mean or median relative change over the last `window`
     * checkpoints below `tolerance`); every run reports it, `stopWhenConverged` ends the run there. Engine:
     * inference/train-loop.ts, diagnostics/convergence.ts.
     */
    convergence: strictObject(
      {
        stopWhenConverged: z.boolean().default(false),
        tolerance: z.number().min(1e-6).max(0.5).default(0.01),
        window: z.number().int().min(1).max(100).default(5),
      },
      { in: 'training.convergence', prefix: 'training.convergence.', noun: 'a convergence' },
    ).prefault({}),
  },
  { in: 'training', prefix: 'training.', noun: 'a training' },
  { klAnneal: 'use "anneal"', analyticKl: 'use "kl" ("auto", "analytic" or "mc")' },
);
export type TrainingSpec = z.infer<typeof trainingSpecSchema>;

const SCHEDULE: StrictPlace = {
  in: 'optimiser.schedule',
  prefix: 'optimiser.schedule.',
  noun: 'a learning-rate schedule',
};
/**
 * Step sizes: constant; Robbins–Monro η·(τ0 + t)^(−κ) with κ ∈ (0.5, 1]; or cosine annealing from learningRate to
 * learningRate/100 over all steps.
 */
export const lrScheduleSpecSchema = z.discriminatedUnion('kind', [
  strictObject({ kind: z.literal('constant') }, SCHEDULE),
  strictObject(
    {
      kind: z.literal('robbins-monro'),
      tau0: z.number().min(0).default(1),
      kappa: z.number().gt(0.5, 'Expected κ > 0.5 (Robbins–Monro needs κ ∈ (0.5, 1])').max(1, 'Expected κ ≤ 1'),
    },
    SCHEDULE,
  ),
  strictObject({ kind: z.literal('cosine') }, SCHEDULE),
]);
export type LrScheduleSpec = z.infer<typeof lrScheduleSpecSchema>;

const OPTIMISER: StrictPlace = { in: 'optimiser', prefix: 'optimiser.', noun: 'an optimiser' };
const optimiserCommon = {
  learningRate: z.number().positive().max(10).default(1e-3),
  clipNorm: z.number().positive().optional(),
  schedule: lrScheduleSpecSchema.default({ kind: 'constant' }),
};
export const optimiserSpecSchema = z.discriminatedUnion(
  'kind',
  [
    strictObject({ kind: z.literal('adam'), ...optimiserCommon }, OPTIMISER, {
      momentum:
        'momentum applies to SGD; set "kind": "sgd" to use it, or remove it (Adam keeps its own moment estimates)',
      lrSchedule: 'use "schedule"',
    }),
    strictObject(
      { kind: z.literal('sgd'), momentum: z.number().min(0).max(0.999).default(0.9), ...optimiserCommon },
      OPTIMISER,
      {
        lrSchedule: 'use "schedule"',
      },
    ),
  ],
  {
    error: (iss) =>
      iss.code === 'invalid_union'
        ? `Expected optimiser.kind "adam" or "sgd", got ${JSON.stringify((iss.input as { kind?: unknown } | undefined)?.kind ?? null)}; add "kind": "adam" (SGD: "kind": "sgd" with "momentum").`
        : undefined,
  },
);
export type OptimiserSpec = z.infer<typeof optimiserSpecSchema>;

/** Adds every problem as an issue at its field's path (the refinement shared by the model schemas). */
function refuse(problems: SpecProblem[], ctx: z.core.$RefinementCtx): void {
  for (const p of problems) ctx.addIssue({ code: 'custom', path: p.field.split('.'), message: p.message });
}

/** Keys that moved out of a model's top level into `training` (and the BNN's schedule into the optimiser). */
const topLevelMoved = {
  beta: 'use "training.beta"',
  freeBits: 'use "training.freeBits"',
  estimator: 'use "training.estimator"',
  kl: 'use "training.kl"',
  klAnneal: 'use "training.anneal" ({ "kind": "linear" | "cyclical", "epochs", "ratio" })',
  anneal: 'use "training.anneal"',
  analyticKl: 'use "training.kl"',
  lrSchedule: 'use "optimiser.schedule" ({ "kind": "cosine" })',
  momentum: 'use "optimiser.momentum" (with "optimiser.kind": "sgd")',
  learningRate: 'use "optimiser.learningRate"',
};

/** Most stochastic layers of a ladder VAE. */
export const MAX_LADDER_LAYERS = 4;
const LATENT_FORM = `a whole number 1–512, or a list of 1–${MAX_LADDER_LAYERS} of them with the layer next to the data first (e.g. [16, 4])`;
const latentSize = z
  .number({
    error: (iss) => `Expected each latentDim size to be a whole number 1–512, got ${JSON.stringify(iss.input)}.`,
  })
  .int()
  .min(1)
  .max(512);
/** A latent size, or a ladder of them (bottom layer first); messages echo the value and name the form. */
export const latentDimSchema = z.union(
  [
    latentSize,
    z
      .array(latentSize, {
        error: (iss) => `Expected latentDim to be ${LATENT_FORM}; got ${JSON.stringify(iss.input)}.`,
      })
      .min(1)
      .max(MAX_LADDER_LAYERS),
  ],
  { error: (iss) => `Expected latentDim to be ${LATENT_FORM}; got ${JSON.stringify(iss.input)}.` },
);

/** The latent layer sizes of a VAE spec, bottom (next to the data) first: [D] for a one-layer VAE. */
export function latentLayers(latentDim: number | readonly number[]): number[] {
  return typeof latentDim === 'number' ? [latentDim] : [...latentDim];
}

/**
 * The latent size of a one-layer VAE, 0 for a ladder: for the views that assume a single layer with an N(0, I) prior
 * (the manifold grid, the posterior plot), which a ladder's z₁ does not have.
 */
export function flatLatentDim(latentDim: number | readonly number[]): number {
  const layers = latentLayers(latentDim);
  return layers.length === 1 ? layers[0]! : 0;
}

/** The VAE spec's fields, strict but without the cross-field checks (the run form explains those itself). */
export const vaeSpecFields = strictObject(
  {
    model: z.literal('vae'),
    family: familySpecSchema.default({ kind: 'meanfield' }),
    objective: objectiveSpecSchema.default({ kind: 'elbo', samples: 1 }),
    training: trainingSpecSchema.prefault({}),
    /**
     * Latent size D, or a ladder of stochastic layers [D₁, …, D_L] (Sønderby et al. 2016): D₁ next to the data, D_L at
     * the top. A one-element list is the same as the number.
     */
    latentDim: latentDimSchema.default(2),
    hidden: z.array(z.number().int().min(1).max(4096)).max(6).default([128]),
    /**
     * Encoder / decoder architecture: fully connected layers (`hidden`), or convolutions for image-shaped data
     * (stride-2 4×4 convolutions with `convChannels` filters, then the `hidden` dense layers; the decoder mirrors it
     * with transposed convolutions).
     */
    architecture: z.enum(['mlp', 'conv']).default('mlp'),
    /** Image shape of a conv VAE's rows; omitted = inferred from a square column count (784 → 28 × 28 × 1). */
    imageShape: strictObject(
      {
        height: z.number().int().min(4).max(1024),
        width: z.number().int().min(4).max(1024),
        channels: z.number().int().min(1).max(4).default(1),
      },
      { in: 'imageShape', prefix: 'imageShape.', noun: 'an image shape' },
    ).optional(),
    /** Filters of the conv VAE's convolutions, one per stride-2 layer (each halves the height and width). */
    convChannels: z.array(z.number().int().min(1).max(256)).min(1).max(3).default([32, 64]),
    /**
     * The likelihood's dependence on the data: factorised, p(x|z) = Π_j p(x_j | z), or autoregressive over the feature
     * order, p(x|z) = Π_j p(x_j | z, x_{j−w..j−1}) — the decoder's output for feature j plus a masked linear term in
     * the `window` features before it (omitted: every earlier feature, a fully-visible sigmoid belief net beside z).
     * A full autoregressive decoder can model the data without z (posterior collapse, Bowman et al. 2016); a narrow
     * window limits its receptive field so z must carry what lies further apart (Chen et al. 2017; Gulrajani et al. 2017).
     */
    decoder: z
      .discriminatedUnion(
        'kind',
        [
          strictObject({ kind: z.literal('factorised') }, { in: 'decoder', prefix: 'decoder.', noun: 'a decoder' }),
          strictObject(
            {
              kind: z.literal('autoregressive'),
              window: z
                .number({
                  error: (iss) =>
                    `Expected decoder.window to be a whole number of earlier features 1–4096, got ${JSON.stringify(iss.input)}; omit it to condition on every earlier feature.`,
                })
                .int()
                .min(1)
                .max(4096)
                .optional(),
            },
            { in: 'decoder', prefix: 'decoder.', noun: 'an autoregressive decoder' },
          ),
        ],
        {
          error: (iss) =>
            `Expected decoder.kind to be "factorised" or "autoregressive", got ${JSON.stringify((iss.input as { kind?: unknown } | undefined)?.kind)}.`,
        },
      )
      .default({ kind: 'factorised' }),
    activation: z.enum(['relu', 'tanh', 'elu']).default('relu'),
    /** auto: Bernoulli when every feature lies in [0, 1] after scaling, mixed when a feature is categorical, else Gaussian; mixed: Gaussian numeric columns + categorical one-hot groups. */
    likelihood: z.enum(['auto', 'bernoulli', 'gaussian', 'mixed']).default('auto'),
    /** Pixel-like data (e.g. 0–16 or 0–255 grey levels) are divided by this before a Bernoulli likelihood; 0 = the column maximum. */
    scale: z.number().min(0).default(0),
    epochs: z.number().int().min(1).max(10000).default(20),
    batchSize: z.number().int().min(1).max(65536).default(64),
    optimiser: optimiserSpecSchema.prefault({ kind: 'adam', learningRate: 1e-3 }),
    validationFraction: z.number().min(0).max(0.9).default(0.1),
    /** Feature columns to model; empty = every column whose role is feature. */
    features: z.array(z.string()).default([]),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
    // ── VAE workbench options (issue 4); every field has a default. ──
    /** Gaussian likelihood's variance: learned per feature, or fixed at `noiseVariance` (on standardised data). */
    gaussianVariance: z.enum(['learned', 'fixed']).default('learned'),
    noiseVariance: z.number().positive().max(1e4).default(1),
    /** Latent variables: Gaussian (any family) or categorical relaxed by Gumbel-softmax (latentDim variables). */
    latentType: z.enum(['gaussian', 'categorical']).default('gaussian'),
    /** Categories per categorical latent variable. */
    categories: z.number().int().min(2).max(256).default(10),
    /** Gumbel-softmax temperature τ_t = max(min, initial · e^{−rate·t}) at step t (Jang et al. 2016). */
    temperature: strictObject(
      {
        initial: z.number().positive().max(100).default(1),
        min: z.number().positive().max(100).default(0.5),
        rate: z.number().min(0).max(1).default(3e-4),
      },
      { in: 'temperature', prefix: 'temperature.', noun: 'a Gumbel-softmax temperature' },
    ).prefault({}),
    /** Early stopping: stop after this many epochs without a better validation ELBO (0 = off). */
    patience: z.number().int().min(0).max(10000).default(0),
    /**
     * Threads computing each step's gradient (data-parallel shards of the minibatch; 1 = serial). The result depends on
     * the thread count (each shard draws its own noise), so it is part of the spec. Used only on runs big enough to
     * gain (training rows × columns × epochs ≥ 2·10⁷); at most one thread per 16 batch rows. Not with free bits (a
     * floor on the whole batch's KL per dimension, which shards cannot share): that combination is refused.
     */
    threads: z.number().int().min(1).max(8).default(1),
    /**
     * A separate dataset with the same feature columns (a test file), scored at the end with the fitted model: test
     * ELBO, importance-sampled log-likelihood, KL and active units, stored as test_* metrics beside the validation ones.
     */
    testDatasetId: z.number().int().positive().optional(),
    /** Evaluation at the end of a run. */
    evaluation: strictObject(
      {
        /** Importance samples per row for the log-likelihood (Burda et al. 2015). */
        k: z.number().int().min(1).max(5000).default(1000),
        /** Most evaluation rows (a seeded sample of the validation rows when there are more); 0 = all. */
        rows: z.number().int().min(0).max(1_000_000).default(2000),
        /** Refine q per row to measure the amortisation gap (Cremer et al. 2018). */
        amortisationGap: z.boolean().default(false),
        gapRows: z.number().int().min(1).max(10000).default(64),
        gapSteps: z.number().int().min(1).max(10000).default(100),
      },
      { in: 'evaluation', prefix: 'evaluation.', noun: 'an evaluation' },
    ).prefault({}),
  },
  { in: 'the VAE spec', prefix: '', noun: 'a VAE' },
  topLevelMoved,
);
export type VaeSpec = z.infer<typeof vaeSpecFields>;
/** A VAE spec that can run: its fields, and every combination the VAE does not use refused (spec-checks.ts). */
export const vaeSpecSchema = vaeSpecFields.superRefine((s, ctx) => refuse(vaeSpecProblems(s), ctx));

/**
 * A Bayesian generalised linear model on CSV columns (the ADVI workflow of Stan and PyMC): linear regression for a
 * numeric target, logistic regression for a binary one, with any posterior family and objective of the engine.
 */
export const glmSpecFields = strictObject(
  {
    model: z.literal('glm'),
    /** auto: logistic when the target is binary, else linear. */
    kind: z.enum(['auto', 'linear', 'logistic']).default('auto'),
    target: z.string().min(1, 'A GLM needs a target column'),
    /** Predictor columns; empty = every numeric or binary feature column except the target. */
    features: z.array(z.string()).default([]),
    family: familySpecSchema.default({ kind: 'meanfield' }),
    /**
     * 8 draws per step, and (optimiser) Adam 0.01 annealed by a cosine to 1e-4: measured on a collinear 506 × 13
     * regression (full-rank, 3000 steps), 1 draw at a constant rate stops at ELBO −376 (log evidence −154), k̂ 17.8;
     * 8 draws −118.6, k̂ 0.79 (still jittering); 8 draws with the cosine −115.15 against log evidence −115.12,
     * k̂ 0.17, ESS 1869 of 2000, converged. The constant rate's jitter is wider than the posterior's narrow
     * directions; the anneal lets the iterate settle.
     */
    objective: objectiveSpecSchema.default({ kind: 'elbo', samples: 8 }),
    /** Training aids; the GLM is full-batch, so annealing's epochs are steps. */
    training: trainingSpecSchema.prefault({}),
    optimiser: optimiserSpecSchema.prefault({ kind: 'adam', learningRate: 0.01, schedule: { kind: 'cosine' } }),
    steps: z.number().int().min(1).max(1_000_000).default(3000),
    /** Prior sd of every coefficient (default 10 linear, 5 logistic). */
    priorScale: z.number().positive().optional(),
    /** Standardise predictors before fitting (coefficients are then per standard deviation of the predictor). */
    standardize: z.boolean().default(true),
    /**
     * Linear regression only: a known noise sd σ in the target's units (omit to learn σ). With known noise the model
     * is conjugate and its reference posterior is exact.
     */
    noiseSigma: z.number().positive().optional(),
    /** Categorical predictors: the level each is compared against (default its first level), by column name. */
    referenceLevels: z.record(z.string(), z.string()).optional(),
    /**
     * Fraction of rows held out of the fit (a fixed split of the dataset, the same for every run and its reference)
     * to measure the held-out log predictive density. 0: none.
     */
    validation: z.number().min(0).max(0.5).default(0),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
  },
  { in: 'the GLM spec', prefix: '', noun: 'a GLM' },
  topLevelMoved,
);
export type GlmSpec = z.infer<typeof glmSpecFields>;
export const glmSpecSchema = glmSpecFields.superRefine((s, ctx) => refuse(glmSpecProblems(s), ctx));

/** How a text column becomes a bag-of-words corpus (stored once per dataset and these options). */
export const textPrepSchema = strictObject(
  {
    /** Stop-word language (ISO 639-1, e.g. en, de, fr) or none. */
    language: z.string().min(2).max(12).default('en'),
    extraStopWords: z.array(z.string().min(1).max(100)).max(5000).default([]),
    minTokenLength: z.number().int().min(1).max(50).default(3),
    /** Minimum document frequency: a count when ≥ 1, a fraction of documents when < 1. 10 (not 5): on short
     * English texts rarer words make incoherent topics (fortunes: NPMI −0.31 at 5, −0.02 at 10; issue 18). */
    minDf: z.number().positive().default(10),
    /** Maximum document frequency: a fraction of documents when ≤ 1, a count when > 1. */
    maxDf: z.number().positive().default(0.5),
    maxVocab: z.number().int().min(10).max(1_000_000).default(10_000),
    bigrams: z.boolean().default(false),
  },
  { in: 'prep', prefix: 'prep.', noun: 'a text-preparation' },
);
export type TextPrepSpec = z.infer<typeof textPrepSchema>;
/** The text-preparation defaults (one home: the spec, the preview, the CLI and the form read them from here). */
export const DEFAULT_TEXT_PREP_SPEC: TextPrepSpec = textPrepSchema.parse({});

/**
 * Latent Dirichlet allocation on a text column (Blei, Ng & Jordan 2003): batch variational EM or online SVI
 * (Hoffman et al. 2010). Defaults follow REFERENCE.md: τ0 = 1024, κ = 0.5 reaches batch quality after one pass.
 */
export const ldaSpecFields = strictObject(
  {
    model: z.literal('lda'),
    textColumn: z.string().min(1, 'LDA needs a text column'),
    prep: textPrepSchema.prefault({}),
    /**
     * Defaults chosen on the bundled fortunes sample (13,482 short English texts), where K = 20, η = 1/K and 5 passes
     * put 59.5 % of the corpus in one topic and held-out perplexity rose every pass (3,391 → 3,779). With K = 10, η = 1
     * and 10 passes it falls every few passes (2,163 → 2,081) and NPMI rises (−0.057 → −0.023); measured in issue 18.
     */
    topics: z.number().int().min(2, 'Expected at least 2 topics').max(500).default(10),
    method: z.enum(['online', 'batch']).default('online'),
    alpha: z.union([z.enum(['symmetric', 'asymmetric']), z.number().positive()]).default('symmetric'),
    /** Topic–word Dirichlet prior. 1 smooths the topics of short texts; stored runs from before kept η = 1/K
     * (migration 7 wrote it into their specs). */
    eta: z.number().positive().default(1),
    batchSize: z.number().int().min(1).max(100_000).default(256),
    tau0: z.number().min(0).max(1e7).default(1024),
    /** Step-size decay κ ∈ [0.5, 1]: Hoffman et al. prove convergence for κ ∈ (0.5, 1]; 0.5 works best in practice. */
    kappa: z.number().min(0.5, 'Expected κ ≥ 0.5 (step sizes (τ0 + t)^−κ must decay fast enough)').max(1).default(0.5),
    passes: z.number().int().min(1).max(1000).default(10),
    maxEStepIter: z.number().int().min(1).max(10_000).default(100),
    eStepTol: z.number().positive().max(1).default(1e-3),
    optimizeAlpha: z.boolean().default(false),
    optimizeEta: z.boolean().default(false),
    /** Share of documents held out for perplexity (document completion); ignored when heldoutDatasetId is set. */
    heldoutFraction: z.number().min(0).max(0.5).default(0.1),
    /** A separate dataset (same text column) scored for held-out perplexity; training then uses every row. */
    heldoutDatasetId: z.number().int().positive().optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
  },
  { in: 'the LDA spec', prefix: '', noun: 'an LDA' },
  {
    family: 'LDA fits a mean-field Dirichlet posterior by closed-form updates; remove "family"',
    objective: 'LDA maximises the ELBO by online SVI or batch EM; use "method"',
    optimiser: 'LDA\'s step sizes are (tau0 + t)^−kappa; use "tau0" and "kappa"',
    training: 'LDA has no training aids; remove "training"',
    epochs: 'use "passes"',
    k: 'use "topics"',
  },
);
export type LdaRunSpec = z.infer<typeof ldaSpecFields>;
export const ldaSpecSchema = ldaSpecFields.superRefine((s, ctx) => refuse(ldaSpecProblems(s), ctx));

/**
 * Run spec of a Bayesian neural network (model 'bnn'): task, columns, architecture, weight posterior family, prior,
 * likelihood, training schedule, splits. Validated at the edge.
 *
 * Families (engine shapes): meanfield = Bayes by Backprop over every weight with the local reparameterisation trick;
 * fullrank / lowrank = that Gaussian over the last layer's weights, other layers mean-field; planar / radial / iaf /
 * coupling = a normalizing flow over every weight of small networks (≤ `flowMaxWeights`) or over the last layer;
 * svgd = an ensemble of whole networks moved by Stein variational gradient descent.
 */
const PRIOR: StrictPlace = { in: 'prior', prefix: 'prior.', noun: 'a prior' };
export const bnnPriorSchema = z.discriminatedUnion('kind', [
  /** w ~ N(0, scale²) for every weight and bias. */
  strictObject({ kind: z.literal('gaussian'), scale: z.number().positive().max(100).default(1) }, PRIOR, {
    pi: '"pi" belongs to prior kind mixture',
    scale1: '"scale1" belongs to prior kind mixture; the Gaussian prior has "scale"',
    scale2: '"scale2" belongs to prior kind mixture; the Gaussian prior has "scale"',
  }),
  /** w ~ π N(0, σ₁²) + (1 − π) N(0, σ₂²) (Blundell et al. 2015, eq. 7). */
  strictObject(
    {
      kind: z.literal('mixture'),
      pi: z.number().gt(0).lt(1).default(0.5),
      scale1: z.number().positive().max(100).default(1),
      scale2: z.number().positive().max(100).default(Math.exp(-6)),
    },
    PRIOR,
    { scale: 'the mixture prior has "scale1" and "scale2"' },
  ),
]);
export type BnnPriorSpec = z.infer<typeof bnnPriorSchema>;

export const bnnSpecFields = strictObject(
  {
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
    /** Training aids: a BNN uses β (KL tempering) only. */
    training: trainingSpecSchema.prefault({}),
    prior: bnnPriorSchema.default({ kind: 'gaussian', scale: 1 }),
    /** Regression noise: learned = one σ fitted by maximising the ELBO; heteroscedastic = σ(x) from a second output; fixed = noiseScale. */
    noise: z.enum(['learned', 'heteroscedastic', 'fixed']).default('learned'),
    /** Noise standard deviation in the target's original units: fixed value, or the initial value when learned (default 0.5·sd(y)). */
    noiseScale: z.number().positive().optional(),
    epochs: z.number().int().min(1).max(100000).default(300),
    batchSize: z.number().int().min(1).max(65536).default(32),
    optimiser: optimiserSpecSchema.prefault({ kind: 'adam', learningRate: 1e-3 }),
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
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
  },
  { in: 'the BNN spec', prefix: '', noun: 'a BNN' },
  topLevelMoved,
);
export type BnnSpec = z.infer<typeof bnnSpecFields>;
export type BnnSpecInput = z.input<typeof bnnSpecFields>;
export const bnnSpecSchema = bnnSpecFields.superRefine((s, ctx) => refuse(bnnSpecProblems(s), ctx));

export const runSpecSchema = z.discriminatedUnion('model', [
  vaeSpecSchema,
  glmSpecSchema,
  ldaSpecSchema,
  bnnSpecSchema,
]);
export type RunSpec = z.infer<typeof runSpecSchema>;
export type RunSpecInput = z.input<typeof runSpecSchema>;
/**
 * Every model's fields without the cross-field checks: for reading a stored spec that today's checks refuse (its
 * run keeps its history; "Open in form" shows the problems, and a re-run is refused with them).
 */
export const runSpecFields = z.discriminatedUnion('model', [
  vaeSpecFields,
  glmSpecFields,
  ldaSpecFields,
  bnnSpecFields,
]);

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
