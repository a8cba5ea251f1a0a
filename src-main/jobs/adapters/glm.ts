/**
 * Bayesian linear / logistic regression runs: columns checked against the schema, data prepared once
 * (`prepareGlmData`: dummy coding of categorical predictors, standardisation, known noise on the fitting scale) for
 * the fit and for its reference posterior (reference/reference.worker.ts), so both see the same log joint.
 */
import { AppError } from '../../../src-shared/ipc/app-error';
import type { ColumnSchema } from '../../../src-shared/domain/types';
import type { GlmSpec } from '../../../src-shared/schemas/run-spec';
import { gradVarianceMetrics, lowestGradientSnr } from '../../../src-shared/domain/grad-variance';
import { DatasetFile } from '../../data-import';
import { refuseMissing } from './missing';
import { key, permutation } from '../../engine/rng';
import { heldOutLogPredictive, posteriorPredictiveCheck } from '../../engine/models/glm/predictive';
import { GRAD_VARIANCE_REPEATS } from '../../engine/diagnostics/grad-variance';
import {
  fitGlm,
  glmDataFromColumns,
  standardiseTarget,
  unstandardiseCoefficients,
  type GlmData,
  type GlmScaling,
  type NoiseSpec,
} from '../../engine/models/glm';
import { coefficientTableFromDraws, originalDraws } from '../../../src-shared/stats/coefficients';
import type { DummyCoding } from '../../../src-shared/domain/reference';
import type { ModelAdapter } from './types';
import { convergenceEvidence, convergenceMetrics } from './evidence';

const HINT = 'Choose a numeric or two-valued target and numeric, binary or categorical predictors.';
const bad = (message: string): AppError => new AppError('BAD_REQUEST', message, HINT);

/** Target, predictors and the likelihood a GLM run uses, checked against the dataset's schema. */
export function glmColumns(
  ds: { schema: ColumnSchema[] },
  spec: GlmSpec,
): {
  target: string;
  features: string[];
  kind: 'linear' | 'logistic';
  categorical: Record<string, { levels: string[]; reference?: string }>;
} {
  const byName = new Map(ds.schema.map((c) => [c.name, c]));
  const t = byName.get(spec.target);
  if (!t)
    throw bad(
      `Target column "${spec.target}" is not in this dataset; columns: ${ds.schema.map((c) => c.name).join(', ')}.`,
    );
  const usable = (type: string) => type === 'numeric' || type === 'binary';
  if (!usable(t.type) && !(t.type === 'categorical' && (t.levels?.length ?? 0) === 2)) {
    throw bad(`Target column "${spec.target}" is ${t.type}; a GLM needs a numeric or two-valued target.`);
  }
  const binary = t.type === 'binary' || (t.type === 'categorical' && t.levels?.length === 2);
  const kind = spec.kind === 'auto' ? (binary ? 'logistic' : 'linear') : spec.kind;
  if (kind === 'logistic' && !binary) {
    throw bad(
      `Logistic regression needs a two-valued target; "${spec.target}" has ${t.levels?.length ?? 'many'} values.`,
    );
  }
  const features = spec.features.length
    ? spec.features
    : ds.schema.filter((c) => c.name !== spec.target && c.role === 'feature' && usable(c.type)).map((c) => c.name);
  if (features.includes(spec.target)) throw bad(`The target "${spec.target}" cannot also be a predictor.`);
  if (features.length === 0) throw bad('No numeric predictor columns; mark some columns as features.');
  const categorical: Record<string, { levels: string[]; reference?: string }> = {};
  for (const f of features) {
    const c = byName.get(f);
    if (!c) throw bad(`Predictor column "${f}" is not in this dataset.`);
    if (c.type === 'categorical') {
      const levels = c.levels ?? [];
      if (levels.length < 2)
        throw bad(`Categorical predictor "${f}" has ${levels.length} level(s); it needs 2 or more.`);
      const reference = spec.referenceLevels?.[f];
      if (reference !== undefined && !levels.includes(reference))
        throw bad(`Reference level "${reference}" is not a level of "${f}"; levels: ${levels.join(', ')}.`);
      categorical[f] = { levels, ...(reference !== undefined ? { reference } : {}) };
      continue;
    }
    if (!usable(c.type))
      throw bad(`Predictor column "${f}" is ${c.type}; a GLM uses numeric, binary and categorical columns.`);
  }
  for (const f of Object.keys(spec.referenceLevels ?? {}))
    if (!categorical[f])
      throw bad(`referenceLevels names "${f}", which is not a categorical predictor of this run; remove it.`);
  if (kind === 'logistic' && spec.noiseSigma !== undefined)
    throw bad(`Logistic regression has no noise sd; got noiseSigma ${spec.noiseSigma}. Remove noiseSigma.`);
  return { target: spec.target, features, kind, categorical };
}

export const glmAdapter: ModelAdapter<GlmSpec> = {
  validate(spec, ctx) {
    const { target, features } = glmColumns(ctx.dataset, spec);
    refuseMissing('glm', ctx.dataset, [target, ...features]);
  },

  secondDatasetId: () => undefined,

  async run({ spec, datasetDir }, report) {
    const { kind, data, scaling, dummies, noise, heldOut } = prepareGlmData(DatasetFile.open(datasetDir), spec);
    const fit = fitGlm({
      model: kind,
      data,
      family: spec.family,
      objective: spec.objective,
      training: spec.training,
      optimiser: spec.optimiser,
      steps: spec.steps,
      seed: spec.seed,
      ...(spec.priorScale !== undefined ? { priorScale: spec.priorScale } : {}),
      ...(noise ? { noise } : {}),
      keepDraws: COEFFICIENT_DRAWS,
      progressEvery: Math.max(1, Math.floor(spec.steps / 400)),
      ...(spec.family.kind === 'svgd' ? {} : { gradientVariance: { repeats: GRAD_VARIANCE_REPEATS } }),
      onProgress: (p) => {
        report.metric(p.step, 0, 'elbo', p.bound);
        report.progress({ step: p.step, totalSteps: p.steps, epoch: 0, totalEpochs: 0, loss: -p.bound });
      },
    });
    const draws = fit.draws!;
    const D = fit.names.length;
    const knownSigma = noise?.kind === 'known' ? noise.sigma : undefined;
    const predictive = (X: Float32Array, y: Float32Array, rows: number) => ({
      model: kind,
      X,
      rows,
      cols: data.cols,
      y,
      draws,
      D,
      target: scaling.target,
      ...(knownSigma !== undefined ? { knownSigma } : {}),
    });
    const ppc = posteriorPredictiveCheck(predictive(data.X, data.y, data.rows), { seed: spec.seed });
    const lpd = heldOut ? heldOutLogPredictive(predictive(heldOut.X, heldOut.y, heldOut.rows)) : null;
    report.artifact('posterior', {
      model: kind,
      names: fit.names,
      mean: fit.mean,
      sd: fit.sd,
      noiseSigma: fit.noiseSigma ?? null,
      standardized: spec.standardize,
      centre: Array.from(scaling.centre),
      scale: Array.from(scaling.scale),
      target: scaling.target,
      // The coefficients on the data's own scale (per unit of each predictor and of the target).
      original:
        spec.standardize && fit.names[0] === '(intercept)'
          ? unstandardiseCoefficients(fit.names, fit.mean, fit.sd, scaling)
          : null,
      coefficients: coefficientTableFromDraws(fit.names, draws.values, draws.n, fit.names.length, scaling, dummies),
      dummies,
      knownNoiseSigma: spec.noiseSigma ?? null,
      coefficientDraws: pairPlotDraws(fit.names, draws, scaling),
      ppc,
      heldOut: lpd ? { rows: lpd.rows, lpd: lpd.mean, se: lpd.se } : null,
      posterior: fit.posterior,
    });
    if (fit.gradVariance) report.artifact('gradVariance', fit.gradVariance);
    const metrics: Record<string, number> = {
      final_elbo: fit.finalElbo,
      final_elbo_se: fit.finalElboSe,
      psis_khat: fit.diagnostics.psisKhat,
      ess: fit.diagnostics.ess,
      log_evidence: fit.diagnostics.logEvidence,
      skipped_steps: fit.skippedSteps,
      non_finite_steps: fit.skippedSteps,
      steps: fit.steps,
      ...(lpd ? { heldout_loglik: lpd.mean, heldout_loglik_se: lpd.se, heldout_rows: lpd.rows } : {}),
      ...convergenceMetrics(fit.convergence, fit.convergedStop),
      ...gradVarianceMetrics(fit.gradVariance),
    };
    report.finish('completed', metrics, {
      nonFiniteSteps: fit.skippedSteps,
      convergence: convergenceEvidence(fit.convergence),
      gradientSnr: lowestGradientSnr(fit.gradVariance),
      khat: { value: fit.diagnostics.psisKhat, ess: fit.diagnostics.ess, samples: fit.diagnostics.samples },
    });
  },
};

/** Draws of the coefficients kept in the artifact for pair plots (the table uses all COEFFICIENT_DRAWS). */
export const PAIR_PLOT_DRAWS = 500;

/** The first PAIR_PLOT_DRAWS of the fitted family's draws, mapped to original units (q's draws are independent). */
function pairPlotDraws(
  names: string[],
  draws: { n: number; values: ArrayLike<number> },
  scaling: GlmScaling,
): { n: number; values: number[] } {
  const o = originalDraws(names, draws.values, draws.n, names.length, scaling);
  const K = o.names.length;
  const n = Math.min(PAIR_PLOT_DRAWS, draws.n);
  return { n, values: Array.from(o.values.subarray(0, n * K)) };
}

/** Draws of the fitted family behind a run's coefficient table (MCSE of a mean ≈ sd/63). */
export const COEFFICIENT_DRAWS = 4000;

export interface PreparedGlm {
  kind: 'linear' | 'logistic';
  /** The design without the intercept (fitGlm and the reference add it), standardised as the spec says. */
  data: GlmData;
  scaling: GlmScaling;
  dummies: DummyCoding[];
  /** Known noise on the fitting scale (σ / the target's scale), or undefined: learned. */
  noise: NoiseSpec | undefined;
  /** The held-out rows (spec.validation > 0) on the fitting scale, not fitted; null without a split. */
  heldOut: { X: Float32Array; y: Float32Array; rows: number } | null;
}

/** The split's seed: fixed, so every run on the same data and fraction holds out the same rows (paired). */
export const GLM_SPLIT_SEED = 0x5eed;

/** Rows [0, N) split into held-out and training index lists by a fixed permutation; at least 2 rows are fitted. */
export function glmSplit(N: number, fraction: number): { train: Int32Array; heldOut: Int32Array } {
  const nHeld = fraction > 0 ? Math.min(N - 2, Math.max(1, Math.round(N * fraction))) : 0;
  if (nHeld <= 0) return { train: Int32Array.from({ length: N }, (_, i) => i), heldOut: new Int32Array(0) };
  const perm = permutation(key(GLM_SPLIT_SEED), N);
  const heldOut = perm.slice(0, nHeld).sort();
  const train = perm.slice(nHeld).sort();
  return { train, heldOut };
}

function takeRows(
  X: Float32Array,
  y: Float32Array,
  cols: number,
  idx: Int32Array,
): { X: Float32Array; y: Float32Array } {
  const outX = new Float32Array(idx.length * cols);
  const outY = new Float32Array(idx.length);
  idx.forEach((r, i) => {
    outX.set(X.subarray(r * cols, (r + 1) * cols), i * cols);
    outY[i] = y[r]!;
  });
  return { X: outX, y: outY };
}

/**
 * Two-valued predictors with named levels (e.g. sex: female / male), stored as codes 0 / 1 and fitted as one column
 * under their own name: the coding says which level is 1, so the coefficient table can name it (`sex = male (vs
 * female)`). A column whose levels are the codes themselves (0 / 1) needs no such name.
 */
export function binaryCodings(schema: readonly ColumnSchema[], features: readonly string[]): DummyCoding[] {
  const out: DummyCoding[] = [];
  for (const f of features) {
    const c = schema.find((s) => s.name === f);
    const levels = c?.type === 'binary' ? c.levels : undefined;
    if (!levels || levels.length !== 2 || (levels[0] === '0' && levels[1] === '1')) continue;
    out.push({ column: f, levels: [...levels], reference: levels[0]!, names: [f], binary: true });
  }
  return out;
}

/** The data a GLM run fits, from the dataset and the spec: one preparation for the fit and its reference. */
export function prepareGlmData(
  ds: { schema: ColumnSchema[]; column(name: string): Float32Array },
  spec: GlmSpec,
): PreparedGlm {
  const { target, features, kind, categorical } = glmColumns(ds, spec);
  const columns: Record<string, Float32Array> = {};
  for (const name of [target, ...features]) columns[name] = ds.column(name);
  const all = glmDataFromColumns(columns, target, { features, standardise: spec.standardize, categorical });
  // Held-out rows leave the fit (predictor standardisation uses every row's x, never a held-out y).
  const split = glmSplit(all.rows, spec.validation);
  const data =
    split.heldOut.length > 0
      ? { ...all, ...takeRows(all.X, all.y, all.cols, split.train), rows: split.train.length }
      : all;
  const held = split.heldOut.length > 0 ? takeRows(all.X, all.y, all.cols, split.heldOut) : null;
  // A linear model on standardised predictors also standardises the target (engine/models/glm/standardise.ts), from
  // the training rows; held-out targets get the same map.
  const yScaling = kind === 'linear' && spec.standardize ? standardiseTarget(data.y) : { centre: 0, scale: 1 };
  if (held) for (let i = 0; i < held.y.length; i++) held.y[i] = (held.y[i]! - yScaling.centre) / yScaling.scale;
  const noise: NoiseSpec | undefined =
    kind === 'linear' && spec.noiseSigma !== undefined
      ? { kind: 'known', sigma: spec.noiseSigma / yScaling.scale }
      : undefined;
  return {
    kind,
    data,
    scaling: { centre: data.centre, scale: data.scale, target: yScaling },
    dummies: [...data.dummies, ...binaryCodings(ds.schema, features)],
    noise,
    heldOut: held ? { ...held, rows: split.heldOut.length } : null,
  };
}
