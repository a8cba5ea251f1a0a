/**
 * One streamed pass over a whole CSV counting missing cells per column and the distinct patterns of missing cells per
 * row (src-shared/domain/missing.ts turns them into per-policy row counts for any choice of column types and roles).
 * Memory: one count per column plus at most MAX_PATTERNS patterns, whatever the file's length.
 */
import { MAX_PATTERNS, type MissingScan } from '../../src-shared/domain/missing';
import { isMissing, isNonFinite } from './infer';
import { readRecords } from './records';
import { readSample } from './sample';
import type { DelimiterOption, EncodingOption } from './sniff';

export async function scanMissing(
  filePath: string,
  sourceName: string,
  opts: { delimiter?: DelimiterOption; encoding?: EncodingOption; signal?: AbortSignal } = {},
): Promise<MissingScan> {
  // The sample pass checks the header and settles the delimiter and encoding exactly as the import will.
  const sample = await readSample(filePath, sourceName, { ...opts, showRows: 0, sampleRows: 1 });
  const n = sample.headers.length;
  const missing = new Float64Array(n);
  const nonFinite = new Float64Array(n);
  const patterns = new Map<string, { missing: number[]; nonFinite: number[]; rows: number }>();
  let unpatterned = 0;
  let sourceRows = 0;
  let header = true;
  const m: number[] = [];
  const nf: number[] = [];
  for await (const rec of readRecords(filePath, {
    delimiter: sample.delimiter,
    sourceName,
    encoding: sample.encoding,
    lines: false,
    ...(opts.signal ? { signal: opts.signal } : {}),
  })) {
    if (header) {
      header = false;
      continue;
    }
    sourceRows++;
    m.length = 0;
    nf.length = 0;
    const fields = rec.fields;
    for (let j = 0; j < n; j++) {
      const cell = fields[j] as string;
      if (isMissing(cell)) {
        m.push(j);
        missing[j] = (missing[j] as number) + 1;
      } else if (cell.length <= 400 && isNonFinite(cell)) {
        nf.push(j);
        nonFinite[j] = (nonFinite[j] as number) + 1;
      }
    }
    if (m.length === 0 && nf.length === 0) continue;
    const key = `${m.join(',')}|${nf.join(',')}`;
    const p = patterns.get(key);
    if (p) p.rows++;
    else if (patterns.size < MAX_PATTERNS) patterns.set(key, { missing: [...m], nonFinite: [...nf], rows: 1 });
    else unpatterned++;
  }
  return {
    sourceRows,
    columns: sample.headers.map((name, j) => ({
      name,
      missing: missing[j] as number,
      nonFinite: nonFinite[j] as number,
    })),
    patterns: [...patterns.values()],
    unpatterned,
  };
}
