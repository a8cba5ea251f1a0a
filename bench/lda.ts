/**
 * `npm run bench -- lda --synthetic 1000000`: a million documents of known topics end to end (bench/lda-synthetic.ts).
 * `npm run bench -- lda [--passes 10] [--topics 20] [--threads N] [--docs 38235] [--no-batch] [--no-scaling]
 *                        [--export DIR] [--init seeded|random] [--batch-size 256] [--seed 1] [--corpus fortunes]
 *                        [--no-peers] [--keep-corpus]`
 *
 * Fits LDA (K = 20) on REFERENCE.md's corpus — long descriptions of Debian packages, read from the apt lists of the
 * machine (`/var/lib/apt/lists/*_i18n_Translation-en*`, or `*_Packages*` where they still carry long descriptions;
 * `apt-get update -o Acquire::Languages=en` fetches them) — deduplicated, shuffled with a fixed seed, capped at
 * 38,235 documents (REFERENCE.md's count) and split 90/10; tokenised as REFERENCE.md (lower-case letters, length ≥ 3,
 * English stop words, min_df 5, max_df 0.5, vocabulary cap 10,000). Falls back to resources/samples/fortunes.csv
 * replicated, saying so. Prints seconds and held-out perplexity per pass for online SVI (τ0 = 1024, κ = 0.5,
 * batch 256) and batch EM, the time to reach perplexity ≤ 1,700, a scaling check, then one JSON line.
 * `--export DIR` writes the prepared train/held-out token sequences (one document per line).
 *
 * Peers side by side (`--no-peers` skips them): the prepared corpus (doc-word counts of the training documents and the
 * held-out completion halves, CSR arrays + meta.json) is written to a temporary folder (kept with --keep-corpus), and
 * when /usr/bin/python3 (or python3) imports them, scikit-learn's online LatentDirichletAllocation and gensim's
 * LdaModel are fitted on it by bench/lda_peers.py with the same K, α = η = 1/K, τ0, κ, batch size, passes and E-step
 * rule (mean |Δγ| < 1e-3, ≤ 100 sweeps per document), on one BLAS thread, right after ELBO Studio's online fit. Every
 * library's final topics are scored by ELBO Studio's completionPerplexity (one definition, ± its standard error over
 * held-out documents). The table gives process CPU seconds per pass per million training tokens (all threads
 * counted), wall seconds per pass and that perplexity, and says which E-step (native C or JS) ran.
 * Without the peers it prints REFERENCE.md's figures, labelled as such.
 */
import { spawnSync } from 'node:child_process';
import { peerPython } from './python-peer';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import {
  COMPLETION_MAX_ITER,
  COMPLETION_TOL,
  completionPerplexity,
  fitLda,
  type LdaFit,
  type LdaModel,
  type LdaPassRecord,
  ldaKernelPath,
  parseLdaSpec,
} from '../src-main/engine/models/lda';
import { key, permutation } from '../src-main/engine/rng';
import { type Corpus, completionSplit, numDocs, numTokens, prepareCorpus, subsetCorpus } from '../src-main/text';

const REFERENCE_DOCS = 38_235;
const TARGET_PERPLEXITY = 1_700;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);

/** Reads a (possibly compressed) apt list file as text through apt's own helper, else the right decompressor. */
function catAptFile(file: string): string | null {
  const tries: [string, string[]][] = [['/usr/lib/apt/apt-helper', ['cat-file', file]]];
  if (file.endsWith('.lz4')) tries.push(['lz4cat', [file]]);
  else if (file.endsWith('.gz')) tries.push(['zcat', [file]]);
  else if (file.endsWith('.xz')) tries.push(['xzcat', [file]]);
  else tries.push(['cat', [file]]);
  for (const [cmd, args] of tries) {
    const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.status === 0 && r.stdout) return r.stdout;
  }
  return null;
}

/** Long descriptions (continuation lines of Description / Description-en, " ." paragraph marks dropped). */
function parseDescriptions(text: string, out: Set<string>): void {
  let cur: string[] | null = null;
  const flush = (): void => {
    if (cur && cur.length > 0) out.add(cur.join(' '));
    cur = null;
  };
  for (const line of text.split('\n')) {
    if (/^Description(-en)?:/.test(line)) {
      flush();
      cur = [];
    } else if (cur && line.startsWith(' ')) {
      const t = line.trim();
      if (t !== '.') cur.push(t);
    } else {
      flush();
    }
  }
  flush();
}

function debianDescriptions(): { docs: string[]; source: string } | null {
  const dir = '/var/lib/apt/lists';
  if (!fs.existsSync(dir)) return null;
  const files = fs.readdirSync(dir);
  const pick = (re: RegExp): string[] => files.filter((f) => re.test(f)).map((f) => path.join(dir, f));
  for (const [label, list] of [
    ['Translation-en', pick(/_i18n_Translation-en(\.[a-z0-9]+)?$/)],
    ['Packages', pick(/_Packages(\.[a-z0-9]+)?$/)],
  ] as const) {
    const set = new Set<string>();
    for (const f of list) {
      const t = catAptFile(f);
      if (t) parseDescriptions(t, set);
    }
    if (set.size >= 1000) return { docs: [...set], source: `Debian ${label} long descriptions (${list.length} files)` };
  }
  return null;
}

function fortunes(): { docs: string[]; source: string } {
  const file = path.join(__dirname, '..', 'resources', 'samples', 'fortunes.csv');
  const rows = parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
  const base = rows.map((r) => r.text ?? '');
  const docs: string[] = [];
  while (docs.length < REFERENCE_DOCS) docs.push(...base);
  return {
    docs: docs.slice(0, REFERENCE_DOCS),
    source: `resources/samples/fortunes.csv replicated (${base.length} texts)`,
  };
}

function fmt(x: number | null | undefined, d = 0): string {
  return x == null || !Number.isFinite(x) ? '—' : x.toFixed(d);
}

function printPass(label: string, p: LdaPassRecord): void {
  console.log(
    `${label.padEnd(8)} pass ${String(p.pass).padStart(2)}  ${fmt(p.seconds, 2).padStart(6)} s (cpu ${fmt(p.cpuSeconds, 2).padStart(6)} s)  total ${fmt(p.totalSeconds, 1).padStart(6)} s` +
      `  perplexity (completion) ${fmt(p.perplexityCompletion).padStart(6)}  (bound) ${fmt(p.perplexityBound).padStart(6)}` +
      `  ELBO ${p.elbo.toExponential(5)}  sweeps/doc ${fmt(p.sweepsPerDoc, 1)}`,
  );
}

function timeTo(fit: LdaFit, target: number): { seconds: number; cpuSeconds: number; pass: number } | null {
  const i = fit.history.findIndex((p) => p.perplexityCompletion != null && p.perplexityCompletion <= target);
  if (i < 0) return null;
  const h = fit.history[i]!;
  const cpu = fit.history.slice(0, i + 1).reduce((s, p) => s + p.cpuSeconds, 0);
  return { seconds: h.totalSeconds, cpuSeconds: cpu, pass: h.pass };
}

function exportSequences(dir: string, c: Corpus, name: string): void {
  const lines: string[] = [];
  for (let d = 0; d < numDocs(c); d++) {
    const ids = c.seqIds!.subarray(c.seqPtr![d]!, c.seqPtr![d + 1]!);
    lines.push(Array.from(ids, (w) => c.vocabulary[w]!).join(' '));
  }
  fs.writeFileSync(path.join(dir, `${name}.txt`), `${lines.join('\n')}\n`);
}

/** Writes the prepared corpus for the python peers (bench/lda_peers.py reads it): CSR arrays + meta.json. */
function writePeerCorpus(dir: string, train: Corpus, observed: Corpus, scored: Corpus, meta: object): void {
  const put = (name: string, a: Uint32Array | Float32Array): void =>
    fs.writeFileSync(path.join(dir, name), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  for (const [prefix, c] of [
    ['train', train],
    ['heldout_observed', observed],
    ['heldout_scored', scored],
  ] as const) {
    put(`${prefix}_docptr.u32`, c.docPtr);
    put(`${prefix}_words.u32`, c.wordIds);
    put(`${prefix}_counts.f32`, c.counts);
  }
  fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta));
}

interface PeerRun {
  peer: string;
  version: string;
  cpuSecondsPerPass: number[];
  secondsPerPass: number[];
  perPassMeasured: boolean;
  blas: string;
  lambda: Float64Array;
}

/** Fits one peer on the written corpus (bench/lda_peers.py, one BLAS thread); null (and why) when it fails. */
function runPeer(python: string, peer: 'sklearn' | 'gensim', dir: string, seed: number): PeerRun | null {
  const out = path.join(dir, `${peer}_lambda.f64`);
  const one = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const r = spawnSync(
    python,
    [path.join(__dirname, 'lda_peers.py'), '--corpus', dir, '--peer', peer, '--out', out, '--seed', String(seed)],
    { encoding: 'utf8', env: { ...process.env, ...one }, maxBuffer: 1 << 26 },
  );
  if (r.status !== 0) {
    console.log(`  ${peer} failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
    return null;
  }
  const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as Omit<PeerRun, 'lambda'>;
  const buf = fs.readFileSync(out);
  const lambda = new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return { ...res, lambda };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]!
      : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export async function main(): Promise<void> {
  if (arg('synthetic') !== undefined) {
    // A corpus of known topics at scale, end to end in bounded memory (bench/lda-synthetic.ts).
    const { main: synthetic } = await import('./lda-synthetic');
    await synthetic();
    return;
  }
  const passes = Number(arg('passes') ?? 10);
  const topics = Number(arg('topics') ?? 20);
  const threads = arg('threads') !== undefined ? Number(arg('threads')) : os.availableParallelism();
  const cap = Number(arg('docs') ?? REFERENCE_DOCS);
  const batchSize = Number(arg('batch-size') ?? 256);
  const init = (arg('init') ?? 'seeded') as 'seeded' | 'random';

  const t0 = performance.now();
  const forced = arg('corpus') === 'fortunes';
  let src = forced ? null : debianDescriptions();
  if (!src) {
    if (!forced) {
      console.log('Debian apt lists with long descriptions not found (run `apt-get update -o Acquire::Languages=en`);');
    }
    console.log(
      'using resources/samples/fortunes.csv replicated (held-out texts repeat training texts) — figures are NOT',
    );
    console.log('comparable to REFERENCE.md.');
    src = fortunes();
  }
  const all = src.docs;
  const perm = permutation(key(20_240_601), all.length);
  const n = Math.min(cap, all.length);
  const docs = Array.from({ length: n }, (_, i) => all[perm[i]!]!);
  const nTrain = Math.round(n * 0.9);
  const prep = { language: 'en', minTokenLength: 3, minDf: 5, maxDf: 0.5, maxVocab: 10_000, bigrams: false };
  const { corpus: train, report } = await prepareCorpus(docs.slice(0, nTrain), prep);
  const { corpus: heldout } = await prepareCorpus(docs.slice(nTrain), { ...prep, vocabulary: train.vocabulary });
  const prepSeconds = (performance.now() - t0) / 1000;
  console.log(`Corpus: ${src.source}; ${all.length} documents, ${n} used (shuffled, seed 20240601)`);
  console.log(
    `  train ${numDocs(train)} docs (${report.emptyDocuments} empty), ${numTokens(train)} tokens, vocabulary ${train.vocabulary.length}; ` +
      `held-out ${numDocs(heldout)} docs, ${numTokens(heldout)} tokens; prepared in ${prepSeconds.toFixed(1)} s`,
  );
  console.log(
    `  stop words: npm stopword@3.1.5 English list; threads ${threads}; K = ${topics}; init ${init}; E-step ${ldaKernelPath() === 'native' ? 'native C (native/lda_native.c)' : 'JS (kernel.ts; ELBO_STUDIO_LDA_NATIVE=0 or the addon not built)'}`,
  );
  const exportDir = arg('export');
  if (exportDir) {
    fs.mkdirSync(exportDir, { recursive: true });
    exportSequences(exportDir, train, 'train');
    exportSequences(exportDir, heldout, 'heldout');
    fs.writeFileSync(path.join(exportDir, 'vocabulary.txt'), `${train.vocabulary.join('\n')}\n`);
    console.log(`  exported token sequences to ${exportDir}`);
  }

  const spec = { topics, passes, seed: Number(arg('seed') ?? 1), threads, init } as const;
  console.log(`\nOnline SVI (τ0 = 1024, κ = 0.5, batch ${batchSize}, ${passes} passes)`);
  const online = await fitLda(
    train,
    { ...spec, method: 'online', tau0: 1024, kappa: 0.5, batchSize },
    { heldout, onPass: (p) => printPass('online', p) },
  );
  const rows: Record<string, unknown>[] = [];
  const summarise = (name: string, fit: LdaFit): Record<string, unknown> => {
    const perps = fit.history.map((h) => h.perplexityCompletion ?? Number.NaN);
    const t = timeTo(fit, TARGET_PERPLEXITY);
    return {
      name,
      seconds: Number(fit.seconds.toFixed(2)),
      cpuSeconds: Number(fit.history.reduce((a, h) => a + h.cpuSeconds, 0).toFixed(2)),
      secondsPerPass: fit.history.map((h) => Number(h.seconds.toFixed(3))),
      cpuSecondsPerPass: fit.history.map((h) => Number(h.cpuSeconds.toFixed(3))),
      perplexity: perps.map((p) => Math.round(p)),
      final: Math.round(perps[perps.length - 1] ?? Number.NaN),
      best: Math.round(Math.min(...perps)),
      secondsToTarget: t ? Number(t.seconds.toFixed(2)) : null,
      cpuSecondsToTarget: t ? Number(t.cpuSeconds.toFixed(2)) : null,
      umass: Number(fit.coherence.umass.toFixed(3)),
      npmi: Number(fit.coherence.npmi.toFixed(3)),
    };
  };
  rows.push(summarise('online', online));

  // Side by side: the same corpus, settings and E-step rule for scikit-learn and gensim; one held-out measure.
  const trainTokens = numTokens(train);
  const split = completionSplit(heldout);
  const settings = parseLdaSpec({ ...spec, method: 'online', tau0: 1024, kappa: 0.5, batchSize });
  const scoreTopics = (lambda: Float64Array): ReturnType<typeof completionPerplexity> => {
    const model: LdaModel = {
      K: topics,
      V: train.vocabulary.length,
      vocabulary: train.vocabulary,
      lambda,
      alpha: new Float64Array(topics).fill(1 / topics),
      eta: 1 / topics,
      spec: settings,
      preparation: null,
    };
    return completionPerplexity(model, split.observed, split.scored, {
      maxIter: COMPLETION_MAX_ITER,
      tol: COMPLETION_TOL,
    });
  };
  type SideRow = {
    library: string;
    cpuPerPassPerMTokens: number;
    secondsPerPass: number;
    perplexity: number;
    se: number;
    scoredDocuments: number;
    measured: 'this run' | 'REFERENCE.md constant';
    note: string;
  };
  const side: SideRow[] = [];
  const ours = scoreTopics(online.lambda);
  side.push({
    library: `ELBO Studio online (${online.threads} thread${online.threads === 1 ? '' : 's'}, ${ldaKernelPath() === 'native' ? 'native C' : 'JS'} E-step)`,
    cpuPerPassPerMTokens: (median(online.history.map((h) => h.cpuSeconds)) / trainTokens) * 1e6,
    secondsPerPass: median(online.history.map((h) => h.seconds)),
    perplexity: ours.perplexity,
    se: ours.se,
    scoredDocuments: ours.documents,
    measured: 'this run',
    note: `per pass; ${fmt(online.history.reduce((a, h) => a + h.sweepsPerDoc, 0) / online.history.length, 1)} sweeps/doc`,
  });
  let peerDir: string | null = null;
  const peerNotes: string[] = [];
  if (!flag('no-peers')) {
    peerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-lda-bench-'));
    writePeerCorpus(peerDir, train, split.observed, split.scored, {
      source: src.source,
      K: topics,
      V: train.vocabulary.length,
      alpha: 1 / topics,
      eta: 1 / topics,
      tau0: settings.tau0,
      kappa: settings.kappa,
      batchSize: settings.batchSize,
      passes: settings.passes,
      tol: settings.eStepTol,
      maxIter: settings.maxEStepIter,
      trainDocs: numDocs(train),
      trainTokens,
    });
    console.log(`\nPeers on the same prepared corpus (written to ${peerDir}), one BLAS thread each:`);
    for (const [peer, module] of [
      ['sklearn', 'sklearn'],
      ['gensim', 'gensim'],
    ] as const) {
      const py = peerPython(module);
      if (!py) {
        peerNotes.push(`${module} not importable by /usr/bin/python3 or python3`);
        continue;
      }
      const r = runPeer(py.python, peer, peerDir, spec.seed);
      if (!r) {
        peerNotes.push(`${peer} failed`);
        continue;
      }
      const ev = scoreTopics(r.lambda);
      const row: SideRow = {
        library: peer === 'sklearn' ? `scikit-learn online LDA (${r.version})` : `gensim LdaModel (${r.version})`,
        cpuPerPassPerMTokens: (median(r.cpuSecondsPerPass) / trainTokens) * 1e6,
        secondsPerPass: median(r.secondsPerPass),
        perplexity: ev.perplexity,
        se: ev.se,
        scoredDocuments: ev.documents,
        measured: 'this run',
        note: `${r.perPassMeasured ? 'per pass' : 'mean of the passes'}; BLAS ${path.basename(path.dirname(r.blas))}`,
      };
      side.push(row);
      console.log(
        `  ${row.library}: cpu ${r.cpuSecondsPerPass.map((x) => x.toFixed(2)).join(', ')} s per pass; held-out perplexity ${fmt(ev.perplexity)} ± ${fmt(ev.se)}`,
      );
    }
    if (!flag('keep-corpus')) fs.rmSync(peerDir, { recursive: true, force: true });
  }
  if (side.length === 1) {
    console.log(
      `\nPeers NOT run in this run (${peerNotes.join('; ') || '--no-peers'}): REFERENCE.md's constants follow.`,
    );
    side.push(
      {
        library: 'scikit-learn online (τ0=1024, κ=0.5), REFERENCE.md',
        cpuPerPassPerMTokens: 3.1,
        secondsPerPass: 3.7,
        perplexity: 1758,
        se: Number.NaN,
        scoredDocuments: 0,
        measured: 'REFERENCE.md constant',
        note: 'wall s per M tokens on one thread; K = 20, 10 passes; another machine run',
      },
      {
        library: 'gensim LdaModel (τ0=1024, κ=0.5), REFERENCE.md',
        cpuPerPassPerMTokens: 5.1,
        secondsPerPass: 5.8,
        perplexity: 1774,
        se: Number.NaN,
        scoredDocuments: 0,
        measured: 'REFERENCE.md constant',
        note: 'wall s per M tokens; K = 20, 10 passes; another machine run',
      },
    );
  }
  const load = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  console.log(
    `\nSide by side: K = ${topics}, α = η = 1/K, τ0 = ${settings.tau0}, κ = ${settings.kappa}, batch ${settings.batchSize}, ${passes} passes, ` +
      `${trainTokens} training tokens; E-step rule for all: stop when mean_k |Δγ_k| < ${settings.eStepTol} or after ${settings.maxEStepIter} sweeps. ` +
      `Held-out: document completion by ELBO Studio's code on each library's final λ (${ours.documents} documents). Load average ${load}.`,
  );
  console.log('| library | CPU s / pass / M tokens | wall s / pass | held-out perplexity ± SE | measured | note |');
  console.log('|---|---|---|---|---|---|');
  for (const r of side) {
    console.log(
      `| ${r.library} | ${fmt(r.cpuPerPassPerMTokens, 2)} | ${fmt(r.secondsPerPass, 2)} | ${fmt(r.perplexity)} ± ${fmt(r.se)} | ${r.measured} | ${r.note} |`,
    );
  }
  const sk = side.find((r) => r.library.startsWith('scikit-learn'));
  if (sk) {
    console.log(
      `ELBO Studio / scikit-learn CPU s per M tokens per pass: ${(side[0]!.cpuPerPassPerMTokens / sk.cpuPerPassPerMTokens).toFixed(2)}× ` +
        `(${sk.measured}); perplexity ${fmt(side[0]!.perplexity)} vs ${fmt(sk.perplexity)}`,
    );
  }
  console.log(
    JSON.stringify({ bench: 'lda-side-by-side', corpus: src.source, trainTokens, topics, passes, load, rows: side }),
  );

  if (!flag('no-batch')) {
    console.log(`\nBatch variational EM (${passes} passes)`);
    const batch = await fitLda(train, { ...spec, method: 'batch' }, { heldout, onPass: (p) => printPass('batch', p) });
    rows.push(summarise('batch', batch));
  }

  const scaling: { fraction: number; docs: number; tokens: number; seconds: number; cpuSeconds: number }[] = [];
  if (!flag('no-scaling')) {
    console.log('\nScaling: one online pass on 25 %, 50 %, 100 % of the training documents');
    for (const fraction of [0.25, 0.5, 1]) {
      const rowsN = Math.round(numDocs(train) * fraction);
      const sub = subsetCorpus(
        train,
        Array.from({ length: rowsN }, (_, i) => i),
      );
      const f = await fitLda(sub, { ...spec, method: 'online', passes: 1, tau0: 1024, kappa: 0.5, batchSize });
      const cpu = f.history.reduce((a, h) => a + h.cpuSeconds, 0);
      scaling.push({ fraction, docs: rowsN, tokens: numTokens(sub), seconds: f.seconds, cpuSeconds: cpu });
      console.log(
        `  ${String(fraction * 100).padStart(3)} %  ${String(rowsN).padStart(6)} docs  ${String(numTokens(sub)).padStart(8)} tokens  ${f.seconds.toFixed(2)} s (cpu ${cpu.toFixed(2)} s)  ` +
          `(${((f.seconds / numTokens(sub)) * 1e6).toFixed(2)} s, cpu ${((cpu / numTokens(sub)) * 1e6).toFixed(2)} s per million tokens)`,
      );
    }
  }

  console.log(
    `\nMachine: ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} (wall times suffer when it exceeds the CPU count; CPU seconds less so)`,
  );
  console.log(
    '| implementation | train s (cpu s) | s/pass (median) | held-out perplexity final / best | s to ≤ 1,700 (cpu s) | UMass | NPMI |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const sp = [...(r.secondsPerPass as number[])].sort((a, b) => a - b);
    console.log(
      `| ELBO Studio ${String(r.name)} (this machine) | ${fmt(r.seconds as number, 1)} (${fmt(r.cpuSeconds as number, 1)}) | ${fmt(sp[Math.floor(sp.length / 2)], 2)} | ` +
        `${fmt(r.final as number)} / ${fmt(r.best as number)} | ${r.secondsToTarget == null ? 'not reached' : `${fmt(r.secondsToTarget as number, 1)} (${fmt(r.cpuSecondsToTarget as number, 1)})`} | ` +
        `${fmt(r.umass as number, 2)} | ${fmt(r.npmi as number, 3)} |`,
    );
  }
  console.log(
    JSON.stringify({
      bench: 'lda',
      corpus: src.source,
      trainDocs: numDocs(train),
      heldoutDocs: numDocs(heldout),
      trainTokens: numTokens(train),
      vocabulary: train.vocabulary.length,
      topics,
      passes,
      threads,
      results: rows,
      scaling,
      sideBySide: side,
    }),
  );
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
