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

  it('rejects an unknown ELBO_STUDIO_BACKEND value with the allowed ones', async () => {
    const old = process.env.ELBO_STUDIO_BACKEND;
    process.env.ELBO_STUDIO_BACKEND = 'gpu';
    try {
      await expect(initBackend()).rejects.toThrow(/must be node, wasm or cpu, got "gpu"/);
    } finally {
      if (old === undefined) delete process.env.ELBO_STUDIO_BACKEND;
      else process.env.ELBO_STUDIO_BACKEND = old;
    }
  });
});
