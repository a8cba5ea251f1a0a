/**
 * unzipBundle on a worker thread (unzip.worker.ts) with a capped heap: the same refusals (a BundleError keeps its
 * reason, message and hint), with the unpacking off the calling thread's event loop. Falls back to unpacking in-line
 * when no worker entry is found.
 */
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../engine/worker-entry';
import { BundleError, type BundleErrorReason } from '../engine/models/common/bundle';
import { AppError, type AppErrorCode } from '../../src-shared/ipc/app-error';
import { DEFAULT_ZIP_LIMITS, unzipBundle, type ZipLimits } from './zip';

export type UnzipThreadMessage =
  | { type: 'done'; files: string[] }
  | {
      type: 'error';
      error: {
        name: string;
        message: string;
        code?: string | undefined;
        hint?: string | undefined;
        reason?: string | undefined;
      };
    };

/** The unpacking thread's heap: the zip and its largest files are Buffers outside it, so it needs little. */
const UNZIP_HEAP_MB = 256;

export function unzipBundleOffThread(
  zipPath: string,
  destDir: string,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): Promise<string[]> {
  const start = workerEntry(__dirname, 'unzip.worker.js', 'unzip.worker.ts');
  if (!start) return Promise.resolve(unzipBundle(new Uint8Array(fs.readFileSync(zipPath)), destDir, limits));
  const worker: Worker = start({ zipPath, destDir, limits }, { maxOldGenerationSizeMb: UNZIP_HEAP_MB });
  return new Promise<string[]>((resolve, reject) => {
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      f();
      void worker.terminate();
    };
    worker.on('message', (m: UnzipThreadMessage) => {
      if (m.type === 'done') finish(() => resolve(m.files));
      else {
        const e = m.error;
        finish(() =>
          reject(
            e.name === 'BundleError' && e.reason
              ? new BundleError(e.reason as BundleErrorReason, e.message, e.hint ?? '')
              : e.name === 'AppError' && e.code
                ? new AppError(e.code as AppErrorCode, e.message, e.hint)
                : Object.assign(new Error(e.message), e.code ? { code: e.code } : {}),
          ),
        );
      }
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) =>
      finish(() => reject(new Error(`The unzip thread stopped (exit code ${code}) before finishing.`))),
    );
  });
}
