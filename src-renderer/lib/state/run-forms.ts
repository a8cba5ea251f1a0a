/**
 * The run forms' state as plain data, and the two mappings the forms use: spec → form state ("Open in form" from the
 * history pre-fills a form with a run's spec) and form state → spec input (what the form validates and starts).
 * Settings a form does not show (an SGD optimiser from the CLI, a BNN's objective, an LDA held-out dataset …) ride
 * along in `keep`, so `schema.parse(xSpecInput(xFormFromSpec(spec)))` gives the spec back field for field.
 */
import type {
  BnnSpec,
  FamilySpec,
  LdaRunSpec,
  OptimiserSpec,
  TrainingSpec,
  VaeSpec,
} from '../../../src-shared/schemas/run-spec';
import { ldaSpecFields } from '../../../src-shared/schemas/run-spec';
import { flatten } from '../compare';
import { defaultVaeExtra, extraInput, familyInput, objectiveInput, type VaeExtra } from './vae.svelte';

/** A form's number field: null while empty (or not a number). */
type Num = number | null;

function num(v: Num): number | undefined {
  return v === null || Number.isNaN(v) ? undefined : v;
}

/** "256, 128" → [256, 128]; a message for anything else. */
export function parseHidden(text: string): number[] | string {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p)) return `Expected whole numbers separated by commas, got "${p}"`;
    out.push(Number(p));
  }
  return out;
}

/** An optimiser without its learning rate (what a form keeps when it shows only the rate). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type OptimiserKeep = DistributiveOmit<OptimiserSpec, 'learningRate' | 'schedule'> & {
  schedule?: OptimiserSpec['schedule'];
};

/** The family object for the form's kind, over what the original run had for that kind (params the form lacks). */
function mergeFamily(kept: FamilySpec | undefined, made: Record<string, unknown>): Record<string, unknown> {
  return kept && kept.kind === made.kind ? { ...kept, ...made } : made;
}

// ── VAE ──

/** The VAE form: the basic fields of TrainView plus VaeForm's extras. */
export interface VaeFormState {
  features: string[];
  latentDim: Num;
  hiddenText: string;
  activation: VaeSpec['activation'];
  likelihood: VaeSpec['likelihood'];
  scale: Num;
  epochs: Num;
  batchSize: Num;
  learningRate: Num;
  validationFraction: Num;
  seed: Num;
  family: VaeSpec['family']['kind'];
  objective: VaeSpec['objective']['kind'];
  mcSamples: Num;
  extra: VaeExtra;
  keep: VaeKeep;
}

/** What the VAE form does not show: the optimiser beyond its learning rate, a family's other parameters. */
export interface VaeKeep {
  optimiser: OptimiserKeep;
  family?: FamilySpec;
  /** A separate test dataset (set from the CLI's --test); carried into a re-run from the form. */
  testDatasetId?: number;
}

export interface VaeFormPreset {
  latentDim?: number;
  hidden?: number[];
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
}

export function vaeFormDefaults(preset?: VaeFormPreset | null): VaeFormState {
  return {
    features: [],
    latentDim: preset?.latentDim ?? 2,
    hiddenText: (preset?.hidden ?? [128]).join(','),
    activation: 'relu',
    likelihood: 'auto',
    scale: 0,
    epochs: preset?.epochs ?? 20,
    batchSize: preset?.batchSize ?? 64,
    learningRate: preset?.learningRate ?? 0.001,
    validationFraction: 0.1,
    seed: 1,
    family: 'meanfield',
    objective: 'elbo',
    mcSamples: 1,
    extra: defaultVaeExtra(),
    keep: { optimiser: { kind: 'adam' } },
  };
}

export function vaeFormFromSpec(spec: VaeSpec): VaeFormState {
  const d = vaeFormDefaults();
  const x = defaultVaeExtra();
  const f = spec.family;
  if (f.kind === 'lowrank') x.rank = f.rank;
  if (f.kind === 'planar' || f.kind === 'radial' || f.kind === 'iaf' || f.kind === 'coupling') x.flowLength = f.length;
  if (f.kind === 'iaf' || f.kind === 'coupling') x.flowHidden = f.hidden;
  const o = spec.objective;
  if (o.kind === 'iwae' || o.kind === 'renyi') x.iwaeK = o.k;
  if (o.kind === 'renyi') x.renyiAlpha = o.alpha;
  const t = spec.training;
  Object.assign(x, {
    estimator: t.estimator,
    kl: t.kl,
    beta: t.beta,
    annealKind: t.anneal.kind,
    annealEpochs: t.anneal.kind === 'none' ? x.annealEpochs : t.anneal.epochs,
    annealRatio: t.anneal.kind === 'cyclical' ? t.anneal.ratio : x.annealRatio,
    freeBits: t.freeBits,
    stopWhenConverged: t.convergence.stopWhenConverged,
    gaussianVariance: spec.gaussianVariance,
    noiseVariance: spec.noiseVariance,
    latentType: spec.latentType,
    categories: spec.categories,
    tempInitial: spec.temperature.initial,
    tempMin: spec.temperature.min,
    tempRate: spec.temperature.rate,
    patience: spec.patience,
    threads: spec.threads,
    evalK: spec.evaluation.k,
    evalRows: spec.evaluation.rows,
    amortisationGap: spec.evaluation.amortisationGap,
    gapRows: spec.evaluation.gapRows,
    gapSteps: spec.evaluation.gapSteps,
  } satisfies Partial<VaeExtra>);
  const { learningRate, ...optimiser } = spec.optimiser;
  return {
    ...d,
    features: [...spec.features],
    latentDim: spec.latentDim,
    hiddenText: spec.hidden.join(','),
    activation: spec.activation,
    likelihood: spec.likelihood,
    scale: spec.scale,
    epochs: spec.epochs,
    batchSize: spec.batchSize,
    learningRate,
    validationFraction: spec.validationFraction,
    seed: spec.seed,
    family: f.kind,
    objective: o.kind,
    mcSamples: o.kind === 'elbo' ? o.samples : 1,
    extra: x,
    keep: { optimiser, family: f, ...(spec.testDatasetId !== undefined ? { testDatasetId: spec.testDatasetId } : {}) },
  };
}

/** The spec input of the VAE form (validate it with vaeSpecSchema). A bad hidden-widths text leaves `hidden` out. */
export function vaeSpecInput(s: VaeFormState): Record<string, unknown> {
  const hidden = parseHidden(s.hiddenText);
  return {
    model: 'vae',
    family: mergeFamily(s.keep.family, familyInput(s.family, s.extra)),
    objective: objectiveInput(s.objective, num(s.mcSamples), s.extra),
    ...extraInput(s.extra),
    latentDim: num(s.latentDim),
    hidden: typeof hidden === 'string' ? undefined : hidden,
    activation: s.activation,
    likelihood: s.likelihood,
    // A Gaussian likelihood standardises; the Bernoulli divisor does not apply (the spec refuses it there).
    ...(s.likelihood === 'gaussian' ? {} : { scale: num(s.scale) }),
    epochs: num(s.epochs),
    batchSize: num(s.batchSize),
    optimiser: { ...s.keep.optimiser, learningRate: num(s.learningRate) },
    validationFraction: num(s.validationFraction),
    features: [...s.features],
    seed: num(s.seed),
    ...(s.keep.testDatasetId !== undefined ? { testDatasetId: s.keep.testDatasetId } : {}),
  };
}

// ── LDA ──

export interface LdaFormState {
  textColumn: string;
  language: string;
  /** Extra stop words as typed: separated by spaces, commas or semicolons. */
  extraText: string;
  minTokenLength: Num;
  minDf: Num;
  maxDf: Num;
  maxVocab: Num;
  bigrams: boolean;
  topics: Num;
  method: LdaRunSpec['method'];
  alphaKind: 'symmetric' | 'asymmetric' | 'number';
  alphaValue: Num;
  eta: Num;
  batchSize: Num;
  tau0: Num;
  kappa: Num;
  passes: Num;
  maxEStepIter: Num;
  eStepTol: Num;
  optimizeAlpha: boolean;
  optimizeEta: boolean;
  heldoutFraction: Num;
  seed: Num;
  keep: { heldoutDatasetId?: number };
}

export function ldaFormDefaults(
  preset?: { textColumn?: string; topics?: number; passes?: number } | null,
): LdaFormState {
  // The spec's own defaults (one home: src-shared/schemas/run-spec.ts).
  const d = ldaSpecFields.parse({ model: 'lda', textColumn: 'text' });
  return {
    textColumn: preset?.textColumn ?? '',
    language: d.prep.language,
    extraText: '',
    minTokenLength: d.prep.minTokenLength,
    minDf: d.prep.minDf,
    maxDf: d.prep.maxDf,
    maxVocab: d.prep.maxVocab,
    bigrams: d.prep.bigrams,
    topics: preset?.topics ?? d.topics,
    method: d.method,
    alphaKind: 'symmetric',
    alphaValue: 0.1,
    eta: d.eta,
    batchSize: d.batchSize,
    tau0: d.tau0,
    kappa: d.kappa,
    passes: preset?.passes ?? d.passes,
    maxEStepIter: d.maxEStepIter,
    eStepTol: d.eStepTol,
    optimizeAlpha: d.optimizeAlpha,
    optimizeEta: d.optimizeEta,
    heldoutFraction: 0.1,
    seed: 1,
    keep: {},
  };
}

export function ldaFormFromSpec(spec: LdaRunSpec): LdaFormState {
  const d = ldaFormDefaults();
  return {
    textColumn: spec.textColumn,
    language: spec.prep.language,
    extraText: spec.prep.extraStopWords.join(', '),
    minTokenLength: spec.prep.minTokenLength,
    minDf: spec.prep.minDf,
    maxDf: spec.prep.maxDf,
    maxVocab: spec.prep.maxVocab,
    bigrams: spec.prep.bigrams,
    topics: spec.topics,
    method: spec.method,
    alphaKind: typeof spec.alpha === 'number' ? 'number' : spec.alpha,
    alphaValue: typeof spec.alpha === 'number' ? spec.alpha : d.alphaValue,
    eta: spec.eta,
    batchSize: spec.batchSize,
    tau0: spec.tau0,
    kappa: spec.kappa,
    passes: spec.passes,
    maxEStepIter: spec.maxEStepIter,
    eStepTol: spec.eStepTol,
    optimizeAlpha: spec.optimizeAlpha,
    optimizeEta: spec.optimizeEta,
    heldoutFraction: spec.heldoutFraction,
    seed: spec.seed,
    keep: spec.heldoutDatasetId !== undefined ? { heldoutDatasetId: spec.heldoutDatasetId } : {},
  };
}

/** The form's stop words: lower-cased, split on spaces, commas and semicolons. */
export function stopWordsOf(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((w) => w.trim().toLowerCase())
    .filter(Boolean);
}

export function ldaSpecInput(s: LdaFormState): Record<string, unknown> {
  return {
    model: 'lda',
    textColumn: s.textColumn,
    prep: {
      language: s.language,
      extraStopWords: stopWordsOf(s.extraText),
      minTokenLength: num(s.minTokenLength),
      minDf: num(s.minDf),
      maxDf: num(s.maxDf),
      maxVocab: num(s.maxVocab),
      bigrams: s.bigrams,
    },
    topics: num(s.topics),
    method: s.method,
    alpha: s.alphaKind === 'number' ? num(s.alphaValue) : s.alphaKind,
    ...(num(s.eta) !== undefined ? { eta: s.eta } : {}),
    // Online SVI's minibatch and step sizes; batch EM has none (the spec refuses them there).
    ...(s.method === 'online' ? { batchSize: num(s.batchSize), tau0: num(s.tau0), kappa: num(s.kappa) } : {}),
    passes: num(s.passes),
    maxEStepIter: num(s.maxEStepIter),
    eStepTol: num(s.eStepTol),
    optimizeAlpha: s.optimizeAlpha,
    optimizeEta: s.optimizeEta,
    // A held-out dataset replaces the held-out share.
    ...(s.keep.heldoutDatasetId === undefined ? { heldoutFraction: num(s.heldoutFraction) } : {}),
    ...s.keep,
    seed: num(s.seed),
  };
}

// ── BNN ──

export interface BnnFormState {
  target: string;
  features: string[];
  task: BnnSpec['task'];
  hiddenText: string;
  activation: BnnSpec['activation'];
  family: FamilySpec['kind'];
  /** The family's one number in the form (rank, flow length or particles); null for families without one. */
  familyParam: Num;
  priorKind: 'gaussian' | 'mixture';
  priorScale: Num;
  mixPi: Num;
  mixScale1: Num;
  mixScale2: Num;
  noise: BnnSpec['noise'];
  noiseScale: Num;
  epochs: Num;
  batchSize: Num;
  learningRate: Num;
  /** The form's schedules (optimiser.schedule); a Robbins–Monro schedule from the CLI rides along in keep.optimiser. */
  lrSchedule: 'constant' | 'cosine';
  validationFraction: Num;
  patience: Num;
  /** training.convergence.stopWhenConverged (not for SVGD, which has no bound). */
  stopWhenConverged: boolean;
  testFraction: Num;
  splits: Num;
  predictiveSamples: Num;
  seed: Num;
  keep: BnnKeep;
}

/** What the BNN form does not show. */
export interface BnnKeep {
  family?: FamilySpec;
  optimiser?: OptimiserKeep;
  objective?: BnnSpec['objective'];
  training?: TrainingSpec;
  flowMaxWeights?: number;
  initScale?: number;
  maxLevels?: number;
}

export interface BnnFormPreset {
  target?: string;
  hidden?: number[];
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  patience?: number;
  family?: FamilySpec['kind'];
}

/** The family's number in the form (its default when the spec has none). */
export function bnnFamilyParam(f: FamilySpec): number | null {
  switch (f.kind) {
    case 'lowrank':
      return f.rank;
    case 'planar':
    case 'radial':
    case 'iaf':
    case 'coupling':
      return f.length;
    case 'svgd':
      return f.particles;
    default:
      return null;
  }
}

export function bnnFormDefaults(
  preset?: BnnFormPreset | null,
  columns?: { target: string; features: string[] },
): BnnFormState {
  return {
    target: columns?.target ?? preset?.target ?? '',
    features: columns?.features ?? [],
    task: 'auto',
    hiddenText: (preset?.hidden ?? [50]).join(','),
    activation: 'relu',
    family: preset?.family ?? 'meanfield',
    familyParam: null,
    priorKind: 'gaussian',
    priorScale: 1,
    mixPi: 0.5,
    mixScale1: 1,
    mixScale2: 0.0025,
    noise: 'learned',
    noiseScale: null,
    epochs: preset?.epochs ?? 300,
    batchSize: preset?.batchSize ?? 32,
    learningRate: preset?.learningRate ?? 0.001,
    lrSchedule: 'constant',
    validationFraction: 0.1,
    patience: preset?.patience ?? 30,
    stopWhenConverged: false,
    testFraction: 0.1,
    splits: 1,
    predictiveSamples: 100,
    seed: 1,
    keep: {},
  };
}

export function bnnFormFromSpec(spec: BnnSpec): BnnFormState {
  const d = bnnFormDefaults();
  const { learningRate, schedule, ...rest } = spec.optimiser;
  const optimiser: OptimiserKeep = schedule.kind === 'robbins-monro' ? { ...rest, schedule } : rest;
  const p = spec.prior;
  return {
    target: spec.target,
    features: [...spec.features],
    task: spec.task,
    hiddenText: spec.hidden.join(','),
    activation: spec.activation,
    family: spec.family.kind,
    familyParam: bnnFamilyParam(spec.family),
    priorKind: p.kind,
    priorScale: p.kind === 'gaussian' ? p.scale : d.priorScale,
    mixPi: p.kind === 'mixture' ? p.pi : d.mixPi,
    mixScale1: p.kind === 'mixture' ? p.scale1 : d.mixScale1,
    mixScale2: p.kind === 'mixture' ? p.scale2 : d.mixScale2,
    noise: spec.noise,
    noiseScale: spec.noiseScale ?? null,
    epochs: spec.epochs,
    batchSize: spec.batchSize,
    learningRate,
    lrSchedule: schedule.kind === 'cosine' ? 'cosine' : 'constant',
    validationFraction: spec.validationFraction,
    patience: spec.patience,
    stopWhenConverged: spec.training.convergence.stopWhenConverged,
    testFraction: spec.testFraction,
    splits: spec.splits,
    predictiveSamples: spec.predictiveSamples,
    seed: spec.seed,
    keep: {
      family: spec.family,
      optimiser,
      objective: spec.objective,
      training: spec.training,
      flowMaxWeights: spec.flowMaxWeights,
      initScale: spec.initScale,
      maxLevels: spec.maxLevels,
    },
  };
}

function bnnFamilyInput(kind: FamilySpec['kind'], param: Num): Record<string, unknown> {
  const v = num(param);
  switch (kind) {
    case 'lowrank':
      return { kind, rank: v };
    case 'planar':
    case 'radial':
    case 'iaf':
    case 'coupling':
      return { kind, length: v };
    case 'svgd':
      return { kind, particles: v };
    default:
      return { kind };
  }
}

export function bnnSpecInput(s: BnnFormState): Record<string, unknown> {
  const hidden = parseHidden(s.hiddenText);
  const { family, optimiser, flowMaxWeights, initScale, objective, training, ...rest } = s.keep;
  const flow = s.family === 'planar' || s.family === 'radial' || s.family === 'iaf' || s.family === 'coupling';
  return {
    model: 'bnn',
    task: s.task,
    target: s.target,
    features: [...s.features],
    hidden: typeof hidden === 'string' ? undefined : hidden,
    activation: s.activation,
    family: mergeFamily(family, bnnFamilyInput(s.family, s.familyParam)),
    prior:
      s.priorKind === 'gaussian'
        ? { kind: 'gaussian', scale: num(s.priorScale) }
        : { kind: 'mixture', pi: num(s.mixPi), scale1: num(s.mixScale1), scale2: num(s.mixScale2) },
    // Settings of another choice are left out (the spec refuses them): noise for a classifier, flowMaxWeights
    // without a flow, initScale and weight draws (objective.samples) for SVGD.
    ...(s.task === 'classification'
      ? {}
      : {
          noise: s.noise,
          ...(s.noise === 'fixed' || num(s.noiseScale) !== undefined ? { noiseScale: num(s.noiseScale) } : {}),
        }),
    ...(flow && flowMaxWeights !== undefined ? { flowMaxWeights } : {}),
    ...(s.family !== 'svgd' && initScale !== undefined ? { initScale } : {}),
    ...(s.family !== 'svgd' && objective !== undefined ? { objective } : {}),
    epochs: num(s.epochs),
    batchSize: num(s.batchSize),
    optimiser: {
      ...(optimiser ?? { kind: 'adam' }),
      learningRate: num(s.learningRate),
      ...(s.lrSchedule === 'cosine' ? { schedule: { kind: 'cosine' } } : {}),
    },
    validationFraction: num(s.validationFraction),
    patience: num(s.patience),
    testFraction: num(s.testFraction),
    splits: num(s.splits),
    predictiveSamples: num(s.predictiveSamples),
    ...rest,
    ...(s.stopWhenConverged && s.family !== 'svgd'
      ? { training: { ...training, convergence: { ...training?.convergence, stopWhenConverged: true } } }
      : training !== undefined
        ? { training: { ...training, convergence: { ...training.convergence, stopWhenConverged: false } } }
        : {}),
    seed: num(s.seed),
  };
}

// ── What rides along ──

function differing(flat: Record<string, string>, defaults: Record<string, string>): string[] {
  return Object.entries(flat)
    .filter(([k, v]) => defaults[k] !== v)
    .map(([k, v]) => `${k} = ${v}`);
}

/**
 * The settings a pre-filled form keeps from the run without showing them, where they differ from what a new form
 * would use ("optimiser.kind = sgd", "objective.samples = 4"): listed above the form so nothing changes unseen.
 */
export function keptSettings(model: 'vae' | 'lda' | 'bnn', keep: VaeKeep | LdaFormState['keep'] | BnnKeep): string[] {
  if (model === 'lda') return differing(flatten(keep), {});
  if (model === 'vae') {
    const k = keep as VaeKeep;
    const flat = flatten({
      optimiser: k.optimiser,
      ...(k.testDatasetId !== undefined ? { testDatasetId: k.testDatasetId } : {}),
    });
    const fam = k.family?.kind === 'svgd' ? flatten({ family: k.family }) : {};
    return differing(
      { ...flat, ...fam },
      {
        'optimiser.kind': 'adam',
        'optimiser.momentum': '0.9',
        'optimiser.schedule.kind': 'constant',
        'family.kind': 'svgd',
      },
    );
  }
  const k = keep as BnnKeep;
  const f = k.family;
  const fam: Record<string, string> = {};
  if (f && (f.kind === 'iaf' || f.kind === 'coupling')) fam['family.hidden'] = String(f.hidden);
  if (f && f.kind === 'svgd') fam['family.kernel'] = f.kernel;
  const { family: _family, ...rest } = k;
  void _family;
  const flatRest = flatten(rest);
  delete flatRest['training.convergence.stopWhenConverged']; // shown in the form
  return differing(
    { ...fam, ...flatRest },
    {
      'family.hidden': '64',
      'family.kernel': 'rbf',
      'optimiser.kind': 'adam',
      'optimiser.momentum': '0.9',
      'objective.kind': 'elbo',
      'objective.samples': '1',
      'training.beta': '1',
      'training.anneal.kind': 'none',
      'training.freeBits': '0',
      'training.estimator': 'reparam',
      'training.kl': 'auto',
      // The form shows stopWhenConverged; tolerance and window are kept unseen when changed.
      'training.convergence.tolerance': '0.01',
      'training.convergence.window': '5',
      flowMaxWeights: '1000',
      initScale: '0.01',
      maxLevels: '100',
    },
  );
}
