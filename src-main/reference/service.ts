/**
 * Reference posteriors as a service: `request` returns the stored reference of (dataset content, GLM spec, sampler
 * settings) when there is one — identical, without resampling — else queues a job that runs on its own worker thread
 * (reference.worker.ts, the training workers' heap cap), one job at a time, with progress (`reference:progress`
 * events and `status`) and `cancel`. A finished reference is stored (migration 8) under its cache key.
 */
import type { Worker } from 'node:worker_threads';
import { AppError } from '../../src-shared/ipc/app-error';
import type { ReferenceJobStatus } from '../../src-shared/domain/reference';
import type { GlmSpec } from '../../src-shared/schemas/run-spec';
import type { ReferenceSettings } from '../../src-shared/schemas/api';
import { workerEntry } from '../engine/worker-entry';
import { trainingResourceLimits } from '../jobs/memory-estimate';
import type { Repos } from '../storage/repositories';
import type { EventBus } from '../api/events';
import { referenceKey, referenceSpec } from './cache-key';
import type { FromReferenceWorker, ReferenceWorkerInput, ToReferenceWorker } from './protocol';

export interface ReferenceServiceOptions {
  repos: Repos;
  events?: EventBus;
  datasetDir: (datasetId: number) => string;
  /** Starts a worker for one job (default: reference.worker.js beside the build, else the .ts under tsx). */
  start?: (input: ReferenceWorkerInput) => Worker;
}

interface Job {
  status: ReferenceJobStatus;
  input: ReferenceWorkerInput;
  worker: Worker | null;
  cancelRequested: boolean;
  waiters: Array<(s: ReferenceJobStatus) => void>;
}

const FINAL = new Set(['completed', 'failed', 'cancelled']);

export class ReferenceService {
  private readonly jobs = new Map<string, Job>();
  private readonly queue: string[] = [];
  private running: string | null = null;
  private closed = false;

  constructor(private readonly o: ReferenceServiceOptions) {}

  /** The cache key of a dataset's reference for this spec and these settings. */
  key(datasetId: number, spec: GlmSpec, settings: ReferenceSettings): string {
    const ds = this.o.repos.datasets.get(datasetId);
    if (!ds) throw new AppError('NOT_FOUND', `No dataset with id ${datasetId}`);
    return referenceKey(ds.contentHash, spec, settings);
  }

  /** The stored reference, the job's state, or status "none". */
  status(key: string, datasetId = 0): ReferenceJobStatus {
    const job = this.jobs.get(key);
    if (job && !(job.status.status === 'completed')) return { ...job.status };
    const stored = this.o.repos.references.get(key);
    if (stored)
      return {
        key,
        datasetId: stored.datasetId,
        status: 'completed',
        progress: null,
        error: null,
        reference: stored.result,
        cached: true,
        seconds: stored.seconds,
      };
    return job
      ? { ...job.status }
      : { key, datasetId, status: 'none', progress: null, error: null, reference: null, cached: false, seconds: null };
  }

  /** The stored reference, or a queued (or already running) job computing it. */
  request(datasetId: number, spec: GlmSpec, settings: ReferenceSettings): ReferenceJobStatus {
    if (this.closed) throw new AppError('INTERNAL', 'The reference service has been closed', 'Restart ELBO Studio.');
    const key = this.key(datasetId, spec, settings);
    const now = this.status(key, datasetId);
    if (now.status === 'completed' || now.status === 'queued' || now.status === 'running') return now;
    const job: Job = {
      status: { ...now, status: 'queued', progress: null, error: null, reference: null, cached: false, seconds: null },
      input: { datasetDir: this.o.datasetDir(datasetId), spec, settings },
      worker: null,
      cancelRequested: false,
      waiters: [],
    };
    this.jobs.set(key, job);
    this.queue.push(key);
    this.emit(job);
    this.pump();
    return { ...job.status };
  }

  /** Resolves when the job of `key` has finished (completed, failed or cancelled). */
  wait(key: string): Promise<ReferenceJobStatus> {
    const s = this.status(key);
    const job = this.jobs.get(key);
    if (!job || FINAL.has(s.status) || s.status === 'none') return Promise.resolve(s);
    return new Promise((resolve) => job.waiters.push(resolve));
  }

  cancel(key: string): ReferenceJobStatus {
    const job = this.jobs.get(key);
    if (!job || FINAL.has(job.status.status)) return this.status(key);
    job.cancelRequested = true;
    if (job.status.status === 'queued') {
      this.queue.splice(this.queue.indexOf(key), 1);
      this.finish(key, { status: 'cancelled' });
    } else job.worker?.postMessage({ type: 'cancel' } satisfies ToReferenceWorker);
    return this.status(key);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const key of [...this.queue]) this.cancel(key);
    const w = this.running ? this.jobs.get(this.running)?.worker : null;
    if (w) await w.terminate();
  }

  private startWorker(input: ReferenceWorkerInput): Worker {
    if (this.o.start) return this.o.start(input);
    const start = workerEntry(__dirname, 'reference.worker.js', 'reference.worker.ts');
    if (!start)
      throw new AppError(
        'INTERNAL',
        `No reference worker found beside ${__dirname} (reference.worker.js or .ts)`,
        'Reinstall ELBO Studio.',
      );
    return start(input, trainingResourceLimits());
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const key = this.queue.shift();
    if (!key) return;
    const job = this.jobs.get(key)!;
    this.running = key;
    job.status = { ...job.status, status: 'running', progress: { fraction: 0, phase: 'warmup', divergences: 0 } };
    this.emit(job);
    let w: Worker;
    try {
      w = this.startWorker(job.input);
    } catch (e) {
      this.finish(key, { status: 'failed', error: (e as Error).message });
      return;
    }
    job.worker = w;
    let settled = false;
    w.on('message', (m: FromReferenceWorker) => {
      if (m.type === 'progress') {
        job.status = { ...job.status, progress: { fraction: m.fraction, phase: m.phase, divergences: m.divergences } };
        this.emit(job);
      } else if (m.type === 'done') {
        settled = true;
        this.o.repos.references.put({
          cacheKey: key,
          datasetId: job.status.datasetId,
          spec: { ...referenceSpec(job.input.spec), settings: job.input.settings },
          result: m.result,
          seconds: m.seconds,
        });
        this.finish(key, { status: 'completed', reference: m.result, seconds: m.seconds });
      } else if (m.type === 'cancelled') {
        settled = true;
        this.finish(key, { status: 'cancelled' });
      } else {
        settled = true;
        this.finish(key, { status: 'failed', error: m.message });
      }
    });
    w.on('error', (e) => {
      if (settled) return;
      settled = true;
      this.finish(key, { status: 'failed', error: `The reference worker crashed: ${e.message.split('\n')[0]}` });
    });
    w.on('exit', (code) => {
      if (settled) return;
      settled = true;
      this.finish(key, {
        status: job.cancelRequested ? 'cancelled' : 'failed',
        error: job.cancelRequested ? null : `The reference worker stopped unexpectedly (exit code ${code})`,
      });
    });
  }

  private finish(key: string, patch: Partial<ReferenceJobStatus>): void {
    const job = this.jobs.get(key);
    if (!job) return;
    job.status = { ...job.status, ...patch, progress: patch.status === 'completed' ? null : job.status.progress };
    job.worker = null;
    if (this.running === key) this.running = null;
    this.emit(job);
    for (const w of job.waiters.splice(0)) w({ ...job.status });
    // A completed job is read back from the store from now on.
    if (job.status.status === 'completed') this.jobs.delete(key);
    this.pump();
  }

  private emit(job: Job): void {
    // Progress events carry the state, not the (possibly large) result; `status` gives the result.
    this.o.events?.emit('reference:progress', { ...job.status, reference: null });
  }
}
