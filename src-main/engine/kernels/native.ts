/**
 * Loads ELBO Studio's optional native kernels (native/elbo_native.c, built at install by scripts/build-native.cjs):
 * C = act(op(A)·op(B) + bias) in single precision, blocked and packed (Goto & van de Geijn 2008) with an AVX2 + FMA
 * 6 × 16 micro-kernel chosen at run time (else a portable kernel), split over a small thread pool. It reads and
 * writes an ArrayBuffer in place at byte offsets — the tfjs wasm backend's heap — so kernels/fast-matmul.ts can serve
 * the wasm backend's matrix products with it and no copies.
 *
 * Where it looks: $ELBO_STUDIO_NATIVE_PATH, a packaged app's resources/native/, then native/build/Release/ in this
 * checkout (walking up from this module). ELBO_STUDIO_NATIVE=0 disables it; ELBO_STUDIO_NATIVE_THREADS sets the
 * threads per product (default 2 on a machine
 * with two cores or more; see defaultNativeThreads). Loading never throws: the reason it failed is returned instead.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface NativeKernels {
  /**
   * C[t] = act(op(A[t or 0]) · op(B[t or 0]) + bias) for t < batch, all float32 row-major at byte offsets into
   * `buffer`; biasOff < 0 for none; act 0 = identity, 1 = relu; batchA / batchB are 1 (broadcast) or batch.
   */
  gemm(
    buffer: ArrayBuffer,
    aOff: number,
    bOff: number,
    cOff: number,
    M: number,
    N: number,
    K: number,
    transA: number,
    transB: number,
    biasOff: number,
    act: number,
    batchA: number,
    batchB: number,
    batch: number,
  ): void;
  /** One Adam update of n float32 parameters (kernels/native-adam.ts); outputs θ', m', v' at their own offsets. */
  adam(
    buffer: ArrayBuffer,
    thetaOff: number,
    mOff: number,
    vOff: number,
    gOff: number,
    thetaOut: number,
    mOut: number,
    vOut: number,
    n: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    oneMinusAcc1: number,
    oneMinusAcc2: number,
    epsilon: number,
    step: number,
  ): void;
  /** out[r] = Σ_j x_j l_j − softplus(l_j) for rows r < rows of l [rows, d], x [B, d] read at row r mod B. */
  bernoulli(buffer: ArrayBuffer, xOff: number, lOff: number, outOff: number, rows: number, d: number, B: number): void;
  /** out[r, j] = dy[r] · (x[r mod B, j] − σ(l[r, j])): the gradient of `bernoulli` with respect to l. */
  bernoulliGrad(
    buffer: ArrayBuffer,
    xOff: number,
    lOff: number,
    dyOff: number,
    outOff: number,
    rows: number,
    d: number,
    B: number,
  ): void;
  /** delta = dy ⊙ [y > 0] and db = Σ_rows delta for y, dy [B, N] (kernels/native-elementwise.ts). */
  reluBackward(
    buffer: ArrayBuffer,
    yOff: number,
    dyOff: number,
    deltaOff: number,
    dbOff: number,
    B: number,
    N: number,
  ): void;
  /**
   * The LDA E-step of engine/models/lda/kernel.ts in C (native/lda_native.c; absent from addons built before it).
   * kernel.ts eStep calls it and documents the arguments.
   */
  ldaEStep?(
    docPtr: Uint32Array,
    wordIds: Uint32Array,
    counts: Float32Array,
    docs: Uint32Array,
    K: number,
    dense: Float64Array | null,
    mu: Float64Array | null,
    a: number,
    eta: number,
    psiRow: Float64Array | null,
    version: number,
    cache: Float64Array | null,
    stamp: Int32Array | null,
    alpha: Float64Array,
    maxIter: number,
    tol: number,
    init: number,
    jitterSeed: number,
    gammaStore: Float64Array | null,
    sstats: Float64Array | null,
    touchStamp: Int32Array | null,
    touchMark: number,
    touchedOut: Uint32Array | null,
    computeBound: boolean,
    scorePtr: Uint32Array | null,
    scoreWords: Uint32Array | null,
    scoreCounts: Float32Array | null,
    out: Float64Array,
  ): void;
  info(): { isa: string; threads: number; maxThreads: number };
  setThreads(n: number): number;
}

export type NativeLoad = { ok: true; kernels: NativeKernels; file: string } | { ok: false; reason: string };

const FILE = 'elbo_native.node';
let cached: NativeLoad | null = null;

function candidates(): string[] {
  const out: string[] = [];
  if (process.env.ELBO_STUDIO_NATIVE_PATH) out.push(process.env.ELBO_STUDIO_NATIVE_PATH);
  const resources = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (resources) out.push(path.join(resources, 'native', FILE));
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    out.push(path.join(dir, 'native', 'build', 'Release', FILE));
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return out;
}

/**
 * Threads per product: ELBO_STUDIO_NATIVE_THREADS (capped at the cores), else 2 when the machine has at least two
 * cores, else 1. The pool is shared by every thread of the process (runs train in worker threads): one caller uses it
 * at a time, a concurrent caller computes on its own thread.
 */
export function defaultNativeThreads(): number {
  const cores = Math.max(1, os.availableParallelism());
  const env = Number(process.env.ELBO_STUDIO_NATIVE_THREADS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, cores);
  return Math.min(2, cores);
}

/** The native kernels, loaded once per thread; `{ ok: false, reason }` when disabled, not built or not loadable. */
export function loadNative(): NativeLoad {
  if (cached) return cached;
  if (process.env.ELBO_STUDIO_NATIVE === '0')
    return (cached = { ok: false, reason: 'disabled by ELBO_STUDIO_NATIVE=0' });
  const file = candidates().find((f) => fs.existsSync(f));
  if (!file)
    return (cached = {
      ok: false,
      reason: 'the native kernels are not built (npm run build:native; needs a C compiler)',
    });
  try {
    const m = { exports: {} as unknown };
    process.dlopen(m, file);
    const kernels = m.exports as NativeKernels;
    if (typeof kernels.gemm !== 'function') throw new Error('no gemm export');
    kernels.setThreads(defaultNativeThreads());
    return (cached = { ok: true, kernels, file });
  } catch (e) {
    return (cached = { ok: false, reason: `${file} did not load (${(e as Error).message.split('\n')[0]})` });
  }
}
