/**
 * The bag-of-words corpus of a dataset's text column, prepared once per (column, preparation options) and stored in
 * the dataset's folder (corpora/<hash>/, sparse document-term form), so every LDA run on that dataset reuses it.
 * Rows stay aligned with the dataset's rows (empty documents are kept as empty rows and counted).
 * Memory: preparation streams the column in and the arrays out to that folder (prepareCorpusToDir), then the corpus is
 * read once into shared memory without its token sequences (4 bytes a token; only held-out completion needs them, and
 * splitHeldout reads the held-out documents' sequences from the folder).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DatasetFile } from '../data-import';
import {
  loadCorpus,
  loadCorpusRows,
  prepareCorpus,
  prepareCorpusToDir,
  subsetCorpus,
  type Corpus,
  type TextPrepReport,
} from '../text';
import { key, permutation } from '../engine/rng';
import type { LdaRunSpec } from '../../src-shared/schemas/run-spec';

export function corpusKey(spec: Pick<LdaRunSpec, 'textColumn' | 'prep'>): string {
  const canonical = JSON.stringify({ column: spec.textColumn, prep: spec.prep });
  return crypto.createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export async function ldaCorpusFor(
  ds: DatasetFile,
  datasetDir: string,
  spec: Pick<LdaRunSpec, 'textColumn' | 'prep'>,
  onProgress?: (p: { documents: number }) => void,
  opts: { sequences?: boolean } = {},
): Promise<{ corpus: Corpus; report: TextPrepReport; cached: boolean; dir: string }> {
  const col = ds.schema.find((c) => c.name === spec.textColumn);
  if (!col) {
    throw new Error(
      `Text column "${spec.textColumn}" is not in this dataset; columns: ${ds.schema.map((c) => c.name).join(', ')}.`,
    );
  }
  if (col.type !== 'text' && col.type !== 'categorical' && col.type !== 'identifier') {
    throw new Error(
      `Column "${spec.textColumn}" is ${col.type}, not text; choose the column that holds the documents (or set its type to text on import).`,
    );
  }
  const dir = path.join(datasetDir, 'corpora', corpusKey(spec));
  const load = { sequences: opts.sequences === true };
  if (fs.existsSync(path.join(dir, 'meta.json'))) {
    const corpus = loadCorpus(dir, load);
    return { corpus, report: corpus.report as TextPrepReport, cached: true, dir };
  }
  // The column streams into preparation a chunk at a time (never all texts as strings at once), and the corpus
  // streams out to the folder (never all its arrays at once).
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  let report: TextPrepReport;
  try {
    report = await prepareCorpusToDir(
      ds.iterStrings(spec.textColumn),
      tmp,
      { ...spec.prep, keepOrder: true },
      onProgress,
    );
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  try {
    fs.renameSync(tmp, dir);
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true }); // another run stored it first
  }
  // Read once (SharedArrayBuffers, exact-size arrays): the threads share it uncopied.
  return { corpus: loadCorpus(dir, load), report, cached: false, dir };
}

/**
 * A seeded split of the documents into training and held-out rows (held-out used for perplexity). The training rows
 * are not copied: `train` is the whole corpus and `trainRows` (ascending) the rows to fit on (fitLda's `rows`);
 * only the held-out documents are copied out — read from the stored corpus in `dir` (with their token sequences, for
 * document completion) when `corpus` was loaded without sequences.
 */
export function splitHeldout(corpus: Corpus, fraction: number, seed: number, dir?: string) {
  const D = corpus.docPtr.length - 1;
  const nHeld = fraction > 0 ? Math.max(1, Math.round(D * fraction)) : 0;
  const perm = permutation(key(seed), D);
  const heldoutRows = Uint32Array.from(perm.subarray(0, nHeld)).sort();
  const trainRows = Uint32Array.from(perm.subarray(nHeld)).sort();
  return {
    train: corpus,
    heldout:
      nHeld === 0
        ? null
        : corpus.seqIds || dir === undefined
          ? subsetCorpus(corpus, heldoutRows)
          : loadCorpusRows(dir, heldoutRows),
    trainRows,
    heldoutRows,
  };
}

/**
 * Held-out documents from a second dataset (e.g. the CLI's --heldout FILE): its text column prepared with the
 * training vocabulary and options; training keeps every row of the first dataset.
 */
export async function separateHeldout(
  corpus: Corpus,
  heldoutDatasetDir: string,
  spec: Pick<LdaRunSpec, 'textColumn' | 'prep'>,
) {
  const hds = DatasetFile.open(heldoutDatasetDir);
  const col = hds.schema.find((c) => c.name === spec.textColumn);
  if (!col) {
    throw new Error(
      `The held-out file has no column "${spec.textColumn}"; columns: ${hds.schema.map((c) => c.name).join(', ')}.`,
    );
  }
  const { corpus: heldout } = await prepareCorpus(hds.iterStrings(spec.textColumn), {
    ...spec.prep,
    keepOrder: true,
    vocabulary: corpus.vocabulary,
  });
  const D = corpus.docPtr.length - 1;
  return {
    train: corpus,
    heldout,
    trainRows: Uint32Array.from({ length: D }, (_, i) => i),
    heldoutRows: new Uint32Array(0),
  };
}
