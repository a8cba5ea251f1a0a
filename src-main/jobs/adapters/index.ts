/** The model adapters by model name, and the one validation entry runs:start and the CLI call. */
import type { RunSpec } from '../../../src-shared/schemas/run-spec';
import { bnnAdapter } from './bnn';
import { glmAdapter } from './glm';
import { ldaAdapter } from './lda';
import type { ModelAdapter, ValidateContext } from './types';
import { vaeAdapter } from './vae';

export type { AdapterInput, DatasetInfo, ModelAdapter, ValidateContext } from './types';

type AdapterOf = { [M in RunSpec['model']]: ModelAdapter<Extract<RunSpec, { model: M }>> };

export const adapters: AdapterOf = { vae: vaeAdapter, glm: glmAdapter, lda: ldaAdapter, bnn: bnnAdapter };

export function adapterFor<S extends RunSpec>(spec: S): ModelAdapter<S> {
  const a = (adapters as Record<string, ModelAdapter<RunSpec>>)[spec.model];
  if (!a) throw new Error(`Unknown model "${(spec as { model: string }).model}"; expected vae, glm, lda or bnn`);
  return a as ModelAdapter<S>;
}

/** Throws an AppError naming the problem and its fix when `spec` cannot run on the dataset(s) in `ctx`. */
export function validateRun(spec: RunSpec, ctx: ValidateContext): void {
  adapterFor(spec).validate(spec, ctx);
}

/** The second dataset a spec names (a VAE's test file, LDA's held-out documents), if any. */
export function secondDatasetId(spec: RunSpec): number | undefined {
  return adapterFor(spec).secondDatasetId(spec);
}
