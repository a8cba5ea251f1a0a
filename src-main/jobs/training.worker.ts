/**
 * A training worker: one run, one thread. It picks the tfjs backend, loads the dataset's columns, trains the model
 * from the run spec and streams progress, batched metrics and artifacts to the job runner. Cancel arrives as a
 * message and is honoured between steps.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { executeRun } from './execute-run';
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
    send({ type: 'failed', message: message.split('\n')[0] ?? message });
  })
  .finally(() => {
    // Give the port a moment to flush, then exit the thread.
    setTimeout(() => process.exit(0), 50);
  });
