import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  type Corpus,
  completionSplit,
  corpusFromSequences,
  loadCorpus,
  loadCorpusRows,
  numDocs,
  numTokens,
  prepareCorpus,
  prepareCorpusToDir,
  prepareReport,
  saveCorpus,
  subsetCorpus,
  stopWordsFor,
  TextPrepError,
  tokenize,
} from './index';

const loose = { minDf: 1, maxDf: 1, maxVocab: 100_000 };

function words(c: Corpus, d: number): string[] {
  const out: string[] = [];
  for (let i = c.docPtr[d]!; i < c.docPtr[d + 1]!; i++)
    for (let r = 0; r < c.counts[i]!; r++) out.push(c.vocabulary[c.wordIds[i]!]!);
  return out.sort();
}

describe('tokenize', () => {
  it('is Unicode-aware and lower-cases (NFKC)', () => {
    const stop = new Set<string>();
    expect(tokenize('Größe NAÏVE данные ΣΟΦΙΑ can’t x1y2 e-mail ﬁle', { minTokenLength: 1, stopWords: stop })).toEqual([
      'größe',
      'naïve',
      'данные',
      'σοφια',
      'can',
      't',
      'x',
      'y',
      'e',
      'mail',
      'file',
    ]);
    // Devanagari with combining vowel signs stays one token; CJK runs are one token.
    expect(tokenize('हिन्दी 日本語のテキスト', { minTokenLength: 1, stopWords: stop })).toEqual([
      'हिन्दी',
      '日本語のテキスト',
    ]);
  });
  it('drops short tokens (in code points) and stop words, counting them', () => {
    const counters = { raw: 0, short: 0, stop: 0 };
    const out = tokenize('The cat and an 𝒳𝒴 ox sat', { minTokenLength: 3, stopWords: stopWordsFor('en') }, counters);
    expect(out).toEqual(['cat', 'sat']);
    expect(counters).toEqual({ raw: 7, short: 3, stop: 2 });
  });
});

describe('English contractions and negations (issue 18)', () => {
  it('keep "don\'t" whole and drop it, cut possessives, and drop negations and modal verbs', async () => {
    const en = stopWordsFor('en');
    const opts = { minTokenLength: 3, stopWords: en, contractions: true };
    expect(tokenize("I don't think the dog's owner won't come; it’s not when, but will.", opts)).toEqual([
      'think',
      'dog',
      'owner',
    ]);
    // Without English rules (another language) the apostrophe still splits words.
    expect(tokenize("l'homme", { minTokenLength: 1, stopWords: new Set<string>() })).toEqual(['l', 'homme']);
    const { corpus } = await prepareCorpus(["Don't panic. Don’t! Isn't it?", "We'll see the dog's bone"], {
      minDf: 1,
      maxDf: 1,
    });
    expect(corpus.vocabulary).toEqual(['bone', 'dog', 'panic', 'see']);
    for (const w of ['not', 'when', 'will', 'one', 'just', "don't", "isn't", "we'll", "you're", "can't"]) {
      expect(en.has(w), w).toBe(true);
    }
  });
});

describe('stop words', () => {
  it('come from the stopword package by ISO 639-1 code, plus extras; unknown languages are rejected', () => {
    const en = stopWordsFor('en');
    expect(en.has('the')).toBe(true);
    expect(en.has('because')).toBe(true);
    expect(stopWordsFor('de').has('und')).toBe(true);
    expect(stopWordsFor('eng').has('the')).toBe(true);
    expect(stopWordsFor('none').size).toBe(0);
    expect(stopWordsFor('en', ['Foo ']).has('foo')).toBe(true);
    expect(() => stopWordsFor('xx')).toThrow(/Unknown stop-word language "xx"/);
  });
});

describe('prepareCorpus', () => {
  it('builds CSR rows aligned with the input and reports empty documents', async () => {
    const docs = ['Cats chase mice.', '', 'the and of', null, 'Mice fear cats; cats sleep.'];
    const { corpus, report } = await prepareCorpus(docs, { ...loose });
    expect(numDocs(corpus)).toBe(5);
    expect(corpus.vocabulary).toEqual(['cats', 'chase', 'fear', 'mice', 'sleep']);
    expect(words(corpus, 0)).toEqual(['cats', 'chase', 'mice']);
    expect(words(corpus, 4)).toEqual(['cats', 'cats', 'fear', 'mice', 'sleep']);
    expect(report.documents).toBe(5);
    expect(report.blankDocuments).toBe(2);
    expect(report.emptyDocuments).toBe(3);
    expect(report.emptyDocumentIndices).toEqual([1, 2, 3]);
    expect(report.droppedByStopWords).toBe(2); // 'the', 'and' ('of' is too short)
    expect(report.droppedByLength).toBe(1);
    expect(report.tokens).toBe(8);
    expect(numTokens(corpus)).toBe(8);
    expect(report.warnings.join(' ')).toMatch(/3 of 5 documents are empty/);
    // sequences kept in reading order
    expect(
      Array.from(corpus.seqIds!.subarray(corpus.seqPtr![4]!, corpus.seqPtr![5]!), (w) => corpus.vocabulary[w]),
    ).toEqual(['mice', 'fear', 'cats', 'cats', 'sleep']);
  });

  it('applies min/max document frequency (counts and fractions) and the vocabulary cap', async () => {
    const docs = ['alpha beta gamma', 'alpha beta', 'alpha delta', 'alpha beta epsilon'];
    const a = await prepareCorpus(docs, { minDf: 2, maxDf: 1, maxVocab: 100 });
    expect(a.corpus.vocabulary).toEqual(['alpha', 'beta']);
    const b = await prepareCorpus(docs, { minDf: 1, maxDf: 0.8, maxVocab: 100 });
    expect(b.corpus.vocabulary).toEqual(['beta', 'delta', 'epsilon', 'gamma']); // alpha in 4/4 > 0.8
    expect(b.report.droppedByDocumentFrequency).toBe(4);
    const c = await prepareCorpus(docs, { minDf: 0.5, maxDf: 1, maxVocab: 100 }); // df ≥ 2 of 4
    expect(c.corpus.vocabulary).toEqual(['alpha', 'beta']);
    const d = await prepareCorpus(docs, { minDf: 1, maxDf: 1, maxVocab: 2 });
    expect(d.corpus.vocabulary).toEqual(['alpha', 'beta']);
    expect(d.report.droppedByVocabularyCap).toBe(3);
  });

  it('adds bigrams of tokens adjacent after filtering', async () => {
    const { corpus } = await prepareCorpus(['New York is big', 'new york city'], { ...loose, bigrams: true });
    expect(corpus.vocabulary).toContain('new_york');
    expect(corpus.vocabulary).toContain('york_big');
    expect(corpus.vocabulary).toContain('york_city');
    expect(words(corpus, 1)).toEqual(['city', 'new', 'new_york', 'york', 'york_city']);
  });

  it('takes async iterables (a CSV stream) and reports progress', async () => {
    async function* gen(): AsyncGenerator<string> {
      for (let i = 0; i < 2500; i++) yield `document number ${i % 7 === 0 ? 'seven' : 'other'} words`;
    }
    const seen: number[] = [];
    const { corpus } = await prepareCorpus(gen(), { ...loose }, (p) => seen.push(p.documents));
    expect(numDocs(corpus)).toBe(2500);
    expect(seen).toContain(1000);
    expect(seen).toContain(2000);
  });

  it('maps new documents onto a fixed vocabulary, counting out-of-vocabulary tokens', async () => {
    const { corpus } = await prepareCorpus(['cats chase mice', 'dogs chase cats'], {
      ...loose,
      vocabulary: ['cats', 'mice'],
    });
    expect(corpus.vocabulary).toEqual(['cats', 'mice']);
    expect(words(corpus, 1)).toEqual(['cats']);
    expect(corpus.report).toMatchObject({ outOfVocabulary: 3 });
    await expect(prepareCorpus(['dogs bark'], { ...loose, vocabulary: ['cats'] })).rejects.toThrow(
      /None of the 2 tokens/,
    );
  });

  it('handles non-English lines and very long documents without losing anything', async () => {
    const long = Array.from({ length: 200_000 }, (_, i) => `word${String.fromCharCode(97 + (i % 26))}`).join(' ');
    const docs = ['Le café est très bon', 'Der Kaffee ist sehr gut', 'Кофе очень хороший', '咖啡很好', long];
    const { corpus, report } = await prepareCorpus(docs, { ...loose });
    expect(report.emptyDocuments).toBe(0);
    expect(words(corpus, 2)).toEqual(['кофе', 'очень', 'хороший']);
    expect(words(corpus, 3)).toEqual(['咖啡很好']);
    let longTokens = 0;
    for (let i = corpus.docPtr[4]!; i < corpus.docPtr[5]!; i++) longTokens += corpus.counts[i]!;
    expect(longTokens).toBe(200_000);
    expect(report.documentLength.max).toBe(200_000);
  });

  it('rejects a column that is not text, naming the cells', async () => {
    const docs = Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? 'n/a text' : String(i * 1.5)));
    const err = await prepareCorpus(docs, { ...loose }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TextPrepError);
    expect((err as TextPrepError).reason).toBe('NOT_TEXT');
    expect((err as TextPrepError).message).toMatch(/90 of 100 non-empty cells contain no letters \(e\.g\. "1\.5"/);
    expect((err as TextPrepError).hint).toMatch(/column of free text/);
  });

  it('rejects a corpus where every token is a stop word, and an all-empty column', async () => {
    const err = await prepareCorpus(['the and of', 'to be or to be', 'it is what it is'], { ...loose }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TextPrepError);
    expect((err as TextPrepError).reason).toBe('NO_VOCABULARY');
    expect((err as TextPrepError).message).toMatch(/Every token is a stop word/);
    await expect(prepareCorpus(['', '  ', null], { ...loose })).rejects.toThrow(/All 3 text cells are empty/);
    await expect(prepareCorpus(['alpha beta', 'gamma'], { minDf: 5, maxDf: 1 })).rejects.toThrow(
      /Lower minDf|No word passes/,
    );
  });

  it('rejects bad options echoing the value', async () => {
    await expect(prepareCorpus(['a'], { minTokenLength: 0 })).rejects.toThrow(/minTokenLength .* got 0/);
    await expect(prepareCorpus(['a'], { maxVocab: 1.5 })).rejects.toThrow(/maxVocab .* got 1.5/);
  });
});

describe('corpus storage', () => {
  it('saves and reloads the CSR arrays, sequences and metadata into shared memory', async () => {
    const { corpus } = await prepareCorpus(['cats chase mice', '', 'mice fear cats cats'], { ...loose });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corpus-'));
    try {
      saveCorpus(dir, corpus);
      const back = loadCorpus(dir);
      expect(back.vocabulary).toEqual(corpus.vocabulary);
      expect(Array.from(back.docPtr)).toEqual(Array.from(corpus.docPtr));
      expect(Array.from(back.wordIds)).toEqual(Array.from(corpus.wordIds));
      expect(Array.from(back.counts)).toEqual(Array.from(corpus.counts));
      expect(Array.from(back.seqIds!)).toEqual(Array.from(corpus.seqIds!));
      expect(Array.from(back.termFrequency!)).toEqual(Array.from(corpus.termFrequency!));
      expect(back.docPtr.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(back.report).toEqual(JSON.parse(JSON.stringify(corpus.report)));
      fs.writeFileSync(path.join(dir, 'wordIds.u32'), Buffer.alloc(4));
      expect(() => loadCorpus(dir)).toThrow(/wordIds.u32 has 4 bytes/);
      expect(() => loadCorpus(path.join(dir, 'missing'))).toThrow(/No prepared corpus/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('splits documents for completion: first ⌊n/2⌋ tokens observed, the rest scored', () => {
    const c = corpusFromSequences(['a', 'b', 'c'], [[0, 1, 2, 2, 1], [2], []]);
    const { observed, scored } = completionSplit(c);
    expect(Array.from(observed.seqIds!)).toEqual([0, 1]);
    expect(Array.from(scored.seqIds!)).toEqual([2, 2, 1]);
    expect(numDocs(observed)).toBe(3);
    expect(numTokens(scored)).toBe(3);
  });
});

/** Seeded documents over a Zipf-like vocabulary with blanks, digits-only cells and stop words mixed in. */
function syntheticDocs(D: number, seed: number): string[] {
  let s = seed >>> 0;
  const rand = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  const vocab = Array.from(
    { length: 900 },
    (_, w) => `w${String.fromCharCode(97 + (w % 26), 97 + Math.floor(w / 26))}x`,
  );
  const out: string[] = [];
  for (let d = 0; d < D; d++) {
    if (d % 97 === 5) out.push('');
    else if (d % 131 === 7) out.push('12 345');
    else {
      const n = 5 + Math.floor(rand() * 50);
      const t: string[] = [];
      for (let i = 0; i < n; i++) t.push(rand() < 0.1 ? 'the' : vocab[Math.floor(900 * rand() ** 2)]!);
      out.push(t.join(' '));
    }
  }
  return out;
}

describe('streaming preparation to a folder', () => {
  const same = (a: Corpus, b: Corpus): void => {
    expect(b.vocabulary).toEqual(a.vocabulary);
    expect(Array.from(b.docPtr)).toEqual(Array.from(a.docPtr));
    expect(Array.from(b.wordIds)).toEqual(Array.from(a.wordIds));
    expect(Array.from(b.counts)).toEqual(Array.from(a.counts));
    expect(b.seqPtr ? Array.from(b.seqPtr) : null).toEqual(a.seqPtr ? Array.from(a.seqPtr) : null);
    expect(b.seqIds ? Array.from(b.seqIds) : null).toEqual(a.seqIds ? Array.from(a.seqIds) : null);
    expect(Array.from(b.termFrequency!)).toEqual(Array.from(a.termFrequency!));
    expect(Array.from(b.docFrequency!)).toEqual(Array.from(a.docFrequency!));
    expect(b.options).toEqual(JSON.parse(JSON.stringify(a.options)));
    expect(b.report).toEqual(JSON.parse(JSON.stringify(a.report)));
  };

  it('writes the corpus the in-memory path makes, array for array (more tokens than one I/O buffer)', async () => {
    // 4,000 documents ≈ 110,000 tokens: the 65,536-element file buffers are flushed and refilled mid-document.
    const docs = syntheticDocs(4000, 7);
    const cases: Array<Parameters<typeof prepareCorpus>[1]> = [
      { minDf: 3, maxDf: 0.5, maxVocab: 600 }, // df rules and the cap drop words
      { ...loose, bigrams: true },
      { ...loose, keepOrder: false },
    ];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corpus-stream-'));
    try {
      for (const [i, opts] of cases.entries()) {
        const mem = await prepareCorpus(docs, opts);
        const sub = path.join(dir, String(i));
        const seen: string[] = [];
        const report = await prepareCorpusToDir(docs, sub, opts, (p) => seen.push(p.phase));
        expect(report).toEqual(mem.report);
        // The form's preview: the same report, with no corpus kept.
        expect(await prepareReport(docs, opts)).toEqual(
          opts?.keepOrder === false ? mem.report : (await prepareCorpus(docs, { ...opts, keepOrder: false })).report,
        );
        expect(seen).toContain('building');
        same(mem.corpus, loadCorpus(sub));
        expect(fs.readdirSync(sub).filter((f) => f.includes('tmp'))).toEqual([]);
      }
      expect(numTokens(loadCorpus(path.join(dir, '0')))).toBeGreaterThan(65_536);
      // A fixed vocabulary (held-out documents mapped onto a fitted model), streamed from an async iterable.
      const vocabulary = (await prepareCorpus(docs.slice(0, 50), loose)).corpus.vocabulary;
      async function* cells(): AsyncGenerator<string> {
        yield* docs;
      }
      const fixed = await prepareCorpus(docs, { ...loose, vocabulary });
      await prepareCorpusToDir(cells(), path.join(dir, 'fixed'), { ...loose, vocabulary });
      same(fixed.corpus, loadCorpus(path.join(dir, 'fixed')));
      // Errors leave no corpus behind (no meta.json), and name the problem as prepareCorpus does.
      await expect(prepareCorpusToDir(['1 2', '3'], path.join(dir, 'bad'), loose)).rejects.toThrow(
        /does not look like/,
      );
      expect(fs.existsSync(path.join(dir, 'bad', 'meta.json'))).toBe(false);
      expect(fs.existsSync(path.join(dir, 'bad', 'tokens.tmp.u32'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads chosen rows from the folder as subsetCorpus does on the loaded corpus', async () => {
    const docs = syntheticDocs(1500, 3);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corpus-rows-'));
    try {
      await prepareCorpusToDir(docs, dir, loose);
      const rows = [1499, 0, 5, 700, 5, 96 * 1 + 1];
      const a = subsetCorpus(loadCorpus(dir), rows);
      const b = loadCorpusRows(dir, rows);
      expect(Array.from(b.docPtr)).toEqual(Array.from(a.docPtr));
      expect(Array.from(b.wordIds)).toEqual(Array.from(a.wordIds));
      expect(Array.from(b.counts)).toEqual(Array.from(a.counts));
      expect(Array.from(b.seqPtr!)).toEqual(Array.from(a.seqPtr!));
      expect(Array.from(b.seqIds!)).toEqual(Array.from(a.seqIds!));
      expect(() => loadCorpusRows(dir, [1500])).toThrow(/Expected rows in \[0, 1500\), got 1500/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it(
    'prepares 80,000 documents under a 40 MB heap cap holding ~16 bytes a document, not the tokens',
    { timeout: 300_000 },
    () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corpus-probe-'));
      const probe = path.resolve(__dirname, 'test-support/prepare-probe.ts');
      const run = (mode: 'disk' | 'memory') => {
        const child = spawnSync(
          process.execPath,
          ['--max-old-space-size=40', '--import', 'tsx', probe, mode, '80000', path.join(dir, mode)],
          { cwd: path.resolve(__dirname, '../..'), encoding: 'utf8', timeout: 290_000 },
        );
        expect(child.status, child.stderr.slice(-2000)).toBe(0);
        return JSON.parse(child.stdout.trim().split('\n').pop()!) as {
          tokens: number;
          nnz: number;
          baselineRss: number;
          peakRss: number;
          pass1ArrayBuffers: number;
        };
      };
      try {
        const disk = run('disk');
        const mem = run('memory');
        console.log(JSON.stringify({ disk, mem }));
        const corpusBytes = 4 * (2 * mem.nnz + mem.tokens); // wordIds, counts, sequences
        expect(disk.tokens).toBe(mem.tokens);
        expect(corpusBytes).toBeGreaterThan(25e6);
        // At the end of pass 1 the in-memory path holds the provisional ids (4 bytes a token); the streamed one holds
        // per-document offsets and the per-word counts and file buffers only. Measured: 1.6 MB against 25 MB.
        expect(mem.pass1ArrayBuffers).toBeGreaterThan(4 * mem.tokens);
        expect(disk.pass1ArrayBuffers).toBeLessThan(16 * 80_000 + 1e6);
        // RSS growth (young generation and allocator slack included): well below the corpus it wrote. Measured
        // 11–13 MB against a 37 MB corpus (the in-memory path grows past 30 MB), so the line sits at half.
        expect(disk.peakRss - disk.baselineRss).toBeLessThan(corpusBytes / 2);
        expect(mem.peakRss - mem.baselineRss).toBeGreaterThan(corpusBytes * 0.8);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
