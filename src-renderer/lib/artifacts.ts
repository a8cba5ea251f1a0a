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
  const tabular = asTabular(d.tabular);
  return {
    width: d.width,
    height: d.height,
    rows,
    originals: d.originals,
    reconstructions: d.reconstructions,
    ...(tabular ? { tabular } : {}),
  };
}

type Tabular = NonNullable<ReconstructionArtifact['tabular']>;

function asTabular(v: unknown): Tabular | null {
  if (typeof v !== 'object' || v === null) return null;
  const t = v as Record<string, unknown>;
  if (!Array.isArray(t.columns) || !isNumberMatrix(t.originals) || !isNumberMatrix(t.reconstructions)) return null;
  const columns: Tabular['columns'] = [];
  for (const c of t.columns) {
    if (typeof c !== 'object' || c === null) return null;
    const o = c as Record<string, unknown>;
    if (typeof o.name !== 'string' || (o.kind !== 'numeric' && o.kind !== 'categorical')) return null;
    const levels = Array.isArray(o.levels) ? o.levels.map(String) : undefined;
    columns.push({ name: o.name, kind: o.kind, ...(levels ? { levels } : {}) });
  }
  const sd = Array.isArray(t.sd) ? t.sd.map((x) => (typeof x === 'number' ? x : null)) : columns.map(() => null);
  return { columns, originals: t.originals, reconstructions: t.reconstructions, sd };
}

/** Per column of a tabular reconstruction: RMSE (numeric, data units) or the share of rows whose level is wrong. */
export interface ColumnError {
  name: string;
  kind: 'numeric' | 'categorical';
  /** RMSE in the column's units, or the share of mismatched levels. */
  error: number;
  /** RMSE ÷ the column's sd in the data (numeric columns with a known sd), to compare columns. */
  relative: number | null;
  rows: number;
}

export function columnErrors(t: Tabular): ColumnError[] {
  const n = Math.min(t.originals.length, t.reconstructions.length);
  return t.columns.map((c, j) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const a = t.originals[i]![j]!;
      const b = t.reconstructions[i]![j]!;
      acc += c.kind === 'categorical' ? (a === b ? 0 : 1) : (a - b) ** 2;
    }
    const error = n === 0 ? Number.NaN : c.kind === 'categorical' ? acc / n : Math.sqrt(acc / n);
    const sd = t.sd[j];
    const relative = c.kind === 'numeric' && sd != null && sd > 0 ? error / sd : null;
    return { name: c.name, kind: c.kind, error, relative, rows: n };
  });
}

/** Image-shaped reconstructions (a square pixel grid of 16 or more values in [0, 1]) are drawn as pictures; the rest
 * are tables. */
export function isImage(r: ReconstructionArtifact): boolean {
  if (r.tabular) return false;
  if (r.height < 2 || r.width !== r.height || r.width * r.height < 16) return false;
  for (const row of [...r.originals, ...r.reconstructions]) for (const v of row) if (!(v >= 0 && v <= 1)) return false;
  return true;
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
