/**
 * Text preparation: a text column → a sparse document-term corpus (see corpus.ts), in one streaming pass.
 *
 * Tokenising (per cell): NFKC normalisation, lower-casing, tokens = maximal runs of Unicode letters and combining
 * marks (/[\p{L}\p{M}]+/u, so digits and punctuation separate tokens: "naïve", "größe", "данные" stay whole; in
 * English, letters joined by an apostrophe stay one token — "don't", "we'll" — and a possessive 's is cut), then
 * tokens shorter than `minTokenLength` code points and stop words are dropped; with `bigrams`, each pair of tokens
 * adjacent after that filtering also becomes a token "w1_w2" (scikit-learn's ngram_range=(1, 2) convention).
 * Vocabulary (scikit-learn's CountVectorizer rules): keep words whose document frequency df satisfies
 * df ≥ minDf (a count when ≥ 1, else a fraction of all documents, rounded up) and df ≤ maxDf (a fraction when ≤ 1, else a
 * count); then keep the `maxVocab` words of largest corpus frequency (ties: code-point order); sorted in code-point order.
 * With a fixed `vocabulary` (to map held-out or new documents onto a fitted model) the df rules are skipped and
 * out-of-vocabulary tokens are counted.
 * Memory: the cells are consumed one at a time and only word ids are kept, never the strings. Two passes: pass 1
 * tokenises, counts df and tf per candidate word and writes provisional word ids (4 bytes a token); after the
 * vocabulary rules, pass 2 reads those ids back in order and writes the CSR arrays and sequences. `prepareCorpus`
 * keeps every array in memory (a corpus of N tokens peaks near 4N + 8·nnz bytes); `prepareCorpusToDir` streams the
 * provisional ids and every output array through fixed file buffers (corpus.ts U32FileWriter/Reader), so it holds
 * only per-word counts and per-document offsets (~16 bytes a document): a million documents prepare in tens of MB.
 */
import type { TextPreview } from '../../src-shared/domain/lda';
import { AppError } from '../../src-shared/ipc/app-error';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Corpus } from '../engine/models/lda/corpus';
import { U32FileReader, U32FileWriter, writeCorpusMeta } from './corpus';
import { stopWordsFor } from './stopwords';
import { DEFAULT_TEXT_PREP_SPEC } from '../../src-shared/schemas/run-spec';

/** Growable typed-array builder (amortised doubling) so preparation streams without per-token objects. */
class GrowU32 {
  data: Uint32Array;
  length = 0;
  constructor(cap = 1024) {
    this.data = new Uint32Array(Math.max(16, cap));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const n = new Uint32Array(this.data.length * 2);
      n.set(this.data);
      this.data = n;
    }
    this.data[this.length++] = v;
  }
  /** The filled part without a copy (shares the buffer). */
  view(): Uint32Array {
    return this.data.subarray(0, this.length);
  }
}

/** Writes u32s over an existing array from its start (the sequences over the provisional ids they are read from). */
class InPlaceU32 {
  length = 0;
  constructor(readonly data: Uint32Array) {}
  push(v: number): void {
    this.data[this.length++] = v;
  }
}

/** Reads an array in order (the in-memory counterpart of U32FileReader). */
class ArrayReader {
  private i = 0;
  constructor(private readonly data: Uint32Array) {}
  next(): number {
    return this.data[this.i++]!;
  }
  close(): void {}
}

/** Where the passes put their arrays: in memory (prepareCorpus) or in files (prepareCorpusToDir). */
interface Sink {
  push(v: number): void;
  readonly length: number;
}
interface PrepIO {
  /** Pass 1: provisional word ids, every token in order. */
  tokens: Sink;
  /** Called once after pass 1: a reader of what `tokens` received, in order, and pass 2's outputs (the sequences
   * only with keepOrder). */
  pass2(keepOrder: boolean): {
    read: { next(): number; close(): void };
    wordIds: Sink;
    counts: Sink;
    seqIds: Sink | null;
  };
}

/** As GrowU32, for float32 counts. */
class GrowF32 {
  data: Float32Array;
  length = 0;
  constructor(cap = 1024) {
    this.data = new Float32Array(Math.max(16, cap));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const n = new Float32Array(this.data.length * 2);
      n.set(this.data);
      this.data = n;
    }
    this.data[this.length++] = v;
  }
  view(): Float32Array {
    return this.data.subarray(0, this.length);
  }
}

export interface TextPrepOptions {
  /** Stop-word language: ISO 639-1 code ('en', 'de' …), a `stopword` package name ('eng'), or 'none'. */
  language: string;
  extraStopWords: string[];
  /** Minimum token length in code points. */
  minTokenLength: number;
  /** Minimum document frequency: a count when ≥ 1, a fraction of documents when < 1. */
  minDf: number;
  /** Maximum document frequency: a fraction of documents when ≤ 1, a count when > 1. */
  maxDf: number;
  /** Vocabulary cap (most frequent words kept). */
  maxVocab: number;
  bigrams: boolean;
  /** Keep each document's token sequence (needed for held-out document completion). Default true. */
  keepOrder?: boolean;
  /** A fixed vocabulary (e.g. a fitted model's): df rules and the cap are skipped. */
  vocabulary?: string[];
}

export const DEFAULT_TEXT_PREP: TextPrepOptions = { ...DEFAULT_TEXT_PREP_SPEC, keepOrder: true };

/** The preparation report (documents, empty ones, tokens dropped by each rule, vocabulary, lengths, top words); the
 * shape is shared with the UI as TextPreview. */
export type TextPrepReport = TextPreview;

export interface TextPrepProgress {
  documents: number;
  phase: 'tokenising' | 'building';
}

/** Thrown for inputs that cannot make a corpus; `reason` lets a caller branch, `hint` names the fix. */
export class TextPrepError extends AppError {
  readonly reason: 'NO_TEXT' | 'NOT_TEXT' | 'NO_VOCABULARY';
  constructor(reason: TextPrepError['reason'], message: string, hint: string) {
    super('BAD_REQUEST', message, hint);
    this.name = 'TextPrepError';
    this.reason = reason;
  }
}

const TOKEN_RE = /[\p{L}\p{M}]+/gu;
/** English: a word with its contraction or possessive kept together ("don't", "we'll", "dog's"), ' or ’. */
const TOKEN_APOSTROPHE_RE = /[\p{L}\p{M}]+(?:['\u2019][\p{L}\p{M}]+)*/gu;
const POSSESSIVE_RE = /'s$/;

/** Languages whose tokens keep their apostrophes (the contraction stop words of stopwords.ts are English). */
export function keepsContractions(language: string): boolean {
  const l = language.trim().toLowerCase();
  return l === 'en' || l === 'eng';
}
const HAS_LETTER = /\p{L}/u;
const SURROGATE = /[\uD800-\uDFFF]/;

function codePointLength(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Tokens of one text (see the file header for the rules); counters, when given, accumulate what was dropped.
 * Bigrams are not added here (prepareCorpus adds them).
 */
export function tokenize(
  text: string,
  opts: { minTokenLength: number; stopWords: ReadonlySet<string>; contractions?: boolean },
  counters?: { raw: number; short: number; stop: number },
): string[] {
  const out: string[] = [];
  const lower = text.normalize('NFKC').toLowerCase();
  for (const m of lower.matchAll(opts.contractions ? TOKEN_APOSTROPHE_RE : TOKEN_RE)) {
    let t = m[0];
    // English: "don't" stays one word (a stop word) instead of the fragments "don" + "t"; a possessive 's is cut
    // ("dog's" → "dog", "it's" → "it", a stop word).
    if (opts.contractions && t.length > 1) t = t.replace(/\u2019/g, "'").replace(POSSESSIVE_RE, '');
    if (counters) counters.raw++;
    if (t.length < opts.minTokenLength || codePointLength(t) < opts.minTokenLength) {
      if (counters) counters.short++;
      continue;
    }
    if (opts.stopWords.has(t)) {
      if (counters) counters.stop++;
      continue;
    }
    out.push(t);
  }
  return out;
}

function checkOptions(o: TextPrepOptions): void {
  const bad = (m: string, hint: string): never => {
    throw new AppError('BAD_REQUEST', m, hint);
  };
  if (!(Number.isInteger(o.minTokenLength) && o.minTokenLength >= 1)) {
    bad(`Expected minTokenLength to be an integer ≥ 1, got ${o.minTokenLength}`, 'Use 1–4 (3 is usual)');
  }
  if (!(o.minDf > 0))
    bad(`Expected minDf > 0 (a count ≥ 1 or a fraction < 1), got ${o.minDf}`, 'Use 1 to keep every word');
  if (!(o.maxDf > 0)) bad(`Expected maxDf > 0 (a fraction ≤ 1 or a count), got ${o.maxDf}`, 'Use 1 to keep every word');
  if (!(Number.isInteger(o.maxVocab) && o.maxVocab >= 1)) {
    bad(`Expected maxVocab to be an integer ≥ 1, got ${o.maxVocab}`, 'Use e.g. 10000');
  }
}

function isAsyncIterable(x: unknown): x is AsyncIterable<string | null | undefined> {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x;
}

type Cells = Iterable<string | null | undefined> | AsyncIterable<string | null | undefined>;

/** What both passes leave besides the big arrays (those went to the PrepIO sinks). */
interface Prepared {
  vocabulary: string[];
  docPtr: Uint32Array;
  seqPtr: Uint32Array | null;
  termFrequency: Float64Array;
  docFrequency: Uint32Array;
  report: TextPrepReport;
  /** The options as stored with the corpus (without a fixed vocabulary's words). */
  options: unknown;
}

/** The two passes (see the file header), the big arrays going through `io`. */
async function prepare(
  docs: Cells,
  options: Partial<TextPrepOptions>,
  onProgress: ((p: TextPrepProgress) => void) | undefined,
  io: PrepIO,
): Promise<Prepared> {
  const o: TextPrepOptions = { ...DEFAULT_TEXT_PREP, ...options };
  checkOptions(o);
  const keepOrder = o.keepOrder !== false;
  const stopWords = stopWordsFor(o.language, o.extraStopWords);
  const contractions = keepsContractions(o.language);
  const fixed = o.vocabulary ? new Map(o.vocabulary.map((w, i) => [w, i] as const)) : null;

  // Pass 1 (streaming): provisional dictionary, token ids per document, df and tf.
  const dict = new Map<string, number>();
  const words: string[] = [];
  let df = new Uint32Array(1024);
  let tf = new Float64Array(1024);
  let lastDoc = new Int32Array(1024).fill(-1);
  const tokPtr = new GrowU32(1024);
  tokPtr.push(0);
  const tokIds = io.tokens;
  const counters = { raw: 0, short: 0, stop: 0 };
  let blank = 0;
  let noLetters = 0;
  let bigramTokens = 0;
  let outOfVocabulary = 0;
  const noLetterExamples: string[] = [];
  let D = 0;

  const idOf = (w: string): number => {
    let id = dict.get(w);
    if (id === undefined) {
      id = words.length;
      dict.set(w, id);
      words.push(w);
      if (id >= df.length) {
        const n = df.length * 2;
        const df2 = new Uint32Array(n);
        df2.set(df);
        df = df2;
        const tf2 = new Float64Array(n);
        tf2.set(tf);
        tf = tf2;
        const l2 = new Int32Array(n).fill(-1);
        l2.set(lastDoc);
        lastDoc = l2;
      }
    }
    return id;
  };
  const addToken = (w: string, d: number): void => {
    if (fixed && !fixed.has(w)) {
      outOfVocabulary++;
      return;
    }
    const id = idOf(w);
    tokIds.push(id);
    tf[id]! += 1;
    if (lastDoc[id] !== d) {
      lastDoc[id] = d;
      df[id]! += 1;
    }
  };

  const consume = (cell: string | null | undefined): void => {
    const d = D++;
    const text = typeof cell === 'string' ? cell : cell == null ? '' : String(cell);
    if (text.trim() === '') {
      blank++;
    } else {
      if (!HAS_LETTER.test(text)) {
        noLetters++;
        if (noLetterExamples.length < 3) noLetterExamples.push(text.length > 40 ? `${text.slice(0, 40)}…` : text);
      }
      const toks = tokenize(text, { minTokenLength: o.minTokenLength, stopWords, contractions }, counters);
      for (const t of toks) addToken(t, d);
      if (o.bigrams) {
        for (let i = 1; i < toks.length; i++) {
          const before = tokIds.length;
          addToken(`${toks[i - 1]!}_${toks[i]!}`, d);
          bigramTokens += tokIds.length - before;
        }
      }
    }
    tokPtr.push(tokIds.length);
    if (onProgress && D % 1000 === 0) onProgress({ documents: D, phase: 'tokenising' });
  };

  if (isAsyncIterable(docs)) {
    for await (const cell of docs) consume(cell);
  } else {
    for (const cell of docs) consume(cell);
  }

  const nonBlank = D - blank;
  if (D === 0 || nonBlank === 0) {
    throw new TextPrepError(
      'NO_TEXT',
      D === 0 ? 'The text column has no rows' : `All ${D} text cells are empty`,
      'Choose the column that holds the documents',
    );
  }
  if (noLetters / nonBlank > 0.5) {
    throw new TextPrepError(
      'NOT_TEXT',
      `This column does not look like text: ${noLetters} of ${nonBlank} non-empty cells contain no letters ` +
        `(e.g. ${noLetterExamples.map((e) => JSON.stringify(e)).join(', ')})`,
      'Choose a column of free text for topic modelling',
    );
  }

  // Vocabulary.
  const nWords = words.length;
  const minDfCount = fixed ? 0 : o.minDf >= 1 ? Math.ceil(o.minDf) : Math.ceil(o.minDf * D);
  const maxDfCount = fixed ? Number.POSITIVE_INFINITY : o.maxDf <= 1 ? Math.floor(o.maxDf * D) : Math.floor(o.maxDf);
  let droppedByDf = 0;
  let droppedByCap = 0;
  let kept: number[] = [];
  if (fixed) {
    kept = Array.from({ length: nWords }, (_, i) => i);
  } else {
    for (let i = 0; i < nWords; i++) {
      if (df[i]! >= minDfCount && df[i]! <= maxDfCount) kept.push(i);
      else droppedByDf += tf[i]!;
    }
    if (kept.length > o.maxVocab) {
      kept.sort((a, b) => tf[b]! - tf[a]! || (words[a]! < words[b]! ? -1 : 1));
      for (let i = o.maxVocab; i < kept.length; i++) droppedByCap += tf[kept[i]!]!;
      kept = kept.slice(0, o.maxVocab);
    }
  }
  let vocabulary: string[];
  const remap = new Int32Array(nWords).fill(-1);
  if (fixed && o.vocabulary) {
    vocabulary = o.vocabulary.slice();
    for (let i = 0; i < nWords; i++) remap[i] = fixed.get(words[i]!)!;
  } else {
    kept.sort((a, b) => (words[a]! < words[b]! ? -1 : words[a]! > words[b]! ? 1 : 0));
    vocabulary = kept.map((i) => words[i]!);
    kept.forEach((i, j) => {
      remap[i] = j;
    });
  }
  const V = vocabulary.length;
  if (fixed && tokIds.length === 0) {
    throw new TextPrepError(
      'NO_VOCABULARY',
      `None of the ${counters.raw} tokens of these ${D} documents is in the model's vocabulary of ${V} words ` +
        `(${counters.stop} were stop words, ${outOfVocabulary} out of vocabulary)`,
      'Use documents in the language and domain the model was fitted on',
    );
  }
  if (V === 0) {
    const allStop = counters.raw > 0 && counters.stop + counters.short === counters.raw;
    if (allStop) {
      throw new TextPrepError(
        'NO_VOCABULARY',
        `Every token is a stop word or too short: ${counters.stop} stop words and ${counters.short} tokens shorter ` +
          `than ${o.minTokenLength} letters out of ${counters.raw} (language "${o.language}", ` +
          `${o.extraStopWords.length} extra stop words)`,
        'Choose another stop-word language or "none", remove extra stop words, or lower the minimum token length',
      );
    }
    throw new TextPrepError(
      'NO_VOCABULARY',
      `No word passes the filters: ${nWords} candidate words, document frequency must be between ${minDfCount} ` +
        `and ${maxDfCount} of ${D} documents`,
      'Lower minDf (e.g. 1) or raise maxDf (e.g. 1) — the corpus may be too small for these settings',
    );
  }

  // Pass 2: CSR (unique words ascending per document) and optional sequences, from the provisional ids read back in
  // order.
  onProgress?.({ documents: D, phase: 'building' });
  const docPtr = new Uint32Array(D + 1);
  const { read, wordIds: outIds, counts: outCounts, seqIds } = io.pass2(keepOrder);
  const seqPtr = seqIds ? new Uint32Array(D + 1) : null;
  const scratch = new Float64Array(V);
  const termFrequency = new Float64Array(V);
  const docFrequency = new Uint32Array(V);
  const lengths = new Float64Array(D);
  const emptyIdx: number[] = [];
  let empty = 0;
  let tokens = 0;
  const ptr = tokPtr.data;
  const touched: number[] = [];
  try {
    for (let d = 0; d < D; d++) {
      touched.length = 0;
      for (let i = ptr[d]!; i < ptr[d + 1]!; i++) {
        const w = remap[read.next()]!;
        if (w < 0) continue;
        if (scratch[w] === 0) touched.push(w);
        scratch[w]! += 1;
        if (seqIds) seqIds.push(w);
      }
      touched.sort((a, b) => a - b);
      let len = 0;
      for (const w of touched) {
        const c = scratch[w]!;
        outIds.push(w);
        outCounts.push(c);
        termFrequency[w]! += c;
        docFrequency[w]! += 1;
        len += c;
        scratch[w] = 0;
      }
      docPtr[d + 1] = outIds.length;
      if (seqPtr && seqIds) seqPtr[d + 1] = seqIds.length;
      lengths[d] = len;
      tokens += len;
      if (len === 0) {
        empty++;
        if (emptyIdx.length < 1000) emptyIdx.push(d);
      }
    }
  } finally {
    read.close();
  }

  const sorted = lengths.slice().sort();
  const q = (p: number): number => sorted[Math.min(D - 1, Math.floor(p * (D - 1) + 0.5))]!;
  const hist: TextPrepReport['lengthHistogram'] = [{ from: 0, to: 1, documents: 0 }];
  for (const len of lengths) {
    const bin = len === 0 ? 0 : 1 + Math.floor(Math.log2(len));
    while (hist.length <= bin) {
      const b = hist.length;
      hist.push({ from: 2 ** (b - 1), to: 2 ** b, documents: 0 });
    }
    hist[bin]!.documents++;
  }
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => termFrequency[b]! - termFrequency[a]!);
  const warnings: string[] = [];
  if (empty > 0) warnings.push(`${empty} of ${D} documents are empty after preparation and will be skipped by models`);
  if (noLetters > 0) warnings.push(`${noLetters} cells contain no letters (numbers or codes)`);
  if (outOfVocabulary > 0) warnings.push(`${outOfVocabulary} tokens are outside the fixed vocabulary`);
  if (V < 20) warnings.push(`Only ${V} words in the vocabulary; topics will be coarse`);

  const report: TextPrepReport = {
    documents: D,
    blankDocuments: blank,
    emptyDocuments: empty,
    emptyDocumentIndices: emptyIdx,
    cellsWithoutLetters: noLetters,
    rawTokens: counters.raw,
    droppedByLength: counters.short,
    droppedByStopWords: counters.stop,
    droppedByDocumentFrequency: droppedByDf,
    droppedByVocabularyCap: droppedByCap,
    outOfVocabulary,
    tokens,
    bigramTokens,
    candidateVocabulary: nWords,
    vocabulary: V,
    documentLength: {
      min: sorted[0] ?? 0,
      median: q(0.5),
      mean: tokens / D,
      p90: q(0.9),
      max: sorted[D - 1] ?? 0,
    },
    lengthHistogram: hist,
    topWords: order.slice(0, 50).map((w) => ({
      word: vocabulary[w]!,
      count: termFrequency[w]!,
      documents: docFrequency[w]!,
    })),
    minDfCount,
    maxDfCount: Number.isFinite(maxDfCount) ? maxDfCount : D,
    warnings,
  };
  const { vocabulary: _fixedVocab, ...storedOptions } = o;
  void _fixedVocab;
  return {
    vocabulary,
    docPtr,
    seqPtr,
    termFrequency,
    docFrequency,
    report,
    options: { ...storedOptions, fixedVocabulary: fixed !== null },
  };
}

/**
 * Prepares a corpus in memory from the cells of a text column (a sync or async iterable: a CSV stream's column
 * works). Returns the corpus (rows aligned with the input; empty documents kept as empty rows) and a report. Throws a
 * TextPrepError when there is no text, when the column is mostly not text, or when no word survives the filters.
 * onProgress is called every 1,000 documents. For a whole dataset column use `prepareCorpusToDir` (bounded memory).
 */
export async function prepareCorpus(
  docs: Cells,
  options: Partial<TextPrepOptions> = {},
  onProgress?: (p: TextPrepProgress) => void,
): Promise<{ corpus: Corpus; report: TextPrepReport }> {
  // The sequences are written over the provisional ids in place (each kept token's write position never passes its
  // read position), so the tokens are never held twice.
  const tokens = new GrowU32(1 << 16);
  let out: { wordIds: GrowU32; counts: GrowF32; seqIds: InPlaceU32 | null } | null = null;
  const p = await prepare(docs, options, onProgress, {
    tokens,
    pass2: (keepOrder) => {
      out = {
        wordIds: new GrowU32(tokens.length >>> 1),
        counts: new GrowF32(tokens.length >>> 1),
        seqIds: keepOrder ? new InPlaceU32(tokens.data) : null,
      };
      return { read: new ArrayReader(tokens.data), ...out };
    },
  });
  const o = out as unknown as { wordIds: GrowU32; counts: GrowF32; seqIds: InPlaceU32 | null };
  const corpus: Corpus = {
    vocabulary: p.vocabulary,
    docPtr: p.docPtr,
    wordIds: o.wordIds.view(),
    counts: o.counts.view(),
    termFrequency: p.termFrequency,
    docFrequency: p.docFrequency,
    options: p.options,
    report: p.report,
  };
  if (p.seqPtr && o.seqIds) {
    corpus.seqPtr = p.seqPtr;
    corpus.seqIds = o.seqIds.data.subarray(0, o.seqIds.length);
  }
  return { corpus, report: p.report };
}

/** Counts what it is given and keeps nothing (outputs nobody reads). */
class CountSink {
  length = 0;
  push(): void {
    this.length++;
  }
}

/**
 * Only the preparation report (the form's live preview of a whole column), in bounded memory: the provisional ids go
 * through a temporary file and pass 2's arrays are counted, not kept.
 */
export async function prepareReport(
  docs: Cells,
  options: Partial<TextPrepOptions> = {},
  onProgress?: (p: TextPrepProgress) => void,
): Promise<TextPrepReport> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-prep-'));
  const file = path.join(dir, 'tokens.tmp.u32');
  const tokens = new U32FileWriter(file);
  try {
    const p = await prepare(docs, { ...options, keepOrder: false }, onProgress, {
      tokens,
      pass2: () => {
        tokens.close();
        return { read: new U32FileReader(file), wordIds: new CountSink(), counts: new CountSink(), seqIds: null };
      },
    });
    return p.report;
  } finally {
    tokens.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function writeArray(file: string, a: Uint32Array | Float64Array): void {
  fs.writeFileSync(file, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/**
 * As `prepareCorpus`, but streamed to disk: the corpus is written into `dir` (the format of corpus.ts saveCorpus,
 * read with loadCorpus) and never held in memory — only the per-word counts and per-document offsets are (see the
 * file header). Provisional ids go to a temporary file in `dir`, removed at the end. Returns the report.
 */
export async function prepareCorpusToDir(
  docs: Cells,
  dir: string,
  options: Partial<TextPrepOptions> = {},
  onProgress?: (p: TextPrepProgress) => void,
): Promise<TextPrepReport> {
  fs.mkdirSync(dir, { recursive: true });
  const f = (name: string): string => path.join(dir, name);
  const tokens = new U32FileWriter(f('tokens.tmp.u32'));
  const writers: U32FileWriter[] = [tokens];
  let hasSeq = false;
  try {
    const p = await prepare(docs, options, onProgress, {
      tokens,
      pass2: (keepOrder) => {
        tokens.close();
        const wordIds = new U32FileWriter(f('wordIds.u32'));
        const counts = new U32FileWriter(f('counts.f32'), true);
        const seqIds = keepOrder ? new U32FileWriter(f('seqIds.u32')) : null;
        writers.push(wordIds, counts, ...(seqIds ? [seqIds] : []));
        hasSeq = seqIds !== null;
        return { read: new U32FileReader(f('tokens.tmp.u32')), wordIds, counts, seqIds };
      },
    });
    for (const w of writers) w.close();
    const files = ['docPtr.u32', 'wordIds.u32', 'counts.f32'];
    writeArray(f('docPtr.u32'), p.docPtr);
    if (hasSeq && p.seqPtr) {
      writeArray(f('seqPtr.u32'), p.seqPtr);
      files.push('seqPtr.u32', 'seqIds.u32');
    }
    writeArray(f('termFrequency.f64'), p.termFrequency);
    writeArray(f('docFrequency.u32'), p.docFrequency);
    files.push('termFrequency.f64', 'docFrequency.u32');
    writeCorpusMeta(dir, {
      documents: p.docPtr.length - 1,
      nnz: p.docPtr[p.docPtr.length - 1]!,
      tokensInSequences: hasSeq && p.seqPtr ? p.seqPtr[p.seqPtr.length - 1]! : null,
      vocabulary: p.vocabulary,
      options: p.options,
      report: p.report,
      files,
    });
    return p.report;
  } finally {
    for (const w of writers) w.close();
    fs.rmSync(f('tokens.tmp.u32'), { force: true });
  }
}
