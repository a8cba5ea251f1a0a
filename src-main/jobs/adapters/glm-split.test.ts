import { describe, expect, it } from 'vitest';
import type { ColumnSchema } from '../../../src-shared/domain/types';
import { glmSpecSchema } from '../../../src-shared/schemas/run-spec';
import { referenceKey } from '../../reference/cache-key';
import { referenceSettingsSchema } from '../../../src-shared/schemas/api';
import { glmSplit, prepareGlmData } from './glm';

const N = 40;
const x = Float32Array.from({ length: N }, (_, i) => i);
const y = Float32Array.from({ length: N }, (_, i) => 100 + 3 * i);
const ds = {
  schema: [
    { name: 'x', type: 'numeric', role: 'feature', missing: 0 },
    { name: 'y', type: 'numeric', role: 'feature', missing: 0 },
  ] as ColumnSchema[],
  column: (name: string) => Float32Array.from(name === 'x' ? x : y),
};

describe('GLM held-out split', () => {
  it('splits rows into disjoint, fixed train and held-out sets (at least 2 rows fitted)', () => {
    const a = glmSplit(N, 0.25);
    expect(a.heldOut.length).toBe(10);
    expect(a.train.length).toBe(30);
    expect(new Set([...a.train, ...a.heldOut]).size).toBe(N);
    expect(glmSplit(N, 0.25)).toEqual(a);
    expect(glmSplit(N, 0).heldOut.length).toBe(0);
    expect(glmSplit(3, 0.5).train.length).toBe(2);
  });
  it('fits only the training rows; the held-out targets get the training rows’ standardisation', () => {
    const spec = glmSpecSchema.parse({ model: 'glm', target: 'y', features: ['x'], validation: 0.25 });
    const p = prepareGlmData(ds, spec);
    expect(p.data.rows).toBe(30);
    expect(p.heldOut!.rows).toBe(10);
    const { train, heldOut } = glmSplit(N, 0.25);
    const t = p.scaling.target;
    const trainY = Array.from(train, (r) => y[r]!);
    expect(t.centre).toBeCloseTo(trainY.reduce((a, b) => a + b, 0) / 30, 4);
    heldOut.forEach((r, i) => expect(p.heldOut!.y[i]! * t.scale + t.centre).toBeCloseTo(y[r]!, 3));
    // Standardised x of a held-out row maps back to its own x (the design rows follow their targets).
    heldOut.forEach((r, i) =>
      expect(p.heldOut!.X[i]! * p.scaling.scale[0]! + p.scaling.centre[0]!).toBeCloseTo(x[r]!, 3),
    );
  });
  it('the reference cache key changes with the held-out fraction, and not for 0', () => {
    const settings = referenceSettingsSchema.parse({});
    const k = (v?: number) =>
      referenceKey(
        'h',
        glmSpecSchema.parse({ model: 'glm', target: 'y', ...(v !== undefined ? { validation: v } : {}) }),
        settings,
      );
    expect(k(0)).toBe(k());
    expect(k(0.2)).not.toBe(k());
  });
});
