/** Bayesian linear / logistic regression runs: columns checked against the schema, data standardised by the engine. */
import { AppError } from '../../../src-shared/ipc/app-error';
import type { ColumnSchema } from '../../../src-shared/domain/types';
import type { GlmSpec } from '../../../src-shared/schemas/run-spec';
import { gradVarianceMetrics, lowestGradientSnr } from '../../../src-shared/domain/grad-variance';
import { DatasetFile } from '../../data-import';
import { GRAD_VARIANCE_REPEATS } from '../../engine/diagnostics/grad-variance';
import { fitGlm, glmDataFromColumns, standardiseTarget, unstandardiseCoefficients } from '../../engine/models/glm';
import type { ModelAdapter } from './types';
import { convergenceEvidence, convergenceMetrics } from './evidence';

const HINT = 'Choose a numeric or two-valued target and numeric predictors.';
const bad = (message: string): AppError => new AppError('BAD_REQUEST', message, HINT);

/** Target, predictors and the likelihood a GLM run uses, checked against the dataset's schema. */
export function glmColumns(
  ds: { schema: ColumnSchema[] },
  spec: GlmSpec,
): { target: string; features: string[]; kind: 'linear' | 'logistic' } {
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
  for (const f of features) {
    const c = byName.get(f);
    if (!c) throw bad(`Predictor column "${f}" is not in this dataset.`);
    if (!usable(c.type)) throw bad(`Predictor column "${f}" is ${c.type}; a GLM uses numeric and binary columns.`);
  }
  return { target: spec.target, features, kind };
}

export const glmAdapter: ModelAdapter<GlmSpec> = {
  validate(spec, ctx) {
    glmColumns(ctx.dataset, spec);
  },

  secondDatasetId: () => undefined,

  async run({ spec, datasetDir }, report) {
    const ds = DatasetFile.open(datasetDir);
    const { target, features, kind } = glmColumns(ds, spec);
    const columns: Record<string, Float32Array> = {};
    for (const name of [target, ...features]) columns[name] = ds.column(name);
    const data = glmDataFromColumns(columns, target, { features, standardise: spec.standardize });
    // A linear model on standardised predictors also standardises the target (engine/models/glm/standardise.ts).
    const yScaling = kind === 'linear' && spec.standardize ? standardiseTarget(data.y) : { centre: 0, scale: 1 };
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
      progressEvery: Math.max(1, Math.floor(spec.steps / 400)),
      ...(spec.family.kind === 'svgd' ? {} : { gradientVariance: { repeats: GRAD_VARIANCE_REPEATS } }),
      onProgress: (p) => {
        report.metric(p.step, 0, 'elbo', p.bound);
        report.progress({ step: p.step, totalSteps: p.steps, epoch: 0, totalEpochs: 0, loss: -p.bound });
      },
    });
    const scaling = { centre: Array.from(data.centre), scale: Array.from(data.scale), target: yScaling };
    report.artifact('posterior', {
      model: kind,
      names: fit.names,
      mean: fit.mean,
      sd: fit.sd,
      noiseSigma: fit.noiseSigma ?? null,
      standardized: spec.standardize,
      ...scaling,
      // The coefficients on the data's own scale (per unit of each predictor and of the target).
      original:
        spec.standardize && fit.names[0] === '(intercept)'
          ? unstandardiseCoefficients(fit.names, fit.mean, fit.sd, scaling)
          : null,
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
