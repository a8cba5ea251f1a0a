import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsvColumns } from './csv-columns';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-csvcols-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};
const numeric = (names: string[]) => () => names.map((name) => ({ name, numeric: true }));

describe('readCsvColumns', () => {
  it('parses numbers, counts missing cells and remembers the first cell that is not a number', async () => {
    const p = file('a.csv', 'x;y;label\n1.5;NA;a\n;2;b\n3;oops;c\n4;five;d\n');
    const r = await readCsvColumns(
      p,
      'a.csv',
      () => [
        { name: 'x', numeric: true },
        { name: 'y', numeric: true },
        { name: 'label', numeric: false },
        { name: 'absent', numeric: true },
      ],
      { maxRows: 100 },
    );
    expect(r.headers).toEqual(['x', 'y', 'label']);
    expect(r.rows).toBe(4);
    expect([...r.columns.keys()]).toEqual(['x', 'y', 'label']);
    const x = r.columns.get('x')!;
    expect(Array.from(x.values as Float32Array)).toEqual([1.5, Number.NaN, 3, 4]);
    expect(x).toMatchObject({ missing: 1, firstMissing: 2, badCount: 0 });
    expect(r.columns.get('y')).toMatchObject({
      missing: 1,
      firstMissing: 1,
      badCount: 2,
      bad: { row: 3, value: 'oops' },
    });
    expect(r.columns.get('label')!.values).toEqual(['a', 'b', 'c', 'd']);
  });

  it('stops after a number of rows when asked (a check of the head of a file)', async () => {
    const p = file('b.csv', `x\n${Array.from({ length: 50 }, (_, i) => i).join('\n')}\n`);
    const r = await readCsvColumns(p, 'b.csv', numeric(['x']), { maxRows: 1000, stopAfter: 10 });
    expect(r.rows).toBe(10);
    expect(r.truncated).toBe(true);
  });

  it('refuses files over the row or cell limits, and empty ones, with the reason', async () => {
    const p = file('c.csv', `x,y\n${Array.from({ length: 30 }, (_, i) => `${i},${i}`).join('\n')}\n`);
    await expect(readCsvColumns(p, 'c.csv', numeric(['x', 'y']), { maxRows: 20 })).rejects.toThrow(
      '"c.csv" has more than 20 rows (with 2 numeric columns to read)',
    );
    await expect(
      readCsvColumns(p, 'c.csv', numeric(['x', 'y']), { maxRows: 1000, maxNumericCells: 40 }),
    ).rejects.toThrow('"c.csv" has more than 20 rows');
    await expect(readCsvColumns(file('d.csv', ''), 'd.csv', numeric(['x']), { maxRows: 10 })).rejects.toThrow(
      /is empty/,
    );
    await expect(readCsvColumns(file('e.csv', 'x,y\n'), 'e.csv', numeric(['x']), { maxRows: 10 })).rejects.toThrow(
      '"e.csv" has a header but no rows',
    );
  });
});
