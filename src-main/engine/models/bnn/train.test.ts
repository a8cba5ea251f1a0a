/**
 * Training options: heteroscedastic head, scale-mixture prior, validation split with early stopping, cancellation,
 * unsupported objectives, three-class classification through an engine family.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend';
import { key, normal, uniform } from '../../rng';
import { bnnSpecFields, bnnSpecSchema, type BnnSpecInput } from '../../../../src-shared/schemas/bnn-spec';
import { BnnInputError, bnnTableFromColumns, prepareBnnData } from './data';
import { disposeNet } from './model';
import { predictDraws, summarise } from './predict';
import { trainBnn } from './train';
import { bnnViews } from './views';

beforeAll(async () => {
  await initBackend();
});

const base = (over: Partial<BnnSpecInput>) =>
  bnnSpecSchema.parse({
    model: 'bnn',
    target: 'y',
    features: ['x'],
    hidden: [16],
    batchSize: 32,
    optimiser: { kind: 'adam', learningRate: 0.01 },
    validationFraction: 0,
    testFraction: 0,
    ...over,
  });

function hetero(n: number): { x: number[]; y: number[] } {
  const u = uniform(key(71), n);
  const e = normal(key(72), n);
  const x = Array.from(u, (v) => 4 * v - 2);
  return { x, y: x.map((v, i) => Math.sin(2 * v) + (v > 0 ? 0.6 : 0.05) * e[i]!) };
}

describe('BNN training options', () => {
  it('a heteroscedastic head learns where the noise is larger', async () => {
    const { x, y } = hetero(300);
    const spec = base({ noise: 'heteroscedastic', epochs: 120 });
    const data = prepareBnnData(bnnTableFromColumns({ x, y }), spec);
    const fit = await trainBnn(data, spec);
    const t = data.transform;
    const f = t.features[0]!;
    if (f.kind !== 'numeric') throw new Error('numeric');
    const xs = Float64Array.of((-1.5 - f.mean) / f.std, (1.5 - f.mean) / f.std);
    const s = summarise(predictDraws(fit.model.net, xs, 2, { samples: 100, seed: 1 }), t);
    if (s.task !== 'regression') throw new Error('regression');
    console.log(
      `heteroscedastic aleatoric sd: x = −1.5 → ${s.aleatoricSd[0]!.toFixed(3)} (true 0.05), x = 1.5 → ${s.aleatoricSd[1]!.toFixed(3)} (true 0.6)`,
    );
    expect(s.aleatoricSd[1]!).toBeGreaterThan(3 * s.aleatoricSd[0]!);
    disposeNet(fit.model.net);
  }, 120_000);

  it('trains under a scale-mixture prior and stops early on the validation log-likelihood', async () => {
    const { x, y } = hetero(200);
    const spec = base({
      prior: { kind: 'mixture', pi: 0.5, scale1: 1, scale2: 0.01 },
      epochs: 400,
      validationFraction: 0.2,
      patience: 5,
      optimiser: { kind: 'adam', learningRate: 0.05 },
    });
    const data = prepareBnnData(bnnTableFromColumns({ x, y }), spec);
    const epochs: number[] = [];
    const fit = await trainBnn(data, spec, { onEpoch: (p) => epochs.push(p.epoch) });
    expect(fit.earlyStopped).toBe(true);
    expect(fit.epochs).toBeLessThan(400);
    expect(fit.epochs - fit.bestEpoch).toBe(5);
    expect(fit.history.valLogLik.every((v) => v !== null && Number.isFinite(v))).toBe(true);
    expect(epochs.length).toBe(fit.epochs);
    disposeNet(fit.model.net);
  }, 120_000);

  it('stops when asked and rejects objectives other than the ELBO', async () => {
    const { x, y } = hetero(100);
    const spec = base({ epochs: 50 });
    const data = prepareBnnData(bnnTableFromColumns({ x, y }), spec);
    let steps = 0;
    const fit = await trainBnn(data, spec, { onStep: () => steps++, shouldStop: () => steps >= 7 });
    expect(fit.stopped).toBe(true);
    expect(fit.steps).toBe(7);
    disposeNet(fit.model.net);
    // The spec refuses it; the engine refuses it again (one rule, spec-checks.ts) for a spec that skipped the checks.
    expect(() => base({ objective: { kind: 'iwae', k: 5 } })).toThrow(/A BNN is fitted with the ELBO/);
    const unchecked = bnnSpecFields.parse({ ...spec, objective: { kind: 'iwae', k: 5 } });
    await expect(trainBnn(data, unchecked)).rejects.toBeInstanceOf(BnnInputError);
  });

  it('classifies three classes with a low-rank last layer', async () => {
    const n = 150;
    const e = normal(key(81), 2 * n);
    const label = Array.from({ length: n }, (_, i) => ['a', 'b', 'c'][i % 3]!);
    const cx = { a: [0, 3], b: [3, -2], c: [-3, -2] } as Record<string, [number, number]>;
    const x1 = label.map((l, i) => cx[l]![0] + 0.7 * e[i]!);
    const x2 = label.map((l, i) => cx[l]![1] + 0.7 * e[n + i]!);
    const spec = bnnSpecSchema.parse({
      model: 'bnn',
      target: 'label',
      features: ['x1', 'x2'],
      hidden: [8],
      family: { kind: 'lowrank', rank: 2 },
      epochs: 20,
      batchSize: 32,
      optimiser: { kind: 'adam', learningRate: 0.02 },
      validationFraction: 0,
      testFraction: 0.2,
      seed: 3,
    });
    const data = prepareBnnData(bnnTableFromColumns({ x1, x2, label }), spec);
    expect(data.classes).toEqual(['a', 'b', 'c']);
    const fit = await trainBnn(data, spec);
    const m = fit.test!;
    if (m.task !== 'classification') throw new Error('classification');
    console.log(
      `3 classes, low-rank last layer: accuracy ${m.accuracy.toFixed(3)}, ECE ${m.ece.toFixed(3)}, coverage90 ${m.coverage90.toFixed(2)}`,
    );
    expect(m.accuracy).toBeGreaterThan(0.9);
    disposeNet(fit.model.net);
  }, 120_000);

  it('leaves no tfjs tensors behind (block, flow, SVGD and mean-field forms)', async () => {
    const { x, y } = hetero(60);
    const table = bnnTableFromColumns({ x, y });
    const cases = [
      { family: { kind: 'fullrank' } },
      { family: { kind: 'planar', length: 2 } },
      { family: { kind: 'lowrank', rank: 1 }, noise: 'heteroscedastic' },
      { family: { kind: 'svgd', particles: 5, kernel: 'rbf' } },
      { family: { kind: 'meanfield' }, prior: { kind: 'mixture', pi: 0.5, scale1: 1, scale2: 0.01 } },
    ] as const satisfies ReadonlyArray<Partial<BnnSpecInput>>;
    for (const c of cases) {
      const family = c.family;
      const spec = base({ hidden: [4], epochs: 3, batchSize: 20, validationFraction: 0.2, testFraction: 0.2, ...c });
      const data = prepareBnnData(table, spec);
      const before = tf.memory().numTensors;
      const fit = await trainBnn(data, spec, { gradientVariance: { repeats: 4 } });
      bnnViews(fit.model, data, { samples: 10 });
      disposeNet(fit.model.net);
      expect(tf.memory().numTensors, family.kind).toBe(before);
      expect(fit.test && Number.isFinite(fit.test.logLik)).toBe(true);
      // The gradient-noise readout: none for SVGD (no stochastic gradient estimator), per layer and role otherwise.
      if (family.kind === 'svgd') expect(fit.gradVariance).toBeNull();
      else {
        const last = fit.gradVariance!.checkpoints.at(-1)!;
        expect(last.epoch).toBe(3);
        const groups = last.groups.map((g) => g.group);
        if (family.kind === 'meanfield')
          expect(groups).toEqual(['noise', 'layer 1.mean', 'layer 1.scale', 'layer 2.mean', 'layer 2.scale']);
        else if (family.kind === 'planar')
          expect(groups).toEqual(['block.base.loc', 'block.base.scale', 'block.flow', 'noise']);
        else {
          expect(groups).toEqual(expect.arrayContaining(['layer 1.mean', 'layer 1.scale']));
          expect(groups.some((g) => g.startsWith('block.'))).toBe(true);
        }
        for (const g of last.groups) expect(g.variance, `${family.kind} ${g.group}`).toBeGreaterThan(0);
      }
    }
  }, 120_000);

  it('the gradient-noise readout leaves training untouched (mean-field and full-rank give the same fit)', async () => {
    const { x, y } = hetero(80);
    const table = bnnTableFromColumns({ x, y });
    for (const family of [{ kind: 'meanfield' }, { kind: 'fullrank' }] as const) {
      const spec = base({ hidden: [4], epochs: 4, batchSize: 20, testFraction: 0.2, family });
      const data = prepareBnnData(table, spec);
      const plain = await trainBnn(data, spec);
      const measured = await trainBnn(data, spec, { gradientVariance: { repeats: 4 } });
      expect(measured.gradVariance!.checkpoints.length).toBeGreaterThan(0);
      expect(measured.test!.logLik, family.kind).toBe(plain.test!.logLik);
      expect(Array.from(measured.model.net.theta)).toEqual(Array.from(plain.model.net.theta));
      disposeNet(plain.model.net);
      disposeNet(measured.model.net);
    }
  }, 120_000);
});
