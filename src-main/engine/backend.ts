/**
 * Chooses the tfjs backend that trains a run: tfjs-node (native TensorFlow) when it loads, else WebAssembly
 * (SIMD, single-threaded in Node), else the plain JavaScript cpu backend. `ELBO_STUDIO_BACKEND=node|wasm|cpu`
 * forces one and fails loudly when it cannot be had. The chosen name is stored with every run.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { installFastMatMul } from './kernels/fast-matmul';
import '@tensorflow/tfjs-backend-cpu';

export type BackendPreference = 'node' | 'wasm' | 'cpu';
/** The names stored with runs: the tfjs backend actually active. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  /** Why this backend was chosen, and what was tried before it. */
  detail: string;
}

export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

let active: BackendInfo | null = null;

async function tryNode(): Promise<string | null> {
  const pkg = '@tensorflow/tfjs-node';
  try {
    await import(/* @vite-ignore */ pkg);
  } catch (e) {
    return `tfjs-node did not load (${(e as Error).message.split('\n')[0]})`;
  }
  const ok = await tf.setBackend('tensorflow');
  return ok ? null : 'tfjs-node loaded but its backend did not initialise';
}

/**
 * Where the wasm backend's .wasm files are: ELBO_STUDIO_WASM_DIR, a packaged app's resources/wasm, or the npm
 * package's own dist folder. Needed when tfjs is bundled (the emscripten loader looks beside the bundle otherwise).
 */
export function defaultWasmDir(): string | undefined {
  const candidates: string[] = [];
  const resources = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (resources) candidates.push(path.join(resources, 'wasm'));
  try {
    candidates.push(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'));
  } catch {
    /* not resolvable from here */
  }
  return candidates.find((d) => fs.existsSync(path.join(d, 'tfjs-backend-wasm-simd.wasm')));
}

async function tryWasm(wasmDir?: string): Promise<string | null> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (wasmDir) {
      const dir = wasmDir.endsWith('/') ? wasmDir : `${wasmDir}/`;
      wasm.setWasmPaths({
        'tfjs-backend-wasm.wasm': `${dir}tfjs-backend-wasm.wasm`,
        'tfjs-backend-wasm-simd.wasm': `${dir}tfjs-backend-wasm-simd.wasm`,
        'tfjs-backend-wasm-threaded-simd.wasm': `${dir}tfjs-backend-wasm-threaded-simd.wasm`,
      });
    }
  } catch (e) {
    return `the wasm backend did not load (${(e as Error).message.split('\n')[0]})`;
  }
  const ok = await tf.setBackend('wasm');
  return ok ? null : 'the wasm backend did not initialise (its .wasm files were not found)';
}

function parsePreference(raw: string | undefined): BackendPreference | undefined {
  if (raw === undefined || raw === '') return undefined;
  const v = raw.trim().toLowerCase();
  if (v === 'node' || v === 'tensorflow') return 'node';
  if (v === 'wasm' || v === 'cpu') return v;
  throw new BackendError(
    `ELBO_STUDIO_BACKEND must be node, wasm or cpu, got "${raw}". Unset it to let ELBO Studio choose.`,
  );
}

/**
 * Initialise tfjs once per process (or worker). `preference` (or ELBO_STUDIO_BACKEND) forces a backend;
 * without it the first that works of node → wasm → cpu is used.
 */
export async function initBackend(
  opts: { preference?: BackendPreference; wasmDir?: string } = {},
): Promise<BackendInfo> {
  const pref = opts.preference ?? parsePreference(process.env.ELBO_STUDIO_BACKEND);
  if (active && (!pref || backendMatches(active.name, pref))) return active;
  const wasmDir = opts.wasmDir ?? process.env.ELBO_STUDIO_WASM_DIR ?? defaultWasmDir();
  const notes: string[] = [];
  if (pref === 'node') {
    const err = await tryNode();
    if (err)
      throw new BackendError(
        `ELBO_STUDIO_BACKEND=node but ${err}. Install @tensorflow/tfjs-node (see README) or unset it.`,
      );
    active = { name: 'tensorflow', detail: 'forced by ELBO_STUDIO_BACKEND=node' };
  } else if (pref === 'wasm') {
    const err = await tryWasm(wasmDir);
    if (err) throw new BackendError(`ELBO_STUDIO_BACKEND=wasm but ${err}.`);
    active = { name: 'wasm', detail: 'forced by ELBO_STUDIO_BACKEND=wasm' };
  } else if (pref === 'cpu') {
    await tf.setBackend('cpu');
    active = { name: 'cpu', detail: 'forced by ELBO_STUDIO_BACKEND=cpu' };
  } else {
    const nodeErr = await tryNode();
    if (!nodeErr) {
      active = { name: 'tensorflow', detail: 'tfjs-node loaded' };
    } else {
      notes.push(nodeErr);
      const wasmErr = await tryWasm(wasmDir);
      if (!wasmErr) {
        active = { name: 'wasm', detail: notes.concat('using wasm').join('; ') };
      } else {
        notes.push(wasmErr);
        await tf.setBackend('cpu');
        active = { name: 'cpu', detail: notes.concat('using cpu').join('; ') };
      }
    }
  }
  await tf.ready();
  const actual = tf.getBackend();
  if (!backendMatches(active.name, actual as BackendPreference | BackendName)) {
    throw new BackendError(`Backend ${active.name} was chosen but tfjs reports ${actual}.`);
  }
  if (active.name === 'wasm') {
    // The SIMD matrix-product kernel (kernels/fast-matmul.ts); ELBO_STUDIO_WASM_GEMM=0 keeps tfjs' own.
    active = {
      ...active,
      detail: `${active.detail}; ${installFastMatMul() ? 'ELBO Studio SIMD GEMM kernel' : 'tfjs GEMM kernel'}`,
    };
  }
  return active;
}

function backendMatches(name: BackendName, pref: string): boolean {
  return name === pref || (name === 'tensorflow' && pref === 'node');
}

/** The backend chosen by initBackend, or null before it ran. */
export function activeBackend(): BackendInfo | null {
  return active;
}
