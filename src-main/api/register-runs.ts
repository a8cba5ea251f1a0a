import { AppError } from '../../src-shared/ipc/app-error';
import type { Handlers } from '../../src-shared/ipc/contract';
import { familyLabel, specFamilyLabel } from '../../src-shared/schemas/run-spec';
import type { Services } from './services';
import { DatasetFile } from '../data-import';
import { glmColumns, vaeFeatures } from '../jobs/execute-run';
import { prepareBnnData } from '../engine/models/bnn/data';
import { datasetShape, estimateRunMemory, memoryRefusal, runMemoryBudget } from '../jobs/memory-estimate';

export function registerRuns(s: Services): Pick<Handlers, 'runs:list' | 'runs:get' | 'runs:start' | 'runs:cancel' | 'runs:metrics' | 'runs:artifact'> {
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
      // The spec's cross-field problems (spec-checks.ts) were refused when runSpecSchema parsed the request.
      if (spec.model === 'vae') {
        const cols = new Map(d.schema.map((c) => [c.name, c]));
        for (const f of spec.features) {
          const c = cols.get(f);
          if (!c) throw new AppError('BAD_REQUEST', `Feature column "${f}" is not in dataset "${d.name}"`);
          if (c.type !== 'numeric' && c.type !== 'binary' && c.type !== 'categorical') {
            throw new AppError('BAD_REQUEST', `Feature column "${f}" is ${c.type}; the VAE models numeric, binary and categorical columns`, 'Untick it or change its type on import.');
          }
        }
        const minRows = Math.max(2, Math.ceil(1 / Math.max(spec.validationFraction, 1e-9)));
        if (d.rows < 2 || (spec.validationFraction > 0 && d.rows < minRows)) {
          throw new AppError('BAD_REQUEST', `Dataset "${d.name}" has ${d.rows} rows, too few for a validation split of ${spec.validationFraction}`);
        }
        if (spec.testDatasetId !== undefined) {
          // The test file must carry every feature column the model will use, with the same kind of values.
          const t = s.repos.datasets.get(spec.testDatasetId);
          if (!t) throw new AppError('NOT_FOUND', `No test dataset with id ${spec.testDatasetId}`);
          if (t.rows < 1) throw new AppError('BAD_REQUEST', `The test dataset "${t.name}" has no rows`);
          let features: string[];
          try {
            features = vaeFeatures(d, spec);
          } catch (e) {
            throw new AppError('BAD_REQUEST', (e as Error).message, 'Set column roles to "feature" on import.');
          }
          const tcols = new Map(t.schema.map((c) => [c.name, c]));
          const missing = features.filter((f) => !tcols.has(f));
          if (missing.length) {
            throw new AppError(
              'BAD_REQUEST',
              `The test dataset "${t.name}" lacks ${missing.length} of the ${features.length} feature columns: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ' …' : ''}`,
              'Use a test file with the same columns as the training file.',
            );
          }
          for (const f of features) {
            const a = cols.get(f)!;
            const b = tcols.get(f)!;
            if ((a.type === 'categorical') !== (b.type === 'categorical') || !['numeric', 'binary', 'categorical'].includes(b.type)) {
              throw new AppError('BAD_REQUEST', `Column "${f}" is ${a.type} in "${d.name}" but ${b.type} in the test dataset "${t.name}"`);
            }
          }
        }
      }
      if (spec.model === 'lda') {
        const c = d.schema.find((x) => x.name === spec.textColumn);
        if (!c) throw new AppError('BAD_REQUEST', `Text column "${spec.textColumn}" is not in dataset "${d.name}"`, `Columns: ${d.schema.map((x) => x.name).join(', ')}`);
        if (c.type !== 'text' && c.type !== 'categorical' && c.type !== 'identifier') {
          throw new AppError('BAD_REQUEST', `Column "${spec.textColumn}" is ${c.type}, not text`, 'Choose the column that holds the documents, or import it with type text.');
        }
        if (spec.heldoutDatasetId !== undefined) {
          const h = s.repos.datasets.get(spec.heldoutDatasetId);
          if (!h) throw new AppError('NOT_FOUND', `No held-out dataset with id ${spec.heldoutDatasetId}`);
          if (!h.schema.some((x) => x.name === spec.textColumn)) {
            throw new AppError('BAD_REQUEST', `The held-out dataset "${h.name}" has no column "${spec.textColumn}"`, `Its columns: ${h.schema.map((x) => x.name).join(', ')}`);
          }
        }
      }
      if (spec.model === 'bnn') {
        // Bad input (constant target, one class, thousands of levels, target among the features …) is refused here,
        // with the engine's own message and hint, before a worker starts.
        try {
          prepareBnnData(DatasetFile.open(s.datasetPath(datasetId)), spec, { splitIndex: 0 });
        } catch (e) {
          if (e instanceof AppError) throw e;
          throw new AppError('BAD_REQUEST', (e as Error).message, 'Check the target and feature columns.');
        }
      }
      if (spec.model === 'glm') {
        try {
          glmColumns(DatasetFile.open(s.datasetPath(datasetId)), spec);
        } catch (e) {
          throw new AppError('BAD_REQUEST', (e as Error).message, 'Choose a numeric or two-valued target and numeric predictors.');
        }
      }
      // Refuse, with the figure and the fix, a run that cannot fit in memory (before a worker takes the machine down).
      const testId = spec.model === 'vae' ? spec.testDatasetId : spec.model === 'lda' ? spec.heldoutDatasetId : undefined;
      const t = testId !== undefined ? s.repos.datasets.get(testId) : null;
      const estimate = estimateRunMemory(spec, datasetShape(d.schema, d.rows, spec), t ? datasetShape(t.schema, t.rows, spec) : undefined);
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
