import type { ModelKind } from '../../../src-shared/domain/models';

export const KIND_LABEL: Record<ModelKind, string> = { vae: 'VAE', lda: 'LDA', bnn: 'BNN' };
export const KIND_LONG: Record<ModelKind, string> = {
  vae: 'Variational autoencoder',
  lda: 'Topic model (LDA)',
  bnn: 'Bayesian neural network',
};
