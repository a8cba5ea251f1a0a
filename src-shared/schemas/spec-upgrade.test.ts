import { describe, expect, it } from 'vitest';
import { runSpecSchema } from './run-spec';
import { upgradeRunSpec } from './spec-upgrade';

/** Upgrade, then parse under today's strict, checked schema. */
const upgraded = (old: unknown) => {
  const u = upgradeRunSpec(old);
  return { ...u, parsed: runSpecSchema.parse(u.spec) as Record<string, unknown> };
};

// Specs as earlier versions stored them (every default filled in by the old schema).
const OLD_VAE = {
  model: 'vae',
  family: { kind: 'iaf', length: 2, hidden: 64 },
  objective: { kind: 'elbo', samples: 1, beta: 4, freeBits: 2, estimator: 'score' },
  latentDim: 2,
  hidden: [128],
  activation: 'relu',
  likelihood: 'auto',
  scale: 0,
  epochs: 2,
  batchSize: 64,
  optimiser: {
    kind: 'adam',
    learningRate: 0.001,
    momentum: 0.9,
    schedule: { kind: 'robbins-monro', tau0: 1, kappa: 0.7 },
  },
  validationFraction: 0.1,
  features: [],
  seed: 1,
  estimator: 'reparam',
  kl: 'mc',
  beta: 2,
  klAnneal: { kind: 'linear', epochs: 3, ratio: 0.5 },
  freeBits: 0.5,
  gaussianVariance: 'learned',
  noiseVariance: 1,
  latentType: 'gaussian',
  categories: 10,
  temperature: { initial: 1, min: 0.5, rate: 0.0003 },
  patience: 0,
  threads: 1,
  evaluation: { k: 10, rows: 2000, amortisationGap: false, gapRows: 64, gapSteps: 100 },
};

describe("upgradeRunSpec: old stored specs → today's shape", () => {
  it('VAE: the top-level aids it trained with; the ignored objective-level copies and schedule dropped and named', () => {
    const u = upgraded(OLD_VAE);
    expect(u.parsed.training).toEqual({
      beta: 2,
      anneal: { kind: 'linear', epochs: 3 },
      freeBits: 0.5,
      estimator: 'reparam',
      kl: 'mc',
      // Added with a default (issue 14): old specs parse and report, and never stop early.
      convergence: { stopWhenConverged: false, tolerance: 0.01, window: 5 },
    });
    expect(u.parsed.objective).toEqual({ kind: 'elbo', samples: 1 });
    expect(u.parsed.optimiser).toEqual({ kind: 'adam', learningRate: 0.001, schedule: { kind: 'constant' } });
    expect(u.dropped).toEqual([
      'objective.beta = 4',
      'objective.freeBits = 2',
      'objective.estimator = "score"',
      'optimiser.schedule = {"kind":"robbins-monro","tau0":1,"kappa":0.7}',
    ]);
    expect(u.changed).toBe(true);
  });

  it('VAE: cyclical annealing keeps its ratio; free bits with threads trained on one thread', () => {
    const u = upgraded({
      ...OLD_VAE,
      objective: { kind: 'elbo', samples: 1 },
      klAnneal: { kind: 'cyclical', epochs: 4, ratio: 0.25 },
      threads: 4,
      categories: 12,
    });
    expect([(u.parsed.training as Record<string, unknown>).anneal, u.parsed.threads, u.parsed.categories]).toEqual([
      { kind: 'cyclical', epochs: 4, ratio: 0.25 },
      1,
      10,
    ]);
    expect(u.dropped).toContain('threads = 4');
    expect(u.dropped).toContain('categories = 12');
  });

  it('GLM: the objective-level aids it trained with move to training (warm-up steps = epochs)', () => {
    const old = {
      model: 'glm',
      kind: 'auto',
      target: 'y',
      features: [],
      family: { kind: 'meanfield' },
      objective: {
        kind: 'elbo',
        samples: 2,
        beta: 0.5,
        anneal: { kind: 'linear', warmup: 200 },
        estimator: 'score',
        analyticKl: false,
        freeBits: 1,
      },
      optimiser: {
        kind: 'sgd',
        learningRate: 0.01,
        momentum: 0.8,
        schedule: { kind: 'robbins-monro', tau0: 2, kappa: 0.6 },
      },
      steps: 3000,
      standardize: true,
      seed: 1,
    };
    const u = upgraded(old);
    expect(u.parsed.training).toEqual({
      beta: 0.5,
      anneal: { kind: 'linear', epochs: 200 },
      freeBits: 0,
      estimator: 'score',
      kl: 'mc',
      convergence: { stopWhenConverged: false, tolerance: 0.01, window: 5 },
    });
    expect(u.parsed.objective).toEqual({ kind: 'elbo', samples: 2 });
    expect(u.parsed.optimiser).toEqual({
      kind: 'sgd',
      momentum: 0.8,
      learningRate: 0.01,
      schedule: { kind: 'robbins-monro', tau0: 2, kappa: 0.6 },
    });
    expect(u.dropped).toEqual(['objective.freeBits = 1']);
    const cyc = upgraded({
      ...old,
      objective: { kind: 'iwae', k: 3, anneal: { kind: 'cyclical', period: 50 }, freeBits: 0 },
    });
    expect((cyc.parsed.training as Record<string, unknown>).anneal).toEqual({
      kind: 'cyclical',
      epochs: 50,
      ratio: 0.5,
    });
  });

  it('GLM with SVGD: the unused objective and aids go', () => {
    const u = upgraded({
      model: 'glm',
      target: 'y',
      family: { kind: 'svgd', particles: 20, kernel: 'rbf' },
      objective: { kind: 'iwae', k: 3, beta: 2 },
      optimiser: { kind: 'adam', learningRate: 0.01, momentum: 0.9 },
    });
    expect(u.parsed.objective).toEqual({ kind: 'elbo', samples: 1 });
    expect(u.dropped).toEqual(['training.beta = 2', 'objective = {"kind":"iwae","k":3}']);
  });

  it('BNN: lrSchedule becomes optimiser.schedule, β moves to training, the other aids are dropped', () => {
    const old = {
      model: 'bnn',
      task: 'auto',
      target: 'y',
      features: [],
      hidden: [10],
      activation: 'relu',
      family: { kind: 'fullrank' },
      flowMaxWeights: 1000,
      objective: {
        kind: 'elbo',
        samples: 1,
        beta: 0.3,
        freeBits: 1,
        anneal: { kind: 'linear', warmup: 10 },
        analyticKl: true,
      },
      prior: { kind: 'gaussian', scale: 1 },
      noise: 'learned',
      epochs: 5,
      batchSize: 32,
      optimiser: { kind: 'adam', learningRate: 0.001, momentum: 0.9 },
      lrSchedule: 'cosine',
      validationFraction: 0.1,
      patience: 30,
      testFraction: 0.1,
      splits: 1,
      predictiveSamples: 100,
      initScale: 0.01,
      maxLevels: 100,
      seed: 1,
    };
    const u = upgraded(old);
    expect([(u.parsed.training as Record<string, unknown>).beta, u.parsed.optimiser]).toEqual([
      0.3,
      { kind: 'adam', learningRate: 0.001, schedule: { kind: 'cosine' } },
    ]);
    expect(u.dropped).toEqual(['objective.anneal = {"kind":"linear","warmup":10}', 'objective.freeBits = 1']);
    // Bayes by Backprop trained with its own Adam: an SGD kind was not used.
    const mf = upgraded({
      ...old,
      family: { kind: 'meanfield' },
      lrSchedule: 'constant',
      optimiser: { kind: 'sgd', learningRate: 0.01, momentum: 0.9 },
    });
    expect(mf.parsed.optimiser).toEqual({ kind: 'adam', learningRate: 0.01, schedule: { kind: 'constant' } });
    expect(mf.dropped).toContain('optimiser.kind = "sgd"');
  });

  it('LDA: unchanged unless it carried settings batch EM ignored', () => {
    const lda = { model: 'lda', textColumn: 't', method: 'online', topics: 5 };
    expect(upgradeRunSpec(lda)).toEqual({ spec: lda, dropped: [], changed: false });
    const batch = upgraded({ ...lda, method: 'batch', tau0: 64, batchSize: 256 });
    expect(batch.dropped).toEqual(['tau0 = 64']);
  });

  it("is idempotent: today's specs come back unchanged", () => {
    for (const old of [
      OLD_VAE,
      { model: 'glm', target: 'y', objective: { kind: 'elbo', beta: 2 } },
      { model: 'bnn', target: 'y', lrSchedule: 'cosine' },
    ]) {
      const once = upgraded(old).parsed;
      const twice = upgradeRunSpec(once);
      expect(twice.changed).toBe(false);
      expect(twice.dropped).toEqual([]);
      expect(twice.spec).toEqual(once);
    }
    expect(upgradeRunSpec(null)).toEqual({ spec: null, dropped: [], changed: false });
  });
});
