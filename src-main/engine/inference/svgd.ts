/**
 * Stein variational gradient descent (Liu & Wang 2016): particles x_1..x_N [N, D] move along
 *   φ(x_i) = (1/N) Σ_j [ k(x_j, x_i) ∇ log p(x_j) + ∇_{x_j} k(x_j, x_i) ],
 * the steepest direction in the unit ball of the kernel's RKHS that decreases KL(q ‖ p). Kernels:
 *   RBF  k = exp(−‖x − y‖² / h),           h = med² / log(N + 1)   (median heuristic, Liu & Wang 2016 §5);
 *   IMQ  k = (1 + ‖x − y‖² / h)^(−1/2),    h = med²               (Gorham & Mackey 2017).
 * Steps use Adam on −φ (the paper used AdaGrad); every quantity is deterministic given the initial particles.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { Key } from '../rng.js';
import { key } from '../rng.js';
import type { ParticleFamily, SvgdKernel } from '../families/particles.js';
import type { VariableMap } from '../families/params.js';
import { disposeParams, need } from '../families/params.js';
import type { OptimiserConfig } from '../optim/optimisers.js';
import { Optimiser } from '../optim/optimisers.js';

/** Median of the off-diagonal pairwise squared distances, from [N, N] values. */
function medianSq(d2: Float32Array | Float64Array, N: number): number {
  const vals: number[] = [];
  for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) vals.push(d2[i * N + j]!);
  vals.sort((a, b) => a - b);
  const m = vals.length ? vals[Math.floor(vals.length / 2)]! : 1;
  return Math.max(m, 1e-6);
}

/** The SVGD direction φ [N, D] for particles x [N, D] and scores ∇log p(x) [N, D]. */
export function svgdDirection(x: tf.Tensor, score: tf.Tensor, kernel: SvgdKernel): { phi: tf.Tensor; bandwidth: number } {
  const N = x.shape[0]!;
  const sq = tf.sum(tf.square(x), 1, true); // [N, 1]
  const d2 = tf.relu(tf.sub(tf.add(sq, tf.transpose(sq)), tf.mul(2, tf.matMul(x, x, false, true))));
  const med = medianSq(d2.dataSync() as Float32Array, N);
  let K: tf.Tensor;
  let G: tf.Tensor; // weights of the repulsive term: Σ_j G_ij (x_i − x_j)
  let h: number;
  if (kernel === 'rbf') {
    h = med / Math.log(N + 1);
    K = tf.exp(tf.div(tf.neg(d2), h));
    G = tf.mul(K, 2 / h);
  } else {
    h = med;
    const base = tf.add(1, tf.div(d2, h));
    K = tf.pow(base, -0.5);
    G = tf.mul(tf.pow(base, -1.5), 1 / h);
  }
  const drive = tf.matMul(K, score);
  const repulse = tf.sub(tf.mul(x, tf.sum(G, 1, true)), tf.matMul(G, x));
  return { phi: tf.div(tf.add(drive, repulse), N), bandwidth: h };
}

export interface SvgdConfig {
  family: ParticleFamily;
  /** log p(θ [N, D]) → [N] (a GlobalModel's logJoint). */
  logProb: (theta: tf.Tensor) => tf.Tensor;
  optimiser?: OptimiserConfig;
  seed: number;
  /** Start from these particles instead of the family's initialisation. */
  initialParams?: VariableMap;
}

export interface SvgdState {
  readonly config: SvgdConfig;
  readonly params: VariableMap;
  readonly optimiser: Optimiser;
  readonly key: Key;
  step: number;
  lastPhiNorm: number;
  lastBandwidth: number;
}

export function svgdInit(config: SvgdConfig): SvgdState {
  const k = key(config.seed);
  const params = config.initialParams ?? config.family.init(k);
  return {
    config,
    params,
    optimiser: new Optimiser(config.optimiser ?? { kind: 'adam', learningRate: 0.05 }, params),
    key: k,
    step: 0,
    lastPhiNorm: NaN,
    lastBandwidth: NaN,
  };
}

/** One SVGD update; returns ‖φ‖ (mean over particles) and skips the update if φ is not finite. */
export function svgdStep(state: SvgdState): { step: number; phiNorm: number; bandwidth: number; skipped: boolean } {
  const x = need(state.params, 'particles');
  let bandwidth = NaN;
  const phi = tf.tidy(() => {
    const score = tf.grad((t: tf.Tensor) => tf.sum(state.config.logProb(t)))(x);
    const r = svgdDirection(x, score, state.config.family.kernel);
    bandwidth = r.bandwidth;
    return tf.neg(r.phi);
  });
  const nT = tf.tidy(() => tf.mean(tf.sqrt(tf.sum(tf.square(phi), 1))));
  const phiNorm = nT.dataSync()[0]!;
  nT.dispose();
  const step = state.step++;
  const skipped = !Number.isFinite(phiNorm);
  if (!skipped) state.optimiser.apply({ particles: phi });
  phi.dispose();
  state.lastPhiNorm = phiNorm;
  state.lastBandwidth = bandwidth;
  return { step, phiNorm, bandwidth, skipped };
}

export function svgdRun(state: SvgdState, steps: number, onProgress?: (r: { step: number; phiNorm: number }) => void, every = 50): void {
  for (let i = 0; i < steps; i++) {
    const r = svgdStep(state);
    if (onProgress && (r.step % every === 0 || i === steps - 1)) onProgress(r);
  }
}

export function svgdDispose(state: SvgdState): void {
  state.optimiser.dispose();
  disposeParams(state.params);
}
