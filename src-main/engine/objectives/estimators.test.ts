/**
 * Gradient estimators on the same Gaussian model: the score-function estimator's variance is at least 10× the
 * reparameterised one's (Mohamed et al. 2020 report orders of magnitude); both are unbiased for the same gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { fold, key, normalTensor } from '../rng.js';
import { scoreSurrogate, stopGradient } from './estimators.js';
import { makeFamily } from '../families/index.js';
import { disposeParams } from '../families/params.js';
import { makeObjective } from './objective.js';
import { gaussianTarget } from '../models/common/targets.js';
import { gradientVariance } from '../diagnostics/grad-variance.js';

beforeAll(async () => {
  await initBackend();
});

describe('gradient estimators', () => {
  it(
    'score-function variance ≥ 10× reparameterised on the same Gaussian model; means agree',
    { timeout: 300_000 },
    () => {
      const D = 3;
      const target = gaussianTarget(
        Float64Array.from([1, -1, 0.5]),
        Float64Array.from([1, 0.3, 0, 0.3, 1, 0.2, 0, 0.2, 0.5]),
      );
      const family = makeFamily({ kind: 'meanfield' }, D, { initScale: 0.5 });
      const params = family.init(key(1));
      const run = (estimator: 'reparam' | 'score') =>
        gradientVariance({
          family,
          params,
          model: target,
          // analyticKl off so both estimate the same Monte Carlo ELBO gradient
          objective: makeObjective({ kind: 'elbo', samples: 4 }, { estimator, kl: 'mc' }),
          repeats: 300,
          key: key(estimator === 'score' ? 2 : 3),
        });
      const rep = run('reparam');
      const sf = run('score');
      const ratio = sf.totalVariance / rep.totalVariance;
      const perGroup = rep.groups
        .map((g, i) => `${g.group} ${(sf.groups[i]!.variance / g.variance).toFixed(1)}×`)
        .join(', ');
      console.log(
        `gradient variance: reparam ${rep.totalVariance.toFixed(4)}, score ${sf.totalVariance.toFixed(4)}, ratio ${ratio.toFixed(1)} (${perGroup})`,
      );
      expect(ratio).toBeGreaterThanOrEqual(10);
      // unbiasedness: mean gradients agree within a few standard errors (signal = squared mean per entry)
      for (const [i, g] of rep.groups.entries()) {
        const a = Math.sqrt(g.signal);
        const b = Math.sqrt(sf.groups[i]!.signal);
        const se = Math.sqrt(sf.groups[i]!.variance / 300);
        expect(Math.abs(a - b)).toBeLessThan(4 * se + 0.05 * a);
      }
      disposeParams(params);
    },
  );

  it(
    'the score function on [S, B] log-weights: one global row (B = 1) and B amortised rows estimate the same gradient',
    { timeout: 120_000 },
    () => {
      // q = N(μ, diag σ²) on D = 2, target p = N(m, I): ELBO = −½ Σ_d ((μ_d − m_d)² + σ_d²) + Σ_d log σ_d + const, so
      // ∂/∂μ = m − μ and ∂/∂log σ = 1 − σ². Every row of the amortised batch shares (μ, log σ), so its per-row
      // surrogate averaged over B estimates the same gradient as B = 1, with variance smaller by B.
      const m = [0.5, -1];
      const mu0 = [1, 0.2];
      const logSigma0 = [Math.log(0.8), Math.log(1.5)];
      const exact = [
        m[0]! - mu0[0]!,
        m[1]! - mu0[1]!,
        1 - Math.exp(2 * logSigma0[0]!),
        1 - Math.exp(2 * logSigma0[1]!),
      ];
      const mu = tf.variable(tf.tensor1d(mu0), true, 'sf-mu');
      const logSigma = tf.variable(tf.tensor1d(logSigma0), true, 'sf-logsigma');
      const objective = makeObjective({ kind: 'elbo', samples: 4 });
      const iwae = makeObjective({ kind: 'iwae', k: 4 });
      const gradient = (S: number, B: number, r: number, o: typeof objective, baseline: number | null): number[] => {
        const { grads, value } = tf.variableGrads(() => {
          const sigma = tf.exp(logSigma);
          const z = stopGradient(tf.add(mu, tf.mul(sigma, normalTensor(fold(key(B), r), [S, B, 2]))));
          const logN = (x: tf.Tensor, loc: tf.Tensor | number[], sd: tf.Tensor | number): tf.Tensor =>
            tf.sum(
              tf.sub(
                tf.mul(-0.5, tf.square(tf.div(tf.sub(x, loc), sd))),
                tf.add(tf.log(sd), 0.5 * Math.log(2 * Math.PI)),
              ),
              -1,
            );
          const logQ = logN(z, mu, sigma); // [S, B], φ's gradient flows here only
          const logW = tf.sub(logN(z, m, 1), logQ);
          return tf.neg(tf.mean(scoreSurrogate(logW, logQ, { objective: o, baseline }).surrogate)) as tf.Scalar;
        }, [mu, logSigma]);
        const g = [...grads[mu.name]!.dataSync(), ...grads[logSigma.name]!.dataSync()].map((v) => -v);
        tf.dispose([value, ...Object.values(grads)]);
        return g;
      };
      const stats = (S: number, B: number, R: number, o: typeof objective, baseline: number | null = null) => {
        const sum = [0, 0, 0, 0];
        const sq = [0, 0, 0, 0];
        for (let r = 0; r < R; r++) {
          const g = gradient(S, B, r, o, baseline);
          g.forEach((v, i) => {
            sum[i]! += v;
            sq[i]! += v * v;
          });
        }
        const mean = sum.map((v) => v / R);
        const se = sq.map((v, i) => Math.sqrt(Math.max(0, v / R - mean[i]! ** 2) / R));
        return { mean, se, variance: se.map((v) => v * v * R) };
      };
      // ELBO, leave-one-out baseline (S = 4): both unbiased for the closed form.
      const global = stats(4, 1, 1200, objective);
      const rows = stats(4, 32, 150, objective);
      for (let i = 0; i < 4; i++) {
        expect(Math.abs(global.mean[i]! - exact[i]!)).toBeLessThan(4 * global.se[i]! + 1e-3);
        expect(Math.abs(rows.mean[i]! - exact[i]!)).toBeLessThan(4 * rows.se[i]! + 1e-3);
        // B rows average B independent estimates: per-call variance ≈ 1/B of the global one (within a factor 3).
        expect(rows.variance[i]! * 32).toBeGreaterThan(global.variance[i]! / 3);
        expect(rows.variance[i]! * 32).toBeLessThan(global.variance[i]! * 3);
      }
      // S = 1 with a running-mean baseline: still unbiased (a constant baseline adds no bias).
      const single = stats(1, 32, 150, makeObjective({ kind: 'elbo', samples: 1 }), -3);
      for (let i = 0; i < 4; i++) expect(Math.abs(single.mean[i]! - exact[i]!)).toBeLessThan(4 * single.se[i]! + 1e-3);
      // The multi-sample (IWAE-4) variant: the global and per-row estimates agree with each other.
      const gi = stats(4, 1, 1200, iwae, -3);
      const ri = stats(4, 32, 150, iwae, -3);
      for (let i = 0; i < 4; i++)
        expect(Math.abs(gi.mean[i]! - ri.mean[i]!)).toBeLessThan(4 * Math.hypot(gi.se[i]!, ri.se[i]!) + 1e-3);
      tf.dispose([mu, logSigma]);
    },
  );
});
