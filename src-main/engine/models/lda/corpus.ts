/**
 * A text corpus in sparse document-term form (compressed sparse rows): what LDA fits and scores. The app's text
 * module (src-main/text) makes it from a CSV column and stores it on disk.
 *
 *   document d's unique words are wordIds[docPtr[d] … docPtr[d+1]) (ascending), with counts[…] occurrences each;
 *   D = docPtr.length − 1 documents, V = vocabulary.length words, nnz = wordIds.length.
 * Documents keep the row order of the input, so row d of any per-document output lines up with row d of the CSV;
 * documents left empty by preparation stay as empty rows (reported, and skipped by the models).
 * Optionally the in-vocabulary token sequence of each document is kept (seqIds[seqPtr[d] … seqPtr[d+1])), which the
 * held-out measure needs: document completion scores the second half of each document's tokens in reading order.
 */

export interface Corpus {
  vocabulary: string[];
  docPtr: Uint32Array;
  wordIds: Uint32Array;
  counts: Float32Array;
  seqPtr?: Uint32Array;
  seqIds?: Uint32Array;
  /** Total count of each vocabulary word in this corpus. */
  termFrequency?: Float64Array;
  /** Number of documents containing each vocabulary word. */
  docFrequency?: Uint32Array;
  /** The preparation options (JSON-serialisable) this corpus was made with. */
  options?: unknown;
  /** The preparation report (JSON-serialisable). */
  report?: unknown;
}

/** Number of documents D. */
export function numDocs(c: Corpus): number {
  return c.docPtr.length - 1;
}

/** Total token count Σ_d Σ_w n_dw. */
export function numTokens(c: Corpus): number {
  let s = 0;
  for (let i = 0; i < c.counts.length; i++) s += c.counts[i]!;
  return s;
}

/** Token count of document d. */
export function docLength(c: Corpus, d: number): number {
  let s = 0;
  for (let i = c.docPtr[d]!; i < c.docPtr[d + 1]!; i++) s += c.counts[i]!;
  return s;
}

/** A corpus from bags of words: bags[d] = [[wordId, count], …] (any order, repeated ids are summed). */
export function corpusFromBags(
  vocabulary: string[],
  bags: ReadonlyArray<ReadonlyArray<readonly [number, number]>>,
): Corpus {
  const V = vocabulary.length;
  const docPtr = new Uint32Array(bags.length + 1);
  const ids: number[] = [];
  const cts: number[] = [];
  bags.forEach((bag, d) => {
    const m = new Map<number, number>();
    for (const [w, c] of bag) {
      if (!(Number.isInteger(w) && w >= 0 && w < V)) throw new RangeError(`Expected word ids in [0, ${V}), got ${w}`);
      if (!(c >= 0)) throw new RangeError(`Expected counts ≥ 0, got ${c}`);
      if (c > 0) m.set(w, (m.get(w) ?? 0) + c);
    }
    for (const w of [...m.keys()].sort((a, b) => a - b)) {
      ids.push(w);
      cts.push(m.get(w)!);
    }
    docPtr[d + 1] = ids.length;
  });
  return { vocabulary, docPtr, wordIds: Uint32Array.from(ids), counts: Float32Array.from(cts) };
}

/** A corpus from token sequences (word ids in reading order); keeps the sequences for document completion. */
export function corpusFromSequences(vocabulary: string[], docs: ReadonlyArray<ArrayLike<number>>): Corpus {
  const seqPtr = new Uint32Array(docs.length + 1);
  docs.forEach((s, d) => (seqPtr[d + 1] = seqPtr[d]! + s.length));
  const seqIds = new Uint32Array(seqPtr[docs.length]!);
  docs.forEach((s, d) => {
    for (let i = 0; i < s.length; i++) {
      const w = s[i]!;
      if (!(Number.isInteger(w) && w >= 0))
        throw new RangeError(`Expected word ids in [0, ${vocabulary.length}), got ${w}`);
      seqIds[seqPtr[d]! + i] = w;
    }
  });
  return corpusFromSequenceArrays(vocabulary, seqPtr, seqIds);
}

/** The documents `rows` of c (in that order), sharing the vocabulary. */
export function subsetCorpus(c: Corpus, rows: ArrayLike<number>): Corpus {
  const D = rows.length;
  const docPtr = new Uint32Array(D + 1);
  let nnz = 0;
  let nseq = 0;
  for (let i = 0; i < D; i++) {
    const d = rows[i]!;
    nnz += c.docPtr[d + 1]! - c.docPtr[d]!;
    if (c.seqPtr) nseq += c.seqPtr[d + 1]! - c.seqPtr[d]!;
  }
  const wordIds = new Uint32Array(nnz);
  const counts = new Float32Array(nnz);
  const seqPtr = c.seqPtr ? new Uint32Array(D + 1) : undefined;
  const seqIds = c.seqPtr ? new Uint32Array(nseq) : undefined;
  let o = 0;
  let s = 0;
  for (let i = 0; i < D; i++) {
    const d = rows[i]!;
    const a = c.docPtr[d]!;
    const b = c.docPtr[d + 1]!;
    wordIds.set(c.wordIds.subarray(a, b), o);
    counts.set(c.counts.subarray(a, b), o);
    o += b - a;
    docPtr[i + 1] = o;
    if (c.seqPtr && c.seqIds && seqPtr && seqIds) {
      const sa = c.seqPtr[d]!;
      const sb = c.seqPtr[d + 1]!;
      seqIds.set(c.seqIds.subarray(sa, sb), s);
      s += sb - sa;
      seqPtr[i + 1] = s;
    }
  }
  const out: Corpus = { vocabulary: c.vocabulary, docPtr, wordIds, counts };
  if (seqPtr && seqIds) {
    out.seqPtr = seqPtr;
    out.seqIds = seqIds;
  }
  return out;
}

/**
 * Document completion split (the held-out protocol of REFERENCE.md; Wallach et al. 2009 "document completion"):
 * for each document with n ≥ 2 in-vocabulary tokens, `observed` holds its first ⌊n/2⌋ tokens in reading order and
 * `scored` the remaining n − ⌊n/2⌋; documents with fewer than 2 tokens get two empty rows (and are not scored).
 * Without stored sequences the tokens are taken in ascending word-id order (documented fallback; reading order is
 * unknown then).
 */
export function completionSplit(c: Corpus): { observed: Corpus; scored: Corpus } {
  const D = numDocs(c);
  // Pass 1: each document's in-vocabulary token count n_d; halves ⌊n/2⌋ and n − ⌊n/2⌋ (0 and 0 when n < 2).
  const len = new Uint32Array(D);
  for (let d = 0; d < D; d++) {
    let n = 0;
    if (c.seqPtr && c.seqIds) n = c.seqPtr[d + 1]! - c.seqPtr[d]!;
    else for (let i = c.docPtr[d]!; i < c.docPtr[d + 1]!; i++) n += c.counts[i]!;
    len[d] = n >= 2 ? n : 0;
  }
  // Pass 2: the two halves as token sequences (typed arrays throughout: no per-token objects).
  const obsPtr = new Uint32Array(D + 1);
  const scPtr = new Uint32Array(D + 1);
  for (let d = 0; d < D; d++) {
    const h = Math.floor(len[d]! / 2);
    obsPtr[d + 1] = obsPtr[d]! + h;
    scPtr[d + 1] = scPtr[d]! + (len[d]! - h);
  }
  const obsIds = new Uint32Array(obsPtr[D]!);
  const scIds = new Uint32Array(scPtr[D]!);
  for (let d = 0; d < D; d++) {
    if (len[d] === 0) continue;
    const h = obsPtr[d + 1]! - obsPtr[d]!;
    let t = 0;
    const put = (w: number): void => {
      if (t < h) obsIds[obsPtr[d]! + t] = w;
      else scIds[scPtr[d]! + t - h] = w;
      t++;
    };
    if (c.seqPtr && c.seqIds) for (let i = c.seqPtr[d]!; i < c.seqPtr[d + 1]!; i++) put(c.seqIds[i]!);
    else
      for (let i = c.docPtr[d]!; i < c.docPtr[d + 1]!; i++) for (let r = 0; r < c.counts[i]!; r++) put(c.wordIds[i]!);
  }
  return {
    observed: corpusFromSequenceArrays(c.vocabulary, obsPtr, obsIds),
    scored: corpusFromSequenceArrays(c.vocabulary, scPtr, scIds),
  };
}

/**
 * A corpus from token sequences held as CSR typed arrays (document d = seqIds[seqPtr[d] … seqPtr[d+1])), keeping
 * them; the bags are built with one dense scratch row of V counts, so memory is O(tokens + V), never per-token objects.
 */
export function corpusFromSequenceArrays(vocabulary: string[], seqPtr: Uint32Array, seqIds: Uint32Array): Corpus {
  const D = seqPtr.length - 1;
  const V = vocabulary.length;
  const scratch = new Float32Array(V);
  const docPtr = new Uint32Array(D + 1);
  // Upper bound on nnz is the token count; trimmed at the end.
  let wordIds = new Uint32Array(seqIds.length);
  let counts = new Float32Array(seqIds.length);
  const touched: number[] = [];
  let nnz = 0;
  for (let d = 0; d < D; d++) {
    touched.length = 0;
    for (let i = seqPtr[d]!; i < seqPtr[d + 1]!; i++) {
      const w = seqIds[i]!;
      if (!(w < V)) throw new RangeError(`Expected word ids in [0, ${V}), got ${w}`);
      if (scratch[w] === 0) touched.push(w);
      scratch[w]! += 1;
    }
    touched.sort((a, b) => a - b);
    for (const w of touched) {
      wordIds[nnz] = w;
      counts[nnz++] = scratch[w]!;
      scratch[w] = 0;
    }
    docPtr[d + 1] = nnz;
  }
  wordIds = wordIds.slice(0, nnz);
  counts = counts.slice(0, nnz);
  return { vocabulary, docPtr, wordIds, counts, seqPtr, seqIds };
}

function sharedCopy<T extends Uint32Array | Float32Array | Float64Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}

/** The same corpus with its numeric arrays in SharedArrayBuffers (no copy when they already are). */
export function sharedCorpus(c: Corpus): Corpus {
  const out: Corpus = {
    ...c,
    docPtr: sharedCopy(c.docPtr),
    wordIds: sharedCopy(c.wordIds),
    counts: sharedCopy(c.counts),
  };
  if (c.seqPtr) out.seqPtr = sharedCopy(c.seqPtr);
  if (c.seqIds) out.seqIds = sharedCopy(c.seqIds);
  return out;
}

/** 1 for each document with no in-vocabulary word (its θ is the prior mean), else 0. */
export function emptyFlags(c: Pick<Corpus, 'docPtr'>): Uint8Array {
  const D = c.docPtr.length - 1;
  const out = new Uint8Array(D);
  for (let d = 0; d < D; d++) out[d] = c.docPtr[d + 1] === c.docPtr[d] ? 1 : 0;
  return out;
}
