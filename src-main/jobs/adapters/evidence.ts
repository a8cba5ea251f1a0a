/**
 * The verdict evidence every adapter reports the same way (src-shared/domain/verdict.ts): the loop's convergence of
 * the smoothed bound as metrics (`converged` 0/1, `relative_change`, `converged_stop` 0/1) and as evidence.
 */
import type { VerdictEvidence } from '../../../src-shared/domain/verdict';
import type { Convergence } from '../../engine/diagnostics/convergence';

export function convergenceEvidence(
  c: Convergence | null,
  earlyStopped?: { epoch: number; bestEpoch: number },
): VerdictEvidence['convergence'] {
  return c && Number.isFinite(c.relativeChange)
    ? {
        converged: c.converged,
        relativeChange: c.relativeChange,
        tolerance: c.tolerance,
        ...(earlyStopped ? { earlyStopped } : {}),
      }
    : null;
}

export function convergenceMetrics(c: Convergence | null, stoppedWhenConverged: boolean): Record<string, number> {
  if (!c || !Number.isFinite(c.relativeChange)) return {};
  return {
    converged: c.converged ? 1 : 0,
    relative_change: c.relativeChange,
    converged_stop: stoppedWhenConverged ? 1 : 0,
  };
}
