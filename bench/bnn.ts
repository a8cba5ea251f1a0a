/**
 * BNN benchmark (Hernández-Lobato & Adams 2015 protocol): one hidden layer of 50 ReLU units, 20 random 90/10 splits,
 * inputs and target standardised on the training split, mean ± standard error of test RMSE and test log-likelihood
 * in the target's original units, and training time; then the in-between uncertainty on the 1-D toy with a gap.
 *
 *   npm run bench -- bnn [file.csv --target col] [--family meanfield,fullrank,...] [--splits 20] [--epochs N]
 *                        [--batch 32] [--lr 0.001] [--no-toy] [--no-protocol] [--toy-families meanfield,svgd:20]
 *
 * Defaults: resources/samples/diabetes.csv with target `progression`. Prints a table beside REFERENCE.md's figures,
 * then one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  trainBnn,
  type BnnTable,
} from '../src-main/engine/models/bnn/index';

const REFERENCE = {
  diabetes: {
    label: 'PyTorch BBB on diabetes (REFERENCE.md)',
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
}

/** The protocol on one table and family (fitBnnSplits: same splits for every family). */
export async function runProtocol(table: BnnTable, base: BnnSpecInput, splits: number): Promise<ProtocolResult> {
  const spec: BnnSpec = bnnSpecSchema.parse({ ...base, splits });
  const c0 = process.cpuUsage();
  const r = await fitBnnSplits(table, spec);
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

export async function main(): Promise<void> {
  const backend = await initBackend();
  const positional = process.argv
    .slice(2)
    .filter((a, i, all) => !a.startsWith('--') && !(all[i - 1] ?? '').startsWith('--'));
  const file = positional[0] ? resolve(positional[0]) : resolve(__dirname, '../resources/samples/diabetes.csv');
  const target = arg('target') ?? (positional[0] ? undefined : 'progression');
  if (!target) throw new Error('Pass --target <column> with a CSV file');
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
    validationFraction: 0,
    testFraction: 0.1,
    predictiveSamples: 200,
    seed: 1,
  };
  console.log(
    `BNN benchmark: ${file}, target ${target}, ${splits} splits of 90/10, 50 ReLU units, backend ${backend.name}`,
  );
  const { table, cleanup } = await openCsv(file);
  const results: ProtocolResult[] = [];
  try {
    if (!process.argv.includes('--no-protocol')) {
      for (const family of families) results.push(await runProtocol(table, { ...base, family }, splits));
    }
  } finally {
    cleanup();
  }
  const pad = (s: string, n: number): string => s.padEnd(n);
  console.log(
    `\n${pad('method', 52)}${pad('test RMSE', 18)}${pad('test LL', 20)}${pad('cov90', 8)}s/split (wall, CPU)`,
  );
  for (const r of results) {
    console.log(
      `${pad(`ELBO Studio ${r.family}`, 52)}${pad(`${r.rmse.mean.toFixed(3)} ± ${r.rmse.se.toFixed(3)}`, 18)}${pad(`${r.logLik.mean.toFixed(3)} ± ${r.logLik.se.toFixed(3)}`, 20)}${pad(r.coverage90.toFixed(2), 8)}${r.secondsPerSplit.toFixed(2)}, ${r.cpuSecondsPerSplit.toFixed(2)}`,
    );
  }
  console.log(
    `${pad(REFERENCE.diabetes.label, 52)}${pad(REFERENCE.diabetes.rmse, 18)}${pad(REFERENCE.diabetes.ll, 20)}${pad('', 8)}${REFERENCE.diabetes.seconds}`,
  );
  console.log(`${pad(REFERENCE.boston.label, 52)}${pad(REFERENCE.boston.rmse, 18)}${pad(REFERENCE.boston.ll, 20)}`);

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
  console.log(JSON.stringify({ bench: 'bnn', backend: backend.name, file, target, results, toy }));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
