/**
 * The reference posterior of one or more GLM runs (issue 15): loads each run's `reference:for-run` state, starts the
 * job on request, follows `reference:progress` and cancels. Runs on the same dataset and model share one cached
 * reference (src-main/reference/cache-key.ts), so starting it for one run serves every family fitted beside it.
 */
import type { ReferenceJobStatus, RunReference } from '../../../src-shared/domain/reference';
import { api, toApiError, type ApiError } from '../api';

export class ReferenceState {
  /** By run id. */
  byRun = $state<Record<number, RunReference>>({});
  /** Latest progress per cache key (the event carries no result). */
  progress = $state<Record<string, ReferenceJobStatus>>({});
  error = $state<ApiError | null>(null);
  busy = $state(false);

  constructor(private readonly runIds: () => number[]) {}

  /** Subscribe to progress; returns the unsubscribe function (use in an $effect). */
  listen(): () => void {
    return api.on('reference:progress', (p) => {
      const mine = Object.values(this.byRun).some((r) => r.key === p.key);
      if (!mine) return;
      this.progress = { ...this.progress, [p.key]: p };
      if (p.status === 'completed' || p.status === 'failed' || p.status === 'cancelled') void this.load();
    });
  }

  async load(start = false): Promise<void> {
    const ids = this.runIds();
    try {
      const out: Record<number, RunReference> = {};
      // Start once (the first run); the others read the same job by its key.
      for (const [i, runId] of ids.entries())
        out[runId] = await api.invoke('reference:for-run', { runId, start: start && i === 0 });
      this.byRun = out;
      this.error = null;
    } catch (e) {
      this.error = toApiError(e);
    }
  }

  async start(): Promise<void> {
    this.busy = true;
    try {
      await this.load(true);
    } finally {
      this.busy = false;
    }
  }

  async cancel(): Promise<void> {
    const key = this.current?.key;
    if (!key) return;
    try {
      await api.invoke('reference:cancel', { key });
      await this.load();
    } catch (e) {
      this.error = toApiError(e);
    }
  }

  /** The shared job's state (the first run's), with the latest progress folded in. */
  get current(): ReferenceJobStatus | null {
    const first = this.runIds()
      .map((id) => this.byRun[id])
      .find((r) => r !== undefined);
    if (!first) return null;
    const p = this.progress[first.key];
    if (p && first.status !== 'completed' && (p.status === 'running' || p.status === 'queued'))
      return { ...first, status: p.status, progress: p.progress };
    return first;
  }
}
