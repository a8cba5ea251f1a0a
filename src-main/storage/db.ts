/**
 * Opens the history database: WAL journal, foreign keys on, a busy timeout, `PRAGMA quick_check`, and every pending
 * migration applied in order at start (each in its own transaction, recorded in schema_migrations). A read-only data
 * directory, a full disk or a damaged file is refused at once with a STORAGE error naming the path and the fix,
 * rather than failing later with a raw SQLITE_CORRUPT.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrations as allMigrations, type Migration } from './migrations';
import { checkDataDirWritable, corruptDatabase, describeStorageError } from './storage-errors';

export type Db = Database.Database;

export function openDb(file: string, migrations: Migration[] = allMigrations): Db {
  const dir = file === ':memory:' ? '' : path.dirname(path.resolve(file));
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    checkDataDirWritable(dir);
  }
  let db: Db | null = null;
  try {
    db = new Database(file);
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    const check = String(db.pragma('quick_check', { simple: true }));
    if (check !== 'ok') throw corruptDatabase(path.resolve(file), `quick_check: ${check.slice(0, 300)}`);
    migrate(db, migrations);
    return db;
  } catch (e) {
    db?.close();
    throw (dir && describeStorageError(e, dir)) || e;
  }
}

export function migrate(db: Db, migrations: Migration[]): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const done = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  const applied: number[] = [];
  for (const m of sorted) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      if (m.sql) db.exec(m.sql);
      m.run?.(db);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    })();
    applied.push(m.version);
  }
  const newest = Math.max(0, ...done);
  const known = Math.max(0, ...sorted.map((m) => m.version));
  if (newest > known) {
    throw new Error(
      `The database was written by a newer ELBO Studio (schema ${newest}, this app knows ${known}); update the app or use another data directory.`,
    );
  }
  return applied;
}
