/**
 * `npm run bench -- lda --synthetic 1000000 [--threads 2] [--heldout-docs 10000] [--keep DIR]`
 *
 * LDA at scale, end to end, on a corpus drawn from LDA's own generative process with known topics:
 *   β_k ~ Dir(η = 0.05) over V = 8,000 words, θ_d ~ Dir(α = 0.1) over K = 50 topics, N_d ~ U{40 … 77} (mean 58.5,
 *   so a million documents hold ~58.5 M tokens), z_dn ~ Cat(θ_d), w_dn ~ Cat(β_{z_dn}).
 * Words are spelled in letters ("qabc"; the tokeniser splits at digits), preparation keeps every word (no stop
 * words, min_df 1). The phases, each timed, with the process's peak RSS after each (all threads; Linux maxrss):
 *   generate the CSV → import it (streaming importer) → prepare the corpus (stored, read back) → one online pass
 *   (τ0 = 1024, κ = 0.5, batch 256) → held-out perplexity (document completion on `--heldout-docs` documents) →
 *   export every table (topic–word, vocabulary, document–topic of every row, model JSON) as streams to files.
 * Topic recovery: each true topic matched to a fitted one (Hungarian algorithm on the Jensen–Shannon distance,
 * base-2, in [0, 1]), with the distance per match. CPU seconds over wall seconds of the pass show how many cores the
 * E-step kept busy. Prints a table, then one JSON line.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ldaSpecSchema } from '../src-shared/schemas/run-spec';
import { DatasetFile, importCsv } from '../src-main/data-import';
import {
  completionPerplexity,
  completionSplit,
  docTopicHeader,
  docTopicRows,
  fitLda,
  hungarian,
  inferTopicChunks,
  modelToJSON,
  topicWordLines,
  topicWordMatrix,
  vocabularyLines,
  writeCsvFile,
} from '../src-main/engine/models/lda';
import { ldaCorpusFor, splitHeldout } from '../src-main/jobs/lda-corpus';
import { numDocs } from '../src-main/text';

const K = 50;
const V = 8000;
const ALPHA = 0.1;
const ETA = 0.05;
const MIN_LEN = 40;
const MAX_LEN = 77;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** sfc32: a small seeded generator for the corpus draw (rng.ts's keyed streams cost more per draw). */
function sfc32(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

/** Gamma(shape, 1) by Marsaglia & Tsang (2000), with the u^(1/a) boost for shape < 1. */
function gammaDraw(u: () => number, shape: number): number {
  if (shape < 1) return gammaDraw(u, shape + 1) * Math.pow(u() || 1e-300, 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      // Box–Muller normal
      x = Math.sqrt(-2 * Math.log(u() || 1e-300)) * Math.cos(2 * Math.PI * u());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const uu = u();
    if (uu < 1 - 0.0331 * x * x * x * x || Math.log(uu) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Word w spelled in letters: "q" + three base-26 letters (order-preserving, never split by the tokeniser). */
function spell(w: number): string {
  const a = 97;
  return `q${String.fromCharCode(a + Math.floor(w / 676), a + (Math.floor(w / 26) % 26), a + (w % 26))}`;
}

/** Index of the first cumulative value > x (cum ascending, last = 1). */
function search(cum: Float64Array, off: number, n: number, x: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[off + mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Draws the corpus into a CSV (columns id, text), streaming; returns the true topics [K × V] and the token count. */
function generate(file: string, D: number, seed: number): { beta: Float64Array; tokens: number } {
  const u = sfc32(seed);
  const beta = new Float64Array(K * V);
  const cumBeta = new Float64Array(K * V);
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let w = 0; w < V; w++) s += beta[k * V + w] = gammaDraw(u, ETA);
    let c = 0;
    for (let w = 0; w < V; w++) {
      beta[k * V + w]! /= s;
      c += beta[k * V + w]!;
      cumBeta[k * V + w] = c;
    }
    cumBeta[k * V + V - 1] = 1;
  }
  const words = Array.from({ length: V }, (_, w) => spell(w));
  const fd = fs.openSync(file, 'w');
  const cumTheta = new Float64Array(K);
  let buf: string[] = ['id,text'];
  let tokens = 0;
  const tok: string[] = [];
  for (let d = 0; d < D; d++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += cumTheta[k] = gammaDraw(u, ALPHA);
    let c = 0;
    for (let k = 0; k < K; k++) {
      c += cumTheta[k]! / s;
      cumTheta[k] = c;
    }
    cumTheta[K - 1] = 1;
    const n = MIN_LEN + Math.floor(u() * (MAX_LEN - MIN_LEN + 1));
    tok.length = 0;
    for (let i = 0; i < n; i++) {
      const z = search(cumTheta, 0, K, u());
      tok.push(words[search(cumBeta, z * V, V, u())]!);
    }
    tokens += n;
    buf.push(`${d},${tok.join(' ')}`);
    if (buf.length >= 8192) {
      fs.writeSync(fd, `${buf.join('\n')}\n`);
      buf = [];
    }
  }
  if (buf.length) fs.writeSync(fd, `${buf.join('\n')}\n`);
  fs.closeSync(fd);
  return { beta, tokens };
}

/** Jensen–Shannon distance (base 2, in [0, 1]) between rows i of p and j of q, both [K × V]. */
function jsDistance(p: Float64Array, i: number, q: Float64Array, j: number, n: number): number {
  let js = 0;
  for (let w = 0; w < n; w++) {
    const a = p[i * n + w]!;
    const b = q[j * n + w]!;
    const m = 0.5 * (a + b);
    if (a > 0) js += 0.5 * a * Math.log2(a / m);
    if (b > 0) js += 0.5 * b * Math.log2(b / m);
  }
  return Math.sqrt(Math.max(0, js));
}

const mb = (kb: number): number => Math.round(kb / 1024);

export async function main(): Promise<void> {
  const D = Number(arg('synthetic'));
  if (!(Number.isInteger(D) && D >= 1000))
    throw new Error(`Expected --synthetic N with N ≥ 1000 documents, got ${arg('synthetic')}`);
  const threads = arg('threads') !== undefined ? Number(arg('threads')) : os.availableParallelism();
  const heldDocs = Number(arg('heldout-docs') ?? Math.min(10_000, Math.round(D * 0.1)));
  const keep = arg('keep');
  const passes = Number(arg('passes') ?? 1);
  const tau0 = Number(arg('tau0') ?? 1024);
  const kappa = Number(arg('kappa') ?? 0.5);
  const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-bench-lda-'));
  fs.mkdirSync(dir, { recursive: true });
  const phases: { phase: string; seconds: number; cpuSeconds: number; peakRssMB: number }[] = [];
  const phase = async <T>(name: string, f: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await f();
    const c = process.cpuUsage(c0);
    const p = {
      phase: name,
      seconds: (performance.now() - t0) / 1000,
      cpuSeconds: (c.user + c.system) / 1e6,
      peakRssMB: mb(process.resourceUsage().maxRSS),
    };
    phases.push(p);
    console.log(
      `${name.padEnd(22)} ${p.seconds.toFixed(1).padStart(7)} s  cpu ${p.cpuSeconds.toFixed(1).padStart(7)} s  (${(p.cpuSeconds / p.seconds).toFixed(2)} cores)  peak RSS so far ${p.peakRssMB} MB`,
    );
    return r;
  };
  try {
    console.log(
      `Synthetic LDA: D = ${D}, K = ${K}, V = ${V}, α = ${ALPHA}, η = ${ETA}, N_d ~ U{${MIN_LEN}…${MAX_LEN}}; threads ${threads}; in ${dir}`,
    );
    const csv = path.join(dir, 'corpus.csv');
    const truth = await phase('generate CSV', () => generate(csv, D, 20_261_206));
    console.log(`  ${truth.tokens} tokens, ${(fs.statSync(csv).size / 1e6).toFixed(0)} MB of CSV`);
    const dsDir = path.join(dir, 'dataset');
    fs.rmSync(dsDir, { recursive: true, force: true });
    await phase('import', () =>
      importCsv(csv, dsDir, {
        columns: [
          { name: 'id', type: 'identifier', role: 'ignore' },
          { name: 'text', type: 'text', role: 'text' },
        ],
      }),
    );
    const spec = ldaSpecSchema.parse({
      model: 'lda',
      textColumn: 'text',
      topics: K,
      method: 'online',
      passes,
      batchSize: 256,
      tau0,
      kappa,
      heldoutFraction: Math.min(0.5, heldDocs / D),
      prep: { language: 'none', minDf: 1, maxDf: 1, maxVocab: 10_000, minTokenLength: 3 },
      seed: 1,
    });
    const ds = DatasetFile.open(dsDir);
    const { corpus, dir: corpusDir } = await phase('prepare corpus', () => ldaCorpusFor(ds, dsDir, spec));
    const split = await phase('held-out split', () => splitHeldout(corpus, spec.heldoutFraction, spec.seed, corpusDir));
    const t0 = performance.now();
    let passCpu = 0;
    let passSeconds = 0;
    let evalSeconds = 0;
    const fit = await phase('fit (1 pass) + eval', () =>
      fitLda(
        split.train,
        {
          topics: K,
          method: 'online',
          passes: spec.passes,
          batchSize: spec.batchSize,
          tau0: spec.tau0,
          kappa: spec.kappa,
          seed: spec.seed,
          threads,
        },
        {
          rows: split.trainRows,
          ...(split.heldout ? { heldout: split.heldout } : {}),
          onPass: (p) => {
            passCpu = p.cpuSeconds;
            passSeconds = p.seconds;
            evalSeconds = p.evalSeconds;
          },
        },
      ),
    );
    const fitWall = (performance.now() - t0) / 1000;
    const last = fit.history[fit.history.length - 1]!;
    console.log(
      `  pass ${passSeconds.toFixed(1)} s (cpu ${passCpu.toFixed(1)} s: ${(passCpu / passSeconds).toFixed(2)} cores in the E-step), ` +
        `${((passSeconds / fit.documents.tokens) * 1e6).toFixed(2)} s per million tokens; evaluation ${evalSeconds.toFixed(1)} s; ` +
        `held-out perplexity ${last.perplexityCompletion?.toFixed(1)} (completion, ${split.heldoutRows.length} documents), ${last.perplexityBound?.toFixed(1)} (bound)`,
    );

    // Recovery: fitted β over the prepared vocabulary mapped back to the generator's word ids.
    const fitted = topicWordMatrix(fit);
    const fittedFull = new Float64Array(K * V);
    const idOf = new Map(Array.from({ length: V }, (_, w) => [spell(w), w] as const));
    for (let w = 0; w < fit.V; w++) {
      const g = idOf.get(fit.vocabulary[w]!);
      if (g === undefined) throw new Error(`Prepared word "${fit.vocabulary[w]}" is not one the generator spells`);
      for (let k = 0; k < K; k++) fittedFull[k * V + g] = fitted[k * fit.V + w]!;
    }
    const cost = new Float64Array(K * K);
    for (let i = 0; i < K; i++)
      for (let j = 0; j < K; j++) cost[i * K + j] = jsDistance(truth.beta, i, fittedFull, j, V);
    const assign = hungarian(cost, K, K);
    const dists = assign.map((j, i) => cost[i * K + j]!).sort((a, b) => a - b);
    const meanJs = dists.reduce((a, b) => a + b, 0) / K;
    const recovered = dists.filter((x) => x < 0.5).length;
    console.log(
      `  topic recovery (Jensen–Shannon distance per matched true topic, base 2): median ${dists[K >> 1]!.toFixed(3)}, ` +
        `mean ${meanJs.toFixed(3)}, worst ${dists[K - 1]!.toFixed(3)}; ${recovered}/${K} below 0.5`,
    );

    let perplexityTrueTopics: number | null = null;
    // The yardstick for the held-out figure: the same completion perplexity under the generating topics.
    if (split.heldout) {
      const halves = completionSplit(split.heldout);
      const trueLambda = new Float64Array(K * fit.V);
      for (let w = 0; w < fit.V; w++) {
        const g = idOf.get(fit.vocabulary[w]!)!;
        for (let k = 0; k < K; k++) trueLambda[k * fit.V + w] = truth.beta[k * V + g]! + 1e-12;
      }
      const fitted2 = completionPerplexity(fit, halves.observed, halves.scored);
      const truth2 = completionPerplexity({ ...fit, lambda: trueLambda }, halves.observed, halves.scored);
      console.log(
        `  held-out completion perplexity ${fitted2.perplexity.toFixed(1)} ± ${fitted2.se.toFixed(1)} (fitted) vs ` +
          `${truth2.perplexity.toFixed(1)} ± ${truth2.se.toFixed(1)} (generating topics), uniform ${fit.V}; ` +
          `${fitted2.documents} documents, ${fitted2.tokens} scored tokens`,
      );
      perplexityTrueTopics = truth2.perplexity;
    }

    const out = path.join(dir, 'exports');
    fs.mkdirSync(out, { recursive: true });
    const exportBytes: Record<string, number> = {};
    await phase('export topic-word', async () => {
      exportBytes.topicWord = await writeCsvFile(path.join(out, 'topic-word.csv'), topicWordLines(fit));
    });
    await phase('export vocabulary', async () => {
      exportBytes.vocabulary = await writeCsvFile(
        path.join(out, 'vocabulary.csv'),
        vocabularyLines(fit.vocabulary, { termFrequency: corpus.termFrequency, docFrequency: corpus.docFrequency }),
      );
    });
    await phase('export doc-topic', async () => {
      async function* lines(): AsyncGenerator<string> {
        yield docTopicHeader(K, true);
        for await (const ch of inferTopicChunks(fit, corpus, { threads }))
          yield* docTopicRows(ch.theta, K, ch.start, ch);
      }
      exportBytes.docTopic = await writeCsvFile(path.join(out, 'doc-topic.csv'), lines());
    });
    await phase('export model JSON', () => {
      const file = path.join(out, 'model.json');
      fs.writeFileSync(file, JSON.stringify(modelToJSON(fit)));
      exportBytes.model = fs.statSync(file).size;
    });
    const peak = mb(process.resourceUsage().maxRSS);
    const total = phases.reduce((a, p) => a + p.seconds, 0);
    console.log(
      `\nDocuments ${numDocs(corpus)} (${fit.documents.used} trained, ${split.heldoutRows.length} held out), tokens ${fit.documents.tokens} trained, vocabulary ${fit.V}`,
    );
    console.log(
      `Fit + evaluation ${fitWall.toFixed(1)} s wall (target ≤ 360 s); whole run ${total.toFixed(1)} s; peak RSS ${peak} MB (target ≤ 1,536 MB)`,
    );
    console.log(
      `Exports: ${Object.entries(exportBytes)
        .map(([k, b]) => `${k} ${(b / 1e6).toFixed(1)} MB`)
        .join(', ')}`,
    );
    console.log(
      `Machine: ${os.cpus().length} CPUs, load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
    console.log(
      JSON.stringify({
        bench: 'lda-synthetic',
        documents: D,
        tokens: truth.tokens,
        K,
        V,
        threads,
        heldoutDocuments: split.heldoutRows.length,
        phases,
        passSeconds,
        passCpuSeconds: passCpu,
        coresInPass: passCpu / passSeconds,
        secondsPerMillionTokens: (passSeconds / fit.documents.tokens) * 1e6,
        evalSeconds,
        fitAndEvalSeconds: fitWall,
        perplexityCompletion: last.perplexityCompletion,
        perplexityBound: last.perplexityBound,
        perplexityTrueTopics,
        recovery: { median: dists[K >> 1], mean: meanJs, worst: dists[K - 1], below05: recovered, distances: dists },
        exportBytes,
        peakRssMB: peak,
      }),
    );
  } finally {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}
