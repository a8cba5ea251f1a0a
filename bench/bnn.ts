/**
 * BNN benchmark (Hernández-Lobato & Adams 2015 protocol): one hidden layer of 50 ReLU units, 20 random 90/10 splits,
 * inputs and target standardised on the training split, N(0, 1) prior, Adam 1e-3, batch 32, 300 epochs, 200
 * predictive samples; mean ± standard error over splits of test RMSE and test log-likelihood in the target's original
 * units, and wall / CPU seconds per split. Then the in-between uncertainty on the 1-D toy with a gap.
 *
 *   npm run bench -- bnn [file.csv --target col] [--family meanfield,fullrank,...] [--splits 20] [--epochs N]
 *                        [--batch 32] [--lr 0.001] [--no-toy] [--no-protocol] [--toy-families meanfield,svgd:20]
 *                        [--no-torch] [--torch-threads 1,2] [--torch-lrt]
 *
 * Data: the Boston housing table (506 × 13, target MEDV) from scikit-learn's bundled CSV when it is installed
 * (BOSTON_CSV), else resources/samples/diabetes.csv (442 × 10, target progression), said so. PyTorch peer: when a
 * python3 imports torch, bench/bnn_torch.py runs Bayes by Backprop (mean-field Gaussian over every weight, the same
 * settings) on the very splits ELBO Studio used (their row indices are passed to it), on 1 and 2 threads, in the
 * same run; the table then shows each implementation's figures, the paired difference over splits (ours − PyTorch,
 * mean ± SE) and the time ratios. Without torch it prints REFERENCE.md's figures, labelled as such. Ends with one
 * JSON line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { importCsv, DatasetFile } from '../src-main/data-import/index';
import { initBackend } from '../src-main/engine/backend';
import { bnnSpecSchema, type BnnSpec, type BnnSpecInput } from '../src-shared/schemas/bnn-spec';
import { familySpecSchema, familyLabel, type FamilySpec } from '../src-shared/schemas/run-spec';
import {
  disposeNet,
  fitBnnSplits,
  gapRatio,
  prepareBnnData,
  splitRows,
  trainBnn,
  type BnnTable,
} from '../src-main/engine/models/bnn/index';
import { meanSe, pairedDifference, type MeanSe } from '../src-shared/stats/mean-se';
import { torchPython } from './python-peer';

/** scikit-learn's bundled copy of the UCI Boston housing data (Debian's python3-sklearn). */
export const BOSTON_CSV = '/usr/lib/python3/dist-packages/sklearn/datasets/data/boston_house_prices.csv';

const REFERENCE = {
  diabetes: {
    label: 'PyTorch BBB, diabetes, REFERENCE.md:',
    rmse: '55.51 ± 1.19',
    ll: '−5.450 ± 0.018',
    seconds: '2.8 CPU-s/split',
  },
  boston: { label: 'published VI on Boston (Graves 2011 via H-L&A 2015)', rmse: '4.32 ± 0.29', ll: '−2.90 ± 0.07' },
  toy: { meanfield: '0.073 / 0.140 = 0.52', fullrank: '0.161 / 0.261 = 0.62' } as Record<string, string>,
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** "meanfield", "lowrank:2", "planar:8", "svgd:20" → a family spec. */
export function parseFamily(s: string): FamilySpec {
  const [kind, a] = s.split(':');
  const n = a === undefined ? undefined : Number(a);
  switch (kind) {
    case 'lowrank':
      return familySpecSchema.parse({ kind, rank: n ?? 2 });
    case 'planar':
    case 'radial':
    case 'iaf':
    case 'coupling':
      return familySpecSchema.parse({ kind, length: n ?? 4 });
    case 'svgd':
      return familySpecSchema.parse({ kind, particles: n ?? 20 });
    default:
      return familySpecSchema.parse({ kind });
  }
}

export async function openCsv(path: string): Promise<{ table: BnnTable; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'elbo-bench-bnn-'));
  await importCsv(path, join(dir, 'ds'), { missing: 'drop' });
  return { table: DatasetFile.open(join(dir, 'ds')), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ProtocolResult {
  family: string;
  splits: number;
  rmse: { mean: number; se: number };
  logLik: { mean: number; se: number };
  coverage90: number;
  /** Wall-clock and CPU seconds of training per split (the machine may be shared: CPU seconds compare better). */
  secondsPerSplit: number;
  cpuSecondsPerSplit: number;
  /** Test RMSE and log-likelihood of each split, in split order (for paired differences). */
  perSplit: Array<{ rmse: number; logLik: number; seconds: number }>;
}

/** The protocol on one table and family (fitBnnSplits: same splits for every family). */
export async function runProtocol(table: BnnTable, base: BnnSpecInput, splits: number): Promise<ProtocolResult> {
  const spec: BnnSpec = bnnSpecSchema.parse({ ...base, splits });
  const seconds: number[] = [];
  const c0 = process.cpuUsage();
  const r = await fitBnnSplits(table, spec, { onSplit: (_s, _m, sec) => seconds.push(sec) });
  const c = process.cpuUsage(c0);
  disposeNet(r.first.model.net);
  const rmse = r.summary.rmse;
  const ll = r.summary.logLik;
  const cov = r.summary.coverage90;
  if (!rmse || !ll || !cov) throw new Error('The BNN benchmark needs a regression target');
  return {
    family: familyLabel(spec.family),
    splits: r.splits,
    rmse,
    logLik: ll,
    coverage90: cov.mean,
    secondsPerSplit: r.secondsPerSplit,
    cpuSecondsPerSplit: (c.user + c.system) / 1e6 / r.splits,
    perSplit: r.perSplit.map((m, i) => {
      if (m.task !== 'regression') throw new Error('The BNN benchmark needs a regression target');
      return { rmse: m.rmse, logLik: m.logLik, seconds: seconds[i]! };
    }),
  };
}

/** One run of bench/bnn_torch.py: Bayes by Backprop on the same splits, `threads` torch threads. */
export interface TorchProtocol {
  threads: number;
  torch: string;
  estimator: string;
  splits: number;
  rmse: MeanSe;
  logLik: MeanSe;
  secondsPerSplit: number;
  cpuSecondsPerSplit: number;
  perSplit: Array<{ rmse: number; logLik: number; seconds: number; cpuSeconds: number; noiseSd: number }>;
}

/**
 * The input of bench/bnn_torch.py: the raw feature columns as ELBO Studio encodes them before standardising
 * (numeric values; 0/1 for binary and one-hot columns, flagged so python leaves them unscaled), the raw target, and
 * the row indices of every split (splitRows with the spec's seed, as fitBnnSplits uses).
 */
export function torchInput(table: BnnTable, base: BnnSpecInput, splits: number): Record<string, unknown> {
  const spec: BnnSpec = bnnSpecSchema.parse({ ...base, splits });
  const data = prepareBnnData(table, spec, { splitIndex: 0 });
  if (data.task !== 'regression') throw new Error('The BNN benchmark needs a regression target');
  if (spec.hidden.length !== 1) throw new Error(`The PyTorch peer has one hidden layer, got hidden ${spec.hidden}`);
  const cols: Array<ArrayLike<number>> = [];
  const binary: boolean[] = [];
  let j = 0;
  for (const f of data.transform.features) {
    const width = f.kind === 'onehot' ? f.levels.length : 1;
    if (f.kind === 'numeric') cols.push(table.column(f.name));
    else
      for (let k = 0; k < width; k++)
        cols.push(Float64Array.from({ length: data.n }, (_, i) => data.x[i * data.d + j + k]!));
    for (let k = 0; k < width; k++) binary.push(f.kind !== 'numeric');
    j += width;
  }
  const x = Array.from({ length: data.n }, (_, i) => cols.map((c) => c[i]!));
  const rows = Array.from({ length: splits }, (_, s) => {
    const r = splitRows(data.n, spec.testFraction, spec.seed, s);
    return { train: Array.from(r.trainRows), test: Array.from(r.testRows) };
  });
  if (spec.prior.kind !== 'gaussian') throw new Error('The PyTorch peer has a Gaussian prior');
  return {
    x,
    binary,
    y: Array.from(data.yRaw),
    splits: rows,
    hidden: spec.hidden[0],
    epochs: spec.epochs,
    batch: spec.batchSize,
    lr: spec.optimiser.learningRate,
    samples: spec.predictiveSamples,
    priorScale: spec.prior.scale,
    initScale: spec.initScale,
    noiseInit: 0.5,
    seed: spec.seed,
  };
}

/** Run bench/bnn_torch.py on `input` with `threads` threads; null (said so) when it fails. */
export function torchProtocol(python: string, inputPath: string, threads: number, lrt: boolean): TorchProtocol | null {
  const r = spawnSync(
    python,
    [resolve(__dirname, 'bnn_torch.py'), '--input', inputPath, '--threads', String(threads), ...(lrt ? ['--lrt'] : [])],
    { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads) }, maxBuffer: 1 << 26 },
  );
  if (r.status !== 0) {
    console.log(
      `PyTorch (${threads} thread${threads === 1 ? '' : 's'}) failed: ${(r.stderr || '').trim().split('\n').pop()}`,
    );
    return null;
  }
  const o = JSON.parse(r.stdout.trim().split('\n').pop()!) as Omit<TorchProtocol, 'rmse' | 'logLik'>;
  return {
    ...o,
    rmse: meanSe(o.perSplit.map((m) => m.rmse)),
    logLik: meanSe(o.perSplit.map((m) => m.logLik)),
  };
}

export interface ToyResult {
  family: string;
  rmse: number;
  logLik: number;
  gapSd: number;
  dataSd: number;
  ratio: number;
  seconds: number;
}

/** One fit on the toy with a gap (x → y), its test RMSE / LL and the in-between ratio sd(gap)/sd(data). */
export async function runToy(
  table: BnnTable,
  family: FamilySpec,
  over: Partial<BnnSpecInput> = {},
): Promise<ToyResult> {
  const spec = bnnSpecSchema.parse({
    model: 'bnn',
    target: 'y',
    features: ['x'],
    hidden: [50],
    family,
    epochs: 150,
    batchSize: 64,
    optimiser: { kind: 'adam', learningRate: 3e-3 },
    validationFraction: 0,
    testFraction: 0.1,
    predictiveSamples: 200,
    seed: 1,
    ...over,
  });
  const data = prepareBnnData(table, spec);
  const r = await trainBnn(data, spec);
  const xs = table.column('x');
  const trainX = Array.from(data.trainRows, (i) => xs[i]!);
  const g = gapRatio(r.model, 'x', [-1.5, 1.5], trainX);
  disposeNet(r.model.net);
  if (r.test?.task !== 'regression') throw new Error('unreachable');
  return {
    family: familyLabel(spec.family),
    rmse: r.test.rmse,
    logLik: r.test.logLik,
    gapSd: g.gapSd,
    dataSd: g.dataSd,
    ratio: g.ratio,
    seconds: r.seconds,
  };
}

const f3 = (x: number): string => x.toFixed(3);

/** The default table: Boston (its CSV's first line, "506,13,…", dropped) when installed, else diabetes. */
function defaultTable(): { file: string; target: string; source: string; cleanup: () => void } {
  if (existsSync(BOSTON_CSV)) {
    const dir = mkdtempSync(join(tmpdir(), 'elbo-bench-boston-'));
    const file = join(dir, 'boston.csv');
    const lines = readFileSync(BOSTON_CSV, 'utf8').split('\n');
    writeFileSync(file, lines.slice(1).join('\n'));
    return {
      file,
      target: 'MEDV',
      source: `UCI Boston housing (506 × 13, target MEDV), read from ${BOSTON_CSV}`,
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  return {
    file: resolve(__dirname, '../resources/samples/diabetes.csv'),
    target: 'progression',
    source: `DIABETES (442 × 10, target progression) from resources/samples/diabetes.csv — the Boston CSV was not found at ${BOSTON_CSV}`,
    cleanup: () => {},
  };
}

const pm = (m: { mean: number; se: number }, d = 3): string => `${m.mean.toFixed(d)} ± ${m.se.toFixed(d)}`;

export async function main(): Promise<void> {
  const backend = await initBackend();
  const positional = process.argv
    .slice(2)
    .filter((a, i, all) => !a.startsWith('--') && !(all[i - 1] ?? '').startsWith('--'));
  const dflt = positional[0] ? null : defaultTable();
  const file = positional[0] ? resolve(positional[0]) : dflt!.file;
  const target = arg('target') ?? dflt?.target;
  if (!target) throw new Error('Pass --target <column> with a CSV file');
  const source = dflt?.source ?? `${file}, target ${target}`;
  const splits = Number(arg('splits') ?? 20);
  const families = (arg('family') ?? 'meanfield').split(',').map(parseFamily);
  const epochs = arg('epochs');
  const base: BnnSpecInput = {
    model: 'bnn',
    target,
    hidden: [50],
    epochs: epochs ? Number(epochs) : 300,
    batchSize: Number(arg('batch') ?? 32),
    optimiser: { kind: 'adam', learningRate: Number(arg('lr') ?? 1e-3) },
    prior: { kind: 'gaussian', scale: 1 },
    validationFraction: 0,
    testFraction: 0.1,
    predictiveSamples: 200,
    seed: 1,
  };
  const load0 = loadavg()[0]!;
  console.log(`BNN benchmark: ${source}`);
  console.log(
    `${splits} splits of 90/10, 50 ReLU units, N(0, 1) prior, Adam ${base.optimiser!.learningRate}, batch ${base.batchSize}, ${base.epochs} epochs, 200 predictive samples; backend ${backend.name}; load average ${load0.toFixed(2)} on ${availableParallelism()} cores`,
  );
  const { table, cleanup } = await openCsv(file);
  const results: ProtocolResult[] = [];
  const torch: TorchProtocol[] = [];
  let torchNote = 'not run (--no-torch or --no-protocol)';
  try {
    if (!process.argv.includes('--no-protocol')) {
      for (const family of families) results.push(await runProtocol(table, { ...base, family }, splits));
      const python = process.argv.includes('--no-torch') ? null : torchPython();
      if (python) {
        const dir = mkdtempSync(join(tmpdir(), 'elbo-bench-bnn-torch-'));
        try {
          const input = join(dir, 'splits.json');
          writeFileSync(input, JSON.stringify(torchInput(table, base, splits)));
          const lrt = process.argv.includes('--torch-lrt');
          for (const t of (arg('torch-threads') ?? '1,2').split(',').map(Number)) {
            const r = torchProtocol(python.python, input, t, lrt);
            if (r) torch.push(r);
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
        torchNote = `measured in this run (${python.note}, the same ${splits} splits)`;
      } else if (!process.argv.includes('--no-torch')) torchNote = 'NOT measured: no python3 with torch';
    }
  } finally {
    cleanup();
    dflt?.cleanup();
  }
  const pad = (s: string, n: number): string => s.padEnd(n);
  console.log(`\nPyTorch Bayes by Backprop: ${torchNote}; load average now ${loadavg()[0]!.toFixed(2)}`);
  console.log(
    `\n${pad('implementation', 52)}${pad('test RMSE', 18)}${pad('test LL', 20)}${pad('cov90', 8)}${pad('wall s/split', 14)}CPU s/split`,
  );
  for (const r of results) {
    console.log(
      `${pad(`ELBO Studio ${r.family} (LRT, float64 JS)`, 52)}${pad(pm(r.rmse), 18)}${pad(pm(r.logLik), 20)}${pad(r.coverage90.toFixed(2), 8)}${pad(r.secondsPerSplit.toFixed(2), 14)}${r.cpuSecondsPerSplit.toFixed(2)}`,
    );
  }
  for (const t of torch) {
    console.log(
      `${pad(`PyTorch ${t.torch} BBB (${t.estimator === 'lrt' ? 'LRT' : 'weight draws'}), ${t.threads} thread${t.threads === 1 ? '' : 's'}`, 52)}${pad(pm(t.rmse), 18)}${pad(pm(t.logLik), 20)}${pad('', 8)}${pad(t.secondsPerSplit.toFixed(2), 14)}${t.cpuSecondsPerSplit.toFixed(2)}`,
    );
  }
  if (torch.length === 0) {
    console.log(
      `${pad(`${REFERENCE.diabetes.label} NOT this run`, 52)}${pad(REFERENCE.diabetes.rmse, 18)}${pad(REFERENCE.diabetes.ll, 20)}${pad('', 8)}${pad('', 14)}${REFERENCE.diabetes.seconds}`,
    );
  }
  console.log(`${pad(REFERENCE.boston.label, 52)}${pad(REFERENCE.boston.rmse, 18)}${pad(REFERENCE.boston.ll, 20)}`);

  // Ours (mean-field) against each PyTorch run: paired over the same splits, and time ratios.
  const ours = results.find((r) => r.family === 'meanfield');
  const comparisons = torch.map((t) => {
    const n = Math.min(t.perSplit.length, ours?.perSplit.length ?? 0);
    const a = ours?.perSplit.slice(0, n) ?? [];
    const b = t.perSplit.slice(0, n);
    return {
      threads: t.threads,
      splits: n,
      rmseDiff: pairedDifference(
        a.map((m) => m.rmse),
        b.map((m) => m.rmse),
      ),
      logLikDiff: pairedDifference(
        a.map((m) => m.logLik),
        b.map((m) => m.logLik),
      ),
      wallRatio: ours ? ours.secondsPerSplit / t.secondsPerSplit : Number.NaN,
      cpuRatio: ours ? ours.cpuSecondsPerSplit / t.cpuSecondsPerSplit : Number.NaN,
    };
  });
  if (ours && comparisons.length) {
    console.log(
      `\nELBO Studio meanfield − PyTorch BBB, paired over the same ${comparisons[0]!.splits} splits (mean ± SE)`,
    );
    console.log(
      `${pad('PyTorch threads', 18)}${pad('Δ RMSE', 26)}${pad('Δ test LL', 26)}${pad('time ratio wall', 18)}CPU`,
    );
    for (const c of comparisons) {
      const tag = (d: { withinNoise: boolean }): string => (d.withinNoise ? ' (noise)' : ' (!)');
      console.log(
        `${pad(String(c.threads), 18)}${pad(pm(c.rmseDiff) + tag(c.rmseDiff), 26)}${pad(pm(c.logLikDiff) + tag(c.logLikDiff), 26)}${pad(`${c.wallRatio.toFixed(2)}×`, 18)}${c.cpuRatio.toFixed(2)}×`,
      );
    }
    console.log('(ratio < 1: ELBO Studio is faster; "(noise)": |Δ| < 2 SE, the splits do not tell the two apart)');
  }
  let toy: ToyResult[] = [];
  if (!process.argv.includes('--no-toy')) {
    const { table: toyTable, cleanup: c2 } = await openCsv(resolve(__dirname, '../resources/samples/toy_gap.csv'));
    try {
      const toyFamilies = (arg('toy-families') ?? 'meanfield,fullrank,lowrank:2,planar:4,svgd:20')
        .split(',')
        .map(parseFamily);
      for (const f of toyFamilies) toy.push(await runToy(toyTable, f));
    } finally {
      c2();
    }
    console.log(`\nToy with a gap (y = x sin x, x ∈ [−5, 5] \\ (−1.5, 1.5)); epistemic sd in the gap / on the data`);
    console.log(
      `${pad('family', 16)}${pad('RMSE', 8)}${pad('LL', 9)}${pad('sd gap', 9)}${pad('sd data', 9)}${pad('ratio', 8)}${pad('s', 7)}PyTorch reference`,
    );
    for (const t of toy) {
      console.log(
        `${pad(t.family, 16)}${pad(f3(t.rmse), 8)}${pad(f3(t.logLik), 9)}${pad(f3(t.gapSd), 9)}${pad(f3(t.dataSd), 9)}${pad(f3(t.ratio), 8)}${pad(t.seconds.toFixed(1), 7)}${REFERENCE.toy[t.family] ?? ''}`,
      );
    }
    console.log('(PyTorch mean-field on the toy: RMSE 0.482, LL −0.630)');
  } else toy = [];
  console.log(
    JSON.stringify({
      bench: 'bnn',
      backend: backend.name,
      source,
      target,
      loadAverage: { start: load0, end: loadavg()[0] },
      results,
      pytorch: torch.length
        ? { measured: torch, comparisons }
        : { measured: null, note: torchNote, reference: REFERENCE },
      toy,
    }),
  );
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
