/** Checks artifact payloads (stored as untyped JSON) before views draw them. */
import type { ReconstructionArtifact } from '../../src-shared/domain/types';
import type { GradGroupStat, GradVarianceArtifact } from '../../src-shared/domain/grad-variance';

function isNumberMatrix(v: unknown): v is number[][] {
  return Array.isArray(v) && v.every((row) => Array.isArray(row) && row.every((x) => typeof x === 'number'));
}

export function asReconstructions(data: unknown): ReconstructionArtifact | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  if (typeof d.width !== 'number' || typeof d.height !== 'number') return null;
  if (!isNumberMatrix(d.originals) || !isNumberMatrix(d.reconstructions)) return null;
  const rows = Array.isArray(d.rows) ? d.rows.filter((x): x is number => typeof x === 'number') : [];
  return { width: d.width, height: d.height, rows, originals: d.originals, reconstructions: d.reconstructions };
}

/** The 'gradVariance' artifact, checked (JSON turns ∞ and NaN into null; those stay null and are not drawn). */
export function asGradVariance(data: unknown): GradVarianceArtifact | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  if (d.estimator !== 'reparam' && d.estimator !== 'score') return null;
  if (typeof d.repeats !== 'number' || typeof d.rows !== 'number' || !Array.isArray(d.checkpoints)) return null;
  const isGroups = (v: unknown): v is GradGroupStat[] =>
    Array.isArray(v) &&
    v.every((g) => typeof g === 'object' && g !== null && typeof (g as GradGroupStat).group === 'string');
  for (const c of d.checkpoints as unknown[]) {
    if (typeof c !== 'object' || c === null) return null;
    const cp = c as Record<string, unknown>;
    if (typeof cp.step !== 'number' || !isGroups(cp.groups)) return null;
    if (cp.pathwise !== null && !isGroups(cp.pathwise)) return null;
  }
  return data as GradVarianceArtifact;
}
