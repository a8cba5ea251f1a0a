/**
 * Runs the LDA loops (kernel.ts) on T worker threads, or inline when T ≤ 1.
 *
 * Shared state (SharedArrayBuffers, written by one side at a time, phases separated by message round trips):
 * μ [V × K] of the lazy λ = a·μ + η (kernel.ts), dense B = exp(E[log β]) and β [V × K] (evaluation, inference) and
 * one expected-count accumulator [V × K] per thread. An E-step splits its documents into T contiguous chunks of
 * about equal work; each thread computes the B rows its documents need from μ (cached until the next update) and
 * returns the list of words it accumulated, so the M-step (fit.ts, on the calling thread) touches only those. Workers are started as the job runner
 * starts its training worker: the built `lda.worker.js` beside this module when it exists, else the `.ts` source
 * under tsx's require hook.
 */
import { workerEntry } from '../../worker-entry';
import { EStepScratch, eStep, emptyEStepResult, type CorpusArrays, type EStepResult, type LazyTopics } from './kernel';

/** The lazy-topic parameters of one E-step (kernel.ts LazyTopics, less the per-thread cache). */
export interface LazyParams {
  a: number;
  eta: number;
  psiRow: Float64Array;
  version: number;
}

export type WorkerRequest =
  | {
      type: 'setup';
      req: number;
      K: number;
      V: number;
      index: number;
      mu: Float64Array;
      beta: Float64Array;
      B: Float64Array;
      sstats: Float64Array[];
    }
  | { type: 'corpus'; req: number; id: number; arrays: CorpusArrays; gammaStore?: Float64Array | undefined }
  | { type: 'drop'; req: number; id: number }
  | ({ type: 'estep'; req: number } & EStepTask);

export type WorkerResult = (EStepResult & { touched: Uint32Array }) | null;
export type WorkerReply = { req: number; ok: true; result: WorkerResult } | { req: number; ok: false; message: string };

/** What an E-step task asks for (see kernel.ts EStepOptions). */
export interface EStepTask {
  corpus: number;
  docs: Uint32Array;
  /** 'lazy': B from μ (needs `lazy`); 'B': the dense shared B; 'beta': the dense shared β (completion). */
  topics: 'lazy' | 'B' | 'beta';
  lazy?: LazyParams | undefined;
  alpha: Float64Array;
  maxIter: number;
  tol: number;
  init: 'prior' | 'store' | 'jitter';
  jitterSeed?: number | undefined;
  useStore: boolean;
  accumulate: boolean;
  bound: boolean;
  score?: number | undefined;
}

/** Something that behaves like a worker_threads Worker (tests and the app's bundler may supply their own). */
export interface LdaWorkerLike {
  postMessage(msg: unknown): void;
  on(event: 'message', cb: (msg: WorkerReply) => void): unknown;
  on(event: 'error', cb: (err: Error) => void): unknown;
  on(event: 'exit', cb: (code: number) => void): unknown;
  terminate(): Promise<number>;
}
export type LdaWorkerFactory = () => LdaWorkerLike;

/** The built worker beside this module if present, else the TypeScript source run under tsx (../../worker-entry.ts). */
export function defaultLdaWorkerFactory(): LdaWorkerFactory {
  const start = workerEntry(__dirname, 'lda.worker.js', 'lda.worker.ts');
  if (!start) throw new Error(`No LDA worker found beside ${__dirname} (looked for lda.worker.js and .ts)`);
  return () => start() as unknown as LdaWorkerLike;
}

function sharedF64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(Math.max(1, n) * 8));
}

/** Element-wise merge of E-step results. */
export function mergeEStep(K: number, parts: EStepResult[]): EStepResult {
  const out = emptyEStepResult(K);
  for (const p of parts) {
    out.docs += p.docs;
    out.tokens += p.tokens;
    out.sweeps += p.sweeps;
    out.bound += p.bound;
    out.scoredLogLik += p.scoredLogLik;
    out.scoredTokens += p.scoredTokens;
    out.scoredDocs += p.scoredDocs;
    for (let k = 0; k < K; k++) out.sumElogTheta[k]! += p.sumElogTheta[k]!;
  }
  return out;
}

interface Pending {
  resolve: (r: WorkerResult) => void;
  reject: (e: Error) => void;
}

class WorkerHandle {
  private next = 0;
  private pending = new Map<number, Pending>();
  private ready: Promise<void>;
  private failed: Error | null = null;
  constructor(readonly w: LdaWorkerLike) {
    let onReady: () => void = () => undefined;
    let onFail: (e: Error) => void = () => undefined;
    this.ready = new Promise<void>((res, rej) => {
      onReady = res;
      onFail = rej;
    });
    w.on('message', (m: WorkerReply) => {
      if (m.req === -1) {
        onReady();
        return;
      }
      const p = this.pending.get(m.req);
      if (!p) return;
      this.pending.delete(m.req);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(`LDA worker failed: ${m.message}`));
    });
    const fail = (e: Error): void => {
      this.failed = e;
      onFail(e);
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    w.on('error', (e: Error) => fail(e));
    w.on('exit', (code: number) => {
      if (this.pending.size > 0 || !this.closed) fail(new Error(`LDA worker exited with code ${code}`));
    });
  }
  closed = false;
  whenReady(): Promise<void> {
    return this.ready;
  }
  call<R extends WorkerResult>(msg: Record<string, unknown> & { type: WorkerRequest['type'] }): Promise<R> {
    if (this.failed) return Promise.reject(this.failed);
    const req = this.next++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(req, { resolve: resolve as (r: WorkerResult) => void, reject });
      this.w.postMessage({ ...msg, req });
    });
  }
}

/** Splits a document list into `parts` contiguous chunks of about equal nnz (unique words). */
export function splitByWork(c: CorpusArrays, docs: Uint32Array, parts: number): Uint32Array[] {
  if (parts <= 1) return [docs];
  let total = 0;
  for (let i = 0; i < docs.length; i++) total += c.docPtr[docs[i]! + 1]! - c.docPtr[docs[i]!]! + 1;
  const out: Uint32Array[] = [];
  let start = 0;
  let acc = 0;
  for (let p = 1; p < parts; p++) {
    const target = (total * p) / parts;
    let i = start;
    while (i < docs.length && acc < target) {
      acc += c.docPtr[docs[i]! + 1]! - c.docPtr[docs[i]!]! + 1;
      i++;
    }
    out.push(docs.subarray(start, i));
    start = i;
  }
  out.push(docs.subarray(start));
  return out;
}

/**
 * Per-thread E-step state: scratch, the lazy-topic cache and the touched-word marks (one per thread, so no locks).
 */
export class ThreadState {
  scratch: EStepScratch;
  cache: Float64Array;
  stamp: Int32Array;
  touchStamp: Int32Array;
  touchMark = 0;
  constructor(
    readonly K: number,
    readonly V: number,
  ) {
    this.scratch = new EStepScratch(K);
    this.cache = new Float64Array(V * K);
    this.stamp = new Int32Array(V).fill(-1);
    this.touchStamp = new Int32Array(V).fill(-1);
  }

  /** Runs kernel eStep for one task on this thread's share of the documents. */
  run(
    arrays: CorpusArrays,
    gammaStore: Float64Array | undefined,
    score: CorpusArrays | undefined,
    task: EStepTask,
    shared: { mu: Float64Array; B: Float64Array; beta: Float64Array; sstats: Float64Array },
  ): EStepResult & { touched: Uint32Array } {
    const list: number[] = [];
    const mark = ++this.touchMark;
    let topics: Float64Array | LazyTopics;
    if (task.topics === 'lazy') {
      if (!task.lazy) throw new Error('lazy topics need their parameters');
      topics = { mu: shared.mu, ...task.lazy, cache: this.cache, stamp: this.stamp };
    } else topics = task.topics === 'beta' ? shared.beta : shared.B;
    const r = eStep(
      arrays,
      task.docs,
      {
        K: this.K,
        topics,
        alpha: task.alpha,
        maxIter: task.maxIter,
        tol: task.tol,
        init: task.init,
        jitterSeed: task.jitterSeed,
        gammaStore: task.useStore ? gammaStore : undefined,
        sstats: task.accumulate ? shared.sstats : undefined,
        touched: task.accumulate ? { stamp: this.touchStamp, mark, list } : undefined,
        computeBound: task.bound,
        score,
      },
      this.scratch,
    );
    return { ...r, touched: Uint32Array.from(list) };
  }
}

/**
 * The executor: owns the shared arrays and the threads. `threads` ≤ 1 runs everything on the calling thread.
 * Shared arrays: μ (lazy λ = a·μ + η), dense B and β (evaluation, inference) and one accumulator per thread.
 * Call `start()` before use and `close()` after.
 */
export class LdaExecutor {
  readonly mu: Float64Array;
  readonly B: Float64Array;
  readonly beta: Float64Array;
  readonly sstats: Float64Array[];
  private workers: WorkerHandle[] = [];
  private corpora = new Map<number, { arrays: CorpusArrays; gammaStore?: Float64Array | undefined }>();
  private local: ThreadState;

  constructor(
    readonly K: number,
    readonly V: number,
    readonly threads: number,
    private factory?: LdaWorkerFactory,
  ) {
    this.mu = sharedF64(V * K);
    this.B = sharedF64(V * K);
    this.beta = sharedF64(V * K);
    this.sstats = Array.from({ length: Math.max(1, threads) }, () => sharedF64(V * K));
    this.local = new ThreadState(K, V);
  }

  get parallel(): boolean {
    return this.threads > 1;
  }

  async start(): Promise<void> {
    if (!this.parallel) return;
    const make = this.factory ?? defaultLdaWorkerFactory();
    this.workers = Array.from({ length: this.threads }, () => new WorkerHandle(make()));
    await Promise.all(this.workers.map((w) => w.whenReady()));
    await Promise.all(
      this.workers.map((w, index) =>
        w.call({
          type: 'setup',
          K: this.K,
          V: this.V,
          index,
          mu: this.mu,
          B: this.B,
          beta: this.beta,
          sstats: this.sstats,
        }),
      ),
    );
  }

  /** Makes a corpus (SharedArrayBuffer-backed) known to every thread under `id`. */
  async registerCorpus(id: number, arrays: CorpusArrays, gammaStore?: Float64Array): Promise<void> {
    this.corpora.set(id, { arrays, gammaStore });
    await Promise.all(this.workers.map((w) => w.call({ type: 'corpus', id, arrays, gammaStore })));
  }

  async dropCorpus(id: number): Promise<void> {
    this.corpora.delete(id);
    await Promise.all(this.workers.map((w) => w.call({ type: 'drop', id })));
  }

  /**
   * Runs an E-step over `task.docs`, split across threads by work; results merged. `touched[t]` lists the words
   * whose rows thread t wrote into `sstats[t]`.
   */
  async estep(task: EStepTask): Promise<EStepResult & { touched: Uint32Array[] }> {
    const c = this.corpora.get(task.corpus);
    if (!c) throw new Error(`Unknown corpus ${task.corpus}`);
    if (!this.parallel) {
      const score = task.score === undefined ? undefined : this.corpora.get(task.score)?.arrays;
      const r = this.local.run(c.arrays, c.gammaStore, score, task, {
        mu: this.mu,
        B: this.B,
        beta: this.beta,
        sstats: this.sstats[0]!,
      });
      return { ...r, touched: [r.touched] };
    }
    const chunks = splitByWork(c.arrays, task.docs, this.workers.length);
    const parts = await Promise.all(
      this.workers.map((w, i) =>
        w.call<EStepResult & { touched: Uint32Array }>({ type: 'estep', ...task, docs: chunks[i]!.slice() }),
      ),
    );
    return { ...mergeEStep(this.K, parts), touched: parts.map((p) => p.touched) };
  }

  async close(): Promise<void> {
    const ws = this.workers;
    this.workers = [];
    await Promise.all(
      ws.map((w) => {
        w.closed = true;
        return w.w.terminate();
      }),
    );
  }
}
