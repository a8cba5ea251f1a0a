/**
 * What the regression form (views/Train/GlmForm.svelte) decides from a dataset's column schema, mirroring the GLM
 * adapter's checks (src-main/jobs/adapters/glm.ts `glmColumns`): which likelihood "auto" picks for a target, and why
 * a column cannot be one.
 */
import type { ColumnSchema } from '../../../src-shared/domain/types';

/** auto → logistic for a two-valued target (binary, or categorical with 2 levels), linear for a numeric one. */
export function glmDetectKind(c: ColumnSchema): 'linear' | 'logistic' | null {
  if (c.type === 'binary' || (c.type === 'categorical' && c.levels?.length === 2)) return 'logistic';
  if (c.type === 'numeric') return 'linear';
  return null;
}

/** Why `c` cannot be a GLM's target, or null when it can. */
export function glmTargetProblem(c: ColumnSchema): string | null {
  const kind = glmDetectKind(c);
  if (kind === null) {
    if (c.type === 'categorical')
      return `"${c.name}" has ${c.levels?.length ?? 0} levels; a GLM needs a numeric or two-valued target.`;
    return `"${c.name}" is a ${c.type} column; choose a numeric or two-valued target.`;
  }
  if (kind === 'linear' && c.stats && c.stats.min === c.stats.max)
    return `"${c.name}" is constant (${c.stats.min} in every row): there is nothing to explain.`;
  return null;
}
