/** BNN runs: target and features checked by the engine's own rules (schema first, values when stored), then splits. */
import path from 'node:path';
import { AppError } from '../../../src-shared/ipc/app-error';
import type { BnnSpec } from '../../../src-shared/schemas/run-spec';
import { gradVarianceMetrics, lowestGradientSnr } from '../../../src-shared/domain/grad-variance';
import { DatasetFile } from '../../data-import';
import { GRAD_VARIANCE_REPEATS } from '../../engine/diagnostics/grad-variance';
import { bnnViews, disposeNet, exportBnnBundle, fitBnnSplits } from '../../engine/models/bnn';
import { prepareBnnData, resolveBnnColumns, type BnnTable } from '../../engine/models/bnn/data';
import { refuseMissing } from './missing';
import type { DatasetInfo, ModelAdapter } from './types';
import { bnnJointPsis } from '../../engine/models/bnn/psis';
import { convergenceEvidence, convergenceMetrics } from './evidence';

/** Engine input errors keep their message and hint; anything else becomes BAD_REQUEST with a generic fix. */
function asBadRequest(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('BAD_REQUEST', (e as Error).message, 'Check the target and feature columns.');
  }
}

/** A table with a header and no values, for the schema-only checks (unknown rows pass the row-count check). */
const headerOnly = (d: DatasetInfo): BnnTable => ({
  rows: d.rows ?? Number.MAX_SAFE_INTEGER,
  schema: d.schema,
  column: (): Float32Array => {
    throw new Error('header-only table');
  },
  strings: (): string[] => {
    throw new Error('header-only table');
  },
});

export const bnnAdapter: ModelAdapter<BnnSpec> = {
  validate(spec, ctx) {
    // Column roles and types from the header (target among the features, text features, thousands of levels …).
    let used: string[] = [];
    asBadRequest(() => {
      const { target, features } = resolveBnnColumns(headerOnly(ctx.dataset), spec);
      used = [target.name, ...features.map((f) => f.name)];
    });
    refuseMissing('bnn', ctx.dataset, used);
    // Values when the dataset is stored: a constant target, a single class, missing targets.
    if (ctx.open) asBadRequest(() => void prepareBnnData(ctx.open!(), spec, { splitIndex: 0 }));
  },

  secondDatasetId: () => undefined,

  async run({ spec, datasetDir, runDir }, report, isCancelled) {
    const ds = DatasetFile.open(datasetDir);
    let stepsPerSplit = 0;
    const fit = await fitBnnSplits(ds, spec, {
      callbacks: (split) => ({
        shouldStop: isCancelled,
        // The readout on the first split (the one whose model the run keeps).
        ...(split === 0 ? { gradientVariance: { repeats: GRAD_VARIANCE_REPEATS } } : {}),
        onStep: ({ step, epoch, totalSteps, loss }) => {
          stepsPerSplit = totalSteps;
          if (split === 0 && Number.isFinite(loss) && (step % 5 === 0 || step === totalSteps))
            report.metric(step, epoch, 'loss', loss);
          report.progress({
            step: split * totalSteps + step,
            totalSteps: spec.splits * totalSteps,
            epoch,
            totalEpochs: spec.epochs,
            loss,
          });
        },
        onEpoch: ({ epoch, loss, valLogLik, noiseSd }) => {
          if (split !== 0) return;
          const step = epoch * Math.max(1, Math.round(stepsPerSplit / spec.epochs));
          report.metric(step, epoch, 'epoch_loss', loss);
          if (valLogLik !== null) report.metric(step, epoch, 'val_loglik', valLogLik);
          if (noiseSd !== null) report.metric(step, epoch, 'noise_sd', noiseSd);
        },
      }),
      onSplit: (split, m) => {
        for (const [k, v] of Object.entries(m))
          if (typeof v === 'number' && Number.isFinite(v)) report.metric(split + 1, 0, `split_${k}`, v);
        report.flush();
      },
    });
    const first = fit.first.result;
    // PSIS k̂ of the first split's joint weight posterior (null for SVGD, whose particles have no density).
    const joint = isCancelled() ? null : bnnJointPsis(fit.first.model, fit.first.data, { seed: spec.seed });
    try {
      report.artifact('views', bnnViews(fit.first.model, fit.first.data));
      if (fit.first.result.gradVariance) report.artifact('gradVariance', fit.first.result.gradVariance);
      report.artifact('splits', { summary: fit.summary, perSplit: fit.perSplit, secondsPerSplit: fit.secondsPerSplit });
      if (runDir) {
        exportBnnBundle(fit.first.model, path.join(runDir, 'bnn-bundle'), { metrics: fit.perSplit[0] ?? null });
        report.artifact('bnn-bundle', { dir: 'bnn-bundle' });
      }
    } finally {
      disposeNet(fit.first.model.net);
    }
    const summary: Record<string, number> = { splits: fit.splits, seconds_per_split: fit.secondsPerSplit };
    // Epochs the first split ran (its curves are the ones shown), and the epoch early stopping kept.
    summary.epochs = fit.first.result.epochs;
    if (fit.first.result.earlyStopped) summary.best_epoch = fit.first.result.bestEpoch;
    for (const [k, v] of Object.entries(fit.summary)) {
      summary[k] = v.mean;
      if (fit.splits > 1) summary[`${k}_se`] = v.se;
    }
    Object.assign(summary, gradVarianceMetrics(first.gradVariance));
    summary.non_finite_steps = first.nonFiniteSteps;
    Object.assign(summary, convergenceMetrics(first.convergence, first.convergedStop));
    if (joint) {
      summary.psis_khat = joint.khat;
      summary.ess = joint.ess;
      summary.psis_samples = joint.samples;
    }
    report.finish(isCancelled() ? 'cancelled' : 'completed', summary, {
      gradientSnr: lowestGradientSnr(first.gradVariance),
      nonFiniteSteps: first.nonFiniteSteps,
      convergence: convergenceEvidence(
        first.convergence,
        first.earlyStopped ? { epoch: first.epochs, bestEpoch: first.bestEpoch } : undefined,
      ),
      khat: joint ? { value: joint.khat, ess: joint.ess, samples: joint.samples, weights: true } : null,
    });
  },
};
