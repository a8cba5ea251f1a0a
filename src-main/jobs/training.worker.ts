/**
 * A training worker: one run, one thread. It picks the tfjs backend, loads the dataset's columns, trains the model
 * from the run spec and streams progress, batched metrics and artifacts to the job runner. Cancel arrives as a
 * message and is honoured between steps.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { executeRun } from './execute-run';
import { DivergenceError } from '../engine/inference/train-loop';
import type { FromWorker, ToWorker, WorkerInput } from './protocol';

const port = parentPort;
if (!port) throw new Error('training.worker must run in a worker thread');

let cancelled = false;
port.on('message', (m: ToWorker) => {
  if (m.type === 'cancel') cancelled = true;
});

const send = (m: FromWorker) => port.postMessage(m);

executeRun(workerData as WorkerInput, send, () => cancelled)
  .catch((e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    const first = message.split('\n')[0] ?? message;
    if (e instanceof DivergenceError) {
      // Diverged: failed with the step, the value and the counters of what happened (issue 14).
      const c = e.counters;
      send({
        type: 'failed',
        message: first,
        metrics: c ? { steps: c.steps, non_finite_steps: c.nonFiniteSteps } : {},
        evidence: {
          status: 'failed',
          error: first,
          diverged: { step: e.atStep + 1, value: e.value },
          ...(c ? { nonFiniteSteps: c.nonFiniteSteps } : {}),
        },
      });
    } else send({ type: 'failed', message: first });
  })
  .finally(() => {
    // Give the port a moment to flush, then exit the thread.
    setTimeout(() => process.exit(0), 50);
  });
