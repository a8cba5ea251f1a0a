// The model service against the in-process engine: the same numbers (VAE encoder means, LDA θ, BNN predictions), the
// main thread's event loop free during a 200,000-row prediction, one cache that evicts, errors that cross the thread
// with code, message and hint, and a worker crash that fails clearly and leaves the next request working.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BnnPredictResult } from '../../src-shared/domain/bnn';
import type { LdaInferResult } from '../../src-shared/domain/lda';
import type { VaeLatentMap } from '../../src-shared/domain/vae';
import { AppError } from '../../src-shared/ipc/app-error';
import { bnnSpecSchema, ldaSpecSchema, vaeSpecSchema } from '../../src-shared/schemas/run-spec';
import { DatasetFile } from '../data-import';
import { importCsv } from '../data-import/import';
import { initBackend } from '../engine/backend';
import { key } from '../engine/rng';
import {
  bnnTableFromColumns,
  disposeNet,
  exportBnnBundle,
  loadBnnBundle,
  prepareBnnData,
  trainBnn,
} from '../engine/models/bnn';
import { fitLda, inferTopics, meanTopicProportions, modelToJSON } from '../engine/models/lda';
import { openVae, prepareVaeData, prepareWithSnapshot, trainVae, type VaeSnapshot } from '../engine/models/vae';
import { prepareCorpus } from '../text';
import type { ModelSource } from './protocol';
import { ModelService, type ModelRef } from './service';
import { bnnPredictionTable, tableFromCsv } from './tables';

const FEATURES = ['a', 'b', 'c', 'd', 'e', 'f'];
let dir = '';
let service: ModelService;
let vae: { snapshotFile: string; datasetDir: string; snapshot: VaeSnapshot };
let bnnDir = '';
const ldaSpec = ldaSpecSchema.parse({
  model: 'lda',
  textColumn: 'text',
  topics: 2,
  method: 'batch',
  passes: 20,
  heldoutFraction: 0,
  prep: { minDf: 1, maxDf: 1, minTokenLength: 3 },
  seed: 3,
});
let ldaJson: unknown;

const ref = (k: string, source: ModelSource, loads?: { n: number }): ModelRef => ({
  key: k,
  source: () => {
    if (loads) loads.n++;
    return source;
  },
});
const vaeRef = (k = 'vae-run:1', loads?: { n: number }) =>
  ref(
    k,
    { kind: 'vae-run', runId: 1, snapshotFile: vae.snapshotFile, features: FEATURES, datasetDir: vae.datasetDir },
    loads,
  );
const bnnRef = () => ref('bnn-run:2', { kind: 'bnn-run', runId: 2, dir: bnnDir });

function lcg(seed: number): () => number {
  let u = seed;
  return () => (u = (u * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

beforeAll(async () => {
  // Both threads on the same backend, so "the same numbers" can be asked to 1e-6.
  process.env.ELBO_STUDIO_BACKEND = 'cpu';
  await initBackend({ preference: 'cpu' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-model-service-'));
  service = new ModelService({ maxEntries: 3 });

  // VAE: 60 rows of two noisy prototypes, a 2-D mean-field latent.
  const rnd = lcg(7);
  const lines = [FEATURES.join(',')];
  for (let i = 0; i < 60; i++) {
    const proto = i % 2 === 0 ? [0.9, 0.8, 0.9, 0.1, 0.2, 0.1] : [0.1, 0.2, 0.1, 0.9, 0.8, 0.9];
    lines.push(proto.map((p) => Math.min(1, Math.max(0, p + 0.1 * (rnd() - 0.5))).toFixed(3)).join(','));
  }
  fs.writeFileSync(path.join(dir, 'vae.csv'), `${lines.join('\n')}\n`);
  const datasetDir = path.join(dir, 'vae-ds');
  await importCsv(path.join(dir, 'vae.csv'), datasetDir, {
    columns: FEATURES.map((name) => ({ name, type: 'numeric', role: 'feature' })),
  });
  const ds = DatasetFile.open(datasetDir);
  const spec = vaeSpecSchema.parse({
    model: 'vae',
    latentDim: 2,
    hidden: [8],
    epochs: 3,
    batchSize: 16,
    likelihood: 'bernoulli',
    validationFraction: 0.2,
    seed: 2,
    evaluation: { k: 10 },
  });
  const data = prepareVaeData(
    { x: ds.matrix(FEATURES, { standardize: false }), n: ds.rows, d: 6 },
    FEATURES.map((n) => ds.schema.find((c) => c.name === n)!.stats!),
    spec,
    FEATURES.map((name) => ({ name, type: 'numeric' as const })),
  );
  const snapshot = (await trainVae(data, spec, {})).snapshot;
  fs.writeFileSync(path.join(dir, 'vae-snapshot.json'), JSON.stringify(snapshot));
  vae = { snapshotFile: path.join(dir, 'vae-snapshot.json'), datasetDir, snapshot };

  // BNN: y = x sin x on two clusters.
  const r2 = lcg(3);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < 200; i++) {
    const x = (i % 2 ? 1 : -1) * (1 + 2 * r2());
    xs.push(x);
    ys.push(x * Math.sin(x) + 0.1 * (r2() - 0.5));
  }
  const bspec = bnnSpecSchema.parse({
    model: 'bnn',
    target: 'y',
    features: ['x'],
    hidden: [16],
    epochs: 30,
    batchSize: 32,
    validationFraction: 0,
    testFraction: 0.1,
    predictiveSamples: 10,
    seed: 2,
  });
  const fit = await trainBnn(prepareBnnData(bnnTableFromColumns({ x: xs, y: ys }), bspec), bspec);
  bnnDir = path.join(dir, 'bnn-bundle');
  exportBnnBundle(fit.model, bnnDir, { metrics: fit.test });
  disposeNet(fit.model.net);

  // LDA: two themes.
  const docs: string[] = [];
  for (let i = 0; i < 40; i++) docs.push(i % 2 ? 'dog cat kitten puppy leash' : 'rocket orbit planet comet galaxy');
  const { corpus } = await prepareCorpus(docs, { ...ldaSpec.prep, keepOrder: false });
  ldaJson = modelToJSON(await fitLda(corpus, { topics: 2, method: 'batch', passes: 20, seed: 3, threads: 0 }));
}, 180_000);

afterAll(async () => {
  await service.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ModelService', () => {
  it('encodes with the same posterior means as the in-process VAE (1e-6)', async () => {
    const m = await service.call<VaeLatentMap>('vae:latent-map', { runId: 1, seed: 1, maxRows: 5000 }, vaeRef());
    expect(m.method).toBe('latent');
    const ds = DatasetFile.open(vae.datasetDir);
    const data = prepareWithSnapshot(
      { x: ds.matrix(FEATURES, { standardize: false }), n: ds.rows, d: 6 },
      vae.snapshot,
    );
    const model = openVae(vae.snapshot);
    try {
      const mu = tf
        .tidy(() => model.posteriorMean(key(1), model.encode(tf.tensor2d(data.x, [data.n, data.d]))))
        .arraySync() as number[][];
      expect(m.rows).toEqual(Array.from({ length: 60 }, (_, i) => i));
      let worst = 0;
      m.points.forEach((p, i) => p.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - mu[i]![j]!)))));
      expect(worst).toBeLessThan(1e-6);
    } finally {
      model.dispose();
    }
  });

  it('infers the same LDA proportions as the in-process engine', async () => {
    const texts = ['dog cat', 'rocket planet comet', 'kitten orbit', 'nothing known here'];
    fs.writeFileSync(path.join(dir, 'new.csv'), `text\n${texts.join('\n')}\n`);
    const r = await service.call<LdaInferResult>(
      'lda:infer',
      { runId: 3, source: { kind: 'file', path: path.join(dir, 'new.csv'), name: 'new.csv' }, column: 'text' },
      ref('lda-run:3', { kind: 'lda-run', runId: 3, json: ldaJson, spec: ldaSpec, datasetDir: dir }),
    );
    const { modelFromJSON } = await import('../engine/models/lda');
    const model = modelFromJSON(ldaJson);
    const { corpus } = await prepareCorpus(texts, { ...ldaSpec.prep, keepOrder: false, vocabulary: model.vocabulary });
    const theta = inferTopics(model, corpus);
    const { meanTheta, emptyRows } = meanTopicProportions(theta, 2, corpus);
    expect(r.emptyDocuments).toBe(1);
    expect(emptyRows).toEqual([3]);
    r.meanTheta.forEach((v, k) => expect(Math.abs(v - meanTheta[k]!)).toBeLessThan(1e-12));
    const rows = r.csv
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',').map(Number));
    rows.forEach((row, d) =>
      [0, 1].forEach((k) => expect(Math.abs(row[1 + k]! - theta[d * 2 + k]!)).toBeLessThan(1e-9)),
    );
  });

  it('refuses a file of new documents longer than it scores at once, naming the count and the fix', async () => {
    const { readCsvColumn } = await import('./tables');
    const file = path.join(dir, 'long.csv');
    fs.writeFileSync(file, `text\n${Array.from({ length: 12 }, (_, i) => `doc ${i}`).join('\n')}\n`);
    await expect(readCsvColumn(file, 'long.csv', 'text', 12)).resolves.toHaveLength(12);
    const err = await readCsvColumn(file, 'long.csv', 'text', 11).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toBe(
      '"long.csv" has more than 11 rows; new documents are scored at most 11 rows at a time',
    );
    expect((err as AppError).hint).toMatch(/Split the file into parts of up to 11 rows/);
  });

  it('predicts with the same numbers as the in-process BNN, and passes errors through with code and hint', async () => {
    const file = path.join(dir, 'predict.csv');
    fs.writeFileSync(file, `x\n${[-2.5, -1, 0, 1.3, 2.9].join('\n')}\n`);
    const r = await service.call<BnnPredictResult>(
      'bnn:predict',
      { runId: 2, source: { kind: 'file', path: file, name: 'predict.csv' } },
      bnnRef(),
    );
    const { model } = loadBnnBundle(bnnDir);
    try {
      const local = bnnPredictionTable(
        model,
        (await tableFromCsv(file, 'predict.csv', model.transform)).table,
        'predict.csv',
      );
      expect(r.columns).toEqual(local.columns);
      r.table.forEach((row, i) =>
        row.forEach((v, j) => expect(Math.abs((v as number) - (local.table[i]![j] as number))).toBeLessThan(1e-6)),
      );
      const wrong = path.join(dir, 'wrong.csv');
      fs.writeFileSync(wrong, 'z\n1\n');
      const inProcess = await tableFromCsv(wrong, 'wrong.csv', model.transform).catch((e: AppError) => e);
      const viaWorker = await service
        .call('bnn:predict', { runId: 2, source: { kind: 'file', path: wrong, name: 'wrong.csv' } }, bnnRef())
        .catch((e: AppError) => e);
      expect(viaWorker).toBeInstanceOf(AppError);
      expect((viaWorker as AppError).toJSON()).toEqual((inProcess as AppError).toJSON());
      expect((viaWorker as AppError).message).toMatch(/"wrong.csv" has no column "x"/);
    } finally {
      disposeNet(model.net);
    }
  });

  it('keeps the main event loop free while it predicts 200,000 rows', async () => {
    const rnd = lcg(11);
    const file = path.join(dir, 'big.csv');
    fs.writeFileSync(file, `x\n${Array.from({ length: 200_000 }, () => (6 * rnd() - 3).toFixed(4)).join('\n')}\n`);
    let last = performance.now();
    let worstGap = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
      ticks++;
    }, 10);
    const t0 = performance.now();
    const r = await service.call<BnnPredictResult>(
      'bnn:predict',
      { runId: 2, source: { kind: 'file', path: file, name: 'big.csv' } },
      bnnRef(),
    );
    const took = performance.now() - t0;
    clearInterval(timer);
    expect(r.rows).toBe(200_000);
    // The work is long (seconds); the timer kept firing throughout (receiving the ~20 MB result takes one short turn).
    expect(took).toBeGreaterThan(500);
    expect(ticks).toBeGreaterThan(took / 40);
    expect(worstGap).toBeLessThan(300);
  }, 120_000);

  it('keeps at most its bound of models, evicting the least recently used and loading it again on demand', async () => {
    const two = new ModelService({ maxEntries: 2 });
    try {
      const loads = { n: 0 };
      for (const k of ['vae-run:a', 'vae-run:b', 'vae-run:a', 'vae-run:c', 'vae-run:b']) {
        await two.call('vae:manifold', { runId: 1, size: 3 }, vaeRef(k, loads));
      }
      // a, b loaded; a hit; c evicts b (least recently used); b loaded again, evicting a.
      expect(loads.n).toBe(4);
      const stats = await two.call<{ keys: string[]; evictions: number }>('cache:stats', {});
      expect(stats).toMatchObject({ keys: ['vae-run:c', 'vae-run:b'], evictions: 2 });
      // A deleted run or model is dropped (ids can be used again).
      two.evict('vae-run:c');
      expect((await two.call<{ keys: string[] }>('cache:stats', {})).keys).toEqual(['vae-run:b']);
    } finally {
      await two.close();
    }
  }, 60_000);

  it('fails the request a crash interrupts with a clear error, and serves the next one', async () => {
    const crash = await service.call('debug:exit', {}).catch((e: AppError) => e);
    expect(crash).toBeInstanceOf(AppError);
    expect((crash as AppError).code).toBe('INTERNAL');
    expect((crash as AppError).message).toMatch(
      /The model worker stopped unexpectedly \(exit code 3\); the request was not completed/,
    );
    expect((crash as AppError).hint).toMatch(/Try again/);
    expect(await service.call('debug:ping', { ok: 1 })).toEqual({ ok: 1 });
    // The new worker starts with an empty cache and loads the model again.
    const m = await service.call<VaeLatentMap>('vae:latent-map', { runId: 1, seed: 1, maxRows: 10 }, vaeRef());
    expect(m.points).toHaveLength(10);
  });

  it('gives up on a request past its timeout and restarts the worker', async () => {
    const slow = new ModelService({ timeoutMs: 300 });
    try {
      const big = path.join(dir, 'big.csv');
      const e = await slow
        .call('bnn:predict', { runId: 2, source: { kind: 'file', path: big, name: 'big.csv' } }, bnnRef())
        .catch((x: AppError) => x);
      expect((e as AppError).message).toBe('bnn:predict took longer than 0.3 s and was stopped');
      // A fresh worker answers (its start-up, tsx included, is given a longer limit).
      expect(await slow.call('debug:ping', 5, undefined, 60_000)).toBe(5);
    } finally {
      await slow.close();
    }
  }, 60_000);
});
