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

export const MODELS: Choice<'vae' | 'lda' | 'bnn'>[] = [
  { kind: 'vae', label: 'Variational autoencoder', help: 'Learns a low-dimensional latent code z for each row and a decoder that reconstructs the row from it.', available: true },
  { kind: 'lda', label: 'Topic model (LDA)', help: 'Coming in a later version.', available: false },
  { kind: 'bnn', label: 'Bayesian neural network', help: 'Coming in a later version.', available: false },
];

export const FAMILIES: Choice<FamilySpec['kind']>[] = [
  {
    kind: 'meanfield',
    label: 'Mean-field Gaussian',
    help: 'q(z | x) = N(μ(x), diag σ²(x)): independent Gaussian per latent dimension. Fast, the classic VAE posterior.',
    available: true,
  },
  { kind: 'fullrank', label: 'Full-rank Gaussian', help: 'Coming soon.', available: false },
  { kind: 'planar', label: 'Planar flow', help: 'Coming soon.', available: false },
  { kind: 'iaf', label: 'Inverse autoregressive flow', help: 'Coming soon.', available: false },
];

export const OBJECTIVES: Choice<ObjectiveSpec['kind']>[] = [
  {
    kind: 'elbo',
    label: 'ELBO',
    help: 'E_q[log p(x | z)] − KL(q(z | x) ‖ p(z)), with the KL term computed analytically.',
    available: true,
  },
  { kind: 'iwae', label: 'IWAE bound', help: 'Coming soon.', available: false },
  { kind: 'renyi', label: 'Rényi-α bound', help: 'Coming soon.', available: false },
];
