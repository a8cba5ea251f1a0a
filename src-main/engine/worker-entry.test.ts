import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { createRequire } from 'node:module';

describe('workerEntry', () => {
  it('gives a nested worker the heap cap of the capped worker that starts it', async () => {
    // A capped outer worker starts an inner one through workerEntry without limits; the inner reports its own cap.
    const here = path.join(__dirname);
    const tsx = createRequire(path.join(here, 'index.js')).resolve('tsx/cjs');
    const inner = path.join(here, '__inner-probe.cjs');
    const fs = await import('node:fs');
    fs.writeFileSync(
      inner,
      "require('node:worker_threads').parentPort.postMessage(require('node:worker_threads').resourceLimits.maxOldGenerationSizeMb);",
    );
    try {
      const outer = `require(${JSON.stringify(tsx)});
        const { workerEntry } = require(${JSON.stringify(path.join(here, 'worker-entry.ts'))});
        const { parentPort } = require('node:worker_threads');
        const start = workerEntry(${JSON.stringify(here)}, '__inner-probe.cjs', 'missing.ts');
        const w = start();
        w.on('message', (m) => { parentPort.postMessage(m); w.terminate(); });`;
      const got = await new Promise<number>((resolve, reject) => {
        const w = new Worker(outer, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 300 } });
        w.on('message', (m: number) => {
          resolve(m);
          void w.terminate();
        });
        w.on('error', reject);
      });
      expect(got).toBe(300);
    } finally {
      fs.rmSync(inner, { force: true });
    }
  });
});
