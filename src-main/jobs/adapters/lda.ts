/** LDA runs: text column checked, corpus prepared (cached per dataset), topics fitted, topic summaries stored. */
import { AppError } from '../../../src-shared/ipc/app-error';
import type { LdaRunSpec } from '../../../src-shared/schemas/run-spec';
import { DatasetFile } from '../../data-import';
import { fitLda, modelToJSON, topicSummaries } from '../../engine/models/lda';
import { ldaCorpusFor, separateHeldout, splitHeldout } from '../lda-corpus';
import { convergence, risingRun } from '../../engine/diagnostics/convergence';
import { convergenceEvidence, convergenceMetrics } from './evidence';
import type { ModelAdapter } from './types';

const TEXT_TYPES = new Set(['text', 'categorical', 'identifier']);

export const ldaAdapter: ModelAdapter<LdaRunSpec> = {
  validate(spec, { dataset: d, second: h }) {
    const c = d.schema.find((x) => x.name === spec.textColumn);
    if (!c)
      throw new AppError(
        'BAD_REQUEST',
        `Text column "${spec.textColumn}" is not in dataset "${d.name}"`,
        `Columns: ${d.schema.map((x) => x.name).join(', ')}`,
      );
    if (!TEXT_TYPES.has(c.type)) {
      throw new AppError(
        'BAD_REQUEST',
        `Column "${spec.textColumn}" is ${c.type}, not text`,
        'Choose the column that holds the documents, or import it with type text.',
      );
    }
    if (h && !h.schema.some((x) => x.name === spec.textColumn)) {
      throw new AppError(
        'BAD_REQUEST',
        `The held-out dataset "${h.name}" has no column "${spec.textColumn}"`,
        `Its columns: ${h.schema.map((x) => x.name).join(', ')}`,
      );
    }
  },

  secondDatasetId: (spec) => spec.heldoutDatasetId,

  async run({ spec, datasetDir, secondDatasetDir }, report, isCancelled) {
    const ds = DatasetFile.open(datasetDir);
    const {
      corpus,
      report: text,
      cached,
      dir: corpusDir,
    } = await ldaCorpusFor(ds, datasetDir, spec, (p) =>
      report.progress({
        step: p.documents,
        totalSteps: ds.rows,
        epoch: 0,
        totalEpochs: spec.passes,
        phase: 'preparing',
      }),
    );
    report.artifact('text-report', { ...text, cached });
    const { train, heldout, trainRows, heldoutRows } = secondDatasetDir
      ? await separateHeldout(corpus, secondDatasetDir, spec)
      : splitHeldout(corpus, spec.heldoutFraction, spec.seed, corpusDir);
    let step = 0;
    const fit = await fitLda(
      train,
      {
        topics: spec.topics,
        method: spec.method,
        alpha: spec.alpha,
        ...(spec.eta !== undefined ? { eta: spec.eta } : {}),
        batchSize: spec.batchSize,
        tau0: spec.tau0,
        kappa: spec.kappa,
        passes: spec.passes,
        maxEStepIter: spec.maxEStepIter,
        eStepTol: spec.eStepTol,
        optimizeAlpha: spec.optimizeAlpha,
        optimizeEta: spec.optimizeEta,
        seed: spec.seed,
      },
      {
        ...(heldout ? { heldout } : {}),
        rows: trainRows,
        shouldStop: isCancelled,
        onProgress: (p) => {
          step = (p.pass - 1) * p.totalDocs + p.docs;
          report.progress({
            step,
            totalSteps: spec.passes * p.totalDocs,
            epoch: p.pass,
            totalEpochs: spec.passes,
            phase: p.phase === 'train' ? 'training' : 'evaluating',
          });
        },
        onPass: (r) => {
          report.metric(step, r.pass, 'elbo', r.elbo);
          if (r.perplexityCompletion !== null) report.metric(step, r.pass, 'perplexity', r.perplexityCompletion);
          if (r.perplexityBound !== null) report.metric(step, r.pass, 'perplexity_bound', r.perplexityBound);
          if (r.npmi !== null) report.metric(step, r.pass, 'npmi', r.npmi);
          report.metric(step, r.pass, 'pass_seconds', r.seconds);
          report.flush();
        },
      },
    );
    // Topics for the views: top words by probability with their weights, and each topic's prevalence.
    const topics = topicSummaries(fit, fit.coherence, 30);
    report.artifact('topics', { topics, trainRows: trainRows.length, heldoutRows: heldoutRows.length });
    report.artifact('model', modelToJSON(fit));
    const last = fit.history[fit.history.length - 1];
    const best = fit.history.reduce(
      (b, r) => (r.perplexityCompletion !== null && r.perplexityCompletion < b ? r.perplexityCompletion : b),
      Number.POSITIVE_INFINITY,
    );
    const summary: Record<string, number> = {
      passes: fit.history.length,
      elbo: last?.elbo ?? Number.NaN,
      umass: fit.coherence.umass,
      npmi: fit.coherence.npmi,
      documents: fit.documents.used,
      empty_documents: text.emptyDocuments,
      tokens: fit.documents.tokens,
      vocabulary: fit.V,
      seconds_per_pass: fit.history.length ? fit.history.reduce((a, r) => a + r.seconds, 0) / fit.history.length : 0,
    };
    if (fit.heldout) {
      summary.heldout_documents = fit.heldout.documents;
      summary.heldout_scored_documents = fit.heldout.scoredDocuments;
      summary.heldout_tokens = fit.heldout.tokens;
    }
    if (last?.perplexityCompletion != null) summary.perplexity = last.perplexityCompletion;
    if (Number.isFinite(best)) summary.best_perplexity = best;
    if (last?.perplexityBound != null) summary.perplexity_bound = last.perplexityBound;
    // The bound over passes judged as the gradient runs' smoothed bound (each pass is already an average over the
    // corpus); held-out perplexity rising at the end. LDA cannot explode: batch VB is coordinate ascent (each update
    // maximises the bound), online VB takes convex combinations λ ← (1−ρ)λ + ρλ̂ of positive statistics.
    const bounds = fit.history.map((r) => r.elbo);
    const conv = bounds.length >= 2 ? convergence(bounds) : null;
    Object.assign(summary, convergenceMetrics(conv, false));
    const rising = risingRun(fit.history.map((r) => r.perplexityCompletion));
    if (rising) summary.perplexity_rising_passes = rising.passes;
    const npmi = fit.history.flatMap((r) => (r.npmi === null ? [] : [r.npmi]));
    report.finish(fit.stopped ? 'cancelled' : 'completed', summary, {
      convergence: convergenceEvidence(conv),
      perplexityRising: rising,
      coherence: npmi.length >= 2 ? { first: npmi[0]!, last: npmi[npmi.length - 1]!, passes: npmi.length } : null,
    });
  },
};
