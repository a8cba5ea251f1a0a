/**
 * A reference posterior from a dataset folder and a GLM spec: the run's own data preparation (prepareGlmData), then
 * the engine's glmReferencePosterior. Runs in the reference worker; tests call it directly.
 */
import { DatasetFile } from '../data-import';
import { prepareGlmData } from '../jobs/adapters/glm';
import { glmReferencePosterior, type ReferenceProgress } from '../engine/models/glm';
import type { ReferencePosterior } from '../../src-shared/domain/reference';
import type { ReferenceWorkerInput } from './protocol';

export async function computeReference(
  input: ReferenceWorkerInput,
  hooks: { onProgress?: (p: ReferenceProgress) => void; shouldStop?: () => boolean } = {},
): Promise<ReferencePosterior> {
  const { spec, settings: s } = input;
  const prep = prepareGlmData(DatasetFile.open(input.datasetDir), spec);
  return glmReferencePosterior({
    model: prep.kind,
    data: prep.data,
    ...(spec.priorScale !== undefined ? { priorScale: spec.priorScale } : {}),
    ...(prep.noise ? { noise: prep.noise } : {}),
    scaling: prep.scaling,
    dummies: prep.dummies,
    seed: s.seed,
    method: s.method,
    chains: s.chains,
    warmup: s.warmup,
    draws: s.draws,
    metric: s.metric,
    targetAccept: s.targetAccept,
    maxTreeDepth: s.maxTreeDepth,
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    ...(hooks.shouldStop ? { shouldStop: hooks.shouldStop } : {}),
  });
}
