import { AppError } from '../../src-shared/ipc/app-error';
import type { Handlers } from '../../src-shared/ipc/contract';
import { activeBackend } from '../engine/backend';
import type { Services } from './services';
import { SAMPLES } from './samples';

export function registerProjects(
  s: Services,
): Pick<
  Handlers,
  'app:info' | 'projects:list' | 'projects:create' | 'samples:list' | 'datasets:list' | 'datasets:get'
> {
  return {
    'app:info': async () => ({ version: s.version, mode: s.mode, dataDir: s.dataDir, backend: activeBackend() }),
    'projects:list': async () => s.repos.projects.list(),
    'projects:create': async ({ name }) => s.repos.projects.create(name),
    'samples:list': async () => SAMPLES,
    'datasets:list': async ({ projectId }) => {
      if (!s.repos.projects.get(projectId)) throw new AppError('NOT_FOUND', `No project with id ${projectId}`);
      return s.repos.datasets.list(projectId);
    },
    'datasets:get': async ({ datasetId }) => {
      const d = s.repos.datasets.get(datasetId);
      if (!d) throw new AppError('NOT_FOUND', `No dataset with id ${datasetId}`);
      return d;
    },
  };
}
