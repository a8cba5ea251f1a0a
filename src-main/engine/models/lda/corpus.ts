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
  const bags = docs.map((seq) => Array.from(seq, (w) => [w, 1] as const));
  const c = corpusFromBags(vocabulary, bags);
  const seqPtr = new Uint32Array(docs.length + 1);
  const seq: number[] = [];
  docs.forEach((s, d) => {
    for (let i = 0; i < s.length; i++) seq.push(s[i]!);
    seqPtr[d + 1] = seq.length;
  });
  c.seqPtr = seqPtr;
  c.seqIds = Uint32Array.from(seq);
  return c;
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
  const seqs: Uint32Array[] = [];
  for (let d = 0; d < D; d++) {
    if (c.seqPtr && c.seqIds) {
      seqs.push(c.seqIds.subarray(c.seqPtr[d]!, c.seqPtr[d + 1]!));
    } else {
      const t: number[] = [];
      for (let i = c.docPtr[d]!; i < c.docPtr[d + 1]!; i++)
        for (let r = 0; r < c.counts[i]!; r++) t.push(c.wordIds[i]!);
      seqs.push(Uint32Array.from(t));
    }
  }
  const first: Uint32Array[] = [];
  const second: Uint32Array[] = [];
  for (const s of seqs) {
    if (s.length < 2) {
      first.push(new Uint32Array(0));
      second.push(new Uint32Array(0));
    } else {
      const h = Math.floor(s.length / 2);
      first.push(s.subarray(0, h));
      second.push(s.subarray(h));
    }
  }
  return { observed: corpusFromSequences(c.vocabulary, first), scored: corpusFromSequences(c.vocabulary, second) };
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
