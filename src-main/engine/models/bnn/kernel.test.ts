/**
 * The hand-written arithmetic proved: every gradient against central finite differences, the local
 * reparameterisation trick against weight sampling (moments), and the minibatch KL scaling.
 */
import { describe, expect, it } from 'vitest';
import { fold, key, normal } from '../../rng';
import type { BnnPriorSpec } from '../../../../src-shared/schemas/bnn-spec';
import type { Head } from './kernel';
import {
  denseBackward,
  denseForward,
  headLoss,
  mfBackward,
  mfForward,
  mfInit,
  mfKl,
  mfLayout,
  mfOutput,
  mfSample,
  softplus,
} from './kernel';
import type { BnnNet } from './model';
import { elboTerms } from './train';

function fdCheck(f: (v: Float64Array) => number, v: Float64Array, g: ArrayLike<number>, h = 1e-5): number {
  let worst = 0;
  for (let i = 0; i < v.length; i++) {
    const old = v[i]!;
    v[i] = old + h;
    const a = f(v);
    v[i] = old - h;
    const b = f(v);
    v[i] = old;
    const num = (a - b) / (2 * h);
    worst = Math.max(worst, Math.abs(num - g[i]!) / Math.max(1e-3, Math.abs(num) + Math.abs(g[i]!)));
  }
  return worst;
}

describe('BNN kernel gradients (finite differences)', () => {
  const sizes = [3, 4, 2];
  const B = 5;
  const x = Float64Array.from(normal(key(3), B * 3));
  for (const head of ['gaussian', 'heteroscedastic', 'categorical'] as Head[]) {
    it(`mean-field LRT forward/backward, ${head} head`, () => {
      const s = head === 'gaussian' ? [3, 4, 1] : sizes;
      const layout = mfLayout(s, 2);
      const theta = mfInit(layout, key(1), 0.3, 'tanh');
      const y = head === 'categorical' ? [0, 1, 1, 0, 1] : Array.from(normal(key(4), B));
      const eps = key(9);
      const loss = (th: Float64Array, xx: Float64Array = x): number =>
        -headLoss(mfOutput(mfForward(th, layout, xx, B, 'tanh', true, eps), xx), y, B, head, 0.7).loglik;
      const cache = mfForward(theta, layout, x, B, 'tanh', true, eps);
      const hr = headLoss(mfOutput(cache, x), y, B, head, 0.7);
      const grad = new Float64Array(layout.size);
      const gx = mfBackward(theta, layout, cache, hr.gOut, 'tanh', grad);
      expect(fdCheck((v) => loss(v), theta, grad)).toBeLessThan(1e-4);
      expect(fdCheck((v) => loss(theta, v), Float64Array.from(x), gx)).toBeLessThan(1e-4);
    });
  }
  it('a training step skips the input gradient and gets the same parameter gradient (odd batch, odd widths)', () => {
    const s = [5, 7, 3, 1];
    const Bo = 7;
    const layout = mfLayout(s, 3);
    const theta = mfInit(layout, key(21), 0.2, 'relu');
    const xx = Float64Array.from(normal(key(22), Bo * 5));
    const cache = mfForward(theta, layout, xx, Bo, 'relu', true, key(23));
    const y = Array.from(normal(key(24), Bo));
    const hr = headLoss(mfOutput(cache, xx), y, Bo, 'gaussian', 0.6);
    const full = new Float64Array(layout.size);
    const gx = mfBackward(theta, layout, cache, hr.gOut, 'relu', full);
    const lean = new Float64Array(layout.size);
    const none = mfBackward(theta, layout, cache, hr.gOut, 'relu', lean, false);
    expect(gx.length).toBe(Bo * 5);
    expect(none.length).toBe(0);
    expect(Array.from(lean)).toEqual(Array.from(full));
    const loss = (th: Float64Array): number =>
      -headLoss(mfOutput(mfForward(th, layout, xx, Bo, 'relu', true, key(23)), xx), y, Bo, 'gaussian', 0.6).loglik;
    expect(fdCheck(loss, theta, lean)).toBeLessThan(1e-4);
  });
  it('gaussian head noise gradient', () => {
    const out = Float64Array.from(normal(key(5), B));
    const y = Array.from(normal(key(6), B));
    const r = headLoss(out, y, B, 'gaussian', 0.8);
    const h = 1e-6;
    const num =
      (-headLoss(out, y, B, 'gaussian', 0.8 + h).loglik + headLoss(out, y, B, 'gaussian', 0.8 - h).loglik) / (2 * h);
    expect(r.gSigma).toBeCloseTo(num, 5);
  });
  it('deterministic dense backward (SVGD scores)', () => {
    const layout = mfLayout(sizes, 2);
    const layers = mfSample(mfInit(layout, key(2), 0.3, 'relu'), layout, null);
    const y = [0, 1, 1, 0, 1];
    const flat = (): Float64Array => Float64Array.from(layers.flatMap((L) => [...L.W, ...L.b]));
    const set = (v: Float64Array): void => {
      let o = 0;
      for (const L of layers) {
        for (let i = 0; i < L.W.length; i++) L.W[i] = v[o++]!;
        for (let i = 0; i < L.b.length; i++) L.b[i] = v[o++]!;
      }
    };
    const loss = (v: Float64Array): number => {
      set(v);
      const outs = denseForward(layers, x, B, 'tanh', true);
      return -headLoss(outs[1]!, y, B, 'categorical', 1).loglik;
    };
    const v0 = flat();
    set(v0);
    const outs = denseForward(layers, x, B, 'tanh', true);
    const g = denseBackward(layers, x, outs, B, headLoss(outs[1]!, y, B, 'categorical', 1).gOut, 'tanh', true);
    const gFlat = Float64Array.from(g.flatMap((L) => [...L.W, ...L.b]));
    expect(fdCheck(loss, v0, gFlat)).toBeLessThan(1e-4);
  });
  for (const prior of [
    { kind: 'gaussian', scale: 0.7 },
    { kind: 'mixture', pi: 0.3, scale1: 1, scale2: 0.05 },
  ] as BnnPriorSpec[]) {
    it(`KL gradient, ${prior.kind} prior`, () => {
      const layout = mfLayout(sizes, 2);
      const theta = mfInit(layout, key(7), 0.2, 'relu');
      const grad = new Float64Array(layout.size);
      mfKl(theta, layout, prior, key(8), 1, grad);
      expect(fdCheck((v) => mfKl(v, layout, prior, key(8), 1, null), theta, grad)).toBeLessThan(1e-4);
    });
  }
});

describe('local reparameterisation', () => {
  it('gives the pre-activation mean and variance of weight sampling (moment check)', () => {
    const layout = mfLayout([4, 3], 1);
    const theta = mfInit(layout, key(11), 0.4, 'relu');
    const a = Float64Array.of(0.5, -1.2, 2.0, 0.3);
    const n = 20000;
    // Weight sampling: pre = a W + b with W, b ~ q.
    const ws = { m: new Float64Array(3), v: new Float64Array(3) };
    const lrt = { m: new Float64Array(3), v: new Float64Array(3) };
    const wsDraws: number[][] = [[], [], []];
    const lrtDraws: number[][] = [[], [], []];
    for (let s = 0; s < n; s++) {
      const [L] = mfSample(theta, layout, fold(key(12), s));
      for (let o = 0; o < 3; o++) {
        let pre = L!.b[o]!;
        for (let i = 0; i < 4; i++) pre += a[i]! * L!.W[i * 3 + o]!;
        wsDraws[o]!.push(pre);
      }
      const c = mfForward(theta, layout, a, 1, 'relu', true, fold(key(13), s));
      for (let o = 0; o < 3; o++) lrtDraws[o]!.push(c.outputs[0]![o]!);
    }
    for (let o = 0; o < 3; o++) {
      const mom = (d: number[]): [number, number] => {
        const m = d.reduce((p, q) => p + q, 0) / d.length;
        return [m, d.reduce((p, q) => p + (q - m) ** 2, 0) / (d.length - 1)];
      };
      [ws.m[o], ws.v[o]] = mom(wsDraws[o]!);
      [lrt.m[o], lrt.v[o]] = mom(lrtDraws[o]!);
      // Analytic: γ = a μ_W + μ_b, δ = (a²) σ_W² + σ_b².
      const L = layout.layers[0]!;
      let g = theta[L.bMu + o]!;
      let d = softplus(theta[L.bRho + o]!) ** 2;
      for (let i = 0; i < 4; i++) {
        g += a[i]! * theta[L.wMu + i * 3 + o]!;
        d += a[i]! ** 2 * softplus(theta[L.wRho + i * 3 + o]!) ** 2;
      }
      const se = Math.sqrt(d / n);
      expect(Math.abs(ws.m[o]! - g)).toBeLessThan(4 * se);
      expect(Math.abs(lrt.m[o]! - g)).toBeLessThan(4 * se);
      expect(Math.abs(ws.v[o]! / d - 1)).toBeLessThan(0.05);
      expect(Math.abs(lrt.v[o]! / d - 1)).toBeLessThan(0.05);
    }
  });
});

describe('KL scaling for minibatches', () => {
  it('the per-datum KL term is KL/N, and N × full-batch loss = −ELBO', () => {
    const sizes = [2, 5, 1];
    const layout = mfLayout(sizes, 2);
    const theta = mfInit(layout, key(21), 0.05, 'relu');
    const net: BnnNet = {
      sizes,
      activation: 'relu',
      head: 'gaussian',
      form: 'meanfield',
      mfCount: 2,
      layout,
      theta,
      block: null,
      particles: null,
      noiseSd: 0.5,
    };
    const N = 40;
    const x = Float64Array.from(normal(key(22), N * 2));
    const y = Array.from(normal(key(23), N));
    const prior: BnnPriorSpec = { kind: 'gaussian', scale: 1 };
    // Closed-form KL, independently.
    let kl = 0;
    for (const L of layout.layers) {
      for (const [mu0, rho0, c] of [
        [L.wMu, L.wRho, L.I * L.O],
        [L.bMu, L.bRho, L.O],
      ] as const) {
        for (let i = 0; i < c; i++) {
          const s = softplus(theta[rho0 + i]!);
          const m = theta[mu0 + i]!;
          kl += -Math.log(s) + (s * s + m * m) / 2 - 0.5;
        }
      }
    }
    const batch = elboTerms(net, x.subarray(0, 8 * 2), y.slice(0, 8), 8, N, prior, key(24));
    expect(batch.kl).toBeCloseTo(kl, 8);
    expect(batch.klPerDatum).toBeCloseTo(kl / N, 12);
    const full = elboTerms(net, x, y, N, N, prior, key(24));
    expect(N * full.loss).toBeCloseTo(N * full.nllPerDatum + kl, 8);
  });
});
