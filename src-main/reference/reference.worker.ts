/**
 * A reference worker: one reference posterior, one thread. Picks the tfjs backend, prepares the GLM's data as its
 * run did, samples (or solves the conjugate case) and streams progress; cancel arrives as a message and is honoured
 * between NUTS rounds (the sampler yields to the event loop every 25 ms).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../engine/backend';
import { SamplingCancelledError } from '../engine/inference/mcmc/nuts';
import { computeReference } from './compute';
import type { FromReferenceWorker, ReferenceWorkerInput, ToReferenceWorker } from './protocol';

const port = parentPort;
if (!port) throw new Error('reference.worker must run in a worker thread');
let cancelled = false;
port.on('message', (m: ToReferenceWorker) => {
  if (m.type === 'cancel') cancelled = true;
});
const send = (m: FromReferenceWorker) => port.postMessage(m);

(async () => {
  await initBackend();
  const t0 = performance.now();
  const result = await computeReference(workerData as ReferenceWorkerInput, {
    onProgress: (p) => send({ type: 'progress', ...p }),
    shouldStop: () => cancelled,
  });
  send({ type: 'done', result, seconds: (performance.now() - t0) / 1000 });
})()
  .catch((e: unknown) => {
    if (e instanceof SamplingCancelledError) send({ type: 'cancelled' });
    else send({ type: 'failed', message: (e instanceof Error ? e.message : String(e)).split('\n')[0]! });
  })
  .finally(() => setTimeout(() => process.exit(0), 50));
