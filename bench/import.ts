/**
 * CSV import benchmark: generates a CSV of the given size, imports it with the streaming importer and prints a table
 * and one JSON line.
 *
 *   npx tsx bench/import.ts [sizeMB=500] [pixels|mixed]
 *
 * 'pixels' is MNIST-like (784 integer columns, mostly 0, and a label): the worst case per megabyte, since every field
 * is one to three characters. 'mixed' has ids, floats, a category, a yes/no column and quoted text.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCsv } from '../src-main/data-import/index';
import { generateCsv, type CsvKind } from '../src-main/data-import/test-support/generate';

export interface ImportBenchResult {
  bench: 'import';
  kind: CsvKind;
  sizeMB: number;
  rows: number;
  columns: number;
  generateSeconds: number;
  seconds: number;
  mbPerSecond: number;
  rowsPerSecond: number;
  baselineRssMB: number;
  peakRssMB: number;
  rssGrowthMB: number;
  storedMB: number;
}

export async function benchImport(sizeMB = 500, kind: CsvKind = 'pixels'): Promise<ImportBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'elbo-bench-import-'));
  try {
    const src = join(dir, `${kind}.csv`);
    const g0 = performance.now();
    const gen = generateCsv(src, sizeMB * 1e6, kind);
    const generateSeconds = (performance.now() - g0) / 1000;
    const size = statSync(src).size;
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sample = (): void => {
      const rss = process.memoryUsage().rss;
      if (rss > peak) peak = rss;
    };
    const timer = setInterval(sample, 20);
    const t0 = performance.now();
    const r = await importCsv(src, join(dir, 'dataset'), { onProgress: sample });
    const seconds = (performance.now() - t0) / 1000;
    sample();
    clearInterval(timer);
    if (r.rows !== gen.rows) throw new Error(`Imported ${r.rows} rows, generated ${gen.rows}`);
    return {
      bench: 'import',
      kind,
      sizeMB: size / 1e6,
      rows: r.rows,
      columns: r.schema.length,
      generateSeconds,
      seconds,
      mbPerSecond: size / 1e6 / seconds,
      rowsPerSecond: r.rows / seconds,
      baselineRssMB: baseline / 1e6,
      peakRssMB: peak / 1e6,
      rssGrowthMB: (peak - baseline) / 1e6,
      storedMB: r.bytes / 1e6,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(r: ImportBenchResult): void {
  const rows: [string, string][] = [
    ['kind', r.kind],
    ['MB', r.sizeMB.toFixed(1)],
    ['rows', String(r.rows)],
    ['columns', String(r.columns)],
    ['seconds', r.seconds.toFixed(2)],
    ['MB/s', r.mbPerSecond.toFixed(2)],
    ['rows/s', r.rowsPerSecond.toFixed(0)],
    ['peak RSS MB', r.peakRssMB.toFixed(0)],
    ['RSS growth MB', r.rssGrowthMB.toFixed(0)],
    ['stored MB', r.storedMB.toFixed(1)],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')}\n`);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

/** `npm run bench -- import [sizeMB=500] [pixels|mixed]`. */
export async function main(): Promise<void> {
  const sizeMB = Number(process.argv[2] ?? 500);
  const kind = (process.argv[3] ?? 'pixels') as CsvKind;
  if (!(sizeMB > 0) || (kind !== 'pixels' && kind !== 'mixed')) {
    process.stderr.write('usage: npm run bench -- import [sizeMB=500] [pixels|mixed]\n');
    process.exit(2);
  }
  printTable(await benchImport(sizeMB, kind));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
