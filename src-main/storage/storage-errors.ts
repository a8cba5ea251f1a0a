/**
 * Storage failures in words a person can act on: a full disk, a read-only data directory, a damaged database. Each
 * names the path and the fix; everything else is left to the caller (null).
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../src-shared/ipc/app-error';

export const DB_FILE = 'elbo-studio.sqlite';

export type StorageProblem = 'full' | 'read-only' | 'corrupt' | 'io';

/** Which storage problem an error is (SQLite result codes and Node's errno codes), or null. */
export function storageProblem(e: unknown): StorageProblem | null {
  const code = String((e as { code?: unknown } | null)?.code ?? '');
  const msg = e instanceof Error ? e.message : '';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT' || /database or disk is full/.test(msg))
    return 'full';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM')
    return 'read-only';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' || /malformed|file is not a database/.test(msg))
    return 'corrupt';
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN' || code === 'EIO') return 'io';
  return null;
}

/** The AppError (code STORAGE) for a storage failure under dataDir, or null when `e` is something else. */
export function describeStorageError(e: unknown, dataDir: string): AppError | null {
  if (e instanceof AppError) return e.code === 'STORAGE' ? e : null;
  const problem = storageProblem(e);
  if (!problem) return null;
  // A file-system error about a file elsewhere (a CSV the user picked, an export folder) is not the data directory's.
  const code = String((e as { code?: unknown }).code ?? '');
  const at = (e as { path?: unknown }).path;
  if (!code.startsWith('SQLITE')) {
    if (typeof at === 'string') {
      const rel = path.relative(path.resolve(dataDir), path.resolve(at));
      if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
    } else if (problem === 'read-only') return null;
  }
  const db = path.join(dataDir, DB_FILE);
  const detail = (e as Error).message?.split('\n')[0] ?? String(e);
  switch (problem) {
    case 'full':
      return new AppError(
        'STORAGE',
        `The disk holding the data directory ${dataDir} is full (${detail}); nothing was saved`,
        `Free some space on that disk (df -h ${dataDir}), or start ELBO Studio with --data-dir on a disk with room.`,
      );
    case 'read-only':
      return new AppError(
        'STORAGE',
        `ELBO Studio cannot write to its data directory ${dataDir} (${detail})`,
        `Make it writable (e.g. chmod u+w ${dataDir}, or remount the disk read-write), or start with --data-dir DIR on a folder you can write.`,
      );
    case 'corrupt':
      return corruptDatabase(db, detail);
    case 'io':
      return new AppError(
        'STORAGE',
        `Reading or writing ${db} failed (${detail})`,
        `Check the disk holding ${dataDir} (is it still mounted, is it failing?), then restart ELBO Studio.`,
      );
  }
}

export function corruptDatabase(db: string, detail: string): AppError {
  return new AppError(
    'STORAGE',
    `The history database ${db} is damaged (${detail})`,
    `Close ELBO Studio, move ${path.basename(db)} (and its -wal and -shm files) aside and start again for an empty history; ` +
      `to rescue runs, sqlite3 ${db} ".recover" | sqlite3 recovered.sqlite, then put recovered.sqlite in its place.`,
  );
}

/**
 * Before opening: the data directory exists (created) and can be written, else a STORAGE error naming it and the fix
 * (SQLite itself would say only "unable to open database file").
 */
export function checkDataDirWritable(dataDir: string): void {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.accessSync(dataDir, fs.constants.W_OK);
    const probe = path.join(dataDir, `.write-test-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe, { force: true });
  } catch (e) {
    throw (
      describeStorageError(e, dataDir) ??
      new AppError(
        'STORAGE',
        `Cannot use the data directory ${dataDir}: ${(e as Error).message}`,
        'Start with --data-dir DIR on a folder you can write.',
      )
    );
  }
}
