import { describe, expect, it } from 'vitest';
import { bnnSpecSchema, glmSpecSchema, ldaSpecSchema, runSpecSchema, vaeSpecSchema } from './run-spec';
import { editDistance, nearestKey } from './strict';

/** Every issue message of a refused spec, joined (fails the test when the spec parses). */
function refusal(
  schema: {
    safeParse: (v: unknown) => { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  input: unknown,
): string {
  const r = schema.safeParse(input);
  expect(r.success, `expected ${JSON.stringify(input)} to be refused`).toBe(false);
  return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join(' | ');
}

describe('strict run specs: unknown keys', () => {
  it('names a misspelt key, where it was, and the key meant', () => {
    expect(refusal(vaeSpecSchema, { model: 'vae', epocs: 5 })).toBe(
      ': Unknown key "epocs" in the VAE spec; did you mean "epochs"?',
    );
    expect(refusal(runSpecSchema, { model: 'vae', optimiser: { kind: 'adam', learningrate: 0.01 } })).toBe(
      'optimiser: Unknown key "learningrate" in optimiser; did you mean "learningRate"?',
    );
    expect(refusal(runSpecSchema, { model: 'glm', target: 'y', stesp: 10 })).toContain(
      'Unknown key "stesp" in the GLM spec; did you mean "steps"?',
    );
    expect(refusal(runSpecSchema, { model: 'lda', textColumn: 't', prep: { langauge: 'de' } })).toContain(
      'Unknown key "langauge" in prep; did you mean "language"?',
    );
    expect(refusal(runSpecSchema, { model: 'bnn', target: 'y', prior: { kind: 'gaussian', scael: 2 } })).toContain(
      'did you mean "scale"?',
    );
    expect(refusal(vaeSpecSchema, { model: 'vae', evaluation: { rowz: 10 } })).toContain(
      'Unknown key "rowz" in evaluation; did you mean "rows"?',
    );
  });

  it('lists the known keys when nothing is close', () => {
    expect(refusal(vaeSpecSchema, { model: 'vae', training: { warp: 9 } })).toBe(
      'training: Unknown key "warp" in training; expected one of "beta", "anneal", "freeBits", "estimator", "kl", "convergence". Remove it.',
    );
  });

  it('points a moved training aid at its one home', () => {
    expect(refusal(vaeSpecSchema, { model: 'vae', objective: { kind: 'elbo', beta: 4 } })).toBe(
      'objective: "objective.beta" is not an objective setting: use "training.beta"',
    );
    // The issue's example: every objective-level aid is refused, none silently ignored.
    const m = refusal(vaeSpecSchema, {
      model: 'vae',
      objective: { kind: 'elbo', beta: 4, freeBits: 2, estimator: 'score' },
    });
    expect(m).toContain('"objective.beta" is not an objective setting: use "training.beta"');
    expect(m).toContain('"objective.freeBits" is not an objective setting: use "training.freeBits"');
    expect(m).toContain('"objective.estimator" is not an objective setting: use "training.estimator"');
    expect(refusal(vaeSpecSchema, { model: 'vae', beta: 4 })).toBe(
      ': "beta" is not a VAE setting: use "training.beta"',
    );
    expect(refusal(vaeSpecSchema, { model: 'vae', klAnneal: { kind: 'linear' } })).toContain(
      '"klAnneal" is not a VAE setting: use "training.anneal"',
    );
    expect(refusal(bnnSpecSchema, { model: 'bnn', target: 'y', lrSchedule: 'cosine' })).toContain(
      '"lrSchedule" is not a BNN setting: use "optimiser.schedule"',
    );
    expect(
      refusal(glmSpecSchema, { model: 'glm', target: 'y', objective: { kind: 'elbo', analyticKl: false } }),
    ).toContain('use "training.kl"');
    expect(refusal(vaeSpecSchema, { model: 'vae', objective: { kind: 'iwae', samples: 5 } })).toContain(
      '"objective.samples" is not an objective setting: IWAE draws "k"',
    );
  });

  it('refuses momentum with Adam, naming SGD', () => {
    expect(
      refusal(vaeSpecSchema, { model: 'vae', optimiser: { kind: 'adam', learningRate: 0.01, momentum: 0.5 } }),
    ).toContain('"optimiser.momentum" is not an optimiser setting: momentum applies to SGD; set "kind": "sgd"');
    expect(
      vaeSpecSchema.parse({ model: 'vae', optimiser: { kind: 'sgd', learningRate: 0.01, momentum: 0.5 } }).optimiser,
    ).toEqual({
      kind: 'sgd',
      momentum: 0.5,
      learningRate: 0.01,
      schedule: { kind: 'constant' },
    });
  });

  it('did-you-mean is case-insensitive edit distance, and only for near misses', () => {
    expect(editDistance('epocs', 'epochs')).toBe(1);
    expect(nearestKey('learningrate', ['learningRate', 'clipNorm'])).toBe('learningRate');
    expect(nearestKey('zzz', ['beta', 'kl'])).toBeNull();
  });
});

describe('one home per training aid', () => {
  it('the training block is shared by every model and defaults to none', () => {
    const t = {
      beta: 1,
      anneal: { kind: 'none' },
      freeBits: 0,
      estimator: 'reparam',
      kl: 'auto',
      convergence: { stopWhenConverged: false, tolerance: 0.01, window: 5 },
    };
    expect(vaeSpecSchema.parse({ model: 'vae' }).training).toEqual(t);
    expect(glmSpecSchema.parse({ model: 'glm', target: 'y' }).training).toEqual(t);
    expect(bnnSpecSchema.parse({ model: 'bnn', target: 'y' }).training).toEqual(t);
    const v = vaeSpecSchema.parse({
      model: 'vae',
      training: { beta: 4, freeBits: 2, estimator: 'score', kl: 'mc', anneal: { kind: 'cyclical', epochs: 4 } },
    });
    expect(v.training).toEqual({
      beta: 4,
      anneal: { kind: 'cyclical', epochs: 4, ratio: 0.5 },
      freeBits: 2,
      estimator: 'score',
      kl: 'mc',
      convergence: t.convergence,
    });
  });
  it('training.convergence: strict, bounded, refused for SVGD (no bound to converge)', () => {
    expect(refusal(glmSpecSchema, { model: 'glm', target: 'y', training: { convergence: { tolerance: 0 } } })).toMatch(
      /training\.convergence\.tolerance/,
    );
    expect(
      refusal(glmSpecSchema, {
        model: 'glm',
        target: 'y',
        family: { kind: 'svgd' },
        objective: { kind: 'elbo', samples: 1 },
        training: { convergence: { stopWhenConverged: true } },
      }),
    ).toContain('SVGD maximises no bound, so there is no smoothed bound to converge');
    // A GLM's default of 8 draws per step is named when SVGD is chosen without setting the objective.
    expect(refusal(glmSpecSchema, { model: 'glm', target: 'y', family: { kind: 'svgd' } })).toContain(
      'got objective "elbo" with 8 draws per step. Set objective to {"kind": "elbo", "samples": 1}',
    );
  });
});

describe('settings a model does not use are refused', () => {
  it('GLM: free bits', () => {
    expect(refusal(glmSpecSchema, { model: 'glm', target: 'y', training: { freeBits: 1 } })).toContain(
      'training.freeBits: A GLM has no free bits (free bits floor the KL per latent dimension of an amortised model; a GLM has one global posterior); got training.freeBits = 1.',
    );
    expect(
      glmSpecSchema.parse({
        model: 'glm',
        target: 'y',
        training: { beta: 0.5, anneal: { kind: 'linear', epochs: 500 } },
      }).training.beta,
    ).toBe(0.5);
  });

  it('GLM with SVGD: objectives and training aids', () => {
    expect(
      refusal(glmSpecSchema, {
        model: 'glm',
        target: 'y',
        family: { kind: 'svgd' },
        objective: { kind: 'iwae', k: 3 },
      }),
    ).toContain('SVGD maximises no bound');
    expect(
      refusal(glmSpecSchema, { model: 'glm', target: 'y', family: { kind: 'svgd' }, training: { beta: 2 } }),
    ).toContain('training.beta: SVGD does not weight a KL term');
    expect(
      refusal(glmSpecSchema, { model: 'glm', target: 'y', family: { kind: 'planar' }, training: { kl: 'analytic' } }),
    ).toContain('The KL of a planar posterior has no closed form');
  });

  it('BNN: an objective other than the ELBO, and the aids it does not use', () => {
    expect(refusal(bnnSpecSchema, { model: 'bnn', target: 'y', objective: { kind: 'iwae', k: 5 } })).toBe(
      'objective: A BNN is fitted with the ELBO (its KL is shared by every minibatch); got objective "iwae". Choose objective elbo (samples = weight draws per step).',
    );
    for (const [training, field] of [
      [{ freeBits: 1 }, 'training.freeBits'],
      [{ anneal: { kind: 'linear', epochs: 3 } }, 'training.anneal'],
      [{ estimator: 'score' }, 'training.estimator'],
      [{ kl: 'mc' }, 'training.kl'],
    ] as const) {
      expect(refusal(bnnSpecSchema, { model: 'bnn', target: 'y', training })).toMatch(
        new RegExp(`^${field.replace('.', '\\.')}: A BNN`),
      );
    }
    expect(bnnSpecSchema.parse({ model: 'bnn', target: 'y', training: { beta: 0.1 } }).training.beta).toBe(0.1);
    expect(
      refusal(bnnSpecSchema, { model: 'bnn', target: 'y', optimiser: { kind: 'sgd', learningRate: 0.01 } }),
    ).toContain('trained with its own Adam');
    expect(refusal(bnnSpecSchema, { model: 'bnn', target: 'y', flowMaxWeights: 50 })).toContain(
      'flowMaxWeights = 50 applies to flow families',
    );
    expect(refusal(bnnSpecSchema, { model: 'bnn', target: 'y', noise: 'heteroscedastic', noiseScale: 2 })).toContain(
      'noiseScale = 2 is not used',
    );
    expect(refusal(bnnSpecSchema, { model: 'bnn', target: 'y', validationFraction: 0, patience: 5 })).toContain(
      'Early stopping (patience 5) watches a validation split',
    );
    expect(
      bnnSpecSchema.parse({
        model: 'bnn',
        target: 'y',
        optimiser: { kind: 'adam', learningRate: 0.01, schedule: { kind: 'cosine' } },
      }).optimiser.schedule,
    ).toEqual({ kind: 'cosine' });
  });

  it('VAE: threads with free bits, and options of another choice', () => {
    expect(refusal(vaeSpecSchema, { model: 'vae', threads: 2, training: { freeBits: 0.5 } })).toContain(
      "threads: threads = 2 with free bits 0.5: free bits floor the whole batch's KL per latent dimension",
    );
    expect(refusal(vaeSpecSchema, { model: 'vae', categories: 20 })).toContain(
      'categories = 20 applies to categorical latents',
    );
    expect(refusal(vaeSpecSchema, { model: 'vae', noiseVariance: 0.5 })).toContain(
      'noiseVariance = 0.5 is used only with a fixed Gaussian variance',
    );
    expect(refusal(vaeSpecSchema, { model: 'vae', evaluation: { gapRows: 8 } })).toContain(
      'apply to the amortisation gap, which is off',
    );
    expect(
      refusal(vaeSpecSchema, { model: 'vae', objective: { kind: 'iwae', k: 5 }, training: { beta: 2 } }),
    ).toContain('training.beta: β = 2 weights the ELBO');
    expect(
      vaeSpecSchema.parse({
        model: 'vae',
        optimiser: { kind: 'adam', learningRate: 0.01, schedule: { kind: 'robbins-monro', tau0: 1, kappa: 0.7 } },
      }).optimiser.schedule.kind,
    ).toBe('robbins-monro');
  });

  it('LDA: online settings with batch EM, a held-out share beside a held-out dataset', () => {
    expect(refusal(ldaSpecSchema, { model: 'lda', textColumn: 't', method: 'batch', kappa: 0.7 })).toContain(
      'kappa = 0.7 applies to online SVI',
    );
    expect(
      refusal(ldaSpecSchema, { model: 'lda', textColumn: 't', heldoutDatasetId: 3, heldoutFraction: 0.2 }),
    ).toContain('heldoutFraction = 0.2 is not used');
    expect(refusal(ldaSpecSchema, { model: 'lda', textColumn: 't', epochs: 3 })).toContain(
      '"epochs" is not an LDA setting: use "passes"',
    );
  });
});
