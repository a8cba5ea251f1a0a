/** What the BNN run form offers: weight-posterior families with one-line explanations, and sample presets. */
import type { FamilySpec } from '../../../src-shared/schemas/run-spec';

export interface BnnFamilyChoice {
  kind: FamilySpec['kind'];
  label: string;
  help: string;
  /** The family's one numeric parameter, when it has one. */
  param?: { label: string; default: number };
}

export const BNN_FAMILIES: BnnFamilyChoice[] = [
  {
    kind: 'meanfield',
    label: 'Mean-field Gaussian (Bayes by Backprop)',
    help: 'An independent Gaussian per weight, trained with the local reparameterisation trick (Blundell et al. 2015). Fast; tends to understate uncertainty between clusters of data.',
  },
  {
    kind: 'fullrank',
    label: 'Full-rank Gaussian (last layer)',
    help: 'Correlated Gaussian over the last layer’s weights (other layers mean-field): captures how output weights trade off.',
  },
  {
    kind: 'lowrank',
    label: 'Low-rank Gaussian (last layer)',
    help: 'Diagonal plus rank-r covariance over the last layer: most of full-rank’s correlations at a fraction of the cost.',
    param: { label: 'Rank r', default: 2 },
  },
  {
    kind: 'planar',
    label: 'Planar flow',
    help: 'A Gaussian bent by K planar maps, over every weight of a small network (else the last layer): non-Gaussian, skewed posteriors.',
    param: { label: 'Flow length K', default: 8 },
  },
  {
    kind: 'radial',
    label: 'Radial flow',
    help: 'A Gaussian reshaped by K radial contractions/expansions around learned centres (small networks or the last layer).',
    param: { label: 'Flow length K', default: 8 },
  },
  {
    kind: 'iaf',
    label: 'Inverse autoregressive flow',
    help: 'K MADE-based autoregressive transforms (Kingma et al. 2016): flexible dependent posteriors, fast sampling.',
    param: { label: 'Flow length K', default: 4 },
  },
  {
    kind: 'coupling',
    label: 'Coupling flow (Real NVP)',
    help: 'K affine coupling layers (Dinh et al. 2017): half the weights transform the other half; expressive and stable.',
    param: { label: 'Flow length K', default: 4 },
  },
  {
    kind: 'svgd',
    label: 'SVGD ensemble',
    help: 'N whole networks moved by Stein variational gradient descent (Liu & Wang 2016): a particle posterior that spreads between modes.',
    param: { label: 'Particles N', default: 20 },
  },
];

export interface BnnPreset {
  label: string;
  target: string;
  hidden?: number[];
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  patience?: number;
  family?: FamilySpec['kind'];
}

/** Form settings for the bundled regression samples ("Try a sample"). */
export const BNN_PRESETS: Record<string, BnnPreset> = {
  toy_gap: {
    label: 'for the toy_gap sample: target y, one layer of 50, 200 epochs at learning rate 0.01',
    target: 'y',
    hidden: [50],
    epochs: 200,
    batchSize: 32,
    learningRate: 0.01,
    patience: 0,
  },
  diabetes: {
    label: 'for the diabetes sample: target progression, one layer of 50, 200 epochs at learning rate 0.01',
    target: 'progression',
    hidden: [50],
    epochs: 200,
    batchSize: 32,
    learningRate: 0.01,
    patience: 30,
  },
};
