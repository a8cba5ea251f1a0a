// The real training worker through the job runner: a short VAE run completes with metrics and reconstructions, a
// long one cancels promptly, and a VAE at learning rate 10 on a 272 × 2 geyser table (issue 14) ends failed, diverged.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../api/services';
import { importCsv } from '../data-import';
import { vaeSpecSchema } from '../../src-shared/schemas/run-spec';
import type { RunStatus } from '../../src-shared/domain/types';
import { key, normal, uniform } from '../engine/rng';

let s: Services;
let datasetId = 0;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-train-'));
  s = createServices({ dataDir: dir, mode: 'browser' });
  const p = s.repos.projects.create('t');
  const rel = 'datasets/digits';
  const r = await importCsv(path.join(s.samplesDir, 'digits.csv'), path.join(dir, rel), {
    columns: [{ name: 'label', type: 'categorical', role: 'label' }],
  });
  datasetId = s.repos.datasets.create({
    projectId: p.id,
    name: 'digits',
    sourceName: 'digits.csv',
    contentHash: r.contentHash,
    rows: r.rows,
    schema: r.schema,
    preprocessing: r.preprocessing,
    dataDir: rel,
    bytes: r.bytes,
  }).id;
});
afterAll(async () => {
  await s.close();
  fs.rmSync(s.dataDir, { recursive: true, force: true });
});

async function waitStatus(id: number, want: RunStatus[], ms: number) {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const r = s.repos.runs.get(id)!;
    if (want.includes(r.status)) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
  return s.repos.runs.get(id)!;
}

describe('training worker', () => {
  it('trains a VAE on digits and stores backend, metrics and reconstructions', async () => {
    const spec = vaeSpecSchema.parse({ model: 'vae', epochs: 3, latentDim: 2, hidden: [32] });
    const run = s.repos.runs.create({ projectId: 1, datasetId, name: 'short', spec });
    s.runner.enqueue(run.id);
    const done = await waitStatus(run.id, ['completed', 'failed', 'cancelled'], 120_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(['native', 'wasm', 'cpu', 'tensorflow']).toContain(done.backend);
    expect(done.metrics.epochs).toBe(3);
    expect(Number.isFinite(done.metrics.val_elbo)).toBe(true);
    const series = s.repos.metrics.series(run.id);
    expect(series.find((m) => m.name === 'val_elbo')!.value).toHaveLength(3);
    expect(series.find((m) => m.name === 'elbo')!.value.length).toBeGreaterThan(50);
    const rec = s.repos.artifacts.get(run.id, 'reconstructions')!.data as { width: number; originals: number[][] };
    expect(rec.width).toBe(8);
    expect(rec.originals.length).toBeGreaterThan(0);
  });

  it('cancels a long run within seconds, keeping what it logged', async () => {
    const spec = vaeSpecSchema.parse({ model: 'vae', epochs: 1000 });
    const run = s.repos.runs.create({ projectId: 1, datasetId, name: 'long', spec });
    s.runner.enqueue(run.id);
    const t0 = Date.now();
    while (s.repos.metrics.count(run.id) === 0 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
    expect(s.repos.metrics.count(run.id)).toBeGreaterThan(0);
    const tc = Date.now();
    s.runner.cancel(run.id);
    const r = await waitStatus(run.id, ['cancelled', 'failed', 'completed'], 20_000);
    expect(r.status).toBe('cancelled');
    expect(Date.now() - tc).toBeLessThan(10_000);
    expect(s.repos.metrics.count(run.id)).toBeGreaterThan(0);
  });
});

/**
 * 272 rows × 2 columns shaped as Old Faithful (eruption minutes, waiting minutes: a short cluster ≈ 35 % at 2.0 / 54.5
 * and a long one at 4.3 / 80); generated from a seed, so it carries no licence.
 */
function geyserCsv(file: string): void {
  const z = normal(key(272), 544);
  const u = uniform(key(273), 272);
  const lines = ['eruptions,waiting'];
  for (let i = 0; i < 272; i++) {
    const short = u[i]! < 0.35;
    const e = short ? 2.04 + 0.27 * z[2 * i]! : 4.29 + 0.41 * z[2 * i]!;
    const w = short ? 54.5 + 5.9 * z[2 * i + 1]! : 80 + 5.9 * z[2 * i + 1]!;
    lines.push(`${e.toFixed(3)},${Math.round(w)}`);
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

describe('a diverging run', () => {
  it('a VAE at learning rate 10 on a 272 × 2 CSV ends failed with a diverged verdict, never "completed"', async () => {
    const csv = path.join(s.dataDir, 'geyser.csv');
    geyserCsv(csv);
    const rel = 'datasets/geyser';
    const r = await importCsv(csv, path.join(s.dataDir, rel), {});
    const geyser = s.repos.datasets.create({
      projectId: 1,
      name: 'geyser',
      sourceName: 'geyser.csv',
      contentHash: r.contentHash,
      rows: r.rows,
      schema: r.schema,
      preprocessing: r.preprocessing,
      dataDir: rel,
      bytes: r.bytes,
    }).id;
    const spec = vaeSpecSchema.parse({ model: 'vae', optimiser: { kind: 'adam', learningRate: 10 } });
    const run = s.repos.runs.create({ projectId: 1, datasetId: geyser, name: 'lr 10', spec });
    s.runner.enqueue(run.id);
    const done = await waitStatus(run.id, ['completed', 'failed', 'cancelled'], 120_000);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/Training diverged: at step \d+ the bound averaged -\d\.\d+e\+\d+/);
    expect(done.error).toContain('lower the learning rate (now 10) by 10× or set clipNorm');
    expect(done.verdict?.verdict).toBe('failed');
    const reason = done.verdict!.reasons[0]!;
    expect(reason.code).toBe('diverged');
    expect(reason.remedy).toMatch(/Lower the learning rate/);
    const diverged = done.evidence!.diverged!;
    expect(diverged.value).toBeLessThan(-1e6);
    expect(reason.message).toContain(`step ${diverged.step}`);
    // Honest counters: the steps taken up to the checkpoint that caught it (the first epochs), none skipped.
    expect(done.metrics.steps).toBe(diverged.step);
    expect(done.error).toContain(`at step ${diverged.step} `);
    expect(done.metrics.non_finite_steps).toBe(0);
    expect(done.metrics.steps).toBeLessThan(spec.epochs * Math.ceil(245 / spec.batchSize));
  });
});
