/**
 * The job runner: a FIFO queue of runs, each trained in its own worker thread so the UI never freezes and a crash
 * takes down only its run. It owns run state transitions (queued → running → completed | failed | cancelled),
 * writes metrics in batches, stores artifacts and publishes run events.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EventBus } from '../api/events';
import type { Repos } from '../storage/repositories';
import type { FromWorker, ToWorker, WorkerInput } from './protocol';
import { secondDatasetId } from './adapters';

export interface WorkerLike {
  postMessage(msg: ToWorker): void;
  on(event: 'message', cb: (msg: FromWorker) => void): this;
  on(event: 'error', cb: (err: Error) => void): this;
  on(event: 'exit', cb: (code: number) => void): this;
  terminate(): Promise<number>;
}

export type WorkerFactory = (input: WorkerInput) => WorkerLike;

/**
 * A worker thread running a TypeScript entry in development (tests, browser mode, CLI): a tiny CommonJS bootstrap
 * registers tsx and requires the entry, because Node 20 does not pass `--import tsx` on to worker threads.
 */
export function tsWorker(entry: string, workerData: object): Worker {
  return new Worker(path.join(__dirname, 'ts-worker-bootstrap.cjs'), { workerData: { ...workerData, __tsEntry: entry } });
}

/** The worker script: the bundled .js beside this file in a build, else the .ts source run through tsx. */
export function defaultWorkerFactory(): WorkerFactory {
  const here = __dirname;
  // In a build this code may sit in out/main/chunks/ while the worker entry is out/main/training.worker.js.
  const built = [path.join(here, 'training.worker.js'), path.join(here, '..', 'training.worker.js')].find((p) => fs.existsSync(p));
  const source = path.join(here, 'training.worker.ts');
  if (built) {
    return (input) => new Worker(built, { workerData: input }) as unknown as WorkerLike;
  }
  if (fs.existsSync(source)) {
    return (input) => tsWorker(source, input) as unknown as WorkerLike;
  }
  throw new Error(`No training worker found beside ${here} (looked for training.worker.js and .ts)`);
}

interface Active {
  runId: number;
  worker: WorkerLike;
  cancelRequested: boolean;
  killTimer: NodeJS.Timeout | null;
  settled: boolean;
}

export interface JobRunnerOptions {
  repos: Repos;
  events: EventBus;
  /** Resolves a dataset id to the absolute folder of its files. */
  datasetDir: (datasetId: number) => string;
  /** Resolves a run id to the absolute folder for its larger files (default: none, runs keep everything in SQLite). */
  runDir?: (runId: number) => string;
  workerFactory?: WorkerFactory;
  /** Runs trained at once (default 1: training already uses a whole core). */
  concurrency?: number;
  /** Grace period for a worker to stop on cancel before it is terminated. */
  cancelGraceMs?: number;
}

export class JobRunner {
  private readonly queue: number[] = [];
  private readonly active = new Map<number, Active>();
  private readonly factory: WorkerFactory;
  private readonly concurrency: number;
  private readonly graceMs: number;
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly opts: JobRunnerOptions) {
    this.factory = opts.workerFactory ?? defaultWorkerFactory();
    this.concurrency = Math.max(1, opts.concurrency ?? 1);
    this.graceMs = opts.cancelGraceMs ?? 5000;
  }

  /** At start: fail runs a killed app left running, queue again the ones still queued. */
  recover(): { failed: number[]; requeued: number[] } {
    const { failed, queued } = this.opts.repos.runs.recoverAfterRestart();
    for (const id of queued) this.enqueue(id);
    return { failed, requeued: queued };
  }

  enqueue(runId: number): void {
    if (this.stopped) throw new Error('The job runner has stopped');
    this.queue.push(runId);
    this.pump();
  }

  isActive(runId: number): boolean {
    return this.active.has(runId);
  }

  /** Cancels a queued or running run. Returns false when the run had already finished. */
  cancel(runId: number): boolean {
    const qi = this.queue.indexOf(runId);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      this.opts.repos.runs.finish(runId, 'cancelled', null);
      this.publishStatus(runId);
      this.notifyIdle();
      return true;
    }
    const a = this.active.get(runId);
    if (!a) {
      // Not ours to stop (e.g. left 'running' by a crashed process in the same database): settle it anyway.
      const r = this.opts.repos.runs.get(runId);
      if (!r || (r.status !== 'queued' && r.status !== 'running')) return false;
      this.opts.repos.runs.finish(runId, 'cancelled', null);
      this.publishStatus(runId);
      return true;
    }
    if (!a.cancelRequested) {
      a.cancelRequested = true;
      a.worker.postMessage({ type: 'cancel' });
      a.killTimer = setTimeout(() => {
        if (!a.settled) {
          this.settle(a, 'cancelled', null, {});
          void a.worker.terminate();
        }
      }, this.graceMs);
    }
    return true;
  }

  /** Resolves when nothing is queued or running. */
  whenIdle(): Promise<void> {
    if (this.queue.length === 0 && this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops all work: running runs are marked failed (the app is closing), the queue is kept for the next start. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    const all = [...this.active.values()];
    for (const a of all) this.settle(a, 'failed', 'Interrupted: ELBO Studio was closed while this run was training.', {});
    await Promise.all(all.map((a) => a.worker.terminate().catch(() => 0)));
  }

  private pump(): void {
    while (!this.stopped && this.active.size < this.concurrency && this.queue.length > 0) {
      const runId = this.queue.shift()!;
      this.start(runId);
    }
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.queue.length === 0 && this.active.size === 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      w.forEach((f) => f());
    }
  }

  private start(runId: number): void {
    const run = this.opts.repos.runs.get(runId);
    if (!run || run.status !== 'queued') return;
    let worker: WorkerLike;
    try {
      const second = secondDatasetId(run.spec);
      worker = this.factory({
        runId,
        spec: run.spec,
        datasetDir: this.opts.datasetDir(run.datasetId),
        runDir: this.opts.runDir ? this.opts.runDir(runId) : '',
        ...(second !== undefined ? { heldoutDatasetDir: this.opts.datasetDir(second) } : {}),
      });
    } catch (e) {
      this.opts.repos.runs.finish(runId, 'failed', `Could not start the training worker: ${(e as Error).message}`);
      this.publishStatus(runId);
      return;
    }
    const a: Active = { runId, worker, cancelRequested: false, killTimer: null, settled: false };
    this.active.set(runId, a);
    worker.on('message', (msg) => this.onMessage(a, msg));
    worker.on('error', (err) => {
      this.settle(a, 'failed', `The training worker crashed: ${err.message.split('\n')[0]}`, {});
    });
    worker.on('exit', (code) => {
      if (!a.settled) {
        if (a.cancelRequested) this.settle(a, 'cancelled', null, {});
        else this.settle(a, 'failed', `The training worker exited unexpectedly (exit code ${code}).`, {});
      }
    });
  }

  private onMessage(a: Active, msg: FromWorker): void {
    if (a.settled) return;
    const { repos, events } = this.opts;
    switch (msg.type) {
      case 'started':
        repos.runs.markRunning(a.runId, msg.backend);
        this.publishStatus(a.runId);
        break;
      case 'progress':
        events.emit('run:progress', { runId: a.runId, ...msg.progress });
        break;
      case 'metrics':
        repos.metrics.append(a.runId, msg.points);
        events.emit('run:metrics', { runId: a.runId, points: msg.points });
        break;
      case 'artifact':
        repos.artifacts.put(a.runId, msg.kind, msg.name, msg.data);
        break;
      case 'completed':
        this.settle(a, 'completed', null, msg.metrics);
        break;
      case 'cancelled':
        this.settle(a, 'cancelled', null, msg.metrics);
        break;
      case 'failed':
        this.settle(a, 'failed', msg.message, {});
        break;
    }
  }

  private settle(a: Active, status: 'completed' | 'failed' | 'cancelled', error: string | null, metrics: Record<string, number>): void {
    if (a.settled) return;
    a.settled = true;
    if (a.killTimer) clearTimeout(a.killTimer);
    const final = a.cancelRequested && status === 'completed' ? 'cancelled' : status;
    this.opts.repos.runs.finish(a.runId, final, error, Object.keys(metrics).length ? metrics : undefined);
    this.active.delete(a.runId);
    this.publishStatus(a.runId);
    // Let the worker exit on its own after a final message; make sure it does.
    setTimeout(() => void a.worker.terminate().catch(() => 0), 1000).unref();
    this.pump();
  }

  private publishStatus(runId: number): void {
    const r = this.opts.repos.runs.get(runId);
    if (r) this.opts.events.emit('run:status', r);
  }
}
