/**
 * Client-side mathematics of the topic views (pure, tested): artifact checks, term relevance (Sievert & Shirley 2014),
 * Jensen–Shannon distances between topics and their classical-MDS projection to 2-D, and the topic palette.
 *
 * Relevance of word w to topic k: r(w, k | λ) = λ log p(w|k) + (1 − λ) log(p(w|k) / p(w)), with p(w|k) = λ_kw / Σ_v λ_kv
 * (the posterior mean of β_k under q(β_k) = Dir(λ_k)). The marginal p(w) is the λ-implied one,
 * p(w) = Σ_k prevalence_k · p(w|k), with prevalence_k the topic's share of the fitted word mass Σ_w (λ_kw − η) (the
 * 'topics' artifact), because the run's artifacts carry no corpus term frequencies; Σ_k (λ_kw − η) is the expected
 * count of w in the (scaled) training corpus, so this marginal matches the corpus frequencies up to that scaling.
 */
import type { LdaModelArtifact, TopicSummary, TopicsArtifact } from '../../src-shared/domain/lda';

/** The part of an LDA run's 'model' artifact that the topic views read. */
export type LdaTopicModel = Pick<LdaModelArtifact, 'K' | 'V' | 'vocabulary' | 'alpha' | 'eta' | 'lambda'>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
const isNum = (x: unknown): x is number => typeof x === 'number';
const isNumOrNull = (x: unknown): boolean => typeof x === 'number' || x === null;

export function asLdaModel(data: unknown): LdaTopicModel | null {
  if (!isRecord(data)) return null;
  const { K, V, vocabulary, alpha, eta, lambda } = data;
  if (!isNum(K) || !isNum(V) || !isNum(eta)) return null;
  if (!Array.isArray(vocabulary) || vocabulary.length !== V || !vocabulary.every((w) => typeof w === 'string'))
    return null;
  if (!Array.isArray(alpha) || alpha.length !== K || !alpha.every(isNum)) return null;
  if (!Array.isArray(lambda) || lambda.length !== K * V || !lambda.every(isNum)) return null;
  return { K, V, vocabulary: vocabulary as string[], alpha: alpha as number[], eta, lambda: lambda as number[] };
}

export function asTopics(data: unknown): TopicsArtifact | null {
  if (!isRecord(data) || !Array.isArray(data.topics)) return null;
  const topics: TopicSummary[] = [];
  for (const t of data.topics) {
    if (!isRecord(t) || !Array.isArray(t.words) || !Array.isArray(t.weights) || !isNum(t.prevalence)) return null;
    if (!isNumOrNull(t.umass) || !isNumOrNull(t.npmi)) return null;
    topics.push({
      words: t.words.filter((w): w is string => typeof w === 'string'),
      weights: t.weights.filter(isNum),
      prevalence: t.prevalence,
      umass: isNum(t.umass) ? t.umass : Number.NaN,
      npmi: isNum(t.npmi) ? t.npmi : Number.NaN,
    });
  }
  return {
    topics,
    trainRows: isNum(data.trainRows) ? data.trainRows : 0,
    heldoutRows: isNum(data.heldoutRows) ? data.heldoutRows : 0,
  };
}

/** p(w|k) [K × V] (rows sum to 1). */
export function topicWordProbabilities(m: LdaTopicModel): Float64Array {
  const { K, V, lambda } = m;
  const out = new Float64Array(K * V);
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let w = 0; w < V; w++) s += lambda[k * V + w]!;
    for (let w = 0; w < V; w++) out[k * V + w] = lambda[k * V + w]! / s;
  }
  return out;
}

/** The λ-implied marginal p(w) = Σ_k prevalence_k p(w|k) (see the file header). */
export function marginalWordProbabilities(
  pwk: Float64Array,
  K: number,
  V: number,
  prevalence: readonly number[],
): Float64Array {
  const out = new Float64Array(V);
  let total = 0;
  for (let k = 0; k < K; k++) total += prevalence[k] ?? 0;
  for (let k = 0; k < K; k++) {
    const p = total > 0 ? (prevalence[k] ?? 0) / total : 1 / K;
    for (let w = 0; w < V; w++) out[w]! += p * pwk[k * V + w]!;
  }
  return out;
}

export interface RelevantWord {
  id: number;
  word: string;
  relevance: number;
  /** p(w|k). */
  pTopic: number;
  /** p(w). */
  pOverall: number;
}

/** The n most relevant words of topic k at weight `lambda` ∈ [0, 1] (Sievert & Shirley 2014). */
export function relevantWords(
  pwk: Float64Array,
  pw: Float64Array,
  vocabulary: readonly string[],
  k: number,
  lambda: number,
  n: number,
): RelevantWord[] {
  const V = pw.length;
  const scored: RelevantWord[] = [];
  for (let w = 0; w < V; w++) {
    const p = pwk[k * V + w]!;
    const q = pw[w]!;
    if (!(p > 0) || !(q > 0)) continue;
    const lp = Math.log(p);
    scored.push({
      id: w,
      word: vocabulary[w] ?? '',
      relevance: lambda * lp + (1 - lambda) * (lp - Math.log(q)),
      pTopic: p,
      pOverall: q,
    });
  }
  scored.sort((a, b) => b.relevance - a.relevance || a.id - b.id);
  return scored.slice(0, n);
}

/** Jensen–Shannon divergence (nats) between two distributions. */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]!;
    const b = q[i]!;
    const m = 0.5 * (a + b);
    if (a > 0) s += 0.5 * a * Math.log(a / m);
    if (b > 0) s += 0.5 * b * Math.log(b / m);
  }
  return Math.max(0, s);
}

/** Symmetric K × K matrix of Jensen–Shannon distances √JSD between the topics' word distributions. */
export function topicDistances(pwk: Float64Array, K: number, V: number): number[][] {
  const d = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  for (let i = 0; i < K; i++) {
    for (let j = i + 1; j < K; j++) {
      const v = Math.sqrt(jensenShannon(pwk.subarray(i * V, (i + 1) * V), pwk.subarray(j * V, (j + 1) * V)));
      d[i]![j] = v;
      d[j]![i] = v;
    }
  }
  return d;
}

/**
 * Leading eigenpairs of a symmetric matrix by power iteration with deflation (enough for the two axes of an MDS map;
 * K is at most a few hundred). Deterministic start vector so the map does not jump between renders.
 */
export function topEigen(a: number[][], count: number, iters = 500): { values: number[]; vectors: number[][] } {
  const n = a.length;
  const m = a.map((r) => r.slice());
  const values: number[] = [];
  const vectors: number[][] = [];
  for (let c = 0; c < count; c++) {
    let v = Array.from({ length: n }, (_, i) => 1 + ((i * 7919 + c * 104729) % 97) / 97);
    let norm = Math.hypot(...v);
    v = v.map((x) => x / norm);
    let lambda = 0;
    for (let it = 0; it < iters; it++) {
      const w = m.map((row) => row.reduce((s, x, j) => s + x * v[j]!, 0));
      norm = Math.hypot(...w);
      if (norm < 1e-15) {
        lambda = 0;
        break;
      }
      const next = w.map((x) => x / norm);
      lambda = next.reduce((s, x, i) => s + x * w[i]!, 0);
      const diff = next.reduce((s, x, i) => s + Math.abs(x - v[i]!), 0);
      v = next;
      if (diff < 1e-10) break;
    }
    values.push(lambda);
    vectors.push(v);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[i]![j]! -= lambda * v[i]! * v[j]!;
  }
  return { values, vectors };
}

/**
 * Classical (Torgerson) MDS to 2-D: B = −½ J D⁽²⁾ J with J = I − 11ᵀ/n, coordinates = the two leading eigenvectors
 * of B scaled by √eigenvalue (a non-positive eigenvalue gives a zero axis).
 */
export function classicalMds(d: number[][]): [number, number][] {
  const n = d.length;
  if (n === 0) return [];
  if (n === 1) return [[0, 0]];
  const sq = d.map((r) => r.map((x) => x * x));
  const rowMean = sq.map((r) => r.reduce((a, b) => a + b, 0) / n);
  const all = rowMean.reduce((a, b) => a + b, 0) / n;
  const b = sq.map((r, i) => r.map((x, j) => -0.5 * (x - rowMean[i]! - rowMean[j]! + all)));
  const { values, vectors } = topEigen(b, 2);
  return Array.from({ length: n }, (_, i) => [
    values[0]! > 0 ? vectors[0]![i]! * Math.sqrt(values[0]!) : 0,
    values[1]! > 0 ? vectors[1]![i]! * Math.sqrt(values[1]!) : 0,
  ]);
}

const PALETTE = [
  '#3b5bdb',
  '#e8590c',
  '#2f9e44',
  '#c2255c',
  '#7048e8',
  '#0c8599',
  '#f08c00',
  '#5c940d',
  '#1971c2',
  '#d6336c',
  '#9c36b5',
  '#099268',
  '#e67700',
  '#495057',
  '#364fc7',
  '#a61e4d',
  '#2b8a3e',
  '#862e9c',
  '#0b7285',
  '#d9480f',
];

/** A distinct colour per topic (cycles after 20). */
export function topicColor(k: number): string {
  return PALETTE[k % PALETTE.length]!;
}

/** The colour with an alpha, for word backgrounds. */
export function topicTint(k: number, alpha = 0.18): string {
  const hex = topicColor(k).slice(1);
  const r = parseInt(hex.slice(0, 2), 16);
  const g = parseInt(hex.slice(2, 4), 16);
  const b = parseInt(hex.slice(4, 6), 16);
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** "Topic 3: cat, dog, kitten" (1-based, as in the exports). */
export function topicLabel(k: number, words: readonly string[] = [], n = 3): string {
  return words.length ? `Topic ${k + 1}: ${words.slice(0, n).join(', ')}` : `Topic ${k + 1}`;
}

export { downloadText } from './download';
