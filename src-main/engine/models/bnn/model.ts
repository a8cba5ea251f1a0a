/**
 * A fitted BNN: architecture, weight posterior and noise, with weight sampling and (de)serialisation.
 *
 * Posterior forms:
 *   meanfield  every layer N(μ, σ²) per weight (Bayes by Backprop; local reparameterisation in training);
 *   block      layers [0, mfCount) mean-field, layers [mfCount, L) one engine family over their joint weights;
 *   svgd       N particles, each a whole network's weights (+ its log noise sd for a learned Gaussian noise).
 * Predictive draws: network s has mean-field weights μ + σ ⊙ ξ_s, block weights z_s ~ q, or particle s.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BnnSpec } from '../../../../src-shared/schemas/bnn-spec';
import type { SavedPosterior } from '../../families/family';
import { loadPosterior, savePosterior } from '../../families/family';
import { makeFamily } from '../../families/index';
import { disposeParams } from '../../families/params';
import type { Key } from '../../rng';
import { fold } from '../../rng';
import type { Block, BlockShape } from './block';
import { blockDim, blockSample } from './block';
import type { BnnTransform } from './data';
import type { Activation, Dense, Head, MfLayout } from './kernel';
import { mfLayout, mfSample, mfSds, softplus, unflattenDense } from './kernel';

export type PosteriorForm = 'meanfield' | 'block' | 'svgd';

export interface BnnNet {
  /** Layer widths [d, …hidden, out]. */
  sizes: number[];
  activation: Activation;
  head: Head;
  form: PosteriorForm;
  /** Layers under the mean-field posterior (a prefix). */
  mfCount: number;
  layout: MfLayout;
  /** Mean-field parameters (μ_W, ρ_W, μ_b, ρ_b per layer), σ = softplus(ρ). */
  theta: Float64Array;
  block: Block | null;
  /** SVGD particles [count, dim], row-major; dim includes a trailing log noise sd when `particleNoise`. */
  particles: { count: number; dim: number; values: Float64Array; noise: boolean } | null;
  /** Homoscedastic noise sd in standardised target units (null for heteroscedastic and categorical heads). */
  noiseSd: number | null;
}

export interface BnnModel {
  spec: BnnSpec;
  transform: BnnTransform;
  net: BnnNet;
}

export function layerShapes(sizes: number[], from = 0): BlockShape[] {
  const out: BlockShape[] = [];
  for (let l = from; l < sizes.length - 1; l++) out.push({ I: sizes[l]!, O: sizes[l + 1]! });
  return out;
}

export interface NetworkDraw {
  layers: Dense[];
  /** Homoscedastic noise sd of this draw (standardised), null for other heads. */
  sigma: number | null;
}

/** S networks from the posterior (SVGD: the particles, cycled when S exceeds their count). */
export function sampleNetworks(net: BnnNet, S: number, k: Key): NetworkDraw[] {
  if (net.form === 'svgd') {
    const P = net.particles!;
    const shapes = layerShapes(net.sizes);
    const draws: NetworkDraw[] = [];
    for (let s = 0; s < Math.min(S, P.count); s++) {
      const row = P.values.subarray(s * P.dim, (s + 1) * P.dim);
      draws.push({ layers: unflattenDense(row, shapes), sigma: P.noise ? Math.exp(row[P.dim - 1]!) : net.noiseSd });
    }
    return draws;
  }
  const blockZ = net.block ? blockSample(net.block, fold(k, 0x0b10c), S) : null;
  const shapes = net.block ? net.block.shapes : [];
  const D = net.block ? net.block.dim : 0;
  const draws: NetworkDraw[] = [];
  for (let s = 0; s < S; s++) {
    const layers = mfSample(net.theta, net.layout, fold(k, s));
    if (blockZ) layers.push(...unflattenDense(blockZ.subarray(s * D, (s + 1) * D), shapes));
    draws.push({ layers, sigma: net.noiseSd });
  }
  return draws;
}

/** Per-layer posterior means and marginal sds of every weight and bias (SVGD: over the particles). */
export function layerMoments(net: BnnNet, k: Key): { mean: Dense[]; sd: Dense[] } {
  const shapes = layerShapes(net.sizes);
  if (net.form === 'svgd') {
    const P = net.particles!;
    const D = blockDim(shapes);
    const m = new Float64Array(D);
    const v = new Float64Array(D);
    for (let s = 0; s < P.count; s++) for (let j = 0; j < D; j++) m[j]! += P.values[s * P.dim + j]! / P.count;
    for (let s = 0; s < P.count; s++)
      for (let j = 0; j < D; j++) v[j]! += (P.values[s * P.dim + j]! - m[j]!) ** 2 / Math.max(1, P.count - 1);
    return { mean: unflattenDense(m, shapes), sd: unflattenDense(Float64Array.from(v, Math.sqrt), shapes) };
  }
  const mean = mfSample(net.theta, net.layout, null);
  const sd = mfSds(net.theta, net.layout);
  if (net.block) {
    const mo = net.block.family.moments(k, net.block.params);
    mean.push(...unflattenDense(mo.mean, net.block.shapes));
    sd.push(...unflattenDense(mo.sd, net.block.shapes));
  }
  return { mean, sd };
}

/** The serialisable posterior (what bundles and run artifacts store). */
export interface SerialisedNet {
  format: 'elbo-studio.bnn-net.v1';
  sizes: number[];
  activation: Activation;
  head: Head;
  form: PosteriorForm;
  mfCount: number;
  theta: number[];
  block: SavedPosterior | null;
  particles: { count: number; dim: number; values: number[]; noise: boolean } | null;
  noiseSd: number | null;
}

export function serialiseNet(net: BnnNet): SerialisedNet {
  return {
    format: 'elbo-studio.bnn-net.v1',
    sizes: net.sizes.slice(),
    activation: net.activation,
    head: net.head,
    form: net.form,
    mfCount: net.mfCount,
    theta: Array.from(net.theta),
    block: net.block ? savePosterior(net.block.family, net.block.params) : null,
    particles: net.particles
      ? {
          count: net.particles.count,
          dim: net.particles.dim,
          values: Array.from(net.particles.values),
          noise: net.particles.noise,
        }
      : null,
    noiseSd: net.noiseSd,
  };
}

/** Rebuild a net (its block family from spec.family) from serialiseNet's output, checking shapes. */
export function deserialiseNet(s: SerialisedNet, spec: BnnSpec): BnnNet {
  if (s.format !== 'elbo-studio.bnn-net.v1')
    throw new Error(
      `Expected a BNN posterior in format elbo-studio.bnn-net.v1, got ${String(s.format)}; export the model again.`,
    );
  const layout = mfLayout(s.sizes, s.mfCount);
  if (s.theta.length !== layout.size)
    throw new Error(
      `The mean-field parameters have ${s.theta.length} values, expected ${layout.size} for layers [${s.sizes.join(', ')}]; the file is corrupt.`,
    );
  let block: Block | null = null;
  if (s.block) {
    const shapes = layerShapes(s.sizes, s.mfCount);
    // The family's unconstrained scale parameters are offset by softplus⁻¹(initScale): rebuild with the same initScale.
    const family = makeFamily(spec.family, blockDim(shapes), { form: 'global', initScale: spec.initScale });
    block = { family, params: loadPosterior(family, s.block), shapes, dim: blockDim(shapes) };
  }
  return {
    sizes: s.sizes,
    activation: s.activation,
    head: s.head,
    form: s.form,
    mfCount: s.mfCount,
    layout,
    theta: Float64Array.from(s.theta),
    block,
    particles: s.particles ? { ...s.particles, values: Float64Array.from(s.particles.values) } : null,
    noiseSd: s.noiseSd,
  };
}

/** Free the tfjs variables of a net's block (the rest is plain memory). */
export function disposeNet(net: BnnNet): void {
  if (net.block) disposeParams(net.block.params);
}

/** Block variables' current values (for early-stopping snapshots). */
export function snapshotBlock(block: Block | null): Record<string, Float32Array> | null {
  if (!block) return null;
  const out: Record<string, Float32Array> = {};
  for (const [n, v] of Object.entries(block.params)) out[n] = Float32Array.from(v.dataSync());
  return out;
}

export function restoreBlock(block: Block | null, snap: Record<string, Float32Array> | null): void {
  if (!block || !snap) return;
  for (const [n, v] of Object.entries(block.params)) tf.tidy(() => v.assign(tf.tensor(snap[n]!, v.shape)));
}

export { softplus };
