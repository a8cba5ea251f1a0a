/**
 * A fitted LDA model as a bundle (the family: ../common/bundle.ts) that ELBO Studio opens again — also on another
 * machine — to infer the topic proportions of new texts exactly as the run that fitted it would:
 *
 *   manifest.json     format 'elbo-studio.lda-bundle' v1: app version, model, family, objective, spec (every
 *                     hyper-parameter), K, V, α, η, the text column and its preparation options, seed, metrics,
 *                     backend, source run, the top words of each topic, `parts` and `files` (size and SHA-256 of each)
 *   lambda.bin        the variational topic parameters λ (q(β_k) = Dir(λ_k)) as little-endian float64, [K × V]
 *                     topic-major — exact, so inference from the bundle equals inference in the run
 *   vocabulary.json   the V words; word id = position
 *   stopwords.json    the exact stop-word list the training text was prepared with (the language's list plus the
 *                     user's extra words), so a later `stopword` package cannot change how new texts are tokenised
 *   topic-word.csv    β_kw = λ_kw / Σ_v λ_kv, one row per word, for spreadsheets (formula-injection safe; not read back)
 *
 * New texts are prepared with the training options and the model's vocabulary (out-of-vocabulary words skipped),
 * then θ_d = γ_d / Σγ_d from the variational E-step (infer.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { prepareCorpus, stopWordsFor, type TextPrepOptions, type TextPrepReport } from '../../../text';
import type { Corpus } from './corpus';
import {
  insideBundle,
  openBundleFolder,
  sealBundle,
  type BundleColumn,
  type BundleFileEntry,
  type BundleHeader,
  type BundleSource,
} from '../common/bundle';
import { topicWordCsv } from './export';
import { inferTopics } from './infer';
import type { LdaModel } from './model';
import { LdaSpecSchema, type LdaSpec } from './spec';

export const LDA_BUNDLE_FORMAT = 'elbo-studio.lda-bundle';
export const LDA_BUNDLE_VERSION = 1;

/** The text preparation stored in a bundle (TextPrepOptions without the per-call fields). */
export type LdaBundlePreparation = Omit<TextPrepOptions, 'keepOrder' | 'vocabulary'>;

export interface LdaBundleParts {
  lambda: string;
  vocabulary: string;
  stopWords: string;
  topicWord: string;
}

export interface LdaBundleManifest extends Omit<BundleHeader, 'format' | 'model'> {
  format: typeof LDA_BUNDLE_FORMAT;
  model: 'lda';
  K: number;
  V: number;
  alpha: number[];
  eta: number;
  /** The engine's fitting settings (topics, method, priors, schedule, seed). */
  ldaSpec: LdaSpec;
  /** The run's whole spec (text column, preparation, held-out share …) when exported from a run. */
  spec: unknown;
  text: { column: string; preparation: LdaBundlePreparation; stopWordCount: number };
  lambdaEncoding: { dtype: 'float64'; byteOrder: 'little'; shape: [number, number]; order: 'topic-major' };
  metrics: Record<string, number | null>;
  /** The ten most probable words of each topic (β), for a quick look. */
  topWords: string[][];
  parts: LdaBundleParts;
  files: BundleFileEntry[];
}

export interface LdaBundleMeta {
  appVersion: string;
  textColumn: string;
  /** The preparation the training text went through (the run spec's `prep`). */
  preparation: LdaBundlePreparation;
  spec?: unknown;
  metrics?: Record<string, number | null>;
  backend?: string | null;
  source?: BundleSource | null;
  familyLabel?: string;
  objectiveLabel?: string;
}

const PARTS: LdaBundleParts = {
  lambda: 'lambda.bin',
  vocabulary: 'vocabulary.json',
  stopWords: 'stopwords.json',
  topicWord: 'topic-word.csv',
};

function topWordsOf(model: LdaModel, n: number): string[][] {
  const { K, V, lambda } = model;
  const out: string[][] = [];
  for (let k = 0; k < K; k++) {
    const idx = Array.from({ length: V }, (_, w) => w);
    idx.sort((a, b) => lambda[k * V + b]! - lambda[k * V + a]!);
    out.push(idx.slice(0, n).map((w) => model.vocabulary[w]!));
  }
  return out;
}

/** Writes the bundle into dir (created if needed), manifest.json last. Returns the manifest. */
export function exportLdaBundle(model: LdaModel, dir: string, meta: LdaBundleMeta): LdaBundleManifest {
  const { K, V } = model;
  if (model.lambda.length !== K * V) throw new Error(`λ has ${model.lambda.length} values; expected K·V = ${K * V}.`);
  fs.mkdirSync(dir, { recursive: true });
  const stop = [...stopWordsFor(meta.preparation.language, meta.preparation.extraStopWords)].sort();
  const lam = Buffer.alloc(K * V * 8);
  for (let i = 0; i < K * V; i++) lam.writeDoubleLE(model.lambda[i]!, i * 8);
  fs.writeFileSync(insideBundle(dir, PARTS.lambda), lam);
  fs.writeFileSync(insideBundle(dir, PARTS.vocabulary), JSON.stringify(model.vocabulary));
  fs.writeFileSync(insideBundle(dir, PARTS.stopWords), JSON.stringify(stop));
  fs.writeFileSync(insideBundle(dir, PARTS.topicWord), topicWordCsv(model));
  const columnSchema: BundleColumn[] = [{ name: meta.textColumn, role: 'text', type: 'text', required: true }];
  const manifest: LdaBundleManifest = {
    format: LDA_BUNDLE_FORMAT,
    formatVersion: LDA_BUNDLE_VERSION,
    appVersion: meta.appVersion,
    createdAt: new Date().toISOString(),
    model: 'lda',
    familyLabel: meta.familyLabel ?? 'meanfield',
    objectiveLabel: meta.objectiveLabel ?? `elbo:${model.spec.method === 'online' ? 'svi' : 'batch'}`,
    seed: model.spec.seed,
    backend: meta.backend ?? null,
    columnSchema,
    source: meta.source ?? null,
    K,
    V,
    alpha: Array.from(model.alpha),
    eta: model.eta,
    ldaSpec: model.spec,
    spec: meta.spec ?? null,
    text: {
      column: meta.textColumn,
      preparation: {
        language: meta.preparation.language,
        extraStopWords: meta.preparation.extraStopWords,
        minTokenLength: meta.preparation.minTokenLength,
        minDf: meta.preparation.minDf,
        maxDf: meta.preparation.maxDf,
        maxVocab: meta.preparation.maxVocab,
        bigrams: meta.preparation.bigrams,
      },
      stopWordCount: stop.length,
    },
    lambdaEncoding: { dtype: 'float64', byteOrder: 'little', shape: [K, V], order: 'topic-major' },
    metrics: meta.metrics ?? {},
    topWords: topWordsOf(model, 10),
    parts: PARTS,
    files: [],
  };
  return sealBundle(dir, manifest);
}

export interface LoadedLdaBundle {
  manifest: LdaBundleManifest;
  model: LdaModel;
  /** Options that prepare new texts exactly as the training text was (with the stored stop-word list). */
  preparation: TextPrepOptions;
  textColumn: string;
}

const fail = (m: string): never => {
  throw new Error(`Damaged LDA bundle: ${m}`);
};

/** Opens a bundle written by exportLdaBundle: checks format, version and every file's checksum first. */
export function loadLdaBundle(dir: string): LoadedLdaBundle {
  const root = path.resolve(dir);
  const manifest = openBundleFolder(root, 'lda').manifest as unknown as LdaBundleManifest;
  const { K, V } = manifest;
  if (!Number.isInteger(K) || K < 1 || !Number.isInteger(V) || V < 1)
    fail(`K = ${String(K)}, V = ${String(V)} are not positive whole numbers.`);
  const parts = manifest.parts;
  const buf = fs.readFileSync(insideBundle(root, parts.lambda));
  if (buf.length !== K * V * 8) fail(`${parts.lambda} holds ${buf.length} bytes; K·V·8 = ${K * V * 8}.`);
  const lambda = new Float64Array(K * V);
  for (let i = 0; i < K * V; i++) {
    const v = buf.readDoubleLE(i * 8);
    if (!(v > 0) || !Number.isFinite(v)) fail(`λ[${i}] = ${v}; every value must be a positive number.`);
    lambda[i] = v;
  }
  const vocabulary = JSON.parse(fs.readFileSync(insideBundle(root, parts.vocabulary), 'utf8')) as unknown;
  if (!Array.isArray(vocabulary) || vocabulary.length !== V || !vocabulary.every((w) => typeof w === 'string'))
    fail(`${parts.vocabulary} must list ${V} words.`);
  const stop = JSON.parse(fs.readFileSync(insideBundle(root, parts.stopWords), 'utf8')) as unknown;
  if (!Array.isArray(stop) || !stop.every((w) => typeof w === 'string'))
    fail(`${parts.stopWords} must be a list of words.`);
  if (!Array.isArray(manifest.alpha) || manifest.alpha.length !== K || !manifest.alpha.every((a) => a > 0))
    fail(`α must hold ${K} positive values.`);
  if (!(manifest.eta > 0)) fail(`η = ${manifest.eta} must be positive.`);
  const spec = LdaSpecSchema.parse(manifest.ldaSpec);
  const p = manifest.text.preparation;
  const preparation: TextPrepOptions = {
    // The stored list replaces the language's: the same words are stop words wherever the bundle is opened.
    language: 'none',
    extraStopWords: stop as string[],
    minTokenLength: p.minTokenLength,
    minDf: p.minDf,
    maxDf: p.maxDf,
    maxVocab: p.maxVocab,
    bigrams: p.bigrams,
  };
  const model: LdaModel = {
    K,
    V,
    vocabulary: vocabulary as string[],
    lambda,
    alpha: Float64Array.from(manifest.alpha),
    eta: manifest.eta,
    spec,
    preparation: p,
  };
  return { manifest, model, preparation, textColumn: manifest.text.column };
}

/** θ [D × K] (row-major) of new texts, with the prepared corpus (empty rows = no known word) and its report. */
export async function inferLdaTexts(
  b: LoadedLdaBundle,
  texts: Array<string | null | undefined>,
): Promise<{ theta: Float64Array; corpus: Corpus; report: TextPrepReport }> {
  const { corpus, report } = await prepareCorpus(texts, {
    ...b.preparation,
    keepOrder: false,
    vocabulary: b.model.vocabulary,
  });
  return { theta: inferTopics(b.model, corpus), corpus, report };
}
