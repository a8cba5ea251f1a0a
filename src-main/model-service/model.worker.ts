/**
 * The model service's worker thread (protocol.ts, service.ts): serves one request at a time, keeps fitted models in
 * one LRU cache (bounded by count and bytes; tfjs variables disposed on eviction), and answers each request with its
 * result or its error — an AppError keeps its code, message and hint.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../../src-shared/ipc/app-error';
import { LruCache } from './lru';
import { loadModel, type Loaded } from './loaded';
import { ops } from './ops';
import type { FromModelWorker, ToModelWorker, WireError } from './protocol';

const port = parentPort;
if (!port) throw new Error('model.worker must run in a worker thread');
const limits = (workerData ?? {}) as { maxEntries?: number; maxBytes?: number };
const cache = new LruCache<Loaded>({ maxEntries: limits.maxEntries ?? 6, maxBytes: limits.maxBytes ?? 1 << 30 });
const post = (m: FromModelWorker): void => port.postMessage(m);

/** An AppError (or subclass, e.g. BnnInputError) keeps code, message and hint; anything else only its message. */
function toWire(e: unknown): WireError {
  if (e instanceof AppError)
    return { name: 'AppError', message: e.message, code: e.code, ...(e.hint !== undefined ? { hint: e.hint } : {}) };
  const err = e as { name?: string; message?: string } | null;
  return { name: err?.name ?? 'Error', message: err?.message ?? String(e) };
}

/** Operations for tests and diagnostics, needing no model. */
const internal: Record<string, (args: unknown) => unknown> = {
  'cache:stats': () => ({ keys: cache.keys(), bytes: cache.bytes, evictions: cache.evictions }),
  /** A crash on demand (tests check that the service survives one). */
  'debug:exit': () => process.exit(3),
  'debug:ping': (a) => a,
};

// One request at a time, in arrival order: tfjs work is synchronous anyway, and this keeps the cache consistent.
let queue: Promise<void> = Promise.resolve();

async function serve(m: Extract<ToModelWorker, { type: 'call' }>): Promise<void> {
  try {
    const local = internal[m.op];
    if (local) {
      post({ type: 'result', id: m.id, value: await local(m.args) });
      return;
    }
    const op = ops[m.op];
    if (!op) throw new Error(`Unknown model operation "${m.op}"`);
    let model: Loaded | undefined;
    if (m.key) {
      model = cache.get(m.key);
      if (!model) {
        if (!m.source) {
          post({ type: 'need-model', id: m.id });
          return;
        }
        const { value, bytes } = await loadModel(m.source);
        cache.set(m.key, value, bytes);
        model = value;
      }
    }
    const key = m.key;
    const value = await op(model, m.args as never, (bytes) => key && cache.grow(key, bytes));
    post({ type: 'result', id: m.id, value });
  } catch (e) {
    post({ type: 'error', id: m.id, error: toWire(e) });
  }
}

port.on('message', (m: ToModelWorker) => {
  if (m.type === 'evict') {
    queue = queue.then(() => void cache.delete(m.key));
    return;
  }
  queue = queue.then(() => serve(m));
});
