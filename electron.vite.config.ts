import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Main-process bundles: the Electron entry, the training worker (a separate file so a worker thread can load it),
// the browser-mode server and the CLI. Dependencies stay external except TensorFlow.js: its dist is ESM with
// extension-less imports that Node cannot load directly, and core and backends must share one engine instance, so
// they are bundled; engine/backend.ts then points the wasm backend at its .wasm files (setWasmPaths).
const TFJS = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm'];
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: { exclude: TFJS },
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src-main/index.ts'),
          'training.worker': resolve(__dirname, 'src-main/jobs/training.worker.ts'),
          'lda.worker': resolve(__dirname, 'src-main/engine/models/lda/lda.worker.ts'),
          'vae.replica': resolve(__dirname, 'src-main/engine/models/vae/replica.worker.ts'),
          'import.worker': resolve(__dirname, 'src-main/data-import/import.worker.ts'),
          'unzip.worker': resolve(__dirname, 'src-main/export/unzip.worker.ts'),
          'model.worker': resolve(__dirname, 'src-main/model-service/model.worker.ts'),
          'reference.worker': resolve(__dirname, 'src-main/reference/reference.worker.ts'),
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
