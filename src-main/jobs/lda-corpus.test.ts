import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetFile, importCsv } from '../data-import';
import { ldaSpecSchema } from '../../src-shared/schemas/run-spec';
import { corpusKey, ldaCorpusFor, splitHeldout } from './lda-corpus';

async function dataset(): Promise<{ ds: DatasetFile; dir: string }> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-ldac-'));
  const csv = path.join(tmp, 'docs.csv');
  const words = [
    'galaxy star orbit planet telescope',
    'market price stock trade bank',
    'river mountain forest valley lake',
  ];
  const rows = ['id,text,n'];
  for (let i = 0; i < 60; i++) rows.push(`${i},"${words[i % 3]} ${words[i % 3]} the and of",${i % 7}`);
  rows.push('60,"",1');
  fs.writeFileSync(csv, rows.join('\n'));
  const dir = path.join(tmp, 'ds');
  await importCsv(csv, dir, { columns: [{ name: 'text', type: 'text', role: 'text' }] });
  return { ds: DatasetFile.open(dir), dir };
}

describe('LDA corpus of a dataset', () => {
  it('is prepared once per column and options, then reused', async () => {
    const { ds, dir } = await dataset();
    const spec = ldaSpecSchema.parse({ model: 'lda', textColumn: 'text', prep: { minDf: 1, maxDf: 1 } });
    const a = await ldaCorpusFor(ds, dir, spec);
    expect(a.cached).toBe(false);
    expect(a.corpus.docPtr.length - 1).toBe(61);
    expect(a.report.emptyDocuments).toBe(1);
    expect(a.corpus.vocabulary).toContain('galaxy');
    expect(a.corpus.vocabulary).not.toContain('the');
    const b = await ldaCorpusFor(ds, dir, spec);
    expect(b.cached).toBe(true);
    expect(Array.from(b.corpus.wordIds)).toEqual(Array.from(a.corpus.wordIds));
    const other = ldaSpecSchema.parse({
      model: 'lda',
      textColumn: 'text',
      prep: { minDf: 1, maxDf: 1, language: 'none' },
    });
    expect(corpusKey(other)).not.toBe(corpusKey(spec));
    expect((await ldaCorpusFor(ds, dir, other)).corpus.vocabulary).toContain('the');
  });

  it('refuses a column that is not text, naming it', async () => {
    const { ds, dir } = await dataset();
    await expect(ldaCorpusFor(ds, dir, ldaSpecSchema.parse({ model: 'lda', textColumn: 'n' }))).rejects.toThrow(
      /Column "n" is numeric, not text/,
    );
    await expect(ldaCorpusFor(ds, dir, ldaSpecSchema.parse({ model: 'lda', textColumn: 'nope' }))).rejects.toThrow(
      /not in this dataset/,
    );
  });

  it('splits held-out documents by seed, disjoint and complete', async () => {
    const { ds, dir } = await dataset();
    const { corpus } = await ldaCorpusFor(
      ds,
      dir,
      ldaSpecSchema.parse({ model: 'lda', textColumn: 'text', prep: { minDf: 1, maxDf: 1 } }),
    );
    const s1 = splitHeldout(corpus, 0.2, 1);
    const s2 = splitHeldout(corpus, 0.2, 1);
    const s3 = splitHeldout(corpus, 0.2, 2);
    expect(s1.heldoutRows).toEqual(s2.heldoutRows);
    expect(s1.heldoutRows).not.toEqual(s3.heldoutRows);
    expect(s1.heldoutRows.length).toBe(12);
    expect(new Set([...s1.trainRows, ...s1.heldoutRows]).size).toBe(61);
    // Loaded without sequences (the default), the held-out documents come from the stored folder with theirs:
    // the same documents as a split of the corpus loaded whole.
    expect(corpus.seqIds).toBeUndefined();
    const whole = await ldaCorpusFor(
      ds,
      dir,
      ldaSpecSchema.parse({ model: 'lda', textColumn: 'text', prep: { minDf: 1, maxDf: 1 } }),
      undefined,
      { sequences: true },
    );
    const fromDisk = splitHeldout(corpus, 0.2, 1, whole.dir).heldout!;
    const inMemory = splitHeldout(whole.corpus, 0.2, 1).heldout!;
    expect(Array.from(fromDisk.seqIds!)).toEqual(Array.from(inMemory.seqIds!));
    expect(Array.from(fromDisk.seqPtr!)).toEqual(Array.from(inMemory.seqPtr!));
    expect(Array.from(fromDisk.wordIds)).toEqual(Array.from(inMemory.wordIds));
    expect(fromDisk.seqIds!.length).toBeGreaterThan(0);
  });
});
