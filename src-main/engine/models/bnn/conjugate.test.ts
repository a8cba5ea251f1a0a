/**
 * With no hidden layer and a known noise sd, a BNN is Bayesian linear regression: prior θ ~ N(0, s_p² I) on
 * θ = (w, b), likelihood y ~ N(Φθ, σ²), so the posterior is exactly N(m, Σ) with
 *   Σ = (I/s_p² + ΦᵀΦ/σ²)⁻¹,  m = Σ Φᵀ y / σ²   (Bishop 2006, eq. 3.53–3.54).
 * The full-rank family (the engine's AffineTril Gaussian, trained by trainBnn) must match it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend';
import { key, normal } from '../../rng';
import { bnnSpecSchema } from '../../../../src-shared/schemas/bnn-spec';
import { TransformedGaussian } from '../../families/transformed';
import { relError, spdInverse } from '../common/linalg';
import { bnnTableFromColumns, prepareBnnData } from './data';
import { disposeNet } from './model';
import { trainBnn } from './train';

beforeAll(async () => {
  await initBackend();
});

describe('no hidden layer = Bayesian linear regression', () => {
  it('the full-rank posterior matches the exact conjugate posterior (mean and covariance within 5 %)', async () => {
    const n = 60;
    const e = normal(key(31), 3 * n);
    const x1 = Array.from({ length: n }, (_, i) => e[i]!);
    const x2 = Array.from({ length: n }, (_, i) => 0.5 * e[i]! + e[n + i]!);
    const noise = 1.0;
    const y = x1.map((v, i) => 1 + 2 * v - x2[i]! + noise * e[2 * n + i]!);
    const table = bnnTableFromColumns({ x1, x2, y });
    const spec = bnnSpecSchema.parse({
      model: 'bnn',
      target: 'y',
      features: ['x1', 'x2'],
      hidden: [],
      family: { kind: 'fullrank' },
      noise: 'fixed',
      noiseScale: noise,
      prior: { kind: 'gaussian', scale: 1 },
      objective: { kind: 'elbo', samples: 64 },
      epochs: 800,
      batchSize: n,
      optimiser: { kind: 'adam', learningRate: 0.05, schedule: { kind: 'cosine' } },
      validationFraction: 0,
      testFraction: 0,
      initScale: 0.1,
      seed: 3,
    });
    const data = prepareBnnData(table, spec);
    // Exact posterior in the standardised space the network sees: features [x1', x2', 1].
    const D = 3;
    const sy = data.transform.target.kind === 'numeric' ? data.transform.target.std : 1;
    const s2 = (noise / sy) ** 2;
    const prec = new Float64Array(D * D);
    const rhs = new Float64Array(D);
    for (let i = 0; i < n; i++) {
      const phi = [data.x[i * 2]!, data.x[i * 2 + 1]!, 1];
      for (let a = 0; a < D; a++) {
        rhs[a]! += (phi[a]! * data.y[i]!) / s2;
        for (let b = 0; b < D; b++) prec[a * D + b]! += (phi[a]! * phi[b]!) / s2;
      }
    }
    for (let a = 0; a < D; a++) prec[a * D + a]! += 1;
    const cov = spdInverse(prec, D);
    const mean = Float64Array.from({ length: D }, (_, a) =>
      [0, 1, 2].reduce((s, b) => s + cov[a * D + b]! * rhs[b]!, 0),
    );

    const fit = await trainBnn(data, spec);
    const block = fit.model.net.block!;
    expect(block.family).toBeInstanceOf(TransformedGaussian);
    const got = (block.family as TransformedGaussian).gaussianMoments(block.params);
    const mErr = relError(got.mean, mean);
    const cErr = relError(got.cov, cov);
    console.log(
      `conjugate check: mean rel. error ${(100 * mErr).toFixed(2)} %, covariance rel. error ${(100 * cErr).toFixed(2)} %, ${fit.seconds.toFixed(1)} s`,
    );
    console.log(
      `  exact sd ${[0, 1, 2].map((a) => Math.sqrt(cov[a * D + a]!).toFixed(4)).join(', ')}; fitted ${[0, 1, 2].map((a) => Math.sqrt(got.cov[a * D + a]!).toFixed(4)).join(', ')}`,
    );
    expect(mErr).toBeLessThan(0.05);
    expect(cErr).toBeLessThan(0.05);
    disposeNet(fit.model.net);
  }, 240_000);
});
