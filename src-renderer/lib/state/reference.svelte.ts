/**
 * The reference posterior of one or more GLM runs (issue 15): loads each run's `reference:for-run` state, starts the
 * job on request, follows `reference:progress` and cancels. Runs on the same dataset and model share one cached
 * reference (src-main/reference/cache-key.ts), so starting it for one run serves every family fitted beside it.
 */
import type { ReferenceJobStatus, RunReference } from '../../../src-shared/domain/reference';
import { REFERENCE_LIMITS } from '../../../src-shared/schemas/api';
import { api, toApiError, type ApiError } from '../api';
import { checkNutsControls, type NutsControls } from './nuts-controls';

export class ReferenceState {
  /** By run id. */
  byRun = $state<Record<number, RunReference>>({});
  /** Latest progress per cache key (the event carries no result). */
  progress = $state<Record<string, ReferenceJobStatus>>({});
  error = $state<ApiError | null>(null);
  busy = $state(false);

  /** The run page's chains and draws; each setting has its own cached reference. */
  controls = $state<NutsControls>({ chains: REFERENCE_LIMITS.chains.default, draws: REFERENCE_LIMITS.draws.default });

  constructor(private readonly runIds: () => number[]) {}

  /** The controls' messages (empty when they are valid). */
  get controlErrors(): Partial<Record<keyof NutsControls, string>> {
    const c = checkNutsControls(this.controls);
    return c.ok ? {} : c.errors;
  }

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
    const checked = checkNutsControls(this.controls);
    // Invalid controls: nothing is asked and nothing shown (the fields say why).
    if (!checked.ok) {
      this.byRun = {};
      return;
    }
    try {
      const out: Record<number, RunReference> = {};
      // Start once (the first run); the others read the same job by its key.
      for (const [i, runId] of ids.entries())
        out[runId] = await api.invoke('reference:for-run', {
          runId,
          start: start && i === 0,
          settings: checked.settings,
        });
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
