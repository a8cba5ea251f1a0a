/**
 * Child-process probe for the bounded-memory test and the benchmark: imports argv[2] into argv[3] and prints one JSON
 * line { rows, seconds, baselineRss, peakRss, peakHeap, bytes }. RSS is sampled by a timer and on every progress call.
 */
import { importCsv } from '../import';

async function main(): Promise<void> {
  const [src, dest] = process.argv.slice(2);
  if (!src || !dest) throw new Error('usage: memory-probe <csv> <destDir>');
  global.gc?.();
  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakHeap = baseline.heapUsed;
  const sample = (): void => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  };
  const timer = setInterval(sample, 10);
  const t0 = performance.now();
  const r = await importCsv(src, dest, { onProgress: sample });
  const seconds = (performance.now() - t0) / 1000;
  sample();
  clearInterval(timer);
  process.stdout.write(
    `${JSON.stringify({ rows: r.rows, seconds, baselineRss: baseline.rss, peakRss, baselineHeap: baseline.heapUsed, peakHeap, bytes: r.bytes })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
