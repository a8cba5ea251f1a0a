/**
 * Run summaries arrive from two directions (request answers and run:status events) and can cross: an answer to
 * runs:cancel may say `running` after the event saying `cancelled` has landed. A run's status only moves forward
 * (queued → running → completed | failed | cancelled), so an update that would move it back is stale.
 */
import type { RunStatus, RunSummary } from '../../src-shared/domain/types';

const RANK: Record<RunStatus, number> = { queued: 0, running: 1, completed: 2, failed: 2, cancelled: 2 };

export function isTerminal(s: RunStatus): boolean {
  return RANK[s] === 2;
}

/** The summary to keep when `incoming` arrives while `current` is shown. */
export function newerRun(current: RunSummary | null | undefined, incoming: RunSummary): RunSummary {
  if (!current || current.id !== incoming.id) return incoming;
  if (RANK[incoming.status] < RANK[current.status]) return current;
  if (isTerminal(current.status) && isTerminal(incoming.status) && current.finishedAt && !incoming.finishedAt)
    return current;
  return incoming;
}
