// importCsv on a worker thread: the same result as in-line, progress reported, errors keep their code and hint.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src-shared/ipc/app-error';
import { DatasetFile, importCsv } from './index';
import { importCsvOffThread, scanMissingOffThread } from './import-thread';
import { scanMissing } from './missing-scan';

const dir = mkdtempSync(join(tmpdir(), 'elbo-import-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('import on a worker thread', () => {
  it('stores the same dataset as an in-line import and reports progress', async () => {
    const rows = ['a,b,c'];
    for (let i = 0; i < 3000; i++) rows.push(`${i},${(i * 7) % 13},${i % 2 ? 'x' : 'y'}`);
    const src = join(dir, 'ok.csv');
    writeFileSync(src, `${rows.join('\n')}\n`);
    const phases: string[] = [];
    const off = await importCsvOffThread(src, join(dir, 'off'), { onProgress: (p) => phases.push(p.phase) });
    const inline = await importCsv(src, join(dir, 'inline'), {});
    expect(off.rows).toBe(3000);
    expect(off.contentHash).toBe(inline.contentHash);
    expect(off.schema).toEqual(inline.schema);
    expect(Array.from(DatasetFile.open(join(dir, 'off')).column('b'))).toEqual(
      Array.from(DatasetFile.open(join(dir, 'inline')).column('b')),
    );
    expect(phases).toContain('done');
  });

  it('passes an import error back with its code, message and hint', async () => {
    const src = join(dir, 'bad.csv');
    writeFileSync(src, 'a,b\n1,2\nx,3\n');
    const err = await importCsvOffThread(src, join(dir, 'bad'), {
      columns: [{ name: 'a', type: 'numeric', role: 'feature' }],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('IMPORT_FAILED');
    expect((err as AppError).message).toMatch(/Line 3, column "a": "x" is not a number/);
    expect((err as AppError).hint).toMatch(/categorical or text/);
  });

  it('scans the whole file for missing cells on the thread, as in-line', async () => {
    const rows = ['a,b,c'];
    for (let i = 0; i < 3000; i++)
      rows.push(`${i % 11 === 0 ? 'NA' : i},${i % 7 === 0 ? '' : i},${i % 5 === 0 ? '?' : 'x'}`);
    const src = join(dir, 'gaps.csv');
    writeFileSync(src, `${rows.join('\n')}\n`);
    const off = await scanMissingOffThread(src, 'gaps.csv');
    expect(off).toEqual(await scanMissing(src, 'gaps.csv'));
    expect(off.sourceRows).toBe(3000);
    expect(off.columns.map((c) => c.missing)).toEqual([273, 429, 0]);
    expect(off.columns[2]!.nonFinite).toBe(600);
  });
});
