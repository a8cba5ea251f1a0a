/**
 * Honest evaluation of a fitted VAE on held-out rows — every figure from one set of rows and one set of K draws:
 *
 *   log-likelihood  log p(x_b) ≈ log (1/K) Σ_k w_kb,  log w_kb = log p(x_b, z_kb) − log q(z_kb|x_b),  z_kb ~ q(·|x_b)
 *                   (Burda et al. 2015, §5), K = 1,000 by default (≤ 5,000), computed by the engine's chunked
 *                   estimator (diagnostics/loglik.ts) over chunks of rows and draws, so memory stays bounded;
 *   ELBO            (1/K) Σ_k log w_kb on the same draws (β = 1), so ELBO_b ≤ log p̂(x_b) row by row;
 *   gap             log p̂(x) − ELBO, the inference gap (Cremer, Li & Duvenaud 2018: approximation + amortisation),
 *                   as a paired mean over rows with its standard error;
 *   PSIS k̂ per row  of the K importance ratios (Yao et al. 2018): k̂ > 0.7 means q(z|x_b) is too far from p(z|x_b)
 *                   for log p̂(x_b) to be trusted; the distribution and the share of rows above 0.5 and 0.7;
 *   KL per latent dimension  KL_d = mean_x KL(q(z_d|x) ‖ N(0, 1)) — exact for mean-field (it sums to the total
 *                   KL); for the other families the marginal of z_d is moment-matched by a Gaussian (flows: from
 *                   draws), so the bars show where the information sits but need not sum to the total KL, which
 *                   is then estimated by Monte Carlo, mean_s [log q(z_s|x) − log p(z_s)];
 *   active units    A_d = Cov_x(E_q[z_d | x]) > 0.01 (Burda et al. 2015, §5.2; diagnostics/latent.ts);
 *   collapse        every inactive dimension is named (and every one with KL < 0.01 nats); "collapsed" when more than
 *                   half are inactive, so the warning always agrees with the active-unit count;
 *   amortisation gap  for a sample of rows, q's per-row parameters η start at the encoder's output and are
 *                   refined by Adam on the ELBO with the decoder fixed; the gap is the mean ELBO gain
 *                   (Cremer, Li & Duvenaud 2018, "Inference Suboptimality in Variational Autoencoders").
 * Every mean carries its standard error over the evaluated rows (src-shared/stats).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { fold, key, permutation, split, type Key } from '../../rng';
import { importanceLogLikelihood } from '../../diagnostics/loglik';
import { activeUnits, klPerDimension } from '../../diagnostics/latent';
import type { TensorMap } from '../../families/params';
import { Optimiser, globalNorm } from '../../optim/optimisers';
import { TrainLoop, runLoop, type Trainable } from '../../inference/train-loop';
import { openVae, type VaeModel, type VaeSnapshot } from './model';
import { rowsTensor } from './train';
import { meanSe, pairedDifference, quantile } from '../../../../src-shared/stats/mean-se';
import type { VaeEvaluation, VaeLayerEvaluation } from '../../../../src-shared/domain/vae';
import { ladderKlPerDim } from './ladder';

export type { VaeEvaluation };
import type { PreparedVaeData } from './prepare';

export interface VaeEvalProgress {
  phase: 'loglik' | 'latent' | 'gap';
  /** Work done and total in this phase (rows, or draws × rows for the log-likelihood). */
  done: number;
  total: number;
}

export interface VaeEvalOptions {
  /** Importance samples per row (default 1,000; at most 5,000). */
  k?: number;
  /** Rows of the prepared matrix to evaluate (default: all). */
  rows?: readonly number[];
  /** Evaluate at most this many of them (a seeded sample; 0 = all; default 2,000). */
  maxRows?: number;
  seed?: number;
  /** Measure the amortisation gap on `gapRows` rows with `gapSteps` Adam steps (default off). */
  amortisationGap?: boolean;
  gapRows?: number;
  gapSteps?: number;
  gapLearningRate?: number;
  onProgress?(p: VaeEvalProgress): void;
  shouldStop?(): boolean;
}

export const MAX_EVAL_K = 5000;
/** Floats a log-weight chunk may hold (draws × rows × widest layer) before it is split further. */
const CHUNK_BUDGET = 4_000_000;
/** KL (nats) below which a latent dimension carries no information worth naming. */
export const NEGLIGIBLE_KL = 0.01;
/** Activity Cov_x(E[z_d|x]) above which a unit counts as active (Burda et al. 2015). */
export const ACTIVITY_THRESHOLD = 0.01;

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function readValues(fn: () => tf.Tensor): Float32Array {
  const t = tf.tidy(fn);
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

/**
 * Collapse verdict from the activities and KLs of the same rows: names every inactive dimension and every dimension
 * with negligible KL, so it always agrees with the active-unit count shown beside it.
 */
export function collapseVerdict(
  klPerDim: readonly number[],
  activity: readonly number[],
  threshold = ACTIVITY_THRESHOLD,
  /** Names of the dimensions (default z1, z2 …; a ladder's are z1.1 … z1.D₁, z2.1 …: layer, then dimension). */
  names: readonly string[] = [],
): VaeEvaluation['collapse'] {
  const dimName = (d: number): string => names[d] ?? `z${d + 1}`;
  const total = activity.length;
  const inactiveDims = activity.flatMap((a, d) => (a > threshold ? [] : [d]));
  const negligibleKlDims = klPerDim.flatMap((v, d) => (v < NEGLIGIBLE_KL ? [d] : []));
  const collapsed = inactiveDims.length > total / 2;
  let message: string | null = null;
  if (inactiveDims.length > 0 || negligibleKlDims.length > 0) {
    const active = total - inactiveDims.length;
    const parts: string[] = [];
    if (inactiveDims.length > 0) {
      parts.push(
        `${inactiveDims.length} of ${total} latent dimensions are inactive (${inactiveDims.map(dimName).join(', ')}: ` +
          `their posterior mean hardly varies across rows, Cov_x E[z|x] ≤ ${threshold}), so ${active} of ${total} units are active`,
      );
    }
    if (negligibleKlDims.length > 0) {
      parts.push(
        `${negligibleKlDims.map(dimName).join(', ')} carr${negligibleKlDims.length === 1 ? 'ies' : 'y'} less than ${NEGLIGIBLE_KL} nats of KL (q equals the prior there)`,
      );
    }
    message =
      `${collapsed ? 'Posterior collapse: ' : 'Partly unused latent space: '}${parts.join('; ')}. The decoder ignores ` +
      `${inactiveDims.length + negligibleKlDims.length > 1 ? 'these dimensions' : 'this dimension'}. Remedies: KL annealing (a linear warm-up over a few epochs, or ` +
      `cyclical), free bits (λ ≈ 0.1–0.5 nats per dimension), or a weaker decoder (fewer or narrower hidden layers)` +
      `${collapsed ? '' : '; or fewer latent dimensions, if the rest already explain the data'}.`;
  }
  return { collapsed, inactiveDims, negligibleKlDims, total, message };
}

/** Summary of per-row k̂ (NaN rows left out); null when none could be fitted. */
export function khatSummary(khat: ArrayLike<number>): VaeEvaluation['khat'] {
  const v = Array.from(khat).filter(Number.isFinite);
  if (v.length === 0) return null;
  return {
    median: quantile(v, 0.5),
    p90: quantile(v, 0.9),
    max: Math.max(...v),
    shareAbove05: v.filter((k) => k > 0.5).length / v.length,
    shareAbove07: v.filter((k) => k > 0.7).length / v.length,
    rows: v.length,
  };
}

function pickRows(n: number, opts: VaeEvalOptions): number[] {
  const all = opts.rows ? [...opts.rows] : Array.from({ length: n }, (_, i) => i);
  const max = opts.maxRows ?? 2000;
  if (max <= 0 || all.length <= max) return all;
  const p = permutation(key(opts.seed ?? 1), all.length);
  return Array.from(p.subarray(0, max))
    .sort((a, b) => a - b)
    .map((i) => all[i]!);
}

/** Evaluate a fitted VAE (snapshot) on rows of prepared data. */
export async function evaluateVae(
  snapshot: VaeSnapshot,
  data: PreparedVaeData,
  opts: VaeEvalOptions = {},
): Promise<VaeEvaluation> {
  const m = openVae(snapshot);
  try {
    return await evaluateModel(m, data, opts);
  } finally {
    m.dispose();
  }
}

/** Same, on a live model. */
export async function evaluateModel(
  m: VaeModel,
  data: PreparedVaeData,
  opts: VaeEvalOptions = {},
): Promise<VaeEvaluation> {
  const t0 = performance.now();
  const K = opts.k ?? 1000;
  if (!Number.isInteger(K) || K < 1 || K > MAX_EVAL_K)
    throw new RangeError(`Expected 1 ≤ K ≤ ${MAX_EVAL_K} importance samples, got ${K}; use 1000 (or up to 5000).`);
  if (data.d !== m.config.d)
    throw new Error(
      `The data have ${data.d} prepared columns, the model ${m.config.d}; prepare the data with the run's settings.`,
    );
  const rows = pickRows(data.n, opts);
  if (rows.length < 2) throw new Error(`Evaluation needs at least 2 rows, got ${rows.length}.`);
  const [, kIs, kLat, kGap] = split(key(opts.seed ?? 1), 4) as [Key, Key, Key, Key];
  const widest = Math.max(m.config.d, ...m.config.hidden, m.posterior.dim);
  let stopped = false;
  const stop = (): boolean => (stopped = stopped || !!opts.shouldStop?.());

  // Importance-sampled log-likelihood, ELBO and k̂ from the same draws: rows in chunks, draws in chunks inside the
  // engine estimator.
  const drawChunk = Math.min(K, 100);
  const isRows = Math.max(
    1,
    Math.min(rows.length, Math.floor(CHUNK_BUDGET / (drawChunk * widest)), Math.floor(CHUNK_BUDGET / K)),
  );
  const llRow = new Float64Array(rows.length).fill(Number.NaN);
  const elboRow = new Float64Array(rows.length).fill(Number.NaN);
  const khatRow = new Float64Array(rows.length).fill(Number.NaN);
  let essSum = 0;
  let done = 0;
  for (let s = 0, c = 0; s < rows.length && !stop(); s += isRows, c++) {
    const part = rows.slice(s, s + isRows);
    const x = rowsTensor(data.x, data.d, part);
    const h = tf.tidy(() => m.encode(x));
    const r = importanceLogLikelihood((kk, n) => tf.tidy(() => m.logWeights(kk, x, n, h)), {
      k: K,
      chunk: drawChunk,
      key: fold(kIs, c),
      khat: true,
    });
    tf.dispose([x, h]);
    for (let i = 0; i < part.length; i++) {
      llRow[s + i] = r.perDatum[i]!;
      elboRow[s + i] = r.elbo[i]!;
      khatRow[s + i] = r.khat![i]!;
      essSum += r.ess[i]!;
    }
    done += part.length;
    opts.onProgress?.({ phase: 'loglik', done, total: rows.length });
    await tick();
  }
  const ll = meanSe(llRow.subarray(0, done));
  const el = meanSe(elboRow.subarray(0, done));
  const gapD = pairedDifference(llRow.subarray(0, done), elboRow.subarray(0, done));
  const logLikelihood = { k: K, mean: ll.mean, se: ll.se, meanEss: done ? essSum / done : Number.NaN };

  // Latent statistics: posterior means (activity), per-dimension KL, total KL (per layer for a ladder).
  const lat = m.ladder
    ? await ladderLatentStats(m, data, rows, kLat, opts)
    : await latentStats(m, data, rows, kLat, opts);

  let amortisationGap: VaeEvaluation['amortisationGap'] = null;
  let amortisationGapNote: string | undefined;
  if (opts.amortisationGap && !stop()) {
    if (m.posterior.kind === 'categorical') {
      amortisationGapNote =
        'The amortisation gap is measured for Gaussian latents only (categorical q has no continuous parameters to refine per row here).';
    } else {
      const g = Math.min(opts.gapRows ?? 64, rows.length);
      const sample = Array.from(permutation(fold(kGap, 0), rows.length).subarray(0, g)).map((i) => rows[i]!);
      amortisationGap = await amortisationGapOf(m, data, sample, {
        steps: opts.gapSteps ?? 100,
        learningRate: opts.gapLearningRate ?? 1e-2,
        key: kGap,
        onProgress: (d, t) => opts.onProgress?.({ phase: 'gap', done: d, total: t }),
      });
    }
  }
  const au = activeUnits(lat.means, lat.n, lat.dim);
  // A categorical variable's activity is the total variance of its probability vector across rows (the sum over its
  // categories), so units are counted per variable, as its KL is.
  const perVariable = m.posterior.kind === 'categorical' ? m.posterior.categories : 1;
  const activity = Array.from({ length: lat.dim / perVariable }, (_, v) => {
    let a = 0;
    for (let c = 0; c < perVariable; c++) a += au.activity[v * perVariable + c]!;
    return a;
  });
  const activeCount = activity.filter((a) => a > ACTIVITY_THRESHOLD).length;
  const finiteOrNull = (v: Float64Array): Array<number | null> =>
    Array.from(v.subarray(0, done), (x) => (Number.isFinite(x) ? x : null));
  return {
    rows: done,
    rowIds: rows.slice(0, done),
    elbo: el.mean,
    elboSe: el.se,
    logLikelihood,
    gap: { mean: gapD.mean, se: gapD.se },
    khat: khatSummary(khatRow.subarray(0, done)),
    perRow: {
      elbo: Array.from(elboRow.subarray(0, done)),
      logLik: Array.from(llRow.subarray(0, done)),
      khat: finiteOrNull(khatRow),
    },
    klPerDim: lat.klPerDim,
    klTotal: lat.klTotal,
    klMethod: lat.method,
    activeUnits: { count: activeCount, total: activity.length, activity, threshold: ACTIVITY_THRESHOLD },
    collapse: collapseVerdict(
      lat.klPerDim,
      activity,
      ACTIVITY_THRESHOLD,
      lat.layers ? lat.layers.flatMap((l) => Array.from({ length: l.dim }, (_, j) => `z${l.layer}.${j + 1}`)) : [],
    ),
    amortisationGap,
    ...(lat.layers ? { layers: lat.layers } : {}),
    ...(amortisationGapNote ? { amortisationGapNote } : {}),
    stopped,
    seconds: (performance.now() - t0) / 1000,
  };
}

interface LatentStats {
  /** Posterior means, row-major [n, dim]. */
  means: Float64Array;
  n: number;
  dim: number;
  klPerDim: number[];
  klTotal: number;
  method: VaeEvaluation['klMethod'];
  layers?: VaeLayerEvaluation[];
}

/**
 * A ladder's latent statistics per layer (ladder.ts): E_q[z_l | x] from S top-down draws (activity), and KL_l per
 * coordinate, closed form given each drawn parent and averaged over the S draws (the top layer's is exact). Means are
 * laid out layer after layer, so the top-level activity and KL bars hold every layer's dimensions, bottom first.
 */
export async function ladderLatentStats(
  m: VaeModel,
  data: PreparedVaeData,
  rows: readonly number[],
  k: Key,
  opts: Pick<VaeEvalOptions, 'onProgress'> = {},
): Promise<LatentStats> {
  const sizes = m.layerSizes;
  const dim = sizes.reduce((a, b) => a + b, 0);
  const S = 32;
  const chunk = 256;
  const n = rows.length;
  const means = new Float64Array(n * dim);
  const kl = new Float64Array(dim);
  const klRow = sizes.map(() => new Float64Array(n));
  for (let s = 0, c = 0; s < n; s += chunk, c++) {
    const part = rows.slice(s, s + chunk);
    const B = part.length;
    const x = rowsTensor(data.x, data.d, part);
    const out = tf.tidy(() => {
      const h = m.encode(x);
      const r = m.ladderDraws(fold(k, c), h, S);
      return {
        mean: tf.concat(
          r.qMean.map((q) => tf.mean(q, 0)),
          1,
        ),
        kl: ladderKlPerDim(r),
      };
    });
    const mv = out.mean.dataSync();
    const kv = out.kl.dataSync();
    tf.dispose([x, out.mean, out.kl]);
    for (let i = 0; i < B * dim; i++) means[s * dim + i] = mv[i]!;
    for (let i = 0; i < B; i++) {
      let off = 0;
      sizes.forEach((D, l) => {
        let t = 0;
        for (let j = 0; j < D; j++) {
          const v = kv[i * dim + off + j]!;
          kl[off + j]! += v / n;
          t += v;
        }
        klRow[l]![s + i] = t;
        off += D;
      });
    }
    opts.onProgress?.({ phase: 'latent', done: Math.min(n, s + chunk), total: n });
    await tick();
  }
  const au = activeUnits(means, n, dim);
  let off = 0;
  const layers: VaeLayerEvaluation[] = sizes.map((D, l) => {
    const activity = Array.from(au.activity.subarray(off, off + D));
    const klPerDim = Array.from(kl.subarray(off, off + D));
    off += D;
    const t = meanSe(klRow[l]!);
    return {
      layer: l + 1,
      dim: D,
      klPerDim,
      kl: t.mean,
      klSe: t.se,
      activeUnits: { count: activity.filter((a) => a > ACTIVITY_THRESHOLD).length, total: D, activity },
    };
  });
  const klTotal = layers.reduce((a, l) => a + l.kl, 0);
  return { means, n, dim, klPerDim: Array.from(kl), klTotal, method: 'analytic', layers };
}

/** Posterior means, KL per dimension and total KL over the rows (see the module comment). */
export async function latentStats(
  m: VaeModel,
  data: PreparedVaeData,
  rows: readonly number[],
  k: Key,
  opts: Pick<VaeEvalOptions, 'onProgress'> = {},
): Promise<LatentStats> {
  const p = m.posterior;
  const S = 32;
  const chunk = 256;
  const n = rows.length;
  const dim = p.dim;
  const means = new Float64Array(n * dim);
  const klDims = p.kind === 'categorical' ? p.variables : p.dim;
  const kl = new Float64Array(klDims);
  let klTotal = 0;
  let method: LatentStats['method'] =
    p.kind === 'categorical' ? 'categorical' : p.analyticKl === 'perDim' ? 'analytic' : 'marginal-gaussian';
  for (let s = 0, c = 0; s < n; s += chunk, c++) {
    const part = rows.slice(s, s + chunk);
    const B = part.length;
    const x = rowsTensor(data.x, data.d, part);
    const out = tf.tidy(() => {
      const h = m.encode(x);
      if (p.kind === 'categorical') {
        return { mean: p.probs(h), klDim: p.kl(h), total: tf.sum(p.kl(h), -1) };
      }
      let mean: tf.Tensor2D;
      let sd: tf.Tensor2D;
      const msd = p.marginalSd(h);
      const draws = p.sample(fold(k, c), m.shared as TensorMap, h, S);
      if (msd && p.meanIsLocation) {
        mean = p.location(h);
        sd = msd;
      } else {
        const mom = tf.moments(draws.z, 0);
        mean = mom.mean as tf.Tensor2D;
        sd = tf.sqrt(tf.add(mom.variance, 1e-12)) as tf.Tensor2D;
      }
      const exact = p.kl(h);
      const total = exact
        ? exact.total
        : tf.mean(
            tf.sub(draws.logQ, tf.mul(-0.5, tf.add(tf.sum(tf.square(draws.z), -1), p.dim * Math.log(2 * Math.PI)))),
            0,
          );
      return { mean, sd, total };
    });
    const mv = out.mean.dataSync();
    for (let i = 0; i < B * dim; i++) means[s * dim + i] = mv[i]!;
    klTotal += readValues(() => tf.sum(out.total))[0]!;
    if ('klDim' in out && out.klDim) {
      const klDim = out.klDim;
      const kv = readValues(() => tf.sum(klDim, 0));
      for (let d = 0; d < klDims; d++) kl[d]! += kv[d]! / n;
    } else if ('sd' in out && out.sd) {
      const per = klPerDimension(mv, out.sd.dataSync(), B, dim);
      for (let d = 0; d < dim; d++) kl[d]! += (per[d]! * B) / n;
    }
    tf.dispose([x, out as unknown as tf.TensorContainer]);
    opts.onProgress?.({ phase: 'latent', done: Math.min(n, s + chunk), total: n });
    await tick();
  }
  if (p.kind !== 'categorical' && p.analyticKl === 'perDim') method = 'analytic';
  return { means, n, dim, klPerDim: Array.from(kl), klTotal: klTotal / n, method };
}

/**
 * Amortisation gap (Cremer et al. 2018): per-row encoder outputs η_i become free variables, refined by Adam on
 * Σ_i ELBO(x_i; η_i) (S = 16 draws, decoder and shared flow parameters fixed); ELBOs before and after are estimated
 * with 256 draws per row from the same key.
 */
export async function amortisationGapOf(
  m: VaeModel,
  data: PreparedVaeData,
  rows: readonly number[],
  o: { steps: number; learningRate: number; key: Key; onProgress?: (done: number, total: number) => void },
): Promise<{ rows: number; steps: number; elboBefore: number; elboAfter: number; gap: number }> {
  if (m.posterior.kind !== 'gaussian') throw new Error('The amortisation gap is measured for Gaussian latents only.');
  const x = rowsTensor(data.x, data.d, rows);
  const h0 = tf.tidy(() => m.encode(x));
  const eta = tf.variable(h0, true);
  const opt = new Optimiser({ kind: 'adam', learningRate: o.learningRate, epsilon: 1e-7 }, { eta });
  const [kBefore, kSteps] = split(o.key, 2) as [Key, Key];
  const measure = (): number => {
    const v = tf.tidy(() => tf.mean(m.elbo(kBefore, x, 256, eta)));
    const r = v.dataSync()[0]!;
    v.dispose();
    return r;
  };
  try {
    const elboBefore = measure();
    // Refinement steps on the one loop (non-finite steps skipped, yielding to the event loop).
    const refine: Trainable = {
      step: ({ step }) => {
        const { value, grads } = tf.variableGrads(
          () => tf.neg(tf.mean(m.elbo(fold(kSteps, step), x, 16, eta))) as tf.Scalar,
          [eta],
        );
        const g = { eta: grads[eta.name]! };
        const loss = value.dataSync()[0]!;
        value.dispose();
        const norm = globalNorm(g);
        const commit = (): void => {
          opt.apply(g, norm);
          tf.dispose(g.eta);
        };
        return { loss, gradNorm: norm, commit, discard: () => tf.dispose(g.eta) };
      },
    };
    await runLoop(
      new TrainLoop(refine, {
        epochs: o.steps,
        learningRate: o.learningRate,
        onStep: (r) => r.step % 10 === 9 && o.onProgress?.(r.step + 1, o.steps),
      }),
    );
    const elboAfter = measure();
    return { rows: rows.length, steps: o.steps, elboBefore, elboAfter, gap: elboAfter - elboBefore };
  } finally {
    opt.dispose();
    tf.dispose([x, h0, eta]);
  }
}
