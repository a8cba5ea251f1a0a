/**
 * Executes one run spec against a dataset and reports through `send`: picks the tfjs backend, then hands the run to
 * its model's adapter (jobs/adapters/) with the one ProgressReporter. Kept apart from the worker entry so it can be
 * tested in-process.
 */
import { initBackend } from '../engine/backend';
import { adapterFor } from './adapters';
import { ProgressReporter } from './progress';
import type { FromWorker, WorkerInput } from './protocol';

export async function executeRun(
  input: WorkerInput,
  send: (m: FromWorker) => void,
  isCancelled: () => boolean,
): Promise<void> {
  const backend = await initBackend();
  send({ type: 'started', backend: backend.name, detail: backend.detail });
  const report = new ProgressReporter(send);
  await adapterFor(input.spec).run(
    {
      spec: input.spec,
      datasetDir: input.datasetDir,
      runDir: input.runDir,
      ...(input.heldoutDatasetDir ? { secondDatasetDir: input.heldoutDatasetDir } : {}),
    },
    report,
    isCancelled,
  );
}
