import { AppError } from '../../src-shared/ipc/app-error';
import type { Handlers } from '../../src-shared/ipc/contract';
import { specFamilyLabel } from '../../src-shared/schemas/run-spec';
import type { Services } from './services';
import { DatasetFile } from '../data-import';
import { secondDatasetId, validateRun } from '../jobs/adapters';
import { datasetShape, estimateRunMemory, memoryRefusal, runMemoryBudget } from '../jobs/memory-estimate';

export function registerRuns(
  s: Services,
): Pick<Handlers, 'runs:list' | 'runs:get' | 'runs:start' | 'runs:cancel' | 'runs:metrics' | 'runs:artifact'> {
  const getRun = (runId: number) => {
    const r = s.repos.runs.get(runId);
    if (!r) throw new AppError('NOT_FOUND', `No run with id ${runId}`);
    return r;
  };
  return {
    'runs:list': async ({ projectId }) => s.repos.runs.list(projectId),
    'runs:get': async ({ runId }) => getRun(runId),
    'runs:start': async ({ projectId, datasetId, name, spec }) => {
      const d = s.repos.datasets.get(datasetId);
      if (!d) throw new AppError('NOT_FOUND', `No dataset with id ${datasetId}`);
      if (d.projectId !== projectId) {
        throw new AppError('BAD_REQUEST', `Dataset ${datasetId} belongs to project ${d.projectId}, not ${projectId}`);
      }
      // The model's adapter refuses a spec that cannot run here, before anything is queued.
      const secondId = secondDatasetId(spec);
      const second = secondId === undefined ? null : s.repos.datasets.get(secondId);
      if (secondId !== undefined && !second) {
        throw new AppError(
          'NOT_FOUND',
          `No ${spec.model === 'lda' ? 'held-out' : 'test'} dataset with id ${secondId}`,
          'Import the file again, or leave it out.',
        );
      }
      validateRun(spec, { dataset: d, second, open: () => DatasetFile.open(s.datasetPath(datasetId)) });
      // Refuse, with the figure and the fix, a run that cannot fit in memory (before a worker takes the machine down).
      const estimate = estimateRunMemory(
        spec,
        datasetShape(d.schema, d.rows, spec),
        second ? datasetShape(second.schema, second.rows, spec) : undefined,
      );
      const tooBig = memoryRefusal(estimate, runMemoryBudget());
      if (tooBig) throw new AppError('BAD_REQUEST', tooBig.message, tooBig.hint);
      const run = s.repos.runs.create({
        projectId,
        datasetId,
        name: name && name.length ? name : `${spec.model}-${specFamilyLabel(spec)} on ${d.name}`,
        spec,
      });
      s.events.emit('run:status', run);
      s.runner.enqueue(run.id);
      return s.repos.runs.get(run.id)!;
    },
    'runs:cancel': async ({ runId }) => {
      getRun(runId);
      s.runner.cancel(runId);
      return getRun(runId);
    },
    'runs:metrics': async ({ runId, names }) => {
      getRun(runId);
      return s.repos.metrics.series(runId, names);
    },
    'runs:artifact': async ({ runId, name }) => {
      getRun(runId);
      return s.repos.artifacts.get(runId, name);
    },
  };
}
