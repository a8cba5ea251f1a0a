/**
 * What the run form can offer. Each later model, posterior family or objective adds an entry here (and a member to
 * the run-spec schema); the form renders whatever is listed.
 */
import type { FamilySpec, ObjectiveSpec } from '../../../src-shared/schemas/run-spec';

export interface Choice<K extends string> {
  kind: K;
  label: string;
  help: string;
  available: boolean;
}

export const MODELS: Choice<'vae' | 'lda' | 'bnn' | 'glm'>[] = [
  {
    kind: 'vae',
    label: 'Variational autoencoder',
    help: 'Learns a low-dimensional latent code z for each row and a decoder that reconstructs the row from it.',
    available: true,
  },
  {
    kind: 'lda',
    label: 'Topic model (LDA)',
    help: 'Finds K topics (distributions over words) in a text column and each document’s mix of them.',
    available: true,
  },
  {
    kind: 'bnn',
    label: 'Bayesian neural network',
    help: 'Predicts a target column from feature columns with honest uncertainty: a posterior over the network’s weights, fitted by variational inference.',
    available: true,
  },
  {
    kind: 'glm',
    label: 'Bayesian regression (linear / logistic)',
    help: 'How the target depends on each column, and how sure we are: a posterior over the coefficients, with every family checked against a reference posterior (NUTS, or exact).',
    available: true,
  },
];

export const FAMILIES: Choice<FamilySpec['kind']>[] = [
  {
    kind: 'meanfield',
    label: 'Mean-field Gaussian',
    help: 'q(z | x) = N(μ(x), diag σ²(x)): independent Gaussian per latent dimension. Fast, the classic VAE posterior.',
    available: true,
  },
  {
    kind: 'fullrank',
    label: 'Full-rank Gaussian',
    help: 'q(z | x) = N(μ(x), L(x)L(x)ᵀ) with a lower-triangular Cholesky factor: captures correlations between latent dimensions (D(D+1)/2 outputs).',
    available: true,
  },
  {
    kind: 'lowrank',
    label: 'Low-rank + diagonal Gaussian',
    help: 'Covariance diag σ² + U Uᵀ with U of rank r: correlations at a cost linear in D. Set the rank below.',
    available: true,
  },
  {
    kind: 'planar',
    label: 'Planar flow',
    help: 'Mean-field pushed through K planar maps z + u·tanh(wᵀz + b) (Rezende & Mohamed 2015): bends the ellipse; no inverse, so densities are estimated from draws.',
    available: true,
  },
  {
    kind: 'radial',
    label: 'Radial flow',
    help: 'K radial maps that contract or expand around a point (Rezende & Mohamed 2015); cheap, good for rounded, peaked posteriors.',
    available: true,
  },
  {
    kind: 'iaf',
    label: 'Inverse autoregressive flow',
    help: 'K MADE-based autoregressive steps (Kingma et al. 2016): expressive, fast sampling and exact log q. A strong default flow.',
    available: true,
  },
  {
    kind: 'coupling',
    label: 'Affine coupling flow',
    help: 'RealNVP-style coupling layers (Dinh et al. 2017): half the dimensions shift and scale the other half; exact, invertible.',
    available: true,
  },
  {
    kind: 'svgd',
    label: 'SVGD particles',
    help: 'Not for VAEs: SVGD moves one set of particles for a global posterior, while a VAE needs an amortised q(z|x) per row. Used by BNNs.',
    available: false,
  },
];

export const OBJECTIVES: Choice<ObjectiveSpec['kind']>[] = [
  {
    kind: 'elbo',
    label: 'ELBO',
    help: 'E_q[log p(x | z)] − KL(q(z | x) ‖ p(z)), with the KL term computed analytically where the family allows.',
    available: true,
  },
  {
    kind: 'iwae',
    label: 'IWAE bound (K samples)',
    help: 'log of the mean of K importance weights (Burda et al. 2015): a tighter bound that grows with K; costs K decoder passes per row.',
    available: true,
  },
  {
    kind: 'renyi',
    label: 'Rényi-α bound',
    help: 'Li & Turner 2016: α = 1 is the ELBO, α = 0 the IWAE bound; α between trades mode-seeking for mass-covering.',
    available: true,
  },
];

/** LDA inference methods, each with a one-line explanation. */
export const LDA_METHODS: Choice<'online' | 'batch'>[] = [
  {
    kind: 'online',
    label: 'Online (SVI)',
    help: 'Stochastic variational inference (Hoffman et al. 2010): updates the topics after every minibatch — fast on large corpora.',
    available: true,
  },
  {
    kind: 'batch',
    label: 'Batch (EM)',
    help: 'Batch variational EM (Blei et al. 2003): one topic update per full pass; the ELBO never decreases — exact but slower.',
    available: true,
  },
];

/** Stop-word languages offered by the form (ISO 639-1 codes understood by src-main/text/stopwords.ts). */
export const STOP_WORD_LANGUAGES: { code: string; label: string }[] = [
  { code: 'en', label: 'English' },
  { code: 'de', label: 'German' },
  { code: 'fr', label: 'French' },
  { code: 'es', label: 'Spanish' },
  { code: 'it', label: 'Italian' },
  { code: 'pt', label: 'Portuguese' },
  { code: 'nl', label: 'Dutch' },
  { code: 'sv', label: 'Swedish' },
  { code: 'da', label: 'Danish' },
  { code: 'no', label: 'Norwegian' },
  { code: 'fi', label: 'Finnish' },
  { code: 'pl', label: 'Polish' },
  { code: 'ru', label: 'Russian' },
  { code: 'tr', label: 'Turkish' },
  { code: 'none', label: 'None (keep every word)' },
];

/** Posterior families a GLM offers: one global posterior q(β) over the coefficients (and log σ). */
export const GLM_FAMILIES: Choice<FamilySpec['kind']>[] = [
  {
    kind: 'meanfield',
    label: 'Mean-field Gaussian',
    help: 'q(β) = N(μ, diag σ²): independent coefficients. ADVI’s default; tends to understate sds when predictors are correlated.',
    available: true,
  },
  {
    kind: 'fullrank',
    label: 'Full-rank Gaussian',
    help: 'q(β) = N(μ, LLᵀ): captures the correlations between coefficients that collinear predictors create.',
    available: true,
  },
  {
    kind: 'lowrank',
    label: 'Low-rank + diagonal Gaussian',
    help: 'Covariance diag σ² + UUᵀ of rank 2: correlations at a cost linear in the coefficients.',
    available: true,
  },
  {
    kind: 'planar',
    label: 'Planar flow',
    help: 'Mean-field bent by 8 planar maps (Rezende & Mohamed 2015): skewed posteriors, as in logistic regression with separation.',
    available: true,
  },
  {
    kind: 'radial',
    label: 'Radial flow',
    help: '8 radial maps around a point (Rezende & Mohamed 2015): peaked or heavy-centred posteriors.',
    available: true,
  },
  {
    kind: 'iaf',
    label: 'Inverse autoregressive flow',
    help: '4 MADE-based autoregressive steps (Kingma et al. 2016): flexible, exact log q.',
    available: true,
  },
  {
    kind: 'coupling',
    label: 'Affine coupling flow',
    help: 'RealNVP-style coupling layers (Dinh et al. 2017): invertible, exact log q.',
    available: true,
  },
  {
    kind: 'svgd',
    label: 'SVGD particles',
    help: '50 particles moved along the kernelised gradient of log p (Liu & Wang 2016); no bound is maximised.',
    available: true,
  },
];

/** Objectives as a GLM reads them: one global posterior q(β) over the coefficients. */
export const GLM_OBJECTIVES: Choice<ObjectiveSpec['kind']>[] = [
  {
    kind: 'elbo',
    label: 'ELBO',
    help: 'E_q[log p(y | X, β)] − KL(q(β) ‖ p(β)); the number is the Monte Carlo draws of β per step.',
    available: true,
  },
  {
    kind: 'iwae',
    label: 'IWAE bound (K samples)',
    help: 'log of the mean of K importance weights p(y, β)/q(β) (Burda et al. 2015): tighter than the ELBO, mass-covering.',
    available: true,
  },
  {
    kind: 'renyi',
    label: 'Rényi-α bound',
    help: 'Li & Turner 2016: α = 1 is the ELBO, α = 0 the IWAE bound; between trades mode-seeking for mass-covering.',
    available: true,
  },
];

/** "Fit every family": a factorised Gaussian, a correlated Gaussian and a normalising flow, on the same data. */
export const GLM_EVERY_FAMILY: FamilySpec['kind'][] = ['meanfield', 'fullrank', 'iaf'];
