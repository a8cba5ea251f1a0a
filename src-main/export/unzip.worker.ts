/**
 * Worker thread that unpacks one model bundle zip (zip.ts unzipBundle), so a large or hostile archive never holds
 * the main process's event loop (the API froze for 22 s on a 1.9 GB entry). Protocol: unzip-thread.ts.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { unzipBundle, type ZipLimits } from './zip';
import type { UnzipThreadMessage } from './unzip-thread';

const { zipPath, destDir, limits } = workerData as { zipPath: string; destDir: string; limits: ZipLimits };
const post = (m: UnzipThreadMessage): void => parentPort!.postMessage(m);
try {
  post({ type: 'done', files: unzipBundle(new Uint8Array(fs.readFileSync(zipPath)), destDir, limits) });
} catch (e) {
  const err = e as { name?: string; message?: string; code?: string; hint?: string; reason?: string };
  post({
    type: 'error',
    error: {
      name: err.name ?? 'Error',
      message: err.message ?? String(e),
      code: err.code,
      hint: err.hint,
      reason: err.reason,
    },
  });
}
