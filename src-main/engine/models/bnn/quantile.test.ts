import { describe, expect, it } from 'vitest';
import { mixtureQuantile, normalCdf } from './predict';

/** The definition: bisection of (1/S) Σ Φ((x − μ_s)/σ_s) = p to machine precision. */
function bisect(mu: number[], sd: number[], p: number): number {
  let lo = Math.min(...mu.map((m, s) => m - 9 * sd[s]!));
  let hi = Math.max(...mu.map((m, s) => m + 9 * sd[s]!));
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (lo + hi);
    const F = mu.reduce((a, m, s) => a + normalCdf((mid - m) / sd[s]!), 0) / mu.length;
    if (F < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

describe('mixtureQuantile', () => {
  it('is the normal quantile for one component', () => {
    const q = mixtureQuantile(Float64Array.of(2), Float64Array.of(3), 1, 1, 0, 0.975);
    expect(q).toBeCloseTo(2 + 3 * 1.959963984540054, 5);
  });

  it('solves F(x) = p like bisection, for unimodal, bimodal and very uneven mixtures', () => {
    let u = 5;
    const rnd = () => (u = (u * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const n = 3;
    for (let trial = 0; trial < 200; trial++) {
      const S = 1 + Math.floor(rnd() * 30);
      const mu = new Float64Array(S * n);
      const sigma = new Float64Array(S * n);
      const spread = trial % 3 === 0 ? 0.01 : trial % 3 === 1 ? 1 : 50;
      for (let k = 0; k < S * n; k++) {
        mu[k] = (rnd() - 0.5) * spread * (rnd() < 0.5 ? 1 : 20);
        sigma[k] = 1e-3 + rnd() * (trial % 2 ? 0.1 : 5);
      }
      const i = trial % n;
      const m = Array.from({ length: S }, (_, s) => mu[s * n + i]!);
      const sd = Array.from({ length: S }, (_, s) => sigma[s * n + i]!);
      for (const p of [0.025, 0.05, 0.5, 0.95, 0.975]) {
        const want = bisect(m, sd, p);
        const got = mixtureQuantile(mu, sigma, n, S, i, p);
        // Where F is flat (a gap between far-apart modes) every point of the gap is the quantile: compare F, not x.
        const F = m.reduce((a, v, s) => a + normalCdf((got - v) / sd[s]!), 0) / S;
        if (Math.abs(got - want) > 1e-9 * Math.max(1, Math.abs(want))) expect(Math.abs(F - p)).toBeLessThan(1e-12);
      }
    }
  });
});
