/**
 * Reference-posterior channels (issue 15): thin handlers over the ReferenceService.
 *
 *   reference:for-run  a GLM run's reference (by its dataset, its model spec and the sampler settings): the stored one,
 *                      the running job's state, or — with `start` — a newly queued job; once completed, the run's
 *                      coefficient table compared with it (per coefficient shift and sd ratio, one overall figure);
 *   reference:status   a job's state by cache key (poll; or listen to the `reference:progress` event);
 *   reference:cancel   stops a queued or running job.
 */
import { AppError } from '../../src-shared/ipc/app-error';
import type { Handlers } from '../../src-shared/ipc/contract';
import type { RunReference } from '../../src-shared/domain/reference';
import { compareToReference } from '../../src-shared/stats/coefficients';
import type { Services } from './services';

type ReferenceChannels = 'reference:for-run' | 'reference:status' | 'reference:cancel';

export function registerReference(s: Services): Pick<Handlers, ReferenceChannels> {
  return {
    'reference:for-run': async ({ runId, start, settings }): Promise<RunReference> => {
      const run = s.repos.runs.get(runId);
      if (!run) throw new AppError('NOT_FOUND', `No run with id ${runId}`);
      if (run.spec.model !== 'glm')
        throw new AppError(
          'BAD_REQUEST',
          `Run ${runId} is a ${run.model} run; a reference posterior is computed for GLM runs`,
          'Open a Bayesian regression run.',
        );
      const key = s.references.key(run.datasetId, run.spec, settings);
      const state = start
        ? s.references.request(run.datasetId, run.spec, settings)
        : s.references.status(key, run.datasetId);
      const posterior = s.repos.artifacts.payload(runId, 'posterior');
      const comparison =
        state.reference && posterior?.coefficients
          ? compareToReference(posterior.coefficients, state.reference.coefficients)
          : null;
      return { ...state, runId, comparison };
    },
    'reference:status': async ({ key }) => s.references.status(key),
    'reference:cancel': async ({ key }) => s.references.cancel(key),
  };
}
