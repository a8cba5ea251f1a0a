import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BnnBand, BnnBundle, BnnPredictResult } from '../../src-shared/domain/bnn';
import { bnnSpecSchema } from '../../src-shared/schemas/run-spec';
import { DatasetFile } from '../data-import';
import { initBackend } from '../engine/backend';
import { disposeNet, exportBnnBundle, prepareBnnData, trainBnn } from '../engine/models/bnn';
import { createDispatcher, createHandlers, type DispatchResult } from './dispatcher';
import { csvCell } from '../model-service/tables';
import { createServices, type Services } from './services';

let s: Services;
let dispatch: ReturnType<typeof createDispatcher>;
let projectId = 0;
let datasetId = 0;
let runId = 0;
let dir = '';

function ok<T>(r: DispatchResult): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

/** y = x·sin x + noise on [−3, −1] ∪ [1, 3] (a gap in the middle), deterministic. */
function toyRows(n: number): string[] {
  const out = ['x,y,group'];
  let u = 12345;
  const rand = () => (u = (u * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < n; i++) {
    const side = i % 2 === 0 ? -1 : 1;
    const x = side * (1 + 2 * rand());
    const y = x * Math.sin(x) + 0.1 * (rand() - 0.5);
    out.push(`${x.toFixed(4)},${y.toFixed(4)},${side < 0 ? 'left' : 'right'}`);
  }
  return out;
}

async function importCsv(name: string, text: string): Promise<number> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  const picked = s.files.register(file);
  const preview = ok<{ columns: { name: string; type: string; role: string }[] }>(
    await dispatch('import:preview', { source: { fileId: picked.fileId } }),
  );
  const columns = preview.columns.map((c) => ({ name: c.name, type: c.type, role: c.role }));
  const d = ok<{ id: number }>(
    await dispatch('import:commit', {
      importId: `bnn-${name}`,
      projectId,
      source: { fileId: picked.fileId },
      name,
      columns,
    }),
  );
  return d.id;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-bnn-api-'));
  s = createServices({
    dataDir: dir,
    mode: 'browser',
    recover: false,
    workerFactory: () => {
      throw new Error('no workers in this test');
    },
  });
  dispatch = createDispatcher(createHandlers(s), () => {});
  projectId = ok<{ id: number }>(await dispatch('projects:create', { name: 'BNN' })).id;
  datasetId = await importCsv('toy.csv', `${toyRows(200).join('\n')}\n`);

  // A tiny fitted model, stored where the worker puts it (without a worker).
  await initBackend();
  const spec = bnnSpecSchema.parse({
    model: 'bnn',
    target: 'y',
    features: ['x'],
    hidden: [20],
    epochs: 150,
    batchSize: 32,
    optimiser: { kind: 'adam', learningRate: 0.01 },
    patience: 0,
    validationFraction: 0,
    testFraction: 0.1,
    predictiveSamples: 50,
    seed: 2,
  });
  const run = s.repos.runs.create({ projectId, datasetId, name: 'tiny bnn', spec });
  runId = run.id;
  const data = prepareBnnData(DatasetFile.open(s.datasetPath(datasetId)), spec);
  const fit = await trainBnn(data, spec);
  exportBnnBundle(fit.model, path.join(s.runPath(runId), 'bnn-bundle'), { metrics: fit.test });
  disposeNet(fit.model.net);
  s.repos.runs.markRunning(runId, 'cpu');
  s.repos.runs.finish(runId, 'completed', null, { rmse: 0.1 });
}, 120_000);

afterAll(async () => {
  await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('bnn:band', () => {
  it('widens far from the data and reports where the data are', async () => {
    const band = ok<BnnBand>(await dispatch('bnn:band', { runId, points: 121, extend: 1.5 }));
    expect(band.feature).toBe('x');
    expect(band.numericFeatures).toEqual(['x']);
    expect(band.x.length).toBe(121);
    expect(band.dataRange[0]).toBeLessThan(-2.5);
    expect(band.dataRange[1]).toBeGreaterThan(2.5);
    expect(band.points.x.length).toBe(200);
    const sd = band.epistemicSd!;
    const onData = band.x
      .map((x, i) => (Math.abs(x) > 1.2 && Math.abs(x) < 2.8 ? sd[i]! : NaN))
      .filter(Number.isFinite);
    const far = band.x.map((x, i) => (Math.abs(x) > 7 ? sd[i]! : NaN)).filter(Number.isFinite);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(far.length).toBeGreaterThan(5);
    expect(mean(far)).toBeGreaterThan(2 * mean(onData));
    expect(band.sdAwayFromData!.epistemic).toBeGreaterThan(band.sdNearData!.epistemic);
    // The gap (−1, 1) inside the data range and the stretches beyond it are reported apart.
    expect(band.sdInGaps).not.toBeNull();
    expect(band.sdBeyondData!.epistemic).toBeGreaterThan(2 * band.sdNearData!.epistemic);
    // nearestData is 0-ish inside the clusters and large far out.
    expect(band.nearestData[0]!).toBeGreaterThan(3);
    for (let i = 0; i < band.x.length; i++) expect(band.sd![i]!).toBeGreaterThanOrEqual(band.epistemicSd![i]! - 1e-9);
  });

  it('refuses a feature the model does not have', async () => {
    const r = await dispatch('bnn:band', { runId, feature: 'nope' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('nope');
  });
});

describe('bnn:predict', () => {
  it('predicts every row of a new CSV with finite means, sds and ordered intervals', async () => {
    const file = path.join(dir, 'new.csv');
    fs.writeFileSync(file, 'id,x\na,-2\nb,0\nc,2.5\nd,10\n');
    const picked = s.files.register(file);
    const r = ok<BnnPredictResult>(await dispatch('bnn:predict', { runId, source: { fileId: picked.fileId } }));
    expect(r.rows).toBe(4);
    expect(r.task).toBe('regression');
    expect(r.metrics).toBeNull();
    const ci = (n: string) => r.columns.indexOf(n);
    for (const row of r.table) {
      const m = row[ci('mean')] as number;
      const sd = row[ci('sd')] as number;
      expect(Number.isFinite(m)).toBe(true);
      expect(Number.isFinite(sd) && sd > 0).toBe(true);
      expect(row[ci('lower_95')] as number).toBeLessThan(row[ci('lower_90')] as number);
      expect(row[ci('upper_90')] as number).toBeLessThan(row[ci('upper_95')] as number);
    }
    // Far outside the data (x = 10) the sd is larger than on it (x = 2.5).
    expect(r.table[3]![ci('sd')] as number).toBeGreaterThan(r.table[2]![ci('sd')] as number);
    expect(r.csv.split('\n')[0]).toBe('row,x,mean,sd,epistemic_sd,lower_90,upper_90,lower_95,upper_95');
    expect(r.table[3]![ci('x')]).toBe(10);
    expect(r.csv.trim().split('\n').length).toBe(5);
  });

  it('reports metrics when the new table has the target, and works on a stored dataset', async () => {
    const r = ok<BnnPredictResult>(await dispatch('bnn:predict', { runId, source: { datasetId } }));
    expect(r.rows).toBe(200);
    expect(r.metrics!.rmse).toBeLessThan(1);
    expect(r.columns).toContain('y (actual)');
  });

  it('names the missing column', async () => {
    const file = path.join(dir, 'bad.csv');
    fs.writeFileSync(file, 'z,w\n1,2\n');
    const picked = s.files.register(file);
    const r = await dispatch('bnn:predict', { runId, source: { fileId: picked.fileId } });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('BAD_REQUEST');
      expect(r.error.message).toContain('"x"');
      expect(r.error.hint).toContain('x');
    }
  });

  it('names a missing value', async () => {
    const file = path.join(dir, 'gap.csv');
    fs.writeFileSync(file, 'x\n1\n\n2\nNA\n');
    const picked = s.files.register(file);
    const r = await dispatch('bnn:predict', { runId, source: { fileId: picked.fileId } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/missing value/);
  });
});

describe('bnn:predict (classification, categorical feature)', () => {
  it('predicts classes with probabilities, warns of unseen levels and defuses formula-like labels', async () => {
    const rows = ['x,g,label'];
    for (let i = 0; i < 120; i++) {
      const x = (i % 40) / 10 - 2;
      rows.push(`${x},${['a', 'b', 'c'][i % 3]},${x > 0 ? '=yes' : 'no'}`);
    }
    const dsId = await importCsv('cls.csv', `${rows.join('\n')}\n`);
    const spec = bnnSpecSchema.parse({
      model: 'bnn',
      task: 'classification',
      target: 'label',
      features: ['x', 'g'],
      hidden: [8],
      epochs: 60,
      batchSize: 16,
      optimiser: { kind: 'adam', learningRate: 0.02 },
      patience: 0,
      validationFraction: 0,
      testFraction: 0.2,
      predictiveSamples: 30,
      seed: 1,
    });
    const run = s.repos.runs.create({ projectId, datasetId: dsId, name: 'cls', spec });
    const data = prepareBnnData(DatasetFile.open(s.datasetPath(dsId)), spec);
    const fit = await trainBnn(data, spec);
    exportBnnBundle(fit.model, path.join(s.runPath(run.id), 'bnn-bundle'), { metrics: fit.test });
    disposeNet(fit.model.net);
    s.repos.runs.markRunning(run.id, 'cpu');
    s.repos.runs.finish(run.id, 'completed', null, {});

    const file = path.join(dir, 'cls-new.csv');
    fs.writeFileSync(file, 'label,g,x\n=yes,a,1.5\nno,zzz,-1.5\n');
    const picked = s.files.register(file);
    const r = ok<BnnPredictResult>(await dispatch('bnn:predict', { runId: run.id, source: { fileId: picked.fileId } }));
    expect(r.task).toBe('classification');
    expect(r.columns.slice(0, 5)).toEqual(['row', 'x', 'g', 'label (actual)', 'predicted']);
    expect(r.table.map((row) => row[4])).toEqual(['=yes', 'no']);
    expect(r.metrics!.accuracy).toBe(1);
    expect(r.warnings.join(' ')).toContain('"g"');
    const p = r.columns.indexOf('p(no)');
    expect((r.table[1]![p] as number) > 0.5).toBe(true);
    // Cells starting with = are prefixed with ' in the CSV.
    expect(r.csv).toContain("'=yes");
    expect(r.csv).not.toMatch(/(^|,)=yes/m);

    const band = ok<BnnBand>(await dispatch('bnn:band', { runId: run.id, feature: 'x' }));
    expect(band.task).toBe('classification');
    expect(band.classes!.length).toBe(2);
    expect(band.probs![0]!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const gBand = await dispatch('bnn:band', { runId: run.id, feature: 'g' });
    expect(gBand.ok).toBe(false);
  }, 60_000);
});

describe('bnn:bundle', () => {
  it('lists the bundle files, manifest first, weights as base64', async () => {
    const b = ok<BnnBundle>(await dispatch('bnn:bundle', { runId }));
    expect(b.files[0]!.path).toBe('manifest.json');
    const paths = b.files.map((f) => f.path).sort();
    expect(paths).toEqual(['manifest.json', 'posterior.json', 'tfjs/model.json', 'tfjs/weights.bin']);
    const w = b.files.find((f) => f.path === 'tfjs/weights.bin')!;
    expect(w.encoding).toBe('base64');
    expect(Buffer.from(w.content, 'base64').length).toBe(w.bytes);
    expect(JSON.parse(b.files[0]!.content).format).toBe('elbo-studio.bnn-bundle');
  });

  it('refuses a run that is not a BNN or has no bundle', async () => {
    const r = await dispatch('bnn:bundle', { runId: 999 });
    expect(r.ok).toBe(false);
  });
});

describe('csvCell', () => {
  it('defuses formulas and quotes', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell(-2.5)).toBe('-2.5');
    expect(csvCell(Number.NaN)).toBe('');
  });
});
