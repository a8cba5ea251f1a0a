/** Writes synthetic CSV files of a given size for the bounded-memory test and the benchmark, in bounded memory. */
import { closeSync, openSync, writeSync } from 'node:fs';

export type CsvKind = 'pixels' | 'mixed';

/** A small deterministic PRNG (mulberry32) so generated files are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'alpha',
  'beta',
  'gamma',
  'delta',
  'model',
  'data',
  'prior',
  'posterior',
  'sample',
  'latent',
  'value',
  'noise',
];
const CITIES = ['Paris', 'Rome', 'Lagos', 'Lima', 'Oslo', 'Hanoi', 'Quito', 'Perth'];

/**
 * 'pixels': 784 integer columns p0..p783 in 0..255 (mostly 0, like MNIST) and a label 0..9.
 * 'mixed':  id, 12 float columns, an integer, a categorical city, a yes/no column, a quoted text column with commas.
 * Returns the rows and bytes written.
 */
export function generateCsv(
  path: string,
  bytes: number,
  kind: CsvKind = 'mixed',
  seed = 1,
): { rows: number; bytes: number } {
  const rand = rng(seed);
  const fd = openSync(path, 'w');
  let written = 0;
  let rows = 0;
  let chunk: string[] = [];
  let chunkLen = 0;
  const push = (line: string): void => {
    chunk.push(line);
    chunkLen += line.length;
    if (chunkLen >= 1 << 20) flush();
  };
  const flush = (): void => {
    const b = Buffer.from(chunk.join(''), 'utf8');
    writeSync(fd, b);
    written += b.length;
    chunk = [];
    chunkLen = 0;
  };
  try {
    if (kind === 'pixels') {
      const header: string[] = [];
      for (let j = 0; j < 784; j++) header.push(`p${j}`);
      header.push('label');
      push(`${header.join(',')}\n`);
      const cells = new Array<string | number>(785);
      while (written + chunkLen < bytes) {
        for (let j = 0; j < 784; j++) cells[j] = rand() < 0.6 ? 0 : Math.floor(rand() * 256);
        cells[784] = Math.floor(rand() * 10);
        push(`${cells.join(',')}\n`);
        rows++;
      }
    } else {
      const header = ['id'];
      for (let j = 0; j < 12; j++) header.push(`x${j}`);
      header.push('count', 'city', 'member', 'comment');
      push(`${header.join(',')}\n`);
      const cells = new Array<string | number>(header.length);
      while (written + chunkLen < bytes) {
        cells[0] = `r${rows}`;
        for (let j = 0; j < 12; j++) cells[1 + j] = ((rand() - 0.5) * 200).toFixed(4);
        cells[13] = Math.floor(rand() * 1000);
        cells[14] = CITIES[Math.floor(rand() * CITIES.length)] ?? 'Paris';
        cells[15] = rand() < 0.5 ? 'yes' : 'no';
        const n = 3 + Math.floor(rand() * 6);
        const words: string[] = [];
        for (let w = 0; w < n; w++) words.push(WORDS[Math.floor(rand() * WORDS.length)] ?? 'data');
        cells[16] = `"${words.join(' ')}, then ${words[0] ?? ''}"`;
        push(`${cells.join(',')}\n`);
        rows++;
      }
    }
    flush();
  } finally {
    closeSync(fd);
  }
  return { rows, bytes: written };
}
