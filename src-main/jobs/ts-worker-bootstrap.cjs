// Development only: lets a worker thread run a TypeScript entry (workerData.__tsEntry) through tsx's CommonJS hook.
// Node 20 does not carry `--import tsx` into worker threads; builds use the bundled .js worker instead.
require('tsx/cjs/api').register();
require(require('node:worker_threads').workerData.__tsEntry);
