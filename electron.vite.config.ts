import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Main-process bundles: the Electron entry, the training worker (a separate file so a worker thread can load it),
// the browser-mode server and the CLI. Dependencies stay external and load from node_modules, so tfjs-backend-wasm
// finds its .wasm files beside its own dist (packaged builds must unpack them from the asar; see README).
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src-main/index.ts'),
          'training.worker': resolve(__dirname, 'src-main/jobs/training.worker.ts'),
          server: resolve(__dirname, 'src-main/server/main.ts'),
          cli: resolve(__dirname, 'src-main/cli.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: { input: { index: resolve(__dirname, 'src-main/preload/index.ts') } },
    },
  },
  renderer: {
    root: 'src-renderer',
    plugins: [svelte()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: resolve(__dirname, 'src-renderer/index.html') },
    },
  },
});
