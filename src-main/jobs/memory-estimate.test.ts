import { describe, expect, it } from 'vitest';
import { bnnSpecSchema, ldaSpecSchema, vaeSpecSchema } from '../../src-shared/schemas/run-spec';
import {
  datasetShape,
  estimateRunMemory,
  memoryRefusal,
  runMemoryBudget,
  trainingResourceLimits,
} from './memory-estimate';

const GB = 1024 ** 3;
const digits = { rows: 1797, inputDim: 64 };

describe('run memory estimate', () => {
  it('lets the canonical runs through on a small machine', () => {
    const budget = runMemoryBudget({}, 4 * GB);
    for (const spec of [
      vaeSpecSchema.parse({ model: 'vae' }),
      vaeSpecSchema.parse({
        model: 'vae',
        family: { kind: 'iaf', length: 4 },
        objective: { kind: 'iwae', k: 5 },
        latentDim: 2,
        batchSize: 128,
      }),
      ldaSpecSchema.parse({ model: 'lda', textColumn: 'text' }),
      bnnSpecSchema.parse({ model: 'bnn', target: 'y', hidden: [50] }),
    ]) {
      const est = estimateRunMemory(spec, digits);
      expect(est.bytes).toBeLessThan(1 * GB);
      expect(memoryRefusal(est, budget)).toBeNull();
    }
  });

  it("refuses the issue's spec (hidden 4096 × 6, latent 512, batch 65,536, IWAE K = 5,000, 1,000,000 evaluation rows) on a 24 GB machine, naming the figure and the fix", () => {
    const spec = vaeSpecSchema.parse({
      model: 'vae',
      hidden: [4096, 4096, 4096, 4096, 4096, 4096],
      latentDim: 512,
      batchSize: 65536,
      objective: { kind: 'iwae', k: 5000 },
      evaluation: { k: 5000, rows: 1_000_000 },
    });
    const est = estimateRunMemory(spec, { rows: 1_000_000, inputDim: 784 });
    expect(est.bytes).toBeGreaterThan(1000 * GB);
    const r = memoryRefusal(est, runMemoryBudget({}, 24 * GB))!;
    expect(r.message).toMatch(
      /would need about [\d.]+ GB of memory; the limit is 16\.8 GB \(70 % of this machine's 24\.0 GB\)/,
    );
    expect(r.message).toMatch(/Most of it is one training step \(batch 65,536 × 5,000 samples\)/);
    expect(r.hint).toMatch(/Lower the batch size \(65536\) or the IWAE\/Rényi K \(5000\)/);
  });

  it('lets the Fashion-MNIST benchmark (60,000 × 784, K = 1,000 on all 10,000 test rows) through on a 4 GB machine', () => {
    const spec = vaeSpecSchema.parse({
      model: 'vae',
      hidden: [512],
      latentDim: 20,
      batchSize: 128,
      evaluation: { k: 1000, rows: 0 },
      family: { kind: 'iaf', length: 4 },
    });
    const est = estimateRunMemory(spec, { rows: 60_000, inputDim: 784 }, { rows: 10_000, inputDim: 784 });
    expect(est.bytes).toBeLessThan(1.5 * GB);
    expect(memoryRefusal(est, runMemoryBudget({}, 4 * GB))).toBeNull();
  });

  it('grows with each setting that costs memory', () => {
    const base = vaeSpecSchema.parse({ model: 'vae' });
    const b = estimateRunMemory(base, digits).bytes;
    expect(estimateRunMemory({ ...base, batchSize: 4096 }, { rows: 100_000, inputDim: 64 }).bytes).toBeGreaterThan(b);
    expect(estimateRunMemory({ ...base, objective: { kind: 'iwae', k: 500 } }, digits).bytes).toBeGreaterThan(b);
    expect(estimateRunMemory({ ...base, hidden: [1024, 1024] }, digits).bytes).toBeGreaterThan(b);
    expect(estimateRunMemory(base, { rows: 10_000_000, inputDim: 64 }).bytes).toBeGreaterThan(b + 4 * GB);
  });

  it('honours a configured cap, and refuses a run over it', () => {
    const budget = runMemoryBudget({ ELBO_STUDIO_MAX_RUN_MB: '200' }, 64 * GB);
    expect(budget).toEqual({ bytes: 200 * 1024 ** 2, source: 'ELBO_STUDIO_MAX_RUN_MB=200' });
    const r = memoryRefusal(estimateRunMemory(vaeSpecSchema.parse({ model: 'vae' }), digits), budget);
    expect(r?.message).toMatch(/limit is 200 MB \(ELBO_STUDIO_MAX_RUN_MB=200\)/);
  });

  it('reads the input width from the schema: categorical columns one-hot, the target left out', () => {
    const schema = [
      { name: 'a', type: 'numeric', role: 'feature', missing: 0 },
      { name: 'c', type: 'categorical', role: 'feature', missing: 0, levels: ['x', 'y', 'z'] },
      { name: 'y', type: 'numeric', role: 'feature', missing: 0 },
      { name: 'id', type: 'identifier', role: 'ignore', missing: 0 },
    ] as Parameters<typeof datasetShape>[0];
    expect(datasetShape(schema, 10, bnnSpecSchema.parse({ model: 'bnn', target: 'y' }))).toEqual({
      rows: 10,
      inputDim: 4,
    });
    expect(datasetShape(schema, 10, vaeSpecSchema.parse({ model: 'vae', features: ['c'] }))).toEqual({
      rows: 10,
      inputDim: 3,
    });
  });

  it('caps the heap of a training worker', () => {
    expect(trainingResourceLimits({}, 16 * GB)).toEqual({ maxOldGenerationSizeMb: 2048 });
    expect(trainingResourceLimits({}, 1 * GB)).toEqual({ maxOldGenerationSizeMb: 512 });
    expect(trainingResourceLimits({ ELBO_STUDIO_WORKER_HEAP_MB: '300' }, 16 * GB)).toEqual({
      maxOldGenerationSizeMb: 300,
    });
  });
});
