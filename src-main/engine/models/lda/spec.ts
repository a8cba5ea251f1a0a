/**
 * Hyper-parameters of LDA fitting (validated; JSON-serialisable so a run spec can carry them).
 *
 * Model (Blei, Ng & Jordan 2003): β_k ~ Dir(η 1_V), θ_d ~ Dir(α), z_dn ~ Cat(θ_d), w_dn ~ Cat(β_{z_dn}).
 * Variational family: q(β_k) = Dir(λ_k), q(θ_d) = Dir(γ_d), q(z_dn) = Cat(φ_dn).
 * Defaults follow REFERENCE.md's lesson: online SVI with Hoffman's τ0 = 1024, κ = 0.5 (ρ_t = (τ0 + t)^−κ) reaches
 * batch quality after one pass, while sklearn/gensim's τ0 = 10, κ = 0.7 plateaus near the unigram baseline.
 */
import { z } from 'zod';
import { strictObject } from '../../../../src-shared/schemas/strict';

/** Strict, like every spec: an unknown setting is refused with the nearest known one, not dropped. */
export const LdaSpecSchema = strictObject(
  {
    /** K, the number of topics. */
    topics: z.number().int().min(1).max(1000).default(10),
    method: z.enum(['batch', 'online']).default('online'),
    /** Document–topic prior: 'symmetric' α_k = 1/K; 'asymmetric' α_k ∝ 1/(k + √K), Σα = 1 (gensim); a number α_k = a. */
    alpha: z
      .union([z.enum(['symmetric', 'asymmetric']), z.number().positive(), z.array(z.number().positive())])
      .default('symmetric'),
    /** Topic–word prior η (symmetric); default 1/K. */
    eta: z.number().positive().optional(),
    batchSize: z.number().int().min(1).default(256),
    tau0: z.number().min(0).default(1024),
    /** Learning-rate decay κ ∈ (0, 1]; Hoffman et al. prove convergence for κ ∈ (0.5, 1], 0.5 works in practice. */
    kappa: z.number().gt(0).max(1).default(0.5),
    passes: z.number().int().min(1).default(10),
    maxEStepIter: z.number().int().min(1).default(100),
    eStepTol: z.number().positive().default(1e-3),
    optimizeAlpha: z.boolean().default(false),
    optimizeEta: z.boolean().default(false),
    seed: z.number().int().min(0).default(0),
    /** Worker threads for the E-step; default os.availableParallelism(); ≤ 1 runs on the calling thread. */
    threads: z.number().int().min(0).max(256).optional(),
    /** Shuffle the training documents at every pass (online only). */
    shuffle: z.boolean().default(true),
    /**
     * λ initialisation: 'random' = Gamma(100, 1/100) (gensim, scikit-learn); 'seeded' = that plus the word counts of
     * K documents chosen by greedy k-means++ (fit.ts seedDocuments), which avoids the merged-topic local optima a
     * near-uniform start often falls into (on the synthetic tests: 8 of 8 seeds recover the topics vs 1–2 of 6).
     */
    init: z.enum(['random', 'seeded']).default('seeded'),
  },
  { in: 'the LDA settings', prefix: '', noun: 'an LDA fitting' },
);

export type LdaSpec = z.output<typeof LdaSpecSchema>;
export type LdaSpecInput = z.input<typeof LdaSpecSchema>;

/** Validates and fills defaults; throws a RangeError that echoes the bad values. */
export function parseLdaSpec(input: LdaSpecInput | undefined): LdaSpec {
  const r = LdaSpecSchema.safeParse(input ?? {});
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || 'spec'}: ${i.message}`).join('; ');
    throw new RangeError(`Invalid LDA settings: ${msg}`);
  }
  const s = r.data;
  if (Array.isArray(s.alpha) && s.alpha.length !== s.topics) {
    throw new RangeError(`Expected ${s.topics} alpha values (one per topic), got ${s.alpha.length}`);
  }
  return s;
}

/** The α vector a spec asks for (see LdaSpecSchema.alpha). */
export function initialAlpha(spec: LdaSpec): Float64Array {
  const K = spec.topics;
  const a = new Float64Array(K);
  if (spec.alpha === 'symmetric') a.fill(1 / K);
  else if (spec.alpha === 'asymmetric') {
    let s = 0;
    for (let k = 0; k < K; k++) {
      a[k] = 1 / (k + Math.sqrt(K));
      s += a[k]!;
    }
    for (let k = 0; k < K; k++) a[k]! /= s;
  } else if (typeof spec.alpha === 'number') a.fill(spec.alpha);
  else a.set(spec.alpha);
  return a;
}
