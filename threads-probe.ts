import { fitLda } from './src-main/engine/models/lda';
import { LdaExecutor } from './src-main/engine/models/lda/executor';
import { syntheticLda } from './src-main/engine/models/lda/testing';
const s = syntheticLda({ K: 50, V: 8000, D: 20000, alpha: 0.1, leak: 0.01, minLen: 40, maxLen: 77, seed: 3 });
const orig = LdaExecutor.prototype.estep;
let inE = 0;
LdaExecutor.prototype.estep = async function (t) { const a = performance.now(); const r = await orig.call(this, t); inE += performance.now() - a; return r; };
(async () => {
  for (const threads of [1, 2]) {
    inE = 0;
    const f = await fitLda(s.corpus, { topics: 50, passes: 1, method: 'online', threads, batchSize: 256, tau0: 1024, kappa: 0.7, init: 'random' }, {});
    const h = f.history[0]!;
    console.log(threads, f.threads, h.seconds.toFixed(2), h.cpuSeconds.toFixed(2), 'estep', (inE/1000).toFixed(2), 'sweeps', h.sweepsPerDoc);
  }
})();
