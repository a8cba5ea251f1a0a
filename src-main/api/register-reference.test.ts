/**
 * Reference posteriors through the API and their worker threads: a CSV with a categorical predictor, a GLM run's
 * coefficient table (dummy coded, reference level named) compared with the exact reference; the second request reads
 * the stored reference back — identical, without a new job; a NUTS job reports progress and can be cancelled.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceJobStatus, RunReference } from '../../src-shared/domain/reference';
import type { GlmPosteriorArtifact } from '../../src-shared/domain/artifacts';
import { glmSpecSchema } from '../../src-shared/schemas/run-spec';
import { initBackend } from '../engine/backend';
import { glmAdapter } from '../jobs/adapters/glm';
import type { ProgressReporter } from '../jobs/progress';
import { createDispatcher, createHandlers, type DispatchResult } from './dispatcher';
import { createServices, type Services } from './services';

let s: Services;
let dispatch: ReturnType<typeof createDispatcher>;
let dir = '';
let projectId = 0;
let datasetId = 0;

function ok<T>(r: DispatchResult): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

/** y = 2 + 0.5 x + {a: 0, b: 1, c: −1}[g] + 0.3 ε, deterministic. */
function rows(n: number): string {
  const out = ['x,g,y'];
  let u = 4321;
  const rand = () => (u = (u * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < n; i++) {
    const x = 10 + 5 * (rand() - 0.5);
    const g = ['a', 'b', 'c'][i % 3]!;
    const y = 2 + 0.5 * x + (g === 'b' ? 1 : g === 'c' ? -1 : 0) + 0.3 * (rand() + rand() + rand() - 1.5);
    out.push(`${x.toFixed(4)},${g},${y.toFixed(4)}`);
  }
  return `${out.join('\n')}\n`;
}

async function glmRun(spec: ReturnType<typeof glmSpecSchema.parse>): Promise<number> {
  const run = s.repos.runs.create({ projectId, datasetId, name: 'glm', spec });
  const artifacts: Record<string, unknown> = {};
  const report = {
    progress: () => {},
    metric: () => {},
    artifact: (name: string, data: unknown) => {
      artifacts[name] = data;
    },
    finish: () => {},
  } as unknown as ProgressReporter;
  await glmAdapter.run({ spec, datasetDir: s.datasetPath(datasetId), runDir: '' }, report, () => false);
  s.repos.artifacts.put(run.id, 'posterior', 'posterior', artifacts.posterior);
  s.repos.runs.markRunning(run.id, 'cpu');
  s.repos.runs.finish(run.id, 'completed', null, {});
  return run.id;
}

beforeAll(async () => {
  await initBackend();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-reference-api-'));
  s = createServices({
    dataDir: dir,
    mode: 'browser',
    recover: false,
    workerFactory: () => {
      throw new Error('no training workers in this test');
    },
  });
  dispatch = createDispatcher(createHandlers(s), () => {});
  projectId = ok<{ id: number }>(await dispatch('projects:create', { name: 'Reference' })).id;
  const file = path.join(dir, 'toy.csv');
  fs.writeFileSync(file, rows(120));
  const picked = s.files.register(file);
  const preview = ok<{ columns: { name: string; type: string; role: string }[] }>(
    await dispatch('import:preview', { source: { fileId: picked.fileId } }),
  );
  expect(preview.columns.find((c) => c.name === 'g')?.type).toBe('categorical');
  datasetId = ok<{ id: number }>(
    await dispatch('import:commit', {
      importId: 'reference-toy',
      projectId,
      source: { fileId: picked.fileId },
      name: 'toy',
      columns: preview.columns.map((c) => ({ name: c.name, type: c.type, role: c.role })),
    }),
  ).id;
}, 120_000);

afterAll(async () => {
  await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('reference:for-run', () => {
  it('computes the exact reference on a worker, compares the run with it, then serves it from the store', async () => {
    const spec = glmSpecSchema.parse({
      model: 'glm',
      target: 'y',
      features: ['x', 'g'],
      referenceLevels: { g: 'b' },
      noiseSigma: 0.3,
      family: { kind: 'fullrank' },
      steps: 1500,
      optimiser: { kind: 'adam', learningRate: 0.05 },
    });
    const runId = await glmRun(spec);
    const post = s.repos.artifacts.payload(runId, 'posterior') as GlmPosteriorArtifact;
    expect(post.coefficients!.rows.map((r) => r.name)).toEqual(['(intercept)', 'x', 'g[a]', 'g[c]']);
    expect(post.coefficients!.rows[2]!.dummy).toEqual({ column: 'g', level: 'a', reference: 'b' });

    const none = ok<RunReference>(await dispatch('reference:for-run', { runId }));
    expect(none.status).toBe('none');
    const started = ok<RunReference>(await dispatch('reference:for-run', { runId, start: true }));
    expect(['queued', 'running']).toContain(started.status);
    const done = await s.references.wait(started.key);
    expect(done.status, done.error ?? '').toBe('completed');
    const first = ok<RunReference>(await dispatch('reference:for-run', { runId }));
    expect(first.reference!.method).toBe('exact');
    // In original units: slope 0.5 per unit of x; g[a] = a − b ≈ −1, g[c] = c − b ≈ −2.
    const byName = Object.fromEntries(first.reference!.coefficients.rows.map((r) => [r.name, r]));
    expect(Math.abs(byName.x!.mean - 0.5)).toBeLessThan(4 * byName.x!.sd);
    expect(Math.abs(byName['g[a]']!.mean + 1)).toBeLessThan(4 * byName['g[a]']!.sd);
    expect(Math.abs(byName['g[c]']!.mean + 2)).toBeLessThan(4 * byName['g[c]']!.sd);
    // The full-rank fit of a Gaussian posterior is close to the exact reference.
    expect(first.comparison!.coefficients.map((c) => c.name)).toEqual(['(intercept)', 'x', 'g[a]', 'g[c]']);
    expect(first.comparison!.overall.w2).toBeLessThan(0.25);
    const stored = s.repos.references.get(started.key)!;
    // Asked again (a new request, even with start): the stored reference, identical, no job.
    const again = ok<RunReference>(await dispatch('reference:for-run', { runId, start: true }));
    expect(again.status).toBe('completed');
    expect(again.cached).toBe(true);
    expect(again.reference).toEqual(first.reference);
    expect(s.repos.references.get(started.key)!.createdAt).toBe(stored.createdAt);
    expect(s.repos.references.countForDataset(datasetId)).toBe(1);
    // A run with another family on the same data and model shares the reference.
    const other = await glmRun({ ...spec, family: { kind: 'meanfield' } });
    const shared = ok<RunReference>(await dispatch('reference:for-run', { runId: other }));
    expect(shared.key).toBe(started.key);
    expect(shared.cached).toBe(true);
  }, 300_000);

  it('passes chains and draws to NUTS, keeps one reference per setting, refuses bad values with the fix', async () => {
    const spec = glmSpecSchema.parse({ model: 'glm', target: 'y', features: ['x'], steps: 200, seed: 3 });
    const runId = await glmRun(spec);
    const two = { chains: 2, draws: 100, warmup: 150 };
    const started = ok<RunReference>(await dispatch('reference:for-run', { runId, start: true, settings: two }));
    const done = await s.references.wait(started.key);
    expect(done.status, done.error ?? '').toBe('completed');
    const ref2 = ok<RunReference>(await dispatch('reference:for-run', { runId, settings: two })).reference!;
    expect(ref2.method).toBe('nuts');
    expect(ref2.mcmc).toMatchObject({ chains: 2, draws: 100, warmup: 150 });
    expect(ref2.coefficients.source).toEqual({ kind: 'draws', draws: 200 });
    // Another setting is another reference: not computed yet, while the first stays stored under its own key.
    const three = { ...two, chains: 3 };
    const other = ok<RunReference>(await dispatch('reference:for-run', { runId, settings: three }));
    expect(other.key).not.toBe(started.key);
    expect(other.status).toBe('none');
    expect(ok<RunReference>(await dispatch('reference:for-run', { runId, settings: two })).cached).toBe(true);
    // The defaults are 4 chains × 1,000 draws: a third key.
    const defaults = ok<RunReference>(await dispatch('reference:for-run', { runId }));
    expect(new Set([defaults.key, other.key, started.key]).size).toBe(3);
    // Bad values are refused before any job, echoing the value and naming the range and the default.
    for (const [settings, text] of [
      [{ chains: 0 }, /chains .*from 1 to 16, got 0; 4 chains \(the default\)/],
      [{ draws: 2.5 }, /draws .*from 100 to 20,000, got 2\.5; 1,000 \(the default\)/],
    ] as const) {
      const r = await dispatch('reference:for-run', { runId, start: true, settings });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(text);
    }
  }, 300_000);

  it('runs NUTS on a worker with progress events, and cancels it', async () => {
    const spec = glmSpecSchema.parse({ model: 'glm', target: 'y', features: ['x', 'g'], steps: 200 });
    const runId = await glmRun(spec);
    const seen: ReferenceJobStatus[] = [];
    const off = s.events.on('reference:progress', (p) => seen.push(p));
    const started = ok<RunReference>(
      await dispatch('reference:for-run', { runId, start: true, settings: { warmup: 5000, draws: 5000 } }),
    );
    // Wait for sampling progress, then cancel.
    const t0 = Date.now();
    while (!seen.some((p) => (p.progress?.fraction ?? 0) > 0) && Date.now() - t0 < 120_000)
      await new Promise((r) => setTimeout(r, 50));
    expect(seen.some((p) => p.status === 'running' && (p.progress?.fraction ?? 0) > 0)).toBe(true);
    ok<ReferenceJobStatus>(await dispatch('reference:cancel', { key: started.key }));
    const end = await s.references.wait(started.key);
    off();
    expect(end.status).toBe('cancelled');
    expect(s.repos.references.get(started.key)).toBeNull();
  }, 300_000);
});
