/**
 * Which VAE run specs make sense, checked before any training so the run form can explain a bad combination.
 * Every message echoes the bad value and names the fix.
 */
import type { VaeSpec } from '../../../../src-shared/schemas/run-spec';

export interface VaeSpecProblem {
  /** Spec field(s) concerned, e.g. "kl", "family". */
  field: string;
  message: string;
}

const FLOWS = new Set(['planar', 'radial', 'iaf', 'coupling']);

/** Every problem with the spec (empty when it can run). Pure: the UI may call it on each form change. */
export function vaeSpecProblems(spec: VaeSpec): VaeSpecProblem[] {
  const out: VaeSpecProblem[] = [];
  const fam = spec.family.kind;
  const obj = spec.objective;
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
    out.push({ field: 'objective', message: `Categorical latents are trained on the relaxed ELBO; got objective "${obj.kind}". Choose objective elbo.` });
  }
  if (categorical && spec.estimator !== 'reparam') {
    out.push({ field: 'estimator', message: 'Categorical latents use the Gumbel-softmax reparameterisation; set estimator to reparam.' });
  }
  if (categorical && spec.kl === 'mc') {
    out.push({ field: 'kl', message: 'Categorical latents use the closed-form KL to the uniform prior; set kl to auto.' });
  }
  if (categorical && spec.temperature.min > spec.temperature.initial) {
    out.push({
      field: 'temperature',
      message: `Expected the minimum Gumbel-softmax temperature (${spec.temperature.min}) ≤ the initial one (${spec.temperature.initial}); lower min or raise initial.`,
    });
  }
  if (spec.kl === 'analytic' && !categorical) {
    if (FLOWS.has(fam)) {
      out.push({ field: 'kl', message: `The KL of a ${fam} flow posterior has no closed form; set kl to auto or mc (Monte Carlo), or choose meanfield / fullrank.` });
    } else if (fam === 'lowrank') {
      out.push({ field: 'kl', message: 'The analytic KL is implemented for meanfield and fullrank posteriors; set kl to auto or mc for lowrank.' });
    }
    if (obj.kind !== 'elbo') {
      out.push({ field: 'kl', message: `An analytic KL applies to the ELBO only; objective "${obj.kind}" needs per-sample log-weights. Set kl to auto or mc, or objective to elbo.` });
    }
    if (spec.estimator === 'score') {
      out.push({ field: 'kl', message: 'The score-function estimator uses Monte Carlo log-weights; set kl to auto or mc, or estimator to reparam.' });
    }
  }
  if (spec.estimator === 'score' && (fam === 'planar' || fam === 'radial')) {
    out.push({
      field: 'estimator',
      message: `The score-function estimator needs log q(z|x) at given z; ${fam} flows have no analytic inverse. Use estimator reparam, or an invertible family (meanfield, fullrank, lowrank, iaf, coupling).`,
    });
  }
  if (obj.kind === 'renyi' && obj.alpha < 0) {
    out.push({
      field: 'objective.alpha',
      message: `Expected Rényi α ≥ 0 for a VAE, got ${obj.alpha}: α < 0 bounds log p(x) from above, so maximising it is not variational inference. Use α in [0, 1) (0 = IWAE, → 1 = ELBO).`,
    });
  }
  if (spec.freeBits > 0 && obj.kind !== 'elbo') {
    out.push({ field: 'freeBits', message: `Free bits floor the ELBO's KL term; objective "${obj.kind}" has no separate KL. Set free bits to 0 or objective to elbo.` });
  }
  if (spec.patience > 0 && !(spec.validationFraction > 0)) {
    out.push({ field: 'patience', message: `Early stopping (patience ${spec.patience}) watches the validation ELBO; set a validation fraction > 0 (e.g. 0.1) or patience 0.` });
  }
  if (spec.klAnneal.kind !== 'none' && obj.kind !== 'elbo') {
    out.push({ field: 'klAnneal', message: `KL annealing weights the ELBO's KL term; objective "${obj.kind}" mixes it into the log-weights, which would no longer bound log p(x). Set annealing to none or objective to elbo.` });
  }
  if (spec.beta !== 1 && obj.kind !== 'elbo') {
    out.push({ field: 'beta', message: `β = ${spec.beta} weights the ELBO's KL term; with objective "${obj.kind}" use β = 1, or choose objective elbo.` });
  }
  if (spec.likelihood !== 'gaussian' && spec.likelihood !== 'mixed' && spec.likelihood !== 'auto' && spec.gaussianVariance === 'fixed') {
    out.push({ field: 'gaussianVariance', message: 'A fixed variance applies to Gaussian columns; the Bernoulli likelihood has none. Set the variance to learned or the likelihood to gaussian.' });
  }
  return out;
}

/** Throw the first problem (all of them in the message) when the spec cannot run. */
export function checkVaeSpec(spec: VaeSpec): void {
  const p = vaeSpecProblems(spec);
  if (p.length) throw new Error(p.map((x) => x.message).join(' '));
}

/** Same name as before, kept for callers of the foundation's VAE. */
export const checkVaeSpecSupported = checkVaeSpec;
