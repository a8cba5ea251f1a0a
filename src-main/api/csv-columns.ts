/**
 * Reads chosen columns of a CSV file in one streaming pass (delimiter sniffed): numeric columns parsed as they are
 * read (so a wide file is never held as strings), others kept as text. Empty cells and NA / NaN / null are missing
 * (NaN); any other cell that is not a number in a numeric column is counted, and the first one remembered for the
 * error message.
 */
import { AppError } from '../../src-shared/ipc/app-error';
import { readRecords } from '../data-import/records';
import { HEAD_BYTES, readHead, sniffDelimiter } from '../data-import/sniff';

export interface ColumnData {
  name: string;
  numeric: boolean;
  /** numbers as float32 (NaN = missing; the models read float32) for numeric columns, else the cells (trimmed unless `raw`). */
  values: Float32Array | string[];
  missing: number;
  /** The first missing cell (1-based data row), or 0. */
  firstMissing: number;
  /** The first missing cell's line in the file and its text as written ('' for an empty cell, else NA, NaN …). */
  firstMissingAt?: { line: number; value: string };
  /** The first non-number in a numeric column (1-based data row, line in the file). */
  bad: { row: number; line: number; value: string } | null;
  badCount: number;
}

export interface CsvColumns {
  headers: string[];
  rows: number;
  columns: Map<string, ColumnData>;
  /** True when reading stopped at `stopAfter` rows. */
  truncated: boolean;
}

const MISSING = /^(na|nan|null|n\/a)?$/i;

/** Numeric cells held at most (float32: 4 bytes each), so a huge file is refused instead of exhausting memory. */
export const MAX_NUMERIC_CELLS = 60_000_000;

class GrowF32 {
  private buf = new Float32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const b = new Float32Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    this.buf[this.length++] = v;
  }
  done(): Float32Array {
    return this.buf.slice(0, this.length);
  }
}

export async function readCsvColumns(
  filePath: string,
  sourceName: string,
  want: (headers: string[]) => Array<{ name: string; numeric: boolean; raw?: boolean }>,
  opts: { maxRows: number; stopAfter?: number; maxNumericCells?: number },
): Promise<CsvColumns> {
  const head = await readHead(filePath, sourceName);
  const delimiter = sniffDelimiter(head.text, head.size <= HEAD_BYTES);
  let headers: string[] | null = null;
  let picked: Array<{ index: number; data: ColumnData; raw: boolean; nums: GrowF32 | null; strs: string[] }> = [];
  let numericCols = 0;
  const maxCells = opts.maxNumericCells ?? MAX_NUMERIC_CELLS;
  let rows = 0;
  let truncated = false;
  for await (const rec of readRecords(filePath, { delimiter, sourceName })) {
    if (headers === null) {
      headers = rec.fields.map((h) => h.trim());
      const seen = new Set<string>();
      picked = [];
      for (const w of want(headers)) {
        const index = headers.indexOf(w.name);
        if (index < 0 || seen.has(w.name)) continue;
        seen.add(w.name);
        picked.push({
          index,
          raw: w.raw === true,
          nums: w.numeric ? new GrowF32() : null,
          strs: [],
          data: { name: w.name, numeric: w.numeric, values: [], missing: 0, firstMissing: 0, bad: null, badCount: 0 },
        });
        if (w.numeric) numericCols++;
      }
      continue;
    }
    if (rec.fields.length === 1 && rec.fields[0]!.trim() === '') continue;
    if (opts.stopAfter !== undefined && rows >= opts.stopAfter) {
      truncated = true;
      break;
    }
    rows++;
    if (rows > opts.maxRows || rows * numericCols > maxCells) {
      const limit = Math.min(opts.maxRows, Math.floor(maxCells / Math.max(1, numericCols)));
      throw new AppError(
        'BAD_REQUEST',
        `"${sourceName}" has more than ${limit.toLocaleString('en')} rows (with ${numericCols} numeric columns to read)`,
        'Split it into smaller files and score them one at a time.',
      );
    }
    for (const p of picked) {
      const cell = rec.fields[p.index] ?? '';
      const d = p.data;
      if (d.numeric) {
        const t = cell.trim();
        if (MISSING.test(t)) {
          d.missing++;
          if (!d.firstMissing) {
            d.firstMissing = rows;
            d.firstMissingAt = { line: rec.line, value: t };
          }
          p.nums!.push(Number.NaN);
        } else {
          const v = Number(t);
          if (!Number.isFinite(v)) {
            d.badCount++;
            if (!d.bad) d.bad = { row: rows, line: rec.line, value: t.length > 40 ? `${t.slice(0, 39)}…` : t };
            p.nums!.push(Number.NaN);
          } else p.nums!.push(v);
        }
      } else {
        const t = p.raw ? cell : cell.trim();
        if (t.trim() === '') {
          d.missing++;
          if (!d.firstMissing) {
            d.firstMissing = rows;
            d.firstMissingAt = { line: rec.line, value: t };
          }
        }
        p.strs.push(t);
      }
    }
  }
  if (headers === null)
    throw new AppError(
      'BAD_REQUEST',
      `"${sourceName}" is empty`,
      'Choose a CSV file with a header row and one row per example.',
    );
  if (rows === 0)
    throw new AppError(
      'BAD_REQUEST',
      `"${sourceName}" has a header but no rows`,
      'Add the rows to score below the header.',
    );
  for (const p of picked) p.data.values = p.nums ? p.nums.done() : p.strs;
  return { headers, rows, columns: new Map(picked.map((p) => [p.data.name, p.data])), truncated };
}
