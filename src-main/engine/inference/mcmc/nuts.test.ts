/**
 * NUTS against targets with known answers, each judged within Monte Carlo error (the MCSE from the chains' own ESS):
 * a correlated 2-D Gaussian, an ill-scaled correlated 10-D Gaussian (diagonal and dense metric), and the exact
 * posterior of conjugate linear regression with known noise, on the GLM's own log joint. R̂ flags chains started in
 * the two modes of a well-separated mixture.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend.js';
import { bimodalTarget, gaussianTarget } from '../../models/common/targets.js';
import { exactLinearPosterior, linearRegressionModel } from '../../models/glm/models.js';
import { key, normal } from '../../rng.js';
import { rhat, summariseChains } from '../../diagnostics/mcmc.js';
import { modelLogDensity } from './density.js';
import { sampleNuts, SamplingCancelledError, type NutsResult } from './nuts.js';
import { warmupWindows } from './adaptation.js';

beforeAll(async () => {
  await initBackend();
});

// Correctness tests of a sampler: heavy on a shared machine, so each has a generous timeout (speed is benched).

/** Chains of coordinate d. */
const coord = (r: NutsResult, d: number): Float64Array[] =>
  r.samples.map((s) => Float64Array.from({ length: r.draws }, (_, i) => s[i * r.dim + d]!));

/** Every coordinate's mean and sd within 4 MCSE of the truth, R̂ < 1.01, bulk-ESS above 100 × chains. */
function expectRecovers(r: NutsResult, mean: ArrayLike<number>, sd: ArrayLike<number>): void {
  for (let d = 0; d < r.dim; d++) {
    const s = summariseChains(coord(r, d));
    expect(Math.abs(s.mean - mean[d]!), `mean of ${d}: ${s.mean} vs ${mean[d]} (MCSE ${s.mcseMean})`).toBeLessThan(
      4 * s.mcseMean,
    );
    expect(Math.abs(s.sd - sd[d]!), `sd of ${d}: ${s.sd} vs ${sd[d]} (MCSE ${s.mcseSd})`).toBeLessThan(4 * s.mcseSd);
    expect(s.rhat).toBeLessThan(1.01);
    expect(s.essBulk).toBeGreaterThan(100 * r.chains);
  }
}

function randomCov(D: number, seed: number): Float64Array {
  // A = random [D, D], Σ = diag(s) (A Aᵀ/D + 0.1 I) diag(s) with scales s from 0.1 to 10.
  const a = normal(key(seed), D * D);
  const cov = new Float64Array(D * D);
  const s = Array.from({ length: D }, (_, i) => Math.pow(10, -1 + (2 * i) / (D - 1)));
  for (let i = 0; i < D; i++)
    for (let j = 0; j < D; j++) {
      let v = i === j ? 0.1 : 0;
      for (let k = 0; k < D; k++) v += (a[i * D + k]! * a[j * D + k]!) / D;
      cov[i * D + j] = v * s[i]! * s[j]!;
    }
  return cov;
}

describe('warm-up windows', () => {
  it("are Stan's for 1000 warm-up iterations", () => {
    expect(warmupWindows(1000).map((w) => [w.start, w.end])).toEqual([
      [75, 100],
      [100, 150],
      [150, 250],
      [250, 450],
      [450, 950],
    ]);
    expect(warmupWindows(10)).toEqual([]);
    // Short warm-ups: 15 % / 75 % / 10 %.
    expect(warmupWindows(100)).toEqual([{ start: 15, end: 90 }]);
  });
});

describe('NUTS', () => {
  it('recovers a correlated 2-D Gaussian and reproduces its draws from the seed', async () => {
    const mean = Float64Array.from([1, -2]);
    const cov = Float64Array.from([1, 0.9 * 3, 0.9 * 3, 9]); // sds 1 and 3, correlation 0.9
    const target = gaussianTarget(mean, cov);
    const density = modelLogDensity(target);
    const r = await sampleNuts(density, { seed: 11, warmup: 500, draws: 1000 });
    expect(r.divergences).toBe(0);
    expect(r.treeDepthSaturated).toBe(0);
    expectRecovers(r, mean, [1, 3]);
    // The correlation, within its own Monte Carlo error (pooled draws, ESS from x₁x₂'s chains).
    const prod = r.samples.map((s) =>
      Float64Array.from({ length: r.draws }, (_, i) => ((s[2 * i]! - 1) * (s[2 * i + 1]! + 2)) / 3),
    );
    const sp = summariseChains(prod);
    expect(Math.abs(sp.mean - 0.9)).toBeLessThan(4 * sp.mcseMean);
    // Mean acceptance near the 0.8 target after warm-up.
    const acc = r.stats.flatMap((s) => Array.from(s.acceptStat));
    const meanAcc = acc.reduce((a, b) => a + b, 0) / acc.length;
    expect(meanAcc).toBeGreaterThan(0.7);
    expect(meanAcc).toBeLessThan(0.95);
    // One seed, one set of draws (a short run twice, and another seed differs).
    const short = { warmup: 40, draws: 40, chains: 2 };
    const a = await sampleNuts(density, { seed: 11, ...short });
    expect((await sampleNuts(density, { seed: 11, ...short })).samples).toEqual(a.samples);
    expect((await sampleNuts(density, { seed: 12, ...short })).samples).not.toEqual(a.samples);
  }, 600_000);

  it.each(['diag', 'dense'] as const)(
    'recovers an ill-scaled correlated 10-D Gaussian with the %s metric',
    async (metric) => {
      const D = 10;
      const cov = randomCov(D, 5);
      const mean = Float64Array.from({ length: D }, (_, i) => i - 4.5);
      const r = await sampleNuts(modelLogDensity(gaussianTarget(mean, cov)), {
        seed: 3,
        warmup: 1000,
        draws: 1000,
        metric,
      });
      expect(r.divergences).toBe(0);
      expectRecovers(
        r,
        mean,
        Array.from({ length: D }, (_, i) => Math.sqrt(cov[i * D + i]!)),
      );
      if (metric === 'dense') {
        // The adapted dense inverse metric is close to the covariance (relative Frobenius error < 0.3).
        const m = r.stats[0]!.inverseMetric;
        let num = 0;
        let den = 0;
        for (let k = 0; k < D * D; k++) {
          num += (m[k]! - cov[k]!) ** 2;
          den += cov[k]! ** 2;
        }
        expect(Math.sqrt(num / den)).toBeLessThan(0.3);
      }
    },
    600_000,
  );

  it('recovers the exact posterior of conjugate linear regression (known σ) on the GLM log joint', async () => {
    const N = 60;
    const P = 3;
    const e = normal(key(21), N * (P + 1));
    const X = new Float32Array(N * P);
    const y = new Float32Array(N);
    for (let n = 0; n < N; n++) {
      X[n * P] = 1;
      X[n * P + 1] = e[n * 4]!;
      X[n * P + 2] = 0.8 * e[n * 4]! + 0.6 * e[n * 4 + 1]!;
      y[n] = 0.5 + 1.5 * X[n * P + 1]! - X[n * P + 2]! + 0.7 * e[n * 4 + 2]!;
    }
    const data = { X, rows: N, cols: P, y };
    const sigma = 0.7;
    const tau = 2;
    const model = linearRegressionModel(data, { priorScale: tau, noise: { kind: 'known', sigma } });
    const exact = exactLinearPosterior(data, sigma, tau);
    const r = await sampleNuts(modelLogDensity(model), { seed: 5, warmup: 500, draws: 1000 });
    model.dispose?.();
    expect(r.divergences).toBe(0);
    expectRecovers(
      r,
      exact.mean,
      Array.from({ length: P }, (_, i) => Math.sqrt(exact.cov[i * P + i]!)),
    );
  }, 600_000);

  it('gives R̂ far above 1 for chains held in the two modes of a separated mixture', async () => {
    // ½ N((−5, −5), I) + ½ N((5, 5), I): no trajectory crosses the 14-unit gap.
    const density = modelLogDensity(bimodalTarget(5));
    const r = await sampleNuts(density, {
      seed: 2,
      warmup: 200,
      draws: 400,
      inits: [
        [-5, -5],
        [-5, -5],
        [5, 5],
        [5, 5],
      ],
    });
    for (let d = 0; d < 2; d++) expect(rhat(coord(r, d))).toBeGreaterThan(1.5);
    // Control: the same sampler with all chains in one mode agrees with itself.
    const one = await sampleNuts(density, {
      seed: 2,
      warmup: 200,
      draws: 400,
      inits: [
        [5, 5],
        [5, 4],
        [4, 5],
        [6, 6],
      ],
    });
    for (let d = 0; d < 2; d++) expect(rhat(coord(one, d))).toBeLessThan(1.02);
  }, 600_000);

  it('stops when asked, and refuses bad settings with the value and the fix', async () => {
    const density = modelLogDensity(gaussianTarget(Float64Array.from([0]), Float64Array.from([1])));
    let calls = 0;
    await expect(sampleNuts(density, { seed: 1, shouldStop: () => ++calls > 20 })).rejects.toBeInstanceOf(
      SamplingCancelledError,
    );
    await expect(sampleNuts(density, { seed: 1, chains: 0 })).rejects.toThrow(/chains ≥ 1, got 0/);
    await expect(sampleNuts(density, { seed: 1, inits: [[0, 0]], chains: 1 })).rejects.toThrow(
      /2 coordinates, expected 1/,
    );
  });
});
