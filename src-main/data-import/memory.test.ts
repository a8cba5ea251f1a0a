import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetFile } from './dataset-file';
import { generateCsv } from './test-support/generate';
import { scratch, type Scratch } from './test-support/helpers';

interface ProbeResult {
  rows: number;
  seconds: number;
  baselineRss: number;
  peakRss: number;
  baselineHeap: number;
  peakHeap: number;
  bytes: number;
}

let s: Scratch;
beforeAll(() => {
  s = scratch();
});
afterAll(() => s.cleanup());

describe('bounded memory', () => {
  it(
    'imports a ~60 MB CSV in a child process with RSS growth below the file size and heap growth far below it',
    { timeout: 180_000 },
    () => {
      const src = join(s.dir, 'big.csv');
      const gen = generateCsv(src, 60e6, 'mixed', 7);
      const size = statSync(src).size;
      expect(size).toBeGreaterThan(59e6);
      const dest = join(s.dir, 'ds');
      const probe = resolve(__dirname, 'test-support/memory-probe.ts');
      // A 48 MB old-space cap: holding the 60 MB file as one string (UTF-16 in V8: 120 MB) would crash the child.
      const child = spawnSync(process.execPath, ['--max-old-space-size=48', '--import', 'tsx', probe, src, dest], {
        cwd: resolve(__dirname, '../..'),
        encoding: 'utf8',
        timeout: 170_000,
      });
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
      const r = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as ProbeResult;
      const growth = r.peakRss - r.baselineRss;
      console.log(
        `60 MB import: ${r.rows} rows in ${r.seconds.toFixed(1)} s (${(size / 1e6 / r.seconds).toFixed(1)} MB/s), ` +
          `RSS ${(r.baselineRss / 1e6).toFixed(0)} → peak ${(r.peakRss / 1e6).toFixed(0)} MB (+${(growth / 1e6).toFixed(0)} MB), ` +
          `heap peak ${(r.peakHeap / 1e6).toFixed(0)} MB`,
      );
      expect(r.rows).toBe(gen.rows);
      // Measured here: RSS +27 MB and heap +7 MB for 60 MB, the same as for 20 MB (fixed buffers and the young generation);
      // on a loaded machine RSS grew up to +48 MB (the young generation and allocator slack lag behind), so RSS gets a
      // looser bound than the heap. Holding the file would need ≥ 120 MB (and crash under the 48 MB old-space cap).
      expect(growth).toBeLessThan(size * 0.8);
      expect(r.peakHeap - r.baselineHeap).toBeLessThan(size / 4);
      const ds = DatasetFile.open(dest);
      expect(ds.rows).toBe(gen.rows);
      expect(ds.schema.find((c) => c.name === 'city')?.levels).toHaveLength(8);
      expect(ds.slice(gen.rows - 1, 1).rows[0]?.[0]).toBe(`r${gen.rows - 1}`);
    },
  );
});
