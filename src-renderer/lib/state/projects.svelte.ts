/** The project list on the home screen. */
import type { Project } from '../../../src-shared/domain/types';
import { api, toApiError, type ApiError } from '../api';

export class ProjectsStore {
  list = $state<Project[]>([]);
  loading = $state(false);
  error = $state<ApiError | null>(null);

  async load(): Promise<void> {
    this.loading = true;
    try {
      this.list = await api.invoke('projects:list', {});
      this.error = null;
    } catch (e) {
      this.error = toApiError(e);
    } finally {
      this.loading = false;
    }
  }

  async create(name: string): Promise<Project> {
    const p = await api.invoke('projects:create', { name });
    this.list = [...this.list.filter((x) => x.id !== p.id), p];
    return p;
  }
}
