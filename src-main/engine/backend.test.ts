import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultWasmDir, initBackend } from './backend';

describe('tfjs backend choice', () => {
  it('finds the wasm files inside the npm package', () => {
    expect(defaultWasmDir()).toMatch(/tfjs-backend-wasm[\\/]dist$/);
  });

  it('fails loudly when a forced backend cannot load (tfjs-node is not installed here)', async () => {
    let nodeLoads = true;
    try {
      await import(/* @vite-ignore */ ['@tensorflow', 'tfjs-node'].join('/'));
    } catch {
      nodeLoads = false;
    }
    if (nodeLoads) {
      await expect(initBackend({ preference: 'node' })).resolves.toMatchObject({ name: 'tensorflow' });
    } else {
      await expect(initBackend({ preference: 'node' })).rejects.toThrow(
        /ELBO_STUDIO_BACKEND=node but tfjs-node did not load/,
      );
    }
  });

  it('honours a forced backend and reports it', async () => {
    await expect(initBackend({ preference: 'cpu' })).resolves.toMatchObject({ name: 'cpu' });
    await expect(initBackend({ preference: 'wasm' })).resolves.toMatchObject({ name: 'wasm' });
  });

  it('without a preference, picks the native kernels when they are built, else wasm, and says why', async () => {
    const { loadNative } = await import('./kernels/native');
    const n = loadNative();
    // A fresh process: the choice is made once per process.
    const script = [
      "const { initBackend } = require('./src-main/engine/backend.ts');",
      "const { matMulPath } = require('./src-main/engine/kernels/fast-matmul.ts');",
      'initBackend().then((b) => console.log(JSON.stringify({ ...b, path: matMulPath() })));',
    ].join('\n');
    const env = { ...process.env };
    delete env.ELBO_STUDIO_BACKEND;
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
      cwd: path.join(__dirname, '..', '..'),
      env,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout.trim().split('\n').pop()!) as { name: string; detail: string; path: string };
    if (info.name === 'tensorflow') return; // tfjs-node installed: it comes first
    expect(info.name).toBe(n.ok ? 'native' : 'wasm');
    expect(info.path).toBe(n.ok ? 'native' : 'wasm-simd');
    if (!n.ok) expect(info.detail).toContain(n.reason);
  }, 60_000);

  it('rejects an unknown ELBO_STUDIO_BACKEND value with the allowed ones', async () => {
    const old = process.env.ELBO_STUDIO_BACKEND;
    process.env.ELBO_STUDIO_BACKEND = 'gpu';
    try {
      await expect(initBackend()).rejects.toThrow(/must be node, native, wasm or cpu, got "gpu"/);
    } finally {
      if (old === undefined) delete process.env.ELBO_STUDIO_BACKEND;
      else process.env.ELBO_STUDIO_BACKEND = old;
    }
  });
});
