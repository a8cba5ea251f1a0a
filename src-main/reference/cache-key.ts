/**
 * The cache key of a reference posterior: sha-256 over the dataset's content hash, the GLM spec fields its log joint
 * depends on (kind, target, features, prior scale, standardisation, known noise, reference levels, held-out fraction — not the family,
 * objective, optimiser or steps of a variational fit), the sampler settings and a version of the reference code.
 */
import { createHash } from 'node:crypto';
import type { GlmSpec } from '../../src-shared/schemas/run-spec';
import type { ReferenceSettings } from '../../src-shared/schemas/api';

/** Bump when the reference's numbers would change for the same inputs (stored references then recompute). */
export const REFERENCE_VERSION = 1;

/** The spec fields of a GLM's log joint, in a fixed order. */
export function referenceSpec(spec: GlmSpec): Record<string, unknown> {
  const levels = spec.referenceLevels ?? {};
  return {
    kind: spec.kind,
    target: spec.target,
    features: [...spec.features],
    priorScale: spec.priorScale ?? null,
    standardize: spec.standardize,
    noiseSigma: spec.noiseSigma ?? null,
    // The reference is fitted on the same training rows as the run (validation rows held out); 0 keeps older keys.
    ...(spec.validation > 0 ? { validation: spec.validation } : {}),
    referenceLevels: Object.fromEntries(
      Object.keys(levels)
        .sort()
        .map((k) => [k, levels[k]]),
    ),
  };
}

export function referenceKey(contentHash: string, spec: GlmSpec, settings: ReferenceSettings): string {
  const s = settings;
  const canonical = JSON.stringify({
    v: REFERENCE_VERSION,
    data: contentHash,
    spec: referenceSpec(spec),
    settings: [s.method, s.chains, s.warmup, s.draws, s.seed, s.metric, s.targetAccept, s.maxTreeDepth],
  });
  return createHash('sha256').update(canonical).digest('hex');
}
