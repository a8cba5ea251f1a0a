// Every metric an adapter reports (series and final metrics) and every setting of a run spec has a human label in the
// one catalogue (src-shared/domain/labels.ts): each adapter runs in-process on a tiny table, its messages are caught,
// and each name is looked up. A new metric without a label fails here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCsv } from '../../data-import';
import { initBackend } from '../../engine/backend';
import { ProgressReporter } from '../progress';
import type { FromWorker } from '../protocol';
import { adapters } from './index';
import { metricInfo, settingInfo } from '../../../src-shared/domain/labels';
import { settingsUsed } from '../../../src-shared/schemas/spec-checks';
import {
  bnnSpecSchema,
  glmSpecSchema,
  ldaSpecSchema,
  vaeSpecSchema,
  type RunSpec,
} from '../../../src-shared/schemas/run-spec';

let dir: string;

async function table(name: string, text: string, columns: { name: string; type: string; role: string }[] = []) {
  const file = path.join(dir, `${name}.csv`);
  fs.writeFileSync(file, text);
  const dest = path.join(dir, name);
  await importCsv(file, dest, { columns: columns as never });
  return dest;
}

/** Runs a spec's adapter on a dataset and returns the metric names it reported and the model it ran. */
async function reported(spec: RunSpec, datasetDir: string): Promise<{ series: Set<string>; final: Set<string> }> {
  const messages: FromWorker[] = [];
  const report = new ProgressReporter((m) => messages.push(m), { flushMs: 0, progressMs: 0 });
  const runDir = path.join(dir, `run-${spec.model}-${messages.length}-${Math.random().toString(36).slice(2)}`);
  fs.mkdirSync(runDir, { recursive: true });
  const adapter = adapters[spec.model] as unknown as {
    run: (
      i: { spec: RunSpec; datasetDir: string; runDir: string },
      r: ProgressReporter,
      c: () => boolean,
    ) => Promise<void>;
  };
  await adapter.run({ spec, datasetDir, runDir }, report, () => false);
  const series = new Set<string>();
  const final = new Set<string>();
  for (const m of messages) {
    if (m.type === 'metrics') for (const p of m.points) series.add(p.name);
    if ((m.type === 'completed' || m.type === 'failed' || m.type === 'cancelled') && m.metrics)
      for (const k of Object.keys(m.metrics)) final.add(k);
  }
  return { series, final };
}

const rows = (n: number, f: (i: number) => string): string => Array.from({ length: n }, (_, i) => f(i)).join('\n');
const WORDS = ['river', 'stone', 'cloud', 'market', 'price', 'trade', 'rain', 'storm', 'money', 'bank'];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-labels-'));
  await initBackend();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('metric labels', () => {
  it('labels every metric each adapter reports', async () => {
    const numeric = await table(
      'num',
      `a,b,c,y\n${rows(80, (i) => `${Math.sin(i)},${Math.cos(i * 0.7)},${(i % 7) / 7},${2 * Math.sin(i) + (i % 5) / 5}`)}\n`,
    );
    const text = await table(
      'docs',
      `doc\n${rows(60, (i) => `"${Array.from({ length: 8 }, (_, j) => WORDS[(i * 3 + j * (1 + (i % 3))) % WORDS.length]).join(' ')}"`)}\n`,
      [{ name: 'doc', type: 'text', role: 'text' }],
    );
    const specs: Array<[RunSpec, string]> = [
      [
        vaeSpecSchema.parse({
          model: 'vae',
          features: ['a', 'b', 'c'],
          epochs: 3,
          hidden: [8],
          patience: 1,
          evaluation: { k: 10, rows: 20, amortisationGap: true, gapRows: 2, gapSteps: 2 },
        }),
        numeric,
      ],
      [glmSpecSchema.parse({ model: 'glm', target: 'y', steps: 40 }), numeric],
      [
        ldaSpecSchema.parse({ model: 'lda', textColumn: 'doc', topics: 2, passes: 2, prep: { minDf: 1, maxDf: 1 } }),
        text,
      ],
      [bnnSpecSchema.parse({ model: 'bnn', target: 'y', epochs: 4, hidden: [8], splits: 2, patience: 1 }), numeric],
    ];
    const missing: string[] = [];
    for (const [spec, data] of specs) {
      const { series, final } = await reported(spec, data);
      expect(final.size, `${spec.model} reported final metrics`).toBeGreaterThan(3);
      expect(series.size, `${spec.model} reported series`).toBeGreaterThan(0);
      for (const name of [...series, ...final])
        if (!metricInfo(name, spec.model)) missing.push(`${spec.model}: ${name}`);
    }
    expect(missing).toEqual([]);
  }, 120_000);

  it('labels every setting of each model’s spec, whatever family, prior or schedule', () => {
    const specs: RunSpec[] = [];
    const families = [
      { kind: 'meanfield' },
      { kind: 'fullrank' },
      { kind: 'lowrank' },
      { kind: 'planar' },
      { kind: 'iaf' },
      { kind: 'svgd' },
    ];
    for (const family of families) {
      if (family.kind !== 'svgd')
        specs.push(
          vaeSpecSchema.parse({
            model: 'vae',
            family,
            training: { anneal: { kind: 'cyclical', epochs: 5 } },
            optimiser: { kind: 'sgd', schedule: { kind: 'robbins-monro', kappa: 0.7 }, clipNorm: 5 },
            latentType: 'gaussian',
            testDatasetId: 3,
          }),
        );
      specs.push(
        glmSpecSchema.parse({
          model: 'glm',
          target: 'y',
          family,
          priorScale: 2,
          ...(family.kind === 'svgd' ? { objective: { kind: 'elbo', samples: 1 } } : {}),
        }),
      );
      specs.push(bnnSpecSchema.parse({ model: 'bnn', target: 'y', family, prior: { kind: 'mixture' }, noiseScale: 1 }));
    }
    specs.push(vaeSpecSchema.parse({ model: 'vae', latentType: 'categorical', objective: { kind: 'elbo' } }));
    specs.push(vaeSpecSchema.parse({ model: 'vae', objective: { kind: 'renyi' } }));
    specs.push(ldaSpecSchema.parse({ model: 'lda', textColumn: 'doc', heldoutDatasetId: 2, eta: 0.1 }));
    const missing = new Set<string>();
    for (const spec of specs)
      for (const s of settingsUsed(spec, { all: true })) if (!settingInfo(s.path)) missing.add(s.path);
    expect([...missing]).toEqual([]);
  });
});
