/**
 * importCsv on a worker thread (import.worker.ts): the same options, progress and errors (an AppError keeps its
 * code, message and hint), with the parsing off the calling thread's event loop. Falls back to importing in-line
 * when no worker entry is found.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { AppError, type AppErrorCode } from '../../src-shared/ipc/app-error';
import { importCsv, type ImportOptions, type ImportProgressInfo, type ImportResult } from './import';

export type ImportThreadMessage =
  | { type: 'progress'; progress: ImportProgressInfo }
  | { type: 'done'; result: ImportResult }
  | { type: 'error'; error: { name: string; message: string; code?: string | undefined; hint?: string | undefined } };

function startWorker(data: unknown): Worker | null {
  const here = __dirname;
  const built = [path.join(here, 'import.worker.js'), path.join(here, '..', 'import.worker.js')].find((p) => fs.existsSync(p));
  if (built) return new Worker(built, { workerData: data });
  const source = path.join(here, 'import.worker.ts');
  if (!fs.existsSync(source)) return null;
  const tsxCjs = createRequire(path.join(here, 'import-thread.js')).resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsxCjs)}); require(${JSON.stringify(source)});`, { eval: true, workerData: data });
}

export function importCsvOffThread(filePath: string, destDir: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const { onProgress, signal, ...plain } = opts;
  const worker = startWorker({ filePath, destDir, opts: plain });
  if (!worker) return importCsv(filePath, destDir, opts);
  return new Promise<ImportResult>((resolve, reject) => {
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      f();
      void worker.terminate();
    };
    const onAbort = (): void => worker.postMessage({ type: 'cancel' });
    signal?.addEventListener('abort', onAbort);
    worker.on('message', (m: ImportThreadMessage) => {
      if (m.type === 'progress') onProgress?.(m.progress);
      else if (m.type === 'done') finish(() => resolve(m.result));
      else {
        const e = m.error;
        finish(() => reject(e.name === 'AppError' && e.code ? new AppError(e.code as AppErrorCode, e.message, e.hint) : new Error(e.message)));
      }
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`The import thread stopped (exit code ${code}) before finishing.`))));
  });
}
