import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src-shared/ipc/app-error';
import { completionSplit, corpusFromBags, corpusFromSequences, subsetCorpus } from './corpus';
import {
  completionPerplexity,
  digamma,
  docTopicCsv,
  escapeCsvCell,
  fitLda,
  hungarian,
  inferTopics,
  inferTopicsParallel,
  lgamma,
  logsumexp,
  matchTopics,
  modelFromJSON,
  modelToJSON,
  topicCoherence,
  topicWordCsv,
  topicWordMatrix,
  trigamma,
  vocabularyCsv,
  type LdaModel,
} from './index';
import { parseLdaSpec } from './spec';
import { expDigamma } from './special';
import { EStepScratch, eStep } from './kernel';
import { gamma, key, split } from '../../rng';
import { syntheticLda } from './testing';

describe('special functions', () => {
  it('digamma matches reference values', () => {
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 13);
    expect(digamma(0.5)).toBeCloseTo(-1.9635100260214235, 13);
    expect(digamma(10)).toBeCloseTo(2.251752589066721, 13);
    expect(digamma(1e-3)).toBeCloseTo(-1000.5755719318103, 9);
    expect(digamma(123.456)).toBeCloseTo(4.811829323828985, 12);
    expect(digamma(-0.5)).toBeCloseTo(0.03648997397857652, 12);
    expect(Number.isNaN(digamma(0))).toBe(true);
  });
  it('trigamma and lgamma match reference values', () => {
    expect(trigamma(1)).toBeCloseTo(Math.PI ** 2 / 6, 12);
    expect(trigamma(0.5)).toBeCloseTo(Math.PI ** 2 / 2, 12);
    expect(trigamma(10)).toBeCloseTo(0.10516633568168575, 13);
    expect(lgamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
    expect(lgamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(lgamma(1e-3)).toBeCloseTo(6.907178885383854, 11);
    expect(lgamma(200.5)).toBeCloseTo(860.5822035097824, 9);
  });
  it('expDigamma equals exp(digamma) to 1e-13 relative', () => {
    expect(expDigamma(1e-12)).toBe(0); // exp(ψ(x)) ≈ exp(−1/x) underflows, as does exp(digamma)
    for (const x of [0.01, 0.05, 0.3, 0.999, 1, 2.5, 5.999, 6, 6.5, 10, 100, 1e4, 1e8]) {
      const want = Math.exp(digamma(x));
      expect(Math.abs(expDigamma(x) - want) / want).toBeLessThan(1e-13);
    }
  });
  it('logsumexp is stable and exact', () => {
    expect(logsumexp([0, 0])).toBeCloseTo(Math.LN2, 15);
    expect(logsumexp([1000, 1000])).toBeCloseTo(1000 + Math.LN2, 12);
    expect(logsumexp([-1000, -1000, -1000])).toBeCloseTo(-1000 + Math.log(3), 12);
    expect(logsumexp([Math.log(0.2), Math.log(0.3), Math.log(0.5)])).toBeCloseTo(0, 15);
    expect(logsumexp([])).toBe(Number.NEGATIVE_INFINITY);
    expect(logsumexp([Number.NEGATIVE_INFINITY, 0])).toBe(0);
  });
});

describe('matching', () => {
  it('hungarian finds the minimum-cost assignment (checked against all permutations)', () => {
    const n = 5;
    const cost = Float64Array.from({ length: n * n }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1);
    const a = hungarian(cost, n, n);
    const total = (p: number[]): number => p.reduce((s, j, i) => s + cost[i * n + j]!, 0);
    let best = Infinity;
    const perm = (rest: number[], acc: number[]): void => {
      if (rest.length === 0) best = Math.min(best, total(acc));
      rest.forEach((x, i) => perm([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, x]));
    };
    perm([0, 1, 2, 3, 4], []);
    expect(new Set(a).size).toBe(n);
    expect(total(a)).toBeCloseTo(best, 12);
  });
});

const synth = syntheticLda({ K: 5, V: 100, D: 300, alpha: 0.1, leak: 0.01, minLen: 40, maxLen: 100, seed: 7 });

function recovered(model: LdaModel): number[] {
  const beta = topicWordMatrix(model);
  return matchTopics(synth.beta, beta, 5, 100).similarity;
}

describe('fitLda on a corpus drawn from a known LDA (K = 5, V = 100, α = 0.1, 300 documents)', () => {
  it('batch variational EM recovers the topics and its ELBO never decreases', async () => {
    const fit = await fitLda(synth.corpus, {
      topics: 5,
      method: 'batch',
      passes: 40,
      seed: 1,
      threads: 0,
      eStepTol: 1e-4,
    });
    const sims = recovered(fit);
    expect(Math.min(...sims)).toBeGreaterThan(0.9);
    const elbo = fit.history.map((h) => h.elbo);
    for (let i = 1; i < elbo.length; i++) {
      expect(elbo[i]!).toBeGreaterThanOrEqual(elbo[i - 1]! - 1e-6 * Math.abs(elbo[i - 1]!));
    }
    expect(elbo[elbo.length - 1]!).toBeGreaterThan(elbo[0]!);
    expect(fit.coherence.perTopic).toHaveLength(5);
    expect(fit.coherence.npmi).toBeGreaterThan(0);
  });

  it('online SVI recovers the topics, on two worker threads, with held-out perplexity below the unigram model', async () => {
    const heldRows = Array.from({ length: 50 }, (_, i) => 250 + i);
    const trainRows = Array.from({ length: 250 }, (_, i) => i);
    const train = subsetCorpus(synth.corpus, trainRows);
    const held = subsetCorpus(synth.corpus, heldRows);
    const passes: number[] = [];
    const fit = await fitLda(
      train,
      { topics: 5, method: 'online', passes: 15, batchSize: 25, tau0: 1, kappa: 0.6, seed: 2, threads: 2 },
      { heldout: held, onPass: (p) => passes.push(p.pass) },
    );
    expect(fit.threads).toBe(2);
    expect(passes).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(Math.min(...recovered(fit))).toBeGreaterThan(0.9);
    // unigram perplexity of the held-out second halves under training word frequencies
    const { scored } = completionSplit(held);
    const tf = new Float64Array(100).fill(0.5);
    for (let i = 0; i < train.wordIds.length; i++) tf[train.wordIds[i]!]! += train.counts[i]!;
    const tot = tf.reduce((a, b) => a + b, 0);
    let ll = 0;
    let n = 0;
    for (let i = 0; i < scored.wordIds.length; i++) {
      ll += scored.counts[i]! * Math.log(tf[scored.wordIds[i]!]! / tot);
      n += scored.counts[i]!;
    }
    const unigram = Math.exp(-ll / n);
    const last = fit.history[fit.history.length - 1]!;
    expect(last.perplexityCompletion!).toBeLessThan(0.8 * unigram);
    expect(last.perplexityBound!).toBeGreaterThan(1);
    // The parallel and inline inference agree.
    const a = inferTopics(fit, held);
    const b = await inferTopicsParallel(fit, held, { threads: 2 });
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-12);
  });

  it('the lazy online update equals a naive dense implementation of Hoffman et al. (2010), Algorithm 2', async () => {
    const K = 5;
    const V = 100;
    const c = synth.corpus;
    const D = 300;
    const spec = {
      topics: K,
      method: 'online' as const,
      passes: 2,
      batchSize: 64,
      tau0: 4,
      kappa: 0.7,
      seed: 9,
      threads: 0,
      init: 'random' as const,
      shuffle: false,
    };
    const fit = await fitLda(c, spec);
    // naive: dense λ [V × K], B = exp(ψ(λ) − ψ(Σ_w λ)), E-step, λ ← (1 − ρ)λ + ρ(η + D/|B| S)
    const [kLambda, , , kJitter] = split(key(9), 4);
    const draws = gamma(kLambda!, K * V, 100);
    const lam = new Float64Array(K * V);
    for (let k = 0; k < K; k++) for (let w = 0; w < V; w++) lam[w * K + k] = draws[k * V + w]! / 100;
    const eta = 1 / K;
    const alpha = new Float64Array(K).fill(1 / K);
    let t = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (let s0 = 0; s0 < D; s0 += 64) {
        const docs = Uint32Array.from({ length: Math.min(64, D - s0) }, (_, i) => s0 + i);
        const rows = new Float64Array(K);
        for (let i = 0; i < K * V; i++) rows[i % K]! += lam[i]!;
        const B = lam.map((l, i) => Math.exp(digamma(l) - digamma(rows[i % K]!)));
        const S = new Float64Array(K * V);
        const jitterSeed = (kJitter![0] + Math.imul(pass + 1, 0x2545f491)) >>> 0;
        eStep(
          c,
          docs,
          { K, topics: B, alpha, maxIter: 100, tol: 1e-3, init: 'jitter', jitterSeed, sstats: S, computeBound: false },
          new EStepScratch(K),
        );
        const rho = Math.pow(4 + t, -0.7);
        for (let i = 0; i < K * V; i++) lam[i] = (1 - rho) * lam[i]! + rho * (eta + (D / docs.length) * S[i]!);
        t++;
      }
    }
    let maxRel = 0;
    for (let k = 0; k < K; k++) {
      for (let w = 0; w < V; w++) {
        const a = fit.lambda[k * V + w]!;
        const b = lam[w * K + k]!;
        maxRel = Math.max(maxRel, Math.abs(a - b) / b);
      }
    }
    expect(maxRel).toBeLessThan(1e-9);
  });

  it('stops when asked and reports it', async () => {
    let calls = 0;
    const fit = await fitLda(
      synth.corpus,
      { topics: 5, passes: 5, batchSize: 30, threads: 0 },
      { shouldStop: () => ++calls >= 3 },
    );
    expect(fit.stopped).toBe(true);
    expect(fit.history.length).toBeLessThanOrEqual(1);
  });

  it('same seed, same model; empirical-Bayes α and η stay positive and finite', async () => {
    const spec = {
      topics: 5,
      method: 'online' as const,
      passes: 2,
      batchSize: 50,
      seed: 3,
      threads: 0,
      optimizeAlpha: true,
      optimizeEta: true,
    };
    const a = await fitLda(synth.corpus, spec);
    const b = await fitLda(synth.corpus, spec);
    expect(Array.from(a.lambda)).toEqual(Array.from(b.lambda));
    expect(Array.from(a.alpha).every((x) => x > 0 && Number.isFinite(x))).toBe(true);
    expect(a.eta > 0 && Number.isFinite(a.eta)).toBe(true);
    expect(Array.from(a.alpha)).not.toEqual(new Array(5).fill(0.2));
  });
});

function handModel(): LdaModel {
  // β_1 = (0.6, 0.4, 0), β_2 = (0, 0.5, 0.5) — λ scaled by 10 and 4 (normalisation removes the scale).
  return {
    K: 2,
    V: 3,
    vocabulary: ['a', 'b', 'c'],
    lambda: Float64Array.from([6, 4, 0, 0, 2, 2]),
    alpha: Float64Array.from([0.5, 0.5]),
    eta: 0.5,
    spec: parseLdaSpec({ topics: 2 }),
    preparation: null,
  };
}

describe('held-out perplexity by document completion', () => {
  it('reproduces a hand-computed case', () => {
    // Document "a a a c": observed half "a a" (only topic 1 can emit a, so γ = (α + 2, α) = (2.5, 0.5), θ = (5/6, 1/6));
    // scored half "a c": p(a) = 5/6 · 0.6 = 0.5, p(c) = 1/6 · 0.5 = 1/12; perplexity = exp(−(ln 0.5 + ln 1/12)/2) = √24.
    const doc = corpusFromSequences(['a', 'b', 'c'], [[0, 0, 0, 2]]);
    const { observed, scored } = completionSplit(doc);
    const r = completionPerplexity(handModel(), observed, scored);
    expect(r.tokens).toBe(2);
    expect(r.logLik).toBeCloseTo(Math.log(0.5) + Math.log(1 / 12), 9);
    expect(r.perplexity).toBeCloseTo(Math.sqrt(24), 8);
  });
  it('skips documents with fewer than two tokens', () => {
    const docs = corpusFromSequences(['a', 'b', 'c'], [[0], [], [0, 0, 0, 2]]);
    const { observed, scored } = completionSplit(docs);
    const r = completionPerplexity(handModel(), observed, scored);
    expect(r.documents).toBe(1);
    expect(r.perplexity).toBeCloseTo(Math.sqrt(24), 8);
  });
  it('gives the ratio estimator standard error over documents (0 for identical documents)', () => {
    const same = completionSplit(
      corpusFromSequences(
        ['a', 'b', 'c'],
        [
          [0, 0, 0, 2],
          [0, 0, 0, 2],
        ],
      ),
    );
    const r0 = completionPerplexity(handModel(), same.observed, same.scored);
    expect(r0.perplexity).toBeCloseTo(Math.sqrt(24), 8);
    expect(r0.se).toBeCloseTo(0, 12);
    // Two different documents: ℓ_d, n_d from each alone, then se = p·√(D/(D−1) Σ (ℓ_d − r n_d)²)/Σn.
    const seqs = [
      [0, 0, 0, 2],
      [0, 2, 0, 0, 0, 1],
    ];
    const each = seqs.map((q) => {
      const s = completionSplit(corpusFromSequences(['a', 'b', 'c'], [q]));
      return completionPerplexity(handModel(), s.observed, s.scored);
    });
    const both = completionSplit(corpusFromSequences(['a', 'b', 'c'], seqs));
    const r = completionPerplexity(handModel(), both.observed, both.scored);
    const L = each[0]!.logLik + each[1]!.logLik;
    const N = each[0]!.tokens + each[1]!.tokens;
    const p = Math.exp(-L / N);
    const ss = each.reduce((a, e) => a + (e.logLik - (L / N) * e.tokens) ** 2, 0);
    expect(r.documents).toBe(2);
    expect(r.perplexity).toBeCloseTo(p, 10);
    expect(r.se).toBeGreaterThan(0);
    expect(r.se).toBeCloseTo((p * Math.sqrt(2 * ss)) / N, 10);
    expect(completionPerplexity(handModel(), same.observed, same.scored).documents).toBe(2);
  });
});

describe('coherence', () => {
  it('UMass and NPMI match a hand computation', () => {
    // 4 documents; words 0 and 1 co-occur in docs 0, 1; word 0 alone in doc 2; word 1 in doc 3 with word 2.
    const c = corpusFromBags(
      ['x', 'y', 'z'],
      [
        [
          [0, 1],
          [1, 1],
        ],
        [
          [0, 2],
          [1, 1],
        ],
        [[0, 1]],
        [
          [1, 1],
          [2, 1],
        ],
      ],
    );
    const r = topicCoherence(c, [[0, 1]]);
    // UMass pair (m = y, l = x): log((D(x,y) + 1) / D(x)) = log(3/3) = 0
    expect(r.umass).toBeCloseTo(0, 12);
    // NPMI: P(x) = 3/4, P(y) = 3/4, P(x,y) = 1/2 → log((1/2)/(9/16)) / −log(1/2)
    expect(r.npmi).toBeCloseTo(Math.log(8 / 9) / Math.log(2), 12);
    const never = topicCoherence(c, [[0, 2]]);
    expect(never.npmi).toBe(-1);
  });
});

describe('use of a fitted model', () => {
  it('inferTopics gives proportions that sum to 1, the prior mean for empty documents', () => {
    const docs = corpusFromBags(['a', 'b', 'c'], [[[0, 5]], [], [[2, 4]]]);
    const model = { ...handModel(), lambda: Float64Array.from([6, 4, 0.01, 0.01, 2, 2]) };
    const theta = inferTopics(model, docs);
    expect(theta[0]!).toBeGreaterThan(0.85);
    expect(theta[2]! + theta[3]!).toBeCloseTo(1, 12);
    expect(theta[2]!).toBeCloseTo(0.5, 12);
    expect(theta[5]!).toBeGreaterThan(0.85);
  });

  it('rejects documents prepared with another vocabulary', () => {
    const docs = corpusFromBags(['a', 'b'], [[[0, 1]]]);
    expect(() => inferTopics(handModel(), docs)).toThrow(/different vocabulary/);
  });

  it('escapes spreadsheet formulas in CSV cells', () => {
    for (const p of ['=', '+', '-', '@', '\t', '\r'])
      expect(escapeCsvCell(`${p}cmd`).replace(/^"/, '').startsWith(`'${p}`)).toBe(true);
    expect(escapeCsvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(escapeCsvCell('a,b')).toBe('"a,b"');
    expect(escapeCsvCell('plain')).toBe('plain');
    expect(escapeCsvCell('\rx')).toBe(`"'\rx"`);
    const m = { ...handModel(), vocabulary: ['=SUM(A1)', '@x', 'ok'] };
    const csv = topicWordCsv(m);
    expect(csv.split('\n')[0]).toBe('word_id,word,topic_1,topic_2');
    expect(csv.split('\n')[1]).toBe("0,'=SUM(A1),0.6,0");
    expect(vocabularyCsv(m.vocabulary, { termFrequency: [3, 2, 1] }).split('\n')[2]).toBe("1,'@x,2");
    const dt = docTopicCsv(Float64Array.from([0.25, 0.75]), 2, { ids: ['-1+1'] });
    expect(dt.split('\n')[1]).toBe("'-1+1,0.25,0.75,2");
  });

  it('model JSON round trip is exact and bad files are rejected clearly', async () => {
    const fit = await fitLda(synth.corpus, { topics: 5, passes: 1, batchSize: 100, threads: 0 });
    const text = JSON.stringify(modelToJSON(fit));
    const back = modelFromJSON(text);
    expect(Array.from(back.lambda)).toEqual(Array.from(fit.lambda));
    expect(Array.from(back.alpha)).toEqual(Array.from(fit.alpha));
    expect(back.vocabulary).toEqual(fit.vocabulary);
    expect(back.spec).toEqual(fit.spec);
    expect(Array.from(inferTopics(back, synth.corpus))).toEqual(Array.from(inferTopics(fit, synth.corpus)));
    expect(() => modelFromJSON('{')).toThrow(/invalid JSON/);
    expect(() => modelFromJSON({ format: 'nope' })).toThrow(/Not an LDA model file/);
    const j = modelToJSON(fit);
    expect(() => modelFromJSON({ ...j, lambda: j.lambda.slice(1) })).toThrow(/expected K·V/);
  });
});

describe('bad input', () => {
  it('rejects a corpus whose documents are all empty, naming the fix', async () => {
    const c = corpusFromBags(['a', 'b'], [[], []]);
    await expect(fitLda(c, { topics: 2, threads: 0 })).rejects.toThrow(AppError);
    await expect(fitLda(c, { topics: 2, threads: 0 })).rejects.toThrow(/All 2 training documents are empty/);
  });
  it('rejects bad settings echoing the value', async () => {
    await expect(fitLda(synth.corpus, { topics: 0 })).rejects.toThrow(/topics/);
    await expect(fitLda(synth.corpus, { topics: 3, alpha: [1, 2] })).rejects.toThrow(
      /Expected 3 alpha values \(one per topic\), got 2/,
    );
  });
  it('skips empty documents and counts them', async () => {
    const bags = [[], ...Array.from({ length: 20 }, (_, d) => [[d % 3, 2] as const, [3 + (d % 2), 1] as const])];
    const c = corpusFromBags(['a', 'b', 'c', 'd', 'e'], bags);
    const fit = await fitLda(c, { topics: 2, passes: 2, threads: 0 });
    expect(fit.documents).toMatchObject({ total: 21, used: 20, skippedEmpty: 1 });
  });
});
