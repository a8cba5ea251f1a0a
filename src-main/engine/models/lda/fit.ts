/**
 * Fitting LDA by mean-field variational inference.
 *
 * Batch variational EM (Blei, Ng & Jordan 2003, §5.3): each pass runs the E-step (kernel.ts) on every document,
 * warm-starting γ_d from the previous pass, then the M-step λ_kw = η + Σ_d n_dw φ_dwk. The ELBO recorded for pass t is
 * L(γ_t, λ_{t−1}) (E-step done, M-step not yet), so it can never decrease from pass to pass (each step is a
 * coordinate ascent step on the bound with φ profiled out).
 * Online SVI (Hoffman, Blei & Bach 2010, Alg. 2; Hoffman et al. 2013): for minibatches B_t of the (shuffled) documents,
 * local E-step, λ̂ = η + (D/|B_t|) Σ_{d∈B_t} n_dw φ_dwk, λ ← (1 − ρ_t) λ + ρ_t λ̂ with ρ_t = (τ0 + t)^(−κ), t = 0, 1, ….
 * Its per-pass ELBO is a stochastic estimate: Σ over the pass's minibatches of Σ_d ℓ_d (each at the λ of that moment)
 * plus T(λ) at the end of the pass.
 * λ is initialised from Gamma(100, 1/100) as in gensim and scikit-learn, drawn from the seeded key (rng.ts), plus by
 * default ('seeded') the word counts of K documents chosen by greedy k-means++; in training γ_d starts at
 * 1 + 0.1·U(−√3, √3) per topic (hashed from the seed, the pass and d), as gensim's and sklearn's Gamma(100, 1/100).
 * Empirical Bayes (optional): one Newton step on α per pass (batch) or per minibatch with step ρ_t (online), and
 * likewise on a scalar η (measures.ts). The E-step runs on worker threads (executor.ts); λ is stored lazily so an
 * online update costs O(minibatch words · K) (LazyLambda).
 */
import * as os from 'node:os';
import { AppError } from '../../../../src-shared/ipc/app-error';
import { type Corpus, completionSplit, numDocs, sharedCorpus } from './corpus';
import { type Key, fold, gamma as gammaDraws, key, permutation, split, uniform } from '../../rng';
import { type LazyParams, LdaExecutor, type LdaWorkerFactory } from './executor';
import { type Coherence, newtonAlpha, newtonEta, perplexity, topIndices, topicCoherence, topicTerm } from './measures';
import type { LdaModel } from './model';
import { digamma } from './special';
import { ldaKernelPath } from './kernel';
import { type LdaSpec, type LdaSpecInput, initialAlpha, parseLdaSpec } from './spec';

/** Sweeps and tolerance of the held-out completion E-step ("to convergence"). */
export const COMPLETION_MAX_ITER = 1000;
export const COMPLETION_TOL = 1e-6;

export interface LdaPassRecord {
  pass: number;
  /** Full variational bound (batch) or its stochastic estimate (online); see the file header. */
  elbo: number;
  /** Held-out per-word perplexity by document completion (null without held-out documents). */
  perplexityCompletion: number | null;
  /** Held-out per-word perplexity by the variational bound (null without held-out documents). */
  perplexityBound: number | null;
  /** Mean NPMI / UMass coherence of the topics' top 10 words on the training corpus after this pass (null when the
   * pass was not evaluated): whether topics get more coherent pass by pass, beside the perplexity. */
  npmi: number | null;
  umass: number | null;
  /** Training seconds of this pass (evaluation excluded). */
  seconds: number;
  /** Training seconds so far. */
  totalSeconds: number;
  /** CPU seconds (user + system, all threads of the process) spent training in this pass. */
  cpuSeconds: number;
  /** Seconds spent evaluating after this pass. */
  evalSeconds: number;
  /** Mean E-step sweeps per document. */
  sweepsPerDoc: number;
  /** Last step size ρ_t (1 for batch). */
  rho: number;
  updates: number;
  alpha: number[];
  eta: number;
}

export interface LdaProgress {
  pass: number;
  passes: number;
  /** Documents processed in this pass. */
  docs: number;
  totalDocs: number;
  phase: 'train' | 'evaluate' | 'coherence';
}

export interface FitLdaOptions {
  heldout?: Corpus;
  onProgress?(p: LdaProgress): void;
  onPass?(p: LdaPassRecord): void;
  shouldStop?(): boolean;
  /** Evaluate held-out perplexity every n passes (and after the last); default 1. */
  evaluateEvery?: number;
  /** Also compute the bound perplexity (one more held-out E-step per evaluation); default true. */
  perplexityBound?: boolean;
  /** Supplies worker threads (the app's bundler may need its own); default: defaultLdaWorkerFactory. */
  workerFactory?: LdaWorkerFactory;
  /** Minimum milliseconds between onProgress calls; default 200. */
  progressIntervalMs?: number;
  /**
   * The documents of `train` to fit on (ascending row numbers; default all), so a held-out split needs no copy of
   * the training rows: a million-document corpus is shared with the threads as stored.
   */
  rows?: Uint32Array;
}

export interface LdaFit extends LdaModel {
  history: LdaPassRecord[];
  coherence: Coherence;
  documents: { total: number; used: number; skippedEmpty: number; tokens: number };
  heldout: { documents: number; scoredDocuments: number; scoredTokens: number; tokens: number } | null;
  stopped: boolean;
  threads: number;
  /** Which E-step implementation ran: the native addon's (native/lda_native.c) or kernel.ts's loops. */
  kernel: 'native' | 'js';
  seconds: number;
}

const TRAIN = 0;
const HELD_FULL = 1;
const HELD_OBS = 2;
const HELD_SCORED = 3;

function nonEmptyDocs(c: Corpus, rows?: Uint32Array): Uint32Array {
  const n = rows ? rows.length : numDocs(c);
  const out = new Uint32Array(n);
  let m = 0;
  for (let r = 0; r < n; r++) {
    const d = rows ? rows[r]! : r;
    if (!(d < numDocs(c))) throw new RangeError(`Expected training rows in [0, ${numDocs(c)}), got ${d}`);
    if (c.docPtr[d + 1]! > c.docPtr[d]!) out[m++] = d;
  }
  return out.slice(0, m);
}

function sumCounts(c: Corpus, docs: Uint32Array): number {
  let s = 0;
  for (const d of docs) for (let i = c.docPtr[d]!; i < c.docPtr[d + 1]!; i++) s += c.counts[i]!;
  return s;
}

/** The most documents k-means++ seeding scans (see seedDocuments). */
export const SEED_CANDIDATES = 50_000;

/**
 * K seed documents by greedy k-means++ (Arthur & Vassilvitskii 2007; scikit-learn's 2 + ln K local trials) on normalised word-count vectors with the cosine
 * distance 1 − cos: the first uniformly, each next with probability ∝ squared distance to the nearest seed so far.
 * Used by the 'seeded' initialisation (λ_k ← Gamma draws + the counts of seed document k, as lda-c's "seeded" start
 * with k-means++ choosing the documents), which keeps batch EM out of the merged-topic local optima a near-uniform
 * start falls into.
 */
export function seedDocuments(c: Corpus, all: Uint32Array, K: number, k: Key): number[] {
  // Beyond SEED_CANDIDATES documents the seeds are chosen among a seeded sample of that many (each k-means++ step
  // scans every candidate, so the full set would cost O(K · log K · nnz): hours at a million documents).
  let docs = all;
  if (all.length > SEED_CANDIDATES) {
    const perm = permutation(fold(k, 1), all.length);
    docs = new Uint32Array(SEED_CANDIDATES);
    for (let i = 0; i < SEED_CANDIDATES; i++) docs[i] = all[perm[i]!]!;
    docs.sort();
  }
  const n = docs.length;
  const norm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = docs[i]!;
    let s = 0;
    for (let j = c.docPtr[d]!; j < c.docPtr[d + 1]!; j++) s += c.counts[j]! * c.counts[j]!;
    norm[i] = Math.sqrt(s) || 1;
  }
  const trials = 2 + Math.floor(Math.log(K));
  const u = uniform(k, 1 + K * trials);
  let ui = 0;
  const dense = new Float64Array(c.vocabulary.length);
  /** Squared cosine distances of every document to document index p. */
  const dist2 = (p: number, out: Float64Array): void => {
    const d0 = docs[p]!;
    for (let j = c.docPtr[d0]!; j < c.docPtr[d0 + 1]!; j++) dense[c.wordIds[j]!] = c.counts[j]!;
    for (let i = 0; i < n; i++) {
      const d = docs[i]!;
      let dot = 0;
      for (let j = c.docPtr[d]!; j < c.docPtr[d + 1]!; j++) dot += c.counts[j]! * dense[c.wordIds[j]!]!;
      const x = 1 - dot / (norm[i]! * norm[p]!);
      out[i] = x * x;
    }
    for (let j = c.docPtr[d0]!; j < c.docPtr[d0 + 1]!; j++) dense[c.wordIds[j]!] = 0;
  };
  const best = new Float64Array(n);
  let first = Math.min(n - 1, Math.floor(u[ui++]! * n));
  dist2(first, best);
  const chosen = [docs[first]!];
  const cand = new Float64Array(n);
  const bestCand = new Float64Array(n);
  while (chosen.length < Math.min(K, n)) {
    let total = 0;
    for (let i = 0; i < n; i++) total += best[i]!;
    let bestPot = Number.POSITIVE_INFINITY;
    let bestIdx = -1;
    // Greedy k-means++: of `trials` candidates drawn ∝ D², keep the one that lowers the potential most.
    for (let t = 0; t < trials; t++) {
      let target = u[ui++]! * total;
      let pick = n - 1;
      for (let i = 0; i < n; i++) {
        target -= best[i]!;
        if (target <= 0 && best[i]! > 0) {
          pick = i;
          break;
        }
      }
      dist2(pick, cand);
      let pot = 0;
      for (let i = 0; i < n; i++) {
        cand[i] = Math.min(cand[i]!, best[i]!);
        pot += cand[i]!;
      }
      if (pot < bestPot) {
        bestPot = pot;
        bestIdx = pick;
        bestCand.set(cand);
      }
    }
    chosen.push(docs[bestIdx]!);
    best.set(bestCand);
    first = bestIdx;
  }
  while (chosen.length < K) chosen.push(docs[chosen.length % n]!);
  return chosen;
}

/** β [V × K] word-major from λ [V × K]: β_wk = λ_wk / Σ_v λ_vk. */
function normaliseInto(lambdaT: Float64Array, K: number, V: number, out: Float64Array): void {
  const rs = new Float64Array(K);
  for (let w = 0; w < V; w++) for (let k = 0; k < K; k++) rs[k]! += lambdaT[w * K + k]!;
  for (let w = 0; w < V; w++) for (let k = 0; k < K; k++) out[w * K + k] = lambdaT[w * K + k]! / rs[k]!;
}

/**
 * The global parameter λ [V × K] held lazily as λ_wk = a·μ_wk + η (μ shared with the threads), so that the online
 * update λ ← (1 − ρ)λ + ρ(η + s·S) costs O(words in the minibatch · K): a ← (1 − ρ)a, μ_w ← μ_w + ρ s S_w / a.
 * Batch EM's λ = η + S resets it (a = 1, μ = S). Topic totals Σ_w λ_wk = a·Σ_w μ_wk + Vη are tracked incrementally
 * (recomputed exactly once per pass); `version` tells the threads when their cached B rows are stale.
 */
class LazyLambda {
  a = 1;
  version = 0;
  readonly rowMu: Float64Array;
  private union: Int32Array;
  private unionMark = 0;
  constructor(
    readonly mu: Float64Array,
    readonly K: number,
    readonly V: number,
    public eta: number,
  ) {
    this.rowMu = new Float64Array(K);
    this.union = new Int32Array(V).fill(-1);
  }
  /** Sets λ from a dense word-major array. */
  setDense(lambdaT: Float64Array): void {
    this.a = 1;
    for (let i = 0; i < lambdaT.length; i++) this.mu[i] = lambdaT[i]! - this.eta;
    this.recomputeRows();
    this.version++;
  }
  recomputeRows(): void {
    const { K, V, mu } = this;
    this.rowMu.fill(0);
    for (let w = 0; w < V; w++) for (let k = 0; k < K; k++) this.rowMu[k]! += mu[w * K + k]!;
  }
  params(): LazyParams {
    const psiRow = new Float64Array(this.K);
    for (let k = 0; k < this.K; k++) psiRow[k] = digamma(this.a * this.rowMu[k]! + this.V * this.eta);
    return { a: this.a, eta: this.eta, psiRow, version: this.version };
  }
  /** Dense λ [V × K]. */
  dense(out = new Float64Array(this.V * this.K)): Float64Array {
    const { a, eta, mu } = this;
    for (let i = 0; i < out.length; i++) out[i] = a * mu[i]! + eta;
    return out;
  }
  /** The distinct words of several touched lists. */
  private unique(lists: Uint32Array[]): number[] {
    const mark = ++this.unionMark;
    const out: number[] = [];
    for (const l of lists) {
      for (const w of l) {
        if (this.union[w] !== mark) {
          this.union[w] = mark;
          out.push(w);
        }
      }
    }
    return out;
  }
  /** λ ← (1 − ρ)λ + ρ(η + scale·ΣS) over the touched rows (ρ = 1: batch EM's λ = η + S); zeroes the S rows. */
  update(sstats: Float64Array[], touched: Uint32Array[], rho: number, scale: number): void {
    const { K, mu } = this;
    const words = this.unique(touched);
    let c: number;
    if (rho >= 1) {
      mu.fill(0);
      this.rowMu.fill(0);
      this.a = 1;
      c = scale;
    } else {
      this.a *= 1 - rho;
      c = (rho * scale) / this.a;
    }
    for (const w of words) {
      const base = w * K;
      for (const S of sstats) {
        for (let k = 0; k < K; k++) {
          const v = S[base + k]!;
          if (v !== 0) {
            const inc = c * v;
            mu[base + k]! += inc;
            this.rowMu[k]! += inc;
            S[base + k] = 0;
          }
        }
      }
    }
    if (this.a < 1e-150) this.rescale();
    this.version++;
  }
  /** Folds a into μ (keeps μ in floating-point range). */
  rescale(): void {
    const { a, mu } = this;
    for (let i = 0; i < mu.length; i++) mu[i]! *= a;
    for (let k = 0; k < this.K; k++) this.rowMu[k]! *= a;
    this.a = 1;
  }
  /** Changes η keeping λ unchanged. */
  setEta(eta: number): void {
    const d = (this.eta - eta) / this.a;
    if (d !== 0) {
      const { mu } = this;
      for (let i = 0; i < mu.length; i++) mu[i]! += d;
      for (let k = 0; k < this.K; k++) this.rowMu[k]! += this.V * d;
    }
    this.eta = eta;
    this.version++;
  }
}

/**
 * Fits LDA to the non-empty documents of `train` (see the file header for the algorithms and LdaPassRecord for
 * what each pass reports). Resolves with the model, its per-pass history, coherence on the training corpus and
 * document counts. `shouldStop` is polled between minibatches (online) or chunks of 2,048 documents (batch); a
 * stopped fit resolves with `stopped: true` and the model as it was.
 */
export async function fitLda(train: Corpus, specInput?: LdaSpecInput, opts: FitLdaOptions = {}): Promise<LdaFit> {
  const spec: LdaSpec = parseLdaSpec(specInput);
  const K = spec.topics;
  const V = train.vocabulary.length;
  if (V === 0)
    throw new AppError(
      'BAD_REQUEST',
      'The corpus has an empty vocabulary',
      'Prepare the text again with looser filters',
    );
  const trainDocs = nonEmptyDocs(train, opts.rows);
  const trainTotal = opts.rows ? opts.rows.length : numDocs(train);
  const Dn = trainDocs.length;
  if (Dn === 0) {
    throw new AppError(
      'BAD_REQUEST',
      `All ${trainTotal} training documents are empty`,
      'Check the text column and the preparation filters',
    );
  }
  const heldout = opts.heldout;
  if (heldout) {
    const hv = heldout.vocabulary;
    if (hv.length !== V || hv.some((w, i) => w !== train.vocabulary[i])) {
      throw new AppError(
        'BAD_REQUEST',
        `Held-out corpus has a different vocabulary (${hv.length} words vs ${V})`,
        'Prepare held-out documents with the training vocabulary (TextPrepOptions.vocabulary)',
      );
    }
  }
  const eta0 = spec.eta ?? 1 / K;
  const resolved: LdaSpec = { ...spec, eta: eta0 };
  const threads = Math.max(0, spec.threads ?? os.availableParallelism());
  const exec = new LdaExecutor(K, V, threads, opts.workerFactory);
  const progressEvery = opts.progressIntervalMs ?? 200;
  let lastProgress = 0;
  const progress = (p: LdaProgress, force = false): void => {
    if (!opts.onProgress) return;
    const now = performance.now();
    if (force || now - lastProgress >= progressEvery) {
      lastProgress = now;
      opts.onProgress(p);
    }
  };

  try {
    await exec.start();
    const trainS = sharedCorpus(train);
    const gammaStore =
      spec.method === 'batch'
        ? new Float64Array(new SharedArrayBuffer(Math.max(1, numDocs(train) * K) * 8))
        : undefined;
    await exec.registerCorpus(TRAIN, trainS, gammaStore);
    let heldDocs: Uint32Array = new Uint32Array(0);
    let heldTokens = 0;
    let heldObsDocs: Uint32Array = new Uint32Array(0);
    const split2 = heldout ? completionSplit(heldout) : null;
    if (heldout && split2) {
      const hs = sharedCorpus(heldout);
      await exec.registerCorpus(HELD_FULL, hs);
      await exec.registerCorpus(HELD_OBS, sharedCorpus(split2.observed));
      await exec.registerCorpus(HELD_SCORED, sharedCorpus(split2.scored));
      heldDocs = nonEmptyDocs(heldout);
      heldTokens = sumCounts(heldout, heldDocs);
      heldObsDocs = nonEmptyDocs(split2.observed);
    }

    // λ ~ Gamma(100, 1/100), drawn topic-major so the draw does not depend on the storage layout.
    const [kLambda, kOrder, kInit, kJitter] = split(key(spec.seed), 4);
    const jitterSeed = kJitter![0];
    const draws = gammaDraws(kLambda!, K * V, 100);
    const lambda0 = new Float64Array(K * V);
    for (let k = 0; k < K; k++) for (let w = 0; w < V; w++) lambda0[w * K + k] = draws[k * V + w]! / 100;
    if (spec.init === 'seeded') {
      const seeds = seedDocuments(trainS, trainDocs, K, kInit!);
      seeds.forEach((d, k) => {
        for (let i = trainS.docPtr[d]!; i < trainS.docPtr[d + 1]!; i++)
          lambda0[trainS.wordIds[i]! * K + k]! += trainS.counts[i]!;
      });
    }
    const lam = new LazyLambda(exec.mu, K, V, eta0);
    lam.setDense(lambda0);

    let alpha = initialAlpha(spec);
    const history: LdaPassRecord[] = [];
    let totalSeconds = 0;
    let t = 0;
    let stopped = false;
    const trainTokens = sumCounts(train, trainDocs);
    const evaluateEvery = Math.max(1, opts.evaluateEvery ?? 1);
    /** Coherence of the current topics (top 10 words by λ_kw, which orders them as β_kw does). */
    const coherenceNow = (): Coherence => {
      const d = lam.dense(dense);
      const topicMajor = new Float64Array(K * V);
      for (let w = 0; w < V; w++) for (let k = 0; k < K; k++) topicMajor[k * V + w] = d[w * K + k]!;
      return topicCoherence(
        trainS,
        Array.from({ length: K }, (_, k) => topIndices(topicMajor, K, V, k, 10)),
        opts.rows,
      );
    };
    const heldRatio = heldout ? heldDocs.length / Dn : 0;
    const dense = new Float64Array(K * V);

    const evaluate = async (): Promise<{ completion: number | null; bound: number | null; seconds: number }> => {
      if (!heldout || heldDocs.length === 0) return { completion: null, bound: null, seconds: 0 };
      const t0 = performance.now();
      normaliseInto(lam.dense(dense), K, V, exec.beta);
      const flat = new Float64Array(K).fill(1 / K);
      const comp = await exec.estep({
        corpus: HELD_OBS,
        docs: heldObsDocs,
        topics: 'beta',
        alpha: flat,
        maxIter: COMPLETION_MAX_ITER,
        tol: COMPLETION_TOL,
        init: 'prior',
        useStore: false,
        accumulate: false,
        bound: false,
        score: HELD_SCORED,
      });
      let bound: number | null = null;
      if (opts.perplexityBound !== false) {
        const r = await exec.estep({
          corpus: HELD_FULL,
          docs: heldDocs,
          topics: 'lazy',
          lazy: lam.params(),
          alpha,
          maxIter: spec.maxEStepIter,
          tol: spec.eStepTol,
          init: 'prior',
          useStore: false,
          accumulate: false,
          bound: true,
        });
        const { term } = topicTerm(lam.dense(dense), K, V, lam.eta);
        bound = perplexity(r.bound + term * heldRatio, heldTokens);
      }
      return {
        completion: perplexity(comp.scoredLogLik, comp.scoredTokens),
        bound,
        seconds: (performance.now() - t0) / 1000,
      };
    };

    const updateEta = (rho: number): void => {
      const after = topicTerm(lam.dense(dense), K, V, lam.eta);
      lam.setEta(newtonEta(lam.eta, after.sumElogBeta, K, V, rho));
    };

    for (let pass = 1; pass <= spec.passes && !stopped; pass++) {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      let elboDocs = 0;
      let sweeps = 0;
      let docsDone = 0;
      let rho = 1;
      let elbo: number;
      lam.recomputeRows();
      if (spec.method === 'batch') {
        const chunk = 2048;
        const sumElog = new Float64Array(K);
        const touched: Uint32Array[] = [];
        const params = lam.params();
        for (let s = 0; s < Dn; s += chunk) {
          const r = await exec.estep({
            corpus: TRAIN,
            docs: trainDocs.subarray(s, Math.min(Dn, s + chunk)),
            topics: 'lazy',
            lazy: params,
            alpha,
            maxIter: spec.maxEStepIter,
            tol: spec.eStepTol,
            init: pass === 1 ? 'jitter' : 'store',
            jitterSeed,
            useStore: true,
            accumulate: true,
            bound: true,
          });
          touched.push(...r.touched);
          elboDocs += r.bound;
          sweeps += r.sweeps;
          docsDone += r.docs;
          for (let k = 0; k < K; k++) sumElog[k]! += r.sumElogTheta[k]!;
          progress({ pass, passes: spec.passes, docs: docsDone, totalDocs: Dn, phase: 'train' });
          if (opts.shouldStop?.()) {
            stopped = true;
            break;
          }
        }
        if (stopped) {
          // Discard the partial pass: accumulators are reset, λ stays as after the last full pass.
          for (const st of exec.sstats) st.fill(0);
          break;
        }
        elbo = elboDocs + topicTerm(lam.dense(dense), K, V, lam.eta).term;
        lam.update(exec.sstats, touched, 1, 1);
        if (spec.optimizeAlpha) alpha = newtonAlpha(alpha, sumElog, Dn, 1);
        if (spec.optimizeEta) updateEta(1);
        t++;
      } else {
        const order = spec.shuffle
          ? permutation(fold(kOrder!, pass), Dn)
          : Int32Array.from({ length: Dn }, (_, i) => i);
        const docs = new Uint32Array(Dn);
        for (let i = 0; i < Dn; i++) docs[i] = trainDocs[order[i]!]!;
        for (let s = 0; s < Dn; s += spec.batchSize) {
          const mb = docs.subarray(s, Math.min(Dn, s + spec.batchSize));
          const r = await exec.estep({
            corpus: TRAIN,
            docs: mb,
            topics: 'lazy',
            lazy: lam.params(),
            alpha,
            maxIter: spec.maxEStepIter,
            tol: spec.eStepTol,
            init: 'jitter',
            jitterSeed: (jitterSeed + Math.imul(pass, 0x2545f491)) >>> 0,
            useStore: false,
            accumulate: true,
            bound: true,
          });
          rho = Math.pow(spec.tau0 + t, -spec.kappa);
          lam.update(exec.sstats, r.touched, rho, Dn / Math.max(1, r.docs));
          if (spec.optimizeAlpha) alpha = newtonAlpha(alpha, r.sumElogTheta, r.docs, rho);
          if (spec.optimizeEta) updateEta(rho);
          t++;
          elboDocs += r.bound;
          sweeps += r.sweeps;
          docsDone += r.docs;
          progress({ pass, passes: spec.passes, docs: docsDone, totalDocs: Dn, phase: 'train' });
          if (opts.shouldStop?.()) {
            stopped = true;
            break;
          }
        }
        elbo = elboDocs + topicTerm(lam.dense(dense), K, V, lam.eta).term;
      }
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      totalSeconds += seconds;
      let ev = { completion: null as number | null, bound: null as number | null, seconds: 0 };
      let coh: Coherence | null = null;
      if (!stopped && (pass % evaluateEvery === 0 || pass === spec.passes)) {
        progress({ pass, passes: spec.passes, docs: docsDone, totalDocs: Dn, phase: 'evaluate' }, true);
        ev = await evaluate();
        coh = coherenceNow();
      }
      const rec: LdaPassRecord = {
        pass,
        elbo,
        perplexityCompletion: ev.completion,
        perplexityBound: ev.bound,
        npmi: coh?.npmi ?? null,
        umass: coh?.umass ?? null,
        seconds,
        totalSeconds,
        cpuSeconds,
        evalSeconds: ev.seconds,
        sweepsPerDoc: docsDone ? sweeps / docsDone : 0,
        rho,
        updates: t,
        alpha: Array.from(alpha),
        eta: lam.eta,
      };
      history.push(rec);
      opts.onPass?.(rec);
      if (opts.shouldStop?.()) stopped = true;
    }

    // Model (topic-major λ) and coherence.
    progress({ pass: history.length, passes: spec.passes, docs: Dn, totalDocs: Dn, phase: 'coherence' }, true);
    const lambda = new Float64Array(K * V);
    lam.dense(dense);
    for (let w = 0; w < V; w++) for (let k = 0; k < K; k++) lambda[k * V + w] = dense[w * K + k]!;
    const model: LdaModel = {
      K,
      V,
      vocabulary: train.vocabulary.slice(),
      lambda,
      alpha: Float64Array.from(alpha),
      eta: lam.eta,
      spec: resolved,
      preparation: train.options ?? null,
    };
    const coherence = coherenceNow();
    let heldInfo: LdaFit['heldout'] = null;
    if (heldout && split2) {
      const s2 = split2;
      const scoredDocs = nonEmptyDocs(s2.scored);
      heldInfo = {
        documents: heldDocs.length,
        scoredDocuments: scoredDocs.length,
        scoredTokens: sumCounts(s2.scored, scoredDocs),
        tokens: heldTokens,
      };
    }
    return {
      ...model,
      history,
      coherence,
      documents: { total: trainTotal, used: Dn, skippedEmpty: trainTotal - Dn, tokens: trainTokens },
      heldout: heldInfo,
      stopped,
      threads: exec.parallel ? threads : 1,
      kernel: ldaKernelPath(),
      seconds: totalSeconds,
    };
  } finally {
    await exec.close();
  }
}

/** β = λ normalised per topic, [K × V] topic-major. */
export function topicWordMatrix(model: LdaModel): Float64Array {
  const { K, V, lambda } = model;
  const out = new Float64Array(K * V);
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let w = 0; w < V; w++) s += lambda[k * V + w]!;
    for (let w = 0; w < V; w++) out[k * V + w] = lambda[k * V + w]! / s;
  }
  return out;
}
