import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultMissingPolicy, missingRefusal, policyCounts, type PlannedUse } from '../../src-shared/domain/missing';
import { importCsv } from './import';
import { scanMissing } from './missing-scan';
import { scratch, type Scratch } from './test-support/helpers';
import { join } from 'node:path';

let s: Scratch;
beforeEach(() => {
  s = scratch();
});
afterEach(() => s.cleanup());

// a: missing on rows 2, 4; b: missing on row 4, "?" on row 5; t (text): missing on row 1; c categorical with "?".
const CSV = ['a,b,t,c', '1,2,,x', ',3,hi,y', '3,4,yo,x', ',,ho,?', '5,?,he,y', '6,7,ha,x'].join('\n');
const plan = (over: Partial<Record<string, Partial<PlannedUse>>> = {}): PlannedUse[] =>
  (
    [
      { name: 'a', type: 'numeric', role: 'feature' },
      { name: 'b', type: 'numeric', role: 'feature' },
      { name: 't', type: 'text', role: 'text' },
      { name: 'c', type: 'categorical', role: 'feature' },
    ] as PlannedUse[]
  ).map((c) => ({ ...c, ...over[c.name] }));

describe('whole-file missing scan and per-policy counts', () => {
  it('counts cells and patterns over the whole file; the counts follow the planned columns', async () => {
    const scan = await scanMissing(s.file('m.csv', CSV), 'm.csv');
    expect(scan.sourceRows).toBe(6);
    expect(scan.columns).toEqual([
      { name: 'a', missing: 2, nonFinite: 0 },
      { name: 'b', missing: 1, nonFinite: 1 },
      { name: 't', missing: 1, nonFinite: 0 },
      { name: 'c', missing: 0, nonFinite: 1 },
    ]);
    const all = policyCounts(scan, plan());
    // Rows 2, 4, 5 lose a used cell ("?" in categorical c is a level, the text column never drops a row).
    expect(all.rowsWithMissing).toBe(3);
    expect(all.kept).toEqual({ drop: 3, impute: 6, keep: 6 });
    expect(all.columns).toEqual([
      { name: 'a', cells: 2 },
      { name: 'b', cells: 2 },
    ]);
    expect(all.cells).toBe(4);
    // Ignoring a leaves rows 4 and 5 (b); ignoring both keeps every row.
    expect(policyCounts(scan, plan({ a: { role: 'ignore' } })).kept.drop).toBe(4);
    expect(policyCounts(scan, plan({ a: { role: 'ignore' }, b: { role: 'ignore' } })).kept.drop).toBe(6);
    // b as categorical reads "?" as a level: only row 4 is missing there.
    expect(policyCounts(scan, plan({ a: { role: 'ignore' }, b: { type: 'categorical' } })).kept.drop).toBe(5);
  });

  it('agrees with what the import then does for each policy', async () => {
    const f = s.file('m.csv', CSV);
    const scan = await scanMissing(f, 'm.csv');
    const counts = policyCounts(scan, plan());
    const columns = plan().map(({ name, type, role }) => ({ name, type, role }));
    const drop = await importCsv(f, join(s.dir, 'd'), { missing: 'drop', columns });
    expect(drop.rows).toBe(counts.kept.drop);
    const imp = await importCsv(f, join(s.dir, 'i'), { missing: 'impute', columns });
    expect(imp.rows).toBe(counts.kept.impute);
    expect(imp.preprocessing.imputed?.reduce((a, c) => a + c.cells, 0)).toBe(counts.cells);
    const keep = await importCsv(f, join(s.dir, 'k'), { missing: 'keep', columns });
    expect(keep.preprocessing.keptMissing?.reduce((a, c) => a + c.cells, 0)).toBe(counts.cells);
  });

  it('defaults to impute when dropping would lose more than 5 % of the rows', () => {
    expect(defaultMissingPolicy({ sourceRows: 768, rowsWithMissing: 376 })).toBe('impute');
    expect(defaultMissingPolicy({ sourceRows: 100, rowsWithMissing: 5 })).toBe('drop');
    expect(defaultMissingPolicy({ sourceRows: 100, rowsWithMissing: 6 })).toBe('impute');
    expect(defaultMissingPolicy({ sourceRows: 100, rowsWithMissing: 0 })).toBe('drop');
  });

  it('refuses kept missing cells for VAE, BNN and GLM, naming column, count and fix; LDA accepts', () => {
    const cols = [
      { name: 'insulin', missingStored: 374 },
      { name: 'age', missingStored: 0 },
    ];
    const r = missingRefusal('vae', 'pima', 768, cols);
    expect(r?.message).toMatch(
      /^A VAE cannot use missing values: dataset "pima".*column "insulin" \(374 of 768 rows\) has missing cells/,
    );
    expect(r?.hint).toMatch(/impute.*or leave "insulin" out/);
    expect(missingRefusal('bnn', 'pima', 768, cols)?.message).toMatch(/Bayesian neural network/);
    expect(missingRefusal('glm', 'pima', 768, cols)?.message).toMatch(/regression/);
    expect(missingRefusal('lda', 'pima', 768, cols)).toBeNull();
    expect(missingRefusal('vae', 'pima', 768, [{ name: 'age' }])).toBeNull();
  });
});
