/**
 * importCsv and scanMissing on a worker thread (import.worker.ts): the same options, progress and errors (an AppError
 * keeps its code, message and hint), with the parsing off the calling thread's event loop. Falls back to running
 * in-line when no worker entry is found.
 */
import { workerEntry } from '../engine/worker-entry';
import { AppError, type AppErrorCode } from '../../src-shared/ipc/app-error';
import type { MissingScan } from '../../src-shared/domain/missing';
import { importCsv, type ImportOptions, type ImportProgressInfo, type ImportResult } from './import';
import { scanMissing } from './missing-scan';
import type { DelimiterOption, EncodingOption } from './sniff';

export type ImportThreadMessage =
  | { type: 'progress'; progress: ImportProgressInfo }
  | { type: 'done'; result: ImportResult }
  | { type: 'scanned'; scan: MissingScan }
  | { type: 'error'; error: { name: string; message: string; code?: string | undefined; hint?: string | undefined } };

const IMPORT_HEAP_MB = 1024;

function onThread<T>(
  task: 'import' | 'scan',
  filePath: string,
  destDir: string,
  opts: ImportOptions,
  pick: (m: ImportThreadMessage) => T | undefined,
): Promise<T> | null {
  const { onProgress, signal, ...plain } = opts;
  const start = workerEntry(__dirname, 'import.worker.js', 'import.worker.ts');
  if (!start) return null;
  // The import streams in bounded blocks (memory.test.ts holds it to a 48 MB old space); the cap stops a runaway.
  const worker = start({ filePath, destDir, opts: plain, task }, { maxOldGenerationSizeMb: IMPORT_HEAP_MB });
  return new Promise<T>((resolve, reject) => {
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
      else if (m.type === 'error') {
        const e = m.error;
        finish(() =>
          reject(
            e.name === 'AppError' && e.code
              ? new AppError(e.code as AppErrorCode, e.message, e.hint)
              : new Error(e.message),
          ),
        );
      } else {
        const v = pick(m);
        if (v !== undefined) finish(() => resolve(v));
      }
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) =>
      finish(() => reject(new Error(`The import thread stopped (exit code ${code}) before finishing.`))),
    );
  });
}

export function importCsvOffThread(filePath: string, destDir: string, opts: ImportOptions = {}): Promise<ImportResult> {
  return (
    onThread('import', filePath, destDir, opts, (m) => (m.type === 'done' ? m.result : undefined)) ??
    importCsv(filePath, destDir, opts)
  );
}

/** The whole file's missing-cell counts and patterns, streamed on the import thread. */
export function scanMissingOffThread(
  filePath: string,
  sourceName: string,
  opts: { delimiter?: DelimiterOption; encoding?: EncodingOption; signal?: AbortSignal } = {},
): Promise<MissingScan> {
  return (
    onThread('scan', filePath, '', { ...opts, sourceName }, (m) => (m.type === 'scanned' ? m.scan : undefined)) ??
    scanMissing(filePath, sourceName, opts)
  );
}
