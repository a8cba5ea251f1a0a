/**
 * Uses of a fitted topic model, in the model worker: one document's topics (θ and a topic per word), a search over the
 * training texts, topic proportions of new texts, prevalence by category, and the CSV/JSON exports. The training
 * corpus in the model's vocabulary and θ of every row are computed once per run and kept with the cached model.
 * The maths is engine/models/lda (summary.ts for prevalence, mean θ and word topics).
 */
import path from 'node:path';
import { AppError } from '../../src-shared/ipc/app-error';
import type { DocumentSegment, LdaExport } from '../../src-shared/domain/lda';
import type { HandlerArgs, InvokeResult } from '../../src-shared/ipc/contract';
import { DatasetFile } from '../data-import';
import { key, permutation } from '../engine/rng';
import {
  docTopicCsv,
  dominantTopic,
  expectedLogTheta,
  inferTopics,
  isEmptyDoc,
  meanTopicProportions,
  modelToJSON,
  prevalenceByCategory,
  topicWordCsv,
  vocabularyCsv,
  wordTopic,
} from '../engine/models/lda';
import { ldaCorpusFor } from '../jobs/lda-corpus';
import { prepareCorpus, stopWordsFor, type Corpus } from '../text';
import type { LdaRun } from './loaded';
import { readCsvColumn, shorten, slug, withEmptyColumn } from './tables';

const WORD_RE = /[\p{L}\p{M}]+/gu;

/** Where new texts come from: an uploaded file or a stored dataset (resolved by the handler). */
export type TextSource = { kind: 'file'; path: string; name: string } | { kind: 'dataset'; dir: string; name: string };

/** The training dataset's corpus in the model's vocabulary, and θ of every row (kept with the model). */
async function withTheta(c: LdaRun, grow: (bytes: number) => void): Promise<{ corpus: Corpus; theta: Float64Array }> {
  if (c.corpus && c.theta) return { corpus: c.corpus, theta: c.theta };
  let corpus = (await ldaCorpusFor(DatasetFile.open(c.datasetDir), c.datasetDir, c.spec)).corpus;
  const same = corpus.vocabulary.length === c.model.V && corpus.vocabulary.every((w, i) => w === c.model.vocabulary[i]);
  if (!same) {
    const texts = DatasetFile.open(c.datasetDir).strings(c.spec.textColumn);
    corpus = (await prepareCorpus(texts, { ...c.spec.prep, keepOrder: false, vocabulary: c.model.vocabulary })).corpus;
  }
  c.corpus = corpus;
  c.theta = inferTopics(c.model, corpus);
  grow(c.theta.byteLength + corpus.wordIds.byteLength + corpus.counts.byteLength);
  return { corpus, theta: c.theta };
}

function heldoutRows(c: LdaRun, D: number): Set<number> {
  if (c.heldout) return c.heldout;
  const f = c.spec.heldoutFraction;
  const n = f > 0 ? Math.max(1, Math.round(D * f)) : 0;
  c.heldout = new Set(Array.from(permutation(key(c.spec.seed), D).subarray(0, n)));
  return c.heldout;
}

function textsOf(c: LdaRun): string[] {
  if (!c.texts) c.texts = DatasetFile.open(c.datasetDir).strings(c.spec.textColumn);
  return c.texts;
}

type Grow = (bytes: number) => void;

export const ldaOps = {
  async 'lda:document'(c: LdaRun, a: HandlerArgs<'lda:document'>, grow: Grow): Promise<InvokeResult<'lda:document'>> {
    const { corpus, theta } = await withTheta(c, grow);
    const D = corpus.docPtr.length - 1;
    const row = a.row;
    if (row >= D)
      throw new AppError(
        'BAD_REQUEST',
        `Row ${row} is outside the dataset (0…${D - 1})`,
        `Pick a row between 0 and ${D - 1}.`,
      );
    const { K, V, alpha } = c.model;
    let N = 0;
    for (let i = corpus.docPtr[row]!; i < corpus.docPtr[row + 1]!; i++) N += corpus.counts[i]!;
    const thetaD = Array.from(theta.subarray(row * K, (row + 1) * K));
    const elogTheta = expectedLogTheta(thetaD, alpha, N);
    const text = textsOf(c)[row] ?? '';
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
    const texts = textsOf(c);
    for (let r = 0; r < texts.length && hits.length < a.limit; r++) {
      const t = texts[r]!;
      const at = t.toLowerCase().indexOf(q);
      if (at < 0) continue;
      const from = Math.max(0, at - 40);
      hits.push({ row: r, snippet: `${from > 0 ? '…' : ''}${shorten(t.slice(from), 120)}` });
    }
    return hits;
  },

  async 'lda:infer'(
    c: LdaRun,
    a: { runId: number; source: TextSource; column: string },
  ): Promise<InvokeResult<'lda:infer'>> {
    const { source, column } = a;
    const cells =
      source.kind === 'file'
        ? await readCsvColumn(source.path, source.name, column)
        : DatasetFile.open(source.dir).strings(column);
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
      csv: withEmptyColumn(docTopicCsv(theta, K), corpus),
      fileName: `${slug(base)}-topics-run-${a.runId}.csv`,
      warnings,
    };
  },

  async 'lda:export'(c: LdaRun, a: HandlerArgs<'lda:export'> & { runName: string }, grow: Grow): Promise<LdaExport> {
    const { kind } = a;
    const base = `run-${a.runId}-${slug(a.runName)}`;
    if (kind === 'topic-word')
      return { kind, fileName: `${base}-topic-word.csv`, mime: 'text/csv', text: topicWordCsv(c.model) };
    if (kind === 'vocabulary') {
      const { corpus } = await withTheta(c, grow);
      return {
        kind,
        fileName: `${base}-vocabulary.csv`,
        mime: 'text/csv',
        text: vocabularyCsv(c.model.vocabulary, {
          termFrequency: corpus.termFrequency,
          docFrequency: corpus.docFrequency,
        }),
      };
    }
    if (kind === 'doc-topic') {
      const { corpus, theta } = await withTheta(c, grow);
      return {
        kind,
        fileName: `${base}-doc-topic.csv`,
        mime: 'text/csv',
        text: withEmptyColumn(docTopicCsv(theta, c.model.K), corpus),
      };
    }
    return {
      kind,
      fileName: `${base}-model.json`,
      mime: 'application/json',
      text: JSON.stringify(modelToJSON(c.model)),
    };
  },

  async 'lda:by-category'(
    c: LdaRun,
    a: HandlerArgs<'lda:by-category'>,
    grow: Grow,
  ): Promise<InvokeResult<'lda:by-category'>> {
    const labels = DatasetFile.open(c.datasetDir).strings(a.column);
    const { corpus, theta } = await withTheta(c, grow);
    return { column: a.column, ...prevalenceByCategory(theta, c.model.K, corpus, labels) };
  },
};
