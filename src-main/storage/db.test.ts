import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, openDb } from './db';
import { migrations } from './migrations';
import { makeRepos } from './repositories';
import { vaeSpecSchema } from '../../src-shared/schemas/run-spec';

const tmp = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-db-')), 'h.sqlite');

const ds = (projectId: number) => ({
  projectId,
  name: 'digits',
  sourceName: 'digits.csv',
  contentHash: 'abc',
  rows: 3,
  schema: [
    {
      name: 'x',
      type: 'numeric' as const,
      role: 'feature' as const,
      missing: 0,
      stats: { min: 0, max: 1, mean: 0.5, std: 0.5 },
    },
  ],
  preprocessing: { missing: 'drop' as const, standardize: true, droppedRows: 1, delimiter: ',' },
  dataDir: 'datasets/a',
  bytes: 12,
});

describe('database', () => {
  it('applies every migration to an empty file, with WAL and foreign keys on', () => {
    const file = tmp();
    const db = openDb(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type='table'`).all() as { name: string }[]).map(
      (t) => t.name,
    );
    for (const t of ['projects', 'datasets', 'runs', 'metrics', 'artifacts', 'schema_migrations'])
      expect(tables).toContain(t);
    const versions = db.prepare('SELECT version FROM schema_migrations').all();
    expect(versions).toHaveLength(migrations.length);
    db.close();
    // Opening again applies nothing twice.
    const again = openDb(file);
    expect(migrate(again, migrations)).toEqual([]);
    again.close();
  });

  it('refuses a database from a newer app', () => {
    const file = tmp();
    const db = openDb(file);
    db.prepare('INSERT INTO schema_migrations VALUES (999, ?, ?)').run('future', 'now');
    db.close();
    expect(() => openDb(file)).toThrow(/newer ELBO Studio/);
  });

  it('round-trips projects, datasets, runs, metrics and artifacts, and cascades deletes', () => {
    const db = openDb(tmp());
    const r = makeRepos(db);
    const p = r.projects.create('First');
    const d = r.datasets.create(ds(p.id));
    expect(r.datasets.get(d.id)).toMatchObject({
      name: 'digits',
      rows: 3,
      columns: 1,
      preprocessing: { standardize: true },
    });
    expect(r.datasets.get(d.id)!.schema[0]!.stats!.mean).toBe(0.5);
    const spec = vaeSpecSchema.parse({ model: 'vae', seed: 7, latentDim: 3 });
    const run = r.runs.create({ projectId: p.id, datasetId: d.id, name: 'run', spec });
    expect(run).toMatchObject({
      status: 'queued',
      seed: 7,
      family: 'meanfield',
      objective: 'elbo',
      datasetName: 'digits',
    });
    expect(run.spec).toEqual(spec);
    r.runs.markRunning(run.id, 'wasm');
    r.metrics.append(run.id, [
      { step: 1, epoch: 1, name: 'elbo', value: -10, wall: 0.1 },
      { step: 2, epoch: 1, name: 'elbo', value: -9, wall: 0.2 },
      { step: 2, epoch: 1, name: 'val_elbo', value: -9.5, wall: 0.2 },
      { step: 3, epoch: 1, name: 'elbo', value: Number.NaN, wall: 0.3 },
    ]);
    const series = r.metrics.series(run.id);
    expect(series.find((s) => s.name === 'elbo')).toMatchObject({ step: [1, 2], value: [-10, -9] });
    r.artifacts.put(run.id, 'reconstructions', 'reconstructions', { a: 1 });
    r.artifacts.put(run.id, 'reconstructions', 'reconstructions', { a: 2 });
    expect(r.artifacts.get(run.id, 'reconstructions')!.data).toEqual({ a: 2 });
    r.runs.finish(run.id, 'completed', null, { val_elbo: -9.5 });
    r.runs.finish(run.id, 'failed', 'late'); // terminal states stay
    expect(r.runs.get(run.id)).toMatchObject({
      status: 'completed',
      backend: 'wasm',
      metrics: { val_elbo: -9.5 },
      error: null,
    });
    expect(r.projects.get(p.id)).toMatchObject({ datasetCount: 1, runCount: 1 });
    db.prepare('DELETE FROM projects WHERE id = ?').run(p.id);
    for (const t of ['datasets', 'runs', 'metrics', 'artifacts']) {
      expect((db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n).toBe(0);
    }
    db.close();
  });

  it('round-trips a dataset imported with each missing-value policy: fills, indicators, kept cells', () => {
    const db = openDb(tmp());
    const r = makeRepos(db);
    const p = r.projects.create('Missing');
    const imputed = r.datasets.create({
      ...ds(p.id),
      schema: [
        {
          name: 'insulin',
          type: 'numeric',
          role: 'feature',
          missing: 374,
          stats: { min: 14, max: 846, mean: 140, std: 90 },
        },
        {
          name: 'insulin_missing',
          type: 'binary',
          role: 'feature',
          missing: 0,
          levels: ['0', '1'],
          indicatorOf: 'insulin',
        },
      ],
      preprocessing: {
        missing: 'impute',
        numericImpute: 'median',
        indicators: true,
        imputed: [
          { column: 'insulin', cells: 374, how: 'median', value: 125, from: 394, indicator: 'insulin_missing' },
        ],
        sourceRows: 768,
        policySource: 'default',
        standardize: false,
        droppedRows: 0,
        delimiter: ',',
      },
    });
    const back = r.datasets.get(imputed.id)!;
    expect(back.preprocessing).toEqual(imputed.preprocessing);
    expect(back.schema[1]).toMatchObject({ indicatorOf: 'insulin', levels: ['0', '1'] });
    const kept = r.datasets.create({
      ...ds(p.id),
      schema: [{ name: 'mpg', type: 'numeric', role: 'feature', missing: 8, missingStored: 8 }],
      preprocessing: {
        missing: 'keep',
        keptMissing: [{ column: 'mpg', cells: 8 }],
        sourceRows: 406,
        policySource: 'chosen',
        standardize: false,
        droppedRows: 0,
        delimiter: ',',
      },
    });
    expect(r.datasets.get(kept.id)!.schema[0]!.missingStored).toBe(8);
    expect(r.datasets.get(kept.id)!.preprocessing.keptMissing).toEqual([{ column: 'mpg', cells: 8 }]);
    db.close();
  });

  it('rejects a run whose dataset does not exist (foreign keys)', () => {
    const db = openDb(tmp());
    const r = makeRepos(db);
    const p = r.projects.create('x');
    expect(() =>
      r.runs.create({ projectId: p.id, datasetId: 999, name: 'n', spec: vaeSpecSchema.parse({ model: 'vae' }) }),
    ).toThrow(/FOREIGN KEY/);
    db.close();
  });
});
