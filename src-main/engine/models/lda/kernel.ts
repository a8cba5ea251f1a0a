/**
 * The per-document and per-word loops of variational LDA on typed arrays, shared by the main thread and the
 * worker threads (this file imports nothing heavy: workers load it under tsx in well under a second).
 *
 * Layout: every topic–word matrix is stored word-major, [V × K] (entry (w, k) at w·K + k), so the K values a
 * document's word needs are contiguous. B = exp(E[log β]) with E[log β_kw] = ψ(λ_kw) − ψ(Σ_v λ_kv).
 *
 * E-step for one document (Blei, Ng & Jordan 2003, §5.2; Hoffman, Blei & Bach 2010, Alg. 2), never materialising φ:
 *   φ_wk ∝ exp(E[log θ_k]) B_wk, so with θ̃_k = exp(E[log θ_k]) and the normaliser z_w = Σ_k θ̃_k B_wk,
 *   γ_k ← α_k + θ̃_k Σ_w (n_w / z_w) B_wk,
 * iterated over the document's unique words until mean_k |Δγ_k| < tol or maxIter sweeps (θ̃ enters the sweep only up to
 * a constant factor, so the sweeps use exp(ψ(γ_k)) from special.ts expDigamma and skip ψ(Σγ)). Afterwards (with θ̃ of the
 * final γ) the expected counts Σ_d n_dw φ_dwk = Σ_d θ̃_dk B_wk n_dw / z_dw are accumulated (only for the document's
 * words; the touched words are listed so the M-step is sparse), and optionally the document's part of the ELBO:
 *   ℓ_d = Σ_w n_w log z_w + Σ_k (α_k − γ_k) E[log θ_k] + Σ_k ln Γ(γ_k) − ln Γ(Σ γ) + ln Γ(Σ α) − Σ_k ln Γ(α_k)
 * (the bound with φ at its optimum for the given γ and B, so each γ sweep can only increase it).
 *
 * Two implementations with the same arithmetic in the same order: this file's loops, and the same E-step in C
 * (native/lda_native.c, ldaEStep of the optional native addon, vectorised with AVX2 where the CPU has it), used when
 * the addon is built unless ELBO_STUDIO_LDA_NATIVE=0 or setLdaKernel('js'); they agree to the last bits of exp/log
 * (kernel-native.test.ts). ldaKernelPath() says which one runs.
 *
 * Lazy topics (online SVI): λ is held as λ_wk = a·μ_wk + η (the scalar a absorbs every (1 − ρ_t) decay, so an
 * update touches only the minibatch's words), and B rows are computed on first use in an E-step from μ, a, η and
 * ψ(Σ_w λ_wk), then cached per thread until the next update (the cache `version`).
 */
import { loadNative, type NativeKernels } from '../../kernels/native';
import * as special from './special';

// Module-level bindings: transpiled CommonJS reads imported functions through property getters on every call,
// which shows up in profiles of these loops.
const digamma = special.digamma;
const expDigamma = special.expDigamma;
const lgamma = special.lgamma;

export interface CorpusArrays {
  docPtr: Uint32Array;
  wordIds: Uint32Array;
  counts: Float32Array;
}

/** λ = a·μ + η with per-thread cached rows of B = exp(ψ(λ) − ψ(Σ_w λ)) (see the file header). */
export interface LazyTopics {
  mu: Float64Array;
  a: number;
  eta: number;
  psiRow: Float64Array;
  version: number;
  cache: Float64Array;
  stamp: Int32Array;
}

/**
 * Fills row w of the cache from μ if it is stale; returns the row offset w·K. B_wk = exp(ψ(λ_wk)) · exp(−ψrow_k) with
 * exp(ψ) from expDigamma (no logarithm, and no exp at all for λ ≥ 6) and exp(−ψrow) computed once per E-step call.
 */
function lazyRow(t: LazyTopics, expNegPsiRow: Float64Array, w: number, K: number): number {
  const base = w * K;
  if (t.stamp[w] !== t.version) {
    const { mu, a, eta, cache } = t;
    for (let k = 0; k < K; k++) cache[base + k] = expDigamma(a * mu[base + k]! + eta) * expNegPsiRow[k]!;
    t.stamp[w] = t.version;
  }
  return base;
}

export interface EStepOptions {
  K: number;
  /** [V × K] word-major: exp(E[log β]) or β itself (completion); or lazy topics. */
  topics: Float64Array | LazyTopics;
  alpha: Float64Array;
  maxIter: number;
  tol: number;
  /**
   * Initial γ: 'prior' = α_k + N_d/K (Blei 2003; symmetric, deterministic: inference and evaluation),
   * 'jitter' = 1 + 0.1·U(−√3, √3) per document and topic from `jitterSeed` (training: breaking the symmetry per
   * document as gensim/sklearn's random start does lowers held-out perplexity, 1,784 → 1,718 after one pass on the
   * bench corpus with a random λ start), 'store' = warm start from gammaStore (batch EM).
   */
  init: 'prior' | 'store' | 'jitter';
  jitterSeed?: number | undefined;
  /** [D × K] per-document γ, read for warm starts and written when given. */
  gammaStore?: Float64Array | undefined;
  /** [V × K] expected-count accumulator; skipped when absent. */
  sstats?: Float64Array | undefined;
  /** Marks (touchStamp[w] = touchMark) and lists the words whose sstats rows were written. */
  touched?: { stamp: Int32Array; mark: number; list: number[] } | undefined;
  computeBound: boolean;
  /** Optional second corpus scored under θ = γ/Σγ: Σ n log Σ_k θ_k topics_wk (document completion). */
  score?: CorpusArrays | undefined;
}

export interface EStepResult {
  docs: number;
  tokens: number;
  sweeps: number;
  /** Σ_d ℓ_d (0 unless computeBound). */
  bound: number;
  /** Σ_d E[log θ_dk], for the empirical-Bayes update of α. */
  sumElogTheta: Float64Array;
  /** Document completion: Σ log-likelihood and token count of the scored halves. */
  scoredLogLik: number;
  scoredTokens: number;
  scoredDocs: number;
}

type NativeEStep = NonNullable<NativeKernels['ldaEStep']>;
let nativeEStep: NativeEStep | null | undefined;
let forced: 'native' | 'js' | null = null;

/** The native E-step when the addon has it and it is not turned off (looked up once per thread). */
function nativeKernel(): NativeEStep | null {
  if (forced === 'js') return null;
  if (nativeEStep === undefined) {
    const n = process.env.ELBO_STUDIO_LDA_NATIVE === '0' ? null : loadNative();
    nativeEStep = n?.ok && typeof n.kernels.ldaEStep === 'function' ? n.kernels.ldaEStep.bind(n.kernels) : null;
  }
  return nativeEStep;
}

/** Chooses the E-step implementation on this thread: 'js', 'native' (throws when unavailable) or null (default). */
export function setLdaKernel(which: 'native' | 'js' | null): void {
  forced = which;
  if (which === 'native' && !nativeKernel())
    throw new Error('The native LDA E-step is not available (npm run build:native)');
}

/** Which E-step runs on this thread: 'native' (native/lda_native.c) or 'js' (this file). */
export function ldaKernelPath(): 'native' | 'js' {
  return nativeKernel() ? 'native' : 'js';
}

/** Scratch arrays reused across documents (one set per thread). */
export class EStepScratch {
  gamma: Float64Array;
  gammaOld: Float64Array;
  expElogTheta: Float64Array;
  elogTheta: Float64Array;
  acc: Float64Array;
  rows: Float64Array;
  ratio: Float64Array;
  /** The native E-step's result vector [8 + K] and touched-word buffer [V]. */
  nativeOut: Float64Array | null = null;
  touchedOut: Uint32Array | null = null;
  constructor(K: number, maxUnique = 1024) {
    this.gamma = new Float64Array(K);
    this.gammaOld = new Float64Array(K);
    this.expElogTheta = new Float64Array(K);
    this.elogTheta = new Float64Array(K);
    this.acc = new Float64Array(K);
    this.rows = new Float64Array(K * maxUnique);
    this.ratio = new Float64Array(maxUnique);
  }
  ensure(K: number, n: number): void {
    if (this.rows.length < K * n) {
      this.rows = new Float64Array(K * n * 2);
      this.ratio = new Float64Array(n * 2);
    }
  }
}

/**
 * One sweep's sums: acc_k = Σ_j (n_j / z_j) B_jk with z_j = Σ_k θ̃_k B_jk, B_j the gathered rows. Unrolled by four
 * with independent partial sums (breaks the floating-point add dependency chain; ~1.5× faster in V8).
 */
function sweep(
  rows: Float64Array,
  counts: Float32Array,
  a: number,
  n: number,
  K: number,
  eth: Float64Array,
  acc: Float64Array,
): void {
  for (let k = 0; k < K; k++) acc[k] = 0;
  const K4 = K - (K % 4);
  for (let j = 0; j < n; j++) {
    const o2 = j * K;
    let z0 = 1e-100;
    let z1 = 0;
    let z2 = 0;
    let z3 = 0;
    let k = 0;
    for (; k < K4; k += 4) {
      z0 += eth[k]! * rows[o2 + k]!;
      z1 += eth[k + 1]! * rows[o2 + k + 1]!;
      z2 += eth[k + 2]! * rows[o2 + k + 2]!;
      z3 += eth[k + 3]! * rows[o2 + k + 3]!;
    }
    for (; k < K; k++) z0 += eth[k]! * rows[o2 + k]!;
    const r = counts[a + j]! / (z0 + z1 + z2 + z3);
    k = 0;
    for (; k < K4; k += 4) {
      acc[k]! += r * rows[o2 + k]!;
      acc[k + 1]! += r * rows[o2 + k + 1]!;
      acc[k + 2]! += r * rows[o2 + k + 2]!;
      acc[k + 3]! += r * rows[o2 + k + 3]!;
    }
    for (; k < K; k++) acc[k]! += r * rows[o2 + k]!;
  }
}

/** θ̃ up to a constant factor: exp(ψ(γ_k)) (the sweep is invariant to scaling θ̃, so ψ(Σγ) is not needed). */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function expPsi(gamma: Float64Array, K: number, out: Float64Array): void {
  for (let k = 0; k < K; k++) out[k] = expDigamma(gamma[k]!);
}

function expectTheta(gamma: Float64Array, K: number, elog: Float64Array, expElog: Float64Array): void {
  let s = 0;
  for (let k = 0; k < K; k++) s += gamma[k]!;
  const ps = digamma(s);
  for (let k = 0; k < K; k++) {
    const e = digamma(gamma[k]!) - ps;
    elog[k] = e;
    expElog[k] = Math.exp(e);
  }
}

/** An E-step result with nothing accumulated yet (the start of a sweep, or of a merge). */
export function emptyEStepResult(K: number): EStepResult {
  return {
    docs: 0,
    tokens: 0,
    sweeps: 0,
    bound: 0,
    sumElogTheta: new Float64Array(K),
    scoredLogLik: 0,
    scoredTokens: 0,
    scoredDocs: 0,
  };
}

/**
 * Runs the E-step on documents `docs` (indices into `corpus`); see the file header for the equations.
 * Documents with no tokens are skipped (they are not counted in `docs`). Native when available (file header).
 */
export function eStep(
  corpus: CorpusArrays,
  docs: ArrayLike<number>,
  o: EStepOptions,
  scratch: EStepScratch,
): EStepResult {
  const fn = nativeKernel();
  return fn ? eStepNative(fn, corpus, docs, o, scratch) : eStepJs(corpus, docs, o, scratch);
}

const INIT_CODE = { prior: 0, store: 1, jitter: 2 } as const;

/** eStep through native/lda_native.c (same arguments, same result). */
export function eStepNative(
  fn: NativeEStep,
  corpus: CorpusArrays,
  docs: ArrayLike<number>,
  o: EStepOptions,
  scratch: EStepScratch,
): EStepResult {
  const { K, topics } = o;
  if (!scratch.nativeOut || scratch.nativeOut.length !== 8 + K) scratch.nativeOut = new Float64Array(8 + K);
  const out = scratch.nativeOut;
  const tc = o.touched;
  if (tc && (!scratch.touchedOut || scratch.touchedOut.length < tc.stamp.length))
    scratch.touchedOut = new Uint32Array(tc.stamp.length);
  const dense = topics instanceof Float64Array ? topics : null;
  const lazy = topics instanceof Float64Array ? null : topics;
  fn(
    corpus.docPtr,
    corpus.wordIds,
    corpus.counts,
    docs instanceof Uint32Array ? docs : Uint32Array.from(docs),
    K,
    dense,
    lazy ? lazy.mu : null,
    lazy ? lazy.a : 0,
    lazy ? lazy.eta : 0,
    lazy ? lazy.psiRow : null,
    lazy ? lazy.version : 0,
    lazy ? lazy.cache : null,
    lazy ? lazy.stamp : null,
    o.alpha,
    o.maxIter,
    o.tol,
    INIT_CODE[o.init],
    (o.jitterSeed ?? 0) >>> 0,
    o.gammaStore ?? null,
    o.sstats ?? null,
    tc ? tc.stamp : null,
    tc ? tc.mark : 0,
    tc ? scratch.touchedOut : null,
    o.computeBound,
    o.score ? o.score.docPtr : null,
    o.score ? o.score.wordIds : null,
    o.score ? o.score.counts : null,
    out,
  );
  if (tc) {
    const t = scratch.touchedOut!;
    for (let i = 0; i < out[7]!; i++) tc.list.push(t[i]!);
  }
  return {
    docs: out[0]!,
    tokens: out[1]!,
    sweeps: out[2]!,
    bound: out[3]!,
    sumElogTheta: out.slice(8, 8 + K),
    scoredLogLik: out[4]!,
    scoredTokens: out[5]!,
    scoredDocs: out[6]!,
  };
}

/** eStep in this file's loops (the fallback, and the reference the native one is tested against). */
export function eStepJs(
  corpus: CorpusArrays,
  docs: ArrayLike<number>,
  o: EStepOptions,
  scratch: EStepScratch,
): EStepResult {
  const { K, topics, alpha, maxIter, tol, sstats, gammaStore } = o;
  const { docPtr, wordIds, counts } = corpus;
  const res = emptyEStepResult(K);
  let alphaSum = 0;
  let lgAlpha = 0;
  for (let k = 0; k < K; k++) {
    alphaSum += alpha[k]!;
    lgAlpha += lgamma(alpha[k]!);
  }
  const docConst = lgamma(alphaSum) - lgAlpha;
  const gamma = scratch.gamma;
  const eth = scratch.expElogTheta;
  const elog = scratch.elogTheta;
  const acc = scratch.acc;
  const expNegPsiRow = new Float64Array(K);
  if (!(topics instanceof Float64Array)) for (let k = 0; k < K; k++) expNegPsiRow[k] = Math.exp(-topics.psiRow[k]!);

  for (let i = 0; i < docs.length; i++) {
    const d = docs[i]!;
    const a = docPtr[d]!;
    const b = docPtr[d + 1]!;
    const n = b - a;
    if (n === 0) continue;
    scratch.ensure(K, n);
    const rows = scratch.rows;
    const ratio = scratch.ratio;
    // Gather this document's rows of the topic matrix into contiguous scratch (cache-friendly sweeps).
    let N = 0;
    const dense = topics instanceof Float64Array ? topics : null;
    const lazy = topics instanceof Float64Array ? null : topics;
    for (let j = 0; j < n; j++) {
      const w = wordIds[a + j]!;
      const o2 = j * K;
      if (dense) {
        const base = w * K;
        for (let k = 0; k < K; k++) rows[o2 + k] = dense[base + k]!;
      } else if (lazy) {
        const base = lazyRow(lazy, expNegPsiRow, w, K);
        const c = lazy.cache;
        for (let k = 0; k < K; k++) rows[o2 + k] = c[base + k]!;
      }
      N += counts[a + j]!;
    }
    if (o.init === 'store' && gammaStore) {
      for (let k = 0; k < K; k++) gamma[k] = gammaStore[d * K + k]!;
    } else {
      const add = N / K;
      for (let k = 0; k < K; k++) gamma[k] = alpha[k]! + add;
      if (o.init === 'jitter') {
        // γ_dk = 1 + 0.1·u, u ~ U(−√3, √3) (mean 1, sd 0.1 like gensim/sklearn's Gamma(100, 1/100) start), from a
        // hash of (seed, d, k): independent of how documents are split across threads.
        let h = fmix32((o.jitterSeed ?? 0) ^ Math.imul(d + 1, 0x9e3779b9));
        for (let k = 0; k < K; k++) {
          h = fmix32((h + 0x6d2b79f5) >>> 0);
          gamma[k] = 1 + 0.1 * ((h / 4294967296) * 3.4641016151377544 - 1.7320508075688772);
        }
      }
    }
    expPsi(gamma, K, eth);

    let it = 0;
    for (; it < maxIter; it++) {
      sweep(rows, counts, a, n, K, eth, acc);
      let change = 0;
      for (let k = 0; k < K; k++) {
        const g = alpha[k]! + eth[k]! * acc[k]!;
        change += Math.abs(g - gamma[k]!);
        gamma[k] = g;
      }
      expPsi(gamma, K, eth);
      if (change / K < tol) {
        it++;
        break;
      }
    }
    res.sweeps += it;
    expectTheta(gamma, K, elog, eth);

    // Final normalisers with θ̃ of the final γ: expected counts and the bound.
    let ll = 0;
    for (let j = 0; j < n; j++) {
      const o2 = j * K;
      let z = 1e-100;
      for (let k = 0; k < K; k++) z += eth[k]! * rows[o2 + k]!;
      const c = counts[a + j]!;
      ratio[j] = c / z;
      ll += c * Math.log(z);
    }
    if (sstats) {
      const tc = o.touched;
      for (let j = 0; j < n; j++) {
        const w = wordIds[a + j]!;
        const base = w * K;
        const o2 = j * K;
        const r = ratio[j]!;
        for (let k = 0; k < K; k++) sstats[base + k]! += eth[k]! * r * rows[o2 + k]!;
        if (tc && tc.stamp[w] !== tc.mark) {
          tc.stamp[w] = tc.mark;
          tc.list.push(w);
        }
      }
    }
    if (o.computeBound) {
      let gs = 0;
      let t = 0;
      for (let k = 0; k < K; k++) {
        const g = gamma[k]!;
        gs += g;
        t += (alpha[k]! - g) * elog[k]! + lgamma(g);
      }
      res.bound += ll + t - lgamma(gs) + docConst;
    }
    for (let k = 0; k < K; k++) res.sumElogTheta[k]! += elog[k]!;
    if (gammaStore) for (let k = 0; k < K; k++) gammaStore[d * K + k] = gamma[k]!;
    res.docs++;
    res.tokens += N;

    if (o.score && dense) {
      const sp = o.score.docPtr;
      const sa = sp[d]!;
      const sb = sp[d + 1]!;
      if (sb > sa) {
        let gs = 0;
        for (let k = 0; k < K; k++) gs += gamma[k]!;
        for (let j = sa; j < sb; j++) {
          const base = o.score.wordIds[j]! * K;
          let p = 0;
          for (let k = 0; k < K; k++) p += gamma[k]! * dense[base + k]!;
          const c = o.score.counts[j]!;
          res.scoredLogLik += c * Math.log(p / gs);
          res.scoredTokens += c;
        }
        res.scoredDocs++;
      }
    }
  }
  return res;
}
