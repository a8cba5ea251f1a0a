/** One project: its datasets and runs, kept live from run:status events. */
import type { Dataset, Project, RunSummary } from '../../../src-shared/domain/types';
import { api, toApiError, type ApiError } from '../api';
import { newerRun } from '../run-order';

export class ProjectDetail {
  project = $state<Project | null>(null);
  datasets = $state<Dataset[]>([]);
  runs = $state<RunSummary[]>([]);
  loading = $state(true);
  error = $state<ApiError | null>(null);
  private off: (() => void) | null = null;

  constructor(readonly projectId: number) {}

  /** Subscribes to run updates; returns the cleanup. */
  start(): () => void {
    this.off = api.on('run:status', (run) => {
      if (run.projectId !== this.projectId) return;
      const i = this.runs.findIndex((r) => r.id === run.id);
      if (i >= 0) this.runs[i] = newerRun(this.runs[i], run);
      else this.runs = [run, ...this.runs];
    });
    void this.load();
    return () => this.off?.();
  }

  async load(): Promise<void> {
    try {
      const [projects, datasets, runs] = await Promise.all([
        api.invoke('projects:list', {}),
        api.invoke('datasets:list', { projectId: this.projectId }),
        api.invoke('runs:list', { projectId: this.projectId }),
      ]);
      this.project = projects.find((p) => p.id === this.projectId) ?? null;
      this.datasets = datasets;
      // Events may have landed while the list was in flight; keep whichever summary is further along.
      const shown = new Map(this.runs.map((r) => [r.id, r]));
      this.runs = runs.map((r) => newerRun(shown.get(r.id), r)).sort((a, b) => b.id - a.id);
      this.error = this.project
        ? null
        : toApiError({
            code: 'NOT_FOUND',
            message: `No project with id ${this.projectId}.`,
            hint: 'Go back to Projects and pick one from the list.',
          });
    } catch (e) {
      this.error = toApiError(e);
    } finally {
      this.loading = false;
    }
  }
}
