/**
 * Run spec of a Bayesian neural network (model 'bnn'): task, columns, architecture, weight posterior family, prior,
 * likelihood, training schedule, splits. Validated at the edge; the lead adds `bnnSpecSchema` to `runSpecSchema`.
 *
 * Families (engine shapes): meanfield = Bayes by Backprop over every weight with the local reparameterisation trick;
 * fullrank / lowrank = that Gaussian over the last layer's weights, other layers mean-field; planar / radial / iaf /
 * coupling = a normalizing flow over every weight of small networks (≤ `flowMaxWeights`) or over the last layer;
 * svgd = an ensemble of whole networks moved by Stein variational gradient descent.
 */
import { z } from 'zod';
import { familySpecSchema, objectiveSpecSchema, optimiserSpecSchema } from './run-spec';

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
