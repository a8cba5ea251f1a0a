/**
 * The job runner: a FIFO queue of runs, each trained in its own worker thread so the UI never freezes and a crash
 * takes down only its run. It owns run state transitions (queued → running → completed | failed | cancelled),
 * writes metrics in batches, stores artifacts and publishes run events.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { EventBus } from '../api/events';
import type { Repos } from '../storage/repositories';
import type { FromWorker, ToWorker, WorkerInput } from './protocol';
import { describeStorageError } from '../storage/storage-errors';
import { dropLease, heldElsewhere, LEASE_HEARTBEAT_MS, takeLease, touchLease } from './run-lease';
import { trainingResourceLimits } from './memory-estimate';
import { secondDatasetId } from './adapters';
import { runVerdict, type RunVerdict, type VerdictEvidence } from '../../src-shared/domain/verdict';

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
export function tsWorker(entry: string, workerData: object, resourceLimits?: ResourceLimits): Worker {
  return new Worker(path.join(__dirname, 'ts-worker-bootstrap.cjs'), {
    workerData: { ...workerData, __tsEntry: entry },
    ...(resourceLimits ? { resourceLimits } : {}),
  });
}

/** The worker script: the bundled .js beside this file in a build, else the .ts source run through tsx. */
export function defaultWorkerFactory(): WorkerFactory {
  const here = __dirname;
  // In a build this code may sit in out/main/chunks/ while the worker entry is out/main/training.worker.js.
  const built = [path.join(here, 'training.worker.js'), path.join(here, '..', 'training.worker.js')].find((p) =>
    fs.existsSync(p),
  );
  const source = path.join(here, 'training.worker.ts');
  // A worker's JavaScript heap is capped (tensors live outside it and are bounded by the estimate at runs:start), so
  // a runaway run fails with ERR_WORKER_OUT_OF_MEMORY instead of taking the whole process and machine with it.
  if (built) {
    return (input) =>
      new Worker(built, { workerData: input, resourceLimits: trainingResourceLimits() }) as unknown as WorkerLike;
  }
  if (fs.existsSync(source)) {
    return (input) => tsWorker(source, input, trainingResourceLimits()) as unknown as WorkerLike;
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
  /** The data directory, named in storage failures (a full disk, a read-only folder). */
  dataDir?: string;
}

export class JobRunner {
  private readonly queue: number[] = [];
  private readonly active = new Map<number, Active>();
  private readonly factory: WorkerFactory;
  private readonly concurrency: number;
  private readonly graceMs: number;
  private idleWaiters: (() => void)[] = [];
  private stopped = false;
  /** Final states the database could not take yet (a full disk): retried until they are written. */
  private readonly unwritten = new Map<
    number,
    {
      status: 'completed' | 'failed' | 'cancelled';
      error: string | null;
      metrics?: Record<string, number>;
      verdict: { verdict: RunVerdict; evidence: VerdictEvidence };
    }
  >();
  private retryTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(private readonly opts: JobRunnerOptions) {
    this.factory = opts.workerFactory ?? defaultWorkerFactory();
    this.concurrency = Math.max(1, opts.concurrency ?? 1);
    this.graceMs = opts.cancelGraceMs ?? 5000;
  }

  /**
   * At start: fail runs a killed process left running, queue again the ones still queued — except those another
   * live process (the CLI, a second app on the same data directory) holds the lease of.
   */
  recover(): { failed: number[]; requeued: number[] } {
    const runDir = this.opts.runDir;
    const elsewhere = runDir ? (id: number) => heldElsewhere(runDir(id)) !== null : () => false;
    const { failed, queued } = this.opts.repos.runs.recoverAfterRestart(elsewhere);
    // The dead owner's leases go with its runs.
    if (runDir) for (const id of failed) fs.rmSync(path.join(runDir(id), 'owner.json'), { force: true });
    for (const id of queued) this.enqueue(id);
    return { failed, requeued: queued };
  }

  enqueue(runId: number): void {
    if (this.stopped) throw new Error('The job runner has stopped');
    this.lease(runId, 'take');
    this.queue.push(runId);
    this.pump();
  }

  private lease(runId: number, op: 'take' | 'drop'): void {
    const runDir = this.opts.runDir;
    if (!runDir) return;
    try {
      if (op === 'take') takeLease(runDir(runId));
      else dropLease(runDir(runId));
    } catch {
      /* a lease only protects against another process's recovery; a full disk must not stop the run here */
    }
    if (!this.heartbeat && op === 'take') {
      this.heartbeat = setInterval(() => {
        for (const id of [...this.queue, ...this.active.keys(), ...this.unwritten.keys()]) touchLease(runDir(id));
      }, LEASE_HEARTBEAT_MS);
      this.heartbeat.unref();
    }
  }

  isActive(runId: number): boolean {
    return this.active.has(runId);
  }

  /** Cancels a queued or running run. Returns false when the run had already finished. */
  cancel(runId: number): boolean {
    const qi = this.queue.indexOf(runId);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      this.finish(runId, 'cancelled', null);
      this.publishStatus(runId);
      this.notifyIdle();
      return true;
    }
    const a = this.active.get(runId);
    if (!a) {
      // Not ours to stop (e.g. left 'running' by a crashed process in the same database): settle it anyway.
      const r = this.opts.repos.runs.get(runId);
      if (!r || (r.status !== 'queued' && r.status !== 'running')) return false;
      const evidence: VerdictEvidence = { status: 'cancelled', error: null };
      this.opts.repos.runs.finish(runId, 'cancelled', null, undefined, { verdict: runVerdict(evidence), evidence });
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
    for (const id of this.queue) this.lease(id, 'drop');
    this.queue.length = 0;
    const all = [...this.active.values()];
    for (const a of all)
      this.settle(a, 'failed', 'Interrupted: ELBO Studio was closed while this run was training.', {});
    await Promise.all(all.map((a) => a.worker.terminate().catch(() => 0)));
    this.writeUnwritten();
    if (this.retryTimer) clearInterval(this.retryTimer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.retryTimer = this.heartbeat = null;
  }

  /** Final states not yet written because of a storage failure (run id → status and cause). */
  pendingFinishes(): ReadonlyMap<number, { status: string; error: string | null }> {
    return this.unwritten;
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
      this.finish(runId, 'failed', `Could not start the training worker: ${(e as Error).message}`);
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

  /**
   * A message from a worker. A storage failure while recording it (a full disk in MetricsRepo.append, a read-only
   * database) ends the run with that cause, named with the path and the fix; it never escapes into the event loop,
   * where it would kill the server.
   */
  private onMessage(a: Active, msg: FromWorker): void {
    if (a.settled) return;
    try {
      this.record(a, msg);
    } catch (e) {
      const storage = this.opts.dataDir ? describeStorageError(e, this.opts.dataDir) : null;
      const why = storage
        ? `${storage.message}. ${storage.hint ?? ''}`.trim()
        : `Recording the run failed: ${(e as Error).message.split('\n')[0]}`;
      this.settle(a, 'failed', `Training stopped: ${why}`, {});
      void a.worker.terminate().catch(() => 0);
    }
  }

  private record(a: Active, msg: FromWorker): void {
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
        this.settle(a, 'completed', null, msg.metrics, msg.evidence);
        break;
      case 'cancelled':
        this.settle(a, 'cancelled', null, msg.metrics, msg.evidence);
        break;
      case 'failed':
        this.settle(a, 'failed', msg.message, msg.metrics ?? {}, msg.evidence);
        break;
    }
  }

  private settle(
    a: Active,
    status: 'completed' | 'failed' | 'cancelled',
    error: string | null,
    metrics: Record<string, number>,
    evidence: VerdictEvidence = {},
  ): void {
    if (a.settled) return;
    a.settled = true;
    if (a.killTimer) clearTimeout(a.killTimer);
    const final = a.cancelRequested && status === 'completed' ? 'cancelled' : status;
    this.active.delete(a.runId);
    this.finish(a.runId, final, error, Object.keys(metrics).length ? metrics : undefined, evidence);
    this.publishStatus(a.runId);
    // Let the worker exit on its own after a final message; make sure it does.
    setTimeout(() => void a.worker.terminate().catch(() => 0), 1000).unref();
    this.pump();
  }

  /**
   * Writes a final state; when the database cannot take it (a full disk) the state is kept and retried every two
   * seconds, so the run records its true cause once space is freed (the lease stays held meanwhile, so no other
   * process calls it "Interrupted").
   */
  private finish(
    runId: number,
    status: 'completed' | 'failed' | 'cancelled',
    error: string | null,
    metrics?: Record<string, number>,
    evidence: VerdictEvidence = {},
  ): void {
    // The verdict is judged here, once, from what the worker found and how the run ended (src-shared/domain/verdict).
    const judged = { ...evidence, status, error: evidence.error ?? error };
    const verdict = { verdict: runVerdict(judged), evidence: judged };
    try {
      this.opts.repos.runs.finish(runId, status, error, metrics, verdict);
      this.unwritten.delete(runId);
      this.lease(runId, 'drop');
    } catch (e) {
      const storage = this.opts.dataDir ? describeStorageError(e, this.opts.dataDir) : null;
      const cause = error ?? (storage ? `${storage.message}. ${storage.hint ?? ''}`.trim() : null);
      this.unwritten.set(runId, { status, error: cause, verdict, ...(metrics ? { metrics } : {}) });
      if (!this.retryTimer) {
        this.retryTimer = setInterval(() => this.writeUnwritten(), 2000);
        this.retryTimer.unref();
      }
    }
  }

  private writeUnwritten(): void {
    for (const [runId, u] of [...this.unwritten]) {
      try {
        this.opts.repos.runs.finish(runId, u.status, u.error, u.metrics, u.verdict);
        this.unwritten.delete(runId);
        this.lease(runId, 'drop');
        this.publishStatus(runId);
      } catch {
        /* still no room: next time */
      }
    }
    if (this.unwritten.size === 0 && this.retryTimer) {
      clearInterval(this.retryTimer);
      this.retryTimer = null;
    }
  }

  private publishStatus(runId: number): void {
    try {
      const r = this.opts.repos.runs.get(runId);
      if (!r) return;
      const u = this.unwritten.get(runId);
      // Until the database takes it, tell the UI the state it will hold.
      this.opts.events.emit('run:status', u ? { ...r, status: u.status, error: u.error } : r);
    } catch {
      /* the database cannot be read (damaged): nothing to publish */
    }
  }
}
