/**
 * Data-parallel gradients for VAE training: a step's minibatch is split into T contiguous shards; the calling thread
 * computes the gradient of shard 0 while T − 1 replica threads (replica.worker.ts, each with its own tfjs backend and
 * a copy of the model) compute theirs, and the calling thread combines them and takes the optimiser step.
 *
 * The objective is a mean over rows, so the full-batch gradient is exactly Σ_j (n_j / B) g_j (shard sizes n_j) —
 * the pool changes which thread computes what, not the estimator. Shard j draws its noise from fold(stepKey, j) for
 * j ≥ 1 (shard 0 from stepKey itself, so T = 1 is the serial run): a run is reproducible for a given thread count,
 * which the spec records. Free bits are a batch-level floor (max(λ, batch-mean KL)), not a mean over rows, so runs
 * with free bits train on one thread.
 *
 * Everything moves through SharedArrayBuffers (parameters once per step, each replica's rows, its gradient back), and
 * threads meet through Atomics — no message per step. Layout of the control words (Int32):
 *   [0] generation (bumped by the caller to start a step), [1] command (0 step, 1 stop),
 *   [2 + j] generation replica j finished, [10 + j] rows in replica j's shard, [18 + j] replica j failed (1).
 * Per-step values (Float64): [0, 1] the step key, [2] β, [3] τ (NaN = none), [4] score baseline (NaN = none);
 * per replica j: [8 + 2j] its loss (mean over its rows), [9 + 2j] its bound mean.
 */
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { VaeSpec } from '../../../../src-shared/schemas/run-spec';
import type { Key } from '../../rng';
import type { VaeConfig } from './model';
import { workerEntry } from '../../worker-entry';

export const MAX_THREADS = 8;
const CTRL_WORDS = 32;
const F64_WORDS = 8 + 2 * MAX_THREADS;

export interface ReplicaSetup {
  index: number;
  config: VaeConfig;
  spec: VaeSpec;
  backend: string;
  maxRows: number;
  ctrl: SharedArrayBuffer;
  values: SharedArrayBuffer;
  params: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  rows: SharedArrayBuffer;
  sizes: number[];
}

/** The replica worker beside this module (built) or its TypeScript source under tsx (../../worker-entry.ts). */
function startReplica(setup: ReplicaSetup): Worker {
  const start = workerEntry(__dirname, 'vae.replica.js', 'replica.worker.ts');
  if (!start) throw new Error(`No VAE replica worker found beside ${__dirname}`);
  return start(setup);
}

export interface ShardStep {
  stepKey: Key;
  beta: number;
  tau: number | null;
  baseline: number | null;
}

/** Contiguous shard boundaries of a batch of B rows over T threads (first shards one row larger). */
export function shardBounds(B: number, T: number): number[] {
  const out = [0];
  const base = Math.floor(B / T);
  const extra = B % T;
  for (let j = 0; j < T; j++) out.push(out[j]! + base + (j < extra ? 1 : 0));
  return out;
}

export class GradientPool {
  readonly threads: number;
  private readonly workers: Worker[] = [];
  private readonly ctrl: Int32Array;
  private readonly values: Float64Array;
  private readonly params: Float32Array;
  private readonly grads: Float32Array[];
  private readonly rows: Float32Array[];
  private readonly offsets: number[];
  private readonly errors: string[] = [];
  private generation = 0;

  private constructor(
    threads: number,
    private readonly d: number,
    private readonly maxRows: number,
    private readonly sizes: number[],
    private readonly shapes: number[][],
    config: VaeConfig,
    spec: VaeSpec,
  ) {
    this.threads = threads;
    this.offsets = [];
    let off = 0;
    for (const s of sizes) {
      this.offsets.push(off);
      off += s;
    }
    const ctrl = new SharedArrayBuffer(CTRL_WORDS * 4);
    const values = new SharedArrayBuffer(F64_WORDS * 8);
    const params = new SharedArrayBuffer(Math.max(1, off) * 4);
    this.ctrl = new Int32Array(ctrl);
    this.values = new Float64Array(values);
    this.params = new Float32Array(params);
    this.grads = [];
    this.rows = [];
    for (let j = 1; j < threads; j++) {
      const g = new SharedArrayBuffer(Math.max(1, off) * 4);
      const r = new SharedArrayBuffer(Math.max(1, maxRows * d) * 4);
      this.grads.push(new Float32Array(g));
      this.rows.push(new Float32Array(r));
      const w = startReplica({
        index: j,
        config,
        spec,
        backend: tf.getBackend(),
        maxRows,
        ctrl,
        values,
        params,
        grads: g,
        rows: r,
        sizes,
      });
      w.on('error', (e) => {
        this.errors.push(`replica ${j}: ${e.message}`);
        Atomics.store(this.ctrl, 18 + j, 1);
      });
      w.on('message', (m: { error?: string }) => {
        if (m.error) this.errors.push(`replica ${j}: ${m.error}`);
      });
      w.unref();
      this.workers.push(w);
    }
  }

  /** A pool of T − 1 replicas for the model's variables (in model.variables() order), or null when T ≤ 1. */
  static create(
    threads: number,
    vars: tf.Variable[],
    d: number,
    maxRows: number,
    config: VaeConfig,
    spec: VaeSpec,
  ): GradientPool | null {
    if (threads <= 1) return null;
    return new GradientPool(
      Math.min(threads, MAX_THREADS),
      d,
      maxRows,
      vars.map((v) => v.size),
      vars.map((v) => v.shape),
      config,
      spec,
    );
  }

  /**
   * Start replicas on shards 1 … T − 1 of the batch (rows of the host matrix x), after publishing the current
   * parameters. Returns the bounds; the caller computes shard 0 and then calls collect().
   */
  start(vars: tf.Variable[], x: Float32Array, batchRows: ArrayLike<number>, s: ShardStep): number[] {
    const bounds = shardBounds(batchRows.length, this.threads);
    vars.forEach((v, i) => this.params.set(v.dataSync() as Float32Array, this.offsets[i]));
    const d = this.d;
    for (let j = 1; j < this.threads; j++) {
      const buf = this.rows[j - 1]!;
      const from = bounds[j]!;
      const to = bounds[j + 1]!;
      for (let r = from; r < to; r++) {
        const src = batchRows[r]! * d;
        buf.set(x.subarray(src, src + d), (r - from) * d);
      }
      Atomics.store(this.ctrl, 10 + j, to - from);
    }
    this.values[0] = s.stepKey[0];
    this.values[1] = s.stepKey[1];
    this.values[2] = s.beta;
    this.values[3] = s.tau ?? Number.NaN;
    this.values[4] = s.baseline ?? Number.NaN;
    Atomics.store(this.ctrl, 1, 0);
    this.generation = (this.generation + 1) & 0x3fffffff;
    Atomics.store(this.ctrl, 0, this.generation);
    Atomics.notify(this.ctrl, 0);
    return bounds;
  }

  /**
   * Wait for the replicas and combine: gradients Σ_j (n_j / B) g_j with shard 0's own, loss and bound mean alike.
   * Throws if a replica failed. The returned tensors are new (the caller disposes them).
   */
  collect(
    bounds: number[],
    own: { grads: tf.NamedTensorMap; loss: tf.Scalar; boundMean: tf.Scalar | null },
    varNames: string[],
  ): { grads: tf.NamedTensorMap; loss: tf.Scalar; boundMean: tf.Scalar } {
    for (let j = 1; j < this.threads; j++) {
      const deadline = Date.now() + 120_000;
      while (Atomics.load(this.ctrl, 2 + j) !== this.generation && Atomics.load(this.ctrl, 18 + j) === 0) {
        if (Date.now() > deadline) throw new Error(`VAE replica thread ${j} did not answer within 120 s`);
        Atomics.wait(this.ctrl, 2 + j, Atomics.load(this.ctrl, 2 + j), 1000);
      }
      if (Atomics.load(this.ctrl, 18 + j) !== 0) {
        throw new Error(`A training thread failed: ${this.errors.join('; ') || `replica ${j}`}`);
      }
    }
    const B = bounds[this.threads]!;
    const w = (j: number): number => (bounds[j + 1]! - bounds[j]!) / B;
    return tf.tidy(() => {
      const grads: tf.NamedTensorMap = {};
      varNames.forEach((name, i) => {
        const parts: tf.Tensor[] = [];
        const g0 = own.grads[name];
        if (g0) parts.push(tf.mul(g0, w(0)));
        for (let j = 1; j < this.threads; j++) {
          const flat = this.grads[j - 1]!.subarray(this.offsets[i]!, this.offsets[i]! + this.sizes[i]!);
          parts.push(tf.mul(tf.tensor(flat, this.shapes[i]!), w(j)));
        }
        grads[name] = parts.length === 1 ? parts[0]! : tf.addN(parts);
      });
      let loss = 0;
      let bound = 0;
      for (let j = 1; j < this.threads; j++) {
        loss += w(j) * this.values[8 + 2 * j]!;
        bound += w(j) * this.values[9 + 2 * j]!;
      }
      const lossT = tf.add(tf.mul(own.loss, w(0)), loss) as tf.Scalar;
      const boundT = tf.add(tf.mul(own.boundMean ?? tf.scalar(Number.NaN), w(0)), bound) as tf.Scalar;
      return { grads, loss: lossT, boundMean: boundT };
    });
  }

  async close(): Promise<void> {
    Atomics.store(this.ctrl, 1, 1);
    this.generation = (this.generation + 1) & 0x3fffffff;
    Atomics.store(this.ctrl, 0, this.generation);
    Atomics.notify(this.ctrl, 0);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
