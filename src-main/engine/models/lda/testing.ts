/**
 * A corpus drawn from a known LDA (for tests and demos), from the seeded key (rng.ts):
 *   β_k ~ Dir(η_kw) with η_kw = 1 inside topic k's block of V/K words and `leak` outside (well-separated topics),
 *   θ_d ~ Dir(α 1_K), N_d uniform in [minLen, maxLen], z_dn ~ Cat(θ_d), w_dn ~ Cat(β_{z_dn}).
 * Dirichlet draws are normalised Gamma draws.
 */
import { type Corpus, corpusFromSequences } from './corpus';
import { fold, gamma, key, split, uniform } from '../../rng';

export interface SyntheticLda {
  corpus: Corpus;
  /** True topics [K × V]. */
  beta: Float64Array;
  /** True proportions [D × K]. */
  theta: Float64Array;
}

function dirichlet(k: ReturnType<typeof key>, conc: ArrayLike<number>): Float64Array {
  const n = conc.length;
  const out = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    out[i] = gamma(fold(k, i), 1, conc[i]!)[0]!;
    s += out[i]!;
  }
  for (let i = 0; i < n; i++) out[i]! /= s;
  return out;
}

function categorical(p: Float64Array, off: number, n: number, u: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) {
    c += p[off + i]!;
    if (u < c) return i;
  }
  return n - 1;
}

export function syntheticLda(o: {
  K: number;
  V: number;
  D: number;
  alpha: number;
  leak: number;
  minLen: number;
  maxLen: number;
  seed: number;
}): SyntheticLda {
  const { K, V, D } = o;
  const [kb, kt, kw] = split(key(o.seed), 3);
  const beta = new Float64Array(K * V);
  const block = Math.floor(V / K);
  for (let k = 0; k < K; k++) {
    const conc = Array.from({ length: V }, (_, w) => (Math.floor(w / block) === k ? 1 : o.leak));
    beta.set(dirichlet(fold(kb!, k), conc), k * V);
  }
  const theta = new Float64Array(D * K);
  const docs: number[][] = [];
  for (let d = 0; d < D; d++) {
    theta.set(dirichlet(fold(kt!, d), new Array<number>(K).fill(o.alpha)), d * K);
    const u = uniform(fold(kw!, d), 1 + 2 * o.maxLen);
    const len = o.minLen + Math.floor(u[0]! * (o.maxLen - o.minLen + 1));
    const seq: number[] = [];
    for (let n = 0; n < len; n++) {
      const z = categorical(theta, d * K, K, u[1 + 2 * n]!);
      seq.push(categorical(beta, z * V, V, u[2 + 2 * n]!));
    }
    docs.push(seq);
  }
  const vocabulary = Array.from({ length: V }, (_, w) => `w${String(w).padStart(3, '0')}`);
  return { corpus: corpusFromSequences(vocabulary, docs), beta, theta };
}
