/**
 * The engine's check before training a VAE: the problems src-shared/schemas/spec-checks.ts names (one home, shared
 * with the run form and the spec schema), thrown together.
 */
import type { VaeSpec } from '../../../../src-shared/schemas/run-spec';
import { vaeSpecProblems, type SpecProblem } from '../../../../src-shared/schemas/spec-checks';

export { vaeSpecProblems };
export type VaeSpecProblem = SpecProblem;

/** Throw the first problem (all of them in the message) when the spec cannot run. */
export function checkVaeSpec(spec: VaeSpec): void {
  const p = vaeSpecProblems(spec);
  if (p.length) throw new Error(p.map((x) => x.message).join(' '));
}

/** Same name as before, kept for callers of the foundation's VAE. */
export const checkVaeSpecSupported = checkVaeSpec;
