/**
 * Chooses the tfjs backend that trains a run: tfjs-node (native TensorFlow) when it loads; else 'native' — the
 * WebAssembly backend with its matrix products on ELBO Studio's own native kernels (kernels/native.ts, built at
 * install when a C compiler is there); else WebAssembly with the wasm SIMD GEMM kernel (single-threaded in Node);
 * else the plain JavaScript cpu backend. `ELBO_STUDIO_BACKEND=node|native|wasm|cpu` forces one and fails loudly
 * when it cannot be had. The chosen name is stored with every run, so each run says which path trained it.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { installFastMatMul, setNativeMatMul } from './kernels/fast-matmul';
import { loadNative } from './kernels/native';
import '@tensorflow/tfjs-backend-cpu';

export type BackendPreference = 'node' | 'native' | 'wasm' | 'cpu';
/** The names stored with runs: the tfjs backend actually active ('native' = wasm with native matrix products). */
export type BackendName = 'tensorflow' | 'native' | 'wasm' | 'cpu';

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
  if (v === 'native' || v === 'wasm' || v === 'cpu') return v;
  throw new BackendError(
    `ELBO_STUDIO_BACKEND must be node, native, wasm or cpu, got "${raw}". Unset it to let ELBO Studio choose.`,
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
  } else if (pref === 'native') {
    const n = loadNative();
    if (!n.ok) throw new BackendError(`ELBO_STUDIO_BACKEND=native but ${n.reason}.`);
    const err = await tryWasm(wasmDir);
    if (err) throw new BackendError(`ELBO_STUDIO_BACKEND=native but ${err}.`);
    active = { name: 'native', detail: 'forced by ELBO_STUDIO_BACKEND=native' };
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
        const n = loadNative();
        if (n.ok) active = { name: 'native', detail: notes.concat('using wasm with native kernels').join('; ') };
        else active = { name: 'wasm', detail: notes.concat(n.reason, 'using wasm').join('; ') };
      } else {
        notes.push(wasmErr);
        await tf.setBackend('cpu');
        active = { name: 'cpu', detail: notes.concat('using cpu').join('; ') };
      }
    }
  }
  await tf.ready();
  const actual = tf.getBackend();
  if (tfjsName(active.name) !== actual) {
    throw new BackendError(`Backend ${active.name} was chosen but tfjs reports ${actual}.`);
  }
  if (active.name === 'native') {
    // The wasm backend's matrix products on the native kernels (kernels/native.ts); the rest stays in wasm.
    if (!setNativeMatMul(true))
      throw new BackendError('The native kernels loaded but could not serve the wasm backend.');
    const info = loadNative();
    const isa = info.ok ? info.kernels.info() : null;
    active = {
      ...active,
      detail: `${active.detail}; native GEMM (${isa?.isa ?? '?'}, ${isa?.threads ?? 1} thread${isa?.threads === 1 ? '' : 's'})`,
    };
  } else if (active.name === 'wasm') {
    // The SIMD matrix-product kernel (kernels/fast-matmul.ts); ELBO_STUDIO_WASM_GEMM=0 keeps tfjs' own.
    setNativeMatMul(false);
    active = {
      ...active,
      detail: `${active.detail}; ${installFastMatMul() ? 'ELBO Studio SIMD GEMM kernel' : 'tfjs GEMM kernel'}`,
    };
  }
  return active;
}

/** The tfjs backend behind a stored name. */
function tfjsName(name: BackendName): string {
  return name === 'native' ? 'wasm' : name;
}

function backendMatches(name: BackendName, pref: string): boolean {
  return name === pref || (name === 'tensorflow' && pref === 'node');
}

/** The backend chosen by initBackend, or null before it ran. */
export function activeBackend(): BackendInfo | null {
  return active;
}
