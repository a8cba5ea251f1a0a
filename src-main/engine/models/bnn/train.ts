/**
 * Training a BNN by stochastic variational inference (or SVGD), on prepared data.
 *
 * Objective (Blundell et al. 2015, eq. 1 and 8; minibatch weight 1/N per datum, as Graves 2011): for a minibatch
 * b ⊂ {1..N} of size B, the per-datum loss is
 *   ℓ(φ) = −(1/B) Σ_{i∈b} E_q[log p(y_i | x_i, w)] + KL(q_φ(w) ‖ p(w)) / N,
 * so N·E_b[ℓ] = −ELBO: the KL enters once per epoch however the rows are batched (`elboTerms` exposes both terms).
 * Mean-field layers use the local reparameterisation trick (kernel.ts); block families (full-rank / low-rank last
 * layer, flows) sample their weights from the engine family; the noise sd σ of a Gaussian likelihood is learned by
 * maximising the same ELBO (type-II maximum likelihood) unless fixed. SVGD (Liu & Wang 2016, §5 "Bayesian neural
 * network") moves N particles, whole networks plus log σ, along the engine's svgdDirection with the score
 *   ∇ log p(w | D) ≈ ∇ log p(w) + (N/B) Σ_{i∈b} ∇ log p(y_i | x_i, w).
 *
 * Validation split and early stopping: a seeded share of the training rows is held out; after every epoch the
 * validation log predictive density (20 weight draws, fixed key) is computed; training stops after `patience` epochs
 * without improvement and the best parameters are restored. Keys: key(seed) → init, split, shuffle, noise, eval.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { BnnSpec } from '../../../../src-shared/schemas/bnn-spec';
import { createVariables } from '../../families/params';
import type { ParticleFamily } from '../../families/particles';
import { SvgdTrainable, type SvgdScore } from '../../inference/svgd';
import type { Convergence } from '../../diagnostics/convergence';
import { TrainLoop, runLoop, type StepOutcome, type Trainable } from '../../inference/train-loop';
import {
  FlatOptimiser,
  Optimiser,
  globalNorm,
  optimiserFromSpec,
  vectorNorm,
  type OptimiserConfig,
} from '../../optim/optimisers';
import { bnnSpecProblems } from '../../../../src-shared/schemas/spec-checks';
import type { Key } from '../../rng';
import { fold, key, normal, permutation, split } from '../../rng';
import { blockDim, blockLoss, makeBlock } from './block';
import type { BnnData } from './data';
import { BnnInputError } from './data';
import type { Head } from './kernel';
import {
  denseBackward,
  denseForward,
  headLoss,
  inverseSoftplus,
  logPrior,
  mfBackward,
  mfForward,
  mfInit,
  mfKl,
  mfLayout,
  mfOutput,
  sigmoid,
  softplus,
  unflattenDense,
} from './kernel';
import type { BnnModel, BnnNet, PosteriorForm } from './model';
import { layerShapes, restoreBlock, snapshotBlock } from './model';
import type { BnnMetrics } from './predict';
import { bnnMetrics, predictDraws, takeRows } from './predict';
import { makeFamily } from '../../families/index';
import type { GradVarianceArtifact, GradVarianceCheckpoint } from '../../../../src-shared/domain/grad-variance';
import {
  gradVarianceCheckpoint,
  gradVarianceSchedule,
  gradientDrawStats,
  type GradDraw,
} from '../../diagnostics/grad-variance';

export interface BnnCallbacks {
  /** After every step: minibatch loss ℓ (per datum, nats; NaN for a skipped step). */
  onStep?(p: { step: number; epoch: number; totalSteps: number; loss: number }): void;
  /** After every epoch: mean loss over its steps, validation log-likelihood per row (standardised units) or null. */
  onEpoch?(p: { epoch: number; loss: number; valLogLik: number | null; noiseSd: number | null; seconds: number }): void;
  /** Checked before every step; true stops training (the best parameters so far are kept). */
  shouldStop?(): boolean;
  /**
   * Measure the gradient's variance and SNR per layer and role with `repeats` draws on a fixed minibatch of training
   * rows at epoch checkpoints (≤ ~10 % of the steps' work; diagnostics/grad-variance.ts). Mean-field and block
   * posteriors only: SVGD moves particles along a kernelised direction, not a stochastic gradient estimator.
   */
  gradientVariance?: { repeats: number };
}

export interface BnnTrainResult {
  model: BnnModel;
  stopped: boolean;
  earlyStopped: boolean;
  epochs: number;
  bestEpoch: number;
  steps: number;
  seconds: number;
  nonFiniteSteps: number;
  /** The per-epoch smoothed bound (−loss): converged or still improving; null for SVGD (no bound). */
  convergence: Convergence | null;
  /** The run ended because the bound had converged (training.convergence.stopWhenConverged). */
  convergedStop: boolean;
  history: { epoch: number[]; loss: number[]; valLogLik: Array<number | null> };
  /** Metrics on data.testRows (null without a test split). */
  test: BnnMetrics | null;
  /** Gradient variance per layer at checkpoints (with `cb.gradientVariance`, not SVGD), else null. */
  gradVariance: GradVarianceArtifact | null;
}

const VAL_SAMPLES = 20;

/** The posterior form and the number of mean-field layers a spec means for layer widths `sizes`. */
export function posteriorLayout(spec: BnnSpec, sizes: number[]): { form: PosteriorForm; mfCount: number } {
  const L = sizes.length - 1;
  switch (spec.family.kind) {
    case 'meanfield':
      return { form: 'meanfield', mfCount: L };
    case 'svgd':
      return { form: 'svgd', mfCount: 0 };
    case 'fullrank':
    case 'lowrank':
      return { form: 'block', mfCount: L - 1 };
    default: {
      const total = blockDim(layerShapes(sizes));
      return { form: 'block', mfCount: total <= spec.flowMaxWeights ? 0 : L - 1 };
    }
  }
}

function gatherRows(x: Float32Array, d: number, rows: ArrayLike<number>): Float64Array {
  return takeRows(x, d, rows);
}

/**
 * The two terms of the minibatch objective for the mean-field posterior, per datum: −E[log p(y|x,w)]/B (one LRT
 * draw) and KL/N, with KL itself. For tests of the KL scaling and for diagnostics.
 */
export function elboTerms(
  net: BnnNet,
  xb: Float64Array,
  yb: ArrayLike<number>,
  B: number,
  N: number,
  prior: BnnSpec['prior'],
  k: Key,
): { nllPerDatum: number; klPerDatum: number; kl: number; loss: number } {
  if (net.form !== 'meanfield') throw new Error(`elboTerms covers the meanfield form, got ${net.form}`);
  const cache = mfForward(net.theta, net.layout, xb, B, net.activation, true, fold(k, 0));
  const hr = headLoss(mfOutput(cache, xb), yb, B, net.head, net.noiseSd ?? 1);
  const grad = new Float64Array(net.layout.size);
  const kl = mfKl(net.theta, net.layout, prior, fold(k, 1), 1 / N, grad);
  const nllPerDatum = -hr.loglik / B;
  return { nllPerDatum, klPerDatum: kl / N, kl, loss: nllPerDatum + kl / N };
}

/** The training aids of a BNN spec: the one place they are read from it (run-spec `training`; a BNN uses β). */
export function bnnTrainingAids(spec: BnnSpec): { beta: number; estimator: 'reparam' | 'score' } {
  return { beta: spec.training.beta, estimator: spec.training.estimator };
}

/** The optimiser of a BNN spec (the one place it is read): its schedule runs over all the run's steps. */
export function bnnOptimiser(spec: BnnSpec, totalSteps: number): OptimiserConfig {
  return optimiserFromSpec(spec.optimiser, totalSteps);
}

/** Train on data.trainRows (validation carved from them) and evaluate on data.testRows. */
export async function trainBnn(data: BnnData, spec: BnnSpec, cb: BnnCallbacks = {}): Promise<BnnTrainResult> {
  // What a BNN cannot train or would ignore (spec-checks.ts, also refused by bnnSpecSchema).
  const problem = bnnSpecProblems(spec)[0];
  if (problem)
    throw new BnnInputError('unsupported', `${problem.field}: ${problem.message}`, 'Change the setting named above.');
  if (spec.objective.kind !== 'elbo') throw new Error('unreachable');
  /** KL weight β (1 = the ELBO; Higgins et al. 2017 style tempering otherwise). */
  const beta = bnnTrainingAids(spec).beta;
  const t0 = performance.now();
  const S = spec.objective.samples;
  const head: Head =
    data.task === 'classification' ? 'categorical' : spec.noise === 'heteroscedastic' ? 'heteroscedastic' : 'gaussian';
  const outDim = head === 'categorical' ? data.classes.length : head === 'heteroscedastic' ? 2 : 1;
  const sizes = [data.d, ...spec.hidden, outDim];
  const act = spec.activation;
  const sy = data.transform.target.kind === 'numeric' ? data.transform.target.std : 1;
  let fixedSigma: number | null = null;
  let initSigma = 0.5;
  if (head === 'gaussian') {
    if (spec.noise === 'fixed') {
      if (spec.noiseScale === undefined)
        throw new BnnInputError(
          'unsupported',
          'Noise "fixed" needs noiseScale (the noise sd in the target\'s units); none was given',
          'Set noiseScale, or choose noise "learned".',
        );
      fixedSigma = spec.noiseScale / sy;
    } else if (spec.noiseScale !== undefined) initSigma = spec.noiseScale / sy;
  }
  const learnNoise = head === 'gaussian' && fixedSigma === null;
  const [kInit, kSplit, kShuffle, kNoise, kEval] = split(key(spec.seed), 5) as [Key, Key, Key, Key, Key];

  // Validation rows from the training rows.
  const all = data.trainRows;
  let nVal = spec.validationFraction > 0 ? Math.max(1, Math.round(all.length * spec.validationFraction)) : 0;
  if (all.length - nVal < 2) nVal = 0;
  const perm = permutation(kSplit, all.length);
  const valRows = Int32Array.from(perm.subarray(0, nVal), (i) => all[i]!).sort();
  const fitRows = Int32Array.from(perm.subarray(nVal), (i) => all[i]!).sort();
  const N = fitRows.length;
  const xFit = gatherRows(data.x, data.d, fitRows);
  const yFit = Float64Array.from(fitRows, (r) => data.y[r]!);
  const xVal = nVal ? gatherRows(data.x, data.d, valRows) : null;
  const yValRaw = nVal ? Float64Array.from(valRows, (r) => data.yRaw[r]!) : null;
  const B = Math.min(spec.batchSize, N);
  const stepsPerEpoch = Math.ceil(N / B);
  const totalSteps = stepsPerEpoch * spec.epochs;

  const { form, mfCount } = posteriorLayout(spec, sizes);
  const layout = mfLayout(sizes, form === 'svgd' ? 0 : mfCount);
  const params = new Float64Array(layout.size + 1); // mean-field θ, then ρ of the noise sd
  params.set(mfInit(layout, fold(kInit, 0), spec.initScale, act));
  params[layout.size] = inverseSoftplus(initSigma);
  const theta = params.subarray(0, layout.size);
  const optConfig = bnnOptimiser(spec, totalSteps);
  const flat = new FlatOptimiser(optConfig, params.length);

  const net: BnnNet = {
    sizes,
    activation: act,
    head,
    form,
    mfCount: layout.layers.length,
    layout,
    theta,
    block: null,
    particles: null,
    noiseSd: head === 'gaussian' ? (fixedSigma ?? initSigma) : null,
  };
  let blockOpt: Optimiser | null = null;
  let noiseVar: tf.Variable | null = null;
  let particleFamily: ParticleFamily | null = null;
  let particleVars: Record<string, tf.Variable> | null = null;
  let particleOpt: Optimiser | null = null;
  const shapesAll = layerShapes(sizes);
  const Dall = blockDim(shapesAll);

  if (form === 'block') {
    net.block = makeBlock(spec.family, layerShapes(sizes, mfCount), fold(kInit, 1), spec.initScale, act);
    const vars = { ...net.block.params };
    if (learnNoise) {
      noiseVar = tf.tidy(() => tf.variable(tf.scalar(inverseSoftplus(initSigma)), true));
      vars['noise.rho'] = noiseVar;
    }
    blockOpt = new Optimiser(optConfig, vars);
  } else if (form === 'svgd') {
    if (spec.family.kind !== 'svgd') throw new Error('unreachable');
    const count = spec.family.particles;
    const dim = Dall + (learnNoise ? 1 : 0);
    particleFamily = makeFamily(spec.family, dim) as ParticleFamily;
    const init = new Float32Array(count * dim);
    for (let p = 0; p < count; p++) {
      const kp = fold(kInit, 100 + p);
      let off = 0;
      shapesAll.forEach((s, l) => {
        const z = normal(fold(kp, l), s.I * s.O);
        const sc = Math.sqrt((act === 'relu' ? 2 : 1) / s.I);
        for (let i = 0; i < s.I * s.O; i++) init[p * dim + off + i] = sc * z[i]!;
        off += s.I * s.O + s.O;
      });
      if (learnNoise) init[p * dim + dim - 1] = Math.log(initSigma);
    }
    particleVars = createVariables({ particles: [count, dim] }, { particles: init });
    particleOpt = new Optimiser(optConfig, particleVars);
    net.particles = { count, dim, values: Float64Array.from(init), noise: learnNoise };
  }

  const syncNet = (): void => {
    if (learnNoise && form === 'meanfield') net.noiseSd = softplus(params[layout.size]!);
    if (learnNoise && form === 'block' && noiseVar) net.noiseSd = softplus(noiseVar.dataSync()[0]!);
    if (form === 'svgd' && particleVars) net.particles!.values = Float64Array.from(particleVars.particles!.dataSync());
  };

  const evaluateVal = (): number | null => {
    if (!xVal || !yValRaw) return null;
    syncNet();
    const draws = predictDraws(net, xVal, nVal, { samples: VAL_SAMPLES, key: kEval });
    const m = bnnMetrics(draws, data.transform, yValRaw);
    return m.logLik + (m.task === 'regression' ? Math.log(sy) : 0);
  };

  const grad = new Float64Array(params.length);
  const history: BnnTrainResult['history'] = { epoch: [], loss: [], valLogLik: [] };
  const xb = new Float64Array(B * data.d);
  const yb = new Float64Array(B);
  /** Rows of the current minibatch (set by the trainable before each form's step). */
  let rows = B;

  /** The mean-field part of a gradient as named draws: per layer, means and scales (ρ) of weights and biases. */
  const mfDraw = (g: Float64Array, out: GradDraw): GradDraw => {
    layout.layers.forEach((l, i) => {
      out[`layer ${i + 1}.mean.w`] = g.subarray(l.wMu, l.wMu + l.I * l.O);
      out[`layer ${i + 1}.mean.b`] = g.subarray(l.bMu, l.bMu + l.O);
      out[`layer ${i + 1}.scale.w`] = g.subarray(l.wRho, l.wRho + l.I * l.O);
      out[`layer ${i + 1}.scale.b`] = g.subarray(l.bRho, l.bRho + l.O);
    });
    return out;
  };

  /** Mean-field layers in float64 (kernel.ts): LRT draws, hand-written backward, the flat optimiser. */
  const mfStep = (k: Key, sink?: (d: GradDraw) => void): StepOutcome => {
    grad.fill(0);
    const xs = rows === B ? xb : xb.subarray(0, rows * data.d);
    const ys = rows === B ? yb : yb.subarray(0, rows);
    const sigma = head === 'gaussian' ? (fixedSigma ?? softplus(params[layout.size]!)) : 1;
    let ll = 0;
    for (let s = 0; s < S; s++) {
      const cache = mfForward(params, layout, xs, rows, act, true, fold(k, s));
      const hr = headLoss(mfOutput(cache, xs), ys, rows, head, sigma);
      ll += hr.loglik;
      const sc = 1 / (rows * S);
      for (let j = 0; j < hr.gOut.length; j++) hr.gOut[j]! *= sc;
      mfBackward(params, layout, cache, hr.gOut, act, grad, false);
      if (learnNoise) grad[layout.size]! += hr.gSigma * sc * sigmoid(params[layout.size]!);
    }
    const kl = mfKl(params, layout, spec.prior, fold(k, 0xfff), beta / N, grad);
    sink?.(mfDraw(grad, learnNoise ? { noise: grad.subarray(layout.size, layout.size + 1) } : {}));
    const norm = vectorNorm(grad);
    return {
      loss: -ll / (rows * S) + (beta * kl) / N,
      gradNorm: norm,
      commit: () => flat.apply(params, grad, norm),
      discard: () => {},
    };
  };

  /** A block posterior (engine family, tfjs) over the last layers, mean-field float64 layers below it. */
  const blockStep = (k: Key, sink?: (d: GradDraw) => void): StepOutcome => {
    const block = net.block!;
    const xs = xb.subarray(0, rows * data.d);
    const ys = yb.subarray(0, rows);
    grad.fill(0);
    const cache = layout.layers.length ? mfForward(params, layout, xs, rows, act, false, fold(k, 1)) : null;
    const h = cache ? mfOutput(cache, xs) : xs;
    const I = cache ? sizes[mfCount]! : data.d;
    const hT = tf.tensor2d(Float32Array.from(h), [rows, I]);
    const hVar = tf.variable(hT, true);
    hT.dispose();
    const yT = tf.tensor1d(Float32Array.from(ys));
    const varList: tf.Variable[] = [...Object.values(block.params), ...(noiseVar ? [noiseVar] : []), hVar];
    const named: Record<string, tf.Tensor> = {};
    const owned: tf.Tensor[] = [];
    try {
      const { value, grads } = tf.variableGrads(() => {
        const sigma = noiseVar ? tf.add(tf.softplus(noiseVar), 1e-6) : (fixedSigma ?? 1);
        return blockLoss(block, block.params, hVar, yT, fold(k, 2), {
          S,
          N,
          klWeight: beta,
          head,
          sigma,
          prior: spec.prior,
          activation: act,
        }).loss;
      }, varList);
      let loss = value.dataSync()[0]!;
      value.dispose();
      owned.push(...Object.values(grads));
      const gradOf = (v: tf.Variable): tf.Tensor => {
        const g = grads[v.name];
        if (g) return g;
        const z = tf.zerosLike(v);
        owned.push(z);
        return z;
      };
      for (const [n, v] of Object.entries(block.params)) named[n] = gradOf(v);
      if (noiseVar) named['noise.rho'] = gradOf(noiseVar);
      const gH = grads[hVar.name];
      const blockNorm = globalNorm(named);
      let mfNorm = 0;
      const mf = cache && gH && Number.isFinite(loss) && Number.isFinite(blockNorm);
      if (mf) {
        mfBackward(params, layout, cache, Float64Array.from(gH.dataSync()), act, grad, false);
        loss += (beta * mfKl(params, layout, spec.prior, fold(k, 3), beta / N, grad)) / N;
        mfNorm = vectorNorm(grad);
      }
      if (sink) {
        const d: GradDraw = {};
        for (const [n, g] of Object.entries(named)) d[n === 'noise.rho' ? 'noise' : `block/${n}`] = g.dataSync();
        sink(mf ? mfDraw(grad, d) : d);
      }
      return {
        loss,
        gradNorm: Math.hypot(blockNorm, mfNorm),
        // Each part clipped by its own norm, as two optimisers over disjoint parameters.
        commit: () => {
          if (mf) flat.apply(params, grad, mfNorm);
          blockOpt!.apply(named, blockNorm);
          tf.dispose(owned);
        },
        discard: () => tf.dispose(owned),
      };
    } catch (e) {
      tf.dispose(owned);
      throw e;
    } finally {
      hVar.dispose();
      yT.dispose();
    }
  };

  /** SVGD's score per network (Liu & Wang 2016, §5): ∇ log p(w) + (N/B) Σ_b ∇ log p(y_b | x_b, w), in float64. */
  const svgdScore: SvgdScore = (P) => {
    const { count, dim } = net.particles!;
    const vals = P.dataSync();
    const score = new Float32Array(count * dim);
    const xs = xb.subarray(0, rows * data.d);
    const ys = yb.subarray(0, rows);
    const scale = N / rows;
    let llTotal = 0;
    for (let p = 0; p < count; p++) {
      const row = vals.subarray(p * dim, (p + 1) * dim);
      const layers = unflattenDense(row, shapesAll);
      const sigma = learnNoise ? Math.exp(row[dim - 1]!) : (fixedSigma ?? 1);
      const outs = denseForward(layers, xs, rows, act, true);
      const hr = headLoss(outs[outs.length - 1]!, ys, rows, head, sigma);
      llTotal += hr.loglik;
      const g = denseBackward(layers, xs, outs, rows, hr.gOut, act, true);
      let off = p * dim;
      for (const G of g) {
        for (let i = 0; i < G.W.length; i++, off++)
          score[off] = -scale * G.W[i]! + beta * logPrior(row[off - p * dim]!, spec.prior).dlp;
        for (let i = 0; i < G.b.length; i++, off++)
          score[off] = -scale * G.b[i]! + beta * logPrior(row[off - p * dim]!, spec.prior).dlp;
      }
      if (learnNoise) score[p * dim + dim - 1] = -scale * hr.gSigma * sigma - row[dim - 1]!; // log σ ~ N(0, 1)
    }
    return { score: tf.tensor2d(score, [count, dim]), loss: -llTotal / (rows * count) };
  };
  const svgd =
    form === 'svgd'
      ? new SvgdTrainable({ family: particleFamily!, score: svgdScore, seed: spec.seed }, particleVars!, particleOpt!)
      : null;

  interface BnnSnap {
    params: Float64Array;
    block: Record<string, Float32Array> | null;
    noise: number | null;
    particles: Float32Array | null;
  }
  const trainable: Trainable<BnnSnap> = {
    step: ({ step, rows: idx }) => {
      rows = idx!.length;
      for (let i = 0; i < rows; i++) {
        const r = idx![i]!;
        xb.set(xFit.subarray(r * data.d, (r + 1) * data.d), i * data.d);
        yb[i] = yFit[r]!;
      }
      const k = fold(kNoise, step);
      if (form === 'svgd') return svgd!.step();
      // The loss is the negative ELBO per training row: its negative is the bound the loop smooths and checks.
      const out = form === 'meanfield' ? mfStep(k) : blockStep(k);
      return Object.assign(out, { bound: -out.loss });
    },
    snapshot: () => ({
      params: Float64Array.from(params),
      block: snapshotBlock(net.block),
      noise: noiseVar ? noiseVar.dataSync()[0]! : null,
      particles: svgd ? svgd.snapshot() : null,
    }),
    restore: (b) => {
      params.set(b.params);
      restoreBlock(net.block, b.block);
      if (noiseVar && b.noise !== null) tf.tidy(() => noiseVar!.assign(tf.scalar(b.noise!)));
      if (svgd && b.particles) svgd.restore(b.particles);
    },
  };

  // Gradient-variance checkpoints: R draws of the step's own gradient on a fixed, seeded minibatch of fit rows,
  // without an update (no commit: parameters and optimiser state untouched).
  const gv = form === 'svgd' ? undefined : cb.gradientVariance;
  const gvKey = fold(key(spec.seed), 0x9a7d);
  const gvRows = Int32Array.from(permutation(gvKey, N).subarray(0, B)).sort();
  const gvSchedule = gv
    ? gradVarianceSchedule({ units: spec.epochs, stepsPerUnit: stepsPerEpoch, repeats: gv.repeats, estimators: 1 })
    : null;
  const gvCheckpoints: GradVarianceCheckpoint[] = [];
  const measure = (epoch: number, step: number): void => {
    rows = gvRows.length;
    for (let i = 0; i < rows; i++) {
      const r = gvRows[i]!;
      xb.set(xFit.subarray(r * data.d, (r + 1) * data.d), i * data.d);
      yb[i] = yFit[r]!;
    }
    gvCheckpoints.push(
      gradVarianceCheckpoint(step, epoch, 'reparam', () =>
        gradientDrawStats(
          gv!.repeats,
          (r) => {
            let d: GradDraw = {};
            const k = fold(fold(gvKey, epoch), r);
            const o = form === 'meanfield' ? mfStep(k, (x) => (d = x)) : blockStep(k, (x) => (d = x));
            // Copy before the outcome releases its tensors (block) or the next draw reuses the buffer (mean-field).
            const copy: GradDraw = {};
            for (const [n, v] of Object.entries(d)) copy[n] = Float64Array.from(v);
            o.discard();
            return copy;
          },
          (n) => (n.startsWith('block/flow.') ? 'block.flow' : n.replace(/^block\//, 'block.').replace(/\.(w|b)$/, '')),
        ),
      ),
    );
  };

  try {
    const loop = new TrainLoop(trainable, {
      epochs: spec.epochs,
      batches: { n: N, batchSize: B, shuffleKey: kShuffle },
      learningRate: optConfig.learningRate,
      convergence: spec.training.convergence,
      evaluate: (epoch, l) => {
        const score = evaluateVal();
        if (gvSchedule?.isCheckpoint(epoch)) measure(epoch, l.step);
        return score;
      },
      earlyStopping: { patience: spec.patience, restoreBest: true },
      shouldStop: cb.shouldStop,
      onStep: (r) =>
        cb.onStep?.({ step: r.step + 1, epoch: r.epoch, totalSteps, loss: r.skipped ? Number.NaN : r.loss }),
      onEpoch: (e) => {
        history.epoch.push(e.epoch);
        history.loss.push(e.meanLoss);
        history.valLogLik.push(e.score);
        cb.onEpoch?.({
          epoch: e.epoch,
          loss: e.meanLoss,
          valLogLik: e.score,
          noiseSd: net.noiseSd === null ? null : net.noiseSd * sy,
          seconds: e.seconds,
        });
      },
    });
    const summary = await runLoop(loop);
    syncNet();
    net.theta = Float64Array.from(theta);
    const model: BnnModel = { spec, transform: data.transform, net };
    let test: BnnMetrics | null = null;
    if (data.testRows.length > 0) {
      const xt = gatherRows(data.x, data.d, data.testRows);
      const draws = predictDraws(net, xt, data.testRows.length, {
        samples: spec.predictiveSamples,
        key: fold(kEval, 1),
      });
      test = bnnMetrics(
        draws,
        data.transform,
        Float64Array.from(data.testRows, (r) => data.yRaw[r]!),
      );
    }
    return {
      model,
      stopped: summary.stopped,
      earlyStopped: summary.earlyStopped,
      epochs: summary.epochs,
      bestEpoch: summary.bestEpoch,
      steps: summary.steps,
      seconds: (performance.now() - t0) / 1000,
      nonFiniteSteps: summary.nonFiniteSteps,
      convergence: summary.convergence,
      convergedStop: summary.convergedStop,
      history,
      test,
      gradVariance: gv
        ? {
            model: 'bnn',
            estimator: 'reparam',
            repeats: gv.repeats,
            rows: gvRows.length,
            rowsFrom: 'training',
            checkpoints: gvCheckpoints,
            overheadShare: (() => {
              const total = summary.epochSeconds.reduce((x, y) => x + y, 0);
              return total > 0 ? gvCheckpoints.reduce((x, c) => x + c.seconds, 0) / total : null;
            })(),
          }
        : null,
    };
  } catch (e) {
    if (net.block) for (const v of Object.values(net.block.params)) v.dispose();
    throw e;
  } finally {
    blockOpt?.dispose();
    noiseVar?.dispose();
    particleOpt?.dispose();
    if (particleVars) for (const v of Object.values(particleVars)) v.dispose();
  }
}
