/**
 * Which run specs make sense, per model: combinations a model cannot train, and settings it would silently ignore
 * (a setting an analyst chose and the app ignored is a wrong number). The model schemas refuse every problem
 * (run-spec.ts); the VAE form lists them before the run starts; the engine checks again before training. Every
 * message echoes the bad value and names the fix. Pure: the renderer calls these on each form change.
 */
import type { BnnSpec, GlmSpec, LdaRunSpec, TrainingSpec, VaeSpec } from './run-spec';

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
  const ev = spec.evaluation;
  if (!ev.amortisationGap && (ev.gapRows !== 64 || ev.gapSteps !== 100)) {
    out.push({
      field: 'evaluation.amortisationGap',
      message: `evaluation.gapRows / gapSteps (${ev.gapRows} / ${ev.gapSteps}) apply to the amortisation gap, which is off; set evaluation.amortisationGap to true, or remove them.`,
    });
  }
  return out;
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
