/**
 * Topic proportions of new documents under a fitted model: the variational E-step (Blei et al. 2003, §5.2; kernel.ts)
 * with the model's α and B = exp(E[log β]), E[log β_kw] = ψ(λ_kw) − ψ(Σ_v λ_kv), run until mean |Δγ| < tol, then
 * θ_d = γ_d / Σ_k γ_dk (the posterior mean of q(θ_d)). An empty document gets the prior mean α / Σα.
 * The documents must be prepared with the model's vocabulary (TextPrepOptions.vocabulary = model.vocabulary).
 */
import * as os from 'node:os';
import { AppError } from '../../../../src-shared/ipc/app-error';
import { type Corpus, numDocs, sharedCorpus, subsetCorpus } from './corpus';
import { LdaExecutor, type LdaWorkerFactory } from './executor';
import { EStepScratch, eStep } from './kernel';
import type { LdaModel } from './model';
import { digamma } from './special';

export interface InferOptions {
  maxIter?: number;
  tol?: number;
}

function checkVocabulary(model: LdaModel, docs: Corpus): void {
  const v = docs.vocabulary;
  if (v.length !== model.V || v.some((w, i) => w !== model.vocabulary[i])) {
    throw new AppError(
      'BAD_REQUEST',
      `The documents were prepared with a different vocabulary (${v.length} words; the model has ${model.V})`,
      "Prepare them with the model's vocabulary (TextPrepOptions.vocabulary = model.vocabulary)",
    );
  }
}

/** exp(E[log β]) word-major [V × K] of a model. */
export function expElogBetaT(model: LdaModel, out?: Float64Array): Float64Array {
  const { K, V, lambda } = model;
  const B = out ?? new Float64Array(K * V);
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let w = 0; w < V; w++) s += lambda[k * V + w]!;
    const ps = digamma(s);
    for (let w = 0; w < V; w++) B[w * K + k] = Math.exp(digamma(lambda[k * V + w]!) - ps);
  }
  return B;
}

function finish(model: LdaModel, docs: Corpus, gamma: Float64Array): Float64Array {
  const { K } = model;
  const D = numDocs(docs);
  const out = new Float64Array(D * K);
  let as = 0;
  for (let k = 0; k < K; k++) as += model.alpha[k]!;
  for (let d = 0; d < D; d++) {
    const empty = docs.docPtr[d + 1] === docs.docPtr[d];
    let s = 0;
    for (let k = 0; k < K; k++) s += empty ? model.alpha[k]! : gamma[d * K + k]!;
    for (let k = 0; k < K; k++) out[d * K + k] = (empty ? model.alpha[k]! : gamma[d * K + k]!) / (empty ? as : s);
  }
  return out;
}

/** θ [D × K] (row-major) for every document of `docs`, on the calling thread. Defaults: 200 sweeps, tol 1e-4. */
export function inferTopics(model: LdaModel, docs: Corpus, opts: InferOptions = {}): Float64Array {
  checkVocabulary(model, docs);
  const { K } = model;
  const D = numDocs(docs);
  const gamma = new Float64Array(D * K);
  const all = Uint32Array.from({ length: D }, (_, i) => i);
  eStep(
    docs,
    all,
    {
      K,
      topics: expElogBetaT(model),
      alpha: model.alpha,
      maxIter: opts.maxIter ?? 200,
      tol: opts.tol ?? 1e-4,
      init: 'prior',
      gammaStore: gamma,
      computeBound: false,
    },
    new EStepScratch(K),
  );
  return finish(model, docs, gamma);
}

/** As inferTopics, on worker threads (default os.availableParallelism(); ≤ 1: the calling thread). */
export async function inferTopicsParallel(
  model: LdaModel,
  docs: Corpus,
  opts: InferOptions & { threads?: number; workerFactory?: LdaWorkerFactory } = {},
): Promise<Float64Array> {
  checkVocabulary(model, docs);
  const { K, V } = model;
  const D = numDocs(docs);
  const exec = new LdaExecutor(K, V, opts.threads ?? os.availableParallelism(), opts.workerFactory);
  try {
    await exec.start();
    expElogBetaT(model, exec.B);
    const gamma = new Float64Array(new SharedArrayBuffer(Math.max(1, D * K) * 8));
    await exec.registerCorpus(0, sharedCorpus(docs), gamma);
    await exec.estep(thetaRequest(model, 0, D, opts));
    return finish(model, docs, gamma);
  } finally {
    await exec.close();
  }
}

/** The executor's E-step request for θ of documents 0 … n − 1 of registered corpus `corpus` (γ kept, nothing summed). */
function thetaRequest(model: LdaModel, corpus: number, n: number, opts: InferOptions) {
  return {
    corpus,
    docs: Uint32Array.from({ length: n }, (_, i) => i),
    topics: 'B' as const,
    alpha: model.alpha,
    maxIter: opts.maxIter ?? 200,
    tol: opts.tol ?? 1e-4,
    init: 'prior' as const,
    useStore: true,
    accumulate: false,
    bound: false,
  };
}

/** One chunk of streamed proportions: rows start … start + n − 1 of the corpus, θ [n × K]. */
export interface ThetaChunk {
  start: number;
  theta: Float64Array;
  /** 1 where the document has no in-vocabulary word (θ is then the prior mean). */
  empty: Uint8Array;
}

/**
 * θ of every document of `docs`, `chunk` rows at a time, on worker threads (one executor for the whole stream):
 * memory is O(chunk · K) beyond the corpus, so a million-row export never holds the [D × K] matrix. Each chunk equals
 * the same rows of inferTopics / inferTopicsParallel.
 */
export async function* inferTopicChunks(
  model: LdaModel,
  docs: Corpus,
  opts: InferOptions & { threads?: number; workerFactory?: LdaWorkerFactory; chunk?: number } = {},
): AsyncGenerator<ThetaChunk> {
  checkVocabulary(model, docs);
  const { K, V } = model;
  const D = numDocs(docs);
  const chunk = Math.max(1, opts.chunk ?? 16_384);
  const exec = new LdaExecutor(K, V, opts.threads ?? os.availableParallelism(), opts.workerFactory);
  try {
    await exec.start();
    expElogBetaT(model, exec.B);
    const gamma = new Float64Array(new SharedArrayBuffer(chunk * K * 8));
    for (let start = 0, id = 0; start < D; start += chunk, id++) {
      const n = Math.min(chunk, D - start);
      const part = sharedCorpus(
        subsetCorpus(
          docs,
          Uint32Array.from({ length: n }, (_, i) => start + i),
        ),
      );
      await exec.registerCorpus(id, part, gamma);
      await exec.estep(thetaRequest(model, id, n, opts));
      await exec.dropCorpus(id);
      const empty = new Uint8Array(n);
      for (let d = 0; d < n; d++) empty[d] = part.docPtr[d + 1] === part.docPtr[d] ? 1 : 0;
      yield { start, theta: finish(model, part, gamma.subarray(0, n * K)), empty };
    }
  } finally {
    await exec.close();
  }
}

/**
 * Held-out per-word perplexity by document completion (measures.ts header; REFERENCE.md) on the calling thread:
 * θ from `observed` (α = 1/K, to convergence) under β = λ normalised, scored on `scored` (row d of both is the
 * same document). Returns the perplexity with the log-likelihood and token count it came from, and its standard error
 * over documents: perplexity = exp(−r) with the ratio r = Σ_d ℓ_d / Σ_d n_d (ℓ_d, n_d: document d's scored
 * log-likelihood and tokens), Var(r) ≈ D/(D − 1) Σ_d (ℓ_d − r n_d)² / (Σ_d n_d)² (the ratio estimator's delta method),
 * se = perplexity · √Var(r); NaN with fewer than two scored documents.
 */
export function completionPerplexity(
  model: LdaModel,
  observed: Corpus,
  scored: Corpus,
  opts: { maxIter?: number; tol?: number } = {},
): { perplexity: number; se: number; logLik: number; tokens: number; documents: number } {
  checkVocabulary(model, observed);
  const { K, V, lambda } = model;
  const beta = new Float64Array(K * V);
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let w = 0; w < V; w++) s += lambda[k * V + w]!;
    for (let w = 0; w < V; w++) beta[w * K + k] = lambda[k * V + w]! / s;
  }
  const D = numDocs(observed);
  const options = {
    K,
    topics: beta,
    alpha: new Float64Array(K).fill(1 / K),
    maxIter: opts.maxIter ?? 1000,
    tol: opts.tol ?? 1e-6,
    init: 'prior' as const,
    computeBound: false,
    score: scored,
  };
  const scratch = new EStepScratch(K);
  const one = new Uint32Array(1);
  const ll: number[] = [];
  const n: number[] = [];
  let logLik = 0;
  let tokens = 0;
  for (let d = 0; d < D; d++) {
    one[0] = d;
    const r = eStep(observed, one, options, scratch);
    if (r.scoredDocs === 0) continue;
    ll.push(r.scoredLogLik);
    n.push(r.scoredTokens);
    logLik += r.scoredLogLik;
    tokens += r.scoredTokens;
  }
  const m = ll.length;
  const perplexity = tokens > 0 ? Math.exp(-logLik / tokens) : Number.NaN;
  let se = Number.NaN;
  if (m >= 2) {
    const rate = logLik / tokens;
    let ss = 0;
    for (let i = 0; i < m; i++) ss += (ll[i]! - rate * n[i]!) ** 2;
    se = (perplexity * Math.sqrt((m / (m - 1)) * ss)) / tokens;
  }
  return { perplexity, se, logLik, tokens, documents: m };
}
