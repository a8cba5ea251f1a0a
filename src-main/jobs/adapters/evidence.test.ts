// Each adapter ends its run with the verdict evidence it measured (issue 14): convergence of the smoothed bound,
// non-finite steps, PSIS k̂ (GLM, BNN), per-row k̂ and collapse (VAE), held-out perplexity rising (LDA).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCsv } from '../../data-import';
import { initBackend } from '../../engine/backend';
import { key, normal } from '../../engine/rng';
import type { VerdictEvidence } from '../../../src-shared/domain/verdict';
import { bnnSpecSchema, glmSpecSchema, vaeSpecSchema } from '../../../src-shared/schemas/run-spec';
import type { ProgressReporter } from '../progress';
import { bnnAdapter } from './bnn';
import { glmAdapter } from './glm';
import { vaeAdapter } from './vae';

let dir = '';
let datasetDir = '';

beforeAll(async () => {
  await initBackend();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-evidence-'));
  // 200 rows: y = 1 + 2 a − b + noise, a and b independent.
  const z = normal(key(9), 600);
  const lines = ['a,b,y'];
  for (let i = 0; i < 200; i++) {
    const a = z[3 * i]!;
    const b = z[3 * i + 1]!;
    lines.push(`${a.toFixed(4)},${b.toFixed(4)},${(1 + 2 * a - b + 0.5 * z[3 * i + 2]!).toFixed(4)}`);
  }
  fs.writeFileSync(path.join(dir, 'reg.csv'), lines.join('\n') + '\n');
  datasetDir = path.join(dir, 'reg');
  await importCsv(path.join(dir, 'reg.csv'), datasetDir, {});
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A reporter that keeps what finish() was given. */
function recorder(): {
  report: ProgressReporter;
  done: () => { metrics: Record<string, number>; evidence: VerdictEvidence };
} {
  let out: { metrics: Record<string, number>; evidence: VerdictEvidence } | null = null;
  const report = {
    metric: () => {},
    progress: () => {},
    flush: () => {},
    artifact: () => {},
    finish: (_s: string, metrics: Record<string, number>, evidence: VerdictEvidence = {}) => {
      out = { metrics, evidence };
    },
  } as unknown as ProgressReporter;
  return { report, done: () => out! };
}

describe('adapter evidence', () => {
  it('GLM: k̂ with its ESS and draws, convergence, non-finite steps', { timeout: 120_000 }, async () => {
    const r = recorder();
    const spec = glmSpecSchema.parse({ model: 'glm', target: 'y', steps: 1500 });
    await glmAdapter.run({ spec, datasetDir, runDir: '' }, r.report, () => false);
    const { metrics, evidence } = r.done();
    expect(evidence.khat!.value).toBe(metrics.psis_khat);
    expect(evidence.khat!.value).toBeLessThan(0.7);
    expect(evidence.khat!.samples).toBe(2000);
    expect(evidence.khat!.ess).toBe(metrics.ess);
    expect(evidence.nonFiniteSteps).toBe(0);
    expect(evidence.convergence!.tolerance).toBe(0.01);
    expect(metrics.converged).toBe(evidence.convergence!.converged ? 1 : 0);
    expect(metrics.relative_change).toBe(evidence.convergence!.relativeChange);
    // Asked to stop when converged, a well-posed regression stops before its 1500 steps and says so.
    const early = recorder();
    const stopSpec = glmSpecSchema.parse({
      model: 'glm',
      target: 'y',
      steps: 1500,
      training: { convergence: { stopWhenConverged: true } },
    });
    await glmAdapter.run({ spec: stopSpec, datasetDir, runDir: '' }, early.report, () => false);
    const e = early.done();
    expect(e.metrics.converged_stop).toBe(1);
    expect(e.metrics.steps).toBeLessThan(1500);
    expect(e.evidence.convergence!.converged).toBe(true);
  });

  it(
    'VAE: convergence, per-row k̂ of the evaluated rows, collapse, non-finite steps',
    { timeout: 120_000 },
    async () => {
      const r = recorder();
      const spec = vaeSpecSchema.parse({ model: 'vae', epochs: 8, latentDim: 2, hidden: [16], evaluation: { k: 50 } });
      await vaeAdapter.run({ spec, datasetDir, runDir: '' }, r.report, () => false);
      const { metrics, evidence } = r.done();
      expect(evidence.nonFiniteSteps).toBe(0);
      expect(evidence.convergence).not.toBeNull();
      expect(evidence.rowKhat!.rows).toBe(metrics.eval_rows);
      expect(evidence.rowKhat!.median).toBe(metrics.khat_median);
      expect(evidence.rowKhat!.shareAbove07).toBe(metrics.khat_share_07);
      expect(evidence.collapse!.total).toBe(2);
      expect(evidence.collapse!.inactive.length).toBe(2 - metrics.active_units!);
    },
  );

  it('BNN: the joint k̂ of the weight posterior, convergence; SVGD has neither', { timeout: 120_000 }, async () => {
    const r = recorder();
    const spec = bnnSpecSchema.parse({ model: 'bnn', target: 'y', hidden: [8], epochs: 10 });
    await bnnAdapter.run({ spec, datasetDir, runDir: '' }, r.report, () => false);
    const { metrics, evidence } = r.done();
    expect(Number.isFinite(evidence.khat!.value)).toBe(true);
    expect(evidence.khat!.value).toBe(metrics.psis_khat);
    expect(evidence.khat!.samples).toBe(1000);
    expect(evidence.khat!.ess).toBeGreaterThan(0);
    expect(evidence.convergence).not.toBeNull();
    expect(evidence.nonFiniteSteps).toBe(0);
    const s = recorder();
    const svgd = bnnSpecSchema.parse({
      model: 'bnn',
      target: 'y',
      hidden: [8],
      epochs: 3,
      family: { kind: 'svgd', particles: 5 },
    });
    await bnnAdapter.run({ spec: svgd, datasetDir, runDir: '' }, s.report, () => false);
    expect(s.done().evidence.khat).toBeNull();
    expect(s.done().evidence.convergence).toBeNull();
    expect(() => bnnSpecSchema.parse({ ...svgd, training: { convergence: { stopWhenConverged: true } } })).toThrow(
      /An SVGD BNN maximises no bound/,
    );
  });
});
