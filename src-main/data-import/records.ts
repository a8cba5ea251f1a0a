/** Streams CSV records from a file with csv-parse, never holding the file as one string. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parse, CsvError, type Info } from 'csv-parse';
import { cancelledError, importError } from './errors';
import { delimiterName, type Delimiter } from './sniff';

/** Longest record accepted, in characters. */
export const MAX_RECORD_CHARS = 8 * 1024 * 1024;

export interface CsvRecord {
  fields: string[];
  /** 1-based line on which the record starts in the source file (NaN when `lines` is false). */
  line: number;
  /** 0-based index of the record (the header is record 0). */
  index: number;
}

export interface RecordStreamOptions {
  delimiter: Delimiter;
  sourceName: string;
  signal?: AbortSignal;
  /** Stop after this many records (the header counts as one). */
  maxRecords?: number;
  /** Called with every chunk of raw bytes read (hashing, progress). */
  onBytes?: (chunk: Buffer) => void;
  /**
   * Track line numbers (default true). The import turns it off for speed (csv-parse then builds no info object per
   * record) and finds the line of a bad record afterwards with lineOfRecord().
   */
  lines?: boolean;
}

/** Field counts are checked by csv-parse itself (relax_column_count: false); its errors become AppErrors with the line. */
export async function* readRecords(filePath: string, opts: RecordStreamOptions): AsyncGenerator<CsvRecord> {
  const input = createReadStream(filePath, { highWaterMark: 64 * 1024 });
  const parser = parse({
    delimiter: opts.delimiter,
    bom: true,
    info: opts.lines !== false,
    relax_column_count: false,
    skip_empty_lines: true,
    // Quotes are standard CSV double quotes; a quote inside an unquoted field is kept as text.
    relax_quotes: true,
    // Bounds memory on a stray quote or a file without newlines: csv-parse would otherwise buffer up to the end.
    max_record_size: MAX_RECORD_CHARS,
  });
  if (opts.onBytes) {
    const onBytes = opts.onBytes;
    input.on('data', (chunk) => onBytes(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
  }
  input.on('error', (e) => parser.destroy(e));
  input.pipe(parser);
  let count = 0;
  let expected: number | undefined;
  try {
    const withLines = opts.lines !== false;
    for await (const item of parser as AsyncIterable<{ record: string[]; info: Info } | string[]>) {
      if (opts.signal?.aborted) throw cancelledError();
      let fields: string[];
      let line = Number.NaN;
      if (withLines) {
        const it = item as { record: string[]; info: Info };
        fields = it.record;
        line = startLine(it.info.lines, fields);
      } else {
        fields = item as string[];
      }
      expected ??= fields.length;
      yield { fields, line, index: count };
      count++;
      if (opts.maxRecords !== undefined && count >= opts.maxRecords) break;
    }
  } catch (e) {
    throw translateParseError(e, opts, expected);
  } finally {
    input.unpipe(parser);
    input.destroy();
    parser.destroy();
  }
}

/** csv-parse reports the line on which a record ends; a quoted field with newlines starts earlier. */
function startLine(endLine: number, fields: string[]): number {
  let nl = 0;
  for (const f of fields) {
    if (f.length === 0 || f.indexOf('\n') === -1) continue;
    for (let i = 0; i < f.length; i++) if (f.charCodeAt(i) === 10) nl++;
  }
  return endLine - nl;
}

function translateParseError(e: unknown, opts: RecordStreamOptions, expected: number | undefined): unknown {
  if (e instanceof Error && e.name === 'AppError') return e;
  if (opts.signal?.aborted) return cancelledError();
  if (e instanceof CsvError) {
    const line = typeof e.lines === 'number' ? e.lines : undefined;
    if (e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
      const counts = /expect (\d+), got (\d+)/.exec(e.message);
      const got = Array.isArray(e.record) ? e.record.length : counts ? Number(counts[2]) : undefined;
      // The parser can fail before any record reached us; its message still holds the expected count.
      expected ??= counts ? Number(counts[1]) : undefined;
      const rec = Array.isArray(e.record) ? (e.record as string[]) : [];
      const start = line === undefined ? undefined : startLine(line, rec);
      return importError(
        `Line ${start ?? '?'} has ${got ?? '?'} fields, expected ${expected ?? '?'} (as in the header)` +
          (got !== undefined && expected !== undefined && got > expected ? `; column ${expected + 1} is extra` : ''),
        `Every row needs the same number of fields as the header. Check line ${start ?? '?'} for a missing or extra ${delimiterName(opts.delimiter)}, or an unquoted ${delimiterName(opts.delimiter)} inside a value; or choose another delimiter.`,
      );
    }
    if (e.code === 'CSV_MAX_RECORD_SIZE') {
      return importError(
        `The record starting near line ${line ?? '?'} is longer than ${MAX_RECORD_CHARS / (1024 * 1024)} MB`,
        'This usually means a stray double quote (") swallowing the rest of the file, or a file that is not line-based CSV.',
      );
    }
    if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
      return importError(
        `A quoted field opened near line ${line ?? '?'} is never closed`,
        'Check for a stray double quote (") in the file; quotes inside quoted values must be doubled ("").',
      );
    }
    return importError(`The CSV could not be parsed near line ${line ?? '?'}: ${e.message}`, 'Check the file around that line.');
  }
  if (e instanceof Error) {
    return importError(`Cannot read "${opts.sourceName}": ${e.message}`, 'Check that the file exists and is readable.');
  }
  return e;
}

export function sha256Hasher(): { update: (b: Buffer) => void; hex: () => string } {
  const h = createHash('sha256');
  return { update: (b) => h.update(b), hex: () => h.digest('hex') };
}

/** The line on which record `index` (0 = header) starts: a second pass, used only to word an error. */
export async function lineOfRecord(filePath: string, opts: RecordStreamOptions, index: number): Promise<number> {
  try {
    for await (const rec of readRecords(filePath, { delimiter: opts.delimiter, sourceName: opts.sourceName, maxRecords: index + 1 })) {
      if (rec.index === index) return rec.line;
    }
  } catch {
    /* fall through */
  }
  return Number.NaN;
}
