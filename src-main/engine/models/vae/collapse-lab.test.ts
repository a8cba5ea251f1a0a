/**
 * The posterior-collapse lab's claims (src-shared/domain/collapse-lab.ts), on the digits it fits: the strong
 * autoregressive decoder collapses (KL ≈ 0, no active unit), free bits keeps every dimension at ≥ λ nats, and the
 * limited receptive field keeps the code in use. Same data, same seed, same evaluation rows for every arm.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { initBackend } from '../../backend';
import { vaeSpecSchema, type VaeSpec } from '../../../../src-shared/schemas/run-spec';
import {
  LAB_FLOOR_SHARE,
  LAB_FREE_BITS,
  LAB_KL_ZERO,
  LAB_RUNS,
  type LabArm,
} from '../../../../src-shared/domain/collapse-lab';
import { evaluateVae, prepareVaeData, trainVae, withVae, type ColumnRange, type VaeData } from './index';
import { klPerDimRows } from './train';
import { key } from '../../rng';
import type { VaeEvaluation } from '../../../../src-shared/domain/vae';

function loadDigits(): VaeData {
  const text = readFileSync(resolve(__dirname, '../../../../resources/samples/digits.csv'), 'utf8');
  const lines = text.trim().split(/\r?\n/);
  const header = lines[0]!.split(',');
  const labelCol = header.indexOf('label');
  const d = header.length - 1;
  const n = lines.length - 1;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const cells = lines[i + 1]!.split(',').map(Number);
    cells.splice(labelCol, 1);
    for (let j = 0; j < d; j++) x[i * d + j] = cells[j]!;
  }
  return { x, n, d };
}

function rangesOf(raw: VaeData): ColumnRange[] {
  const out: ColumnRange[] = [];
  for (let j = 0; j < raw.d; j++) {
    let min = Infinity,
      max = -Infinity,
      s = 0,
      ss = 0;
    for (let i = 0; i < raw.n; i++) {
      const v = raw.x[i * raw.d + j]!;
      min = Math.min(min, v);
      max = Math.max(max, v);
      s += v;
      ss += v * v;
    }
    const mean = s / raw.n;
    out.push({ min, max, mean, std: Math.sqrt(Math.max(0, ss / raw.n - mean * mean)) });
  }
  return out;
}

interface ArmResult {
  klPerDim: number[];
  /** KL per dimension on the training rows (what free bits floors, batch by batch). */
  trainKlPerDim: number[];
  klTrace: Array<number[] | null>;
  ev: VaeEvaluation;
}

const results = new Map<LabArm, ArmResult>();

beforeAll(async () => {
  await initBackend();
  const raw = loadDigits();
  const ranges = rangesOf(raw);
  for (const run of LAB_RUNS) {
    const spec: VaeSpec = vaeSpecSchema.parse(run.spec) as VaeSpec;
    const data = prepareVaeData(raw, ranges, spec);
    const r = await trainVae(data, spec);
    const ev = await evaluateVae(r.snapshot, data, { rows: r.valRows, k: 64, seed: 1 });
    const last = r.history[r.history.length - 1]!;
    const val = new Set(r.valRows);
    const trainRows = Array.from({ length: data.n }, (_, i) => i).filter((i) => !val.has(i));
    const trainKlPerDim = await withVae(r.snapshot, (m) => klPerDimRows(m, data, trainRows, key(7))!);
    results.set(run.arm, { klPerDim: last.klPerDim!, trainKlPerDim, klTrace: r.history.map((h) => h.klPerDim), ev });
    if (process.env.LAB_LOG)
      appendFileSync(
        process.env.LAB_LOG,
        `${run.arm} KL ${last.klPerDim!.map((v) => v.toFixed(3)).join(' ')} AU ${ev.activeUnits.count} logp ${ev.logLikelihood.mean} elbo ${r.valElbo} train ${trainKlPerDim.map((v) => v.toFixed(3)).join(' ')} trace ${r.history.map((h) => h.klPerDim!.reduce((a, b) => a + b, 0).toFixed(2)).join(',')}\n`,
      );
  }
}, 300_000);

describe('posterior-collapse lab on the digits', () => {
  it('the strong autoregressive decoder collapses: KL ≈ 0 and no active unit', () => {
    const r = results.get('collapse')!;
    expect(r.klPerDim.reduce((a, b) => a + b, 0)).toBeLessThan(LAB_KL_ZERO);
    expect(r.ev.activeUnits.count).toBe(0);
    expect(r.ev.collapse?.collapsed).toBe(true);
  });

  it('free bits keeps at least λ nats in every latent dimension, up to minibatch scatter', () => {
    // The floor max(λ, KL_j) is on each minibatch's mean KL per dimension: below λ a dimension's KL costs nothing, above
    // it is pushed down, so on the training rows it settles at λ less the minibatch-to-minibatch scatter (batch 32):
    // measured 0.437–0.528 nats (mean 0.469) on the training rows, 0.445–0.524 on the validation rows, for λ = 0.5.
    // Without free bits the same decoder ends at ≈ 0 (the collapse test).
    const r = results.get('freebits')!;
    for (const v of r.trainKlPerDim) expect(v).toBeGreaterThanOrEqual(LAB_FREE_BITS * LAB_FLOOR_SHARE);
    const mean = r.trainKlPerDim.reduce((a, b) => a + b, 0) / r.trainKlPerDim.length;
    expect(mean).toBeGreaterThanOrEqual(LAB_FREE_BITS * 0.9);
    for (const v of r.klPerDim) expect(v).toBeGreaterThanOrEqual(LAB_FREE_BITS * LAB_FLOOR_SHARE);
    expect(r.ev.activeUnits.count).toBeGreaterThan(0);
  });

  it('the limited receptive field keeps the code in use', () => {
    const r = results.get('window')!;
    expect(r.ev.activeUnits.count).toBeGreaterThan(0);
    expect(r.klPerDim.reduce((a, b) => a + b, 0)).toBeGreaterThan(1);
  });

  it('records the KL per dimension every epoch', () => {
    for (const r of results.values()) {
      expect(r.klTrace.length).toBeGreaterThan(1);
      for (const k of r.klTrace) expect(k).toHaveLength(8);
    }
  });
});
