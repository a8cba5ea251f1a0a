import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDispatcher, createHandlers } from './dispatcher';
import { createServices, type Services } from './services';
import { runSpecSchema } from '../../src-shared/schemas/run-spec';
import type { SavedComparison } from '../../src-shared/domain/comparison';
import { migrations } from '../storage/migrations';

let s: Services;
let dispatch: ReturnType<typeof createDispatcher>;
let ds = 0;

function run(name: string, spec: unknown): number {
  const r = s.repos.runs.create({ projectId: 1, datasetId: ds, name, spec: runSpecSchema.parse(spec) });
  s.repos.runs.markRunning(r.id, 'wasm');
  s.repos.runs.finish(r.id, 'completed', null, { val_elbo: -3 });
  return r.id;
}

/** The result of a request that must succeed. */
async function ok<T>(channel: string, args: unknown): Promise<T> {
  const r = await dispatch(channel, args);
  if (!r.ok) throw new Error(`${channel} failed: ${r.error.message}`);
  return r.result as T;
}
async function fails(channel: string, args: unknown) {
  const r = await dispatch(channel, args);
  if (r.ok) throw new Error(`${channel} unexpectedly succeeded`);
  return r;
}

beforeEach(() => {
  s = createServices({
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-cmp-')),
    mode: 'browser',
    workerFactory: () => {
      throw new Error('none');
    },
  });
  dispatch = createDispatcher(createHandlers(s), () => {});
  const p = s.repos.projects.create('Pixels');
  fs.mkdirSync(path.join(s.dataDir, 'datasets/digits'), { recursive: true });
  ds = s.repos.datasets.create({
    projectId: p.id,
    name: 'digits',
    sourceName: 'digits.csv',
    contentHash: 'h',
    rows: 10,
    schema: [],
    preprocessing: { missing: 'drop', standardize: false, droppedRows: 0, delimiter: ',' },
    dataDir: 'datasets/digits',
    bytes: 0,
  }).id;
});
afterEach(async () => {
  await s.close();
  fs.rmSync(s.dataDir, { recursive: true, force: true });
});

describe('saved comparisons', () => {
  it('is migration 3: a comparisons table', () => {
    expect(migrations.find((m) => m.version === 3)?.name).toBe('saved-comparisons');
    const cols = (s.repos.db.prepare('PRAGMA table_info(comparisons)').all() as { name: string }[]).map((c) => c.name);
    expect(cols).toEqual(['id', 'name', 'run_ids_json', 'options_json', 'notes', 'created_at', 'updated_at']);
  });

  it('saves, lists, reopens, updates and deletes a comparison with the view options', async () => {
    const a = run('mean-field', { model: 'vae' });
    const b = run('planar', { model: 'vae', family: { kind: 'planar', length: 8 } });
    const c = run('iaf', { model: 'vae', family: { kind: 'iaf', length: 2 } });
    const saved = await ok<SavedComparison>('comparisons:save', {
      name: '  Flows vs mean-field ',
      runIds: [b, a],
      options: { axis: 'wall', metric: 'train_elbo', colorBy: 'label' },
    });
    expect(saved).toMatchObject({
      name: 'Flows vs mean-field',
      runIds: [b, a],
      options: { axis: 'wall', metric: 'train_elbo', colorBy: 'label' },
      notes: '',
      missingRunIds: [],
      model: 'vae',
    });
    expect(saved.runNames).toEqual({ [a]: 'mean-field', [b]: 'planar' });
    const second = await ok<SavedComparison>('comparisons:save', { name: 'All three', runIds: [a, b, c] });
    expect(second.options).toEqual({});
    // Newest change first.
    expect((await ok<SavedComparison[]>('comparisons:list', {})).map((x) => x.id)).toEqual([second.id, saved.id]);
    const reopened = await ok<SavedComparison>('comparisons:get', { comparisonId: saved.id });
    expect(reopened).toEqual(saved);

    await new Promise((r) => setTimeout(r, 5));
    const updated = await ok<SavedComparison>('comparisons:update', {
      comparisonId: saved.id,
      runIds: [b, a, c],
      options: { axis: 'step' },
      notes: 'IAF added',
    });
    expect(updated).toMatchObject({
      name: 'Flows vs mean-field',
      runIds: [b, a, c],
      options: { axis: 'step' },
      notes: 'IAF added',
    });
    expect(updated.updatedAt > saved.updatedAt).toBe(true);
    expect(updated.createdAt).toBe(saved.createdAt);
    expect((await ok<SavedComparison[]>('comparisons:list', {}))[0]!.id).toBe(saved.id);
    const renamed = await ok<SavedComparison>('comparisons:update', { comparisonId: saved.id, name: 'Renamed' });
    expect(renamed).toMatchObject({ name: 'Renamed', runIds: [b, a, c], notes: 'IAF added' });

    const deleted = await ok<SavedComparison>('comparisons:delete', { comparisonId: saved.id });
    expect(deleted.id).toBe(saved.id);
    expect((await ok<SavedComparison[]>('comparisons:list', {})).map((x) => x.id)).toEqual([second.id]);
    const gone = await fails('comparisons:get', { comparisonId: saved.id });
    expect(gone).toMatchObject({
      status: 404,
      error: { code: 'NOT_FOUND', message: `No saved comparison with id ${saved.id}` },
    });
    expect(await fails('comparisons:update', { comparisonId: saved.id, name: 'x' })).toMatchObject({ status: 404 });
    expect(await fails('comparisons:delete', { comparisonId: saved.id })).toMatchObject({ status: 404 });
  });

  it('refuses bad input with the reason: unknown runs, mixed model kinds, duplicates, too many, no name, unknown options', async () => {
    const a = run('a', { model: 'vae' });
    const b = run('b', { model: 'vae' });
    const lda = run('topics', { model: 'lda', textColumn: 'text' });
    const unknown = await fails('comparisons:save', { name: 'x', runIds: [a, 999] });
    expect(unknown.error).toMatchObject({ code: 'NOT_FOUND', message: 'No run with id 999' });
    const mixed = await fails('comparisons:save', { name: 'x', runIds: [a, b, lda] });
    expect(mixed.error.code).toBe('BAD_REQUEST');
    expect(mixed.error.message).toBe(
      `Runs of different model kinds cannot be saved as one comparison: vae (#${a}, #${b}), lda (#${lda})`,
    );
    expect((await fails('comparisons:save', { name: 'x', runIds: [a, a] })).error.message).toMatch(/appears twice/);
    expect((await fails('comparisons:save', { name: 'x', runIds: [a] })).error.message).toMatch(/at least two runs/);
    expect((await fails('comparisons:save', { name: 'x', runIds: [1, 2, 3, 4, 5, 6, 7, 8, 9] })).error.message).toMatch(
      /at most 8 runs/,
    );
    expect((await fails('comparisons:save', { name: '   ', runIds: [a, b] })).error.message).toMatch(/needs a name/);
    expect(
      (await fails('comparisons:save', { name: 'x', runIds: [a, b], options: { axis: 'time' } })).error.message,
    ).toMatch(/options\.axis/);
    expect(
      (await fails('comparisons:save', { name: 'x', runIds: [a, b], options: { zoom: 3 } })).error.message,
    ).toMatch(/options/);
    const saved = await ok<SavedComparison>('comparisons:save', { name: 'ok', runIds: [a, b] });
    expect((await fails('comparisons:update', { comparisonId: saved.id, runIds: [a, lda] })).error.message).toMatch(
      /different model kinds/,
    );
    // Nothing half-saved.
    expect(await ok<SavedComparison[]>('comparisons:list', {})).toHaveLength(1);
    expect((await ok<SavedComparison>('comparisons:get', { comparisonId: saved.id })).runIds).toEqual([a, b]);
  });

  it('says which runs were deleted since the comparison was saved, instead of dropping them silently', async () => {
    const a = run('a', { model: 'vae' });
    const b = run('b', { model: 'vae' });
    const c = run('c', { model: 'vae' });
    const saved = await ok<SavedComparison>('comparisons:save', { name: 'three', runIds: [a, b, c] });
    await ok('runs:delete', { runId: b });
    const reopened = await ok<SavedComparison>('comparisons:get', { comparisonId: saved.id });
    expect(reopened.runIds).toEqual([a, b, c]);
    expect(reopened.missingRunIds).toEqual([b]);
    expect(reopened.runNames).toEqual({ [a]: 'a', [c]: 'c' });
    expect((await ok<SavedComparison[]>('comparisons:list', {}))[0]!.missingRunIds).toEqual([b]);
    // Saving the deleted run again is refused by name; removing it from the comparison clears the notice.
    expect((await fails('comparisons:update', { comparisonId: saved.id, runIds: [a, b, c] })).error.message).toBe(
      `No run with id ${b}`,
    );
    const fixed = await ok<SavedComparison>('comparisons:update', { comparisonId: saved.id, runIds: [a, c] });
    expect(fixed).toMatchObject({ runIds: [a, c], missingRunIds: [] });
    // Deleting the dataset takes every run: the comparison stays, says all its runs went, and has no model kind.
    await ok('datasets:delete', { datasetId: ds });
    const empty = await ok<SavedComparison>('comparisons:get', { comparisonId: saved.id });
    expect(empty).toMatchObject({ runIds: [a, c], missingRunIds: [a, c], model: null, runNames: {} });
  });

  it('reads stored options leniently: fields this version does not know are dropped, not fatal', async () => {
    const a = run('a', { model: 'vae' });
    const b = run('b', { model: 'vae' });
    const saved = await ok<SavedComparison>('comparisons:save', {
      name: 'x',
      runIds: [a, b],
      options: { axis: 'epoch' },
    });
    s.repos.db
      .prepare('UPDATE comparisons SET options_json = ? WHERE id = ?')
      .run(JSON.stringify({ axis: 'epoch', futureThing: 1, metric: 42 }), saved.id);
    expect((await ok<SavedComparison>('comparisons:get', { comparisonId: saved.id })).options).toEqual({
      axis: 'epoch',
    });
    // The table refuses a run list that is not a JSON array.
    expect(() =>
      s.repos.db.prepare('UPDATE comparisons SET run_ids_json = ? WHERE id = ?').run('{"a":1}', saved.id),
    ).toThrow(/CHECK/);
  });
});
