/**
 * Worker thread that runs one CSV import (import.ts) so that parsing a large file never holds the main process's
 * event loop (the browser-mode server or Electron's main process keeps answering). Protocol: import-thread.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { importCsv, type ImportOptions } from './import';
import type { ImportThreadMessage } from './import-thread';
import { scanMissing } from './missing-scan';

const { filePath, destDir, opts, task } = workerData as {
  filePath: string;
  destDir: string;
  opts: Omit<ImportOptions, 'onProgress' | 'signal'>;
  /** 'scan': count missing cells over the whole file (destDir unused). Default: import. */
  task?: 'import' | 'scan';
};
const post = (m: ImportThreadMessage): void => parentPort!.postMessage(m);
const controller = new AbortController();
parentPort!.on('message', (m: { type: 'cancel' }) => {
  if (m.type === 'cancel') controller.abort();
});
const job: Promise<ImportThreadMessage> =
  task === 'scan'
    ? scanMissing(filePath, opts.sourceName ?? filePath, {
        ...(opts.delimiter ? { delimiter: opts.delimiter } : {}),
        ...(opts.encoding ? { encoding: opts.encoding } : {}),
        signal: controller.signal,
      }).then((scan) => ({ type: 'scanned', scan }))
    : importCsv(filePath, destDir, {
        ...opts,
        signal: controller.signal,
        onProgress: (p) => post({ type: 'progress', progress: p }),
      }).then((result) => ({ type: 'done', result }));
job
  .then((m) => post(m))
  .catch((e: unknown) => {
    const err = e as { name?: string; message?: string; code?: string; hint?: string };
    post({
      type: 'error',
      error: { name: err.name ?? 'Error', message: err.message ?? String(e), code: err.code, hint: err.hint },
    });
  });
