import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../backend';
import { key, uniform } from '../../rng';
import { vaeSpecFields, vaeSpecSchema, type VaeSpec } from '../../../../src-shared/schemas/run-spec';
import { vaeImageShape } from '../../../../src-shared/schemas/spec-checks';
import { VaeModel } from './model';
import { precisionMerge, ladderKlPerDim } from './ladder';
import { collapseVerdict, evaluateModel } from './evaluate';
import { trainVae, vaeConfig } from './train';
import { interpolate, latentMap } from './views';
import type { PreparedVaeData } from './prepare';

function spec(over: Record<string, unknown> = {}): VaeSpec {
  return vaeSpecFields.parse({ model: 'vae', ...over });
}

/** Binary rows with structure: two prototypes flipped with noise. */
function binaryData(n: number, d: number, seed = 3): PreparedVaeData {
  const u = uniform(key(seed), n * d);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const proto = (i % 2 === 0 ? j < d / 2 : j >= d / 2) ? 0.9 : 0.1;
      x[i * d + j] = u[i * d + j]! < proto ? 1 : 0;
    }
  return { x, n, d, likelihood: 'bernoulli', transform: { kind: 'scale', divisor: 1 }, image: null };
}

beforeAll(async () => {
  await initBackend();
});

describe('precision-weighted merge', () => {
  it('is the normalised product of the two Gaussians (closed form, float64 check at several points)', () => {
    const mu1 = [0.3, -1.2, 2.0];
    const sd1 = [0.5, 2.0, 0.1];
    const mu2 = [-0.7, 0.4, 1.5];
    const sd2 = [1.5, 0.3, 0.1];
    const r = tf.tidy(() => {
      const m = precisionMerge(tf.tensor1d(mu1), tf.tensor1d(sd1), tf.tensor1d(mu2), tf.tensor1d(sd2));
      return [m.mu.arraySync() as number[], m.sd.arraySync() as number[]];
    });
    const [mu, sd] = r as [number[], number[]];
    const logN = (x: number, m: number, s: number): number =>
      -0.5 * ((x - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
    for (let d = 0; d < 3; d++) {
      // N(x; μ₁, σ₁²) N(x; μ₂, σ₂²) / N(x; μ, σ²) does not depend on x exactly when (μ, σ) is the product's Gaussian.
      const ratio = [-3, -0.5, 0, 1.7, 4].map(
        (x) => logN(x, mu1[d]!, sd1[d]!) + logN(x, mu2[d]!, sd2[d]!) - logN(x, mu[d]!, sd[d]!),
      );
      for (const v of ratio) expect(v).toBeCloseTo(ratio[0]!, 3);
      // And the textbook form: σ² = σ₁²σ₂²/(σ₁² + σ₂²), μ = (μ₁σ₂² + μ₂σ₁²)/(σ₁² + σ₂²).
      const v1 = sd1[d]! ** 2;
      const v2 = sd2[d]! ** 2;
      expect(sd[d]! ** 2).toBeCloseTo((v1 * v2) / (v1 + v2), 5);
      expect(mu[d]!).toBeCloseTo((mu1[d]! * v2 + mu2[d]! * v1) / (v1 + v2), 5);
    }
  });
});

describe('ladder bound', () => {
  it('has one KL term per layer; they sum to the total KL and match a Monte Carlo estimate of E_q[log q − log p]', () => {
    const data = binaryData(6, 12);
    const s = spec({ latentDim: [4, 3, 2], hidden: [16], likelihood: 'bernoulli' });
    const m = new VaeModel(vaeConfig(data, s), key(7));
    try {
      // Spread the weights so the layers carry real KL (the fresh network is close to the prior).
      for (const v of m.variables()) v.assign(tf.tidy(() => tf.mul(v, 1.5)));
      const x = tf.tensor2d(data.x, [data.n, data.d]);
      const S = 4000;
      const out = tf.tidy(() => {
        const h = m.encode(x);
        const r = m.ladderDraws(key(11), h, S);
        const perLayer = r.kl.map((k) => tf.sum(tf.mean(k, 0), -1)); // [B] each
        const total = tf.sum(ladderKlPerDim(r), -1);
        const mcDraws = tf.sub(r.logQ, r.logPrior); // [S, B]
        return {
          perLayer: perLayer.map((t) => t.arraySync() as number[]),
          total: total.arraySync() as number[],
          mc: mcDraws.arraySync() as number[][],
        };
      });
      x.dispose();
      expect(out.perLayer).toHaveLength(3);
      for (let b = 0; b < data.n; b++) {
        const sum = out.perLayer.reduce((a, l) => a + l[b]!, 0);
        expect(Math.abs(sum - out.total[b]!)).toBeLessThan(1e-5 * out.total[b]! + 1e-4);
        const col = out.mc.map((row) => row[b]!);
        const mean = col.reduce((a, v) => a + v, 0) / S;
        const se = Math.sqrt(col.reduce((a, v) => a + (v - mean) ** 2, 0) / (S - 1) / S);
        expect(out.total[b]!).toBeGreaterThan(0.5); // the test has teeth: real KL in every row
        expect(Math.abs(out.total[b]! - mean)).toBeLessThan(4 * se + 1e-3);
        expect(se).toBeLessThan(0.05 * out.total[b]!); // and the Monte Carlo estimate is sharp enough to tell
      }
    } finally {
      m.dispose();
    }
  });

  it('the ELBO equals E[log p(x|z₁)] − Σ_l KL_l and lies below the IS log-likelihood; evaluation reports each layer', async () => {
    const data = binaryData(40, 10);
    const s = spec({ latentDim: [3, 2], hidden: [16], likelihood: 'bernoulli', epochs: 3, batchSize: 10, seed: 2 });
    const fit = await trainVae(data, s);
    const m = new VaeModel(fit.snapshot.config, key(0));
    try {
      const { importParams } = await import('./network');
      importParams(m.net, fit.snapshot.network);
      const ev = await evaluateModel(m, data, { k: 200, seed: 3 });
      expect(ev.layers).toHaveLength(2);
      expect(ev.layers!.map((l) => l.dim)).toEqual([3, 2]);
      const sum = ev.layers!.reduce((a, l) => a + l.kl, 0);
      expect(ev.klTotal).toBeCloseTo(sum, 6);
      for (const l of ev.layers!) {
        expect(l.klPerDim.reduce((a, v) => a + v, 0)).toBeCloseTo(l.kl, 4);
        expect(l.activeUnits.activity).toHaveLength(l.dim);
      }
      expect(ev.klPerDim).toHaveLength(5);
      expect(ev.activeUnits.total).toBe(5);
      expect(ev.logLikelihood.mean).toBeGreaterThanOrEqual(ev.elbo);
      expect(Number.isFinite(ev.logLikelihood.se)).toBe(true);
      // The single-draw analytic ELBO and the IS draws' ELBO estimate the same quantity.
      expect(Math.abs(fit.trainElbo - ev.elbo)).toBeLessThan(2);
      // Latent map and interpolation per layer.
      const top = await latentMap(fit.snapshot, data, { layer: 1 });
      expect(top.dim).toBe(2);
      expect(top.method).toBe('latent');
      const bottom = await latentMap(fit.snapshot, data, { layer: 0 });
      expect(bottom.dim).toBe(3);
      const path = await interpolate(fit.snapshot, data, 0, 1, { steps: 4, layer: 1 });
      expect(path.z[0]).toHaveLength(2);
      expect(path.decoded[0]).toHaveLength(10);
      await expect(latentMap(fit.snapshot, data, { layer: 2 })).rejects.toThrow(/layer 3.*2 layer/);
    } finally {
      m.dispose();
    }
  });
});

describe('collapse message of a ladder', () => {
  it('names dimensions by layer', () => {
    const v = collapseVerdict([0.5, 0.001, 0.4], [0.3, 0.0, 0.2], 0.01, ['z1.1', 'z1.2', 'z2.1']);
    expect(v.message).toMatch(/inactive \(z1\.2:/);
    expect(v.inactiveDims).toEqual([1]);
  });
});

describe('spec validation', () => {
  it('reads latentDim as a number or a ladder, and refuses what the ladder cannot use', () => {
    expect(vaeSpecSchema.parse({ model: 'vae', latentDim: [16, 4] }).latentDim).toEqual([16, 4]);
    expect(vaeSpecSchema.parse({ model: 'vae', latentDim: 20 }).latentDim).toBe(20);
    const bad = vaeSpecSchema.safeParse({ model: 'vae', latentDim: [16, 0] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.message).toMatch(/latentDim size.*got 0/);
    expect(bad.error!.issues[0]!.path).toEqual(['latentDim', 1]);
    const tooMany = vaeSpecSchema.safeParse({ model: 'vae', latentDim: [8, 4, 4, 2, 2] });
    expect(tooMany.error!.issues[0]!.message).toMatch(/1–4/);
    const fam = vaeSpecSchema.safeParse({ model: 'vae', latentDim: [8, 2], family: { kind: 'fullrank' } });
    expect(fam.error!.issues.map((i) => i.message).join(' ')).toMatch(/\[8, 2\].*"fullrank".*meanfield/);
    const cat = vaeSpecSchema.safeParse({ model: 'vae', latentDim: [8, 2], latentType: 'categorical' });
    expect(cat.success).toBe(false);
    const score = vaeSpecSchema.safeParse({ model: 'vae', latentDim: [8, 2], training: { estimator: 'score' } });
    expect(score.error!.issues.map((i) => i.message).join(' ')).toMatch(/reparam/);
    // A one-layer list and a number both pass; the engine refuses a ladder in a config it cannot build.
    expect(vaeSpecSchema.safeParse({ model: 'vae', latentDim: [8], family: { kind: 'fullrank' } }).success).toBe(true);
  });

  it('refuses conv settings on an MLP and non-image column counts, echoing the count', () => {
    const mlp = vaeSpecSchema.safeParse({ model: 'vae', imageShape: { height: 28, width: 28 } });
    expect(mlp.error!.issues[0]!.message).toMatch(/imageShape \(28 × 28 × 1\).*architecture is mlp/);
    const ch = vaeSpecSchema.safeParse({ model: 'vae', convChannels: [16] });
    expect(ch.error!.issues[0]!.message).toMatch(/convChannels \[16\]/);
    const mixed = vaeSpecSchema.safeParse({ model: 'vae', architecture: 'conv', likelihood: 'mixed' });
    expect(mixed.success).toBe(false);
    const conv = spec({ architecture: 'conv' });
    const r = vaeImageShape(conv, 785);
    expect('problem' in r && r.problem.message).toMatch(
      /785 feature columns is not a square number \(28² = 784, 29² = 841\)/,
    );
    expect(vaeImageShape(conv, 784)).toEqual({ shape: { height: 28, width: 28, channels: 1 } });
    const declared = spec({ architecture: 'conv', imageShape: { height: 4, width: 8, channels: 3 } });
    expect(vaeImageShape(declared, 96)).toEqual({ shape: { height: 4, width: 8, channels: 3 } });
    const wrong = vaeImageShape(declared, 95);
    expect('problem' in wrong && wrong.problem.message).toMatch(
      /4 × 8 × 3 holds 96 values per row, but the data have 95/,
    );
    const tiny = vaeImageShape(spec({ architecture: 'conv', convChannels: [8, 8, 8] }), 16);
    expect('problem' in tiny && tiny.problem.message).toMatch(/at least 8 × 8; got 4 × 4/);
    expect(() => vaeConfig(binaryData(4, 10), spec({ architecture: 'conv' }))).toThrow(/10 feature columns/);
  });
});

describe('ladder training end to end', () => {
  it('trains, evaluates and reproduces with a seed; IWAE objective and free bits run too', async () => {
    const data = binaryData(30, 8, 5);
    const s = spec({ latentDim: [3, 2], hidden: [12], epochs: 2, batchSize: 10, likelihood: 'bernoulli' });
    const a = await trainVae(data, s);
    const b = await trainVae(data, s);
    expect(a.trainElbo).toBe(b.trainElbo);
    expect(Number.isFinite(a.trainElbo)).toBe(true);
    expect(a.snapshot.config.layers).toEqual([3, 2]);
    expect(Object.keys(a.snapshot.network)).toContain('ladder.prior_mu.0.weight');
    const iw = await trainVae(data, spec({ ...s, objective: { kind: 'iwae', k: 4 } }));
    expect(Number.isFinite(iw.trainElbo)).toBe(true);
    const fb = await trainVae(data, spec({ ...s, training: { freeBits: 0.2 } }));
    expect(Number.isFinite(fb.trainElbo)).toBe(true);
  });
});
