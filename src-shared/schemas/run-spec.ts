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

export const objectiveSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('elbo'), samples: z.number().int().min(1).max(1000).default(1) }),
  z.object({ kind: z.literal('iwae'), k: z.number().int().min(1).max(5000).default(5) }),
  z.object({
    kind: z.literal('renyi'),
    alpha: z.number().min(-10).max(10).default(0.5),
    k: z.number().int().min(1).max(5000).default(5),
  }),
]);
export type ObjectiveSpec = z.infer<typeof objectiveSpecSchema>;

export const optimiserSpecSchema = z.object({
  kind: z.enum(['adam', 'sgd']).default('adam'),
  learningRate: z.number().positive().max(10).default(1e-3),
  momentum: z.number().min(0).max(0.999).default(0.9),
  clipNorm: z.number().positive().optional(),
});
export type OptimiserSpec = z.infer<typeof optimiserSpecSchema>;

export const vaeSpecSchema = z.object({
  model: z.literal('vae'),
  family: familySpecSchema.default({ kind: 'meanfield' }),
  objective: objectiveSpecSchema.default({ kind: 'elbo', samples: 1 }),
  latentDim: z.number().int().min(1).max(512).default(2),
  hidden: z.array(z.number().int().min(1).max(4096)).max(6).default([128]),
  activation: z.enum(['relu', 'tanh', 'elu']).default('relu'),
  /** auto: Bernoulli when every feature lies in [0, 1] after scaling, else Gaussian. */
  likelihood: z.enum(['auto', 'bernoulli', 'gaussian']).default('auto'),
  /** Pixel-like data (e.g. 0–16 or 0–255 grey levels) are divided by this before a Bernoulli likelihood; 0 = the column maximum. */
  scale: z.number().min(0).default(0),
  epochs: z.number().int().min(1).max(10000).default(20),
  batchSize: z.number().int().min(1).max(65536).default(64),
  optimiser: optimiserSpecSchema.default({ kind: 'adam', learningRate: 1e-3, momentum: 0.9 }),
  validationFraction: z.number().min(0).max(0.9).default(0.1),
  /** Feature columns to model; empty = every column whose role is feature. */
  features: z.array(z.string()).default([]),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
});
export type VaeSpec = z.infer<typeof vaeSpecSchema>;

export const runSpecSchema = z.discriminatedUnion('model', [vaeSpecSchema]);
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
