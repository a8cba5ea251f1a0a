/** Project names for breadcrumbs, fetched once and shared. */
import { api } from '../api';

class ProjectNames {
  names = $state<Record<number, string>>({});
  private inflight: Promise<void> | null = null;

  get(id: number): string | undefined {
    const n = this.names[id];
    if (n === undefined) void this.refresh();
    return n;
  }

  refresh(): Promise<void> {
    this.inflight ??= api
      .invoke('projects:list', {})
      .then((list) => {
        const next: Record<number, string> = {};
        for (const p of list) next[p.id] = p.name;
        this.names = next;
      })
      .catch(() => {})
      .finally(() => {
        setTimeout(() => (this.inflight = null), 2000);
      });
    return this.inflight;
  }
}

export const projectNames = new ProjectNames();
