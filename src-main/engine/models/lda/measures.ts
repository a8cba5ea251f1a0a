/**
 * LDA measures, each computed one documented way (REFERENCE.md, "LDA").
 *
 * - ELBO (Blei et al. 2003, eq. 15, with φ at its optimum): Σ_d ℓ_d (kernel.ts) + the topic term
 *     T(λ) = Σ_k [ Σ_w (η − λ_kw) E[log β_kw] + Σ_w ln Γ(λ_kw) − ln Γ(Σ_w λ_kw) ] + K [ln Γ(Vη) − V ln Γ(η)].
 * - Held-out perplexity by document completion: topics fixed at β_k = λ_k / Σ_w λ_kw; for each held-out document θ
 *   is inferred from the first half of its in-vocabulary tokens (reading order) with α = 1/K, iterating the E-step
 *   to convergence (mean |Δγ| < 1e-6, ≤ 1,000 sweeps), θ = γ / Σγ; then
 *     perplexity = exp(−Σ_{w ∈ second halves} log Σ_k θ_k β_kw / N_second).
 * - Perplexity by the variational bound (as gensim's log_perplexity): γ inferred on whole held-out documents with
 *   the model's α and B = exp(E[log β]); exp(−(Σ_d ℓ_d + T(λ) · D_heldout / D_train) / N_heldout).
 * - Topic coherence on the training corpus from the top M = 10 words of each topic (by β), with document
 *   co-occurrence counts D(w) and D(w, w') over D documents:
 *     UMass (Mimno et al. 2011): mean over pairs m > l of log((D(w_m, w_l) + 1) / D(w_l)), w_l the higher-ranked word;
 *     NPMI (Bouma 2009; Aletras & Stevenson 2013): mean over pairs of log(P(w,w')/(P(w)P(w'))) / −log P(w,w'),
 *       P = D(·)/D; smoothing: a pair that never co-occurs scores −1 (the limit), a pair that always co-occurs +1.
 *   Per-topic values are means over the 45 pairs; the model value is the mean over topics.
 */
import type { CorpusArrays } from './kernel';
import { digamma, lgamma, trigamma } from './special';

/** T(λ) of the file header for λ stored word-major [V × K]; also Σ_kw E[log β_kw] (for the η update). */
export function topicTerm(
  lambdaT: Float64Array,
  K: number,
  V: number,
  eta: number,
): { term: number; sumElogBeta: number } {
  const rowSum = new Float64Array(K);
  for (let w = 0; w < V; w++) for (let k = 0; k < K; k++) rowSum[k]! += lambdaT[w * K + k]!;
  const psiRow = new Float64Array(K);
  let term = 0;
  for (let k = 0; k < K; k++) {
    psiRow[k] = digamma(rowSum[k]!);
    term -= lgamma(rowSum[k]!);
  }
  let sumElog = 0;
  for (let w = 0; w < V; w++) {
    const base = w * K;
    for (let k = 0; k < K; k++) {
      const l = lambdaT[base + k]!;
      const e = digamma(l) - psiRow[k]!;
      sumElog += e;
      term += (eta - l) * e + lgamma(l);
    }
  }
  term += K * (lgamma(V * eta) - V * lgamma(eta));
  return { term, sumElogBeta: sumElog };
}

/** exp(−logLik / tokens); NaN when there are no tokens. */
export function perplexity(logLik: number, tokens: number): number {
  return tokens > 0 ? Math.exp(-logLik / tokens) : Number.NaN;
}

/**
 * One Newton step for a Dirichlet prior α from documents' mean E[log θ] (Minka 2000; Blei et al. 2003 App. A.4.2;
 * as gensim's update_dir_prior): with g_k = N(ψ(Σα) − ψ(α_k) + logp̂_k), Hessian diag(q) + c 1 1ᵀ,
 * q_k = −N ψ'(α_k), c = N ψ'(Σα), b = Σ(g/q) / (1/c + Σ 1/q), Δα_k = −(g_k − b)/q_k; α ← α + ρ Δα, kept only
 * when every α_k stays positive (else the step is halved, up to 20 times). Returns the new α.
 */
export function newtonAlpha(alpha: Float64Array, sumElogTheta: Float64Array, N: number, rho: number): Float64Array {
  const K = alpha.length;
  if (N <= 0) return alpha;
  let s = 0;
  for (let k = 0; k < K; k++) s += alpha[k]!;
  const psiS = digamma(s);
  const c = N * trigamma(s);
  const g = new Float64Array(K);
  const q = new Float64Array(K);
  let sgq = 0;
  let siq = 0;
  for (let k = 0; k < K; k++) {
    g[k] = N * (psiS - digamma(alpha[k]!) + sumElogTheta[k]! / N);
    q[k] = -N * trigamma(alpha[k]!);
    sgq += g[k]! / q[k]!;
    siq += 1 / q[k]!;
  }
  const b = sgq / (1 / c + siq);
  let step = rho;
  for (let tries = 0; tries < 20; tries++) {
    const out = new Float64Array(K);
    let ok = true;
    for (let k = 0; k < K; k++) {
      out[k] = alpha[k]! - (step * (g[k]! - b)) / q[k]!;
      if (!(out[k]! > 0) || !Number.isFinite(out[k]!)) ok = false;
    }
    if (ok) return out;
    step /= 2;
  }
  return alpha;
}

/**
 * Newton steps for a symmetric scalar η given S = Σ_kw E[log β_kw] (maximises K ln Γ(Vη) − KV ln Γ(η) + (η − 1) S):
 * g = KV(ψ(Vη) − ψ(η)) + S, h = KV(V ψ'(Vη) − ψ'(η)); η ← η − ρ g/h, halved while not positive.
 */
export function newtonEta(eta: number, sumElogBeta: number, K: number, V: number, rho: number): number {
  const g = K * V * (digamma(V * eta) - digamma(eta)) + sumElogBeta;
  const h = K * V * (V * trigamma(V * eta) - trigamma(eta));
  if (!(h < 0) || !Number.isFinite(g)) return eta;
  let step = rho;
  for (let tries = 0; tries < 20; tries++) {
    const out = eta - (step * g) / h;
    if (out > 0 && Number.isFinite(out)) return out;
    step /= 2;
  }
  return eta;
}

/** The indices of the n largest entries of row k of a [K × V] matrix, largest first. */
export function topIndices(m: Float64Array, K: number, V: number, k: number, n: number): number[] {
  const idx = Array.from({ length: V }, (_, i) => i);
  idx.sort((a, b) => m[k * V + b]! - m[k * V + a]! || a - b);
  return idx.slice(0, Math.min(n, V));
}

export interface Coherence {
  umass: number;
  npmi: number;
  perTopic: { umass: number; npmi: number; words: number[] }[];
}

/** UMass and NPMI coherence of each topic's word list (see the file header), from document co-occurrence. */
export function topicCoherence(corpus: CorpusArrays, topWords: number[][], docs?: ArrayLike<number>): Coherence {
  const D = docs ? docs.length : corpus.docPtr.length - 1;
  const slot = new Map<number, number>();
  for (const ws of topWords) for (const w of ws) if (!slot.has(w)) slot.set(w, slot.size);
  const M = slot.size;
  // Dense word → slot lookup (−1: not a top word): one typed-array read per corpus entry.
  let maxW = 0;
  for (const w of slot.keys()) maxW = Math.max(maxW, w);
  const slotOf = new Int32Array(maxW + 1).fill(-1);
  for (const [w, s] of slot) slotOf[w] = s;
  const single = new Float64Array(M);
  const pair = new Float64Array(M * M);
  const present: number[] = [];
  for (let r = 0; r < D; r++) {
    const d = docs ? docs[r]! : r;
    present.length = 0;
    for (let i = corpus.docPtr[d]!; i < corpus.docPtr[d + 1]!; i++) {
      const w = corpus.wordIds[i]!;
      const s = w <= maxW ? slotOf[w]! : -1;
      if (s >= 0 && corpus.counts[i]! > 0) present.push(s);
    }
    for (let a = 0; a < present.length; a++) {
      const sa = present[a]!;
      single[sa]! += 1;
      for (let b = a + 1; b < present.length; b++) {
        const sb = present[b]!;
        pair[sa * M + sb]! += 1;
        pair[sb * M + sa]! += 1;
      }
    }
  }
  const perTopic = topWords.map((ws) => {
    let um = 0;
    let np = 0;
    let n = 0;
    for (let m = 1; m < ws.length; m++) {
      for (let l = 0; l < m; l++) {
        const i = slot.get(ws[m]!)!;
        const j = slot.get(ws[l]!)!;
        const dij = pair[i * M + j]!;
        const dj = single[j]!;
        const di = single[i]!;
        um += dj > 0 ? Math.log((dij + 1) / dj) : 0;
        if (dij === 0 || di === 0 || dj === 0) np += -1;
        else if (dij === D) np += 1;
        else {
          const pij = dij / D;
          np += Math.log(pij / ((di / D) * (dj / D))) / -Math.log(pij);
        }
        n++;
      }
    }
    return { umass: n ? um / n : 0, npmi: n ? np / n : 0, words: ws };
  });
  const mean = (f: (t: { umass: number; npmi: number }) => number): number =>
    perTopic.length ? perTopic.reduce((s, t) => s + f(t), 0) / perTopic.length : 0;
  return { umass: mean((t) => t.umass), npmi: mean((t) => t.npmi), perTopic };
}
