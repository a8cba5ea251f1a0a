/**
 * Which run specs make sense, per model: combinations a model cannot train, and settings it would silently ignore
 * (a setting an analyst chose and the app ignored is a wrong number). The model schemas refuse every problem
 * (run-spec.ts); the VAE form lists them before the run starts; the engine checks again before training. Every
 * message echoes the bad value and names the fix. Pure: the renderer calls these on each form change.
 */
import type { BnnSpec, GlmSpec, LdaRunSpec, RunSpec, TrainingSpec, VaeSpec } from './run-spec';

export interface SpecProblem {
  /** Spec field concerned, as a path ("training.kl", "family"). */
  field: string;
  message: string;
}

const FLOWS = new Set(['planar', 'radial', 'iaf', 'coupling']);
const CLOSED_FORM_KL = new Set(['meanfield', 'fullrank', 'lowrank']);

/** The training aids a model does not use at all, refused one by one (`who` = "A BNN", "SVGD" …). */
function unusedAids(
  t: TrainingSpec,
  who: string,
  uses: {
    beta?: boolean;
    anneal?: boolean;
    freeBits?: boolean;
    estimator?: boolean;
    kl?: boolean;
    /** false: the trainer has no bound (SVGD), so training.convergence is refused. */
    convergence?: boolean;
  },
  why: string,
): SpecProblem[] {
  const out: SpecProblem[] = [];
  if (uses.convergence === false) out.push(...convergenceUnused(t, who));
  if (!uses.beta && t.beta !== 1)
    out.push({
      field: 'training.beta',
      message: `${who} does not weight a KL term (${why}); got training.beta = ${t.beta}. Set it to 1 or remove it.`,
    });
  if (!uses.anneal && t.anneal.kind !== 'none')
    out.push({
      field: 'training.anneal',
      message: `${who} does not anneal β (${why}); got training.anneal.kind = "${t.anneal.kind}". Set it to {"kind": "none"} or remove it.`,
    });
  if (!uses.freeBits && t.freeBits !== 0)
    out.push({
      field: 'training.freeBits',
      message: `${who} has no free bits (${why}); got training.freeBits = ${t.freeBits}. Set it to 0 or remove it.`,
    });
  if (!uses.estimator && t.estimator !== 'reparam')
    out.push({
      field: 'training.estimator',
      message: `${who} is trained with pathwise gradients only (${why}); got training.estimator = "${t.estimator}". Set it to "reparam" or remove it.`,
    });
  if (!uses.kl && t.kl !== 'auto')
    out.push({
      field: 'training.kl',
      message: `${who} chooses how its KL is computed itself (${why}); got training.kl = "${t.kl}". Set it to "auto" or remove it.`,
    });
  return out;
}

/** training.convergence set on a trainer with no bound to watch. */
function convergenceUnused(t: TrainingSpec, who: string): SpecProblem[] {
  const c = t.convergence;
  if (!c.stopWhenConverged && c.tolerance === 0.01 && c.window === 5) return [];
  return [
    {
      field: 'training.convergence',
      message: `${who} maximises no bound, so there is no smoothed bound to converge (got stopWhenConverged ${c.stopWhenConverged}, tolerance ${c.tolerance}, window ${c.window}); remove training.convergence or choose another family.`,
    },
  ];
}

/** Every problem with a VAE spec (empty when it can run). */
export function vaeSpecProblems(spec: VaeSpec): SpecProblem[] {
  const out: SpecProblem[] = [];
  const fam = spec.family.kind;
  const obj = spec.objective;
  const t = spec.training;
  const categorical = spec.latentType === 'categorical';
  if (fam === 'svgd') {
    out.push({
      field: 'family',
      message:
        'SVGD particles are not for VAEs: they fit one global posterior by moving particles, while a VAE needs an amortised q(z|x) ' +
        'from the encoder for every row. Choose meanfield, fullrank, lowrank or a flow (planar, radial, iaf, coupling).',
    });
  }
  if (categorical && fam !== 'meanfield') {
    out.push({
      field: 'family',
      message: `Categorical (Gumbel-softmax) latents have their own posterior, a categorical q(c|x); the "${fam}" family applies to Gaussian latents only. Set family to meanfield, or latent type to gaussian.`,
    });
  }
  if (categorical && obj.kind !== 'elbo') {
    out.push({
      field: 'objective',
      message: `Categorical latents are trained on the relaxed ELBO; got objective "${obj.kind}". Choose objective elbo.`,
    });
  }
  if (categorical && t.estimator !== 'reparam') {
    out.push({
      field: 'training.estimator',
      message: 'Categorical latents use the Gumbel-softmax reparameterisation; set training.estimator to reparam.',
    });
  }
  if (categorical && t.kl === 'mc') {
    out.push({
      field: 'training.kl',
      message: 'Categorical latents use the closed-form KL to the uniform prior; set training.kl to auto.',
    });
  }
  if (categorical && spec.temperature.min > spec.temperature.initial) {
    out.push({
      field: 'temperature',
      message: `Expected the minimum Gumbel-softmax temperature (${spec.temperature.min}) ≤ the initial one (${spec.temperature.initial}); lower min or raise initial.`,
    });
  }
  if (!categorical && spec.categories !== 10) {
    out.push({
      field: 'categories',
      message: `categories = ${spec.categories} applies to categorical latents; with Gaussian latents remove it, or set latent type to categorical.`,
    });
  }
  if (
    !categorical &&
    (spec.temperature.initial !== 1 || spec.temperature.min !== 0.5 || spec.temperature.rate !== 3e-4)
  ) {
    out.push({
      field: 'temperature',
      message:
        'The Gumbel-softmax temperature applies to categorical latents; with Gaussian latents remove "temperature", or set latent type to categorical.',
    });
  }
  if (t.kl === 'analytic' && !categorical) {
    if (FLOWS.has(fam)) {
      out.push({
        field: 'training.kl',
        message: `The KL of a ${fam} flow posterior has no closed form; set training.kl to auto or mc (Monte Carlo), or choose meanfield / fullrank.`,
      });
    } else if (fam === 'lowrank') {
      out.push({
        field: 'training.kl',
        message:
          'The analytic KL is implemented for meanfield and fullrank posteriors; set training.kl to auto or mc for lowrank.',
      });
    }
    if (obj.kind !== 'elbo') {
      out.push({
        field: 'training.kl',
        message: `An analytic KL applies to the ELBO only; objective "${obj.kind}" needs per-sample log-weights. Set training.kl to auto or mc, or objective to elbo.`,
      });
    }
    if (t.estimator === 'score') {
      out.push({
        field: 'training.kl',
        message:
          'The score-function estimator uses Monte Carlo log-weights; set training.kl to auto or mc, or training.estimator to reparam.',
      });
    }
  }
  if (t.estimator === 'score' && (fam === 'planar' || fam === 'radial')) {
    out.push({
      field: 'training.estimator',
      message: `The score-function estimator needs log q(z|x) at given z; ${fam} flows have no analytic inverse. Use training.estimator reparam, or an invertible family (meanfield, fullrank, lowrank, iaf, coupling).`,
    });
  }
  if (obj.kind === 'renyi' && obj.alpha < 0) {
    out.push({
      field: 'objective.alpha',
      message: `Expected Rényi α ≥ 0 for a VAE, got ${obj.alpha}: α < 0 bounds log p(x) from above, so maximising it is not variational inference. Use α in [0, 1) (0 = IWAE, → 1 = ELBO).`,
    });
  }
  if (t.freeBits > 0 && obj.kind !== 'elbo') {
    out.push({
      field: 'training.freeBits',
      message: `Free bits floor the ELBO's KL term; objective "${obj.kind}" has no separate KL. Set training.freeBits to 0 or objective to elbo.`,
    });
  }
  if (t.freeBits > 0 && spec.threads > 1) {
    out.push({
      field: 'threads',
      message: `threads = ${spec.threads} with free bits ${t.freeBits}: free bits floor the whole batch's KL per latent dimension, which the threads' shards cannot share, so the run would train on one thread. Set threads to 1, or training.freeBits to 0.`,
    });
  }
  if (spec.patience > 0 && !(spec.validationFraction > 0)) {
    out.push({
      field: 'patience',
      message: `Early stopping (patience ${spec.patience}) watches the validation ELBO; set a validation fraction > 0 (e.g. 0.1) or patience 0.`,
    });
  }
  if (t.anneal.kind !== 'none' && obj.kind !== 'elbo') {
    out.push({
      field: 'training.anneal',
      message: `KL annealing weights the ELBO's KL term; objective "${obj.kind}" mixes it into the log-weights, which would no longer bound log p(x). Set training.anneal to none or objective to elbo.`,
    });
  }
  if (t.beta !== 1 && obj.kind !== 'elbo') {
    out.push({
      field: 'training.beta',
      message: `β = ${t.beta} weights the ELBO's KL term; with objective "${obj.kind}" use β = 1, or choose objective elbo.`,
    });
  }
  if (spec.likelihood === 'bernoulli' && spec.gaussianVariance === 'fixed') {
    out.push({
      field: 'gaussianVariance',
      message:
        'A fixed variance applies to Gaussian columns; the Bernoulli likelihood has none. Set the variance to learned or the likelihood to gaussian.',
    });
  }
  if (spec.gaussianVariance === 'learned' && spec.noiseVariance !== 1) {
    out.push({
      field: 'noiseVariance',
      message: `noiseVariance = ${spec.noiseVariance} is used only with a fixed Gaussian variance; set gaussianVariance to fixed, or remove noiseVariance.`,
    });
  }
  if (spec.likelihood === 'gaussian' && spec.scale !== 0) {
    out.push({
      field: 'scale',
      message: `scale = ${spec.scale} divides pixel-like data before a Bernoulli likelihood; the Gaussian likelihood standardises instead. Set scale to 0, or the likelihood to auto or bernoulli.`,
    });
  }
  out.push(...ladderProblems(spec), ...convProblems(spec));
  if (spec.decoder.kind === 'autoregressive' && spec.likelihood === 'mixed') {
    out.push({
      field: 'decoder',
      message:
        "An autoregressive decoder conditions each feature on the ones before it; the mixed likelihood's one-hot groups would see their own members. Set decoder.kind to factorised, or the likelihood to auto, bernoulli or gaussian.",
    });
  }
  const ev = spec.evaluation;
  if (!ev.amortisationGap && (ev.gapRows !== 64 || ev.gapSteps !== 100)) {
    out.push({
      field: 'evaluation.amortisationGap',
      message: `evaluation.gapRows / gapSteps (${ev.gapRows} / ${ev.gapSteps}) apply to the amortisation gap, which is off; set evaluation.amortisationGap to true, or remove them.`,
    });
  }
  return out;
}

/** The latent layer sizes, bottom first (run-spec's `latentLayers`, repeated here to keep this module import-free). */
function layersOf(latentDim: number | readonly number[]): number[] {
  return typeof latentDim === 'number' ? [latentDim] : [...latentDim];
}

/** Settings a ladder VAE (two or more latent layers, Sønderby et al. 2016) cannot train. */
function ladderProblems(spec: VaeSpec): SpecProblem[] {
  const layers = layersOf(spec.latentDim);
  if (layers.length < 2) return [];
  const out: SpecProblem[] = [];
  const shown = `[${layers.join(', ')}]`;
  if (spec.latentType === 'categorical') {
    out.push({
      field: 'latentDim',
      message: `A ladder of latent layers (latentDim ${shown}) merges Gaussians layer by layer; categorical latents have no precision to merge. Use one layer (a number) with categorical latents, or latent type gaussian.`,
    });
  }
  if (spec.family.kind !== 'meanfield') {
    out.push({
      field: 'family',
      message: `The ladder VAE (latentDim ${shown}) merges the bottom-up and top-down Gaussians coordinate by coordinate with precision weights, so each layer's q is a diagonal Gaussian; the "${spec.family.kind}" family has no diagonal form to merge. Set family to meanfield, or use one latent layer.`,
    });
  }
  if (spec.training.estimator !== 'reparam') {
    out.push({
      field: 'training.estimator',
      message: `The ladder VAE (latentDim ${shown}) is trained with pathwise gradients through every layer; got training.estimator = "${spec.training.estimator}". Set it to reparam, or use one latent layer.`,
    });
  }
  return out;
}

/** Settings of the convolutional architecture, and conv settings given to an MLP. */
function convProblems(spec: VaeSpec): SpecProblem[] {
  const out: SpecProblem[] = [];
  if (spec.architecture === 'mlp') {
    if (spec.imageShape) {
      out.push({
        field: 'imageShape',
        message: `imageShape (${spec.imageShape.height} × ${spec.imageShape.width} × ${spec.imageShape.channels}) shapes the input of convolutions; the architecture is mlp. Set architecture to conv, or remove imageShape.`,
      });
    }
    if (spec.convChannels.join(',') !== '32,64') {
      out.push({
        field: 'convChannels',
        message: `convChannels [${spec.convChannels.join(', ')}] are the filters of convolutions; the architecture is mlp. Set architecture to conv, or remove convChannels.`,
      });
    }
    return out;
  }
  if (spec.likelihood === 'mixed') {
    out.push({
      field: 'architecture',
      message:
        'A convolutional VAE reads each row as an image; the mixed likelihood turns categorical columns into one-hot groups, which are not pixels. Set the likelihood to auto, bernoulli or gaussian, or the architecture to mlp.',
    });
  }
  return out;
}

/** Height × width × channels of a conv VAE's rows, from the spec's imageShape or a square column count. */
export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/**
 * The image shape a conv VAE reads `columns` feature columns as, or the problem: a declared imageShape must hold
 * exactly the columns; without one the column count must be a square (784 → 28 × 28 × 1). Every stride-2 layer
 * halves the sides, which must stay ≥ 1.
 */
export function vaeImageShape(
  spec: Pick<VaeSpec, 'imageShape' | 'convChannels'>,
  columns: number,
): { shape: ImageShape } | { problem: SpecProblem } {
  let shape: ImageShape;
  if (spec.imageShape) {
    shape = { ...spec.imageShape };
    const size = shape.height * shape.width * shape.channels;
    if (size !== columns) {
      return {
        problem: {
          field: 'imageShape',
          message: `imageShape ${shape.height} × ${shape.width} × ${shape.channels} holds ${size} values per row, but the data have ${columns} feature columns. Declare a shape whose height × width × channels = ${columns}, or choose the image's columns as features.`,
        },
      };
    }
  } else {
    const side = Math.round(Math.sqrt(columns));
    if (side * side !== columns) {
      const lo = Math.floor(Math.sqrt(columns));
      return {
        problem: {
          field: 'architecture',
          message: `A convolutional VAE needs image-shaped rows: ${columns} feature columns is not a square number (${lo}² = ${lo * lo}, ${lo + 1}² = ${(lo + 1) * (lo + 1)}), so no image shape can be inferred. Declare imageShape {height, width, channels} with height × width × channels = ${columns}, or set architecture to mlp.`,
        },
      };
    }
    shape = { height: side, width: side, channels: 1 };
  }
  const halvings = spec.convChannels.length;
  const min = 2 ** halvings;
  if (shape.height < min || shape.width < min) {
    return {
      problem: {
        field: 'convChannels',
        message: `${halvings} stride-2 convolutions need images of at least ${min} × ${min}; got ${shape.height} × ${shape.width} (${columns} columns). Use fewer convChannels, or architecture mlp.`,
      },
    };
  }
  return { shape };
}

/** Every problem with a GLM spec. */
export function glmSpecProblems(spec: GlmSpec): SpecProblem[] {
  const problems = glmSettingProblems(spec);
  return problems.concat(glmFamilyProblems(spec));
}

/** Settings of the likelihood a GLM kind does not use. */
function glmSettingProblems(spec: GlmSpec): SpecProblem[] {
  if (spec.kind === 'logistic' && spec.noiseSigma !== undefined)
    return [
      {
        field: 'noiseSigma',
        message: `Logistic regression has no noise sd; got noiseSigma ${spec.noiseSigma}. Remove noiseSigma, or set kind to linear.`,
      },
    ];
  return [];
}

function glmFamilyProblems(spec: GlmSpec): SpecProblem[] {
  const fam = spec.family.kind;
  const t = spec.training;
  if (fam === 'svgd') {
    const out = unusedAids(
      t,
      'SVGD',
      { convergence: false },
      'it moves particles along the kernelised gradient of log p, with no bound or KL term',
    );
    const o = spec.objective;
    if (o.kind !== 'elbo' || o.samples !== 1) {
      out.push({
        field: 'objective',
        message: `SVGD maximises no bound: it moves particles along the kernelised gradient of log p; got objective "${o.kind}"${o.kind === 'elbo' ? ` with ${o.samples} draws per step` : ''}. Set objective to {"kind": "elbo", "samples": 1} (a GLM's default draws 8, for the other families), or choose another family.`,
      });
    }
    return out;
  }
  const out = unusedAids(
    t,
    'A GLM',
    { beta: true, anneal: true, estimator: true, kl: true },
    'free bits floor the KL per latent dimension of an amortised model; a GLM has one global posterior',
  );
  if (t.kl === 'analytic') {
    if (!CLOSED_FORM_KL.has(fam))
      out.push({
        field: 'training.kl',
        message: `The KL of a ${fam} posterior has no closed form; set training.kl to auto or mc, or choose meanfield, fullrank or lowrank.`,
      });
    if (spec.objective.kind !== 'elbo')
      out.push({
        field: 'training.kl',
        message: `An analytic KL applies to the ELBO only; got objective "${spec.objective.kind}". Set training.kl to auto or mc, or objective to elbo.`,
      });
    if (t.estimator === 'score')
      out.push({
        field: 'training.kl',
        message:
          'The score-function estimator uses Monte Carlo log-weights; set training.kl to auto or mc, or training.estimator to reparam.',
      });
  }
  if (t.estimator === 'score' && (fam === 'planar' || fam === 'radial')) {
    out.push({
      field: 'training.estimator',
      message: `The score-function estimator needs log q(z) at given z; ${fam} flows have no analytic inverse. Use training.estimator reparam, or an invertible family.`,
    });
  }
  return out;
}

/** The BNN schema's default patience: left as it is, it says nothing, so it is not refused without a validation split. */
const BNN_DEFAULT_PATIENCE = 30;

/** Every problem with a BNN spec (what the BNN engine, models/bnn/train.ts, does not use is refused). */
export function bnnSpecProblems(spec: BnnSpec): SpecProblem[] {
  const fam = spec.family.kind;
  const out = unusedAids(
    spec.training,
    fam === 'svgd' ? 'An SVGD BNN' : 'A BNN',
    { beta: true, convergence: fam !== 'svgd' },
    'a BNN tempers its KL with training.beta only',
  );
  const o = spec.objective;
  if (o.kind !== 'elbo') {
    out.push({
      field: 'objective',
      message: `A BNN is fitted with the ELBO (its KL is shared by every minibatch); got objective "${o.kind}". Choose objective elbo (samples = weight draws per step).`,
    });
  } else if (spec.family.kind === 'svgd' && o.samples !== 1) {
    out.push({
      field: 'objective.samples',
      message: `SVGD moves ${spec.family.particles} whole networks and draws no weights; got objective.samples = ${o.samples}. Remove it, or choose another family.`,
    });
  }
  if (fam === 'meanfield' && spec.optimiser.kind === 'sgd') {
    out.push({
      field: 'optimiser.kind',
      message:
        'The mean-field BNN (Bayes by Backprop) is trained with its own Adam; got optimiser.kind "sgd". Use "adam", or another family.',
    });
  }
  if (!FLOWS.has(fam) && spec.flowMaxWeights !== 1000) {
    out.push({
      field: 'flowMaxWeights',
      message: `flowMaxWeights = ${spec.flowMaxWeights} applies to flow families (planar, radial, iaf, coupling); the family is ${fam}. Remove it.`,
    });
  }
  if (fam === 'svgd' && spec.initScale !== 0.01) {
    out.push({
      field: 'initScale',
      message: `SVGD starts its networks from He-scaled draws; initScale = ${spec.initScale} applies to the weight posteriors of the other families. Remove it.`,
    });
  }
  if (spec.validationFraction === 0 && spec.patience !== BNN_DEFAULT_PATIENCE && spec.patience > 0) {
    out.push({
      field: 'patience',
      message: `Early stopping (patience ${spec.patience}) watches a validation split; validationFraction is 0. Set validationFraction > 0 (e.g. 0.1), or patience 0.`,
    });
  }
  if (spec.task === 'classification' && (spec.noise !== 'learned' || spec.noiseScale !== undefined)) {
    out.push({
      field: 'noise',
      message:
        'Noise settings apply to regression; a classifier has a categorical likelihood. Remove noise and noiseScale, or set task to regression.',
    });
  } else if (spec.noise === 'heteroscedastic' && spec.noiseScale !== undefined) {
    out.push({
      field: 'noiseScale',
      message: `Heteroscedastic noise σ(x) is a second output of the network; noiseScale = ${spec.noiseScale} is not used. Remove it, or choose noise "learned" or "fixed".`,
    });
  }
  return out;
}

const LDA_ONLINE = { batchSize: 256, tau0: 1024, kappa: 0.5 } as const;

/** Every problem with an LDA spec. */
export function ldaSpecProblems(spec: LdaRunSpec): SpecProblem[] {
  const out: SpecProblem[] = [];
  if (spec.method === 'batch') {
    for (const k of ['batchSize', 'tau0', 'kappa'] as const) {
      if (spec[k] !== LDA_ONLINE[k])
        out.push({
          field: k,
          message: `${k} = ${spec[k]} applies to online SVI; batch EM updates on every document at once. Remove it, or set method to online.`,
        });
    }
  }
  if (spec.heldoutDatasetId !== undefined && spec.heldoutFraction !== 0.1) {
    out.push({
      field: 'heldoutFraction',
      message: `heldoutFraction = ${spec.heldoutFraction} is not used with a held-out dataset (${spec.heldoutDatasetId}): training uses every row. Remove one of them.`,
    });
  }
  return out;
}

/** Flattens a spec into dotted paths → printable values: { optimiser: { learningRate: 1e-3 } } → optimiser.learningRate
 * = "0.001"; a list of numbers or words reads "128, 64" (shortened past 12 items), a list of objects as JSON. */
export function flattenSpec(o: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (Array.isArray(o)) {
    const plain = o.every((x) => typeof x !== 'object');
    const shown = o.length > 12 ? o.slice(0, 12) : o;
    const text = plain ? shown.join(', ') : JSON.stringify(shown);
    out[prefix] = o.length === 0 ? '[]' : o.length > 12 ? `${text}, … (${o.length} items)` : text;
  } else if (o !== null && typeof o === 'object') {
    for (const [k, v] of Object.entries(o)) flattenSpec(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = String(o);
  }
  return out;
}

/**
 * Whether a setting (spec field path) is unused by this run: a default the model keeps in its spec but never reads
 * (the Gumbel-softmax temperature of Gaussian latents, online step sizes of batch EM, the BNN's unused training aids …).
 * What is refused when set (the *SpecProblems above) is unused when left at its default; this names those defaults.
 */
function unusedSetting(spec: RunSpec, path: string): boolean {
  const top = path.split('.')[0]!;
  if (spec.model === 'vae') {
    if (spec.latentType !== 'categorical' && (top === 'categories' || top === 'temperature')) return true;
    if (spec.gaussianVariance !== 'fixed' && path === 'noiseVariance') return true;
    if ((spec.likelihood === 'gaussian' || spec.likelihood === 'mixed') && path === 'scale') return true;
    if (spec.likelihood === 'bernoulli' && (path === 'gaussianVariance' || path === 'noiseVariance')) return true;
    if (!spec.evaluation.amortisationGap && (path === 'evaluation.gapRows' || path === 'evaluation.gapSteps'))
      return true;
    if (spec.validationFraction === 0 && path === 'patience') return true;
    return false;
  }
  if (spec.model === 'glm') {
    if (spec.family.kind === 'svgd' && (top === 'training' || top === 'objective')) return true;
    return path === 'training.freeBits';
  }
  if (spec.model === 'bnn') {
    const convergence = path.startsWith('training.convergence.') && spec.family.kind !== 'svgd';
    if (top === 'training' && path !== 'training.beta' && !convergence) return true;
    if (spec.family.kind === 'svgd' && (path === 'objective.samples' || path === 'initScale')) return true;
    if (!FLOWS.has(spec.family.kind) && path === 'flowMaxWeights') return true;
    if (spec.validationFraction === 0 && path === 'patience') return true;
    if (spec.task === 'classification' && (path === 'noise' || path === 'noiseScale')) return true;
    return false;
  }
  // LDA
  if (spec.method === 'batch' && (path === 'batchSize' || path === 'tau0' || path === 'kappa')) return true;
  if (spec.heldoutDatasetId !== undefined && path === 'heldoutFraction') return true;
  return false;
}

/** The settings a run used, as dotted paths and printable values in spec order (`all`: unused defaults too). */
export function settingsUsed(spec: RunSpec, opts: { all?: boolean } = {}): { path: string; value: string }[] {
  return Object.entries(flattenSpec(spec))
    .filter(([path]) => opts.all || !unusedSetting(spec, path))
    .map(([path, value]) => ({ path, value }));
}
