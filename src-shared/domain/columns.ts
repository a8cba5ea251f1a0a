/**
 * Which of a dataset's columns a model leaves out, and why: shown in the run forms and in a run's data info, so no
 * column disappears without a reason.
 */
import type { RunSpec } from '../schemas/run-spec';
import { describeMissing } from './missing';
import type { ColumnSchema, Dataset } from './types';

export type ColumnModel = 'vae' | 'bnn' | 'glm';

/** The column types each model can take as features (GLM: categorical predictors are dummy-coded when named). */
export const FEATURE_TYPES: Record<ColumnModel, ReadonlySet<string>> = {
  vae: new Set(['numeric', 'binary', 'categorical']),
  bnn: new Set(['numeric', 'binary', 'categorical']),
  glm: new Set(['numeric', 'binary', 'categorical']),
};
/** A GLM's default predictors (no features named): numeric and binary feature columns (jobs/adapters/glm.ts). */
const GLM_DEFAULT_TYPES: ReadonlySet<string> = new Set(['numeric', 'binary']);

/** Why a column of this dataset is not among a model's features. `used`: the run's features (and target). */
export function leftOutReason(
  model: ColumnModel,
  c: Pick<ColumnSchema, 'name' | 'type' | 'role' | 'missingStored' | 'indicatorOf'>,
  opts: { target?: string } = {},
): string {
  if (c.name === opts.target) return 'the target';
  if (c.type === 'text') return 'text: for topic models (LDA)';
  if (c.type === 'identifier') return 'identifier: a different value on every row, nothing to learn';
  if (!FEATURE_TYPES[model].has(c.type)) return `${c.type}: not a feature type`;
  if ((c.missingStored ?? 0) > 0) return `${c.missingStored} missing cells (kept missing at import)`;
  if (c.role === 'ignore') return 'ignored at import';
  if (c.role === 'label') return 'a label: left out by default (tick it to model it)';
  if (model === 'glm' && c.type === 'categorical') return 'categorical: dummy-coded only when named as a predictor';
  return 'not selected';
}

/** The columns of `schema` that are not in `used`, each with its reason. */
export function leftOutColumns(
  model: ColumnModel,
  schema: ColumnSchema[],
  used: readonly string[],
  opts: { target?: string } = {},
): { name: string; reason: string }[] {
  const on = new Set(used);
  return schema
    .filter((c) => !on.has(c.name) && c.name !== opts.target)
    .map((c) => ({ name: c.name, reason: leftOutReason(model, c, opts) }));
}

/** The columns a run's spec uses, as its adapter resolves them (an empty feature list means the defaults). */
export function runColumns(
  spec: RunSpec,
  schema: ColumnSchema[],
): { model: RunSpec['model']; target?: string; used: string[] } {
  const features = (m: ColumnModel, target?: string): string[] =>
    schema.filter((c) => c.role === 'feature' && c.name !== target && FEATURE_TYPES[m].has(c.type)).map((c) => c.name);
  switch (spec.model) {
    case 'vae':
      return { model: 'vae', used: spec.features.length ? spec.features : features('vae') };
    case 'bnn':
      return {
        model: 'bnn',
        target: spec.target,
        used: spec.features.length
          ? spec.features
          : schema.filter((c) => c.role === 'feature' && c.name !== spec.target).map((c) => c.name),
      };
    case 'glm':
      return {
        model: 'glm',
        target: spec.target,
        used: spec.features.length
          ? spec.features
          : schema
              .filter((c) => c.role === 'feature' && c.name !== spec.target && GLM_DEFAULT_TYPES.has(c.type))
              .map((c) => c.name),
      };
    case 'lda':
      return { model: 'lda', used: [spec.textColumn] };
  }
}

/** What a run's data info shows: the missing-value policy, the columns used and those left out with the reason. */
export interface RunDataInfo {
  missing: string;
  target?: string;
  used: string[];
  leftOut: { name: string; reason: string }[];
}

export function runDataInfo(spec: RunSpec, dataset: Pick<Dataset, 'schema' | 'preprocessing'>): RunDataInfo {
  const { model, target, used } = runColumns(spec, dataset.schema);
  const on = new Set(used);
  const leftOut =
    model === 'lda'
      ? dataset.schema
          .filter((c) => !on.has(c.name))
          .map((c) => ({ name: c.name, reason: 'LDA reads only the text column' }))
      : leftOutColumns(model, dataset.schema, used, target !== undefined ? { target } : {});
  return {
    missing: describeMissing(dataset.preprocessing),
    ...(target !== undefined ? { target } : {}),
    used,
    leftOut,
  };
}
