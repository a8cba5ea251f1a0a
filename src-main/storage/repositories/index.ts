import type { Db } from '../db';
import { ArtifactsRepo } from './artifacts';
import { DatasetsRepo } from './datasets';
import { MetricsRepo } from './metrics';
import { ProjectsRepo } from './projects';
import { RunsRepo } from './runs';

export interface Repos {
  db: Db;
  projects: ProjectsRepo;
  datasets: DatasetsRepo;
  runs: RunsRepo;
  metrics: MetricsRepo;
  artifacts: ArtifactsRepo;
}

export function makeRepos(db: Db): Repos {
  return {
    db,
    projects: new ProjectsRepo(db),
    datasets: new DatasetsRepo(db),
    runs: new RunsRepo(db),
    metrics: new MetricsRepo(db),
    artifacts: new ArtifactsRepo(db),
  };
}

export { ArtifactsRepo, DatasetsRepo, MetricsRepo, ProjectsRepo, RunsRepo };
