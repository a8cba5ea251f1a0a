/**
 * Bad input is rejected before training with a message that echoes the value and names the fix; the transform is
 * fitted on the training rows; a bundle round trip predicts identically; the TensorFlow.js network loads in
 * tfjs-layers and computes the predictive-mean network; the views are plain JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend';
import { key, normal, uniform } from '../../rng';
import { bnnSpecSchema, type BnnSpecInput } from '../../../../src-shared/schemas/bnn-spec';
import { AppError } from '../../../../src-shared/ipc/app-error';
import type { BnnTable } from './data';
import { BnnInputError, bnnTableFromColumns, prepareBnnData } from './data';
import { exportBnnBundle, loadBnnBundle, meanNetworkPredict, predictBnnTable, tfjsArtifacts } from './bundle';
import { disposeNet } from './model';
import { predictDraws } from './predict';
import { trainBnn } from './train';
import { bnnViews } from './views';
import { readFileSync } from 'node:fs';

const dirs: string[] = [];
beforeAll(async () => {
  await initBackend();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const spec = (over: Partial<BnnSpecInput>) => bnnSpecSchema.parse({ model: 'bnn', target: 'y', ...over });

function expectBad(fn: () => unknown, reason: string, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a BnnInputError').toBeInstanceOf(BnnInputError);
  const err = caught as BnnInputError;
  expect(err).toBeInstanceOf(AppError);
  expect(err.code).toBe('BAD_REQUEST');
  expect(err.reason).toBe(reason);
  expect(err.message).toMatch(message);
  expect(err.hint ?? '').not.toBe('');
}

function mixed(n: number): BnnTable {
  const e = normal(key(61), 2 * n);
  const u = uniform(key(62), n);
  const colour = Array.from(u, (v) => (v < 0.3 ? 'red' : v < 0.7 ? 'green' : 'blue'));
  const a = Array.from({ length: n }, (_, i) => 10 + 3 * e[i]!);
  const y = a.map((v, i) => 100 + 5 * v + (colour[i] === 'red' ? 20 : 0) + 4 * e[n + i]!);
  return bnnTableFromColumns({ a, colour, y });
}

describe('bad input, rejected before training with a clear message', () => {
  it('a constant target', () => {
    const t = bnnTableFromColumns({ x: Array.from({ length: 20 }, (_, i) => i), y: new Array<number>(20).fill(3.5) });
    expectBad(() => prepareBnnData(t, spec({})), 'constant-target', /Target "y" is constant \(3\.5 in all 20 rows\)/);
  });
  it('a target with missing values (in memory, and imputed at import)', () => {
    const y = Array.from({ length: 20 }, (_, i) => (i === 7 || i === 9 ? Number.NaN : i));
    const t = bnnTableFromColumns({ x: Array.from({ length: 20 }, (_, i) => i), y });
    expectBad(
      () => prepareBnnData(t, spec({})),
      'missing-target',
      /Target "y" has 2 missing values \(first in row 8\)/,
    );
    const imputed: BnnTable = {
      ...t,
      rows: t.rows,
      schema: t.schema.map((c) => (c.name === 'y' ? { ...c, missing: 5 } : c)),
      preprocessing: { missing: 'impute', standardize: false, droppedRows: 0, delimiter: ',' },
      column: (n) => t.column(n),
      strings: (n) => t.strings(n),
    };
    expectBad(() => prepareBnnData(imputed, spec({})), 'missing-target', /5 missing values \(imputed at import/);
  });
  it('a label with a single class', () => {
    const t = bnnTableFromColumns({
      x: Array.from({ length: 20 }, (_, i) => i),
      label: new Array<string>(20).fill('yes'),
    });
    expectBad(
      () => prepareBnnData(t, spec({ target: 'label' })),
      'single-class',
      /Label "label" has a single class \("yes" in all 20 rows\)/,
    );
  });
  it('a categorical feature with thousands of levels', () => {
    const n = 3000;
    const t = bnnTableFromColumns({
      city: Array.from({ length: n }, (_, i) => `city-${i}`),
      y: Array.from({ length: n }, (_, i) => i % 7),
    });
    expectBad(
      () => prepareBnnData(t, spec({})),
      'too-many-levels',
      /Feature "city" has 3,000 categories \(limit 100\)/,
    );
  });
  it('features that contain the target column', () => {
    const t = bnnTableFromColumns({
      x: Array.from({ length: 20 }, (_, i) => i),
      y: Array.from({ length: 20 }, (_, i) => 2 * i),
    });
    expectBad(
      () => prepareBnnData(t, spec({ features: ['x', 'y'] })),
      'target-is-feature',
      /features include the target column "y"/,
    );
  });
  it('an unknown target column', () => {
    const t = bnnTableFromColumns({ x: [1, 2, 3], y: [1, 2, 3] });
    expectBad(() => prepareBnnData(t, spec({ target: 'price' })), 'no-target', /no target column "price"/);
  });
});

describe('preprocessing', () => {
  it('standardises numeric features and the target on the training rows, one-hot encodes categories', () => {
    const t = mixed(100);
    const data = prepareBnnData(t, spec({ testFraction: 0.2 }));
    expect(data.d).toBe(4); // a, colour=blue, colour=green, colour=red
    expect(data.transform.inputNames).toEqual(['a', 'colour=blue', 'colour=green', 'colour=red']);
    let m = 0;
    for (const r of data.trainRows) m += data.x[r * 4]! / data.trainRows.length;
    expect(Math.abs(m)).toBeLessThan(1e-6);
    for (let i = 0; i < data.n; i++) expect(data.x[i * 4 + 1]! + data.x[i * 4 + 2]! + data.x[i * 4 + 3]!).toBe(1);
    expect(data.trainRows.length + data.testRows.length).toBe(100);
    expect(JSON.parse(JSON.stringify(data.transform))).toEqual(data.transform);
  });
});

describe('bundle export and import', () => {
  for (const family of [
    { kind: 'meanfield' },
    { kind: 'lowrank', rank: 2 },
    { kind: 'svgd', particles: 5, kernel: 'rbf' },
  ] as const) {
    it(`${family.kind}: round trip predicts identically; the tfjs network loads in tfjs-layers`, async () => {
      const table = mixed(120);
      const s = spec({
        hidden: [8],
        family,
        epochs: family.kind === 'meanfield' ? 40 : 10,
        batchSize: 32,
        optimiser: { kind: 'adam', learningRate: 0.01 },
        validationFraction: 0.1,
        patience: 5,
        testFraction: 0.2,
        predictiveSamples: 30,
      });
      const data = prepareBnnData(table, s);
      const fit = await trainBnn(data, s);
      const dir = mkdtempSync(join(tmpdir(), 'elbo-bnn-bundle-'));
      dirs.push(dir);
      const manifest = exportBnnBundle(fit.model, dir, { metrics: fit.test });
      expect(manifest.formatVersion).toBe(2);
      expect(manifest.columns.target).toBe('y');
      const { model } = loadBnnBundle(dir);
      const a = predictBnnTable(fit.model, table, { seed: 9 });
      const b = predictBnnTable(model, table, { seed: 9 });
      expect(b.summary).toEqual(a.summary);
      expect(b.metrics).toEqual(a.metrics);
      const post = JSON.parse(readFileSync(join(dir, 'posterior.json'), 'utf8')) as {
        layers: Array<{ weightMean: number[][]; weightSd: number[][] }>;
      };
      expect(post.layers.length).toBe(2);
      expect(post.layers[0]!.weightMean.length).toBe(4);
      expect(post.layers[0]!.weightSd[0]!.length).toBe(8);

      // The tfjs network: raw inputs (numeric in own units, one-hot), target in own units.
      const n = 10;
      const t = fit.model.transform;
      const xRaw = new Float64Array(n * data.d);
      const xStd = new Float64Array(n * data.d);
      const num = t.features[0]!;
      if (num.kind !== 'numeric') throw new Error('expected numeric first');
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < data.d; j++) xStd[i * data.d + j] = data.x[i * data.d + j]!;
        for (let j = 0; j < data.d; j++)
          xRaw[i * data.d + j] = j === 0 ? data.x[i * data.d]! * num.std + num.mean : data.x[i * data.d + j]!;
      }
      const art = tfjsArtifacts(fit.model);
      const mj = art.modelJson as {
        modelTopology: object;
        weightsManifest: Array<{ weights: tf.io.WeightsManifestEntry[] }>;
      };
      const layersModel = await tfl.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: mj.modelTopology,
          weightSpecs: mj.weightsManifest[0]!.weights,
          weightData: new Uint8Array(art.weights).buffer,
        }),
      );
      const out = layersModel.predict(tf.tensor2d(Float32Array.from(xRaw), [n, data.d])) as tf.Tensor;
      const tfjsOut = Array.from(out.dataSync());
      out.dispose();
      layersModel.dispose();
      const jsOut = Array.from(meanNetworkPredict(dir, xRaw, n));
      tfjsOut.forEach((v, i) => expect(v).toBeCloseTo(jsOut[i]!, 3));
      const yt = t.target;
      if (yt.kind !== 'numeric') throw new Error('expected regression');
      if (family.kind === 'svgd') {
        // Exact ensemble mean: the average of the particle networks' outputs.
        const d = predictDraws(fit.model.net, xStd, n, { samples: 5, seed: 1 });
        if (d.task !== 'regression') throw new Error('unreachable');
        for (let i = 0; i < n; i++) {
          let m = 0;
          for (let p = 0; p < d.S; p++) m += d.mu[p * n + i]! / d.S;
          expect(tfjsOut[i]!).toBeCloseTo(yt.mean + yt.std * m, 2);
        }
      }
      // The mean network is close to the predictive mean of the posterior.
      const pm = predictBnnTable(fit.model, table, { samples: 200, seed: 3 }).summary;
      if (pm.task === 'regression' && family.kind === 'meanfield') {
        for (let i = 0; i < n; i++) expect(Math.abs(tfjsOut[i]! - pm.mean[i]!)).toBeLessThan(0.2 * yt.std);
      }
      disposeNet(fit.model.net);
      disposeNet(model.net);
    }, 120_000);
  }
});

describe('views', () => {
  it('are JSON and extend the band beyond the data', async () => {
    const table = mixed(120);
    const s = spec({
      hidden: [8],
      epochs: 30,
      batchSize: 32,
      optimiser: { kind: 'adam', learningRate: 0.01 },
      testFraction: 0.2,
      predictiveSamples: 50,
    });
    const data = prepareBnnData(table, s);
    const fit = await trainBnn(data, s);
    const v = bnnViews(fit.model, data, { bandFeature: 'a', samples: 50 });
    expect(JSON.parse(JSON.stringify(v))).toEqual(v);
    expect(v.predictedVsActual!.points.length).toBe(data.testRows.length);
    for (const p of v.predictedVsActual!.points) expect(p.lower).toBeLessThanOrEqual(p.upper);
    expect(v.coverage.map((c) => c.nominal)).toContain(0.9);
    const band = v.band!;
    expect(band.x[0]!).toBeLessThan(band.dataRange[0]);
    expect(band.x[band.x.length - 1]!).toBeGreaterThan(band.dataRange[1]);
    expect(band.lower95!.every((lo, i) => lo <= band.upper95![i]!)).toBe(true);
    disposeNet(fit.model.net);
  }, 60_000);
});
