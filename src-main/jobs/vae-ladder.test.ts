// Ladder and convolutional VAEs end to end through the job runner and the VAE adapter: per-layer metrics and the
// evaluation artifact, the conv shape check at start, and the export refusal.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../api/services';
import { createDispatcher, createHandlers } from '../api/dispatcher';
import { importCsv } from '../data-import';
import { vaeSpecSchema, type VaeSpec } from '../../src-shared/schemas/run-spec';
import type { VaeEvaluation } from '../../src-shared/domain/vae';
import { writeRunBundle } from '../export/bundles';

let s: Services;
let dir: string;

async function importFile(name: string, text: string, columns: { name: string; type: string; role: string }[] = []) {
  const file = path.join(dir, `${name}.csv`);
  fs.writeFileSync(file, text);
  const rel = `datasets/${name}`;
  const r = await importCsv(file, path.join(dir, rel), { columns: columns as never });
  return s.repos.datasets.create({
    projectId: 1,
    name,
    sourceName: `${name}.csv`,
    contentHash: r.contentHash,
    rows: r.rows,
    schema: r.schema,
    preprocessing: r.preprocessing,
    dataDir: rel,
    bytes: r.bytes,
  });
}

async function runToEnd(datasetId: number, spec: VaeSpec) {
  const run = s.repos.runs.create({ projectId: 1, datasetId, name: 'ladder', spec });
  s.runner.enqueue(run.id);
  const t0 = Date.now();
  let done = s.repos.runs.get(run.id)!;
  while (!['completed', 'failed', 'cancelled'].includes(done.status) && Date.now() - t0 < 150_000) {
    await new Promise((r) => setTimeout(r, 100));
    done = s.repos.runs.get(run.id)!;
  }
  return done;
}

let digits = 0;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-vae-ladder-'));
  s = createServices({ dataDir: dir, mode: 'browser' });
  s.repos.projects.create('t');
  const all = fs.readFileSync(path.join(s.samplesDir, 'digits.csv'), 'utf8').trim().split('\n');
  const label = [{ name: 'label', type: 'categorical', role: 'label' }];
  digits = (await importFile('digits', `${all.slice(0, 401).join('\n')}\n`, label)).id;
});
afterAll(async () => {
  await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ladder VAE through the adapter', () => {
  it('stores KL and active units per layer, summing to the total, and refuses a bundle export', async () => {
    const spec = vaeSpecSchema.parse({
      model: 'vae',
      epochs: 2,
      latentDim: [4, 2],
      hidden: [32],
      evaluation: { k: 20, rows: 0 },
    });
    const done = await runToEnd(digits, spec);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    const m = done.metrics;
    expect(m.kl_layer1! + m.kl_layer2!).toBeCloseTo(m.kl!, 4);
    expect(m.kl_layer1_se).toBeGreaterThan(0);
    expect(m.active_units_layer1! + m.active_units_layer2!).toBe(m.active_units);
    expect(m.active_units_layer2).toBeLessThanOrEqual(2);
    const ev = s.repos.artifacts.payload(done.id, 'evaluation') as VaeEvaluation;
    expect(ev.layers!.map((l) => l.dim)).toEqual([4, 2]);
    expect(ev.klPerDim).toHaveLength(6);
    expect(m.loglik!).toBeGreaterThanOrEqual(m.eval_elbo! - 0.05);
    await expect(writeRunBundle(s, done.id, path.join(dir, 'bundle'))).rejects.toThrow(
      /cannot be exported: it is a ladder VAE \(latent layers \[4, 2\]\)/,
    );
  }, 160_000);
});

describe('conv VAE through the adapter', () => {
  it('infers 8 × 8 from 64 pixel columns and trains', async () => {
    const spec = vaeSpecSchema.parse({
      model: 'vae',
      architecture: 'conv',
      convChannels: [4, 8],
      epochs: 1,
      latentDim: 2,
      hidden: [16],
      evaluation: { k: 10, rows: 50 },
    });
    const done = await runToEnd(digits, spec);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    const snap = JSON.parse(fs.readFileSync(path.join(s.runPath(done.id), 'vae-snapshot.json'), 'utf8'));
    expect(snap.config.conv).toEqual({ image: { height: 8, width: 8, channels: 1 }, channels: [4, 8] });
    expect(Number.isFinite(done.metrics.loglik)).toBe(true);
  }, 160_000);

  it('refuses at start a conv VAE on rows that are not images, echoing the column count', async () => {
    const a = await importFile(
      'three',
      'x,y,z,label\n1,2,3,a\n3,4,5,b\n5,6,7,a\n7,8,9,b\n9,1,2,a\n2,3,4,b\n4,5,6,a\n6,7,8,b\n8,9,1,a\n1,1,1,b\n',
      [{ name: 'label', type: 'categorical', role: 'label' }],
    );
    const dispatch = createDispatcher(createHandlers(s), () => {});
    const r = await dispatch('runs:start', {
      projectId: 1,
      datasetId: a.id,
      spec: vaeSpecSchema.parse({ model: 'vae', architecture: 'conv' }),
    });
    expect(r.ok).toBe(false);
    const n = s.repos.datasets.get(a.id)!.schema.filter((c) => c.role === 'feature').length;
    expect([2, 3]).toContain(n);
    if (!r.ok) expect(r.error.message).toContain(`${n} feature columns is not a square number (1² = 1, 2² = 4)`);
  });
});
