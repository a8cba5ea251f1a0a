/**
 * Finds a worker-thread entry: the bundled `<builtName>` beside the calling module or in its parent folder (a build
 * may put the caller in out/main/chunks/ and the entry in out/main/), else the TypeScript source `<sourceName>` run
 * under tsx. `execArgv: ['--import', 'tsx']` does not register tsx inside worker threads on Node 20
 * (ERR_UNKNOWN_FILE_EXTENSION), so the source is loaded by a two-line CommonJS bootstrap that installs tsx's require
 * hook first. Returns a starter, or null when neither file exists. A worker started without limits from inside a
 * capped worker (the VAE's gradient replicas and LDA's E-step threads, started by a training worker) inherits that
 * worker's heap cap, so no thread of a run escapes it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Worker, isMainThread, resourceLimits as ownLimits, type ResourceLimits } from 'node:worker_threads';

export function workerEntry(
  here: string,
  builtName: string,
  sourceName: string,
): ((workerData?: unknown, resourceLimits?: ResourceLimits) => Worker) | null {
  const built = [path.join(here, builtName), path.join(here, '..', builtName)].find((p) => fs.existsSync(p));
  const inherited =
    !isMainThread && ownLimits.maxOldGenerationSizeMb
      ? { maxOldGenerationSizeMb: ownLimits.maxOldGenerationSizeMb }
      : undefined;
  const limits = (r?: ResourceLimits) => {
    const use = r ?? inherited;
    return use ? { resourceLimits: use } : {};
  };
  if (built) return (workerData, r) => new Worker(built, { workerData, ...limits(r) });
  const source = path.join(here, sourceName);
  if (!fs.existsSync(source)) return null;
  const tsxCjs = createRequire(path.join(here, 'index.js')).resolve('tsx/cjs');
  const boot = `require(${JSON.stringify(tsxCjs)}); require(${JSON.stringify(source)});`;
  return (workerData, r) => new Worker(boot, { eval: true, workerData, ...limits(r) });
}
