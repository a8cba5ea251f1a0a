// Model bundles through the API (issue 7, items 4 and 6): export a run's model as a zip or to a folder, import it into
// a FRESH data directory (another machine), use it on a new CSV and get the run's own outputs back; refusals for a
// newer format version, damaged files, unsafe zip paths and a folder that already holds files — each leaving the
// database and the data directory as they were.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ImportedModel,
  ModelColumnCheck,
  ModelExportResult,
  ModelScoreResult,
} from '../../src-shared/domain/models';
import type { BnnPredictResult } from '../../src-shared/domain/bnn';
import type { LdaInferResult } from '../../src-shared/domain/lda';
import { bnnSpecSchema, ldaSpecSchema, vaeSpecSchema } from '../../src-shared/schemas/run-spec';
import { DatasetFile } from '../data-import';
import { initBackend } from '../engine/backend';
import { key } from '../engine/rng';
import { disposeNet, exportBnnBundle, prepareBnnData, trainBnn } from '../engine/models/bnn';
import { fitLda, modelToJSON } from '../engine/models/lda';
import { openVae, prepareVaeData, prepareWithSnapshot, trainVae, type VaeSnapshot } from '../engine/models/vae';
import { sweepModelsDir } from '../export/bundles';
import { ldaCorpusFor, splitHeldout } from '../jobs/lda-corpus';
import { createDispatcher, createHandlers, type DispatchResult } from './dispatcher';
import { createServices, type Services } from './services';

type Dispatch = ReturnType<typeof createDispatcher>;
let A: Services;
let B: Services;
let dA: Dispatch;
let dB: Dispatch;
let work = '';
const runs = { vae: 0, iaf: 0, lda: 0, bnn: 0 };
const snapshots: Record<string, VaeSnapshot> = {};
const FEATURES = ['a', 'b', 'c', 'd', 'e', 'f'];
const files = { vae: '', lda: '', bnn: '' };

function ok<T>(r: DispatchResult): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as T;
}
function fail(r: DispatchResult): { code: string; message: string; hint?: string; confirmToken?: string } {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.result).slice(0, 200)}`);
  return r.error;
}

/** A simple CSV (no quoted commas in the numeric tables compared here) → header and rows. */
function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const lines = text.trim().split('\n');
  return { header: lines[0]!.split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

function csvOf(rows: string[][]): string {
  return `${rows.map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\n')}\n`;
}

async function importCsv(
  s: Services,
  d: Dispatch,
  projectId: number,
  name: string,
  text: string,
  types: Record<string, { type: string; role: string }> = {},
): Promise<number> {
  const file = path.join(work, name);
  fs.writeFileSync(file, text);
  const picked = s.files.register(file);
  const preview = ok<{ columns: { name: string; type: string; role: string }[] }>(
    await d('import:preview', { source: { fileId: picked.fileId } }),
  );
  const columns = preview.columns.map((c) => ({
    name: c.name,
    type: types[c.name]?.type ?? c.type,
    role: types[c.name]?.role ?? c.role,
  }));
  return ok<{ id: number }>(
    await d('import:commit', {
      importId: `models-${name}`,
      projectId,
      source: { fileId: picked.fileId },
      name,
      columns,
    }),
  ).id;
}

const PETS = [
  'cat dog kitten puppy',
  'dog puppy leash bark',
  'cat kitten purr whiskers',
  'puppy bark dog leash',
  'kitten purr cat whiskers',
];
const SPACE = [
  'rocket orbit planet moon',
  'planet star orbit galaxy',
  'moon rocket launch orbit',
  'galaxy star planet telescope',
  'telescope star galaxy moon',
];

/** Registers a file with B's file registry (what an upload does) and returns its id. */
function fileIn(s: Services, p: string): string {
  return s.files.register(p).fileId;
}

function saveZip(r: ModelExportResult, name: string): string {
  if (r.kind !== 'zip') throw new Error('expected a zip');
  const p = path.join(work, name);
  fs.writeFileSync(p, Buffer.from(r.base64, 'base64'));
  return p;
}

/** The data directory's model rows and folders (what a refused import must leave unchanged). */
function modelsState(s: Services): { rows: number; dirs: string[] } {
  const dir = path.join(s.dataDir, 'models');
  return { rows: s.repos.models.list().length, dirs: fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [] };
}

beforeAll(async () => {
  await initBackend({ preference: 'cpu' });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-models-'));
  const noWorkers = () => {
    throw new Error('no workers in this test');
  };
  A = createServices({
    dataDir: path.join(work, 'machine-a'),
    mode: 'browser',
    recover: false,
    workerFactory: noWorkers,
  });
  B = createServices({
    dataDir: path.join(work, 'machine-b'),
    mode: 'browser',
    recover: false,
    workerFactory: noWorkers,
  });
  dA = createDispatcher(createHandlers(A), () => {});
  dB = createDispatcher(createHandlers(B), () => {});
  const projectId = ok<{ id: number }>(await dA('projects:create', { name: 'Bundles' })).id;

  // VAE: two noisy prototypes in [0, 1] and a label column the model does not use.
  const lines = [['label', ...FEATURES].join(',')];
  let u = 11;
  const rnd = () => (u = (u * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 60; i++) {
    const proto = i % 2 === 0 ? [0.9, 0.8, 0.9, 0.1, 0.2, 0.1] : [0.1, 0.2, 0.1, 0.9, 0.8, 0.9];
    lines.push(
      [
        i % 2 === 0 ? 'left' : 'right',
        ...proto.map((p) => Math.min(1, Math.max(0, p + 0.2 * (rnd() - 0.5))).toFixed(3)),
      ].join(','),
    );
  }
  files.vae = path.join(work, 'vae-new.csv');
  fs.writeFileSync(files.vae, `${lines.slice(0, 26).join('\n')}\n`);
  const vaeDs = await importCsv(A, dA, projectId, 'vae.csv', `${lines.join('\n')}\n`, {
    label: { type: 'categorical', role: 'label' },
  });
  const ds = DatasetFile.open(A.datasetPath(vaeDs));
  const raw = { x: ds.matrix(FEATURES, { standardize: false }), n: ds.rows, d: FEATURES.length };
  const ranges = FEATURES.map((n) => ds.schema.find((c) => c.name === n)!.stats!);
  for (const [label, family, latentDim] of [
    ['vae', { kind: 'meanfield' }, 3],
    ['iaf', { kind: 'iaf', length: 2, hidden: 8 }, 2],
  ] as const) {
    const spec = vaeSpecSchema.parse({
      model: 'vae',
      latentDim,
      hidden: [8],
      epochs: 3,
      batchSize: 16,
      likelihood: 'bernoulli',
      scale: 1,
      family,
      validationFraction: 0.2,
      seed: 2,
      evaluation: { k: 10 },
    });
    const result = await trainVae(
      prepareVaeData(
        raw,
        ranges,
        spec,
        FEATURES.map((name) => ({ name, type: 'numeric' as const })),
      ),
      spec,
      {},
    );
    const run = A.repos.runs.create({ projectId, datasetId: vaeDs, name: `tiny ${label}`, spec });
    fs.mkdirSync(A.runPath(run.id), { recursive: true });
    fs.writeFileSync(path.join(A.runPath(run.id), 'vae-snapshot.json'), JSON.stringify(result.snapshot));
    A.repos.artifacts.put(run.id, 'file', 'vae-snapshot', {
      file: 'vae-snapshot.json',
      features: FEATURES,
      valRows: result.valRows,
    });
    A.repos.runs.markRunning(run.id, 'cpu');
    A.repos.runs.finish(run.id, 'completed', null, { train_elbo: result.trainElbo });
    runs[label] = run.id;
    snapshots[label] = result.snapshot;
  }

  // LDA: two themes.
  const docs: string[][] = [['id', 'text']];
  for (let rep = 0; rep < 6; rep++)
    for (const t of [...PETS, ...SPACE]) docs.push([String(docs.length), `${t} the and of`]);
  const ldaDs = await importCsv(A, dA, projectId, 'lda.csv', csvOf(docs), { text: { type: 'text', role: 'text' } });
  const ldaSpec = ldaSpecSchema.parse({
    model: 'lda',
    textColumn: 'text',
    topics: 2,
    method: 'batch',
    passes: 30,
    heldoutFraction: 0,
    prep: { minDf: 1, maxDf: 1, minTokenLength: 3, extraStopWords: ['whiskers'] },
    seed: 3,
  });
  const ldaRun = A.repos.runs.create({ projectId, datasetId: ldaDs, name: 'tiny lda', spec: ldaSpec });
  const dsDir = A.datasetPath(ldaDs);
  const { corpus } = await ldaCorpusFor(DatasetFile.open(dsDir), dsDir, ldaSpec);
  const fit = await fitLda(splitHeldout(corpus, 0, 3).train, {
    topics: 2,
    method: 'batch',
    passes: 30,
    seed: 3,
    threads: 0,
  });
  A.repos.artifacts.put(ldaRun.id, 'lda-model', 'model', modelToJSON(fit));
  A.repos.runs.markRunning(ldaRun.id, 'cpu');
  A.repos.runs.finish(ldaRun.id, 'completed', null, { passes: 30 });
  runs.lda = ldaRun.id;
  files.lda = path.join(work, 'lda-new.csv');
  fs.writeFileSync(
    files.lda,
    csvOf([
      ['id', 'body'],
      ['1', 'a dog and a kitten bark'],
      ['2', 'the rocket reached orbit near the moon'],
      ['3', 'nothing known here'],
      ['4', 'puppy whiskers galaxy'],
      ['5', '=HYPERLINK("x") cat'],
    ]),
  );

  // BNN: y = x·sin x on two sides, with a categorical feature.
  const toy = ['x,y,group'];
  u = 12345;
  for (let i = 0; i < 160; i++) {
    const side = i % 2 === 0 ? -1 : 1;
    const x = side * (1 + 2 * rnd());
    toy.push(`${x.toFixed(4)},${(x * Math.sin(x) + 0.1 * (rnd() - 0.5)).toFixed(4)},${side < 0 ? 'left' : 'right'}`);
  }
  const bnnDs = await importCsv(A, dA, projectId, 'toy.csv', `${toy.join('\n')}\n`);
  const bnnSpec = bnnSpecSchema.parse({
    model: 'bnn',
    target: 'y',
    features: ['x', 'group'],
    hidden: [16],
    epochs: 80,
    batchSize: 32,
    optimiser: { kind: 'adam', learningRate: 0.01 },
    patience: 0,
    validationFraction: 0,
    testFraction: 0.1,
    predictiveSamples: 40,
    seed: 2,
  });
  const bnnRun = A.repos.runs.create({ projectId, datasetId: bnnDs, name: 'tiny bnn', spec: bnnSpec });
  const bfit = await trainBnn(prepareBnnData(DatasetFile.open(A.datasetPath(bnnDs)), bnnSpec), bnnSpec);
  exportBnnBundle(bfit.model, path.join(A.runPath(bnnRun.id), 'bnn-bundle'), { metrics: bfit.test });
  disposeNet(bfit.model.net);
  A.repos.runs.markRunning(bnnRun.id, 'cpu');
  A.repos.runs.finish(bnnRun.id, 'completed', null, { rmse: 0.1 });
  runs.bnn = bnnRun.id;
  files.bnn = path.join(work, 'bnn-new.csv');
  fs.writeFileSync(files.bnn, `${[toy[0], ...toy.slice(1, 21)].join('\n')}\n`);
}, 180_000);

afterAll(async () => {
  await A?.close();
  await B?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

async function exportZip(runId: number, name: string): Promise<string> {
  return saveZip(ok<ModelExportResult>(await dA('models:export', { runId, to: { kind: 'zip' } })), name);
}

async function importZip(zipPath: string): Promise<ImportedModel> {
  return ok<ImportedModel>(await dB('models:import', { source: { fileId: fileIn(B, zipPath) } }));
}

describe('round trip: export → zip → import into a fresh data directory → same outputs', () => {
  it('VAE (mean-field, 3-d latent): encoder means and sds, reconstruction log-likelihood match the run to 1e-5', async () => {
    const zip = await exportZip(runs.vae, 'vae.zip');
    const entries = Object.keys(unzipSync(new Uint8Array(fs.readFileSync(zip))));
    expect(entries.every((e) => e.startsWith(`elbo-studio-vae-run-${runs.vae}-tiny-vae/`))).toBe(true);
    const names = entries.map((e) => e.split('/').slice(1).join('/'));
    for (const f of [
      'manifest.json',
      'encoder/model.json',
      'encoder/weights.bin',
      'decoder/weights.bin',
      'onnx/encoder.onnx',
      'onnx/decoder.onnx',
    ])
      expect(names).toContain(f);

    const m = await importZip(zip);
    expect(m).toMatchObject({ kind: 'vae', name: 'tiny vae' });
    expect(m.summary).toMatchObject({
      formatVersion: 2,
      checksummed: true,
      familyLabel: 'meanfield',
      objectiveLabel: 'elbo',
      seed: 2,
    });
    expect(m.summary.columns.map((c) => c.name)).toEqual(FEATURES);
    expect(fs.existsSync(path.join(B.dataDir, 'models', String(m.id), 'manifest.json'))).toBe(true);
    expect(ok<ImportedModel[]>(await dB('models:list', {})).map((x) => x.id)).toContain(m.id);

    const fileId = fileIn(B, files.vae);
    const check = ok<ModelColumnCheck>(await dB('models:check', { modelId: m.id, fileId }));
    expect(check.ok).toBe(true);
    expect(check.columns.every((c) => c.status === 'ok')).toBe(true);
    const r = ok<ModelScoreResult>(await dB('models:score', { modelId: m.id, fileId }));
    if (r.kind !== 'vae') throw new Error('expected VAE scores');
    expect(r.rows).toBe(25);
    expect(r.latentDim).toBe(3);
    expect(r.map.method).toBe('pca');
    expect(r.colorColumns.map((c) => c.name)).toEqual(['label']);
    const { header, rows } = parseCsv(r.csv);
    expect(header).toEqual([
      'row',
      'label',
      'z1_mean',
      'z2_mean',
      'z3_mean',
      'z1_sd',
      'z2_sd',
      'z3_sd',
      'recon_loglik',
      'recon_mse',
    ]);

    // The reference: the run's own snapshot, opened directly (no bundle), on the same rows.
    const text = fs.readFileSync(files.vae, 'utf8').trim().split('\n').slice(1);
    const x = new Float32Array(text.flatMap((l) => l.split(',').slice(1).map(Number)));
    const prepared = prepareWithSnapshot({ x, n: 25, d: 6 }, snapshots.vae!);
    const model = openVae(snapshots.vae!);
    const ref = tf.tidy(() => {
      const xt = tf.tensor2d(prepared.x, [25, 6]);
      const h = model.encode(xt);
      const mu = model.posteriorMean(key(2), h);
      const sd = model.posterior.kind === 'gaussian' ? model.posterior.marginalSd(h)! : mu;
      return {
        mu: mu.arraySync() as number[][],
        sd: sd.arraySync() as number[][],
        ll: model.logLik(xt, model.decode(mu)).arraySync() as number[],
      };
    });
    model.dispose();
    rows.forEach((row, i) => {
      expect(row[1]).toBe(i % 2 === 0 ? 'left' : 'right');
      for (let k = 0; k < 3; k++) {
        expect(Math.abs(Number(row[2 + k]) - ref.mu[i]![k]!)).toBeLessThan(1e-5);
        expect(Math.abs(Number(row[5 + k]) - ref.sd[i]![k]!)).toBeLessThan(1e-5);
      }
      expect(Math.abs(Number(row[8]) - ref.ll[i]!)).toBeLessThan(1e-4);
    });
  });

  it('VAE with an IAF posterior: the same Monte Carlo means as the run (fixed seed), said to be estimates', async () => {
    const m = await importZip(await exportZip(runs.iaf, 'iaf.zip'));
    const r = ok<ModelScoreResult>(await dB('models:score', { modelId: m.id, fileId: fileIn(B, files.vae) }));
    if (r.kind !== 'vae') throw new Error('expected VAE scores');
    expect(r.sdMethod).toBe('monte-carlo');
    expect(r.warnings.join(' ')).toMatch(/Monte Carlo estimates/);
    expect(r.map.method).toBe('latent');
    const text = fs.readFileSync(files.vae, 'utf8').trim().split('\n').slice(1);
    const prepared = prepareWithSnapshot(
      { x: new Float32Array(text.flatMap((l) => l.split(',').slice(1).map(Number))), n: 25, d: 6 },
      snapshots.iaf!,
    );
    const model = openVae(snapshots.iaf!);
    const mu = tf.tidy(
      () => model.posteriorMean(key(2), model.encode(tf.tensor2d(prepared.x, [25, 6])), 64).arraySync() as number[][],
    );
    model.dispose();
    parseCsv(r.csv).rows.forEach((row, i) => {
      expect(Math.abs(Number(row[2]) - mu[i]![0]!)).toBeLessThan(1e-5);
      expect(Math.abs(Number(row[3]) - mu[i]![1]!)).toBeLessThan(1e-5);
    });
  });

  it('LDA: the same topic proportions for new texts as the run (training column renamed in the new file)', async () => {
    const zip = await exportZip(runs.lda, 'lda.zip');
    const m = await importZip(zip);
    expect(m.kind).toBe('lda');
    expect(m.summary.description).toMatch(/2 topics/);
    const fileId = fileIn(B, files.lda);
    // The new file calls its text column "body": the check says so and offers it.
    const check = ok<ModelColumnCheck>(await dB('models:check', { modelId: m.id, fileId }));
    expect(check.ok).toBe(false);
    expect(check.columns[0]).toMatchObject({ name: 'text', status: 'missing' });
    expect(check.textCandidates[0]).toBe('body');
    const noCol = fail(await dB('models:score', { modelId: m.id, fileId }));
    expect(noCol.message).toMatch(/has no column "text", the text column the model was trained on/);
    expect(noCol.hint).toMatch(/id, body/);
    const r = ok<ModelScoreResult>(await dB('models:score', { modelId: m.id, fileId, textColumn: 'body' }));
    if (r.kind !== 'lda') throw new Error('expected LDA scores');
    expect(r.rows).toBe(5);
    expect(r.emptyDocuments).toBe(1);
    // The run itself, on machine A, with the same file.
    const run = ok<LdaInferResult>(
      await dA('lda:infer', { runId: runs.lda, source: { fileId: fileIn(A, files.lda) }, textColumn: 'body' }),
    );
    const a = parseCsv(run.csv);
    const b = parseCsv(r.csv);
    expect(b.header).toEqual(a.header);
    expect(b.rows.length).toBe(a.rows.length);
    b.rows.forEach((row, i) =>
      row.forEach((v, j) => expect(Math.abs(Number(v) - Number(a.rows[i]![j]))).toBeLessThan(1e-9)),
    );
    // "whiskers" was an extra stop word of the run: the bundle carries the exact list.
    const manifest = JSON.parse(
      fs.readFileSync(path.join(B.dataDir, 'models', String(m.id), 'manifest.json'), 'utf8'),
    ) as { text: { preparation: { extraStopWords: string[] } } };
    expect(manifest.text.preparation.extraStopWords).toEqual(['whiskers']);
    expect(
      JSON.parse(fs.readFileSync(path.join(B.dataDir, 'models', String(m.id), 'stopwords.json'), 'utf8')),
    ).toContain('whiskers');
  });

  it('BNN: the same predictive means, sds and intervals as the run to 1e-5', async () => {
    const m = await importZip(await exportZip(runs.bnn, 'bnn.zip'));
    expect(m.kind).toBe('bnn');
    expect(m.summary.columns).toEqual([
      { name: 'x', role: 'feature', type: 'numeric', required: true },
      { name: 'group', role: 'feature', type: 'binary', levels: ['left', 'right'], required: true },
      { name: 'y', role: 'target', type: 'numeric', required: false },
    ]);
    const r = ok<ModelScoreResult>(await dB('models:score', { modelId: m.id, fileId: fileIn(B, files.bnn) }));
    if (r.kind !== 'bnn') throw new Error('expected BNN scores');
    const run = ok<BnnPredictResult>(
      await dA('bnn:predict', { runId: runs.bnn, source: { fileId: fileIn(A, files.bnn) } }),
    );
    expect(r.columns).toEqual(run.columns);
    expect(r.metrics).not.toBeNull();
    const a = parseCsv(run.csv);
    const b = parseCsv(r.csv);
    expect(b.rows.length).toBe(20);
    b.rows.forEach((row, i) =>
      row.forEach((v, j) => {
        const ref = a.rows[i]![j]!;
        if (Number.isFinite(Number(ref)) && ref !== '') expect(Math.abs(Number(v) - Number(ref))).toBeLessThan(1e-5);
        else expect(v).toBe(ref);
      }),
    );
  });
});

describe('export to a folder', () => {
  it('refuses a folder that holds files without overwrite (FOLDER_NOT_EMPTY), then replaces it atomically with it', async () => {
    const target = path.join(work, 'exports', 'bnn-model');
    const first = ok<ModelExportResult>(
      await dA('models:export', { runId: runs.bnn, to: { kind: 'folder', folder: target } }),
    );
    expect(first).toMatchObject({ kind: 'folder', folder: target, replaced: 0 });
    expect(fs.existsSync(path.join(target, 'manifest.json'))).toBe(true);
    fs.writeFileSync(path.join(target, 'notes.txt'), 'mine');
    const before = fs.readFileSync(path.join(target, 'manifest.json'), 'utf8');
    const refused = fail(await dA('models:export', { runId: runs.bnn, to: { kind: 'folder', folder: target } }));
    expect(refused.code).toBe('FOLDER_NOT_EMPTY');
    expect(refused.message).toMatch(
      new RegExp(
        `Folder ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} already holds 6 files \\(manifest\\.json, notes\\.txt, `,
      ),
    );
    // Nothing touched, nothing left beside it.
    expect(fs.readFileSync(path.join(target, 'manifest.json'), 'utf8')).toBe(before);
    expect(fs.readdirSync(path.dirname(target))).toEqual(['bnn-model']);
    // overwrite alone is not enough: the handler wants the refusal's token, for this folder, once.
    const bare = fail(
      await dA('models:export', { runId: runs.bnn, to: { kind: 'folder', folder: target, overwrite: true } }),
    );
    expect(bare.code).toBe('FOLDER_NOT_EMPTY');
    expect(bare.message).toMatch(/overwrite needs the confirmToken/);
    expect(refused.confirmToken).toMatch(/^[a-f0-9]{32}$/);
    const other = path.join(work, 'exports', 'other');
    fs.mkdirSync(other, { recursive: true });
    fs.writeFileSync(path.join(other, 'keep.txt'), 'mine');
    const wrongFolder = fail(
      await dA('models:export', {
        runId: runs.bnn,
        to: { kind: 'folder', folder: other, overwrite: true, confirmToken: refused.confirmToken },
      }),
    );
    expect(wrongFolder.code).toBe('FOLDER_NOT_EMPTY'); // a token confirms its own folder only (and is spent now)
    expect(fs.readFileSync(path.join(other, 'keep.txt'), 'utf8')).toBe('mine');
    // A token for a state the folder has left (a file added since the preview) is refused.
    const stale = fail(await dA('models:export', { runId: runs.bnn, to: { kind: 'folder', folder: target } }));
    fs.writeFileSync(path.join(target, 'later.txt'), 'added after the preview');
    const changed = fail(
      await dA('models:export', {
        runId: runs.bnn,
        to: { kind: 'folder', folder: target, overwrite: true, confirmToken: stale.confirmToken },
      }),
    );
    expect(changed.message).toMatch(/7 files.*folder changed since/);
    expect(fs.existsSync(path.join(target, 'later.txt'))).toBe(true);
    const second = ok<ModelExportResult>(
      await dA('models:export', {
        runId: runs.bnn,
        to: { kind: 'folder', folder: target, overwrite: true, confirmToken: changed.confirmToken },
      }),
    );
    expect(second).toMatchObject({ kind: 'folder', replaced: 7 });
    expect(fs.existsSync(path.join(target, 'notes.txt'))).toBe(false);
    expect(fs.readdirSync(path.dirname(target)).sort()).toEqual(['bnn-model', 'other']);
    // And the folder imports on the other machine.
    const m = ok<ImportedModel>(await dB('models:import', { source: { folder: target } }));
    expect(m.sourceName).toBe(target);
    expect(m.summary.checksummed).toBe(true);
  });

  it('refuses relative paths and ELBO Studio’s own folders', async () => {
    expect(
      fail(await dA('models:export', { runId: runs.bnn, to: { kind: 'folder', folder: 'relative/dir' } })).message,
    ).toMatch(/not a full folder path/);
    expect(
      fail(
        await dA('models:export', {
          runId: runs.bnn,
          to: { kind: 'folder', folder: path.join(A.dataDir, 'models', 'x') },
        }),
      ).message,
    ).toMatch(/ELBO Studio's own data folders/);
    expect(
      fail(await dA('models:export', { runId: runs.bnn, to: { kind: 'folder', folder: A.dataDir } })).message,
    ).toMatch(/ELBO Studio's own data folders/);
  });
});

describe('refused imports leave the data directory and the database unchanged', () => {
  async function folderBundle(runId: number, name: string): Promise<string> {
    const dir = path.join(work, 'bundles', name);
    ok(await dA('models:export', { runId, to: { kind: 'folder', folder: dir } }));
    return dir;
  }

  it('a bundle from a newer ELBO Studio: "update ELBO Studio"', async () => {
    const dir = await folderBundle(runs.vae, 'newer');
    const mp = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(mp, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(mp, JSON.stringify({ ...manifest, formatVersion: 7, appVersion: '9.0.0' }));
    const before = modelsState(B);
    const e = fail(await dB('models:import', { source: { folder: dir } }));
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toBe(
      'This bundle was made by a newer ELBO Studio (format v7); this version reads up to v2 — update ELBO Studio.',
    );
    expect(e.hint).toBe(
      'It says it was written by ELBO Studio 9.0.0. Install that version or a later one to open it, or export the model again with this version.',
    );
    expect(modelsState(B)).toEqual(before);
  });

  it('a flipped byte in the weights: "damaged bundle: file … does not match its checksum"', async () => {
    const zip = unzipSync(new Uint8Array(fs.readFileSync(await exportZip(runs.vae, 'to-damage.zip'))));
    const name = Object.keys(zip).find((k) => k.endsWith('encoder/weights.bin'))!;
    zip[name]![10] = zip[name]![10]! ^ 0x01;
    const damaged = path.join(work, 'damaged.zip');
    fs.writeFileSync(damaged, zipSync(zip));
    const before = modelsState(B);
    const e = fail(await dB('models:import', { source: { fileId: fileIn(B, damaged) } }));
    expect(e.message).toBe(
      'Damaged bundle: file encoder/weights.bin does not match its checksum (the content changed after export).',
    );
    expect(e.hint).toMatch(/Export the model again/);
    expect(modelsState(B)).toEqual(before);
  });

  it('a missing file and a truncated file are named', async () => {
    const dir = await folderBundle(runs.lda, 'incomplete');
    fs.rmSync(path.join(dir, 'vocabulary.json'));
    expect(fail(await dB('models:import', { source: { folder: dir } })).message).toBe(
      'Damaged bundle: file vocabulary.json is missing.',
    );
    const dir2 = await folderBundle(runs.lda, 'truncated');
    const lam = path.join(dir2, 'lambda.bin');
    fs.writeFileSync(lam, fs.readFileSync(lam).subarray(0, 16));
    expect(fail(await dB('models:import', { source: { folder: dir2 } })).message).toMatch(
      /^Damaged bundle: file lambda\.bin has 16 bytes; the manifest says \d+\.$/,
    );
  });

  it('a crafted zip with ../evil is refused and nothing is written outside (or inside) the data directory', async () => {
    const good = unzipSync(new Uint8Array(fs.readFileSync(await exportZip(runs.bnn, 'for-evil.zip'))));
    const crafted = { ...good, '../evil': strToU8('owned'), '../../evil2': strToU8('owned') };
    const evil = path.join(work, 'evil.zip');
    fs.writeFileSync(evil, zipSync(crafted));
    const before = modelsState(B);
    const e = fail(await dB('models:import', { source: { fileId: fileIn(B, evil) } }));
    expect(e.message).toMatch(/Refusing zip entry "\.\.\/evil": it climbs out of the folder/);
    expect(e.hint).toMatch(/never write outside the chosen folder/);
    expect(modelsState(B)).toEqual(before);
    for (const p of [
      path.join(B.dataDir, 'evil'),
      path.join(B.dataDir, 'models', 'evil'),
      path.join(work, 'evil'),
      path.join(B.dataDir, 'evil2'),
    ])
      expect(fs.existsSync(p)).toBe(false);
  });

  it('a zip with a symbolic link, a CSV renamed .zip and an unknown format', async () => {
    const link = path.join(work, 'link.zip');
    fs.writeFileSync(
      link,
      zipSync({
        'manifest.json': strToU8('{}'),
        secrets: [strToU8('/etc/passwd'), { os: 3, attrs: (0o120777 << 16) >>> 0 }],
      }),
    );
    expect(fail(await dB('models:import', { source: { fileId: fileIn(B, link) } })).message).toMatch(
      /is a symbolic link/,
    );
    const csv = path.join(work, 'data.zip');
    fs.writeFileSync(csv, 'a,b\n1,2\n');
    expect(fail(await dB('models:import', { source: { fileId: fileIn(B, csv) } })).message).toBe(
      'This file is not a zip archive.',
    );
    const other = path.join(work, 'other.zip');
    fs.writeFileSync(other, zipSync({ 'manifest.json': strToU8('{"format":"acme.model","formatVersion":1}') }));
    expect(fail(await dB('models:import', { source: { fileId: fileIn(B, other) } })).message).toMatch(
      /^Not an ELBO Studio model bundle: manifest.json names format "acme.model"/,
    );
    const none = path.join(work, 'none.zip');
    fs.writeFileSync(none, zipSync({ 'readme.txt': strToU8('hi') }));
    expect(fail(await dB('models:import', { source: { fileId: fileIn(B, none) } })).message).toMatch(
      /has no manifest\.json/,
    );
  });
});

describe('using an imported model', () => {
  it('names missing and mismatched columns before scoring', async () => {
    const m = await importZip(await exportZip(runs.vae, 'vae-cols.zip'));
    const bad = path.join(work, 'bad.csv');
    // Row 2 sits on lines 3–4 (a quoted label with a newline), so rows and lines differ; its "c" is NA.
    fs.writeFileSync(
      bad,
      'label,a,b,c,d,e\nleft,0.1,0.2,0.3,oops,0.5\n"right\nside",0.1,,NA,0.4,0.5\nthird,0.1,0.2,0.3,0.4,0.5\n',
    );
    const check = ok<ModelColumnCheck>(await dB('models:check', { modelId: m.id, fileId: fileIn(B, bad) }));
    expect(check.ok).toBe(false);
    const by = Object.fromEntries(check.columns.map((c) => [c.name, c]));
    expect(by.f).toMatchObject({ status: 'missing', detail: 'not in the file' });
    expect(by.d).toMatchObject({ status: 'mismatch', detail: '1 cell is not a number (row 1, line 2: "oops")' });
    expect(by.b).toMatchObject({ status: 'mismatch' });
    expect(by.b!.detail).toMatch(/^1 missing cell \(first in row 2, line 3: empty\)/);
    expect(by.c!.detail).toBe(
      '1 missing cell (first in row 2, line 3: "NA"); the model needs a value in every row: fill it in or remove that row',
    );
    expect(by.a).toMatchObject({ status: 'ok' });
    const e = fail(await dB('models:score', { modelId: m.id, fileId: fileIn(B, bad) }));
    expect(e.message).toBe(
      '"bad.csv" does not fit the model: missing column "f"; column "b": 1 missing cell (first in row 2, line 3: empty); the model needs a value in every row: fill it in or remove that row; column "c": 1 missing cell (first in row 2, line 3: "NA"); the model needs a value in every row: fill it in or remove that row; column "d": 1 cell is not a number (row 1, line 2: "oops")',
    );
    expect(e.hint).toMatch(/these 6 columns: a, b, c, d, e, f/);
  });

  it('the result CSV is safe to open in a spreadsheet (cells that start a formula are quoted)', async () => {
    const m = await importZip(await exportZip(runs.vae, 'vae-formula.zip'));
    const f = path.join(work, 'formula.csv');
    fs.writeFileSync(
      f,
      `label,${FEATURES.join(',')}\n=HYPERLINK("http://x"),0.9,0.8,0.9,0.1,0.2,0.1\n+cmd,0.1,0.2,0.1,0.9,0.8,0.9\n`,
    );
    const r = ok<ModelScoreResult>(await dB('models:score', { modelId: m.id, fileId: fileIn(B, f) }));
    const lines = r.csv.trim().split('\n');
    expect(lines[1]).toMatch(/^1,"'=HYPERLINK\(""http:\/\/x""\)",/);
    expect(lines[2]).toMatch(/^2,'\+cmd,/);
  });

  it('BNN: an unseen category is scored with a warning; a missing feature is refused', async () => {
    const m = await importZip(await exportZip(runs.bnn, 'bnn-cols.zip'));
    const odd = path.join(work, 'odd.csv');
    fs.writeFileSync(odd, 'x,group\n1.5,left\n-2,middle\n');
    const r = ok<ModelScoreResult>(await dB('models:score', { modelId: m.id, fileId: fileIn(B, odd) }));
    expect(r.rows).toBe(2);
    expect(r.warnings.join(' ')).toMatch(/1 row of "group" hold a category not seen in training/);
    const noX = path.join(work, 'nox.csv');
    fs.writeFileSync(noX, 'group\nleft\n');
    expect(fail(await dB('models:score', { modelId: m.id, fileId: fileIn(B, noX) })).message).toBe(
      '"nox.csv" does not fit the model: missing column "x"',
    );
  });

  it('delete removes the row and the folder; a bundle without checksums (format v1) still imports', async () => {
    const m = await importZip(await exportZip(runs.bnn, 'bnn-del.zip'));
    const dir = path.join(B.dataDir, 'models', String(m.id));
    expect(fs.existsSync(dir)).toBe(true);
    expect(ok(await dB('models:delete', { modelId: m.id }))).toEqual({ id: m.id, deleted: true });
    expect(fs.existsSync(dir)).toBe(false);
    expect(B.repos.models.get(m.id)).toBeNull();
    expect(fail(await dB('models:score', { modelId: m.id, fileId: fileIn(B, files.bnn) })).code).toBe('NOT_FOUND');

    // A version-1 bundle as ELBO Studio wrote it before checksums: roles under `files`, no `parts`, and the run spec
    // in its old shape (β on the objective, Adam with a momentum, the BNN's lrSchedule), read through upgradeRunSpec.
    const old = path.join(work, 'bundles', 'v1');
    ok(await dA('models:export', { runId: runs.bnn, to: { kind: 'folder', folder: old } }));
    const mp = path.join(old, 'manifest.json');
    const man = JSON.parse(fs.readFileSync(mp, 'utf8')) as Record<string, unknown>;
    const { parts, columnSchema: _c, source: _s, ...rest } = man;
    const { training: _t, optimiser, objective, ...spec } = rest.spec as Record<string, Record<string, unknown>>;
    const oldSpec = {
      ...spec,
      objective: { ...objective, beta: 1 },
      optimiser: { kind: 'adam', learningRate: optimiser!.learningRate, momentum: 0.9 },
      lrSchedule: 'constant',
    };
    fs.writeFileSync(mp, JSON.stringify({ ...rest, spec: oldSpec, formatVersion: 1, files: parts }));
    const v1 = ok<ImportedModel>(await dB('models:import', { source: { folder: old } }));
    expect(v1.summary).toMatchObject({ formatVersion: 1, checksummed: false });
    expect(v1.summary.columns.map((c) => c.name)).toEqual(['x', 'group', 'y']);
    const r = ok<ModelScoreResult>(await dB('models:score', { modelId: v1.id, fileId: fileIn(B, files.bnn) }));
    expect(r.rows).toBe(20);
  });

  it('an interrupted import leaves no orphan after the sweep (folders older than the cut-off, no row)', () => {
    const orphan = path.join(B.dataDir, 'models', '.import-deadbeef');
    fs.mkdirSync(orphan, { recursive: true });
    fs.writeFileSync(path.join(orphan, 'x'), 'y');
    const kept = B.repos.models.list().map((x) => String(x.id));
    expect(sweepModelsDir(B, 60_000)).toEqual([]); // too young: another process may be importing
    expect(sweepModelsDir(B, 0)).toEqual(['.import-deadbeef']);
    expect(fs.readdirSync(path.join(B.dataDir, 'models')).sort()).toEqual(kept.sort());
  });
});
