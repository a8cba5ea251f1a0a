/**
 * Executes one run spec against a dataset and reports through `send`. Kept apart from the worker entry so it can be
 * tested in-process and reused by the CLI.
 */
import { initBackend } from '../engine/backend';
import { DatasetFile } from '../data-import';
import fs from 'node:fs';
import path from 'node:path';
import { evaluateVae, prepareVaeData, prepareWithSnapshot, trainVae, type VaeColumn } from '../engine/models/vae';
import type { MetricPoint } from '../../src-shared/domain/types';
import type { BnnSpec, GlmSpec, LdaRunSpec, VaeSpec } from '../../src-shared/schemas/run-spec';
import { bnnViews, disposeNet, exportBnnBundle, fitBnnSplits } from '../engine/models/bnn';
import { ldaCorpusFor, separateHeldout, splitHeldout } from './lda-corpus';
import { fitLda, modelToJSON, topIndices } from '../engine/models/lda';
import { fitGlm, glmDataFromColumns } from '../engine/models/glm';
import type { FromWorker, WorkerInput } from './protocol';

/** Collects metric points and flushes them at most every `intervalMs` (and at the end). */
export class MetricBatcher {
  private buf: MetricPoint[] = [];
  private last = Date.now();
  constructor(
    private readonly flushTo: (points: MetricPoint[]) => void,
    private readonly intervalMs = 400,
  ) {}
  push(p: MetricPoint): void {
    this.buf.push(p);
    if (Date.now() - this.last >= this.intervalMs) this.flush();
  }
  flush(): void {
    if (this.buf.length) this.flushTo(this.buf);
    this.buf = [];
    this.last = Date.now();
  }
}

export async function executeRun(
  input: WorkerInput,
  send: (m: FromWorker) => void,
  isCancelled: () => boolean,
): Promise<void> {
  const backend = await initBackend();
  send({ type: 'started', backend: backend.name, detail: backend.detail });
  switch (input.spec.model) {
    case 'vae':
      return runVae(input.spec, input.datasetDir, input.runDir, send, isCancelled, input.heldoutDatasetDir);
    case 'glm':
      return runGlm(input.spec, input.datasetDir, send);
    case 'lda':
      return runLda(input.spec, input.datasetDir, send, isCancelled, input.heldoutDatasetDir);
    case 'bnn':
      return runBnn(input.spec, input.datasetDir, input.runDir, send, isCancelled);
    default: {
      const never: never = input.spec;
      throw new Error(`Unknown model ${(never as { model: string }).model}`);
    }
  }
}

/** Target, predictors and the likelihood a GLM run uses, checked against the dataset's schema. */
export function glmColumns(ds: DatasetFile, spec: GlmSpec): { target: string; features: string[]; kind: 'linear' | 'logistic' } {
  const byName = new Map(ds.schema.map((c) => [c.name, c]));
  const t = byName.get(spec.target);
  if (!t) throw new Error(`Target column "${spec.target}" is not in this dataset; columns: ${ds.schema.map((c) => c.name).join(', ')}.`);
  const usable = (type: string) => type === 'numeric' || type === 'binary';
  if (!usable(t.type) && !(t.type === 'categorical' && (t.levels?.length ?? 0) === 2)) {
    throw new Error(`Target column "${spec.target}" is ${t.type}; a GLM needs a numeric or two-valued target.`);
  }
  const binary = t.type === 'binary' || (t.type === 'categorical' && t.levels?.length === 2);
  const kind = spec.kind === 'auto' ? (binary ? 'logistic' : 'linear') : spec.kind;
  if (kind === 'logistic' && !binary) {
    throw new Error(`Logistic regression needs a two-valued target; "${spec.target}" has ${t.levels?.length ?? 'many'} values.`);
  }
  const features = spec.features.length
    ? spec.features
    : ds.schema.filter((c) => c.name !== spec.target && c.role === 'feature' && usable(c.type)).map((c) => c.name);
  if (features.includes(spec.target)) throw new Error(`The target "${spec.target}" cannot also be a predictor.`);
  if (features.length === 0) throw new Error('No numeric predictor columns; mark some columns as features.');
  for (const f of features) {
    const c = byName.get(f);
    if (!c) throw new Error(`Predictor column "${f}" is not in this dataset.`);
    if (!usable(c.type)) throw new Error(`Predictor column "${f}" is ${c.type}; a GLM uses numeric and binary columns.`);
  }
  return { target: spec.target, features, kind };
}

async function runGlm(spec: GlmSpec, datasetDir: string, send: (m: FromWorker) => void) {
  const ds = DatasetFile.open(datasetDir);
  const { target, features, kind } = glmColumns(ds, spec);
  const columns: Record<string, Float32Array> = {};
  for (const name of [target, ...features]) columns[name] = ds.column(name);
  const data = glmDataFromColumns(columns, target, { features, standardise: spec.standardize });
  // A linear model on standardised predictors also standardises the target, so the N(0, τ²) prior and the initial
  // posterior are on the scale of the data; the target's centre and scale are stored to map predictions back.
  let yCentre = 0;
  let yScale = 1;
  if (kind === 'linear' && spec.standardize) {
    const y = data.y;
    let m = 0;
    for (let i = 0; i < y.length; i++) m += y[i]! / y.length;
    let v = 0;
    for (let i = 0; i < y.length; i++) v += (y[i]! - m) ** 2 / Math.max(1, y.length - 1);
    yCentre = m;
    yScale = v > 0 ? Math.sqrt(v) : 1;
    for (let i = 0; i < y.length; i++) y[i] = (y[i]! - yCentre) / yScale;
  }
  const t0 = Date.now();
  const wall = () => (Date.now() - t0) / 1000;
  const metrics = new MetricBatcher((points) => send({ type: 'metrics', points }));
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
    onProgress: (p) => {
      metrics.push({ step: p.step, epoch: 0, name: 'elbo', value: p.bound, wall: wall() });
      const elapsed = Math.max(1e-3, wall());
      const sps = p.step / elapsed;
      send({
        type: 'progress',
        progress: { step: p.step, totalSteps: p.steps, epoch: 0, totalEpochs: 0, loss: -p.bound, stepsPerSecond: sps, etaSeconds: (p.steps - p.step) / sps, phase: 'training' },
      });
    },
  });
  metrics.flush();
  send({
    type: 'artifact',
    kind: 'posterior',
    name: 'posterior',
    data: { model: kind, names: fit.names, mean: fit.mean, sd: fit.sd, noiseSigma: fit.noiseSigma ?? null, standardized: spec.standardize, centre: Array.from(data.centre), scale: Array.from(data.scale), target: { centre: yCentre, scale: yScale }, posterior: fit.posterior },
  });
  const summary: Record<string, number> = {
    final_elbo: fit.finalElbo,
    final_elbo_se: fit.finalElboSe,
    psis_khat: fit.diagnostics.psisKhat,
    ess: fit.diagnostics.ess,
    log_evidence: fit.diagnostics.logEvidence,
    skipped_steps: fit.skippedSteps,
    seconds: wall(),
  };
  send({ type: 'completed', metrics: summary });
}

const VAE_TYPES = new Set(['numeric', 'binary', 'categorical']);

/**
 * The feature columns a VAE models: the spec's choice, else every numeric, binary or categorical feature column
 * (categorical columns become one-hot groups under the mixed likelihood).
 */
export function vaeFeatures(ds: Pick<DatasetFile, 'schema'>, spec: Pick<VaeSpec, 'features'>): string[] {
  const byName = new Map(ds.schema.map((c) => [c.name, c]));
  const names = spec.features.length
    ? spec.features
    : ds.schema.filter((c) => c.role === 'feature' && VAE_TYPES.has(c.type)).map((c) => c.name);
  if (names.length === 0) {
    throw new Error('This dataset has no numeric or categorical feature columns to model; set column roles to "feature" on import.');
  }
  for (const n of names) {
    const c = byName.get(n);
    if (!c) throw new Error(`Feature column "${n}" is not in this dataset.`);
    if (!VAE_TYPES.has(c.type)) {
      throw new Error(`Feature column "${n}" is ${c.type}; the VAE models numeric, binary and categorical columns.`);
    }
  }
  return names;
}

/**
 * The feature columns of a test dataset as a raw matrix in the training dataset's coding: numeric columns as they
 * are, categorical codes mapped by level name onto the training levels (each file numbers its own levels).
 */
export function testMatrix(train: DatasetFile, test: DatasetFile, features: string[]): { x: Float32Array; n: number; d: number } {
  const trainCols = new Map(train.schema.map((c) => [c.name, c]));
  const testCols = new Map(test.schema.map((c) => [c.name, c]));
  const missing = features.filter((f) => !testCols.has(f));
  if (missing.length) {
    throw new Error(`The test file lacks ${missing.length} of the model's feature columns: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ' …' : ''}.`);
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
        throw new Error(`Row ${i + 1} of the test file: column "${f}" has the level "${b.levels?.[code] ?? code}", which the training data never had.`);
      }
      x[i * d + j] = to;
    }
  });
  return { x, n: test.rows, d };
}

async function runVae(
  spec: VaeSpec,
  datasetDir: string,
  runDir: string,
  send: (m: FromWorker) => void,
  isCancelled: () => boolean,
  testDatasetDir?: string,
) {
  const ds = DatasetFile.open(datasetDir);
  const features = vaeFeatures(ds, spec);
  const byName = new Map(ds.schema.map((c) => [c.name, c]));
  const ranges = features.map((n) => {
    const s = byName.get(n)!.stats;
    return s ?? { min: 0, max: 1, mean: 0, std: 1 };
  });

  const columns: VaeColumn[] = features.map((n) => {
    const c = byName.get(n)!;
    return c.type === 'categorical' ? { name: n, type: 'categorical', levels: c.levels ?? [] } : { name: n, type: c.type as 'numeric' | 'binary' };
  });
  // The raw matrix is built inline, not held in a local: an async function keeps its locals alive across awaits, and
  // for MNIST-size data that is another 188 MB for the whole run.
  const data = prepareVaeData({ x: ds.matrix(features, { standardize: false }), n: ds.rows, d: features.length }, ranges, spec, columns);
  const t0 = Date.now();
  const wall = () => (Date.now() - t0) / 1000;
  const metrics = new MetricBatcher((points) => send({ type: 'metrics', points }));
  let lastProgress = 0;
  let lastStep = 0;
  let lastEpoch = 0;
  let firstStepAt = 0;

  const result = await trainVae(data, spec, {
    onStep: ({ step, epoch, totalSteps, loss }) => {
      if (step === 1) firstStepAt = Date.now();
      lastStep = step;
      lastEpoch = epoch;
      metrics.push({ step, epoch, name: 'elbo', value: -loss, wall: wall() });
      const now = Date.now();
      if (now - lastProgress >= 200 || step === totalSteps) {
        lastProgress = now;
        const elapsed = Math.max(1e-3, (now - (firstStepAt || t0)) / 1000);
        const sps = step > 1 ? (step - 1) / elapsed : 0;
        send({
          type: 'progress',
          progress: {
            step,
            totalSteps,
            epoch,
            totalEpochs: spec.epochs,
            loss,
            stepsPerSecond: sps,
            etaSeconds: sps > 0 ? (totalSteps - step) / sps : 0,
            phase: 'training',
          },
        });
      }
    },
    onEpoch: ({ epoch, trainElbo, valElbo }) => {
      metrics.push({ step: lastStep, epoch, name: 'train_elbo', value: trainElbo, wall: wall() });
      if (valElbo !== null) metrics.push({ step: lastStep, epoch, name: 'val_elbo', value: valElbo, wall: wall() });
      metrics.flush();
    },
    shouldStop: isCancelled,
  });
  metrics.flush();
  if (result.reconstructions) {
    send({ type: 'artifact', kind: 'reconstructions', name: 'reconstructions', data: result.reconstructions });
  }
  const summary: Record<string, number> = {
    train_elbo: result.trainElbo,
    epochs: result.epochs,
    seconds_per_epoch: result.secondsPerEpoch,
    non_finite_steps: result.nonFiniteSteps,
  };
  if (result.valElbo !== null) summary.val_elbo = result.valElbo;
  if (result.earlyStopped) summary.best_epoch = result.bestEpoch;
  // The fitted model, for the views and export: a file beside the database, not a row in it (it can be megabytes).
  if (runDir) {
    fs.mkdirSync(runDir, { recursive: true });
    fs.writeFileSync(path.join(runDir, 'vae-snapshot.json'), JSON.stringify(result.snapshot));
    send({ type: 'artifact', kind: 'file', name: 'vae-snapshot', data: { file: 'vae-snapshot.json', features, valRows: result.valRows } });
  }
  // Evaluation progress, at most four messages a second (validation rows, then the test file).
  const evalProgress = () => {
    let last = 0;
    return (p: { done: number; total: number }): void => {
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      send({ type: 'progress', progress: { step: p.done, totalSteps: p.total, epoch: result.epochs, totalEpochs: spec.epochs, loss: 0, stepsPerSecond: 0, etaSeconds: 0, phase: 'evaluating' } });
    };
  };
  // Honest evaluation on the validation rows (or the training rows when there is no validation split).
  if (!result.stopped && !isCancelled()) {
    const evalRows = result.valRows.length >= 2 ? result.valRows : undefined;
    const evaluation = await evaluateVae(result.snapshot, data, {
      k: spec.evaluation.k,
      maxRows: spec.evaluation.rows,
      seed: spec.seed,
      amortisationGap: spec.evaluation.amortisationGap,
      gapRows: spec.evaluation.gapRows,
      gapSteps: spec.evaluation.gapSteps,
      ...(evalRows ? { rows: evalRows } : {}),
      shouldStop: isCancelled,
      onProgress: evalProgress(),
    });
    send({ type: 'artifact', kind: 'evaluation', name: 'evaluation', data: evaluation });
    if (!evaluation.stopped) {
      summary.eval_elbo = evaluation.elbo;
      summary.loglik = evaluation.logLikelihood.mean;
      summary.loglik_k = evaluation.logLikelihood.k;
      summary.kl = evaluation.klTotal;
      summary.active_units = evaluation.activeUnits.count;
      if (evaluation.amortisationGap) summary.amortisation_gap = evaluation.amortisationGap.gap;
    }
  }
  // The same measures on a separate test file, prepared with the training data's transform.
  if (testDatasetDir && !result.stopped && !isCancelled()) {
    const test = prepareWithSnapshot(testMatrix(ds, DatasetFile.open(testDatasetDir), features), result.snapshot);
    const ev = await evaluateVae(result.snapshot, test, {
      k: spec.evaluation.k,
      maxRows: spec.evaluation.rows,
      seed: spec.seed,
      shouldStop: isCancelled,
      onProgress: evalProgress(),
    });
    send({ type: 'artifact', kind: 'evaluation', name: 'test-evaluation', data: ev });
    if (!ev.stopped) {
      summary.test_elbo = ev.elbo;
      summary.test_loglik = ev.logLikelihood.mean;
      summary.test_kl = ev.klTotal;
      summary.test_active_units = ev.activeUnits.count;
      summary.test_rows = ev.rows;
    }
  }
  summary.seconds = wall();
  send({ type: result.stopped ? 'cancelled' : 'completed', metrics: summary });
}

async function runLda(spec: LdaRunSpec, datasetDir: string, send: (m: FromWorker) => void, isCancelled: () => boolean, heldoutDatasetDir?: string) {
  const t0 = Date.now();
  const wall = () => (Date.now() - t0) / 1000;
  const ds = DatasetFile.open(datasetDir);
  const { corpus, report, cached } = await ldaCorpusFor(ds, datasetDir, spec, (p) =>
    send({ type: 'progress', progress: { step: p.documents, totalSteps: ds.rows, epoch: 0, totalEpochs: spec.passes, loss: 0, stepsPerSecond: 0, etaSeconds: 0, phase: 'preparing' } }),
  );
  send({ type: 'artifact', kind: 'text-report', name: 'text-report', data: { ...report, cached } });
  const { train, heldout, trainRows, heldoutRows } = heldoutDatasetDir
    ? await separateHeldout(corpus, heldoutDatasetDir, spec)
    : splitHeldout(corpus, spec.heldoutFraction, spec.seed);
  const metrics = new MetricBatcher((points) => send({ type: 'metrics', points }));
  let lastStepT = Date.now();
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
      shouldStop: isCancelled,
      onProgress: (p) => {
        step = (p.pass - 1) * p.totalDocs + p.docs;
        const total = spec.passes * p.totalDocs;
        const now = Date.now();
        const sps = step / Math.max(1e-3, (now - t0) / 1000);
        lastStepT = now;
        send({
          type: 'progress',
          progress: { step, totalSteps: total, epoch: p.pass, totalEpochs: spec.passes, loss: 0, stepsPerSecond: sps, etaSeconds: sps > 0 ? (total - step) / sps : 0, phase: p.phase === 'train' ? 'training' : 'evaluating' },
        });
      },
      onPass: (r) => {
        const pt = { step, epoch: r.pass, wall: wall() };
        metrics.push({ ...pt, name: 'elbo', value: r.elbo });
        if (r.perplexityCompletion !== null) metrics.push({ ...pt, name: 'perplexity', value: r.perplexityCompletion });
        if (r.perplexityBound !== null) metrics.push({ ...pt, name: 'perplexity_bound', value: r.perplexityBound });
        metrics.push({ ...pt, name: 'pass_seconds', value: r.seconds });
        metrics.flush();
      },
    },
  );
  void lastStepT;
  metrics.flush();
  // Topics for the views: top words by probability with their weights, and each topic's prevalence.
  const K = fit.K;
  const V = fit.V;
  const topics: { words: string[]; weights: number[]; prevalence: number; umass: number; npmi: number }[] = [];
  let totalMass = 0;
  const mass = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let sk = 0;
    for (let v = 0; v < V; v++) sk += fit.lambda[k * V + v]! - fit.eta;
    mass[k] = Math.max(0, sk);
    totalMass += mass[k]!;
  }
  for (let k = 0; k < K; k++) {
    const row = fit.lambda.subarray(k * V, (k + 1) * V);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += row[v]!;
    const top = topIndices(fit.lambda, K, V, k, 30);
    topics.push({
      words: top.map((v) => fit.vocabulary[v]!),
      weights: top.map((v) => row[v]! / sum),
      prevalence: totalMass > 0 ? mass[k]! / totalMass : 1 / K,
      umass: fit.coherence.perTopic[k]?.umass ?? Number.NaN,
      npmi: fit.coherence.perTopic[k]?.npmi ?? Number.NaN,
    });
  }
  send({ type: 'artifact', kind: 'topics', name: 'topics', data: { topics, trainRows: trainRows.length, heldoutRows: heldoutRows.length } });
  send({ type: 'artifact', kind: 'lda-model', name: 'model', data: modelToJSON(fit) });
  const last = fit.history[fit.history.length - 1];
  const best = fit.history.reduce((b, r) => (r.perplexityCompletion !== null && r.perplexityCompletion < b ? r.perplexityCompletion : b), Number.POSITIVE_INFINITY);
  const summary: Record<string, number> = {
    passes: fit.history.length,
    elbo: last?.elbo ?? Number.NaN,
    umass: fit.coherence.umass,
    npmi: fit.coherence.npmi,
    documents: fit.documents.used,
    empty_documents: report.emptyDocuments,
    tokens: fit.documents.tokens,
    vocabulary: V,
    seconds_per_pass: fit.history.length ? fit.history.reduce((a, r) => a + r.seconds, 0) / fit.history.length : 0,
    seconds: wall(),
  };
  if (fit.heldout) {
    summary.heldout_documents = fit.heldout.documents;
    summary.heldout_scored_documents = fit.heldout.scoredDocuments;
    summary.heldout_tokens = fit.heldout.tokens;
  }
  if (last?.perplexityCompletion != null) summary.perplexity = last.perplexityCompletion;
  if (Number.isFinite(best)) summary.best_perplexity = best;
  if (last?.perplexityBound != null) summary.perplexity_bound = last.perplexityBound;
  send({ type: fit.stopped ? 'cancelled' : 'completed', metrics: summary });
}

async function runBnn(spec: BnnSpec, datasetDir: string, runDir: string, send: (m: FromWorker) => void, isCancelled: () => boolean) {
  const t0 = Date.now();
  const wall = () => (Date.now() - t0) / 1000;
  const ds = DatasetFile.open(datasetDir);
  const metrics = new MetricBatcher((points) => send({ type: 'metrics', points }));
  let stepsPerSplit = 0;
  let lastProgress = 0;
  const fit = await fitBnnSplits(ds, spec, {
    callbacks: (split) => ({
      shouldStop: isCancelled,
      onStep: ({ step, epoch, totalSteps, loss }) => {
        stepsPerSplit = totalSteps;
        const global = split * totalSteps + step;
        if (split === 0 && Number.isFinite(loss) && (step % 5 === 0 || step === totalSteps)) {
          metrics.push({ step, epoch, name: 'loss', value: loss, wall: wall() });
        }
        const now = Date.now();
        if (now - lastProgress >= 250) {
          lastProgress = now;
          const total = spec.splits * totalSteps;
          const sps = global / Math.max(1e-3, wall());
          send({ type: 'progress', progress: { step: global, totalSteps: total, epoch, totalEpochs: spec.epochs, loss, stepsPerSecond: sps, etaSeconds: sps > 0 ? (total - global) / sps : 0, phase: 'training' } });
        }
      },
      onEpoch: ({ epoch, loss, valLogLik, noiseSd }) => {
        if (split !== 0) return;
        const pt = { step: epoch * Math.max(1, Math.round(stepsPerSplit / spec.epochs)), epoch, wall: wall() };
        metrics.push({ ...pt, name: 'epoch_loss', value: loss });
        if (valLogLik !== null) metrics.push({ ...pt, name: 'val_loglik', value: valLogLik });
        if (noiseSd !== null) metrics.push({ ...pt, name: 'noise_sd', value: noiseSd });
      },
    }),
    onSplit: (split, m) => {
      const pt = { step: split + 1, epoch: 0, wall: wall() };
      for (const [k, v] of Object.entries(m)) if (typeof v === 'number' && Number.isFinite(v)) metrics.push({ ...pt, name: `split_${k}`, value: v });
      metrics.flush();
    },
  });
  metrics.flush();
  try {
    const views = bnnViews(fit.first.model, fit.first.data);
    send({ type: 'artifact', kind: 'bnn-views', name: 'views', data: views });
    send({ type: 'artifact', kind: 'bnn-splits', name: 'splits', data: { summary: fit.summary, perSplit: fit.perSplit, secondsPerSplit: fit.secondsPerSplit } });
    if (runDir) {
      exportBnnBundle(fit.first.model, path.join(runDir, 'bnn-bundle'), { metrics: fit.perSplit[0] ?? null });
      send({ type: 'artifact', kind: 'file', name: 'bnn-bundle', data: { dir: 'bnn-bundle' } });
    }
  } finally {
    disposeNet(fit.first.model.net);
  }
  const summary: Record<string, number> = { splits: fit.splits, seconds_per_split: fit.secondsPerSplit, seconds: wall() };
  for (const [k, v] of Object.entries(fit.summary)) {
    summary[k] = v.mean;
    if (fit.splits > 1) summary[`${k}_se`] = v.se;
  }
  send({ type: isCancelled() ? 'cancelled' : 'completed', metrics: summary });
}
