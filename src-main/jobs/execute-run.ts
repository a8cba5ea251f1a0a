/**
 * Executes one run spec against a dataset and reports through `send`. Kept apart from the worker entry so it can be
 * tested in-process and reused by the CLI.
 */
import { initBackend } from '../engine/backend';
import { DatasetFile } from '../data-import';
import { prepareVaeData, trainVae } from '../engine/models/vae';
import type { MetricPoint } from '../../src-shared/domain/types';
import type { VaeSpec } from '../../src-shared/schemas/run-spec';
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
      return runVae(input.spec, input.datasetDir, send, isCancelled);
  }
}

/** The feature columns a VAE models: the spec's choice, else every numeric or binary feature column. */
export function vaeFeatures(ds: DatasetFile, spec: VaeSpec): string[] {
  const byName = new Map(ds.schema.map((c) => [c.name, c]));
  const names = spec.features.length
    ? spec.features
    : ds.schema.filter((c) => c.role === 'feature' && (c.type === 'numeric' || c.type === 'binary')).map((c) => c.name);
  if (names.length === 0) {
    throw new Error('This dataset has no numeric feature columns to model; set column roles to "feature" on import.');
  }
  for (const n of names) {
    const c = byName.get(n);
    if (!c) throw new Error(`Feature column "${n}" is not in this dataset.`);
    if (c.type !== 'numeric' && c.type !== 'binary') {
      throw new Error(`Feature column "${n}" is ${c.type}; the VAE models numeric and binary columns only for now.`);
    }
  }
  return names;
}

async function runVae(spec: VaeSpec, datasetDir: string, send: (m: FromWorker) => void, isCancelled: () => boolean) {
  const ds = DatasetFile.open(datasetDir);
  const features = vaeFeatures(ds, spec);
  const byName = new Map(ds.schema.map((c) => [c.name, c]));
  const ranges = features.map((n) => {
    const s = byName.get(n)!.stats;
    return s ?? { min: 0, max: 1, mean: 0, std: 1 };
  });
  const raw = { x: ds.matrix(features), n: ds.rows, d: features.length };
  const data = prepareVaeData(raw, ranges, spec);
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
    seconds: wall(),
    non_finite_steps: result.nonFiniteSteps,
  };
  if (result.valElbo !== null) summary.val_elbo = result.valElbo;
  void lastEpoch;
  send({ type: result.stopped ? 'cancelled' : 'completed', metrics: summary });
}
