import { describe, expect, it } from 'vitest';
import { glmDataFromColumns } from './models';
import { standardiseTarget, unstandardiseCoefficients } from './standardise';

describe('GLM standardisation', () => {
  it('maps coefficients fitted on standardised data back to the data scale exactly', () => {
    // y = 3 + 2·x1 − 0.5·x2 without noise: least squares on the standardised data recovers it through the undoing.
    const x1 = Array.from({ length: 40 }, (_, i) => i * 0.7 + 1);
    const x2 = Array.from({ length: 40 }, (_, i) => ((i * 37) % 11) - 4);
    const y = x1.map((v, i) => 3 + 2 * v - 0.5 * x2[i]!);
    const d = glmDataFromColumns({ x1, x2, y }, 'y', { features: ['x1', 'x2'], standardise: true });
    const t = standardiseTarget(d.y);
    expect(t.centre).toBeCloseTo(y.reduce((a, b) => a + b) / y.length, 4);
    // The standardised coefficients of an exact linear relation, by the algebra the undoing inverts.
    const b1 = (2 * d.scale[0]!) / t.scale;
    const b2 = (-0.5 * d.scale[1]!) / t.scale;
    const b0 = (3 + 2 * d.centre[0]! - 0.5 * d.centre[1]! - t.centre) / t.scale;
    for (let n = 0; n < 40; n++) expect(d.y[n]!).toBeCloseTo(b0 + b1 * d.X[n * 2]! + b2 * d.X[n * 2 + 1]!, 4);
    // A linear model's posterior also has log σ after the coefficients: it is left out.
    const o = unstandardiseCoefficients(
      ['(intercept)', 'x1', 'x2', 'log_sigma'],
      [b0, b1, b2, -1],
      [0.1, 0.2, 0.3, 0.1],
      { centre: d.centre, scale: d.scale, target: t },
    );
    expect(o.names).toEqual(['(intercept)', 'x1', 'x2']);
    expect(o.mean[0]).toBeCloseTo(3, 6);
    expect(o.mean[1]).toBeCloseTo(2, 6);
    expect(o.mean[2]).toBeCloseTo(-0.5, 6);
    expect(o.sd[0]).toBeNull();
    expect(o.sd[1]).toBeCloseTo((0.2 * t.scale) / d.scale[0]!, 9);
  });

  it('names a coefficient list without the intercept first', () => {
    expect(() =>
      unstandardiseCoefficients(['x1'], [1], [1], { centre: [], scale: [], target: { centre: 0, scale: 1 } }),
    ).toThrow('Expected "(intercept)" first among the coefficients, got "x1"');
  });
});
