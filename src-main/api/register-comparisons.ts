/**
 * Saved comparisons: list, get, save, update and delete a named set of runs (of one model kind) with the compare
 * view's choices. Runs deleted after saving stay in the comparison's run list and are reported as missing, so the
 * view can say "run N was deleted" rather than silently showing fewer runs.
 */
import { AppError } from '../../src-shared/ipc/app-error';
import type { Handlers } from '../../src-shared/ipc/contract';
import type { SavedComparison } from '../../src-shared/domain/comparison';
import type { Services } from './services';

type ComparisonChannels =
  'comparisons:list' | 'comparisons:get' | 'comparisons:save' | 'comparisons:update' | 'comparisons:delete';

export function registerComparisons(s: Services): Pick<Handlers, ComparisonChannels> {
  const get = (comparisonId: number): SavedComparison => {
    const c = s.repos.comparisons.get(comparisonId);
    if (!c)
      throw new AppError(
        'NOT_FOUND',
        `No saved comparison with id ${comparisonId}`,
        'It may have been deleted; pick one from the list of saved comparisons.',
      );
    return c;
  };

  /** Every run must exist and all must be of one model kind. */
  const checkRuns = (runIds: number[]): void => {
    const kinds = new Map<string, number[]>();
    for (const id of runIds) {
      const r = s.repos.runs.get(id);
      if (!r)
        throw new AppError(
          'NOT_FOUND',
          `No run with id ${id}`,
          'It may have been deleted; remove it from the comparison and save again.',
        );
      kinds.set(r.model, [...(kinds.get(r.model) ?? []), id]);
    }
    if (kinds.size > 1) {
      const list = [...kinds].map(([k, ids]) => `${k} (${ids.map((i) => `#${i}`).join(', ')})`).join(', ');
      throw new AppError(
        'BAD_REQUEST',
        `Runs of different model kinds cannot be saved as one comparison: ${list}`,
        'Keep the runs of one model kind.',
      );
    }
  };

  return {
    'comparisons:list': async () => s.repos.comparisons.list(),
    'comparisons:get': async ({ comparisonId }) => get(comparisonId),
    'comparisons:save': async (c) => {
      checkRuns(c.runIds);
      return s.repos.comparisons.create(c);
    },
    'comparisons:update': async ({ comparisonId, ...patch }) => {
      get(comparisonId);
      if (patch.runIds) checkRuns(patch.runIds);
      s.repos.comparisons.update(comparisonId, patch);
      return get(comparisonId);
    },
    'comparisons:delete': async ({ comparisonId }) => {
      const c = get(comparisonId);
      s.repos.comparisons.delete(comparisonId);
      return c;
    },
  };
}
