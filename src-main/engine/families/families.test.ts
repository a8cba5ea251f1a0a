import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { key, normalTensor } from '../rng.js';
import { read } from '../models/common/testing.js';
import type { FamilySpec } from '../../../src-shared/schemas/run-spec.js';
import { loadPosterior, makeFamily, savePosterior } from './index.js';
import { disposeParams } from './params.js';

beforeAll(async () => {
  await initBackend();
});

const specs: FamilySpec[] = [
  { kind: 'meanfield' },
  { kind: 'fullrank' },
  { kind: 'lowrank', rank: 2 },
  { kind: 'planar', length: 3 },
  { kind: 'radial', length: 3 },
  { kind: 'iaf', length: 2, hidden: 8 },
  { kind: 'coupling', length: 2, hidden: 8 },
];

describe('families', () => {
  for (const spec of specs) {
    it(`${spec.kind}: global and amortised shapes, logProb agrees with sample's logQ, JSON round trip`, () => {
      const D = 3;
      const f = makeFamily(spec, D, { initScale: 0.7 });
      const p = f.init(key(1));
      // perturb away from the initial values so the check is not trivial
      for (const v of Object.values(p)) v.assign(tf.add(v, tf.mul(0.3, normalTensor(key(v.size + 5), v.shape))));
      const { z, logQ } = f.sample(key(2), p, 7);
      expect(z.shape).toEqual([7, D]);
      expect(logQ.shape).toEqual([7]);
      if (f.hasLogProb) {
        const diff = read(() => tf.max(tf.abs(tf.sub(f.logProb(p, z), logQ))))[0]!;
        expect(diff).toBeLessThan(2e-3);
      }
      // amortised: an encoder output [B, P]
      const B = 4;
      const shared = f.init(key(3), 'amortised');
      const h = tf.mul(0.3, normalTensor(key(9), [B, f.amortisedSize]));
      const a = f.sampleAmortised(key(4), shared, h, 5);
      expect(a.z.shape).toEqual([5, B, D]);
      expect(a.logQ.shape).toEqual([5, B]);
      if (f.hasLogProb) {
        const diff = read(() => tf.max(tf.abs(tf.sub(f.logProbAmortised(shared, h, a.z), a.logQ))))[0]!;
        expect(diff).toBeLessThan(2e-3);
      }
      // serialise and restore: identical draws
      const saved = JSON.parse(JSON.stringify(savePosterior(f, p))) as ReturnType<typeof savePosterior>;
      const p2 = loadPosterior(f, saved);
      const d = read(() => tf.max(tf.abs(tf.sub(f.sample(key(2), p2, 7).z, z))))[0]!;
      expect(d).toBe(0);
      disposeParams(p);
      disposeParams(p2);
      disposeParams(shared);
    });
  }

  it('rejects bad lengths and dims naming the fix', () => {
    expect(() => makeFamily({ kind: 'planar', length: 0 }, 2)).toThrow('Expected flow length ≥ 1, got 0');
    expect(() => makeFamily({ kind: 'planar', length: 33 }, 2)).toThrow('Expected flow length ≤ 32, got 33');
    expect(() => makeFamily({ kind: 'meanfield' }, 0)).toThrow('Expected a latent dimension ≥ 1, got 0');
    const f = makeFamily({ kind: 'meanfield' }, 2);
    expect(() => f.sampleAmortised(key(1), {}, tf.zeros([3, 5]), 1)).toThrow(
      'Expected the encoder to output P = 4 values per datum for this family, got 5.',
    );
    expect(() => makeFamily({ kind: 'planar', length: 2 }, 2).logProb({}, tf.zeros([1, 2]))).toThrow(
      /no analytic inverse/,
    );
  });

  it('flows of every length 1…32 build and sample with finite log q', () => {
    for (const length of [1, 32]) {
      for (const kind of ['planar', 'radial'] as const) {
        const f = makeFamily({ kind, length }, 2);
        const p = f.init(key(length));
        const lq = read(() => f.sample(key(0), p, 4).logQ);
        expect(Array.from(lq).every(Number.isFinite)).toBe(true);
        disposeParams(p);
      }
    }
  });
});
