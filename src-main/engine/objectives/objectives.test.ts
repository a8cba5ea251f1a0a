import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { key, normal, normalTensor } from '../rng.js';
import { meanSe, read } from '../models/common/testing.js';
import { makeFamily } from '../families/index.js';
import type { TransformedGaussian } from '../families/transformed.js';
import { scope } from '../families/params.js';
import { AffineTril } from '../bijectors/affine.js';
import { elboBound, iwaeBound, renyiBound } from './bounds.js';
import { klMvn, klNormalDiag, klTrilDiag } from './kl.js';
import { freeBitsKl, klWeight } from './schedules.js';
import { makeObjective } from './objective.js';
import { mvnLogPdf } from '../models/common/linalg.js';

beforeAll(async () => {
  await initBackend();
});

describe('analytic KL', () => {
  it('mean-field and full-rank q vs N(m, diag s²): analytic equals Monte Carlo within 3 standard errors', () => {
    for (const kind of ['meanfield', 'fullrank'] as const) {
      const D = 3;
      const f = makeFamily({ kind }, D, { initScale: 0.8 }) as TransformedGaussian;
      const p = f.init(key(1));
      for (const v of Object.values(p)) v.assign(tf.add(v, tf.mul(0.5, normalTensor(key(v.size + 3), v.shape))));
      const m = tf.tensor1d([0.3, -0.2, 0.1]);
      const s = tf.tensor1d([1.5, 0.7, 1.1]);
      const bp = scope(p, 'base.');
      const analytic = read(() =>
        f.base instanceof AffineTril
          ? klTrilDiag(bp.loc!, f.base.tril(bp), m, s)
          : tf.sum(klNormalDiag(bp.loc!, f.base.scale(bp), m, s)),
      )[0]!;
      const mc = read(() => {
        const { z, logQ } = f.sample(key(7), p, 20000);
        const logP = tf.sum(
          tf.sub(tf.mul(-0.5, tf.square(tf.div(tf.sub(z, m), s))), tf.add(tf.log(s), 0.5 * Math.log(2 * Math.PI))),
          -1,
        );
        return tf.sub(logQ, logP);
      });
      const { mean, se } = meanSe(mc);
      console.log(`${kind}: analytic KL ${analytic.toFixed(4)}, Monte Carlo ${mean.toFixed(4)} ± ${se.toFixed(4)}`);
      expect(Math.abs(analytic - mean)).toBeLessThan(3 * se);
    }
  });

  it('general Gaussian pair (float64 reference) equals Monte Carlo within 3 SE', () => {
    const mu1 = Float64Array.from([0.5, -1]);
    const c1 = Float64Array.from([1, 0.6, 0.6, 2]);
    const mu2 = Float64Array.from([0, 0.5]);
    const c2 = Float64Array.from([2, -0.5, -0.5, 1]);
    const kl = klMvn(mu1, c1, mu2, c2);
    // draws from N(mu1, c1) via its Cholesky factor
    const e = normal(key(3), 2 * 20000);
    const l11 = 1;
    const l21 = 0.6;
    const l22 = Math.sqrt(2 - 0.36);
    const vals = new Float64Array(20000);
    for (let i = 0; i < 20000; i++) {
      const x = Float64Array.from([mu1[0]! + l11 * e[2 * i]!, mu1[1]! + l21 * e[2 * i]! + l22 * e[2 * i + 1]!]);
      vals[i] = mvnLogPdf(x, mu1, c1, 2) - mvnLogPdf(x, mu2, c2, 2);
    }
    const { mean, se } = meanSe(vals);
    console.log(`general pair: analytic KL ${kl.toFixed(4)}, Monte Carlo ${mean.toFixed(4)} ± ${se.toFixed(4)}`);
    expect(Math.abs(kl - mean)).toBeLessThan(3 * se);
  });
});

describe('bounds from one log-weight tensor', () => {
  const logW = tf.tensor2d([
    [-3, -1],
    [-2, -4],
    [-5, -0.5],
  ]);
  it('ELBO is the mean, IWAE the log-mean-exp; Rényi α = 0 is IWAE and α → 1 the ELBO', () => {
    const e = read(() => elboBound(logW));
    const i = read(() => iwaeBound(logW));
    expect(e[0]).toBeCloseTo(-10 / 3, 5);
    expect(i[0]).toBeCloseTo(Math.log((Math.exp(-3) + Math.exp(-2) + Math.exp(-5)) / 3), 5);
    const r0 = read(() => renyiBound(logW, 0));
    expect(r0[0]).toBeCloseTo(i[0]!, 5);
    expect(r0[1]).toBeCloseTo(i[1]!, 5);
    for (const a of [1, 1 - 1e-5, 1 + 1e-5]) {
      const r1 = read(() => renyiBound(logW, a));
      expect(r1[0]).toBeCloseTo(e[0]!, 3);
      expect(r1[1]).toBeCloseTo(e[1]!, 3);
    }
    // monotone in α: L_α decreases as α grows
    const r5 = read(() => renyiBound(logW, 0.5));
    expect(r5[0]!).toBeLessThan(i[0]!);
    expect(r5[0]!).toBeGreaterThan(e[0]!);
    expect(() => elboBound(tf.zeros([3]))).toThrow(/shape \[S, B\]/);
  });

  it('objectives from run specs, with β, annealing and free bits', () => {
    expect(makeObjective({ kind: 'iwae', k: 5 }).samples).toBe(5);
    expect(makeObjective({ kind: 'renyi', alpha: 0.5, k: 3 }).label).toBe('renyi:0.5:3');
    expect(() => makeObjective({ kind: 'iwae', k: 0 })).toThrow('Expected IWAE k ≥ 1, got 0');
    expect(klWeight(50, 1, { kind: 'linear', warmup: 100 })).toBeCloseTo(0.5);
    expect(klWeight(500, 1, { kind: 'linear', warmup: 100 })).toBe(1);
    expect(klWeight(125, 2, { kind: 'cyclical', period: 100, ratio: 0.5 })).toBeCloseTo(1);
    expect(klWeight(175, 2, { kind: 'cyclical', period: 100, ratio: 0.5 })).toBe(2);
    const fb = read(() =>
      freeBitsKl(
        tf.tensor2d([
          [0.1, 2],
          [0.3, 4],
        ]),
        0.5,
      ),
    )[0]!;
    expect(fb).toBeCloseTo(0.5 + 3, 5);
  });
});
