/**
 * Engine benchmark: SVI steps per second for each posterior family × objective on a fixed model — Bayesian
 * logistic regression on synthetic data (N = 500 rows, 8 predictors + intercept) — on the active tfjs backend.
 * Prints a table and one JSON line. Run: `npx tsx bench/engine.ts` (or `npm run bench -- engine`).
 * ELBO_BENCH_SECONDS sets the time budget per cell (default 1.5 s); SVGD has no objective (one row per kernel).
 */
import { initBackend } from '../src-main/engine/backend.js';
import { key, normal } from '../src-main/engine/rng.js';
import { makeFamily } from '../src-main/engine/families/index.js';
import { ParticleFamily } from '../src-main/engine/families/particles.js';
import { makeObjective } from '../src-main/engine/objectives/objective.js';
import { buildGlmModel } from '../src-main/engine/models/glm/fit.js';
import { sviDispose, sviInit, sviStep } from '../src-main/engine/inference/svi.js';
import { svgdDispose, svgdInit, svgdStep } from '../src-main/engine/inference/svgd.js';
import type { FamilySpec, ObjectiveSpec } from '../src-shared/schemas/run-spec.js';
import { familyLabel, objectiveLabel } from '../src-shared/schemas/run-spec.js';

const FAMILIES: FamilySpec[] = [
  { kind: 'meanfield' },
  { kind: 'fullrank' },
  { kind: 'lowrank', rank: 2 },
  { kind: 'planar', length: 8 },
  { kind: 'radial', length: 8 },
  { kind: 'iaf', length: 4, hidden: 32 },
  { kind: 'coupling', length: 4, hidden: 32 },
];
const OBJECTIVES: ObjectiveSpec[] = [
  { kind: 'elbo', samples: 1 },
  { kind: 'elbo', samples: 8 },
  { kind: 'iwae', k: 8 },
  { kind: 'renyi', alpha: 0.5, k: 8 },
];

function syntheticLogistic(N: number, P: number) {
  const e = normal(key(2024), N * (P + 1));
  const X = new Float32Array(N * P);
  const y = new Float32Array(N);
  const beta = Array.from({ length: P }, (_, j) => (j % 2 ? -1 : 1) * (0.5 + j / P));
  for (let n = 0; n < N; n++) {
    let eta = 0.3;
    for (let j = 0; j < P; j++) {
      X[n * P + j] = e[n * (P + 1) + j]!;
      eta += X[n * P + j]! * beta[j]!;
    }
    const u = 0.5 + 0.5 * Math.tanh(e[n * (P + 1) + P]!); // deterministic noise in (0, 1)
    y[n] = u < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  return { X, rows: N, cols: P, y };
}

function timeSteps(step: () => void, budgetMs: number): { stepsPerSecond: number; steps: number } {
  for (let i = 0; i < 3; i++) step(); // warm-up (kernel compilation, allocation)
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < budgetMs || n < 5) {
    step();
    n++;
  }
  return { stepsPerSecond: (1000 * n) / (performance.now() - t0), steps: n };
}

export async function benchEngine(): Promise<Record<string, unknown>> {
  const backend = await initBackend();
  const budget = 1000 * Number(process.env.ELBO_BENCH_SECONDS ?? 1.5);
  const data = syntheticLogistic(500, 8);
  const model = buildGlmModel({ model: 'logistic', data, priorScale: 5 });
  const results: Array<{ family: string; objective: string; stepsPerSecond: number; steps: number }> = [];
  for (const f of FAMILIES) {
    for (const o of OBJECTIVES) {
      const state = sviInit({
        family: makeFamily(f, model.dim),
        model,
        objective: makeObjective(o),
        optimiser: { kind: 'adam', learningRate: 0.01 },
        seed: 1,
      });
      const r = timeSteps(() => void sviStep(state), budget);
      sviDispose(state);
      results.push({ family: familyLabel(f), objective: objectiveLabel(o), ...r });
    }
  }
  for (const kernel of ['rbf', 'imq'] as const) {
    const family = new ParticleFamily(model.dim, 50, kernel, 0.1);
    const state = svgdInit({ family, logProb: (z) => model.logJoint(z), seed: 1 });
    const r = timeSteps(() => void svgdStep(state), budget);
    svgdDispose(state);
    results.push({ family: `svgd:50:${kernel}`, objective: '(stein)', ...r });
  }
  model.dispose?.();
  return {
    bench: 'engine',
    model: 'logistic regression, N = 500, P = 9 (with intercept)',
    backend: backend.name,
    backendDetail: backend.detail,
    secondsPerCell: budget / 1000,
    results,
  };
}

function printTable(r: Record<string, unknown>): void {
  const rows = r.results as Array<{ family: string; objective: string; stepsPerSecond: number }>;
  const objectives = [...new Set(rows.map((x) => x.objective))];
  const families = [...new Set(rows.map((x) => x.family))];
  const w = 18;
  console.log(`backend: ${String(r.backend)} (${String(r.backendDetail)})`);
  console.log(`model: ${String(r.model)}; steps/second (higher is better)`);
  console.log('family'.padEnd(w) + objectives.map((o) => o.padStart(12)).join(''));
  for (const f of families) {
    const cells = objectives.map((o) => {
      const c = rows.find((x) => x.family === f && x.objective === o);
      return (c ? c.stepsPerSecond.toFixed(1) : '—').padStart(12);
    });
    console.log(f.padEnd(w) + cells.join(''));
  }
}

/** Entry point used by `npm run bench -- engine` (bench/index.ts) and by a direct run. */
export async function main(): Promise<void> {
  const r = await benchEngine();
  printTable(r);
  console.log(JSON.stringify(r));
}

if (process.argv[1] && /bench[\\/]engine\.ts$/.test(process.argv[1])) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
