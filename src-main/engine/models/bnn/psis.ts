/**
 * PSIS k̂ of a fitted BNN's weight posterior on its joint (Yao, Vehtari, Simpson & Gelman 2018):
 *   log r_s = log p(w_s) + Σ_{i ∈ train} log p(y_i | x_i, w_s) − log q(w_s),   w_s ~ q,  s = 1 … S,
 * with the noise sd at its fitted value. Mean-field layers: log q = Σ_j [−ξ_j²/2 − log σ_j − log √(2π)] at
 * w = μ + σ ⊙ ξ (the same ξ as sampleNetworks); block layers: the engine family's own log q of its draws. An SVGD
 * ensemble has no density, so k̂ is not defined for it. Shapes: x [n, d] standardised, y [n], S draws.
 * With thousands of weights k̂ is usually far above 0.7 — the honest reading: mean-field Bayes by Backprop is not
 * a good importance proposal for the exact posterior, whatever its predictive quality.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fold, key, normal } from '../../rng';
import { psis } from '../../diagnostics/psis';
import { meanSe } from '../../../../src-shared/stats/mean-se';
import type { BnnModel } from './model';
import { layerShapes } from './model';
import { denseForward, headLoss, logPrior, softplus, unflattenDense, type Dense } from './kernel';
import type { BnnData } from './data';
import { takeRows } from './predict';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export interface BnnJointPsis {
  /** Pareto shape k̂ (NaN when the tail could not be fitted). */
  khat: number;
  /** Effective sample size of the smoothed weights, of `samples`. */
  ess: number;
  samples: number;
  /** Training rows in the likelihood. */
  rows: number;
  /** Mean log importance ratio ± SE: a Monte Carlo ELBO of the whole training set (nats). */
  elbo: { mean: number; se: number };
}

/** k̂ of the joint posterior (null for an SVGD ensemble, whose particles have no density). */
export function bnnJointPsis(
  model: BnnModel,
  data: BnnData,
  opts: { samples?: number; seed?: number } = {},
): BnnJointPsis | null {
  const net = model.net;
  if (net.form === 'svgd') return null;
  const S = opts.samples ?? 1000;
  if (!Number.isInteger(S) || S < 5)
    throw new RangeError(`Expected at least 5 weight draws for PSIS k̂, got ${S}; 1000 is usual.`);
  const k = key(opts.seed ?? 7);
  const rows = data.trainRows;
  const n = rows.length;
  const x = takeRows(data.x, data.d, rows);
  const y = Float64Array.from(rows, (r) => data.y[r]!);
  const prior = model.spec.prior;
  const logR = new Float64Array(S);

  // Block layers: draws and their log q from the engine family, with the same key as sampleNetworks.
  let blockZ: Float64Array | null = null;
  let blockLogQ: Float64Array | null = null;
  if (net.block) {
    const b = net.block;
    const out = tf.tidy(() => {
      const r = b.family.sample(fold(k, 0x0b10c), b.params, S);
      return [r.z, r.logQ] as const;
    });
    blockZ = Float64Array.from(out[0].dataSync());
    blockLogQ = Float64Array.from(out[1].dataSync());
    tf.dispose([...out]);
  }
  const blockShapes = net.block ? net.block.shapes : [];
  const D = net.block ? net.block.dim : 0;
  if (layerShapes(net.sizes).length !== net.layout.layers.length + blockShapes.length) {
    throw new Error(
      `The BNN's layers (${net.sizes.join('–')}) do not match its posterior's (${net.layout.layers.length} mean-field + ${blockShapes.length} block).`,
    );
  }

  for (let s = 0; s < S; s++) {
    const ks = fold(k, s);
    let logQ = 0;
    let logP = 0;
    const layers: Dense[] = net.layout.layers.map((L, l) => {
      const xi = normal(fold(ks, l), L.I * L.O + L.O);
      const W = new Float64Array(L.I * L.O);
      const bias = new Float64Array(L.O);
      for (let i = 0; i < L.I * L.O + L.O; i++) {
        const isW = i < L.I * L.O;
        const mu = net.theta[isW ? L.wMu + i : L.bMu + i - L.I * L.O]!;
        const sd = softplus(net.theta[isW ? L.wRho + i : L.bRho + i - L.I * L.O]!);
        const w = mu + sd * xi[i]!;
        if (isW) W[i] = w;
        else bias[i - L.I * L.O] = w;
        logQ += -0.5 * xi[i]! * xi[i]! - Math.log(sd) - HALF_LOG_2PI;
        logP += logPrior(w, prior).lp;
      }
      return { I: L.I, O: L.O, W, b: bias };
    });
    if (blockZ) {
      const z = blockZ.subarray(s * D, (s + 1) * D);
      for (let j = 0; j < D; j++) logP += logPrior(z[j]!, prior).lp;
      logQ += blockLogQ![s]!;
      layers.push(...unflattenDense(z, blockShapes));
    }
    const outs = denseForward(layers, x, n, net.activation, true);
    const ll = headLoss(outs[outs.length - 1]!, y, n, net.head, net.noiseSd ?? 1).loglik;
    logR[s] = logP + ll - logQ;
  }
  if (logR.some(Number.isNaN))
    return { khat: Number.NaN, ess: 0, samples: S, rows: n, elbo: { mean: Number.NaN, se: Number.NaN } };
  const r = psis(logR);
  const e = meanSe(logR);
  return { khat: r.khat, ess: r.ess, samples: S, rows: n, elbo: { mean: e.mean, se: e.se } };
}
