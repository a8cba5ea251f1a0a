/** One run, live: summary from run:status, progress from run:progress, metric series from runs:metrics + run:metrics. */
import type {
  MetricPoint,
  MetricSeries,
  ReconstructionArtifact,
  RunProgress,
  RunSummary,
} from '../../../src-shared/domain/types';
import { api, toApiError, type ApiError } from '../api';
import { asReconstructions } from '../artifacts';
import { isTerminal, newerRun } from '../run-order';

export interface XY {
  step: number[];
  epoch: number[];
  value: number[];
}

export const ELBO_SERIES = ['elbo', 'train_elbo', 'val_elbo'] as const;

export class RunLive {
  run = $state<RunSummary | null>(null);
  progress = $state<RunProgress | null>(null);
  error = $state<ApiError | null>(null);
  loading = $state(true);
  /** Bumped whenever `series` changes; the arrays themselves are plain (thousands of points, no deep proxies). */
  version = $state(0);
  series = new Map<string, XY>();
  reconstructions = $state<ReconstructionArtifact | null>(null);
  reconstructionsState = $state<'idle' | 'loading' | 'missing' | 'error' | 'ready'>('idle');
  cancelling = $state(false);
  private pending: MetricPoint[] = [];
  private disposed = false;
  private loaded = false;
  private frame: ReturnType<typeof setTimeout> | null = null;

  constructor(readonly runId: number) {}

  start(): () => void {
    const offs = [
      api.on('run:status', (r) => {
        if (r.id !== this.runId) return;
        this.run = newerRun(this.run, r);
        if (this.run.status === 'completed') void this.loadReconstructions();
      }),
      api.on('run:progress', (p) => {
        if (p.runId === this.runId) this.progress = p;
      }),
      api.on('run:metrics', (m) => {
        if (m.runId !== this.runId) return;
        if (!this.loaded) this.pending.push(...m.points);
        else this.append(m.points);
      }),
    ];
    void this.load();
    return () => {
      this.disposed = true;
      for (const off of offs) off();
      if (this.frame) clearTimeout(this.frame);
    };
  }

  async load(): Promise<void> {
    try {
      const [run, metrics] = await Promise.all([
        api.invoke('runs:get', { runId: this.runId }),
        api.invoke('runs:metrics', { runId: this.runId }),
      ]);
      this.run = newerRun(this.run, run);
      this.setSeries(metrics);
      this.loaded = true;
      const pending = this.pending;
      this.pending = [];
      this.append(pending);
      this.error = null;
      if (this.run.status === 'completed') void this.loadReconstructions();
    } catch (e) {
      this.error = toApiError(e);
    } finally {
      this.loading = false;
    }
  }

  private setSeries(metrics: MetricSeries[]): void {
    this.series = new Map();
    for (const m of metrics) this.series.set(m.name, { step: [...m.step], epoch: [...m.epoch], value: [...m.value] });
    this.version++;
  }

  /** Appends live points, skipping ones already loaded (events may overlap the initial fetch). */
  private append(points: MetricPoint[]): void {
    if (points.length === 0) return;
    for (const p of points) {
      let s = this.series.get(p.name);
      if (!s) {
        s = { step: [], epoch: [], value: [] };
        this.series.set(p.name, s);
      }
      const last = s.step.length > 0 ? s.step[s.step.length - 1] : undefined;
      if (last !== undefined && p.step < last) continue;
      if (last !== undefined && p.step === last && s.epoch[s.epoch.length - 1] === p.epoch) {
        s.value[s.value.length - 1] = p.value;
        continue;
      }
      s.step.push(p.step);
      s.epoch.push(p.epoch);
      s.value.push(p.value);
    }
    // Coalesce bursts of events into one chart update.
    if (!this.frame) {
      this.frame = setTimeout(() => {
        this.frame = null;
        this.version++;
      }, 100);
    }
  }

  /** Asks the server to cancel; `cancelling` stays true until the run reports a final status. */
  async cancel(): Promise<void> {
    this.cancelling = true;
    try {
      this.run = newerRun(this.run, await api.invoke('runs:cancel', { runId: this.runId }));
    } catch (e) {
      this.error = toApiError(e);
      this.cancelling = false;
      return;
    }
    // The final run:status event normally follows; poll as well, in case the stream dropped it.
    for (let i = 0; i < 60 && this.run && !isTerminal(this.run.status) && !this.disposed; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      if (this.run && isTerminal(this.run.status)) break;
      try {
        this.run = newerRun(this.run, await api.invoke('runs:get', { runId: this.runId }));
      } catch {
        /* keep waiting for the event */
      }
    }
    this.cancelling = false;
  }

  async loadReconstructions(): Promise<void> {
    if (this.reconstructionsState === 'loading' || this.reconstructionsState === 'ready') return;
    this.reconstructionsState = 'loading';
    try {
      const art = await api.invoke('runs:artifact', { runId: this.runId, name: 'reconstructions' });
      const rec = art ? asReconstructions(art.data) : null;
      this.reconstructions = rec;
      this.reconstructionsState = rec ? 'ready' : 'missing';
    } catch {
      this.reconstructionsState = 'error';
    }
  }
}
