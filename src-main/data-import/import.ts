/**
 * Streaming CSV import: one pass with csv-parse writes float columns in blocks to a temporary file and string
 * columns straight to their final store; a second pass assembles the column-major data.f32, applying imputation and
 * the final order of categorical levels. Memory is bounded by the block size, not by the file.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  ColumnRole,
  ColumnSchema,
  ColumnStats,
  ColumnType,
  ImportProgress,
  ImputedColumn,
  MissingPolicy,
  NumericImpute,
  Preprocessing,
} from '../../src-shared/domain/types';
import type { ColumnChoice } from '../../src-shared/schemas/api';
import { AppError } from '../../src-shared/ipc/app-error';
import { cancelledError, importError, showValue } from './errors';
import { F32_FILE, FORMAT_NAME, FORMAT_VERSION, META_FILE, STR_FILE, STR_INDEX_FILE, type DatasetMeta } from './format';
import { MAX_CATEGORICAL_LEVELS, isMissing, isNonFinite, orderLevels, parseDecimalComma } from './infer';
import { lineOfRecord, readRecords, sha256Hasher } from './records';
import { shortestFloat32 } from './dataset-file';
import { readSample } from './sample';
import type { DelimiterOption, EncodingOption } from './sniff';

/** ImportProgress without the importId, which the API layer adds. rows: rows kept so far. */
export type ImportProgressInfo = Omit<ImportProgress, 'importId'>;

export interface ImportOptions {
  delimiter?: DelimiterOption;
  /** auto (default): UTF-8, or windows-1252 when the file's head is not UTF-8. */
  encoding?: EncodingOption;
  /** Overrides of the inferred type and role, by column name; columns not listed keep the inferred ones. */
  columns?: ColumnChoice[];
  /** drop (default) rows with a missing cell in a used column, impute the cells, or keep them missing (NaN). */
  missing?: MissingPolicy;
  /** impute: numeric columns take the mean (default) or the median of their observed values. */
  numericImpute?: NumericImpute;
  /** impute: add a 0/1 `<column>_missing` column for each used column that had missing cells. */
  indicators?: boolean;
  /** Recorded with the dataset: the policy was the wizard's default or the person's choice. */
  policySource?: 'default' | 'chosen';
  standardize?: boolean;
  /** Called at most ~10 times per second, and once with phase 'done'. */
  onProgress?: (p: ImportProgressInfo) => void;
  signal?: AbortSignal;
  /** Name shown in messages (defaults to the file name). */
  sourceName?: string;
  /** Bytes per block of float rows held in memory before it is written (default 4 MB). Tests make it small. */
  blockBytes?: number;
}

export interface ImportResult {
  schema: ColumnSchema[];
  rows: number;
  droppedRows: number;
  /** sha256 hex of the source bytes. */
  contentHash: string;
  /** Bytes stored in destDir. */
  bytes: number;
  preprocessing: Preprocessing;
  /** Columns inferred as 0/1 from the sample that held other numbers further on, imported as numeric. */
  widened: string[];
}

const TMP_FILE = 'data.f32.tmp';
const PROGRESS_INTERVAL_MS = 100;

interface PlannedColumn {
  name: string;
  type: ColumnType;
  /** The type was inferred from the sample, not chosen (an inferred 0/1 column may widen to numeric). */
  inferred: boolean;
  role: ColumnRole;
  /** Index in the source record. */
  src: number;
  /** Numbers written with a decimal comma (inferred for this column). */
  decimalComma: boolean;
  /**
   * f32: used numeric, binary, categorical. str: text and identifier columns, used or ignored (ids stay visible in the
   * table view at the cost of their text). none: ignored numeric, binary and categorical columns are not stored.
   */
  store: 'f32' | 'str' | 'none';
}

/** Applies the user's choices to the inferred columns. */
function planColumns(
  headers: string[],
  inferred: { name: string; type: ColumnType; role: ColumnRole; decimalComma?: boolean }[],
  choices: ColumnChoice[],
): PlannedColumn[] {
  const byName = new Map<string, ColumnChoice>();
  for (const c of choices) {
    if (!headers.includes(c.name)) {
      throw importError(
        `Column ${showValue(c.name)} was chosen but the file has no such column (it has ${headers.map((h) => showValue(h, 30)).join(', ')})`,
        'Preview the file again and choose types for its columns.',
      );
    }
    byName.set(c.name, c);
  }
  return headers.map((name, src) => {
    const inf = inferred[src];
    const choice = byName.get(name);
    const type = choice?.type ?? inf?.type ?? 'text';
    const role = choice?.role ?? inf?.role ?? 'ignore';
    const valued = type === 'numeric' || type === 'binary' || type === 'categorical';
    const store: PlannedColumn['store'] = role !== 'ignore' ? (valued ? 'f32' : 'str') : valued ? 'none' : 'str';
    // The wizard sends every column's type; one equal to the inference still counts as inferred.
    return {
      name,
      type,
      role,
      src,
      store,
      inferred: choice?.type === undefined || choice.type === inf?.type,
      decimalComma: type === 'numeric' && inf?.decimalComma === true,
    };
  });
}

/** Appends bytes to a file through a fixed buffer. */
class BufferedWriter {
  private readonly buf: Buffer;
  private used = 0;
  written = 0;
  constructor(
    private readonly fd: number,
    size = 1 << 20,
  ) {
    this.buf = Buffer.allocUnsafe(size);
  }
  writeString(s: string): number {
    if (s.length === 0) return 0;
    if (this.buf.length - this.used < s.length * 3) {
      this.flush();
      if (s.length * 3 > this.buf.length) {
        const b = Buffer.from(s, 'utf8');
        writeSync(this.fd, b);
        this.written += b.length;
        return b.length;
      }
    }
    const n = this.buf.write(s, this.used, 'utf8');
    this.used += n;
    this.written += n;
    return n;
  }
  writeBytes(b: Uint8Array): void {
    if (this.buf.length - this.used < b.length) {
      this.flush();
      if (b.length > this.buf.length) {
        writeSync(this.fd, b);
        this.written += b.length;
        return;
      }
    }
    this.buf.set(b, this.used);
    this.used += b.length;
    this.written += b.length;
  }
  flush(): void {
    let off = 0;
    while (off < this.used) off += writeSync(this.fd, this.buf, off, this.used - off);
    this.used = 0;
  }
}

/** Float64 offsets, appended through a fixed buffer. */
class OffsetWriter {
  private readonly arr = new Float64Array(64 * 1024);
  private used = 0;
  constructor(private readonly out: BufferedWriter) {}
  push(v: number): void {
    this.arr[this.used++] = v;
    if (this.used === this.arr.length) this.flush();
  }
  flush(): void {
    if (this.used === 0) return;
    this.out.writeBytes(new Uint8Array(this.arr.buffer, 0, this.used * 8));
    this.used = 0;
  }
}

async function prepareDestDir(destDir: string): Promise<void> {
  try {
    const entries = await readdir(destDir);
    if (entries.length > 0) {
      throw importError(`The dataset folder ${destDir} already exists and is not empty`, 'Import into a new folder.');
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(destDir, { recursive: true });
}

/**
 * Imports `filePath` into `destDir` (which must not exist or be empty). On any failure, including cancellation via
 * `signal`, destDir is removed and an AppError('IMPORT_FAILED') naming the line and column is thrown.
 */
export async function importCsv(filePath: string, destDir: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const sourceName = opts.sourceName ?? filePath.split(/[\\/]/).pop() ?? filePath;
  if (opts.signal?.aborted) throw cancelledError();
  await prepareDestDir(destDir);
  const fds: number[] = [];
  try {
    return await runImport(filePath, destDir, sourceName, opts, fds);
  } catch (e) {
    for (const fd of fds.splice(0)) {
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    }
    await rm(destDir, { recursive: true, force: true });
    if (opts.signal?.aborted && !(e instanceof AppError)) throw cancelledError();
    if (e instanceof AppError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw importError(
        `The disk holding ${destDir} is full; the unfinished import of "${sourceName}" was removed`,
        'Free some disk space (or start ELBO Studio with --data-dir on a disk with room), then import again.',
      );
    }
    if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
      throw importError(
        `Cannot write the imported dataset to ${destDir} (${msg})`,
        'Make the data directory writable, or start ELBO Studio with --data-dir on a folder you can write.',
      );
    }
    throw importError(
      `Import of "${sourceName}" failed: ${msg}`,
      'Check free disk space and that the file is readable, then try again.',
    );
  }
}

async function runImport(
  filePath: string,
  destDir: string,
  sourceName: string,
  opts: ImportOptions,
  fds: number[],
): Promise<ImportResult> {
  const signal = opts.signal;
  const policy: MissingPolicy = opts.missing ?? 'drop';
  const numericImpute: NumericImpute = opts.numericImpute ?? 'mean';
  const withIndicators = policy === 'impute' && opts.indicators === true;
  const standardize = opts.standardize ?? false;
  const sample = await readSample(filePath, sourceName, {
    ...(opts.delimiter ? { delimiter: opts.delimiter } : {}),
    ...(opts.encoding ? { encoding: opts.encoding } : {}),
    showRows: 0,
    ...(signal ? { signal } : {}),
  });
  const { delimiter, encoding } = sample;
  const plan = planColumns(sample.headers, sample.columns, opts.columns ?? []);
  const fCols = plan.filter((c) => c.store === 'f32');
  const sCols = plan.filter((c) => c.store === 'str');
  const nF = fCols.length;
  const nS = sCols.length;
  const totalBytes = sample.size;

  // Per float column state.
  const fSrc = Int32Array.from(fCols.map((c) => c.src));
  const isLevel = Uint8Array.from(fCols.map((c) => (c.type === 'numeric' ? 0 : 1)));
  const maxLevels = fCols.map((c) => (c.type === 'binary' ? 2 : MAX_CATEGORICAL_LEVELS));
  const levelMaps: (Map<string, number> | null)[] = fCols.map((c) =>
    c.type === 'numeric' ? null : new Map<string, number>(),
  );
  const widened: string[] = [];
  const levelCounts: number[][] = fCols.map(() => []);
  const fMissing = new Float64Array(nF);
  const sum = new Float64Array(nF);
  const cnt = new Float64Array(nF);
  const sSrc = Int32Array.from(sCols.map((c) => c.src));
  const sMissing = new Float64Array(nS);
  const scratch = new Float64Array(nF);
  const dcomma = Uint8Array.from(fCols.map((c) => (c.decimalComma ? 1 : 0)));
  // Numeric and 0/1 columns read Inf, ?, 1e400 … as missing; counted here and named in a warning.
  const gapsOk = Uint8Array.from(fCols.map((c) => (c.type === 'numeric' || c.type === 'binary' ? 1 : 0)));
  const nonFinite = new Float64Array(nF);
  const firstNonFinite: ({ value: string; index: number } | null)[] = fCols.map(() => null);
  const scratchLevel: string[] = new Array<string>(nF).fill('');

  // Block buffer: R rows of every float column, column-major within the block.
  const blockBytes = Math.max(4096, opts.blockBytes ?? 4 << 20);
  const R = nF === 0 ? 1 : Math.max(16, Math.floor(blockBytes / (4 * nF)));
  const block = new Float32Array(R * nF);
  const blockU8 = new Uint8Array(block.buffer);
  const tmpFd = openSync(join(destDir, TMP_FILE), 'w+');
  fds.push(tmpFd);
  let blockRow = 0;
  let blocks = 0;
  const flushBlock = (): void => {
    let off = 0;
    while (off < blockU8.length) off += writeSync(tmpFd, blockU8, off, blockU8.length - off);
    blocks++;
    blockRow = 0;
  };

  let strWriter: BufferedWriter | null = null;
  let idxWriter: BufferedWriter | null = null;
  let offsets: OffsetWriter | null = null;
  if (nS > 0) {
    const sfd = openSync(join(destDir, STR_FILE), 'w');
    fds.push(sfd);
    const ifd = openSync(join(destDir, STR_INDEX_FILE), 'w');
    fds.push(ifd);
    strWriter = new BufferedWriter(sfd);
    idxWriter = new BufferedWriter(ifd, 512 * 1024);
    offsets = new OffsetWriter(idxWriter);
    offsets.push(0);
  }

  const hasher = sha256Hasher();
  let bytesRead = 0;
  let rows = 0;
  let sourceRows = 0;
  let dropped = 0;
  let lastProgress = 0;
  const progress = (phase: ImportProgressInfo['phase'], force = false): void => {
    if (!opts.onProgress) return;
    const now = Date.now();
    if (!force && now - lastProgress < PROGRESS_INTERVAL_MS) return;
    lastProgress = now;
    opts.onProgress({ phase, rows, bytesRead: phase === 'parsing' ? bytesRead : totalBytes, totalBytes });
  };
  progress('parsing', true);

  let header = true;
  const dropMissing = policy === 'drop';
  const missingCell = isMissing; // a local binding: no module-getter call per cell in the CommonJS build
  const recordOpts = { delimiter, sourceName, encoding };
  const lineOf = (index: number): Promise<number> => lineOfRecord(filePath, recordOpts, index);
  for await (const rec of readRecords(filePath, {
    ...recordOpts,
    lines: false,
    ...(signal ? { signal } : {}),
    onBytes: (chunk) => {
      hasher.update(chunk);
      bytesRead += chunk.length;
    },
  })) {
    const fields = rec.fields;
    if (header) {
      // Already checked (and named) by the sample pass; only the length matters from here on.
      header = false;
      continue;
    }
    sourceRows++;
    let drop = false;
    for (let k = 0; k < nF; k++) {
      const cell = fields[fSrc[k] as number] as string;
      if (cell.length !== 0) {
        if (isLevel[k] === 0) {
          // Hot path: a plain number. Number('') and Number('  ') are 0, hence the checks around it.
          const v = Number(cell);
          if (v - v === 0 && (v !== 0 || cell.trim() !== '')) {
            scratch[k] = v;
            continue;
          }
          if (dcomma[k] === 1) {
            const d = parseDecimalComma(cell);
            if (d - d === 0) {
              scratch[k] = d;
              continue;
            }
          }
          if (isNonFinite(cell)) {
            nonFinite[k] = (nonFinite[k] as number) + 1;
            firstNonFinite[k] ??= { value: cell.trim(), index: rec.index };
          } else if (!missingCell(cell)) throw notANumber(await lineOf(rec.index), fCols[k] as PlannedColumn, cell);
        } else if (gapsOk[k] === 1 && isNonFinite(cell)) {
          nonFinite[k] = (nonFinite[k] as number) + 1;
          firstNonFinite[k] ??= { value: cell.trim(), index: rec.index };
        } else if (!missingCell(cell)) {
          scratch[k] = 0;
          scratchLevel[k] = cell.trim();
          continue;
        }
      }
      fMissing[k] = (fMissing[k] as number) + 1;
      scratch[k] = Number.NaN;
      if (dropMissing) drop = true;
    }
    for (let k = 0; k < nS; k++) {
      if (missingCell(fields[sSrc[k] as number] as string)) sMissing[k] = (sMissing[k] as number) + 1;
    }
    if (drop) {
      dropped++;
      continue;
    }
    for (let k = 0; k < nF; k++) {
      let v = scratch[k] as number;
      if (isLevel[k] === 1 && !Number.isNaN(v)) {
        const map = levelMaps[k] as Map<string, number>;
        const label = scratchLevel[k] as string;
        let code = map.get(label);
        if (code === undefined) {
          const col = fCols[k] as PlannedColumn;
          if (map.size >= (maxLevels[k] as number)) {
            // An inferred 0/1 column (the sample held only 0 and 1) meeting another number is numeric: its codes
            // are the values 0 and 1 themselves (below), so it widens in place.
            const num = Number(label);
            if (
              col.type === 'binary' &&
              col.inferred &&
              label !== '' &&
              Number.isFinite(num) &&
              [...map.keys()].every((l) => l === '0' || l === '1')
            ) {
              const counts = levelCounts[k] as number[];
              sum[k] = (sum[k] as number) + (counts[1] ?? 0) + num;
              cnt[k] = (cnt[k] as number) + (counts[0] ?? 0) + (counts[1] ?? 0) + 1;
              col.type = 'numeric';
              isLevel[k] = 0;
              levelMaps[k] = null;
              widened.push(col.name);
              block[k * R + blockRow] = num;
              continue;
            }
            throw tooManyLevels(await lineOf(rec.index), col, label, map);
          }
          // Binary 0/1 columns keep their values as codes (0 → 0, 1 → 1); other levels take codes in order seen.
          const used = new Set(map.values());
          if (col.type === 'binary' && (label === '0' || label === '1') && !used.has(Number(label)))
            code = Number(label);
          else {
            code = 0;
            while (used.has(code)) code++;
          }
          map.set(label, code);
          while ((levelCounts[k] as number[]).length <= code) (levelCounts[k] as number[]).push(0);
        }
        (levelCounts[k] as number[])[code]! += 1;
        v = code;
      } else if (!Number.isNaN(v)) {
        sum[k] = (sum[k] as number) + Math.fround(v);
        cnt[k] = (cnt[k] as number) + 1;
      }
      block[k * R + blockRow] = v;
    }
    if (offsets && strWriter) {
      for (let k = 0; k < nS; k++) {
        const cell = fields[sSrc[k] as number] as string;
        if (!missingCell(cell)) strWriter.writeString(cell);
        offsets.push(strWriter.written);
      }
    }
    rows++;
    if (nF > 0 && ++blockRow === R) flushBlock();
    progress('parsing');
  }
  if (header) throw importError(`"${sourceName}" has no header line`, 'The first line must name the columns.');
  if (sourceRows === 0)
    throw importError(
      `"${sourceName}" has a header but no data rows`,
      'Add at least one row of data below the header.',
    );
  if (rows === 0) {
    const worst = fCols.map((c, k) => ({ c, m: fMissing[k] as number })).sort((a, b) => b.m - a.m)[0];
    throw importError(
      `All ${sourceRows} rows have a missing value in a used column, so dropping them leaves nothing` +
        (worst ? ` (column "${worst.c.name}" is missing in ${worst.m} rows)` : ''),
      'Choose "impute" for missing values, or ignore the columns that are mostly empty.',
    );
  }
  if (nF > 0 && blockRow > 0) flushBlock();
  if (strWriter && idxWriter && offsets) {
    strWriter.flush();
    offsets.flush();
    idxWriter.flush();
  }
  progress('writing', true);

  const readBlock = (b: number): number => {
    let off = 0;
    while (off < blockU8.length) {
      const n = readSync(tmpFd, blockU8, off, blockU8.length - off, b * blockU8.length + off);
      if (n === 0) throw new Error('temporary block file is truncated');
      off += n;
    }
    return Math.min(R, rows - b * R);
  };

  // Fill values (impute: over the kept rows' observed values) and final level order.
  const levels: (string[] | null)[] = [];
  const remap: (Float32Array | null)[] = [];
  const fill = new Float32Array(nF).fill(Number.NaN);
  const fillHow: (ImputedColumn['how'] | null)[] = new Array<ImputedColumn['how'] | null>(nF).fill(null);
  const fillLevel: (string | null)[] = new Array<string | null>(nF).fill(null);
  const impute = policy === 'impute';
  const medianCols: number[] = [];
  for (let k = 0; k < nF; k++) {
    const col = fCols[k] as PlannedColumn;
    const map = levelMaps[k];
    const gaps = (fMissing[k] as number) > 0;
    if (map) {
      const firstSeen = [...map.keys()];
      const ordered = orderLevels(firstSeen);
      const pos = new Map(ordered.map((l, i) => [l, i]));
      const rm = new Float32Array(Math.max(0, ...map.values()) + 1);
      for (const [l, code] of map) rm[code] = pos.get(l) ?? 0;
      levels.push(ordered);
      remap.push(rm);
      if (!impute || !gaps) continue;
      const counts = levelCounts[k] as number[];
      let mode = -1;
      counts.forEach((c, code) => {
        if (mode === -1 || c > (counts[mode] as number)) mode = code;
      });
      if (mode === -1) throw nothingToImpute(col);
      fill[k] = rm[mode] as number;
      fillHow[k] = 'most frequent';
      fillLevel[k] = ordered[rm[mode] as number] ?? null;
    } else {
      levels.push(null);
      remap.push(null);
      if (!impute || !gaps) continue;
      const c = cnt[k] as number;
      if (c === 0) throw nothingToImpute(col);
      if (numericImpute === 'median') medianCols.push(k);
      else {
        fill[k] = (sum[k] as number) / c;
        fillHow[k] = 'mean';
      }
    }
  }
  if (medianCols.length > 0) {
    const med = await blockMedians(medianCols, cnt, R, blocks, block, readBlock, signal);
    medianCols.forEach((k, i) => {
      fill[k] = med[i] as number;
      fillHow[k] = 'median';
    });
  }
  // Indicator columns: one per used column with missing cells, after the float columns.
  const indicatorOf: number[] = [];
  if (withIndicators) for (let k = 0; k < nF; k++) if ((fMissing[k] as number) > 0) indicatorOf.push(k);
  const taken = new Set(sample.headers);
  const indicatorNames = indicatorOf.map((k) => {
    const base = `${(fCols[k] as PlannedColumn).name}_missing`;
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  });
  const nI = indicatorOf.length;
  const indOut = new Float32Array(R);

  // Assemble data.f32: block b's segment of column k goes to k·rows·4 + b·R·4; indicator column j follows the float
  // columns, at (nF + j)·rows·4 + b·R·4. Statistics skip cells left missing (NaN under the 'keep' policy).
  const nT = nF + nI;
  const stats: ColumnStats[] = [];
  const storedNaN = new Float64Array(nF);
  const outFd = openSync(join(destDir, F32_FILE), 'w');
  fds.push(outFd);
  if (nF > 0) {
    const count = new Float64Array(nT);
    const mean = new Float64Array(nT);
    const m2 = new Float64Array(nT);
    const min = new Float64Array(nT).fill(Infinity);
    const max = new Float64Array(nT).fill(-Infinity);
    const accumulate = (k: number, seg: Float32Array): void => {
      let s = 0;
      let c = 0;
      let lo = min[k] as number;
      let hi = max[k] as number;
      for (let i = 0; i < seg.length; i++) {
        const v = seg[i] as number;
        if (v !== v) continue;
        s += v;
        c++;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      min[k] = lo;
      max[k] = hi;
      if (c === 0) return;
      // Chan et al.'s pairwise update of mean and M2.
      const bm = s / c;
      let bm2 = 0;
      for (let i = 0; i < seg.length; i++) {
        const v = seg[i] as number;
        if (v !== v) continue;
        bm2 += (v - bm) * (v - bm);
      }
      const seen = count[k] as number;
      const n = seen + c;
      const delta = bm - (mean[k] as number);
      mean[k] = (mean[k] as number) + (delta * c) / n;
      m2[k] = (m2[k] as number) + bm2 + (delta * delta * seen * c) / n;
      count[k] = n;
    };
    const writeAt = (seg: Float32Array, pos: number): void => {
      const bytes = new Uint8Array(seg.buffer, seg.byteOffset, seg.length * 4);
      let w = 0;
      while (w < bytes.length) w += writeSync(outFd, bytes, w, bytes.length - w, pos + w);
    };
    for (let b = 0; b < blocks; b++) {
      if (signal?.aborted) throw cancelledError();
      const inBlock = readBlock(b);
      for (let j = 0; j < nI; j++) {
        const seg = block.subarray((indicatorOf[j] as number) * R, (indicatorOf[j] as number) * R + inBlock);
        const ind = indOut.subarray(0, inBlock);
        for (let i = 0; i < inBlock; i++) ind[i] = seg[i] !== seg[i] ? 1 : 0;
        accumulate(nF + j, ind);
        writeAt(ind, (nF + j) * rows * 4 + b * R * 4);
      }
      for (let k = 0; k < nF; k++) {
        const seg = block.subarray(k * R, k * R + inBlock);
        const rm = remap[k];
        const f = fill[k] as number;
        let nan = 0;
        for (let i = 0; i < inBlock; i++) {
          const v = seg[i] as number;
          if (v !== v) {
            seg[i] = f;
            if (f !== f) nan++;
          } else if (rm) seg[i] = rm[v] as number;
        }
        storedNaN[k] = (storedNaN[k] as number) + nan;
        accumulate(k, seg);
        writeAt(seg, k * rows * 4 + b * R * 4);
      }
      if (opts.onProgress) progress('writing');
      if (b % 8 === 7) await new Promise<void>((r) => setImmediate(r));
    }
    for (let k = 0; k < nT; k++) {
      const c = count[k] as number;
      stats.push(
        c === 0
          ? { min: Number.NaN, max: Number.NaN, mean: Number.NaN, std: Number.NaN }
          : {
              min: min[k] as number,
              max: max[k] as number,
              mean: mean[k] as number,
              std: Math.sqrt((m2[k] as number) / c),
            },
      );
    }
  }
  for (const fd of fds.splice(0)) closeSync(fd);
  await rm(join(destDir, TMP_FILE), { force: true });

  const schema: ColumnSchema[] = plan
    .filter((c) => c.store !== 'none')
    .flatMap((c) => {
      const base: ColumnSchema = { name: c.name, type: c.type, role: c.role, missing: 0 };
      if (c.store !== 'f32') {
        base.missing = sMissing[sCols.indexOf(c)] as number;
        return [base];
      }
      const k = fCols.indexOf(c);
      base.missing = fMissing[k] as number;
      const lv = levels[k];
      if (lv) base.levels = lv;
      if (c.type === 'numeric' || c.type === 'binary') base.stats = stats[k] as ColumnStats;
      if ((storedNaN[k] as number) > 0) base.missingStored = storedNaN[k] as number;
      const j = indicatorOf.indexOf(k);
      if (j < 0) return [base];
      const indicator: ColumnSchema = {
        name: indicatorNames[j] as string,
        type: 'binary',
        role: 'feature',
        missing: 0,
        levels: ['0', '1'],
        stats: stats[nF + j] as ColumnStats,
        indicatorOf: c.name,
      };
      return [base, indicator];
    });
  const imputed: ImputedColumn[] = [];
  for (let k = 0; k < nF; k++) {
    const how = fillHow[k];
    if (!how) continue;
    const j = indicatorOf.indexOf(k);
    imputed.push({
      column: (fCols[k] as PlannedColumn).name,
      cells: fMissing[k] as number,
      how,
      value: fillLevel[k] ?? shortestFloat32(fill[k] as number),
      from: rows - (fMissing[k] as number),
      ...(j >= 0 ? { indicator: indicatorNames[j] as string } : {}),
    });
  }
  const keptMissing = fCols
    .map((c, k) => ({ column: c.name, cells: storedNaN[k] as number }))
    .filter((c) => c.cells > 0);
  const warnings: string[] = [];
  for (let k = 0; k < nF; k++) {
    const first = firstNonFinite[k];
    if (!first) continue;
    const n = nonFinite[k] as number;
    warnings.push(
      `Column "${(fCols[k] as PlannedColumn).name}": ${n} value${n === 1 ? ' is' : 's are'} not a finite number (e.g. ${showValue(first.value)} on line ${await lineOf(first.index)}); ` +
        `${n === 1 ? 'it was' : 'they were'} read as missing (${policy === 'drop' ? 'rows dropped' : policy === 'impute' ? 'imputed' : 'kept missing'}).`,
    );
  }
  const commaCols = fCols.filter((c) => c.decimalComma).map((c) => c.name);
  const preprocessing: Preprocessing = {
    missing: policy,
    ...(policy === 'impute' ? { numericImpute, indicators: withIndicators, imputed } : {}),
    ...(policy === 'keep' ? { keptMissing } : {}),
    ...(opts.policySource ? { policySource: opts.policySource } : {}),
    sourceRows,
    standardize,
    droppedRows: dropped,
    delimiter,
    ...(encoding !== 'utf-8' ? { encoding } : {}),
    ...(commaCols.length ? { decimalComma: commaCols } : {}),
    ...(warnings.length ? { warnings } : {}),
  };
  const contentHash = hasher.hex();
  const meta: DatasetMeta = {
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    rows,
    schema,
    preprocessing,
    contentHash,
    sourceBytes: totalBytes,
    sourceRows,
    float32Columns: [...fCols.map((c) => c.name), ...indicatorNames],
    stringColumns: sCols.map((c) => c.name),
    createdAt: new Date().toISOString(),
  };
  const metaTmp = join(destDir, `${META_FILE}.tmp`);
  await writeFile(metaTmp, JSON.stringify(meta, null, 1));
  await rename(metaTmp, join(destDir, META_FILE));
  let bytes = 0;
  for (const f of await readdir(destDir)) bytes += (await stat(join(destDir, f))).size;
  opts.onProgress?.({ phase: 'done', rows, bytesRead: totalBytes, totalBytes });
  return { schema, rows, droppedRows: dropped, contentHash, bytes, preprocessing, widened };
}

function notANumber(line: number, col: PlannedColumn, cell: string): AppError {
  return importError(
    `Line ${line}, column "${col.name}": ${showValue(cell)} is not a number`,
    `Fix the value or leave it empty (missing), or choose type categorical or text for "${col.name}".`,
  );
}

function tooManyLevels(line: number, col: PlannedColumn, label: string, map: Map<string, number>): AppError {
  if (col.type === 'binary') {
    const two = [...map.keys()].map((l) => showValue(l, 30)).join(' and ');
    return importError(
      `Line ${line}, column "${col.name}": ${showValue(label)} is a third distinct value in a binary column (besides ${two})`,
      `Choose type ${Number.isNaN(Number(label)) || label === '' ? 'categorical' : 'numeric or categorical'} for "${col.name}", or fix the value.`,
    );
  }
  return importError(
    `Line ${line}, column "${col.name}": more than ${MAX_CATEGORICAL_LEVELS} distinct values (the ${MAX_CATEGORICAL_LEVELS + 1}st is ${showValue(label)}); ` +
      `choose type text or identifier for it`,
    `A categorical column may have at most ${MAX_CATEGORICAL_LEVELS} levels: choose type text or identifier for "${col.name}", or ignore it.`,
  );
}

function nothingToImpute(col: PlannedColumn): AppError {
  return importError(
    `Column "${col.name}" has no values at all, so there is nothing to impute from`,
    `Ignore column "${col.name}".`,
  );
}

/** Sortable unsigned key of a float32's bits: keys order as the floats do. */
function f32Key(bits: number): number {
  return (bits & 0x80000000) !== 0 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
}
const KEY_U32 = new Uint32Array(1);
const KEY_F32 = new Float32Array(KEY_U32.buffer);
function keyToF32(key: number): number {
  KEY_U32[0] = (key & 0x80000000) !== 0 ? key & 0x7fffffff : ~key >>> 0;
  return KEY_F32[0] as number;
}

/**
 * Exact medians of the observed (non-NaN) values of float columns `cols` in the temporary block file, by radix
 * selection on the float bits: one pass counts the high 16 bits, a second the low 16 bits inside the bins holding the
 * two middle ranks, ⌊(n−1)/2⌋ and ⌊n/2⌋ (n = observed values). Memory: 3 × 256 KB per column, 32 columns a group.
 */
async function blockMedians(
  cols: number[],
  observed: Float64Array,
  R: number,
  blocks: number,
  block: Float32Array,
  readBlock: (b: number) => number,
  signal: AbortSignal | undefined,
): Promise<number[]> {
  const bits = new Uint32Array(block.buffer, block.byteOffset, block.length);
  const out: number[] = [];
  const GROUP = 32;
  for (let g = 0; g < cols.length; g += GROUP) {
    const group = cols.slice(g, g + GROUP);
    const hi = group.map(() => new Uint32Array(65536));
    for (let b = 0; b < blocks; b++) {
      if (signal?.aborted) throw cancelledError();
      const inBlock = readBlock(b);
      group.forEach((k, gi) => {
        const h = hi[gi] as Uint32Array;
        for (let i = k * R, end = k * R + inBlock; i < end; i++) {
          const v = block[i] as number;
          if (v === v) h[f32Key(bits[i] as number) >>> 16]! += 1;
        }
      });
      if (b % 8 === 7) await new Promise<void>((r) => setImmediate(r));
    }
    // For each column: the high bin and the rank inside it of both middle values.
    const targets = group.map((k, gi) => {
      const n = observed[k] as number;
      const ranks = [Math.floor((n - 1) / 2), Math.floor(n / 2)];
      const h = hi[gi] as Uint32Array;
      return ranks.map((r) => {
        let cum = 0;
        for (let bin = 0; bin < 65536; bin++) {
          const c = h[bin] as number;
          if (r < cum + c) return { bin, rank: r - cum };
          cum += c;
        }
        throw new Error(`median rank ${r} beyond the ${cum} observed values of a column`);
      });
    });
    const lo = targets.map((t) => t.map(() => new Uint32Array(65536)));
    for (let b = 0; b < blocks; b++) {
      if (signal?.aborted) throw cancelledError();
      const inBlock = readBlock(b);
      group.forEach((k, gi) => {
        const tg = targets[gi]!;
        const lg = lo[gi]!;
        const t0 = tg[0]!;
        const t1 = tg[1]!;
        const l0 = lg[0]!;
        const l1 = lg[1]!;
        for (let i = k * R, end = k * R + inBlock; i < end; i++) {
          const v = block[i] as number;
          if (v !== v) continue;
          const key = f32Key(bits[i] as number);
          const top = key >>> 16;
          if (top === t0.bin) l0[key & 0xffff]! += 1;
          if (top === t1.bin) l1[key & 0xffff]! += 1;
        }
      });
      if (b % 8 === 7) await new Promise<void>((r) => setImmediate(r));
    }
    group.forEach((_, gi) => {
      const vals = (targets[gi] as { bin: number; rank: number }[]).map((t, ti) => {
        const l = (lo[gi] as Uint32Array[])[ti] as Uint32Array;
        let cum = 0;
        for (let low = 0; low < 65536; low++) {
          const c = l[low] as number;
          if (t.rank < cum + c) return keyToF32(((t.bin << 16) | low) >>> 0);
          cum += c;
        }
        throw new Error('median bin is short of values');
      });
      out.push(((vals[0] as number) + (vals[1] as number)) / 2);
    });
  }
  return out;
}
