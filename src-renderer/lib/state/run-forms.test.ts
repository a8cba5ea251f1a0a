import { describe, expect, it } from 'vitest';
import {
  bnnSpecSchema,
  ldaSpecSchema,
  vaeSpecFields,
  vaeSpecSchema,
  type FamilySpec,
} from '../../../src-shared/schemas/run-spec';
import {
  bnnFormDefaults,
  bnnFormFromSpec,
  bnnSpecInput,
  keptSettings,
  ldaFormDefaults,
  ldaFormFromSpec,
  ldaSpecInput,
  parseHidden,
  vaeFormDefaults,
  vaeFormFromSpec,
  vaeSpecInput,
} from './run-forms';

// The VAE form validates fields with vaeSpecFields and lists the cross-field problems itself (VaeForm), so the
// mapping is tested on fields: `everything` sets every field, which no single runnable VAE does.
const vae = (x: Record<string, unknown>) => vaeSpecFields.parse({ model: 'vae', ...x });
const lda = (x: Record<string, unknown>) => ldaSpecSchema.parse({ model: 'lda', textColumn: 'text', ...x });
const bnn = (x: Record<string, unknown>) => bnnSpecSchema.parse({ model: 'bnn', target: 'y', ...x });

const FAMILIES: FamilySpec[] = [
  { kind: 'meanfield' },
  { kind: 'fullrank' },
  { kind: 'lowrank', rank: 3 },
  { kind: 'planar', length: 5 },
  { kind: 'radial', length: 6 },
  { kind: 'iaf', length: 3, hidden: 32 },
  { kind: 'coupling', length: 2, hidden: 16 },
  { kind: 'svgd', particles: 7, kernel: 'imq' },
];

describe('VAE form ↔ spec', () => {
  const everything = vae({
    family: { kind: 'iaf', length: 3, hidden: 32 },
    objective: { kind: 'renyi', alpha: 0.3, k: 7 },
    training: {
      beta: 2,
      anneal: { kind: 'cyclical', epochs: 3, ratio: 0.25 },
      freeBits: 0.5,
      estimator: 'score',
      kl: 'mc',
    },
    latentDim: [5, 3],
    hidden: [64, 32],
    activation: 'tanh',
    likelihood: 'auto',
    scale: 16,
    epochs: 3,
    batchSize: 16,
    optimiser: {
      kind: 'sgd',
      learningRate: 0.05,
      momentum: 0.5,
      clipNorm: 5,
      schedule: { kind: 'robbins-monro', tau0: 2, kappa: 0.7 },
    },
    validationFraction: 0.2,
    features: ['p2', 'p1'],
    seed: 42,
    gaussianVariance: 'fixed',
    noiseVariance: 0.3,
    latentType: 'categorical',
    categories: 4,
    temperature: { initial: 2, min: 0.3, rate: 0.001 },
    patience: 5,
    threads: 3,
    testDatasetId: 9,
    decoder: { kind: 'autoregressive', window: 3 },
    evaluation: { k: 50, rows: 100, amortisationGap: true, gapRows: 8, gapSteps: 20 },
  });

  it('a new form starts at the schema defaults', () => {
    expect(vaeSpecSchema.parse(vaeSpecInput(vaeFormDefaults()))).toEqual(vae({}));
  });

  it('round-trips a runnable spec with every training aid under the checked schema', () => {
    const spec = vaeSpecSchema.parse({
      model: 'vae',
      objective: { kind: 'elbo', samples: 2 },
      training: { beta: 4, anneal: { kind: 'linear', epochs: 2.5 }, freeBits: 2, estimator: 'score', kl: 'mc' },
      optimiser: { kind: 'adam', learningRate: 0.01, schedule: { kind: 'cosine' } },
    });
    expect(vaeSpecSchema.parse(vaeSpecInput(vaeFormFromSpec(spec)))).toEqual(spec);
  });

  it('leaves out settings that apply only with another choice, so the checked schema takes the form', () => {
    const form = vaeFormDefaults();
    form.extra.categories = 20; // categorical-only, latents are Gaussian
    form.extra.noiseVariance = 0.5; // fixed-variance only, the variance is learned
    form.extra.gapRows = 8; // amortisation-gap only, the gap is off
    form.features = ['a'];
    expect(vaeSpecSchema.safeParse(vaeSpecInput(form)).success).toBe(true);
  });

  it('round-trips every field, every family and every objective', () => {
    const specs = [
      vae({}),
      everything,
      ...FAMILIES.map((family) => vae({ family, seed: 9 })),
      vae({ objective: { kind: 'elbo', samples: 4 } }),
      vae({ objective: { kind: 'iwae', k: 9 } }),
      vae({ objective: { kind: 'renyi', alpha: -1, k: 3 }, hidden: [] }),
    ];
    for (const spec of specs) expect(vaeSpecFields.parse(vaeSpecInput(vaeFormFromSpec(spec)))).toEqual(spec);
  });

  it('changing one field in the form changes only that field', () => {
    const form = vaeFormFromSpec(everything);
    form.epochs = 7;
    form.seed = 3;
    expect(vaeSpecFields.parse(vaeSpecInput(form))).toEqual({ ...everything, epochs: 7, seed: 3 });
    const other = vaeFormFromSpec(everything);
    other.family = 'planar';
    other.extra.flowLength = 12;
    expect(vaeSpecFields.parse(vaeSpecInput(other)).family).toEqual({ kind: 'planar', length: 12 });
  });

  it('reads hidden widths, and leaves out what it cannot read (the form reports it as a field error)', () => {
    expect(parseHidden('256, 128')).toEqual([256, 128]);
    expect(parseHidden(' ')).toEqual([]);
    expect(parseHidden('64, x')).toBe('Expected whole numbers separated by commas, got "x"');
    const form = vaeFormFromSpec(everything);
    form.hiddenText = '64, x';
    expect(vaeSpecInput(form).hidden).toBeUndefined();
    form.epochs = null;
    expect(vaeSpecInput(form).epochs).toBeUndefined();
  });

  it('names the settings it keeps without showing them', () => {
    expect(keptSettings('vae', vaeFormFromSpec(vae({})).keep)).toEqual([]);
    expect(keptSettings('vae', vaeFormFromSpec(everything).keep)).toEqual([
      'optimiser.kind = sgd',
      'optimiser.momentum = 0.5',
      'optimiser.clipNorm = 5',
      'optimiser.schedule.kind = robbins-monro',
      'optimiser.schedule.tau0 = 2',
      'optimiser.schedule.kappa = 0.7',
      'testDatasetId = 9',
      'decoder.kind = autoregressive',
      'decoder.window = 3',
    ]);
  });
});

describe('LDA form ↔ spec', () => {
  const everything = lda({
    textColumn: 'body',
    prep: {
      language: 'de',
      extraStopWords: ['said', 'also'],
      minTokenLength: 2,
      minDf: 0.01,
      maxDf: 0.9,
      maxVocab: 500,
      bigrams: true,
    },
    topics: 7,
    method: 'online',
    alpha: 0.05,
    eta: 0.02,
    batchSize: 64,
    tau0: 10,
    kappa: 0.9,
    passes: 2,
    maxEStepIter: 50,
    eStepTol: 0.01,
    optimizeAlpha: true,
    optimizeEta: true,
    heldoutDatasetId: 4,
    seed: 77,
  });

  it('a new form starts at the schema defaults', () => {
    expect(ldaSpecSchema.parse(ldaSpecInput({ ...ldaFormDefaults(), textColumn: 'text' }))).toEqual(lda({}));
  });

  it('round-trips every field', () => {
    for (const spec of [lda({}), everything, lda({ alpha: 'asymmetric' }), lda({ alpha: 'symmetric', eta: 0.5 })]) {
      expect(ldaSpecSchema.parse(ldaSpecInput(ldaFormFromSpec(spec)))).toEqual(spec);
    }
    expect(keptSettings('lda', ldaFormFromSpec(everything).keep)).toEqual(['heldoutDatasetId = 4']);
  });

  it('changing one field changes only that field', () => {
    const form = ldaFormFromSpec(everything);
    form.passes = 9;
    expect(ldaSpecSchema.parse(ldaSpecInput(form))).toEqual({ ...everything, passes: 9 });
  });

  it('batch EM leaves out the online settings, which the spec refuses there', () => {
    const form = ldaFormFromSpec(lda({}));
    form.method = 'batch';
    form.tau0 = 10;
    expect(ldaSpecSchema.parse(ldaSpecInput(form))).toEqual(lda({ method: 'batch' }));
    expect(() => lda({ method: 'batch', tau0: 10 })).toThrow('tau0 = 10 applies to online SVI');
  });
});

describe('BNN form ↔ spec', () => {
  const everything = bnn({
    task: 'regression',
    target: 'progression',
    features: ['age', 'bmi'],
    hidden: [20, 10],
    activation: 'tanh',
    family: { kind: 'coupling', length: 3, hidden: 32 },
    flowMaxWeights: 500,
    objective: { kind: 'elbo', samples: 3 },
    prior: { kind: 'mixture', pi: 0.25, scale1: 2, scale2: 0.01 },
    noise: 'fixed',
    noiseScale: 0.7,
    epochs: 12,
    batchSize: 8,
    optimiser: { kind: 'sgd', learningRate: 0.02, momentum: 0.8, schedule: { kind: 'cosine' } },
    training: { beta: 0.5 },
    validationFraction: 0.2,
    patience: 4,
    testFraction: 0.3,
    splits: 3,
    predictiveSamples: 50,
    initScale: 0.05,
    maxLevels: 20,
    seed: 123,
  });

  it('a new form starts at the schema defaults', () => {
    expect(bnnSpecSchema.parse(bnnSpecInput(bnnFormDefaults(null, { target: 'y', features: [] })))).toMatchObject({
      ...bnn({}),
      // The form's mixture scale 2 is rounded for display; a Gaussian prior ignores it.
      prior: { kind: 'gaussian', scale: 1 },
    });
  });

  it('round-trips every field and every family', () => {
    const specs = [
      bnn({}),
      everything,
      bnn({ noise: 'heteroscedastic', task: 'regression' }),
      bnn({ task: 'classification' }),
      bnn({
        family: { kind: 'fullrank' },
        optimiser: { kind: 'adam', learningRate: 0.01, schedule: { kind: 'robbins-monro', tau0: 3, kappa: 0.6 } },
      }),
      ...FAMILIES.map((family) => bnn({ family })),
    ];
    for (const spec of specs) expect(bnnSpecSchema.parse(bnnSpecInput(bnnFormFromSpec(spec)))).toEqual(spec);
  });

  it('leaves out what the chosen task or family does not use, so the checked schema takes the form', () => {
    const form = bnnFormFromSpec(everything); // a coupling flow with flowMaxWeights 500, fixed noise
    form.family = 'fullrank';
    form.task = 'classification';
    const spec = bnnSpecSchema.parse(bnnSpecInput(form));
    expect(spec).toMatchObject({
      family: { kind: 'fullrank' },
      noise: 'learned',
      flowMaxWeights: 1000,
      initScale: 0.05,
    });
    expect(spec.noiseScale).toBeUndefined();
    form.family = 'svgd';
    expect(bnnSpecSchema.parse(bnnSpecInput(form)).initScale).toBe(0.01);
  });

  it('changing the seed changes only the seed, and names what it keeps unseen', () => {
    const form = bnnFormFromSpec(everything);
    form.seed = 5;
    expect(bnnSpecSchema.parse(bnnSpecInput(form))).toEqual({ ...everything, seed: 5 });
    expect(keptSettings('bnn', bnnFormFromSpec(bnn({})).keep)).toEqual([]);
    expect(keptSettings('bnn', form.keep)).toEqual([
      'family.hidden = 32',
      'optimiser.kind = sgd',
      'optimiser.momentum = 0.8',
      'objective.samples = 3',
      'training.beta = 0.5',
      'flowMaxWeights = 500',
      'initScale = 0.05',
      'maxLevels = 20',
    ]);
  });
});
