/** Checks artifact payloads (stored as untyped JSON) before views draw them. */
import type { ReconstructionArtifact } from '../../src-shared/domain/types';

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
