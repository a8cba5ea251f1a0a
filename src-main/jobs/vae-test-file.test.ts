// A VAE scored on a separate test file (spec.testDatasetId, the CLI's --test): the test file is prepared with the
// training data's transform and category coding, and the worker's test_* metrics are what the engine computes from
// the stored model on that file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../api/services';
import { createDispatcher, createHandlers } from '../api/dispatcher';
import { DatasetFile, importCsv } from '../data-import';
import { vaeSpecSchema } from '../../src-shared/schemas/run-spec';
import { initBackend } from '../engine/backend';
import { evaluateVae, prepareWithSnapshot, type VaeSnapshot } from '../engine/models/vae';
import { testMatrix } from './adapters/vae';

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

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-vae-testfile-'));
  s = createServices({ dataDir: dir, mode: 'browser' });
  s.repos.projects.create('t');
});
afterAll(async () => {
  await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('test file coding', () => {
  it('maps a test file’s category codes onto the training levels by name, and refuses unseen levels', async () => {
    const cat = [{ name: 'colour', type: 'categorical', role: 'feature' }];
    const train = await importFile('train-cat', 'colour,v\nred,1\ngreen,2\nblue,3\nred,4\n', cat);
    const test = await importFile('test-cat', 'colour,v\nblue,5\nred,6\n', cat);
    const bad = await importFile('bad-cat', 'colour,v\npurple,5\n', cat);
    const tr = DatasetFile.open(s.datasetPath(train.id));
    const levels = tr.schema.find((c) => c.name === 'colour')!.levels!;
    const m = testMatrix(tr, DatasetFile.open(s.datasetPath(test.id)), ['colour', 'v']);
    expect(m.n).toBe(2);
    expect(levels[m.x[0]!]).toBe('blue');
    expect(levels[m.x[2]!]).toBe('red');
    expect([m.x[1], m.x[3]]).toEqual([5, 6]);
    expect(() => testMatrix(tr, DatasetFile.open(s.datasetPath(bad.id)), ['colour', 'v'])).toThrow(
      /level "purple", which the training data never had/,
    );
    expect(() => testMatrix(tr, DatasetFile.open(s.datasetPath(test.id)), ['colour', 'w'])).toThrow(
      /lacks 1 of the model's feature columns: w/,
    );
  });

  it('refuses at start a test dataset without the feature columns', async () => {
    const a = await importFile('a', 'x,y\n1,2\n3,4\n5,6\n7,8\n9,1\n2,3\n4,5\n6,7\n8,9\n1,1\n');
    // The last column of `a` is taken as its label, so x is the one feature; b lacks it.
    const b = await importFile('b', 'w,z\n1,2\n');
    const dispatch = createDispatcher(createHandlers(s), () => {});
    const r = await dispatch('runs:start', {
      projectId: 1,
      datasetId: a.id,
      spec: vaeSpecSchema.parse({ model: 'vae', testDatasetId: b.id }),
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/lacks 1 of the 1 feature columns: x/);
  });
});

describe('training worker with a test file', () => {
  it('stores test_* metrics equal to the stored model evaluated on the test file', async () => {
    const all = fs.readFileSync(path.join(s.samplesDir, 'digits.csv'), 'utf8').trim().split('\n');
    const label = [{ name: 'label', type: 'categorical', role: 'label' }];
    const train = await importFile('digits-train', `${all.slice(0, 1201).join('\n')}\n`, label);
    const test = await importFile('digits-test', `${[all[0], ...all.slice(1201)].join('\n')}\n`, label);
    const spec = vaeSpecSchema.parse({
      model: 'vae',
      epochs: 2,
      latentDim: 2,
      hidden: [32],
      testDatasetId: test.id,
      evaluation: { k: 20, rows: 0 },
    });
    const run = s.repos.runs.create({ projectId: 1, datasetId: train.id, name: 'with test', spec });
    s.runner.enqueue(run.id);
    const t0 = Date.now();
    let done = s.repos.runs.get(run.id)!;
    while (!['completed', 'failed', 'cancelled'].includes(done.status) && Date.now() - t0 < 120_000) {
      await new Promise((r) => setTimeout(r, 100));
      done = s.repos.runs.get(run.id)!;
    }
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.metrics.test_rows).toBe(all.length - 1201);
    // Independently: the stored model on the test file, prepared with the training transform, same seed and K.
    await initBackend();
    const snapshot = JSON.parse(
      fs.readFileSync(path.join(s.runPath(run.id), 'vae-snapshot.json'), 'utf8'),
    ) as VaeSnapshot;
    const features = Array.from({ length: 64 }, (_, i) => `p${i}`);
    const raw = testMatrix(
      DatasetFile.open(s.datasetPath(train.id)),
      DatasetFile.open(s.datasetPath(test.id)),
      features,
    );
    const ev = await evaluateVae(snapshot, prepareWithSnapshot(raw, snapshot), { k: 20, maxRows: 0, seed: spec.seed });
    expect(done.metrics.test_elbo).toBeCloseTo(ev.elbo, 3);
    expect(done.metrics.test_loglik).toBeCloseTo(ev.logLikelihood.mean, 3);
    expect(done.metrics.test_loglik!).toBeGreaterThanOrEqual(done.metrics.test_elbo! - 0.05);
    expect(done.metrics.test_active_units).toBe(ev.activeUnits.count);
  }, 150_000);
});
