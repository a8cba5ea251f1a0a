/**
 * Tables in and out of the model service: reading the columns a model needs from a new CSV or a stored dataset,
 * checking them against a model's column schema, and writing result tables as CSV safe to open in a spreadsheet.
 * Shared by the worker's operations and (for the cheap column check) the models:check handler.
 */
import { AppError } from '../../src-shared/ipc/app-error';
import type { ColumnSchema } from '../../src-shared/domain/types';
import type { ModelColumn, ModelColumnCheck, ModelKind } from '../../src-shared/domain/models';
import type { DatasetFile } from '../data-import';
import { readRecords } from '../data-import/records';
import { readHead, sniffDelimiter, HEAD_BYTES } from '../data-import/sniff';
import { bnnTableFromColumns, type BnnTable, type BnnTransform } from '../engine/models/bnn';
import { readCsvColumns, type ColumnData, type CsvColumns } from '../api/csv-columns';

export const PREVIEW_ROWS = 500;
export const MAX_ROWS = 200_000;

export function slug(s: string, fallback = 'run'): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || fallback
  );
}

export function shorten(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

/** One CSV cell: quoted when needed; a leading = + - @ tab or CR is prefixed with ' so spreadsheets do not run it. */
export function csvCell(v: number | string | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = v;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(columns: string[], rows: Array<Array<number | string | null>>): string {
  const lines = [columns.map(csvCell).join(',')];
  for (const r of rows) lines.push(r.map(csvCell).join(','));
  return `${lines.join('\n')}\n`;
}

/** A new CSV file as a BnnTable holding the columns a model needs (numeric ones parsed, categorical ones as labels). */
export async function tableFromCsv(
  filePath: string,
  sourceName: string,
  t: BnnTransform,
): Promise<{ table: BnnTable; headers: string[] }> {
  const head = await readHead(filePath, sourceName);
  const delimiter = sniffDelimiter(head.text, head.size <= HEAD_BYTES);
  let headers: string[] | null = null;
  const wanted: Array<{ name: string; numeric: boolean; index: number }> = [];
  const cols: Array<number[] | string[]> = [];
  let rows = 0;
  for await (const rec of readRecords(filePath, { delimiter, sourceName, lines: false })) {
    if (headers === null) {
      headers = rec.fields.map((h) => h.trim());
      const missing = t.features.filter((f) => !headers!.includes(f.name)).map((f) => f.name);
      if (missing.length > 0) throw missingColumns(sourceName, missing, t, headers);
      const specs = [
        ...t.features.map((f) => ({ name: f.name, numeric: f.kind === 'numeric' })),
        { name: t.target.name, numeric: t.target.kind === 'numeric' },
      ];
      for (const sp of specs) {
        const index = headers.indexOf(sp.name);
        if (index >= 0) {
          wanted.push({ ...sp, index });
          cols.push([]);
        }
      }
      continue;
    }
    if (rec.fields.length === 1 && rec.fields[0]!.trim() === '') continue;
    rows++;
    if (rows > MAX_ROWS)
      throw new AppError(
        'BAD_REQUEST',
        `"${sourceName}" has more than ${MAX_ROWS.toLocaleString('en')} rows`,
        'Split it into smaller files, or import it as a dataset first.',
      );
    wanted.forEach((w, k) => {
      const cell = (rec.fields[w.index] ?? '').trim();
      if (w.numeric)
        (cols[k] as number[]).push(cell === '' || /^(na|nan|null)$/i.test(cell) ? Number.NaN : Number(cell));
      else (cols[k] as string[]).push(cell);
    });
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
      'Add the rows to predict below the header.',
    );
  const record: Record<string, number[] | string[]> = {};
  wanted.forEach((w, k) => {
    record[w.name] = cols[k]!;
  });
  const table = bnnTableFromColumns(record);
  // bnnTableFromColumns types string columns by their own levels; the stored transform decides how they are encoded.
  return { table, headers };
}

function missingColumns(sourceName: string, missing: string[], t: BnnTransform, have: string[]): AppError {
  const list = missing.map((m) => `"${m}"`).join(', ');
  return new AppError(
    'BAD_REQUEST',
    `"${sourceName}" has no column${missing.length > 1 ? 's' : ''} ${list}, which the model was trained on`,
    `The model needs every training feature: ${t.features.map((f) => f.name).join(', ')}. The file has: ${have.slice(0, 30).join(', ')}${have.length > 30 ? ', …' : ''}.`,
  );
}

/** A stored dataset as a BnnTable (numeric columns as numbers, categorical and binary ones by label). */
export function tableFromDataset(
  ds: DatasetFile,
  schema: ColumnSchema[],
  t: BnnTransform,
  sourceName: string,
): BnnTable {
  const names = new Set(schema.map((c) => c.name));
  const missing = t.features.filter((f) => !names.has(f.name)).map((f) => f.name);
  if (missing.length > 0) throw missingColumns(sourceName, missing, t, [...names]);
  const record: Record<string, number[] | string[] | Float32Array> = {};
  for (const f of t.features) record[f.name] = f.kind === 'numeric' ? ds.column(f.name) : ds.strings(f.name);
  if (names.has(t.target.name))
    record[t.target.name] = t.target.kind === 'numeric' ? ds.column(t.target.name) : ds.strings(t.target.name);
  return bnnTableFromColumns(record as Record<string, ArrayLike<number> | string[]>);
}

export { bnnPredictionTable } from '../engine/models/bnn';

/** Reads one column of a CSV file (delimiter sniffed), streaming. */
export async function readCsvColumn(
  filePath: string,
  sourceName: string,
  column: string,
  maxRows: number = MAX_ROWS,
): Promise<string[]> {
  const head = await readHead(filePath, sourceName);
  const delimiter = sniffDelimiter(head.text, head.size <= HEAD_BYTES);
  let idx = -1;
  let headers: string[] | null = null;
  const cells: string[] = [];
  for await (const rec of readRecords(filePath, { delimiter, sourceName, lines: false })) {
    if (headers === null) {
      headers = rec.fields.map((h) => h.trim());
      idx = headers.indexOf(column);
      if (idx < 0) {
        throw new AppError(
          'BAD_REQUEST',
          `"${sourceName}" has no column "${column}"`,
          `Its columns: ${headers.join(', ')}. Choose the column that holds the documents.`,
        );
      }
      continue;
    }
    if (cells.length >= maxRows) throw tooManyRows(sourceName, maxRows);
    cells.push(rec.fields[idx] ?? '');
  }
  if (headers === null)
    throw new AppError(
      'BAD_REQUEST',
      `"${sourceName}" is empty`,
      'Choose a CSV file with a header row and one document per row.',
    );
  return cells;
}

/** The refusal for a file of new documents longer than the app scores at once (the column is held in memory). */
export function tooManyRows(sourceName: string, maxRows: number, rows?: number): AppError {
  return new AppError(
    'BAD_REQUEST',
    `"${sourceName}" has ${rows === undefined ? 'more than ' : ''}${(rows ?? maxRows).toLocaleString('en')} rows; new documents are scored at most ${maxRows.toLocaleString('en')} rows at a time`,
    `Split the file into parts of up to ${maxRows.toLocaleString('en')} rows and score each. (A run's own training documents are not limited: export "Document–topic proportions (CSV)" on the run's Use panel.)`,
  );
}

/** The level code of a cell (exact label, else the same number, else 0/1 for a binary column), or −1. */
export function levelCode(levels: readonly string[], cell: string, binary: boolean): number {
  const t = cell.trim();
  let i = levels.indexOf(t);
  if (i >= 0) return i;
  const v = Number(t);
  if (t !== '' && Number.isFinite(v)) {
    i = levels.findIndex((l) => l.trim() !== '' && Number(l) === v);
    if (i >= 0) return i;
    if (binary && (v === 0 || v === 1)) return v;
  }
  return -1;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** The columns a check or a score reads (schema columns, the LDA text column replaced by the chosen one). */
export function effectiveSchema(kind: ModelKind, schema: ModelColumn[], textColumn: string | undefined): ModelColumn[] {
  if (kind !== 'lda' || !textColumn) return schema;
  return schema.map((c) => (c.role === 'text' ? { ...c, name: textColumn } : c));
}

/**
 * Each schema column's status in a CSV: present and readable ('ok'), absent ('missing', or 'optional-missing' for a
 * target), or present with values the model cannot take ('mismatch', with the first offending row and value).
 */
export function checkColumns(
  kind: ModelKind,
  schema: ModelColumn[],
  csv: Pick<CsvColumns, 'headers' | 'columns' | 'rows'>,
): ModelColumnCheck['columns'] {
  return schema.map((c) => {
    const d: ColumnData | undefined = csv.columns.get(c.name);
    if (!csv.headers.includes(c.name) || !d) {
      return c.required
        ? { ...c, status: 'missing' as const, detail: 'not in the file' }
        : {
            ...c,
            status: 'optional-missing' as const,
            detail: c.role === 'target' ? 'not in the file: predictions without metrics' : 'not in the file',
          };
    }
    const feature = c.role === 'feature';
    if (c.type === 'text') {
      return {
        ...c,
        status: 'ok' as const,
        detail: d.missing > 0 ? `${plural(d.missing, 'empty row')} (they get the prior proportions)` : 'text',
      };
    }
    if (c.type === 'numeric') {
      if (d.badCount > 0)
        return {
          ...c,
          status: feature ? ('mismatch' as const) : ('ok' as const),
          detail: `${plural(d.badCount, 'cell')} ${d.badCount === 1 ? 'is' : 'are'} not a number (row ${d.bad!.row}, line ${d.bad!.line}: "${d.bad!.value}")`,
        };
      if (d.missing > 0 && feature)
        return {
          ...c,
          status: 'mismatch' as const,
          detail: `${plural(d.missing, 'missing cell')} (first in row ${d.firstMissing}${d.firstMissingAt ? `, line ${d.firstMissingAt.line}: ${d.firstMissingAt.value === '' ? 'empty' : `"${d.firstMissingAt.value}"`}` : ''}); the model needs a value in every row: fill ${d.missing === 1 ? 'it' : 'them'} in or remove ${d.missing === 1 ? 'that row' : 'those rows'}`,
        };
      return {
        ...c,
        status: 'ok' as const,
        detail: d.missing > 0 ? `numbers (${plural(d.missing, 'missing cell')}, not scored)` : 'numbers',
      };
    }
    // binary / categorical: labels must be levels the model knows.
    const levels = c.levels ?? [];
    const values = d.values as string[];
    let unknown = 0;
    let first: { row: number; value: string } | null = null;
    for (let i = 0; i < values.length; i++) {
      if (levelCode(levels, values[i]!, c.type === 'binary') < 0) {
        unknown++;
        if (!first) first = { row: i + 1, value: values[i]! };
      }
    }
    if (unknown === 0) return { ...c, status: 'ok' as const, detail: `${plural(levels.length, 'level')}` };
    const shown = levels.slice(0, 8).join(', ') + (levels.length > 8 ? ', …' : '');
    const what = `${plural(unknown, 'row')} with a level the model never saw (row ${first!.row}: "${shorten(first!.value, 30)}"; levels: ${shown})`;
    // A BNN encodes an unseen level as none of the known ones (with a warning); a VAE cannot.
    if (kind === 'bnn' || !feature) return { ...c, status: 'ok' as const, detail: what };
    return { ...c, status: 'mismatch' as const, detail: what };
  });
}

export function problemsOf(
  sourceName: string,
  cols: ModelColumnCheck['columns'],
  schema: ModelColumn[],
): AppError | null {
  const missing = cols.filter((c) => c.status === 'missing');
  const bad = cols.filter((c) => c.status === 'mismatch');
  if (missing.length === 0 && bad.length === 0) return null;
  const parts: string[] = [];
  if (missing.length)
    parts.push(
      `missing column${missing.length > 1 ? 's' : ''} ${missing
        .slice(0, 10)
        .map((c) => `"${c.name}"`)
        .join(', ')}${missing.length > 10 ? `, … (${missing.length} in all)` : ''}`,
    );
  for (const c of bad.slice(0, 5)) parts.push(`column "${c.name}": ${c.detail}`);
  const needed = schema.filter((c) => c.required).map((c) => c.name);
  return new AppError(
    'BAD_REQUEST',
    `"${sourceName}" does not fit the model: ${parts.join('; ')}`,
    `The model needs ${needed.length === 1 ? 'the column' : `these ${needed.length} columns`}: ${needed.slice(0, 20).join(', ')}${needed.length > 20 ? ', …' : ''} — with the same names and the kind of values it was trained on.`,
  );
}

/**
 * Reads what a check or a score needs from a CSV: the schema's columns (numeric ones parsed, text raw), with `allText`
 * every other column as raw text (to find LDA text columns), with `passthrough` the first N other columns as labels.
 */
export function readModelColumns(
  schema: ModelColumn[],
  file: { path: string; name: string },
  opts: { maxRows: number; stopAfter?: number; allText?: boolean; passthrough?: number },
): Promise<CsvColumns> {
  return readCsvColumns(
    file.path,
    file.name,
    (headers) => {
      const want: Array<{ name: string; numeric: boolean; raw?: boolean }> = schema.map((c) => ({
        name: c.name,
        numeric: c.type === 'numeric',
        raw: c.type === 'text',
      }));
      const used = new Set(schema.map((c) => c.name));
      if (opts.allText) for (const h of headers) if (!used.has(h)) want.push({ name: h, numeric: false, raw: true });
      if (opts.passthrough) {
        for (const h of headers.filter((x) => !used.has(x)).slice(0, opts.passthrough))
          want.push({ name: h, numeric: false });
      }
      return want;
    },
    { maxRows: opts.maxRows, ...(opts.stopAfter !== undefined ? { stopAfter: opts.stopAfter } : {}) },
  );
}
