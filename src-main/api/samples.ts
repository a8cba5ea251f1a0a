/** The bundled sample datasets (resources/samples, provenance in resources/LICENSES.md). */
import fs from 'node:fs';
import path from 'node:path';
import type { SampleInfo } from '../../src-shared/domain/types';

export const SAMPLES: SampleInfo[] = [
  {
    id: 'digits',
    name: 'Handwritten digits (8×8)',
    fileName: 'digits.csv',
    description:
      '1,797 images of handwritten digits, 64 pixel intensities (0–16) and a label. Fit a VAE and watch it learn to draw.',
    rows: 1797,
    columns: 65,
    suggestedModel: 'vae',
    license: 'UCI Optical Recognition of Handwritten Digits (Alpaydin & Kaynak 1998), CC BY 4.0',
  },
  {
    id: 'collapse-lab',
    name: 'Posterior-collapse lab',
    fileName: 'digits.csv',
    description:
      'The digits fitted four ways: a decoder strong enough to ignore z (it collapses), then KL annealing, free bits and a limited receptive field, side by side.',
    rows: 1797,
    columns: 65,
    suggestedModel: 'vae',
    license: 'UCI Optical Recognition of Handwritten Digits (Alpaydin & Kaynak 1998), CC BY 4.0',
    lab: 'collapse',
  },
  {
    id: 'fortunes',
    name: 'Fortunes (short texts)',
    fileName: 'fortunes.csv',
    description: '13,482 short texts from the BSD fortune program with a category column, for topic models.',
    rows: 13482,
    columns: 3,
    suggestedModel: 'lda',
    license: 'fortune-mod 1.99.1 data files, BSD licence',
  },
  {
    id: 'diabetes',
    name: 'Diabetes progression (regression)',
    fileName: 'diabetes.csv',
    description: '442 patients, ten baseline measurements and a disease-progression score one year later.',
    rows: 442,
    columns: 11,
    suggestedModel: 'bnn',
    license: 'Efron, Hastie, Johnstone & Tibshirani (2004); BSD-3-Clause (scikit-learn)',
  },
  {
    id: 'toy_gap',
    name: 'x·sin x with a gap (1-D regression)',
    fileName: 'toy_gap.csv',
    description: '1,000 noisy points of y = x·sin x on [−5, 5] without (−1.5, 1.5): see uncertainty widen in the gap.',
    rows: 1000,
    columns: 2,
    suggestedModel: 'bnn',
    license: 'generated (seed 0)',
  },
];

/** Finds resources/samples in dev (repo root), a build (out/main → ../../resources) or a packaged app. */
export function findSamplesDir(extra: string[] = []): string {
  const candidates = [
    ...extra,
    process.env.ELBO_STUDIO_RESOURCES ? path.join(process.env.ELBO_STUDIO_RESOURCES, 'samples') : '',
    path.resolve(__dirname, '../../resources/samples'),
    path.resolve(__dirname, '../../../resources/samples'),
    path.resolve(process.cwd(), 'resources/samples'),
  ].filter(Boolean);
  for (const c of candidates) if (fs.existsSync(path.join(c, 'digits.csv'))) return c;
  throw new Error(`Sample datasets not found; looked in ${candidates.join(', ')}`);
}
