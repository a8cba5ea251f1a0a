/**
 * `npm run bench -- mcmc [--chains 4] [--warmup 1000] [--draws 1000] [--metric diag|dense] [--seed 1]`
 *
 * The reference posterior's NUTS (engine/inference/mcmc) on GLM log joints, 4 chains × (1000 warm-up + 1000 draws):
 *   linear-506x13:   a synthetic 506 × 13 regression with correlated predictors (the Boston housing shape), learned σ;
 *   diabetes:        resources/samples/diabetes.csv (442 × 10, target progression), learned σ;
 *   logistic-506x13: the same design with a Bernoulli target.
 * Prints seconds, batched log-density calls, leapfrog steps, gradient calls per second, the worst R̂, the smallest
 * bulk/tail ESS, bulk ESS per second and divergences, then one JSON line. Do not time it while other work runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../src-main/engine/backend';
import {
  glmDataFromColumns,
  glmReferencePosterior,
  standardiseTarget,
  type GlmData,
} from '../src-main/engine/models/glm';
import { key, normal } from '../src-main/engine/rng';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function synthetic(N: number, P: number, logistic: boolean): Record<string, Float64Array> {
  const e = normal(key(506), N * (P + 2));
  const cols: Record<string, Float64Array> = {};
  const common = Float64Array.from({ length: N }, (_, n) => e[n]!);
  for (let j = 0; j < P; j++)
    cols[`x${j + 1}`] = Float64Array.from({ length: N }, (_, n) => 0.6 * common[n]! + 0.8 * e[(j + 1) * N + n]!);
  const eta = Float64Array.from({ length: N }, (_, n) => {
    let s = 0.3;
    for (let j = 0; j < P; j++) s += ((j % 3) - 1) * 0.5 * cols[`x${j + 1}`]![n]!;
    return s;
  });
  const u = normal(key(507), N);
  cols.y = Float64Array.from({ length: N }, (_, n) =>
    logistic ? (1 / (1 + Math.exp(-eta[n]!)) > 0.5 + 0.25 * Math.tanh(u[n]!) ? 1 : 0) : eta[n]! + u[n]!,
  );
  return cols;
}

function diabetes(): Record<string, Float64Array> {
  const text = fs.readFileSync(path.join(__dirname, '..', 'resources', 'samples', 'diabetes.csv'), 'utf8').trim();
  const [head, ...lines] = text.split(/\r?\n/);
  const names = head!.split(',').map((n) => n.trim());
  const cols: Record<string, Float64Array> = {};
  names.forEach((n, j) => (cols[n] = Float64Array.from(lines, (l) => Number(l.split(',')[j]))));
  return cols;
}

export async function main(): Promise<void> {
  const backend = await initBackend();
  const chains = Number(arg('chains') ?? 4);
  const warmup = Number(arg('warmup') ?? 1000);
  const draws = Number(arg('draws') ?? 1000);
  const seed = Number(arg('seed') ?? 1);
  const metric = (arg('metric') ?? 'diag') as 'diag' | 'dense';
  const cases: Array<{
    name: string;
    model: 'linear' | 'logistic';
    cols: Record<string, Float64Array>;
    target: string;
  }> = [
    { name: 'linear-506x13', model: 'linear', cols: synthetic(506, 13, false), target: 'y' },
    { name: 'diabetes', model: 'linear', cols: diabetes(), target: 'progression' },
    { name: 'logistic-506x13', model: 'logistic', cols: synthetic(506, 13, true), target: 'y' },
  ];
  const rows: Record<string, number | string>[] = [];
  for (const c of cases) {
    const d = glmDataFromColumns(c.cols, c.target, { standardise: true });
    const yScaling = c.model === 'linear' ? standardiseTarget(d.y) : { centre: 0, scale: 1 };
    const t0 = performance.now();
    const ref = await glmReferencePosterior({
      model: c.model,
      data: d as GlmData,
      scaling: { centre: d.centre, scale: d.scale, target: yScaling },
      seed,
      chains,
      warmup,
      draws,
      metric,
    });
    const seconds = (performance.now() - t0) / 1000;
    const m = ref.mcmc!;
    rows.push({
      case: c.name,
      rows: d.rows,
      dim: ref.names.length,
      seconds: +seconds.toFixed(2),
      leapfrog: m.leapfrogSteps,
      gradPerSec: Math.round(m.leapfrogSteps / seconds),
      maxRhat: +m.maxRhat.toFixed(4),
      minEssBulk: Math.round(m.minEssBulk),
      minEssTail: Math.round(m.minEssTail),
      essBulkPerSec: +(m.minEssBulk / seconds).toFixed(1),
      divergences: m.divergences,
      stepSize: +(m.stepSize.reduce((a, b) => a + b, 0) / m.stepSize.length).toFixed(3),
    });
  }
  console.table(rows);
  console.log(
    JSON.stringify({ bench: 'mcmc', backend: backend.name, chains, warmup, draws, metric, seed, cases: rows }),
  );
}
