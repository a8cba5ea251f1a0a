/**
 * `makeFamily(spec, dim, opts)`: a posterior family from the run-spec shape the UI and CLI use
 * ({ kind: 'planar', length: 16 } …). Flows sit on a learnable diagonal Gaussian base; IAF orderings and coupling
 * masks alternate between steps.
 */
import type { FamilySpec } from '../../../src-shared/schemas/run-spec.js';
import { Iaf } from '../bijectors/iaf.js';
import { AffineCoupling } from '../bijectors/coupling.js';
import { PlanarStack } from '../bijectors/planar.js';
import { Radial } from '../bijectors/radial.js';
import type { Bijector } from '../bijectors/base.js';
import type { Family, FamilyForm } from './family.js';
import { LowRankGaussian } from './lowrank.js';
import { ParticleFamily } from './particles.js';
import { TransformedGaussian } from './transformed.js';

export * from './family.js';
export { TransformedGaussian } from './transformed.js';
export { LowRankGaussian } from './lowrank.js';
export { ParticleFamily } from './particles.js';

export interface FamilyOptions {
  /** Initial standard deviation of the base Gaussian (default 0.1 for the global form, 1 for amortised). */
  initScale?: number;
  form?: FamilyForm;
}

function checkLength(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Expected flow length ≥ 1, got ${n}`);
  if (n > 32) throw new RangeError(`Expected flow length ≤ 32, got ${n}`);
}

export function makeFamily(spec: FamilySpec, dim: number, opts: FamilyOptions = {}): Family {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`Expected a latent dimension ≥ 1, got ${dim}`);
  const initScale = opts.initScale ?? (opts.form === 'amortised' ? 1 : 0.1);
  const layers = (n: number, make: (i: number) => Bijector): Bijector[] => {
    checkLength(n);
    return Array.from({ length: n }, (_, i) => make(i));
  };
  switch (spec.kind) {
    case 'meanfield':
      return new TransformedGaussian('meanfield', dim, { initScale });
    case 'fullrank':
      return new TransformedGaussian('fullrank', dim, { initScale, fullRank: true });
    case 'lowrank':
      return new LowRankGaussian(dim, spec.rank, initScale);
    case 'planar':
      checkLength(spec.length);
      // K planar layers fused into one bijector (same flow as K chained Planar layers, fewer tensor operations).
      return new TransformedGaussian('planar', dim, { initScale, layers: [new PlanarStack(dim, spec.length)] });
    case 'radial':
      return new TransformedGaussian('radial', dim, { initScale, layers: layers(spec.length, () => new Radial(dim)) });
    case 'iaf':
      return new TransformedGaussian('iaf', dim, {
        initScale,
        layers: layers(spec.length, (i) => new Iaf(dim, spec.hidden, i % 2 === 1)),
      });
    case 'coupling':
      return new TransformedGaussian('coupling', dim, {
        initScale,
        layers: layers(spec.length, (i) => new AffineCoupling(dim, spec.hidden, i % 2)),
      });
    case 'svgd':
      return new ParticleFamily(dim, spec.particles, spec.kernel, opts.initScale ?? 1);
  }
}
