/** The reference posterior's chains and draws as the run page offers them, checked by the service's own schema. */
import { REFERENCE_LIMITS, referenceSettingsSchema } from '../../../src-shared/schemas/api';

/** The sampler settings the run page offers (the others keep the schema's defaults). */
export interface NutsControls {
  chains: number | null;
  draws: number | null;
}

/** Chains and draws checked by the schema the service uses: the settings, or each field's message. */
export function checkNutsControls(
  c: NutsControls,
):
  | { ok: true; settings: { chains: number; draws: number } }
  | { ok: false; errors: Partial<Record<keyof NutsControls, string>> } {
  const r = referenceSettingsSchema.safeParse({ chains: c.chains ?? undefined, draws: c.draws ?? undefined });
  const errors: Partial<Record<keyof NutsControls, string>> = {};
  for (const k of ['chains', 'draws'] as const)
    if (c[k] === null || Number.isNaN(c[k]))
      errors[k] =
        `Enter ${k} (${REFERENCE_LIMITS[k].min}–${REFERENCE_LIMITS[k].max.toLocaleString('en')}); ${REFERENCE_LIMITS[k].fix}.`;
  if (!r.success)
    for (const issue of r.error.issues) {
      const k = issue.path[0];
      if (k === 'chains' || k === 'draws') errors[k] ??= issue.message;
    }
  if (Object.keys(errors).length > 0 || !r.success) return { ok: false, errors };
  return { ok: true, settings: { chains: r.data.chains, draws: r.data.draws } };
}
