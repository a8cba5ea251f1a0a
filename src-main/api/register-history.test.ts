import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices, type Services } from './services';
import { registerHistory } from './register-history';
import { runSpecSchema } from '../../src-shared/schemas/run-spec';
import { invokeSchemas } from '../../src-shared/ipc/contract';

let s: Services;
let h: ReturnType<typeof registerHistory>;
let ds1 = 0;
let ds2 = 0;

function dataset(projectId: number, name: string) {
  const rel = `datasets/${name}`;
  fs.mkdirSync(path.join(s.dataDir, rel), { recursive: true });
  fs.writeFileSync(path.join(s.dataDir, rel, 'data.f32'), Buffer.alloc(400));
  return s.repos.datasets.create({
    projectId,
    name,
    sourceName: `${name}.csv`,
    contentHash: 'h',
    rows: 10,
    schema: [],
    preprocessing: { missing: 'drop', standardize: false, droppedRows: 0, delimiter: ',' },
    dataDir: rel,
    bytes: 400,
  }).id;
}

function run(datasetId: number, name: string, spec: unknown, status: 'completed' | 'failed' = 'completed') {
  const r = s.repos.runs.create({
    projectId: s.repos.datasets.get(datasetId)!.projectId,
    datasetId,
    name,
    spec: runSpecSchema.parse(spec),
  });
  s.repos.runs.markRunning(r.id, 'wasm');
  s.repos.metrics.append(r.id, [{ step: 1, epoch: 1, name: 'elbo', value: -3, wall: 0.1 }]);
  s.repos.artifacts.put(r.id, 'x', 'x', { a: 1 });
  s.repos.runs.finish(r.id, status, status === 'failed' ? 'boom' : null, { val_elbo: -3 });
  fs.mkdirSync(s.runPath(r.id), { recursive: true });
  fs.writeFileSync(path.join(s.runPath(r.id), 'vae-snapshot.json'), '{}');
  return r.id;
}

beforeEach(() => {
  s = createServices({
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-hist-')),
    mode: 'browser',
    workerFactory: () => {
      throw new Error('none');
    },
  });
  h = registerHistory(s);
  const p1 = s.repos.projects.create('Pixels');
  const p2 = s.repos.projects.create('Text');
  ds1 = dataset(p1.id, 'digits');
  ds2 = dataset(p2.id, 'fortunes');
});
afterEach(async () => {
  await s.close();
  fs.rmSync(s.dataDir, { recursive: true, force: true });
});

describe('history', () => {
  it('searches every project by name, notes, tags and dataset, with filters and sorting', async () => {
    const a = run(ds1, 'baseline VAE', { model: 'vae' });
    const b = run(ds1, 'flow VAE', { model: 'vae', family: { kind: 'planar', length: 8 } }, 'failed');
    const c = run(ds2, 'topics K=20', { model: 'lda', textColumn: 'text' });
    await h['runs:update']({ runId: a, notes: 'the one that worked 100%', tags: ['keep', 'paper'], starred: true });
    const q = (f: Parameters<(typeof h)['runs:search']>[0]) => h['runs:search'](f).then((rs) => rs.map((r) => r.id));
    expect(await q({ sort: 'created', order: 'desc', limit: 100 })).toEqual([c, b, a]);
    expect(await q({ query: 'FLOW', sort: 'created', order: 'desc', limit: 100 })).toEqual([b]);
    expect(await q({ query: 'worked', sort: 'created', order: 'desc', limit: 100 })).toEqual([a]);
    expect(await q({ query: '100%', sort: 'created', order: 'desc', limit: 100 })).toEqual([a]);
    expect(await q({ query: '_', sort: 'created', order: 'desc', limit: 100 })).toEqual([]);
    expect(await q({ query: 'fortunes', sort: 'created', order: 'desc', limit: 100 })).toEqual([c]);
    expect(await q({ tag: 'paper', sort: 'created', order: 'desc', limit: 100 })).toEqual([a]);
    expect(await q({ starred: true, sort: 'created', order: 'desc', limit: 100 })).toEqual([a]);
    expect(await q({ status: 'failed', sort: 'created', order: 'desc', limit: 100 })).toEqual([b]);
    expect(await q({ model: 'lda', sort: 'created', order: 'desc', limit: 100 })).toEqual([c]);
    expect(await q({ family: 'planar:8', sort: 'created', order: 'desc', limit: 100 })).toEqual([b]);
    expect(await q({ sort: 'name', order: 'asc', limit: 100 })).toEqual([a, b, c]);
    const updated = await h['runs:update']({ runId: a, name: 'renamed' });
    expect(updated).toMatchObject({
      name: 'renamed',
      notes: 'the one that worked 100%',
      tags: ['keep', 'paper'],
      starred: true,
    });
  });

  it('sorts by project, objective, backend, start and star, and filters by a start-time range', async () => {
    const a = run(ds1, 'a', { model: 'vae', objective: { kind: 'iwae', k: 5 } });
    const b = run(ds2, 'b', { model: 'vae' });
    const c = run(ds1, 'c', { model: 'lda', textColumn: 'text' });
    const at = (id: number, iso: string) =>
      s.repos.db.prepare('UPDATE runs SET started_at = ? WHERE id = ?').run(iso, id);
    at(a, '2024-03-01T10:00:00.000Z');
    at(b, '2024-01-15T08:00:00.000Z');
    at(c, '2024-02-10T23:30:00.000Z');
    s.repos.db.prepare(`UPDATE runs SET backend = 'cpu' WHERE id = ?`).run(c);
    await h['runs:update']({ runId: b, starred: true });
    const q = (f: Partial<Parameters<(typeof h)['runs:search']>[0]>) =>
      h['runs:search']({ sort: 'created', order: 'desc', limit: 100, ...f }).then((rs) => rs.map((r) => r.id));
    // Project "Pixels" (a, c) before "Text" (b); ties by id, newest first.
    expect(await q({ sort: 'project', order: 'asc' })).toEqual([c, a, b]);
    expect(await q({ sort: 'objective', order: 'asc' })).toEqual([b, c, a]); // elbo < elbo:svi < iwae:5
    expect(await q({ sort: 'backend', order: 'asc' })).toEqual([c, b, a]);
    expect(await q({ sort: 'started', order: 'asc' })).toEqual([b, c, a]);
    expect(await q({ sort: 'started', order: 'desc' })).toEqual([a, c, b]);
    expect(await q({ sort: 'starred', order: 'desc' })).toEqual([b, c, a]);
    // A local day given with its offset: 2024-02-10 in UTC+01:00 ends at 23:00 UTC, so c (23:30 UTC) is the 11th there.
    expect(await q({ startedFrom: '2024-02-01T00:00:00Z', startedBefore: '2024-03-01T00:00:00Z' })).toEqual([c]);
    expect(await q({ startedFrom: '2024-02-10T00:00:00+01:00', startedBefore: '2024-02-11T00:00:00+01:00' })).toEqual(
      [],
    );
    expect(await q({ startedFrom: '2024-02-11T00:00:00+01:00', startedBefore: '2024-02-12T00:00:00+01:00' })).toEqual([
      c,
    ]);
    expect(await q({ startedFrom: '2024-03-01T10:00:00.000Z' })).toEqual([a]);
    expect(await q({ startedBefore: '2024-01-15T08:00:00.000Z' })).toEqual([]);
  });

  it('filters and sorts by verdict; a finished run without one is "not assessed", a queued one is not', async () => {
    const judge = (id: number, verdict: 'ok' | 'caution' | 'failed') =>
      s.repos.db
        .prepare('UPDATE runs SET verdict = ?, verdict_json = ? WHERE id = ?')
        .run(verdict, JSON.stringify({ verdict, reasons: [] }), id);
    const ok = run(ds1, 'ok', { model: 'vae' });
    const caution = run(ds1, 'caution', { model: 'vae' });
    const failed = run(ds1, 'failed', { model: 'vae' }, 'failed');
    const old = run(ds1, 'from before verdicts', { model: 'vae' });
    const queued = s.repos.runs.create({
      projectId: s.repos.datasets.get(ds1)!.projectId,
      datasetId: ds1,
      name: 'queued',
      spec: runSpecSchema.parse({ model: 'vae' }),
    }).id;
    judge(ok, 'ok');
    judge(caution, 'caution');
    judge(failed, 'failed');
    s.repos.db.prepare('UPDATE runs SET verdict = NULL, verdict_json = NULL WHERE id = ?').run(old);
    const q = (f: Partial<Parameters<(typeof h)['runs:search']>[0]>) =>
      h['runs:search']({ sort: 'created', order: 'desc', limit: 100, ...f }).then((rs) => rs.map((r) => r.id));
    expect(await q({ verdict: 'ok' })).toEqual([ok]);
    expect(await q({ verdict: 'caution' })).toEqual([caution]);
    expect(await q({ verdict: 'failed' })).toEqual([failed]);
    expect(await q({ verdict: 'none' })).toEqual([old]);
    expect((await h['runs:search']({ sort: 'created', order: 'desc', limit: 100, verdict: 'none' }))[0]!.verdict).toBe(
      null,
    );
    // Worst first when ascending; runs without a verdict last (ties: newest first).
    expect(await q({ sort: 'verdict', order: 'asc' })).toEqual([failed, caution, ok, queued, old]);
    expect(invokeSchemas['runs:search'].safeParse({ verdict: 'great' }).success).toBe(false);
  });

  it('refuses a start-time filter that is not an ISO time', async () => {
    const bad = invokeSchemas['runs:search'].safeParse({ startedFrom: 'last tuesday' });
    expect(bad.success).toBe(false);
    expect(invokeSchemas['runs:search'].safeParse({ startedFrom: '2024-02-11T00:00:00+01:00' }).success).toBe(true);
  });

  it('deletes a run with its metrics, artifacts and files, touching nothing else', async () => {
    const a = run(ds1, 'a', { model: 'vae' });
    const b = run(ds1, 'b', { model: 'vae' });
    const preview = await h['runs:delete-preview']({ runId: a });
    expect(preview).toMatchObject({ runs: 1, metrics: 1, artifacts: 1 });
    expect(preview.files).toEqual([s.runPath(a)]);
    // Each file or folder with its size and what it holds, for the confirmation.
    fs.mkdirSync(path.join(s.runPath(a), 'bnn-bundle'));
    fs.writeFileSync(path.join(s.runPath(a), 'bnn-bundle', 'weights.bin'), Buffer.alloc(1000));
    const detailed = await h['runs:delete-preview']({ runId: a });
    expect(detailed.entries).toEqual([{ path: s.runPath(a), bytes: 1002, fileCount: 2, isDirectory: true }]);
    expect(detailed.bytes).toBe(1002);
    await h['runs:delete']({ runId: a });
    expect(s.repos.runs.get(a)).toBeNull();
    expect(fs.existsSync(s.runPath(a))).toBe(false);
    expect(s.repos.metrics.count(a)).toBe(0);
    expect(s.repos.runs.get(b)).not.toBeNull();
    expect(fs.existsSync(s.runPath(b))).toBe(true);
    const left = fs.readdirSync(path.join(s.dataDir, 'runs'));
    expect(left).toEqual([String(b)]);
  });

  it('deletes a dataset with its runs and files, and says what went', async () => {
    const a = run(ds1, 'a', { model: 'vae' });
    run(ds2, 'other', { model: 'vae' });
    const preview = await h['datasets:delete-preview']({ datasetId: ds1 });
    expect(preview).toMatchObject({ datasets: 1, runs: 1, metrics: 1, artifacts: 1 });
    expect(preview.bytes).toBe(402); // data.f32 (400 B) + the run's vae-snapshot.json (2 B)
    expect(preview.entries.map((e) => [path.relative(s.dataDir, e.path), e.bytes, e.fileCount])).toEqual([
      ['datasets/digits', 400, 1],
      [`runs/${a}`, 2, 1],
    ]);
    await h['datasets:delete']({ datasetId: ds1 });
    expect(s.repos.datasets.get(ds1)).toBeNull();
    expect(s.repos.runs.get(a)).toBeNull();
    expect(fs.existsSync(path.join(s.dataDir, 'datasets/digits'))).toBe(false);
    expect(fs.existsSync(path.join(s.dataDir, 'datasets/fortunes'))).toBe(true);
    const orphans = s.repos.db
      .prepare('SELECT COUNT(*) AS n FROM metrics WHERE run_id NOT IN (SELECT id FROM runs)')
      .get() as { n: number };
    expect(orphans.n).toBe(0);
  });

  it('refuses to delete a run that is still training, and keeps its files', async () => {
    const r = s.repos.runs.create({
      projectId: 1,
      datasetId: ds1,
      name: 'live',
      spec: runSpecSchema.parse({ model: 'vae' }),
    });
    s.repos.runs.markRunning(r.id, 'wasm');
    fs.mkdirSync(s.runPath(r.id), { recursive: true });
    await expect(h['runs:delete']({ runId: r.id })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(h['datasets:delete']({ datasetId: ds1 })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(fs.existsSync(s.runPath(r.id))).toBe(true);
    expect(s.repos.datasets.get(ds1)).not.toBeNull();
  });

  it('moves files back when the database refuses the deletion', async () => {
    const a = run(ds1, 'a', { model: 'vae' });
    s.repos.db.exec(`CREATE TRIGGER no_delete BEFORE DELETE ON runs BEGIN SELECT RAISE(ABORT, 'locked'); END;`);
    await expect(h['runs:delete']({ runId: a })).rejects.toThrow(/locked/);
    expect(fs.existsSync(path.join(s.runPath(a), 'vae-snapshot.json'))).toBe(true);
    expect(s.repos.runs.get(a)).not.toBeNull();
  });

  it('refuses to delete a dataset a queued or running run reads as its test or held-out set', async () => {
    const test = dataset(s.repos.datasets.get(ds1)!.projectId, 'digits-test');
    const r = s.repos.runs.create({
      projectId: s.repos.datasets.get(ds1)!.projectId,
      datasetId: ds1,
      name: 'scored on a test file',
      spec: runSpecSchema.parse({ model: 'vae', testDatasetId: test }),
    });
    s.repos.runs.markRunning(r.id, 'wasm');
    await expect(h['datasets:delete']({ datasetId: test })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(
        /Run \d+ \("scored on a test file"\) is running and reads this dataset as its test or held-out set/,
      ),
    });
    expect(s.repos.datasets.get(test)).not.toBeNull();
    expect(fs.existsSync(path.join(s.dataDir, 'datasets', 'digits-test', 'data.f32'))).toBe(true);
    s.repos.runs.finish(r.id, 'completed', null);
    await h['datasets:delete']({ datasetId: test });
    expect(s.repos.datasets.get(test)).toBeNull();
  });
});
