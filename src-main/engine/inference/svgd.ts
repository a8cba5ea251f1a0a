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
import { key } from '../rng.js';
import type { ParticleFamily, SvgdKernel } from '../families/particles.js';
import type { VariableMap } from '../families/params.js';
import { need } from '../families/params.js';
import type { OptimiserConfig } from '../optim/optimisers.js';
import { Optimiser } from '../optim/optimisers.js';
import type { StepOutcome, VariableTrainable } from './train-loop.js';
import { Stepper } from './train-loop.js';

/** Median of the off-diagonal pairwise squared distances, from [N, N] values. */
function medianSq(d2: Float32Array | Float64Array, N: number): number {
  const vals: number[] = [];
  for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) vals.push(d2[i * N + j]!);
  vals.sort((a, b) => a - b);
  const m = vals.length ? vals[Math.floor(vals.length / 2)]! : 1;
  return Math.max(m, 1e-6);
}

/** The SVGD direction φ [N, D] for particles x [N, D] and scores ∇log p(x) [N, D]. */
export function svgdDirection(
  x: tf.Tensor,
  score: tf.Tensor,
  kernel: SvgdKernel,
): { phi: tf.Tensor; bandwidth: number } {
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

/** ∇ log p at the particles x [N, D] → [N, D], and a loss to report (e.g. −mean log-likelihood; NaN if none). */
export type SvgdScore = (x: tf.Tensor) => { score: tf.Tensor; loss: number };

export interface SvgdConfig {
  family: ParticleFamily;
  /** log p(θ [N, D]) → [N] (a GlobalModel's logJoint); its gradient is the score unless `score` is given. */
  logProb?: (theta: tf.Tensor) => tf.Tensor;
  /** The score computed elsewhere (the BNN's float64 kernel); takes precedence over logProb. */
  score?: SvgdScore;
  optimiser?: OptimiserConfig;
  seed: number;
  /** Start from these particles instead of the family's initialisation. */
  initialParams?: VariableMap;
}

/**
 * SVGD as a step function on the one loop: the step computes −φ (a descent direction) and its mean per-particle
 * norm; commit hands −φ to the optimiser. The reported loss is the score's (or the mean ‖φ‖ when it has none).
 */
export class SvgdTrainable implements VariableTrainable<Float32Array> {
  lastPhiNorm = NaN;
  lastBandwidth = NaN;

  constructor(
    readonly config: SvgdConfig,
    readonly params: VariableMap,
    readonly optimiser: Optimiser,
  ) {}

  private scoreOf(x: tf.Tensor): { score: tf.Tensor; loss: number } {
    if (this.config.score) return this.config.score(x);
    const logProb = this.config.logProb;
    if (!logProb) throw new Error("SVGD needs logProb or score; pass the model's logJoint as logProb.");
    return { score: tf.grad((t: tf.Tensor) => tf.sum(logProb(t)))(x), loss: NaN };
  }

  step(): StepOutcome {
    const x = need(this.params, 'particles');
    let bandwidth = NaN;
    let loss = NaN;
    const phi = tf.tidy(() => {
      const s = this.scoreOf(x);
      loss = s.loss;
      const r = svgdDirection(x, s.score, this.config.family.kernel);
      bandwidth = r.bandwidth;
      return tf.neg(r.phi);
    });
    const nT = tf.tidy(() => tf.mean(tf.sqrt(tf.sum(tf.square(phi), 1))));
    const phiNorm = nT.dataSync()[0]!;
    nT.dispose();
    this.lastPhiNorm = phiNorm;
    this.lastBandwidth = bandwidth;
    return {
      loss: Number.isNaN(loss) && !this.config.score ? phiNorm : loss,
      gradNorm: phiNorm,
      commit: () => {
        this.optimiser.apply({ particles: phi });
        phi.dispose();
      },
      discard: () => phi.dispose(),
    };
  }

  snapshot(): Float32Array {
    return Float32Array.from(need(this.params, 'particles').dataSync());
  }
  restore(s: Float32Array): void {
    const p = need(this.params, 'particles') as tf.Variable;
    tf.tidy(() => p.assign(tf.tensor(s, p.shape)));
  }
}

export function svgdTrainable(config: SvgdConfig): SvgdTrainable {
  const params = config.initialParams ?? config.family.init(key(config.seed));
  return new SvgdTrainable(
    config,
    params,
    new Optimiser(config.optimiser ?? { kind: 'adam', learningRate: 0.05 }, params),
  );
}

/** SVGD driven one step at a time (tests, benchmarks). */
export class SvgdState extends Stepper<SvgdTrainable, Float32Array> {
  constructor(trainable: SvgdTrainable) {
    super(trainable, { learningRate: trainable.optimiser.config.learningRate });
  }
}

export function svgdInit(config: SvgdConfig): SvgdState {
  return new SvgdState(svgdTrainable(config));
}

/** One SVGD update on the loop; returns ‖φ‖ (mean over particles); a non-finite φ is skipped and counted. */
export function svgdStep(state: SvgdState): { step: number; phiNorm: number; bandwidth: number; skipped: boolean } {
  const r = state.loop.advance()!;
  return {
    step: r.step,
    phiNorm: state.trainable.lastPhiNorm,
    bandwidth: state.trainable.lastBandwidth,
    skipped: r.skipped,
  };
}

export function svgdDispose(state: SvgdState): void {
  state.dispose();
}
