import type { Db } from '../db';
import { ArtifactsRepo } from './artifacts';
import { ComparisonsRepo } from './comparisons';
import { DatasetsRepo } from './datasets';
import { MetricsRepo } from './metrics';
import { ModelsRepo } from './models';
import { ProjectsRepo } from './projects';
import { ReferencesRepo } from './references';
import { RunsRepo } from './runs';

export interface Repos {
  db: Db;
  projects: ProjectsRepo;
  datasets: DatasetsRepo;
  runs: RunsRepo;
  metrics: MetricsRepo;
  artifacts: ArtifactsRepo;
  comparisons: ComparisonsRepo;
  models: ModelsRepo;
  references: ReferencesRepo;
}

export function makeRepos(db: Db): Repos {
  return {
    db,
    projects: new ProjectsRepo(db),
    datasets: new DatasetsRepo(db),
    runs: new RunsRepo(db),
    metrics: new MetricsRepo(db),
    artifacts: new ArtifactsRepo(db),
    comparisons: new ComparisonsRepo(db),
    models: new ModelsRepo(db),
    references: new ReferencesRepo(db),
  };
}

export {
  ArtifactsRepo,
  ComparisonsRepo,
  DatasetsRepo,
  MetricsRepo,
  ModelsRepo,
  ProjectsRepo,
  ReferencesRepo,
  RunsRepo,
};
