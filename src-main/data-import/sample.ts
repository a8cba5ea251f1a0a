/** Reads the header and the first rows of a CSV: shared by the preview and by the import (to infer types). */
import type { InferredColumn } from '../../src-shared/domain/types';
import { importError } from './errors';
import { ColumnInference, checkHeaders } from './infer';
import { readRecords } from './records';
import {
  readHead,
  sniffDelimiter,
  HEAD_BYTES,
  type Delimiter,
  type DelimiterOption,
  type EncodingOption,
} from './sniff';
import type { TextEncodingName } from './records';

export interface CsvSample {
  size: number;
  delimiter: Delimiter;
  headers: string[];
  headerLine: number;
  /** The first `showRows` data rows, as text. */
  rows: string[][];
  sampledRows: number;
  columns: InferredColumn[];
  warnings: string[];
  encoding: TextEncodingName;
}

export async function readSample(
  filePath: string,
  sourceName: string,
  opts: {
    delimiter?: DelimiterOption;
    showRows?: number;
    sampleRows?: number;
    signal?: AbortSignal;
    encoding?: EncodingOption;
  },
): Promise<CsvSample> {
  const head = await readHead(filePath, sourceName, opts.encoding ?? 'auto');
  const encoding = head.encoding;
  const delimiter: Delimiter =
    opts.delimiter === undefined || opts.delimiter === 'auto'
      ? sniffDelimiter(head.text, head.size <= HEAD_BYTES)
      : opts.delimiter;
  const showRows = Math.max(0, opts.showRows ?? 20);
  const sampleRows = Math.max(1, opts.sampleRows ?? 2000);
  let headers: string[] | null = null;
  let headerLine = 1;
  const rows: string[][] = [];
  let inference: ColumnInference[] = [];
  let count = 0;
  for await (const rec of readRecords(filePath, {
    delimiter,
    sourceName,
    encoding,
    ...(opts.signal ? { signal: opts.signal } : {}),
  })) {
    if (headers === null) {
      headers = checkHeaders(rec.fields, rec.line);
      headerLine = rec.line;
      inference = headers.map((h) => new ColumnInference(h, delimiter !== ','));
      continue;
    }
    if (rows.length < showRows) rows.push(rec.fields);
    if (count < sampleRows) {
      const fields = rec.fields;
      for (let j = 0; j < fields.length; j++) inference[j]?.add(fields[j] as string, rec.line);
    }
    count++;
    if (count >= sampleRows && rows.length >= showRows) break;
  }
  if (headers === null)
    throw importError(`"${sourceName}" has no header line`, 'The first line must name the columns.');
  if (count === 0) {
    throw importError(
      `"${sourceName}" has a header (line ${headerLine}) but no data rows`,
      'Add at least one row of data below the header.',
    );
  }
  const warnings: string[] = [];
  if (encoding !== 'utf-8') {
    warnings.push(
      `"${sourceName}" is not UTF-8; it was read as ${encoding} (Western European, e.g. saved by Excel as "CSV"). Check that accented letters look right below.`,
    );
  }
  const columns = inference.map((inf) => {
    const { column, warning } = inf.result();
    if (warning) warnings.push(warning);
    return column;
  });
  if (headers.length === 1 && head.text.length > 0 && opts.delimiter !== undefined && opts.delimiter !== 'auto') {
    warnings.push(`Only one column was found with the delimiter ${JSON.stringify(delimiter)}; is it the right one?`);
  } else if (headers.length === 1) {
    warnings.push('Only one column was found; if the file uses another delimiter, choose it.');
  }
  const comma = columns.filter((c) => c.decimalComma).map((c) => `"${c.name}"`);
  if (comma.length) {
    warnings.push(
      `${comma.length === 1 ? 'Column' : 'Columns'} ${comma.slice(0, 8).join(', ')}${comma.length > 8 ? ' …' : ''} use${comma.length === 1 ? 's' : ''} a decimal comma (1,5 = 1.5) and ${comma.length === 1 ? 'is' : 'are'} read as numbers.`,
    );
  }
  return {
    size: head.size,
    delimiter,
    headers,
    headerLine,
    rows,
    sampledRows: Math.min(count, sampleRows),
    columns,
    warnings,
    encoding,
  };
}
