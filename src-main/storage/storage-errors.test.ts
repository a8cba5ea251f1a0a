import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src-shared/ipc/app-error';
import { openDb } from './db';
import { describeStorageError } from './storage-errors';

const made: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-storage-'));
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) {
    try {
      execFileSync('umount', [d], { stdio: 'ignore' });
    } catch {
      /* not mounted */
    }
    fs.rmSync(d, { recursive: true, force: true });
  }
});

function thrown(f: () => unknown): AppError {
  try {
    f();
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected a throw');
}

/** A read-only folder: a read-only tmpfs as root (chmod does not stop root), else chmod 0555. Null when neither works. */
function readOnlyDir(): string | null {
  const d = tmp();
  if (process.getuid?.() === 0) {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', d], { stdio: 'ignore' });
      return d;
    } catch {
      return null;
    }
  }
  fs.chmodSync(d, 0o555);
  return d;
}

describe('storage failures name the path and the fix', () => {
  it('a database corrupted mid-file is refused at open (quick_check), not later with a raw SQLITE_CORRUPT', () => {
    const dir = tmp();
    const file = path.join(dir, 'elbo-studio.sqlite');
    const db = openDb(file);
    db.exec('CREATE TABLE filler (x TEXT)');
    const ins = db.prepare('INSERT INTO filler VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 3000; i++) ins.run(`row ${i} ${'x'.repeat(100)}`);
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const buf = fs.readFileSync(file);
    expect(buf.length).toBeGreaterThan(20 * 4096);
    // Scribble over a page in the middle (its b-tree header and cells), as a failing disk or a half-copied file would.
    buf.fill(0x5a, 10 * 4096, 11 * 4096);
    fs.writeFileSync(file, buf);
    const e = thrown(() => openDb(file));
    expect(e.code).toBe('STORAGE');
    expect(e.message).toContain(`The history database ${file} is damaged`);
    expect(e.hint).toMatch(/move elbo-studio\.sqlite .* aside/);
    expect(e.hint).toContain('.recover');
  });

  it('a file that is not a database at all is named the same way', () => {
    const dir = tmp();
    const file = path.join(dir, 'elbo-studio.sqlite');
    fs.writeFileSync(file, 'this is not sqlite, it is a note the user saved here by mistake '.repeat(100));
    const e = thrown(() => openDb(file));
    expect(e.code).toBe('STORAGE');
    expect(e.message).toContain(`${file} is damaged`);
  });

  it('a read-only data directory says so, with the path and the fix', (ctx) => {
    const dir = readOnlyDir();
    if (!dir) return ctx.skip(); // mounting a tmpfs is not permitted here
    const e = thrown(() => openDb(path.join(dir, 'elbo-studio.sqlite')));
    expect(e.code).toBe('STORAGE');
    expect(e.message).toContain(`ELBO Studio cannot write to its data directory ${dir}`);
    expect(e.hint).toMatch(/--data-dir/);
  });

  it('leaves errors about other files alone (a CSV the user chose, an export folder)', () => {
    const data = '/data/elbo';
    expect(
      describeStorageError(
        Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', path: '/home/u/x.csv' }),
        data,
      ),
    ).toBeNull();
    expect(
      describeStorageError(
        Object.assign(new Error('ENOSPC'), { code: 'ENOSPC', path: '/data/elbo/datasets/3/data.f32.tmp' }),
        data,
      )?.message,
    ).toMatch(/disk holding the data directory \/data\/elbo is full/);
    expect(describeStorageError(new Error('some bug'), data)).toBeNull();
  });
});
