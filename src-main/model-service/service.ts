/**
 * The one model service: every use of a fitted model on rows (VAE encode, reconstruct and views, LDA inference,
 * BNN predictions, scoring with an imported bundle) runs on one worker thread (model.worker.ts) that keeps the loaded
 * models in one LRU cache, so the main process's event loop never waits on the maths and the other API calls keep
 * answering. Requests are served in order by the worker; each has a timeout, after which the worker is restarted
 * (its cache is lost, the other pending requests fail with a message saying so). A crashed worker fails its pending
 * requests with a clear error and is started again on the next request. Errors cross the thread with their code,
 * message and hint unchanged.
 */
import type { Worker } from 'node:worker_threads';
import { AppError, type AppErrorCode } from '../../src-shared/ipc/app-error';
import { workerEntry } from '../engine/worker-entry';
import { trainingResourceLimits } from '../jobs/memory-estimate';
import type { FromModelWorker, ModelSource, ToModelWorker, WireError } from './protocol';

export interface ModelRef {
  /** The cache key: one per fitted model, "run:<runId>" or "model:<imported model id>" (evicted on delete). */
  key: string;
  /** Called on a cache miss only: where the worker loads the model from. Throws (NOT_FOUND …) when there is none. */
  source: () => ModelSource | Promise<ModelSource>;
}

export interface ModelServiceOptions {
  /** Starts the worker (default: model.worker.js beside the build, else model.worker.ts under tsx). */
  start?: () => Worker;
  /** A request that takes longer is failed and the worker restarted (default 10 minutes). */
  timeoutMs?: number;
  /** Cache bounds passed to the worker (default 6 models, 1 GB). */
  maxEntries?: number;
  maxBytes?: number;
}

interface Pending {
  op: string;
  args: unknown;
  model: ModelRef | undefined;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export function errorFromWire(e: WireError): Error {
  if (e.code) return new AppError(e.code as AppErrorCode, e.message, e.hint);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

export class ModelService {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(private readonly opts: ModelServiceOptions = {}) {}

  /** Runs `op` on the worker; with `model`, the worker first finds (or loads) that model. */
  call<T>(op: string, args: unknown, model?: ModelRef, timeoutMs = this.opts.timeoutMs ?? 600_000): Promise<T> {
    if (this.closed)
      return Promise.reject(new AppError('INTERNAL', 'The model service has been closed', 'Restart ELBO Studio.'));
    const w = this.ensureWorker();
    w.ref();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.timeout(id, timeoutMs), timeoutMs);
      timer.unref();
      this.pending.set(id, { op, args, model, resolve: resolve as (v: unknown) => void, reject, timer });
      w.postMessage({ type: 'call', id, op, args, ...(model ? { key: model.key } : {}) } satisfies ToModelWorker);
    });
  }

  /** Drops a model from the worker's cache (e.g. an imported model was deleted). */
  evict(key: string): void {
    this.worker?.postMessage({ type: 'evict', key } satisfies ToModelWorker);
  }

  /** Number of requests sent and not yet answered. */
  get busy(): number {
    return this.pending.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    this.failAll(
      new AppError('INTERNAL', 'The model service was closed while this request ran', 'Restart ELBO Studio.'),
    );
    if (w) await w.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    let w: Worker;
    if (this.opts.start) w = this.opts.start();
    else {
      const start = workerEntry(__dirname, 'model.worker.js', 'model.worker.ts');
      if (!start)
        throw new AppError(
          'INTERNAL',
          `No model worker found beside ${__dirname} (model.worker.js or .ts)`,
          'Reinstall ELBO Studio.',
        );
      // The same heap cap as a training worker (issue 16, item 3): a runaway scoring job fails, not the process.
      w = start(
        { maxEntries: this.opts.maxEntries ?? 6, maxBytes: this.opts.maxBytes ?? 1 << 30 },
        trainingResourceLimits(),
      );
    }
    // An idle worker must not keep the process (the CLI, a test) alive.
    w.unref();
    w.on('message', (m: FromModelWorker) => void this.onMessage(w, m));
    w.on('error', (e) => this.lost(w, `The model worker crashed: ${e.message.split('\n')[0]}`));
    w.on('exit', (code) => this.lost(w, `The model worker stopped unexpectedly (exit code ${code})`));
    this.worker = w;
    return w;
  }

  private async onMessage(w: Worker, m: FromModelWorker): Promise<void> {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'need-model') {
      try {
        const source = await p.model!.source();
        if (this.worker === w && this.pending.has(m.id)) {
          w.postMessage({
            type: 'call',
            id: m.id,
            op: p.op,
            args: p.args,
            key: p.model!.key,
            source,
          } satisfies ToModelWorker);
        }
      } catch (e) {
        this.settle(m.id, () => p.reject(e as Error));
      }
      return;
    }
    if (m.type === 'result') this.settle(m.id, () => p.resolve(m.value));
    else this.settle(m.id, () => p.reject(errorFromWire(m.error)));
  }

  private settle(id: number, f: () => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
    f();
  }

  private timeout(id: number, ms: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.settle(id, () =>
      p.reject(
        new AppError(
          'INTERNAL',
          `${p.op} took longer than ${ms < 10_000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000)} s and was stopped`,
          'Use a smaller file, or split it into parts.',
        ),
      ),
    );
    // The worker is still busy with it: start afresh so the next requests are served.
    const w = this.worker;
    if (w) {
      this.worker = null;
      this.failAll(
        new AppError('INTERNAL', `The model worker was restarted after ${p.op} took too long`, 'Try again.'),
      );
      void w.terminate();
    }
  }

  private lost(w: Worker, message: string): void {
    if (this.worker !== w) return;
    this.worker = null;
    if (this.closed) return;
    this.failAll(
      new AppError(
        'INTERNAL',
        `${message}; the request was not completed`,
        'Try again; the model service starts afresh with the next request.',
      ),
    );
  }

  private failAll(e: Error): void {
    for (const id of [...this.pending.keys()]) {
      const p = this.pending.get(id)!;
      this.settle(id, () => p.reject(e));
    }
  }
}
