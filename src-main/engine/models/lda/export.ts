/**
 * Exports of a fitted LDA model: CSV tables safe to open in a spreadsheet, and a JSON form that loads back.
 *
 * Formula-injection escaping (OWASP "CSV Injection"): a text cell that starts with '=', '+', '-', '@', a tab or a
 * carriage return is prefixed with a single quote so spreadsheets show it as text; then a cell containing a comma,
 * a double quote, CR or LF (or a leading/trailing space) is quoted, doubling inner quotes (RFC 4180). Numbers the
 * export computes itself are written as plain numbers (a negative number is data, not a formula).
 */
import * as fs from 'node:fs';
import { z } from 'zod';
import { topicWordMatrix } from './fit';
import type { LdaModel } from './model';
import { LdaSpecSchema } from './spec';

/** One CSV text cell, escaped against formula injection and quoted when needed (see the file header). */
export function escapeCsvCell(value: string): string {
  let v = value;
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  if (/[",\r\n]/.test(v) || /^\s|\s$/.test(v)) v = `"${v.replace(/"/g, '""')}"`;
  return v;
}

function num(x: number): string {
  if (!Number.isFinite(x)) return '';
  return String(Number(x.toPrecision(10)));
}

/** Header labels topic_1 … topic_K. */
function topicHeaders(K: number): string[] {
  return Array.from({ length: K }, (_, k) => `topic_${k + 1}`);
}

/**
 * The topic–word matrix as CSV lines, one row per word: word_id, word, then β_kw = λ_kw / Σ_v λ_kv for k = 1…K
 * (or λ itself with `{ normalise: false }`).
 */
export function* topicWordLines(model: LdaModel, opts: { normalise?: boolean } = {}): Generator<string> {
  const { K, V } = model;
  const m = opts.normalise === false ? model.lambda : topicWordMatrix(model);
  yield ['word_id', 'word', ...topicHeaders(K)].join(',');
  for (let w = 0; w < V; w++) {
    const row = [String(w), escapeCsvCell(model.vocabulary[w]!)];
    for (let k = 0; k < K; k++) row.push(num(m[k * V + w]!));
    yield row.join(',');
  }
}

/** topicWordLines as one string (small tables; files stream with writeCsvFile). */
export function topicWordCsv(model: LdaModel, opts: { normalise?: boolean } = {}): string {
  return joinLines(topicWordLines(model, opts));
}

interface VocabularyStats {
  termFrequency?: ArrayLike<number> | undefined;
  docFrequency?: ArrayLike<number> | undefined;
}

/** The vocabulary as CSV lines: word_id, word, and when given the training term and document frequencies. */
export function* vocabularyLines(vocabulary: readonly string[], stats: VocabularyStats = {}): Generator<string> {
  const head = ['word_id', 'word'];
  if (stats.termFrequency) head.push('term_frequency');
  if (stats.docFrequency) head.push('document_frequency');
  yield head.join(',');
  for (let i = 0; i < vocabulary.length; i++) {
    const row = [String(i), escapeCsvCell(vocabulary[i]!)];
    if (stats.termFrequency) row.push(num(stats.termFrequency[i] ?? 0));
    if (stats.docFrequency) row.push(num(stats.docFrequency[i] ?? 0));
    yield row.join(',');
  }
}

export function vocabularyCsv(vocabulary: readonly string[], stats: VocabularyStats = {}): string {
  return joinLines(vocabularyLines(vocabulary, stats));
}

export interface DocTopicOptions {
  /** Document ids or labels (escaped); default the row number from 0. */
  ids?: ArrayLike<string | number>;
  /** Adds a column `empty` (1 = no in-vocabulary token: θ is the prior mean) from these flags. */
  empty?: ArrayLike<number>;
}

/** The header of the document–topic table. */
export function docTopicHeader(K: number, withEmpty: boolean): string {
  return ['document', ...topicHeaders(K), 'dominant_topic', ...(withEmpty ? ['empty'] : [])].join(',');
}

/**
 * Lines of rows `theta` [n × K] (row i is document `start + i`): document, topic_1 … topic_K, dominant_topic
 * (1-based), and `empty` when flags are given (indexed like theta's rows).
 */
export function* docTopicRows(
  theta: Float64Array,
  K: number,
  start = 0,
  opts: DocTopicOptions = {},
): Generator<string> {
  const n = Math.floor(theta.length / K);
  for (let i = 0; i < n; i++) {
    const d = start + i;
    const id = opts.ids ? opts.ids[i] : d;
    const row = [typeof id === 'number' ? String(id) : escapeCsvCell(String(id ?? d))];
    let best = 0;
    for (let k = 0; k < K; k++) {
      const v = theta[i * K + k]!;
      row.push(num(v));
      if (v > theta[i * K + best]!) best = k;
    }
    row.push(String(best + 1));
    if (opts.empty) row.push(opts.empty[i] ? '1' : '0');
    yield row.join(',');
  }
}

/**
 * Document–topic proportions θ [D × K] as one CSV string (see docTopicRows); for files of any size stream
 * `docTopicHeader` + `docTopicRows` per chunk into writeCsvFile instead.
 */
export function docTopicCsv(theta: Float64Array, K: number, opts: DocTopicOptions = {}): string {
  return joinLines(
    (function* () {
      yield docTopicHeader(K, opts.empty !== undefined);
      yield* docTopicRows(theta, K, 0, opts);
    })(),
  );
}

function joinLines(lines: Iterable<string>): string {
  return `${Array.from(lines).join('\n')}\n`;
}

/**
 * Writes CSV lines to `file` through a 1 MiB buffer (no whole-file string), via a temporary name renamed at the
 * end so a failed export leaves no half file. Returns the bytes written.
 */
export async function writeCsvFile(file: string, lines: Iterable<string> | AsyncIterable<string>): Promise<number> {
  const tmp = `${file}.part`;
  const fd = fs.openSync(tmp, 'w');
  let bytes = 0;
  try {
    let buf: string[] = [];
    let pending = 0;
    const flush = (): void => {
      if (buf.length === 0) return;
      const b = Buffer.from(`${buf.join('\n')}\n`, 'utf8');
      fs.writeSync(fd, b);
      bytes += b.length;
      buf = [];
      pending = 0;
    };
    for await (const line of lines) {
      buf.push(line);
      pending += line.length + 1;
      if (pending >= 1 << 20) flush();
    }
    flush();
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  return bytes;
}

export const LDA_MODEL_FORMAT = 'elbo-studio/lda-model';

const ModelJsonSchema = z.object({
  format: z.literal(LDA_MODEL_FORMAT),
  version: z.literal(1),
  K: z.number().int().min(1),
  V: z.number().int().min(1),
  vocabulary: z.array(z.string()),
  alpha: z.array(z.number().positive()),
  eta: z.number().positive(),
  lambda: z.array(z.number().positive()),
  spec: LdaSpecSchema,
  preparation: z.unknown(),
});
export type LdaModelJson = z.infer<typeof ModelJsonSchema>;

/** A plain JSON object (λ topic-major as a flat array) that modelFromJSON loads back exactly. */
export function modelToJSON(model: LdaModel): LdaModelJson {
  return {
    format: LDA_MODEL_FORMAT,
    version: 1,
    K: model.K,
    V: model.V,
    vocabulary: model.vocabulary.slice(),
    alpha: Array.from(model.alpha),
    eta: model.eta,
    lambda: Array.from(model.lambda),
    spec: model.spec,
    preparation: model.preparation ?? null,
  };
}

/** Loads a model from modelToJSON's object or its JSON text; throws a RangeError naming what is wrong. */
export function modelFromJSON(input: unknown): LdaModel {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input) as unknown;
    } catch (e) {
      throw new RangeError(`Not an LDA model file: invalid JSON (${e instanceof Error ? e.message : String(e)})`, {
        cause: e,
      });
    }
  }
  const r = ModelJsonSchema.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new RangeError(`Not an LDA model file: ${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'}`);
  }
  const j = r.data;
  if (j.vocabulary.length !== j.V) throw new RangeError(`Model has V = ${j.V} but ${j.vocabulary.length} words`);
  if (j.alpha.length !== j.K) throw new RangeError(`Model has K = ${j.K} but ${j.alpha.length} alpha values`);
  if (j.lambda.length !== j.K * j.V)
    throw new RangeError(`Model λ has ${j.lambda.length} values, expected K·V = ${j.K * j.V}`);
  return {
    K: j.K,
    V: j.V,
    vocabulary: j.vocabulary,
    lambda: Float64Array.from(j.lambda),
    alpha: Float64Array.from(j.alpha),
    eta: j.eta,
    spec: j.spec,
    preparation: j.preparation ?? null,
  };
}
