/** VAE runs: spec and columns checked before a worker starts; training, snapshot, then honest evaluation. */
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../src-shared/ipc/app-error';
import type { ColumnSchema } from '../../../src-shared/domain/types';
import type { VaeSpec } from '../../../src-shared/schemas/run-spec';
import { gradVarianceMetrics, lowestGradientSnr } from '../../../src-shared/domain/grad-variance';
import { DatasetFile } from '../../data-import';
import { GRAD_VARIANCE_REPEATS } from '../../engine/diagnostics/grad-variance';
import { evaluateVae, prepareVaeData, prepareWithSnapshot, trainVae, type VaeColumn } from '../../engine/models/vae';
import { vaeSpecProblems } from '../../engine/models/vae/validate';
import type { ModelAdapter } from './types';
import type { VerdictEvidence } from '../../../src-shared/domain/verdict';
import { convergenceEvidence, convergenceMetrics } from './evidence';

const VAE_TYPES = new Set(['numeric', 'binary', 'categorical']);

/**
 * The feature columns a VAE models: the spec's choice, else every numeric, binary or categorical feature column
 * (categorical columns become one-hot groups under the mixed likelihood).
 */
export function vaeFeatures(ds: { schema: ColumnSchema[] }, spec: Pick<VaeSpec, 'features'>): string[] {
  const byName = new Map(ds.schema.map((c) => [c.name, c]));
  const names = spec.features.length
    ? spec.features
    : ds.schema.filter((c) => c.role === 'feature' && VAE_TYPES.has(c.type)).map((c) => c.name);
  if (names.length === 0) {
    throw new AppError(
      'BAD_REQUEST',
      'This dataset has no numeric or categorical feature columns to model',
      'Set column roles to "feature" on import, or name the features.',
    );
  }
  for (const n of names) {
    const c = byName.get(n);
    if (!c) {
      throw new AppError(
        'BAD_REQUEST',
        `Feature column "${n}" is not in this dataset`,
        `Columns: ${ds.schema.map((x) => x.name).join(', ')}.`,
      );
    }
    if (!VAE_TYPES.has(c.type)) {
      throw new AppError(
        'BAD_REQUEST',
        `Feature column "${n}" is ${c.type}; the VAE models numeric, binary and categorical columns`,
        'Untick it or change its type on import.',
      );
    }
  }
  return names;
}

/**
 * The feature columns of a test dataset as a raw matrix in the training dataset's coding: numeric columns as they
 * are, categorical codes mapped by level name onto the training levels (each file numbers its own levels).
 */
export function testMatrix(
  train: DatasetFile,
  test: DatasetFile,
  features: string[],
): { x: Float32Array; n: number; d: number } {
  const trainCols = new Map(train.schema.map((c) => [c.name, c]));
  const testCols = new Map(test.schema.map((c) => [c.name, c]));
  const missing = features.filter((f) => !testCols.has(f));
  if (missing.length) {
    throw new Error(
      `The test file lacks ${missing.length} of the model's feature columns: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ' …' : ''}.`,
    );
  }
  const x = test.matrix(features, { standardize: false });
  const d = features.length;
  features.forEach((f, j) => {
    const a = trainCols.get(f)!;
    const b = testCols.get(f)!;
    if ((a.type === 'categorical') !== (b.type === 'categorical')) {
      throw new Error(`Column "${f}" is ${a.type} in the training data but ${b.type} in the test file.`);
    }
    if (a.type !== 'categorical') return;
    const index = new Map((a.levels ?? []).map((l, i) => [l, i]));
    const map = (b.levels ?? []).map((l) => index.get(l) ?? -1);
    for (let i = 0; i < test.rows; i++) {
      const code = x[i * d + j]!;
      const to = Number.isInteger(code) ? map[code] : undefined;
      if (to === undefined || to < 0) {
        throw new Error(
          `Row ${i + 1} of the test file: column "${f}" has the level "${b.levels?.[code] ?? code}", which the training data never had.`,
        );
      }
      x[i * d + j] = to;
    }
  });
  return { x, n: test.rows, d };
}

export const vaeAdapter: ModelAdapter<VaeSpec> = {
  validate(spec, { dataset: d, second: t }) {
    const problems = vaeSpecProblems(spec);
    if (problems.length) {
      throw new AppError(
        'BAD_REQUEST',
        problems.map((p) => `${p.field}: ${p.message}`).join('; '),
        'Change the settings named above.',
      );
    }
    const features = vaeFeatures(d, spec);
    if (d.rows !== null) {
      const minRows = Math.max(2, Math.ceil(1 / Math.max(spec.validationFraction, 1e-9)));
      if (d.rows < 2 || (spec.validationFraction > 0 && d.rows < minRows)) {
        throw new AppError(
          'BAD_REQUEST',
          `Dataset "${d.name}" has ${d.rows} rows, too few for a validation split of ${spec.validationFraction}`,
          `Use at least ${minRows} rows, or set the validation fraction to 0.`,
        );
      }
    }
    if (!t) return;
    // The test file must carry every feature column the model will use, with the same kind of values.
    if (t.rows !== null && t.rows < 1)
      throw new AppError('BAD_REQUEST', `The test dataset "${t.name}" has no rows`, 'Choose a test file with rows.');
    const cols = new Map(d.schema.map((c) => [c.name, c]));
    const tcols = new Map(t.schema.map((c) => [c.name, c]));
    const missing = features.filter((f) => !tcols.has(f));
    if (missing.length) {
      throw new AppError(
        'BAD_REQUEST',
        `The test dataset "${t.name}" lacks ${missing.length} of the ${features.length} feature columns: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ' …' : ''}`,
        'Use a test file with the same columns as the training file.',
      );
    }
    for (const f of features) {
      const a = cols.get(f)!;
      const b = tcols.get(f)!;
      if ((a.type === 'categorical') !== (b.type === 'categorical') || !VAE_TYPES.has(b.type)) {
        throw new AppError(
          'BAD_REQUEST',
          `Column "${f}" is ${a.type} in "${d.name}" but ${b.type} in the test dataset "${t.name}"`,
          'Use a test file whose columns hold the same kind of values.',
        );
      }
    }
  },

  secondDatasetId: (spec) => spec.testDatasetId,

  async run({ spec, datasetDir, runDir, secondDatasetDir }, report, isCancelled) {
    const ds = DatasetFile.open(datasetDir);
    const features = vaeFeatures(ds, spec);
    const byName = new Map(ds.schema.map((c) => [c.name, c]));
    const ranges = features.map((n) => byName.get(n)!.stats ?? { min: 0, max: 1, mean: 0, std: 1 });
    const columns: VaeColumn[] = features.map((n) => {
      const c = byName.get(n)!;
      return c.type === 'categorical'
        ? { name: n, type: 'categorical', levels: c.levels ?? [] }
        : { name: n, type: c.type as 'numeric' | 'binary' };
    });
    // The raw matrix is built inline, not held in a local: an async function keeps its locals alive across awaits, and
    // for MNIST-size data that is another 188 MB for the whole run.
    const data = prepareVaeData(
      { x: ds.matrix(features, { standardize: false }), n: ds.rows, d: features.length },
      ranges,
      spec,
      columns,
    );
    let lastStep = 0;
    const result = await trainVae(data, spec, {
      onStep: ({ step, epoch, totalSteps, loss }) => {
        lastStep = step;
        report.metric(step, epoch, 'elbo', -loss);
        report.progress({ step, totalSteps, epoch, totalEpochs: spec.epochs, loss });
      },
      onEpoch: ({ epoch, trainElbo, valElbo }) => {
        report.metric(lastStep, epoch, 'train_elbo', trainElbo);
        if (valElbo !== null) report.metric(lastStep, epoch, 'val_elbo', valElbo);
        report.flush();
      },
      shouldStop: isCancelled,
      gradientVariance: { repeats: GRAD_VARIANCE_REPEATS },
    });
    report.flush();
    if (result.reconstructions) report.artifact('reconstructions', result.reconstructions);
    if (result.gradVariance) report.artifact('gradVariance', result.gradVariance);
    const summary: Record<string, number> = {
      train_elbo: result.trainElbo,
      epochs: result.epochs,
      seconds_per_epoch: result.secondsPerEpoch,
      non_finite_steps: result.nonFiniteSteps,
      ...convergenceMetrics(result.convergence, result.convergedStop),
    };
    const evidence: VerdictEvidence = {
      nonFiniteSteps: result.nonFiniteSteps,
      convergence: convergenceEvidence(result.convergence),
    };
    if (result.valElbo !== null) summary.val_elbo = result.valElbo;
    if (result.earlyStopped) summary.best_epoch = result.bestEpoch;
    // The fitted model, for the views and export: a file beside the database, not a row in it (it can be megabytes).
    if (runDir) {
      fs.mkdirSync(runDir, { recursive: true });
      fs.writeFileSync(path.join(runDir, 'vae-snapshot.json'), JSON.stringify(result.snapshot));
      report.artifact('vae-snapshot', { file: 'vae-snapshot.json', features, valRows: result.valRows });
    }
    const evalOptions = {
      k: spec.evaluation.k,
      maxRows: spec.evaluation.rows,
      seed: spec.seed,
      shouldStop: isCancelled,
      onProgress: (p: { done: number; total: number }): void =>
        report.progress({
          step: p.done,
          totalSteps: p.total,
          epoch: result.epochs,
          totalEpochs: spec.epochs,
          phase: 'evaluating',
        }),
    };
    // Honest evaluation on the validation rows (or the training rows when there is no validation split).
    if (!result.stopped && !isCancelled()) {
      const evalRows = result.valRows.length >= 2 ? result.valRows : undefined;
      const evaluation = await evaluateVae(result.snapshot, data, {
        ...evalOptions,
        amortisationGap: spec.evaluation.amortisationGap,
        gapRows: spec.evaluation.gapRows,
        gapSteps: spec.evaluation.gapSteps,
        ...(evalRows ? { rows: evalRows } : {}),
      });
      report.artifact('evaluation', evaluation);
      if (!evaluation.stopped) {
        // Every estimate with its standard error over the same evaluation rows (the compare view pairs on them).
        summary.eval_rows = evaluation.rows;
        summary.eval_elbo = evaluation.elbo;
        summary.eval_elbo_se = evaluation.elboSe;
        summary.loglik = evaluation.logLikelihood.mean;
        summary.loglik_se = evaluation.logLikelihood.se;
        summary.loglik_k = evaluation.logLikelihood.k;
        summary.gap = evaluation.gap.mean;
        summary.gap_se = evaluation.gap.se;
        if (evaluation.khat) {
          summary.khat_median = evaluation.khat.median;
          summary.khat_share_07 = evaluation.khat.shareAbove07;
          evidence.rowKhat = {
            median: evaluation.khat.median,
            shareAbove07: evaluation.khat.shareAbove07,
            rows: evaluation.khat.rows,
          };
        }
        evidence.collapse = {
          collapsed: evaluation.collapse.collapsed,
          inactive: evaluation.collapse.inactiveDims,
          total: evaluation.collapse.total,
        };
        summary.kl = evaluation.klTotal;
        summary.active_units = evaluation.activeUnits.count;
        if (evaluation.amortisationGap) summary.amortisation_gap = evaluation.amortisationGap.gap;
      }
    }
    // The same measures on a separate test file, prepared with the training data's transform.
    if (secondDatasetDir && !result.stopped && !isCancelled()) {
      const test = prepareWithSnapshot(testMatrix(ds, DatasetFile.open(secondDatasetDir), features), result.snapshot);
      const ev = await evaluateVae(result.snapshot, test, evalOptions);
      report.artifact('test-evaluation', ev);
      if (!ev.stopped) {
        summary.test_elbo = ev.elbo;
        summary.test_elbo_se = ev.elboSe;
        summary.test_loglik = ev.logLikelihood.mean;
        summary.test_loglik_se = ev.logLikelihood.se;
        summary.test_kl = ev.klTotal;
        summary.test_active_units = ev.activeUnits.count;
        summary.test_rows = ev.rows;
      }
    }
    Object.assign(summary, gradVarianceMetrics(result.gradVariance));
    report.finish(result.stopped ? 'cancelled' : 'completed', summary, {
      ...evidence,
      gradientSnr: lowestGradientSnr(result.gradVariance),
    });
  },
};
