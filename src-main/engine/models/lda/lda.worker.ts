/**
 * Worker thread of the LDA executor: runs E-steps (kernel.ts) on SharedArrayBuffer-backed arrays that the main
 * thread shares once (corpora, μ, B, β, this thread's accumulator), so each task message is a few numbers and a list
 * of document ids. Protocol: executor.ts (WorkerRequest / WorkerReply).
 */
import { parentPort } from 'node:worker_threads';
import { ThreadState, type WorkerReply, type WorkerRequest, type WorkerResult } from './executor';
import type { CorpusArrays } from './kernel';

interface State {
  thread: ThreadState;
  shared: { mu: Float64Array; B: Float64Array; beta: Float64Array; sstats: Float64Array };
  corpora: Map<number, { arrays: CorpusArrays; gammaStore?: Float64Array | undefined }>;
}

let state: State | null = null;
const port = parentPort;
if (!port) throw new Error('lda.worker must run in a worker thread');

function handle(msg: WorkerRequest): WorkerResult {
  if (msg.type === 'setup') {
    const own = msg.sstats[msg.index];
    if (!own) throw new Error(`lda.worker: no accumulator for thread ${msg.index}`);
    state = {
      thread: new ThreadState(msg.K, msg.V),
      shared: { mu: msg.mu, B: msg.B, beta: msg.beta, sstats: own },
      corpora: new Map(),
    };
    return null;
  }
  const s = state;
  if (!s) throw new Error('lda.worker: setup must come first');
  switch (msg.type) {
    case 'corpus':
      s.corpora.set(msg.id, { arrays: msg.arrays, gammaStore: msg.gammaStore });
      return null;
    case 'drop':
      s.corpora.delete(msg.id);
      return null;
    case 'estep': {
      const c = s.corpora.get(msg.corpus);
      if (!c) throw new Error(`lda.worker: unknown corpus ${msg.corpus}`);
      const score = msg.score === undefined ? undefined : s.corpora.get(msg.score)?.arrays;
      return s.thread.run(c.arrays, c.gammaStore, score, msg, s.shared);
    }
  }
}

port.on('message', (msg: WorkerRequest) => {
  try {
    const result = handle(msg);
    port.postMessage({ req: msg.req, ok: true, result } satisfies WorkerReply);
  } catch (e) {
    port.postMessage({
      req: msg.req,
      ok: false,
      message: e instanceof Error ? e.message : String(e),
    } satisfies WorkerReply);
  }
});
port.postMessage({ req: -1, ok: true, result: null } satisfies WorkerReply);
