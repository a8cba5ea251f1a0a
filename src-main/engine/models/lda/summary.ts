/**
 * What the views read off a fitted topic model, computed here rather than in the handlers:
 *   prevalence_k = max(0, Σ_v (λ_kv − η)) / Σ_j max(0, Σ_v (λ_jv − η))  (expected share of the corpus's tokens in k);
 *   E[log β_kw] = ψ(λ_kw) − ψ(Σ_v λ_kv);
 *   mean θ over documents (all, or per category of a label column), skipping documents with no in-vocabulary token
 *   (their θ is the prior mean, which says nothing about the corpus);
 *   the dominant topic of a document, argmax_k θ_dk;
 *   word topics in a document: argmax_k E[log β_kw] + E[log θ_dk], with E[log θ_dk] = ψ(γ_dk) − ψ(Σ_j γ_dj) and γ_d
 *   recovered from θ_d = γ_d / Σγ_d through Σ_k γ_dk = Σ_k α_k + N_d (the E-step's fixed point).
 */
import type { Coherence } from './measures';
import { topIndices } from './measures';
import { digamma } from './special';
import type { TopicSummary } from '../../../../src-shared/domain/lda';

/** The document boundaries of a corpus (docPtr[d] … docPtr[d + 1] − 1 index the tokens of document d). */
interface DocPtr {
  docPtr: ArrayLike<number>;
}

export type { TopicSummary };

/** Each topic's share of the corpus's tokens under λ (uniform when λ carries no mass beyond the prior η). */
export function topicPrevalence(lambda: Float64Array, K: number, V: number, eta: number): number[] {
  const mass = new Float64Array(K);
  let total = 0;
  for (let k = 0; k < K; k++) {
    let sk = 0;
    for (let v = 0; v < V; v++) sk += lambda[k * V + v]! - eta;
    mass[k] = Math.max(0, sk);
    total += mass[k]!;
  }
  return Array.from(mass, (m) => (total > 0 ? m / total : 1 / K));
}

/** Top `top` words of each topic with their probabilities E[β_kw] = λ_kw / Σ_v λ_kv, prevalence and coherence. */
export function topicSummaries(
  m: { K: number; V: number; lambda: Float64Array; eta: number; vocabulary: readonly string[] },
  coherence: Pick<Coherence, 'perTopic'> | null,
  top = 30,
): TopicSummary[] {
  const { K, V, lambda } = m;
  const prevalence = topicPrevalence(lambda, K, V, m.eta);
  const out: TopicSummary[] = [];
  for (let k = 0; k < K; k++) {
    const row = lambda.subarray(k * V, (k + 1) * V);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += row[v]!;
    const idx = topIndices(lambda, K, V, k, top);
    out.push({
      words: idx.map((v) => m.vocabulary[v]!),
      weights: idx.map((v) => row[v]! / sum),
      prevalence: prevalence[k]!,
      umass: coherence?.perTopic[k]?.umass ?? Number.NaN,
      npmi: coherence?.perTopic[k]?.npmi ?? Number.NaN,
    });
  }
  return out;
}

/** E[log β] = ψ(λ_kw) − ψ(Σ_v λ_kv), topic-major [K × V]. */
export function expectedLogBeta(lambda: Float64Array, K: number, V: number): Float64Array {
  const out = new Float64Array(K * V);
  for (let k = 0; k < K; k++) {
    let sum = 0;
    for (let w = 0; w < V; w++) sum += lambda[k * V + w]!;
    const ps = digamma(sum);
    for (let w = 0; w < V; w++) out[k * V + w] = digamma(lambda[k * V + w]!) - ps;
  }
  return out;
}

export const isEmptyDoc = (c: DocPtr, d: number): boolean => c.docPtr[d + 1] === c.docPtr[d];

/** argmax_k θ_dk (the first on ties). */
export function dominantTopic(theta: Float64Array, K: number, d: number): number {
  let best = 0;
  for (let k = 1; k < K; k++) if (theta[d * K + k]! > theta[d * K + best]!) best = k;
  return best;
}

/** Mean θ over the documents with at least one in-vocabulary token, and how many had none. */
export function meanTopicProportions(
  theta: Float64Array,
  K: number,
  corpus: DocPtr,
): { meanTheta: number[]; emptyRows: number[] } {
  const D = corpus.docPtr.length - 1;
  const mean = new Array<number>(K).fill(0);
  const emptyRows: number[] = [];
  for (let d = 0; d < D; d++) {
    if (isEmptyDoc(corpus, d)) {
      emptyRows.push(d);
      continue;
    }
    for (let k = 0; k < K; k++) mean[k]! += theta[d * K + k]!;
  }
  const n = D - emptyRows.length;
  return { meanTheta: mean.map((v) => (n > 0 ? v / n : 0)), emptyRows };
}

/** Mean θ per category of `labels` (categories sorted), and over all labelled non-empty documents. */
export function prevalenceByCategory(
  theta: Float64Array,
  K: number,
  corpus: DocPtr,
  labels: readonly string[],
): { categories: string[]; counts: number[]; meanTheta: number[][]; overall: number[] } {
  const acc = new CategoryPrevalence(K);
  const D = corpus.docPtr.length - 1;
  const empty = new Uint8Array(Math.min(D, labels.length));
  for (let r = 0; r < empty.length; r++) empty[r] = isEmptyDoc(corpus, r) ? 1 : 0;
  acc.add(theta.subarray(0, empty.length * K), empty, labels, 0);
  return acc.result();
}

/** prevalenceByCategory accumulated over chunks of rows (θ streamed: inferTopicChunks), O(categories · K) memory. */
export class CategoryPrevalence {
  private index = new Map<string, number>();
  private sums: number[][] = [];
  private counts: number[] = [];
  private overall: number[];
  private n = 0;
  constructor(readonly K: number) {
    this.overall = new Array<number>(K).fill(0);
  }
  /** Rows start … start + empty.length − 1: θ [rows × K], their empty flags, labels of every row (by row number). */
  add(theta: Float64Array, empty: ArrayLike<number>, labels: readonly string[], start: number): void {
    const K = this.K;
    for (let i = 0; i < empty.length; i++) {
      if (empty[i]) continue;
      const label = labels[start + i] ?? '';
      let j = this.index.get(label);
      if (j === undefined) {
        j = this.sums.length;
        this.index.set(label, j);
        this.sums.push(new Array<number>(K).fill(0));
        this.counts.push(0);
      }
      this.counts[j]!++;
      this.n++;
      for (let k = 0; k < K; k++) {
        this.sums[j]![k]! += theta[i * K + k]!;
        this.overall[k]! += theta[i * K + k]!;
      }
    }
  }
  result(): { categories: string[]; counts: number[]; meanTheta: number[][]; overall: number[] } {
    const categories = [...this.index.keys()];
    const order = categories.map((_, i) => i).sort((a, b) => categories[a]!.localeCompare(categories[b]!));
    const { sums, counts, n } = this;
    return {
      categories: order.map((i) => categories[i]!),
      counts: order.map((i) => counts[i]!),
      meanTheta: order.map((i) => sums[i]!.map((v) => v / counts[i]!)),
      overall: this.overall.map((v) => (n > 0 ? v / n : 0)),
    };
  }
}

/** E[log θ_d] from θ_d and the document's token count N_d (see the header). */
export function expectedLogTheta(thetaD: readonly number[], alpha: ArrayLike<number>, tokens: number): number[] {
  let sumAlpha = 0;
  for (let k = 0; k < thetaD.length; k++) sumAlpha += alpha[k]!;
  const total = sumAlpha + tokens;
  return thetaD.map((t) => digamma(Math.max(t * total, 1e-100)) - digamma(total));
}

/** The topic of word `w` in a document: argmax_k E[log β_kw] + E[log θ_dk]. */
export function wordTopic(elogBeta: Float64Array, V: number, elogTheta: readonly number[], w: number): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let k = 0; k < elogTheta.length; k++) {
    const score = elogBeta[k * V + w]! + elogTheta[k]!;
    if (score > bestScore) {
      bestScore = score;
      best = k;
    }
  }
  return best;
}
