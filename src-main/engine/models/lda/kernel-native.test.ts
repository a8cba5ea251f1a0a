/**
 * The native LDA E-step (native/lda_native.c) against the JS kernel (kernel.ts eStepJs): same documents, options and
 * starting state → the same γ, expected counts, touched words, bound, E[log θ] sums and completion scores, to the last
 * bits of exp/log (relative 1e-12), for dense and lazy topics and every γ start. Skipped only when the addon is not
 * built (npm run build:native); then the JS kernel is what runs anyway.
 */
import { describe, expect, it } from 'vitest';
import { loadNative } from '../../kernels/native';
import { completionSplit } from './corpus';
import { fitLda } from './fit';
import {
  EStepScratch,
  type EStepOptions,
  type EStepResult,
  eStepJs,
  eStepNative,
  type LazyTopics,
  setLdaKernel,
} from './kernel';
import { digamma } from './special';
import { syntheticLda } from './testing';

const native = loadNative();
const fn = native.ok ? native.kernels.ldaEStep?.bind(native.kernels) : undefined;

const K = 7;
const V = 60;
const D = 120;
const synth = syntheticLda({ K, V, D, alpha: 0.2, leak: 0.05, minLen: 0, maxLen: 40, seed: 5 });
const c = synth.corpus;

function lambda(): Float64Array {
  const lam = new Float64Array(V * K);
  for (let i = 0; i < lam.length; i++) lam[i] = 0.5 + ((i * 7919) % 101) / 10;
  return lam;
}

function denseB(): Float64Array {
  const lam = lambda();
  const rows = new Float64Array(K);
  for (let i = 0; i < lam.length; i++) rows[i % K]! += lam[i]!;
  return lam.map((l, i) => Math.exp(digamma(l) - digamma(rows[i % K]!)));
}

function lazyTopics(): LazyTopics {
  const mu = lambda().map((l) => (l - 0.1) / 2);
  const rows = new Float64Array(K);
  for (let i = 0; i < mu.length; i++) rows[i % K]! += 2 * mu[i]! + 0.1;
  return {
    mu,
    a: 2,
    eta: 0.1,
    psiRow: rows.map((r) => digamma(r)),
    version: 3,
    cache: new Float64Array(V * K),
    stamp: new Int32Array(V).fill(-1),
  };
}

interface Run {
  r: EStepResult;
  sstats: Float64Array;
  gamma: Float64Array;
  touched: number[];
  cache?: Float64Array;
}

function run(
  impl: 'js' | 'native',
  docs: Uint32Array,
  o: Omit<EStepOptions, 'sstats' | 'gammaStore' | 'touched'>,
  startGamma?: Float64Array,
): Run {
  const sstats = new Float64Array(V * K);
  const gamma = startGamma ? startGamma.slice() : new Float64Array(D * K);
  const touched = { stamp: new Int32Array(V).fill(-1), mark: 1, list: [] as number[] };
  const opts: EStepOptions = { ...o, sstats, gammaStore: gamma, touched };
  const scratch = new EStepScratch(K, 4);
  const r = impl === 'js' ? eStepJs(c, docs, opts, scratch) : eStepNative(fn!, c, docs, opts, scratch);
  const cache = o.topics instanceof Float64Array ? undefined : o.topics.cache;
  return { r, sstats, gamma, touched: touched.list, cache };
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, what).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!) / Math.max(1e-300, Math.abs(b[i]!));
    if (a[i] !== b[i]) worst = Math.max(worst, d);
  }
  expect(worst, what).toBeLessThan(1e-12);
}

function same(a: Run, b: Run): void {
  expect(a.r.docs).toBe(b.r.docs);
  expect(a.r.tokens).toBe(b.r.tokens);
  expect(a.r.sweeps).toBe(b.r.sweeps);
  expect(a.r.scoredDocs).toBe(b.r.scoredDocs);
  expect(a.r.scoredTokens).toBe(b.r.scoredTokens);
  close([a.r.bound, a.r.scoredLogLik], [b.r.bound, b.r.scoredLogLik], 'bound and scored log-likelihood');
  close(a.r.sumElogTheta, b.r.sumElogTheta, 'Σ E[log θ]');
  close(a.sstats, b.sstats, 'expected counts');
  close(a.gamma, b.gamma, 'γ');
  expect(a.touched).toEqual(b.touched);
  if (a.cache && b.cache) close(a.cache, b.cache, 'lazy B cache');
}

describe.skipIf(!fn)('native LDA E-step equals the JS kernel', () => {
  const docs = Uint32Array.from({ length: D }, (_, i) => (i * 37) % D);
  const alpha = Float64Array.from({ length: K }, (_, k) => 0.1 + 0.05 * k);

  it('dense topics, prior start, with the bound (some documents empty)', () => {
    expect(docs.some((d) => c.docPtr[d + 1] === c.docPtr[d])).toBe(true);
    const o = { K, topics: denseB(), alpha, maxIter: 100, tol: 1e-3, init: 'prior' as const, computeBound: true };
    const js = run('js', docs, o);
    same(run('native', docs, o), js);
    expect(js.r.sweeps).toBeGreaterThan(js.r.docs);
    expect(js.touched.length).toBeGreaterThan(V / 2);
  });

  it('lazy topics with the per-thread cache, jittered start (training)', () => {
    const o = (t: LazyTopics) => ({
      K,
      topics: t,
      alpha,
      maxIter: 100,
      tol: 1e-3,
      init: 'jitter' as const,
      jitterSeed: 0xdeadbeef,
      computeBound: true,
    });
    const js = run('js', docs, o(lazyTopics()));
    const nat = run('native', docs, o(lazyTopics()));
    same(nat, js);
    // The start depends on the seed: another seed, other γ.
    const other = run('native', docs, { ...o(lazyTopics()), jitterSeed: 7 });
    expect(Array.from(other.gamma)).not.toEqual(Array.from(nat.gamma));
  });

  it('warm start from the γ store (batch EM) and capped sweeps', () => {
    const start = new Float64Array(D * K).map((_, i) => 0.3 + (i % 5) * 0.4);
    const o = { K, topics: denseB(), alpha, maxIter: 3, tol: 1e-9, init: 'store' as const, computeBound: false };
    const js = run('js', docs, o, start);
    same(run('native', docs, o, start), js);
    expect(js.r.sweeps).toBe(3 * js.r.docs);
  });

  it('document completion: θ from the first halves, scored on the second', () => {
    const { observed, scored } = completionSplit(c);
    const beta = denseB();
    const o: EStepOptions = {
      K,
      topics: beta,
      alpha: new Float64Array(K).fill(1 / K),
      maxIter: 1000,
      tol: 1e-6,
      init: 'prior',
      computeBound: false,
      score: scored,
    };
    const all = Uint32Array.from({ length: D }, (_, i) => i);
    const a = eStepJs(observed, all, o, new EStepScratch(K));
    const b = eStepNative(fn!, observed, all, o, new EStepScratch(K));
    expect(b.scoredDocs).toBe(a.scoredDocs);
    expect(b.scoredTokens).toBe(a.scoredTokens);
    expect(a.scoredDocs).toBeGreaterThan(D / 2);
    close([b.scoredLogLik], [a.scoredLogLik], 'completion log-likelihood');
  });

  it('refuses out-of-range input instead of reading past an array', () => {
    const bad = Uint32Array.from([D + 5]);
    const o = { K, topics: denseB(), alpha, maxIter: 10, tol: 1e-3, init: 'prior' as const, computeBound: false };
    expect(() => eStepNative(fn!, c, bad, o, new EStepScratch(K))).toThrow(/out of range/);
    expect(() => eStepNative(fn!, c, docs, { ...o, topics: new Float64Array(K * 3) }, new EStepScratch(K))).toThrow(
      /word id/,
    );
  });

  it('a whole online fit gives the same model on either path, and says which ran', async () => {
    const spec = { topics: K, method: 'online' as const, passes: 2, batchSize: 32, seed: 3, threads: 0 };
    const nat = await fitLda(c, spec);
    setLdaKernel('js');
    try {
      const js = await fitLda(c, spec);
      expect(js.kernel).toBe('js');
      expect(nat.kernel).toBe('native');
      let worst = 0;
      for (let i = 0; i < js.lambda.length; i++)
        worst = Math.max(worst, Math.abs(nat.lambda[i]! - js.lambda[i]!) / js.lambda[i]!);
      expect(worst).toBeLessThan(1e-9);
      expect(nat.history.map((h) => h.sweepsPerDoc)).toEqual(js.history.map((h) => h.sweepsPerDoc));
    } finally {
      setLdaKernel(null);
    }
  });
});
