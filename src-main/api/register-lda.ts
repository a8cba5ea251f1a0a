/**
 * LDA channels (issue 5): the text-preparation preview before fitting, and the uses of a fitted topic model — one
 * document's topics, a search over the training texts, topic proportions of a new CSV, prevalence by category, and
 * the CSV/JSON exports. Thin: preparation is src-main/text, inference and exports are engine/models/lda.
 *
 * Word topics in the document view: each in-vocabulary word w of document d is given
 * argmax_k E[log β_kw] + E[log θ_dk], with E[log β_kw] = ψ(λ_kw) − ψ(Σ_v λ_kv) and E[log θ_dk] = ψ(γ_dk) − ψ(Σ_j γ_dj);
 * γ_d is recovered from the inferred θ_d = γ_d / Σγ_d through Σ_k γ_dk = Σ_k α_k + N_d (the E-step's fixed point).
 */
import path from 'node:path';
import { AppError } from '../../src-shared/ipc/app-error';
import type { Handlers } from '../../src-shared/ipc/contract';
import type { DocumentSegment, LdaExport, TextPreview } from '../../src-shared/domain/lda';
import type { RunSummary } from '../../src-shared/domain/types';
import type { LdaRunSpec } from '../../src-shared/schemas/run-spec';
import { DatasetFile } from '../data-import';
import { readRecords } from '../data-import/records';
import { readHead, sniffDelimiter, HEAD_BYTES } from '../data-import/sniff';
import { key, permutation } from '../engine/rng';
import { digamma, docTopicCsv, inferTopics, modelFromJSON, modelToJSON, topicWordCsv, vocabularyCsv, type LdaModel } from '../engine/models/lda';
import { ldaCorpusFor } from '../jobs/lda-corpus';
import { prepareCorpus, stopWordsFor, type Corpus } from '../text';
import type { Services } from './services';

type LdaChannels = 'text:preview' | 'lda:document' | 'lda:search' | 'lda:infer' | 'lda:export' | 'lda:by-category';

/** What a fitted run needs for the views, computed once per run and kept for the last few runs. */
interface RunCache {
  run: RunSummary;
  spec: LdaRunSpec;
  model: LdaModel;
  /** ψ(λ_kw) − ψ(Σ_v λ_kv), topic-major [K × V]. */
  elogBeta: Float64Array;
  wordId: Map<string, number>;
  corpus?: Corpus;
  theta?: Float64Array;
  texts?: string[];
  heldout?: Set<number>;
}

const TEXT_TYPES = new Set(['text', 'categorical', 'identifier']);
const WORD_RE = /[\p{L}\p{M}]+/gu;

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'run';
}

function shorten(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

/** Appends an `empty` column (1 = no in-vocabulary token: θ is the prior mean) to docTopicCsv's output. */
export function withEmptyColumn(csv: string, corpus: Corpus): string {
  const lines = csv.replace(/\n$/, '').split('\n');
  const out = lines.map((line, i) => {
    if (i === 0) return `${line},empty`;
    const d = i - 1;
    return `${line},${corpus.docPtr[d + 1] === corpus.docPtr[d] ? 1 : 0}`;
  });
  return `${out.join('\n')}\n`;
}

/** Reads one column of a CSV file (delimiter sniffed), streaming. */
export async function readCsvColumn(filePath: string, sourceName: string, column: string): Promise<string[]> {
  const head = await readHead(filePath, sourceName);
  const delimiter = sniffDelimiter(head.text, head.size <= HEAD_BYTES);
  let idx = -1;
  let headers: string[] | null = null;
  const cells: string[] = [];
  for await (const rec of readRecords(filePath, { delimiter, sourceName, lines: false })) {
    if (headers === null) {
      headers = rec.fields.map((h) => h.trim());
      idx = headers.indexOf(column);
      if (idx < 0) {
        throw new AppError('BAD_REQUEST', `"${sourceName}" has no column "${column}"`, `Its columns: ${headers.join(', ')}. Choose the column that holds the documents.`);
      }
      continue;
    }
    cells.push(rec.fields[idx] ?? '');
  }
  if (headers === null) throw new AppError('BAD_REQUEST', `"${sourceName}" is empty`, 'Choose a CSV file with a header row and one document per row.');
  return cells;
}

export function registerLda(s: Services): Pick<Handlers, LdaChannels> {
  const cache = new Map<number, RunCache>();
  let stringsCache: { key: string; cells: string[] } | null = null;

  const datasetStrings = (datasetId: number, column: string): string[] => {
    const k = `${datasetId}:${column}`;
    if (stringsCache?.key === k) return stringsCache.cells;
    const cells = DatasetFile.open(s.datasetPath(datasetId)).strings(column);
    stringsCache = { key: k, cells };
    return cells;
  };

  const textColumnOf = (datasetId: number, column: string) => {
    const d = s.repos.datasets.get(datasetId);
    if (!d) throw new AppError('NOT_FOUND', `No dataset with id ${datasetId}`);
    const c = d.schema.find((x) => x.name === column);
    if (!c) throw new AppError('BAD_REQUEST', `Column "${column}" is not in dataset "${d.name}"`, `Columns: ${d.schema.map((x) => x.name).join(', ')}`);
    if (!TEXT_TYPES.has(c.type)) {
      throw new AppError('BAD_REQUEST', `Column "${column}" is ${c.type}, not text`, 'Choose the column that holds the documents, or import it again with type text.');
    }
    return d;
  };

  /** The fitted model of a completed LDA run (cached). */
  const load = (runId: number): RunCache => {
    const run = s.repos.runs.get(runId);
    if (!run) throw new AppError('NOT_FOUND', `No run with id ${runId}`);
    const hit = cache.get(runId);
    if (hit) return hit;
    if (run.spec.model !== 'lda') throw new AppError('BAD_REQUEST', `Run ${runId} is a ${run.model} run, not a topic model (LDA)`, 'Open an LDA run.');
    const art = s.repos.artifacts.get(runId, 'model');
    if (!art) {
      throw new AppError('NOT_FOUND', `Run ${runId} has no fitted model yet (status: ${run.status})`, run.status === 'running' || run.status === 'queued' ? 'Wait until the run completes.' : 'Start a new run; only completed runs store a model.');
    }
    let model: LdaModel;
    try {
      model = modelFromJSON(art.data);
    } catch (e) {
      throw new AppError('INTERNAL', `The stored model of run ${runId} does not load: ${(e as Error).message}`, 'Fit the model again.');
    }
    const { K, V, lambda } = model;
    const elogBeta = new Float64Array(K * V);
    for (let k = 0; k < K; k++) {
      let sum = 0;
      for (let w = 0; w < V; w++) sum += lambda[k * V + w]!;
      const ps = digamma(sum);
      for (let w = 0; w < V; w++) elogBeta[k * V + w] = digamma(lambda[k * V + w]!) - ps;
    }
    const entry: RunCache = { run, spec: run.spec, model, elogBeta, wordId: new Map(model.vocabulary.map((w, i) => [w, i])) };
    cache.set(runId, entry);
    while (cache.size > 3) cache.delete(cache.keys().next().value as number);
    return entry;
  };

  /** The training dataset's corpus in the model's vocabulary, and θ of every row (cached). */
  const withTheta = async (c: RunCache): Promise<{ corpus: Corpus; theta: Float64Array }> => {
    if (c.corpus && c.theta) return { corpus: c.corpus, theta: c.theta };
    const dir = s.datasetPath(c.run.datasetId);
    let corpus = (await ldaCorpusFor(DatasetFile.open(dir), dir, c.spec)).corpus;
    const same = corpus.vocabulary.length === c.model.V && corpus.vocabulary.every((w, i) => w === c.model.vocabulary[i]);
    if (!same) {
      corpus = (await prepareCorpus(datasetStrings(c.run.datasetId, c.spec.textColumn), { ...c.spec.prep, keepOrder: false, vocabulary: c.model.vocabulary })).corpus;
    }
    c.corpus = corpus;
    c.theta = inferTopics(c.model, corpus);
    return { corpus, theta: c.theta };
  };

  const heldoutRows = (c: RunCache, D: number): Set<number> => {
    if (c.heldout) return c.heldout;
    const f = c.spec.heldoutFraction;
    const n = f > 0 ? Math.max(1, Math.round(D * f)) : 0;
    c.heldout = new Set(Array.from(permutation(key(c.spec.seed), D).subarray(0, n)));
    return c.heldout;
  };

  const textsOf = (c: RunCache): string[] => {
    if (!c.texts) c.texts = DatasetFile.open(s.datasetPath(c.run.datasetId)).strings(c.spec.textColumn);
    return c.texts;
  };

  return {
    'text:preview': async ({ datasetId, textColumn, prep }) => {
      textColumnOf(datasetId, textColumn);
      try {
        stopWordsFor(prep.language, prep.extraStopWords);
      } catch (e) {
        throw new AppError('BAD_REQUEST', (e as Error).message, 'Pick a language from the list, or "none".');
      }
      const { report } = await prepareCorpus(datasetStrings(datasetId, textColumn), { ...prep, keepOrder: false });
      const out: TextPreview = report;
      return out;
    },

    'lda:document': async ({ runId, row }) => {
      const c = load(runId);
      const { corpus, theta } = await withTheta(c);
      const D = corpus.docPtr.length - 1;
      if (row >= D) throw new AppError('BAD_REQUEST', `Row ${row} is outside the dataset (0…${D - 1})`, `Pick a row between 0 and ${D - 1}.`);
      const { K, V, alpha } = c.model;
      let N = 0;
      for (let i = corpus.docPtr[row]!; i < corpus.docPtr[row + 1]!; i++) N += corpus.counts[i]!;
      let sumAlpha = 0;
      for (let k = 0; k < K; k++) sumAlpha += alpha[k]!;
      const thetaD = Array.from(theta.subarray(row * K, (row + 1) * K));
      const total = sumAlpha + N;
      const elogTheta = thetaD.map((t) => digamma(Math.max(t * total, 1e-100)) - digamma(total));
      const text = textsOf(c)[row] ?? '';
      const stop = stopWordsFor(c.spec.prep.language, c.spec.prep.extraStopWords);
      const segments: DocumentSegment[] = [];
      let last = 0;
      for (const m of text.matchAll(WORD_RE)) {
        const at = m.index ?? 0;
        if (at > last) segments.push({ text: text.slice(last, at), kind: 'gap' });
        const w = m[0].normalize('NFKC').toLowerCase();
        const id = c.wordId.get(w);
        if (id !== undefined) {
          let best = 0;
          let bestScore = -Infinity;
          for (let k = 0; k < K; k++) {
            const score = c.elogBeta[k * V + id]! + elogTheta[k]!;
            if (score > bestScore) {
              bestScore = score;
              best = k;
            }
          }
          segments.push({ text: m[0], kind: 'word', topic: best });
        } else {
          const short = [...w].length < c.spec.prep.minTokenLength;
          segments.push({ text: m[0], kind: short || stop.has(w) ? 'stop' : 'oov' });
        }
        last = at + m[0].length;
      }
      if (last < text.length) segments.push({ text: text.slice(last), kind: 'gap' });
      const d = s.repos.datasets.get(c.run.datasetId);
      const fields: Record<string, string> = {};
      if (d) {
        const file = DatasetFile.open(s.datasetPath(d.id));
        const sl = file.slice(row, 1);
        sl.columns.forEach((name, j) => {
          if (name === c.spec.textColumn) return;
          const v = sl.rows[0]?.[j];
          if (v !== null && v !== undefined && String(v).length <= 80) fields[name] = String(v);
        });
      }
      return { runId, row, rows: D, text, segments, theta: thetaD, tokens: N, heldout: heldoutRows(c, D).has(row), fields };
    },

    'lda:search': async ({ runId, query, limit }) => {
      const c = load(runId);
      const q = query.toLowerCase();
      const hits: { row: number; snippet: string }[] = [];
      const texts = textsOf(c);
      for (let r = 0; r < texts.length && hits.length < limit; r++) {
        const t = texts[r]!;
        const at = t.toLowerCase().indexOf(q);
        if (at < 0) continue;
        const from = Math.max(0, at - 40);
        hits.push({ row: r, snippet: `${from > 0 ? '…' : ''}${shorten(t.slice(from), 120)}` });
      }
      return hits;
    },

    'lda:infer': async ({ runId, source, textColumn }) => {
      const c = load(runId);
      const column = textColumn ?? c.spec.textColumn;
      let cells: string[];
      let sourceName: string;
      if ('fileId' in source) {
        const f = s.files.resolve(source.fileId);
        sourceName = f.name;
        cells = await readCsvColumn(f.path, f.name, column);
      } else {
        const d = textColumnOf(source.datasetId, column);
        sourceName = d.name;
        cells = DatasetFile.open(s.datasetPath(d.id)).strings(column);
      }
      if (cells.length === 0) throw new AppError('BAD_REQUEST', `"${sourceName}" has a header but no rows`, 'Add one document per row below the header.');
      const { corpus, report } = await prepareCorpus(cells, { ...c.spec.prep, keepOrder: false, vocabulary: c.model.vocabulary });
      const theta = inferTopics(c.model, corpus);
      const K = c.model.K;
      const D = cells.length;
      const emptyRows: number[] = [];
      const meanTheta = new Array<number>(K).fill(0);
      let nonEmpty = 0;
      for (let d = 0; d < D; d++) {
        if (corpus.docPtr[d + 1] === corpus.docPtr[d]) {
          emptyRows.push(d);
          continue;
        }
        nonEmpty++;
        for (let k = 0; k < K; k++) meanTheta[k]! += theta[d * K + k]!;
      }
      for (let k = 0; k < K; k++) meanTheta[k] = nonEmpty > 0 ? meanTheta[k]! / nonEmpty : 0;
      const preview = [];
      for (let d = 0; d < Math.min(D, 50); d++) {
        let best = 0;
        for (let k = 1; k < K; k++) if (theta[d * K + k]! > theta[d * K + best]!) best = k;
        preview.push({ row: d, text: shorten(cells[d] ?? '', 160), dominant: best, weight: theta[d * K + best]!, empty: corpus.docPtr[d + 1] === corpus.docPtr[d] });
      }
      // The preparation's own "empty … skipped by models" warning is replaced by the one below (rows are kept here).
      const warnings = report.warnings.filter((w) => !/empty after preparation/.test(w));
      if (emptyRows.length > 0) warnings.push(`${emptyRows.length} of ${D} rows have no word of the model's vocabulary; their proportions are the prior mean (column "empty" = 1)`);
      const base = path.basename(sourceName).replace(/\.[^.]*$/, '');
      return {
        runId,
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
        fileName: `${slug(base)}-topics-run-${runId}.csv`,
        warnings,
      };
    },

    'lda:export': async ({ runId, kind }) => {
      const c = load(runId);
      const base = `run-${runId}-${slug(c.run.name)}`;
      let out: LdaExport;
      if (kind === 'topic-word') {
        out = { kind, fileName: `${base}-topic-word.csv`, mime: 'text/csv', text: topicWordCsv(c.model) };
      } else if (kind === 'vocabulary') {
        const { corpus } = await withTheta(c);
        out = {
          kind,
          fileName: `${base}-vocabulary.csv`,
          mime: 'text/csv',
          text: vocabularyCsv(c.model.vocabulary, { termFrequency: corpus.termFrequency, docFrequency: corpus.docFrequency }),
        };
      } else if (kind === 'doc-topic') {
        const { corpus, theta } = await withTheta(c);
        out = { kind, fileName: `${base}-doc-topic.csv`, mime: 'text/csv', text: withEmptyColumn(docTopicCsv(theta, c.model.K), corpus) };
      } else {
        out = { kind, fileName: `${base}-model.json`, mime: 'application/json', text: JSON.stringify(modelToJSON(c.model)) };
      }
      return out;
    },

    'lda:by-category': async ({ runId, column }) => {
      const c = load(runId);
      const d = s.repos.datasets.get(c.run.datasetId);
      const col = d?.schema.find((x) => x.name === column);
      if (!d || !col) throw new AppError('BAD_REQUEST', `Column "${column}" is not in the run's dataset`, d ? `Columns: ${d.schema.map((x) => x.name).join(', ')}` : undefined);
      if (col.type !== 'categorical' && col.type !== 'binary') {
        throw new AppError('BAD_REQUEST', `Column "${column}" is ${col.type}; prevalence by category needs a categorical column`, 'Choose a column with a few repeated values.');
      }
      const labels = DatasetFile.open(s.datasetPath(d.id)).strings(column);
      const { corpus, theta } = await withTheta(c);
      const K = c.model.K;
      const index = new Map<string, number>();
      const sums: number[][] = [];
      const counts: number[] = [];
      const overall = new Array<number>(K).fill(0);
      let n = 0;
      for (let r = 0; r < labels.length; r++) {
        if (corpus.docPtr[r + 1] === corpus.docPtr[r]) continue;
        const label = labels[r] ?? '';
        let i = index.get(label);
        if (i === undefined) {
          i = sums.length;
          index.set(label, i);
          sums.push(new Array<number>(K).fill(0));
          counts.push(0);
        }
        counts[i]!++;
        n++;
        for (let k = 0; k < K; k++) {
          sums[i]![k]! += theta[r * K + k]!;
          overall[k]! += theta[r * K + k]!;
        }
      }
      const categories = [...index.keys()];
      const order = categories.map((_, i) => i).sort((a, b) => categories[a]!.localeCompare(categories[b]!));
      return {
        column,
        categories: order.map((i) => categories[i]!),
        counts: order.map((i) => counts[i]!),
        meanTheta: order.map((i) => sums[i]!.map((v) => v / counts[i]!)),
        overall: overall.map((v) => (n > 0 ? v / n : 0)),
      };
    },
  };
}
