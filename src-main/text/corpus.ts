/**
 * A prepared corpus (engine/models/lda/corpus.ts, the CSR form LDA fits) on disk.
 *
 * On disk (`saveCorpus`): a folder with meta.json (format, sizes, vocabulary, options, report) and little-endian
 * binary arrays docPtr.u32, wordIds.u32, counts.f32, and when present seqPtr.u32, seqIds.u32, termFrequency.f64,
 * docFrequency.u32. `loadCorpus` reads them straight into SharedArrayBuffers so worker threads share them uncopied;
 * `loadCorpusRows` reads only some documents (e.g. the held-out ones, with their sequences) by positioned reads.
 * `U32FileWriter` / `U32FileReader` stream such arrays through a fixed 256 KiB buffer, so streaming preparation
 * (prepare.ts `prepareCorpusToDir`) writes a corpus of any size without holding it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppError } from '../../src-shared/ipc/app-error';
import { type Corpus, numDocs } from '../engine/models/lda/corpus';

export const CORPUS_FORMAT = 'elbo-studio/corpus';
export const CORPUS_VERSION = 1;

/** Checks the CSR invariants; throws an AppError naming the first violation. */
export function validateCorpus(c: Corpus): void {
  const D = numDocs(c);
  const V = c.vocabulary.length;
  const bad = (m: string): never => {
    throw new AppError('BAD_REQUEST', `Invalid corpus: ${m}`, 'Prepare the corpus again from the text column');
  };
  if (D < 0 || c.docPtr[0] !== 0) bad('docPtr must start at 0');
  if (c.docPtr[D] !== c.wordIds.length) bad(`docPtr ends at ${c.docPtr[D]} but there are ${c.wordIds.length} entries`);
  if (c.counts.length !== c.wordIds.length) bad(`${c.counts.length} counts for ${c.wordIds.length} word ids`);
  for (let d = 0; d < D; d++) if (c.docPtr[d + 1]! < c.docPtr[d]!) bad(`docPtr decreases at document ${d}`);
  for (let i = 0; i < c.wordIds.length; i++) {
    if (c.wordIds[i]! >= V) bad(`word id ${c.wordIds[i]} ≥ vocabulary size ${V}`);
    if (!(c.counts[i]! >= 0)) bad(`count ${c.counts[i]} at entry ${i}`);
  }
}

export interface CorpusMeta {
  format: string;
  version: number;
  endianness: 'LE' | 'BE';
  documents: number;
  nnz: number;
  tokensInSequences: number | null;
  vocabulary: string[];
  options: unknown;
  report: unknown;
  files: string[];
}

function writeArray(file: string, a: Uint32Array | Float32Array | Float64Array): void {
  fs.writeFileSync(file, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** Writes meta.json, last: a folder without it is an interrupted write, which loadCorpus rejects. */
export function writeCorpusMeta(dir: string, meta: Omit<CorpusMeta, 'format' | 'version' | 'endianness'>): void {
  const full: CorpusMeta = { format: CORPUS_FORMAT, version: CORPUS_VERSION, endianness: os.endianness(), ...meta };
  fs.writeFileSync(path.join(dir, 'meta.json.tmp'), JSON.stringify(full));
  fs.renameSync(path.join(dir, 'meta.json.tmp'), path.join(dir, 'meta.json'));
}

const IO_ELEMENTS = 1 << 16; // 256 KiB of 4-byte elements per buffer

/** Appends 4-byte elements (u32, or f32 with `float`) to a file through a fixed buffer; `close()` flushes. */
export class U32FileWriter {
  private readonly buf: Uint32Array | Float32Array;
  private n = 0;
  private fd: number;
  /** Elements written so far (flushed or buffered). */
  length = 0;
  constructor(file: string, float = false) {
    this.buf = float ? new Float32Array(IO_ELEMENTS) : new Uint32Array(IO_ELEMENTS);
    this.fd = fs.openSync(file, 'w');
  }
  push(v: number): void {
    if (this.n === IO_ELEMENTS) this.flush();
    this.buf[this.n++] = v;
    this.length++;
  }
  private flush(): void {
    const bytes = new Uint8Array(this.buf.buffer, 0, this.n * 4);
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(this.fd, bytes, off, bytes.length - off);
    this.n = 0;
  }
  close(): void {
    if (this.fd < 0) return;
    this.flush();
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** Reads a file of u32 elements in order through a fixed buffer (`next()` past the end throws). */
export class U32FileReader {
  private readonly buf = new Uint32Array(IO_ELEMENTS);
  private n = 0;
  private i = 0;
  private pos = 0;
  private fd: number;
  constructor(file: string) {
    this.fd = fs.openSync(file, 'r');
  }
  next(): number {
    if (this.i === this.n) this.fill();
    return this.buf[this.i++]!;
  }
  private fill(): void {
    const bytes = new Uint8Array(this.buf.buffer);
    let got = 0;
    // Whole elements only: a short read is continued until a multiple of 4 bytes (or the end of the file).
    for (;;) {
      const r = fs.readSync(this.fd, bytes, got, bytes.length - got, this.pos + got);
      got += r;
      if (r <= 0 || got % 4 === 0) break;
    }
    if (got < 4) throw new RangeError(`Read past the end of a ${this.pos}-byte token file`);
    this.pos += got;
    this.n = got >>> 2;
    this.i = 0;
  }
  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** Writes the corpus into `dir` (created if needed): meta.json plus binary arrays (see the file header). */
export function saveCorpus(dir: string, c: Corpus): void {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = ['docPtr.u32', 'wordIds.u32', 'counts.f32'];
  writeArray(path.join(dir, 'docPtr.u32'), c.docPtr);
  writeArray(path.join(dir, 'wordIds.u32'), c.wordIds);
  writeArray(path.join(dir, 'counts.f32'), c.counts);
  if (c.seqPtr && c.seqIds) {
    writeArray(path.join(dir, 'seqPtr.u32'), c.seqPtr);
    writeArray(path.join(dir, 'seqIds.u32'), c.seqIds);
    files.push('seqPtr.u32', 'seqIds.u32');
  }
  if (c.termFrequency) {
    writeArray(path.join(dir, 'termFrequency.f64'), c.termFrequency);
    files.push('termFrequency.f64');
  }
  if (c.docFrequency) {
    writeArray(path.join(dir, 'docFrequency.u32'), c.docFrequency);
    files.push('docFrequency.u32');
  }
  writeCorpusMeta(dir, {
    documents: numDocs(c),
    nnz: c.wordIds.length,
    tokensInSequences: c.seqIds ? c.seqIds.length : null,
    vocabulary: c.vocabulary,
    options: c.options ?? null,
    report: c.report ?? null,
    files,
  });
}

function readShared<T extends Uint32Array | Float32Array | Float64Array>(
  file: string,
  Ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
  expectLength: number,
): T {
  const size = fs.statSync(file).size;
  if (size !== expectLength * Ctor.BYTES_PER_ELEMENT) {
    throw new AppError(
      'BAD_REQUEST',
      `Corpus file ${path.basename(file)} has ${size} bytes, expected ${expectLength * Ctor.BYTES_PER_ELEMENT}`,
      'The stored corpus is damaged; prepare it again',
    );
  }
  const sab = new SharedArrayBuffer(size);
  const bytes = new Uint8Array(sab);
  const fd = fs.openSync(file, 'r');
  try {
    let off = 0;
    while (off < size) {
      const n = fs.readSync(fd, bytes, off, size - off, off);
      if (n <= 0) break;
      off += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return new Ctor(sab);
}

function readMeta(dir: string): Partial<CorpusMeta> {
  const metaFile = path.join(dir, 'meta.json');
  if (!fs.existsSync(metaFile)) {
    throw new AppError(
      'NOT_FOUND',
      `No prepared corpus in ${dir} (meta.json missing)`,
      'Prepare the text column first',
    );
  }
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Partial<CorpusMeta>;
  if (meta.format !== CORPUS_FORMAT || meta.version !== CORPUS_VERSION) {
    throw new AppError(
      'UNSUPPORTED',
      `Unsupported corpus format ${String(meta.format)} v${String(meta.version)}; expected ${CORPUS_FORMAT} v${CORPUS_VERSION}`,
      'Prepare the corpus again with this version',
    );
  }
  if (meta.endianness !== os.endianness()) {
    throw new AppError('UNSUPPORTED', `Corpus was written on a ${meta.endianness} machine`, 'Prepare it again here');
  }
  return meta;
}

/**
 * Reads a corpus written by `saveCorpus`, into SharedArrayBuffers; validates it. `{ sequences: false }` leaves the
 * token sequences on disk (only held-out completion needs them; 4 bytes a token).
 */
export function loadCorpus(dir: string, opts: { sequences?: boolean } = {}): Corpus {
  const meta = readMeta(dir);
  const D = meta.documents ?? 0;
  const nnz = meta.nnz ?? 0;
  const V = (meta.vocabulary ?? []).length;
  const files = new Set(meta.files ?? []);
  const c: Corpus = {
    vocabulary: meta.vocabulary ?? [],
    docPtr: readShared(path.join(dir, 'docPtr.u32'), Uint32Array, D + 1),
    wordIds: readShared(path.join(dir, 'wordIds.u32'), Uint32Array, nnz),
    counts: readShared(path.join(dir, 'counts.f32'), Float32Array, nnz),
    options: meta.options,
    report: meta.report,
  };
  if (opts.sequences !== false && files.has('seqPtr.u32') && meta.tokensInSequences != null) {
    c.seqPtr = readShared(path.join(dir, 'seqPtr.u32'), Uint32Array, D + 1);
    c.seqIds = readShared(path.join(dir, 'seqIds.u32'), Uint32Array, meta.tokensInSequences);
  }
  if (files.has('termFrequency.f64'))
    c.termFrequency = readShared(path.join(dir, 'termFrequency.f64'), Float64Array, V);
  if (files.has('docFrequency.u32')) c.docFrequency = readShared(path.join(dir, 'docFrequency.u32'), Uint32Array, V);
  validateCorpus(c);
  return c;
}

/** Reads `count` elements of a 4-byte-element file from element `from` into `out` at `at`. */
function readRange(fd: number, out: Uint32Array | Float32Array, at: number, from: number, count: number): void {
  const bytes = new Uint8Array(out.buffer, out.byteOffset + at * 4, count * 4);
  let off = 0;
  while (off < bytes.length) {
    const n = fs.readSync(fd, bytes, off, bytes.length - off, from * 4 + off);
    if (n <= 0)
      throw new AppError('BAD_REQUEST', `Corpus file ended early at byte ${from * 4 + off}`, 'Prepare it again');
    off += n;
  }
}

/**
 * The documents `rows` (in that order) of the corpus stored in `dir`, read by positioned reads: the same result as
 * `subsetCorpus(loadCorpus(dir), rows)` (with sequences when stored) without loading the whole corpus — e.g. the
 * held-out documents, whose token sequences are the only ones a fit needs.
 */
export function loadCorpusRows(dir: string, rows: ArrayLike<number>): Corpus {
  const meta = readMeta(dir);
  const D = meta.documents ?? 0;
  const files = new Set(meta.files ?? []);
  const hasSeq = files.has('seqPtr.u32') && meta.tokensInSequences != null;
  const R = rows.length;
  for (let i = 0; i < R; i++) {
    const d = rows[i]!;
    if (!(Number.isInteger(d) && d >= 0 && d < D)) throw new RangeError(`Expected rows in [0, ${D}), got ${d}`);
  }
  const open = (f: string): number => fs.openSync(path.join(dir, f), 'r');
  const ptrOf = (fd: number): Uint32Array => {
    const p = new Uint32Array(2 * R);
    const two = new Uint32Array(2);
    for (let i = 0; i < R; i++) {
      readRange(fd, two, 0, rows[i]!, 2);
      p[2 * i] = two[0]!;
      p[2 * i + 1] = two[1]!;
    }
    return p;
  };
  const part = (
    ptrFile: string,
    pairs: Array<[string, Uint32ArrayConstructor | Float32ArrayConstructor]>,
  ): { ptr: Uint32Array; arrays: Array<Uint32Array | Float32Array> } => {
    const fp = open(ptrFile);
    let spans: Uint32Array;
    try {
      spans = ptrOf(fp);
    } finally {
      fs.closeSync(fp);
    }
    const ptr = new Uint32Array(R + 1);
    for (let i = 0; i < R; i++) ptr[i + 1] = ptr[i]! + (spans[2 * i + 1]! - spans[2 * i]!);
    const arrays = pairs.map(([f, Ctor]) => {
      const out = new Ctor(ptr[R]!);
      const fd = open(f);
      try {
        for (let i = 0; i < R; i++) readRange(fd, out, ptr[i]!, spans[2 * i]!, ptr[i + 1]! - ptr[i]!);
      } finally {
        fs.closeSync(fd);
      }
      return out;
    });
    return { ptr, arrays };
  };
  const csr = part('docPtr.u32', [
    ['wordIds.u32', Uint32Array],
    ['counts.f32', Float32Array],
  ]);
  const c: Corpus = {
    vocabulary: meta.vocabulary ?? [],
    docPtr: csr.ptr,
    wordIds: csr.arrays[0] as Uint32Array,
    counts: csr.arrays[1] as Float32Array,
  };
  if (hasSeq) {
    const seq = part('seqPtr.u32', [['seqIds.u32', Uint32Array]]);
    c.seqPtr = seq.ptr;
    c.seqIds = seq.arrays[0] as Uint32Array;
  }
  validateCorpus(c);
  return c;
}
