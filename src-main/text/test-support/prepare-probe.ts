// Child process for text.test.ts's bounded-memory check: prepares a synthetic corpus of `documents` documents (drawn
// on the fly, never held) either streamed to a folder (`disk`: prepareCorpusToDir) or in memory (`memory`:
// prepareCorpus), and prints one JSON line: RSS before and at its peak (Linux maxrss), the ArrayBuffer bytes alive
// at the end of pass 1, and the corpus size.
//   node --max-old-space-size=40 --import tsx prepare-probe.ts disk|memory DOCUMENTS DIR
import { prepareCorpus, prepareCorpusToDir } from '../prepare';

const [mode, nArg, dir] = process.argv.slice(2);
const D = Number(nArg);

function* documents(): Generator<string> {
  let s = 12345;
  const rand = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  const spell = (w: number): string =>
    `q${String.fromCharCode(97 + Math.floor(w / 676), 97 + (Math.floor(w / 26) % 26), 97 + (w % 26))}`;
  const words: string[] = [];
  for (let d = 0; d < D; d++) {
    words.length = 0;
    const n = 30 + Math.floor(rand() * 21);
    // Zipf-like: most draws from a few hundred words, the tail up to 5,000.
    for (let i = 0; i < n; i++) words.push(spell(Math.floor(5000 * rand() ** 3)));
    yield words.join(' ');
  }
}

async function main(): Promise<void> {
  const baselineRss = process.resourceUsage().maxRSS * 1024;
  let pass1ArrayBuffers = 0;
  const onProgress = (p: { phase: string }): void => {
    if (p.phase === 'building') pass1ArrayBuffers = process.memoryUsage().arrayBuffers;
  };
  let tokens = 0;
  let nnz = 0;
  if (mode === 'disk') {
    const report = await prepareCorpusToDir(documents(), dir!, { language: 'none', minDf: 1, maxDf: 1 }, onProgress);
    tokens = report.tokens;
  } else {
    const { corpus, report } = await prepareCorpus(documents(), { language: 'none', minDf: 1, maxDf: 1 }, onProgress);
    tokens = report.tokens;
    nnz = corpus.wordIds.length;
  }
  const peakRss = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ documents: D, tokens, nnz, baselineRss, peakRss, pass1ArrayBuffers }));
}

void main();
