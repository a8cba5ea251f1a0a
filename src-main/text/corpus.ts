/**
 * A prepared corpus (engine/models/lda/corpus.ts, the CSR form LDA fits) on disk.
 *
 * On disk (`saveCorpus`): a folder with meta.json (format, sizes, vocabulary, options, report) and little-endian
 * binary arrays docPtr.u32, wordIds.u32, counts.f32, and when present seqPtr.u32, seqIds.u32, termFrequency.f64,
 * docFrequency.u32. `loadCorpus` reads them straight into SharedArrayBuffers so worker threads share them uncopied.
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

interface CorpusMeta {
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
  const meta: CorpusMeta = {
    format: CORPUS_FORMAT,
    version: CORPUS_VERSION,
    endianness: os.endianness(),
    documents: numDocs(c),
    nnz: c.wordIds.length,
    tokensInSequences: c.seqIds ? c.seqIds.length : null,
    vocabulary: c.vocabulary,
    options: c.options ?? null,
    report: c.report ?? null,
    files,
  };
  // meta.json last: a folder without it is an interrupted write, which loadCorpus rejects.
  fs.writeFileSync(path.join(dir, 'meta.json.tmp'), JSON.stringify(meta));
  fs.renameSync(path.join(dir, 'meta.json.tmp'), path.join(dir, 'meta.json'));
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

/**
 * Reads a corpus written by `saveCorpus`, into SharedArrayBuffers; validates it. `{ sequences: false }` leaves the
 * token sequences on disk (only held-out completion needs them; 4 bytes a token).
 */
export function loadCorpus(dir: string, opts: { sequences?: boolean } = {}): Corpus {
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
