import { LdaExecutor } from './src-main/engine/models/lda/executor';
import { sharedCorpus } from './src-main/engine/models/lda/corpus';
import { syntheticLda } from './src-main/engine/models/lda/testing';
const s = syntheticLda({ K: 50, V: 8000, D: 4000, alpha: 0.1, leak: 0.01, minLen: 40, maxLen: 77, seed: 3 });
(async () => {
  for (const threads of [2]) {
    const ex = new LdaExecutor(50, 8000, threads);
    await ex.start();
    const c = sharedCorpus(s.corpus);
    await ex.registerCorpus(0, c);
    for (let i = 0; i < ex.B.length; i++) ex.B[i] = Math.random();
    const docs = Uint32Array.from({ length: 4000 }, (_, i) => i);
    const ws = (ex as any).workers.map((h: any) => h.w);
    const e0 = ws.map((w: any) => w.performance.eventLoopUtilization());
    const a = performance.now();
    for (let i = 0; i < 16; i++) {
    const r = await ex.estep({ corpus: 0, docs: docs.subarray(i*250, i*250+250), topics: 'B', alpha: new Float64Array(50).fill(0.1), maxIter: 100, tol: 1e-3, init: 'prior', useStore: false, accumulate: true, bound: true });
    }
    const wall = performance.now() - a;
    console.log('wall', wall.toFixed(0), ws.map((w: any, i: number) => { const u = w.performance.eventLoopUtilization(e0[i]); return (u.active).toFixed(0); }));
    await ex.close();
  }
})();
