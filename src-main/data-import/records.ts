/** Streams CSV records from a file with csv-parse, never holding the file as one string. */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
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
   * The file's text encoding (default UTF-8). UTF-8 is checked over the whole file: an invalid byte anywhere fails
   * the read naming its line, instead of turning into U+FFFD ("Z�rich") without a word. windows-1252 (a superset of
   * Latin-1, what Excel writes on Western Windows) is decoded as such.
   */
  encoding?: TextEncodingName;
  /**
   * Track line numbers (default true). The import turns it off for speed (csv-parse then builds no info object per
   * record) and finds the line of a bad record afterwards with lineOfRecord().
   */
  lines?: boolean;
}

export type TextEncodingName = 'utf-8' | 'windows-1252';

/**
 * Checks a byte stream as UTF-8, chunk by chunk (a character cut between chunks is carried over). `bad` is the
 * offset of the first invalid byte, or null.
 */
export class Utf8Check {
  bad: number | null = null;
  private carry: Buffer = Buffer.alloc(0);
  private offset = 0;

  push(chunk: Buffer): void {
    if (this.bad !== null) return;
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const base = this.offset - this.carry.length;
    this.offset += chunk.length;
    let cut = buf.length;
    for (let i = buf.length - 1; i >= Math.max(0, buf.length - 4); i--) {
      const b = buf[i]!;
      if ((b & 0xc0) === 0x80) continue;
      const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      if (i + len > buf.length) cut = i;
      break;
    }
    const whole = buf.subarray(0, cut);
    if (!isUtf8(whole)) this.bad = base + firstInvalidUtf8(whole);
    this.carry = Buffer.from(buf.subarray(cut));
  }

  /** At the end of the stream: a character cut short is invalid too. */
  end(): void {
    if (this.bad === null && this.carry.length) this.bad = this.offset - this.carry.length;
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 character (0 if none is found). */
export function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0) return i;
    if (i + len > buf.length) return i;
    const b1 = buf[i + 1] ?? 0;
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF have a restricted second byte.
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    if (len > 1 && (b1 < lo || b1 > hi)) return i;
    for (let k = 2; k < len; k++) if (((buf[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += len;
  }
  return 0;
}

/** The 1-based line holding byte `offset` of a file (an error path: reads the file up to there). */
export async function lineAtOffset(filePath: string, offset: number): Promise<number> {
  let line = 1;
  if (offset === 0) return line;
  for await (const chunk of createReadStream(filePath, { end: offset - 1, highWaterMark: 64 * 1024 })) {
    const b = chunk as Buffer;
    for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) line++;
  }
  return line;
}

async function invalidUtf8Error(filePath: string, sourceName: string, offset: number): Promise<Error> {
  return importError(
    `"${sourceName}" is not valid UTF-8 text: the byte at line ${await lineAtOffset(filePath, offset)} (byte ${offset + 1} of the file) is not UTF-8`,
    'Save the file as UTF-8 (e.g. "CSV UTF-8" in Excel) and import it again, or choose the encoding Windows-1252 (Latin-1) if it was written that way.',
  );
}

/** The first line after line `after` (1-based) holding more than a line ending: a second pass, only to word an error. */
async function firstNonEmptyLineAfter(filePath: string, after: number): Promise<number> {
  let line = 1;
  let empty = true;
  for await (const chunk of createReadStream(filePath, { highWaterMark: 64 * 1024 })) {
    for (const byte of chunk as Buffer) {
      if (byte === 10) {
        if (line > after && !empty) return line;
        line++;
        empty = true;
      } else if (byte !== 13) empty = false;
    }
  }
  return line;
}

/** Field counts are checked by csv-parse itself (relax_column_count: false); its errors become AppErrors with the line. */
export async function* readRecords(filePath: string, opts: RecordStreamOptions): AsyncGenerator<CsvRecord> {
  const input = createReadStream(filePath, { highWaterMark: 64 * 1024 });
  const parser = parse({
    delimiter: opts.delimiter,
    bom: true,
    info: opts.lines !== false,
    // Any mix of CRLF, LF and CR ends a record (csv-parse would otherwise take the first line's ending as the only one).
    record_delimiter: ['\r\n', '\n', '\r'],
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
  const legacy = opts.encoding === 'windows-1252';
  const utf8 = legacy ? null : new Utf8Check();
  if (utf8) {
    input.on('data', (chunk) => utf8.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    input.on('end', () => utf8.end());
  }
  input.on('error', (e) => parser.destroy(e));
  if (legacy) {
    const dec = new TextDecoder('windows-1252');
    const transcode = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        cb(null, dec.decode(chunk, { stream: true }));
      },
      flush(cb) {
        cb(null, dec.decode());
      },
    });
    input.pipe(transcode).pipe(parser);
  } else input.pipe(parser);
  let count = 0;
  let expected: number | undefined;
  // The line on which the last good record ended: a record the parser then fails on starts after it.
  let lastEnd: number | undefined;
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
        lastEnd = it.info.lines;
      } else {
        fields = item as string[];
      }
      expected ??= fields.length;
      if (utf8?.bad != null) throw await invalidUtf8Error(filePath, opts.sourceName, utf8.bad);
      yield { fields, line, index: count };
      count++;
      if (opts.maxRecords !== undefined && count >= opts.maxRecords) break;
    }
    if (utf8?.bad != null) throw await invalidUtf8Error(filePath, opts.sourceName, utf8.bad);
  } catch (e) {
    const quoted = e instanceof CsvError && (e.code === 'CSV_QUOTE_NOT_CLOSED' || e.code === 'CSV_MAX_RECORD_SIZE');
    const opened = quoted && lastEnd !== undefined ? await firstNonEmptyLineAfter(filePath, lastEnd) : undefined;
    throw translateParseError(e, opts, expected, opened);
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

function translateParseError(
  e: unknown,
  opts: RecordStreamOptions,
  expected: number | undefined,
  openedOn: number | undefined,
): unknown {
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
    // csv-parse names the line where it gave up (the end of the file for an unclosed quote); the record it failed
    // on starts on the first non-empty line after the last good record.
    const opened = openedOn ?? line;
    if (e.code === 'CSV_MAX_RECORD_SIZE') {
      return importError(
        `The record starting on line ${opened ?? '?'} is longer than ${MAX_RECORD_CHARS / (1024 * 1024)} MB`,
        'This usually means a stray double quote (") swallowing the rest of the file, or a file that is not line-based CSV.',
      );
    }
    if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
      return importError(
        `A quoted field opened on line ${opened ?? '?'} is never closed`,
        'Check for a stray double quote (") in the file; quotes inside quoted values must be doubled ("").',
      );
    }
    return importError(
      `The CSV could not be parsed near line ${line ?? '?'}: ${e.message}`,
      'Check the file around that line.',
    );
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
    for await (const rec of readRecords(filePath, {
      delimiter: opts.delimiter,
      sourceName: opts.sourceName,
      maxRecords: index + 1,
      ...(opts.encoding ? { encoding: opts.encoding } : {}),
    })) {
      if (rec.index === index) return rec.line;
    }
  } catch {
    /* fall through */
  }
  return Number.NaN;
}
