/** First look at a file: empty, binary or not UTF-8, and which delimiter it uses. */
import { open, stat } from 'node:fs/promises';
import { importError } from './errors';
import { firstInvalidUtf8, type TextEncodingName } from './records';

export type Delimiter = ',' | ';' | '\t' | '|';
export type DelimiterOption = 'auto' | Delimiter;
export const DELIMITERS: readonly Delimiter[] = [',', ';', '\t', '|'];
export const HEAD_BYTES = 64 * 1024;

export interface FileHead {
  size: number;
  /** The first HEAD_BYTES (or fewer) bytes decoded, BOM removed. */
  text: string;
  /** utf-8, or windows-1252 when `encoding` allowed detecting it (the head is not UTF-8). */
  encoding: TextEncodingName;
}

export type EncodingOption = 'auto' | TextEncodingName;

/**
 * Reads the first 64 KB and rejects empty and binary (NUL bytes) files. Text that is not UTF-8 is refused with the
 * line of the first bad byte — unless `encoding` is 'auto' (then it is read as windows-1252, the superset of
 * Latin-1 that Excel writes on Western Windows) or 'windows-1252'.
 */
export async function readHead(
  filePath: string,
  sourceName: string,
  encoding: EncodingOption = 'utf-8',
): Promise<FileHead> {
  let size: number;
  try {
    const st = await stat(filePath);
    if (!st.isFile()) throw importError(`"${sourceName}" is not a file`, 'Pick a CSV file.');
    size = st.size;
  } catch (e) {
    if (e instanceof Error && e.name === 'AppError') throw e;
    throw importError(
      `Cannot read "${sourceName}": ${e instanceof Error ? e.message : String(e)}`,
      'Check that the file exists and is readable.',
    );
  }
  if (size === 0)
    throw importError(`"${sourceName}" is empty (0 bytes)`, 'Pick a CSV file with a header line and at least one row.');
  const fh = await open(filePath, 'r');
  let buf: Buffer;
  try {
    buf = Buffer.alloc(Math.min(size, HEAD_BYTES));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    buf = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const nul = buf.indexOf(0);
  if (nul !== -1) {
    const utf16 = (buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff);
    throw importError(
      utf16
        ? `"${sourceName}" is UTF-16 text, not UTF-8`
        : `"${sourceName}" is not a text file: byte ${nul + 1} is a NUL byte (line ${lineAt(buf, nul)})`,
      utf16
        ? 'Save the file as UTF-8 CSV and import it again.'
        : 'This looks like a binary file renamed .csv; export the data as CSV (UTF-8) first.',
    );
  }
  let text: string;
  if (encoding === 'windows-1252') {
    text = new TextDecoder('windows-1252').decode(buf);
    if (text.trim() === '')
      throw importError(
        `"${sourceName}" is empty (only whitespace)`,
        'Pick a CSV file with a header line and at least one row.',
      );
    return { size, text, encoding };
  }
  try {
    // stream: true tolerates a multi-byte character cut at the 64 KB boundary.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf, { stream: buf.length < size });
  } catch {
    if (encoding === 'auto') return readHead(filePath, sourceName, 'windows-1252');
    const bad = firstInvalidUtf8(buf);
    throw importError(
      `"${sourceName}" is not valid UTF-8 text (invalid byte at line ${lineAt(buf, bad)}, byte ${bad + 1})`,
      'Save the file as UTF-8 CSV (e.g. "CSV UTF-8" in Excel); a binary file renamed .csv cannot be imported.',
    );
  }
  if (text.trim() === '')
    throw importError(
      `"${sourceName}" is empty (only whitespace)`,
      'Pick a CSV file with a header line and at least one row.',
    );
  return { size, text, encoding: 'utf-8' };
}

function lineAt(buf: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < buf.length; i++) if (buf[i] === 0x0a) line++;
  return line;
}

/**
 * Field counts per line for one delimiter, respecting double quotes (a quoted delimiter or newline does not count).
 * Only the first `maxLines` complete records are looked at; a record cut at the end of the head is skipped.
 */
function fieldCounts(text: string, delim: string, maxLines: number): number[] {
  const counts: number[] = [];
  let fields = 1;
  let inQuotes = false;
  let lineHasContent = false;
  for (let i = 0; i < text.length && counts.length < maxLines; i++) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') i++;
        else inQuotes = false;
      }
      continue;
    }
    if (c === '"') inQuotes = true;
    else if (c === delim) fields++;
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      if (lineHasContent || fields > 1) counts.push(fields);
      fields = 1;
      lineHasContent = false;
      continue;
    }
    lineHasContent = true;
  }
  // The last line counts only when the whole file is in `text` (callers pass complete=true then).
  return counts;
}

/**
 * Picks the delimiter whose field count is the most consistent across the first lines (ties: the larger count,
 * then , ; tab |). A file with one column falls back to ','.
 */
export function sniffDelimiter(text: string, complete: boolean): Delimiter {
  const body = complete && !/[\r\n]$/.test(text) ? `${text}\n` : text;
  let best: { d: Delimiter; consistency: number; count: number } | null = null;
  for (const d of DELIMITERS) {
    const counts = fieldCounts(body, d, 50);
    const first = counts[0];
    if (first === undefined || first < 2) continue;
    const same = counts.filter((c) => c === first).length / counts.length;
    if (!best || same > best.consistency + 1e-9 || (Math.abs(same - best.consistency) < 1e-9 && first > best.count)) {
      best = { d, consistency: same, count: first };
    }
  }
  return best?.d ?? ',';
}

export function delimiterName(d: string): string {
  return d === '\t' ? 'tab' : d === ',' ? 'comma' : d === ';' ? 'semicolon' : d === '|' ? 'pipe' : JSON.stringify(d);
}
