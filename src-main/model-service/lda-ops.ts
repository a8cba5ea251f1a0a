/**
 * Uses of a fitted topic model, in the model worker: one document's topics (θ and a topic per word), a search over the
 * training texts, topic proportions of new texts, prevalence by category, and the CSV/JSON exports. The training
 * corpus in the model's vocabulary and θ of every row are computed once per run and kept with the cached model.
 * The maths is engine/models/lda (summary.ts for prevalence, mean θ and word topics).
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../src-shared/ipc/app-error';
import type { DocumentSegment, LdaExport } from '../../src-shared/domain/lda';
import type { HandlerArgs, InvokeResult } from '../../src-shared/ipc/contract';
import { DatasetFile } from '../data-import';
import { key, permutation } from '../engine/rng';
import {
  CategoryPrevalence,
  docTopicCsv,
  docTopicHeader,
  docTopicRows,
  dominantTopic,
  emptyFlags,
  expectedLogTheta,
  inferTopicChunks,
  inferTopics,
  isEmptyDoc,
  meanTopicProportions,
  modelToJSON,
  topicWordLines,
  vocabularyLines,
  wordTopic,
  writeCsvFile,
} from '../engine/models/lda';
import { ldaCorpusFor } from '../jobs/lda-corpus';
import { corpusFromBags, prepareCorpus, stopWordsFor, TextPrepError, type Corpus } from '../text';
import type { LdaRun } from './loaded';
import { MAX_ROWS, readCsvColumn, shorten, slug, tooManyRows } from './tables';

const WORD_RE = /[\p{L}\p{M}]+/gu;

/** Where new texts come from: an uploaded file or a stored dataset (resolved by the handler). */
export type TextSource = { kind: 'file'; path: string; name: string } | { kind: 'dataset'; dir: string; name: string };

/**
 * The training dataset's corpus in the model's vocabulary (kept with the model; token sequences stay on disk).
 * θ of all rows is never held: the uses that need every row stream it (inferTopicChunks), the document view infers
 * its one row.
 */
async function trainingCorpus(c: LdaRun, grow: (bytes: number) => void): Promise<Corpus> {
  if (c.corpus) return c.corpus;
  let corpus = (
    await ldaCorpusFor(DatasetFile.open(c.datasetDir), c.datasetDir, c.spec, undefined, { sequences: false })
  ).corpus;
  const same = corpus.vocabulary.length === c.model.V && corpus.vocabulary.every((w, i) => w === c.model.vocabulary[i]);
  if (!same) {
    const texts = DatasetFile.open(c.datasetDir).iterStrings(c.spec.textColumn);
    corpus = (await prepareCorpus(texts, { ...c.spec.prep, keepOrder: false, vocabulary: c.model.vocabulary })).corpus;
  }
  c.corpus = corpus;
  grow(corpus.wordIds.byteLength + corpus.counts.byteLength + corpus.docPtr.byteLength);
  return corpus;
}

/** Exports at most this size are also returned as text (the renderer downloads them); larger ones only as a file. */
export const INLINE_EXPORT_BYTES = 32 * 1024 * 1024;

function heldoutRows(c: LdaRun, D: number): Set<number> {
  if (c.heldout) return c.heldout;
  const f = c.spec.heldoutFraction;
  const n = f > 0 ? Math.max(1, Math.round(D * f)) : 0;
  c.heldout = new Set(Array.from(permutation(key(c.spec.seed), D).subarray(0, n)));
  return c.heldout;
}

/** The text of one row, read alone from the dataset's string store. */
function textOf(c: LdaRun, row: number): string {
  const first = DatasetFile.open(c.datasetDir).stringChunks(c.spec.textColumn, 1, row).next();
  return first.done ? '' : (first.value[0] ?? '');
}

type Grow = (bytes: number) => void;

export const ldaOps = {
  async 'lda:document'(c: LdaRun, a: HandlerArgs<'lda:document'>): Promise<InvokeResult<'lda:document'>> {
    const D = DatasetFile.open(c.datasetDir).rows;
    const row = a.row;
    if (row >= D)
      throw new AppError(
        'BAD_REQUEST',
        `Row ${row} is outside the dataset (0…${D - 1})`,
        `Pick a row between 0 and ${D - 1}.`,
      );
    const { K, V, alpha } = c.model;
    const text = textOf(c, row);
    // This row alone, prepared with the model's vocabulary: the same bag of words as its row of the stored corpus,
    // so the same θ as inferring every row (documents are inferred independently).
    const one = await prepareCorpus([text], { ...c.spec.prep, keepOrder: false, vocabulary: c.model.vocabulary })
      .then((r) => r.corpus)
      .catch((e: unknown) => {
        // A blank cell or one without a word of the vocabulary: an empty document (θ = the prior mean).
        if (e instanceof TextPrepError) return corpusFromBags(c.model.vocabulary, [[]]);
        throw e;
      });
    let N = 0;
    for (let i = one.docPtr[0]!; i < one.docPtr[1]!; i++) N += one.counts[i]!;
    const thetaD = Array.from(inferTopics(c.model, one).subarray(0, K));
    const elogTheta = expectedLogTheta(thetaD, alpha, N);
    const stop = stopWordsFor(c.spec.prep.language, c.spec.prep.extraStopWords);
    const segments: DocumentSegment[] = [];
    let last = 0;
    for (const m of text.matchAll(WORD_RE)) {
      const at = m.index ?? 0;
      if (at > last) segments.push({ text: text.slice(last, at), kind: 'gap' });
      const w = m[0].normalize('NFKC').toLowerCase();
      const id = c.wordId.get(w);
      if (id !== undefined) segments.push({ text: m[0], kind: 'word', topic: wordTopic(c.elogBeta, V, elogTheta, id) });
      else {
        const short = [...w].length < c.spec.prep.minTokenLength;
        segments.push({ text: m[0], kind: short || stop.has(w) ? 'stop' : 'oov' });
      }
      last = at + m[0].length;
    }
    if (last < text.length) segments.push({ text: text.slice(last), kind: 'gap' });
    const fields: Record<string, string> = {};
    const sl = DatasetFile.open(c.datasetDir).slice(row, 1);
    sl.columns.forEach((name, j) => {
      if (name === c.spec.textColumn) return;
      const v = sl.rows[0]?.[j];
      if (v !== null && v !== undefined && String(v).length <= 80) fields[name] = String(v);
    });
    return {
      runId: a.runId,
      row,
      rows: D,
      text,
      segments,
      theta: thetaD,
      tokens: N,
      heldout: heldoutRows(c, D).has(row),
      fields,
    };
  },

  async 'lda:search'(c: LdaRun, a: HandlerArgs<'lda:search'>): Promise<InvokeResult<'lda:search'>> {
    const q = a.query.toLowerCase();
    const hits: { row: number; snippet: string }[] = [];
    let r = 0;
    // Streams the column a chunk at a time and stops at `limit` hits.
    for (const chunk of DatasetFile.open(c.datasetDir).stringChunks(c.spec.textColumn)) {
      for (const t of chunk) {
        const at = t.toLowerCase().indexOf(q);
        if (at >= 0) {
          const from = Math.max(0, at - 40);
          hits.push({ row: r, snippet: `${from > 0 ? '…' : ''}${shorten(t.slice(from), 120)}` });
          if (hits.length >= a.limit) return hits;
        }
        r++;
      }
    }
    return hits;
  },

  async 'lda:infer'(
    c: LdaRun,
    a: { runId: number; source: TextSource; column: string },
  ): Promise<InvokeResult<'lda:infer'>> {
    const { source, column } = a;
    let cells: string[];
    if (source.kind === 'file') cells = await readCsvColumn(source.path, source.name, column);
    else {
      const ds = DatasetFile.open(source.dir);
      if (ds.rows > MAX_ROWS) throw tooManyRows(source.name, MAX_ROWS, ds.rows);
      cells = ds.strings(column);
    }
    const sourceName = source.name;
    if (cells.length === 0)
      throw new AppError(
        'BAD_REQUEST',
        `"${sourceName}" has a header but no rows`,
        'Add one document per row below the header.',
      );
    const { corpus, report } = await prepareCorpus(cells, {
      ...c.spec.prep,
      keepOrder: false,
      vocabulary: c.model.vocabulary,
    });
    const theta = inferTopics(c.model, corpus);
    const K = c.model.K;
    const D = cells.length;
    const { meanTheta, emptyRows } = meanTopicProportions(theta, K, corpus);
    const preview = [];
    for (let d = 0; d < Math.min(D, 50); d++) {
      const best = dominantTopic(theta, K, d);
      preview.push({
        row: d,
        text: shorten(cells[d] ?? '', 160),
        dominant: best,
        weight: theta[d * K + best]!,
        empty: isEmptyDoc(corpus, d),
      });
    }
    // The preparation's own "empty … skipped by models" warning is replaced by the one below (rows are kept here).
    const warnings = report.warnings.filter((w) => !/empty after preparation/.test(w));
    if (emptyRows.length > 0)
      warnings.push(
        `${emptyRows.length} of ${D} rows have no word of the model's vocabulary; their proportions are the prior mean (column "empty" = 1)`,
      );
    const base = path.basename(sourceName).replace(/\.[^.]*$/, '');
    return {
      runId: a.runId,
      sourceName,
      textColumn: column,
      K,
      documents: D,
      emptyDocuments: emptyRows.length,
      emptyRows: emptyRows.slice(0, 1000),
      tokens: report.tokens,
      outOfVocabulary: report.outOfVocabulary,
      meanTheta,
      preview,
      csv: docTopicCsv(theta, K, { empty: emptyFlags(corpus) }),
      fileName: `${slug(base)}-topics-run-${a.runId}.csv`,
      warnings,
    };
  },

  /**
   * Every export is written to `<run folder>/exports/<file name>` as a stream (no whole-file string: θ of a
   * million rows is inferred and written a chunk at a time); exports up to INLINE_EXPORT_BYTES also come back as
   * text for the renderer to download.
   */
  async 'lda:export'(
    c: LdaRun,
    a: HandlerArgs<'lda:export'> & { runName: string; outDir: string },
    grow: Grow,
  ): Promise<LdaExport> {
    const { kind } = a;
    const base = `run-${a.runId}-${slug(a.runName)}`;
    fs.mkdirSync(a.outDir, { recursive: true });
    const out = (fileName: string, mime: LdaExport['mime'], bytes: number): LdaExport => {
      const file = path.join(a.outDir, fileName);
      return {
        kind,
        fileName,
        mime,
        path: file,
        bytes,
        text: bytes <= INLINE_EXPORT_BYTES ? fs.readFileSync(file, 'utf8') : null,
      };
    };
    if (kind === 'topic-word') {
      const fileName = `${base}-topic-word.csv`;
      return out(fileName, 'text/csv', await writeCsvFile(path.join(a.outDir, fileName), topicWordLines(c.model)));
    }
    if (kind === 'vocabulary') {
      const corpus = await trainingCorpus(c, grow);
      const fileName = `${base}-vocabulary.csv`;
      const lines = vocabularyLines(c.model.vocabulary, {
        termFrequency: corpus.termFrequency,
        docFrequency: corpus.docFrequency,
      });
      return out(fileName, 'text/csv', await writeCsvFile(path.join(a.outDir, fileName), lines));
    }
    if (kind === 'doc-topic') {
      const corpus = await trainingCorpus(c, grow);
      const K = c.model.K;
      const fileName = `${base}-doc-topic.csv`;
      async function* lines(): AsyncGenerator<string> {
        yield docTopicHeader(K, true);
        for await (const ch of inferTopicChunks(c.model, corpus)) yield* docTopicRows(ch.theta, K, ch.start, ch);
      }
      return out(fileName, 'text/csv', await writeCsvFile(path.join(a.outDir, fileName), lines()));
    }
    const fileName = `${base}-model.json`;
    const file = path.join(a.outDir, fileName);
    fs.writeFileSync(file, JSON.stringify(modelToJSON(c.model)));
    return out(fileName, 'application/json', fs.statSync(file).size);
  },

  async 'lda:by-category'(
    c: LdaRun,
    a: HandlerArgs<'lda:by-category'>,
    grow: Grow,
  ): Promise<InvokeResult<'lda:by-category'>> {
    const labels = DatasetFile.open(c.datasetDir).strings(a.column);
    const corpus = await trainingCorpus(c, grow);
    const acc = new CategoryPrevalence(c.model.K);
    for await (const ch of inferTopicChunks(c.model, corpus)) acc.add(ch.theta, ch.empty, labels, ch.start);
    return { column: a.column, ...acc.result() };
  },
};
