/** Read access to an imported dataset directory (layout in format.ts). Reads only what is asked for. */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { ColumnSchema, Preprocessing } from '../../src-shared/domain/types';
import { AppError } from '../../src-shared/ipc/app-error';
import { F32_FILE, FORMAT_NAME, FORMAT_VERSION, META_FILE, STR_FILE, STR_INDEX_FILE, type DatasetMeta } from './format';

function readAt(path: string, target: Uint8Array, position: number): void {
  if (target.length === 0) return;
  const fd = openSync(path, 'r');
  try {
    let off = 0;
    while (off < target.length) {
      const n = readSync(fd, target, off, target.length - off, position + off);
      if (n === 0) throw new AppError('INTERNAL', `Dataset file ${path} is truncated`, 'Import the dataset again.');
      off += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** The shortest decimal that reads back as the same float32, so 32.1 shows as 32.1 and not 32.099998474121094. */
export function shortestFloat32(x: number): number {
  if (!Number.isFinite(x) || Number.isInteger(x)) return x;
  for (let p = 6; p <= 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return x;
}

export class DatasetFile {
  readonly rows: number;
  readonly schema: ColumnSchema[];
  readonly preprocessing: Preprocessing;
  readonly meta: DatasetMeta;
  private readonly f32Index = new Map<string, number>();
  private readonly strIndex = new Map<string, number>();
  private readonly byName = new Map<string, ColumnSchema>();

  private constructor(
    readonly dir: string,
    meta: DatasetMeta,
  ) {
    this.meta = meta;
    this.rows = meta.rows;
    this.schema = meta.schema;
    this.preprocessing = meta.preprocessing;
    meta.float32Columns.forEach((n, i) => this.f32Index.set(n, i));
    meta.stringColumns.forEach((n, i) => this.strIndex.set(n, i));
    for (const c of meta.schema) this.byName.set(c.name, c);
  }

  /** Opens `dir`, reading only dir/meta.json. */
  static open(dir: string): DatasetFile {
    let meta: DatasetMeta;
    try {
      meta = JSON.parse(readFileSync(join(dir, META_FILE), 'utf8')) as DatasetMeta;
    } catch (e) {
      throw new AppError(
        'NOT_FOUND',
        `No dataset in ${dir}: ${e instanceof Error ? e.message : String(e)}`,
        'Import the dataset again.',
      );
    }
    if (meta.format !== FORMAT_NAME || meta.version !== FORMAT_VERSION) {
      throw new AppError(
        'UNSUPPORTED',
        `Dataset in ${dir} has format ${String(meta.format)} v${String(meta.version)}; expected ${FORMAT_NAME} v${FORMAT_VERSION}`,
        'Import the dataset again.',
      );
    }
    return new DatasetFile(dir, meta);
  }

  private col(name: string): ColumnSchema {
    const c = this.byName.get(name);
    if (!c) {
      throw new AppError(
        'NOT_FOUND',
        `Dataset has no column "${name}"`,
        `Columns: ${this.schema.map((s) => s.name).join(', ')}`,
      );
    }
    return c;
  }

  /** Numeric and binary values; categorical codes (index into `levels`). Never NaN. */
  column(name: string): Float32Array {
    const c = this.col(name);
    const i = this.f32Index.get(name);
    if (i === undefined) {
      throw new AppError(
        'BAD_REQUEST',
        `Column "${name}" is ${c.role === 'ignore' ? 'ignored' : c.type}, so it has no numeric values`,
        'Use strings() for text and identifier columns, or import it again with another type or role.',
      );
    }
    const out = new Float32Array(this.rows);
    readAt(join(this.dir, F32_FILE), new Uint8Array(out.buffer), i * this.rows * 4);
    return out;
  }

  /**
   * Row-major [n, names.length] matrix of the named columns, for all rows or the given row indices.
   * `standardize` (default: this.preprocessing.standardize) maps numeric columns to (x − mean) / std (std 0 → x − mean);
   * binary and categorical columns are never changed.
   */
  matrix(names: string[], opts: { standardize?: boolean; rows?: ArrayLike<number> } = {}): Float32Array {
    const standardize = opts.standardize ?? this.preprocessing.standardize;
    const sel = opts.rows;
    const n = sel ? sel.length : this.rows;
    const m = names.length;
    const out = new Float32Array(n * m);
    names.forEach((name, j) => {
      const values = this.column(name);
      const c = this.col(name);
      let shift = 0;
      let scale = 1;
      if (standardize && c.type === 'numeric' && c.stats) {
        shift = c.stats.mean;
        scale = c.stats.std > 0 ? 1 / c.stats.std : 1;
      }
      for (let i = 0; i < n; i++) {
        const r = sel ? (sel[i] as number) : i;
        if (!(r >= 0 && r < this.rows))
          throw new AppError('BAD_REQUEST', `Row ${r} is outside the dataset (0..${this.rows - 1})`);
        out[i * m + j] = ((values[r] as number) - shift) * scale;
      }
    });
    return out;
  }

  /** Text of every row: text, identifier and ignored columns as stored; categorical and binary as labels; numbers formatted. Missing text is ''. */
  strings(name: string): string[] {
    const out = new Array<string>(this.rows);
    let r = 0;
    for (const chunk of this.stringChunks(name)) for (const t of chunk) out[r++] = t;
    return out;
  }

  /**
   * The same texts as `strings`, in row order, a chunk of at most `chunkRows` rows at a time: memory stays at one
   * chunk, so a million-document column streams (text preparation, search).
   */
  *stringChunks(name: string, chunkRows = 8192, from = 0): Generator<string[]> {
    const c = this.col(name);
    const si = this.strIndex.get(name);
    if (si === undefined) {
      const v = this.column(name);
      for (let r0 = from; r0 < this.rows; r0 += chunkRows) {
        const r1 = Math.min(this.rows, r0 + chunkRows);
        const out = new Array<string>(r1 - r0);
        for (let r = r0; r < r1; r++) out[r - r0] = c.levels ? (c.levels[v[r] as number] ?? '') : String(v[r]);
        yield out;
      }
      return;
    }
    const k = this.meta.stringColumns.length;
    const step = Math.max(1, Math.min(chunkRows, Math.floor((1 << 20) / k)));
    for (let r0 = from; r0 < this.rows; r0 += step) {
      const r1 = Math.min(this.rows, r0 + step);
      const { offsets, data, base } = this.readStringRows(r0, r1);
      const out = new Array<string>(r1 - r0);
      for (let r = r0; r < r1; r++) {
        const e = (r - r0) * k + si;
        out[r - r0] = data.toString('utf8', (offsets[e] as number) - base, (offsets[e + 1] as number) - base);
      }
      yield out;
    }
  }

  /** Every text of a column, one at a time (see stringChunks). */
  *iterStrings(name: string): Generator<string> {
    for (const chunk of this.stringChunks(name)) yield* chunk;
  }

  /** Offsets (k·(r1−r0)+1 entries, absolute) and the bytes of rows r0..r1 of the string store. */
  private readStringRows(r0: number, r1: number): { offsets: Float64Array; data: Buffer; base: number } {
    const k = this.meta.stringColumns.length;
    const offsets = new Float64Array((r1 - r0) * k + 1);
    readAt(join(this.dir, STR_INDEX_FILE), new Uint8Array(offsets.buffer), r0 * k * 8);
    const base = offsets[0] as number;
    const data = Buffer.alloc((offsets[offsets.length - 1] as number) - base);
    readAt(join(this.dir, STR_FILE), data, base);
    return { offsets, data, base };
  }

  /**
   * Rows offset..offset+limit of every stored column, for a table view: numbers, labels of binary and categorical
   * columns (as numbers when the label is a number), text; missing text is null.
   */
  slice(offset: number, limit: number): { columns: string[]; rows: (number | string | null)[][] } {
    const columns = this.schema.map((c) => c.name);
    const r0 = Math.max(0, Math.min(this.rows, Math.floor(offset)));
    const r1 = Math.max(r0, Math.min(this.rows, r0 + Math.max(0, Math.floor(limit))));
    const n = r1 - r0;
    const rows: (number | string | null)[][] = Array.from({ length: n }, () =>
      new Array<number | string | null>(columns.length).fill(null),
    );
    if (n === 0) return { columns, rows };
    const k = this.meta.stringColumns.length;
    const str = k > 0 ? this.readStringRows(r0, r1) : null;
    this.schema.forEach((c, j) => {
      const fi = this.f32Index.get(c.name);
      if (fi !== undefined) {
        const v = new Float32Array(n);
        readAt(join(this.dir, F32_FILE), new Uint8Array(v.buffer), (fi * this.rows + r0) * 4);
        // Levels that are numbers (0/1 flags, class numbers) are shown as numbers.
        const levels = c.levels?.map((l): number | string =>
          l.trim() !== '' && Number.isFinite(Number(l)) ? Number(l) : l,
        );
        for (let i = 0; i < n; i++) {
          const x = v[i] as number;
          (rows[i] as (number | string | null)[])[j] = levels ? (levels[x] ?? null) : shortestFloat32(x);
        }
        return;
      }
      const si = this.strIndex.get(c.name);
      if (si === undefined || !str) return;
      for (let i = 0; i < n; i++) {
        const e = i * k + si;
        const a = (str.offsets[e] as number) - str.base;
        const b = (str.offsets[e + 1] as number) - str.base;
        (rows[i] as (number | string | null)[])[j] = a === b ? null : str.data.toString('utf8', a, b);
      }
    });
    return { columns, rows };
  }
}
