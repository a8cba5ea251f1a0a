/**
 * What killed or failed work leaves in the data directory, removed at start (issue 16, item 6):
 *   datasets/<id>/          an import that never got its row (killed mid-import: data.f32.tmp and friends) — at once
 *                           when the lease `datasets/<id>.importing` names a dead process, after an hour without one
 *   *.tmp in a dataset      a temporary file of an import that did finish
 *   *.deleting-*            a delete killed between moving files aside and removing them
 *   *.tmp beside leases     a lease write cut short
 *   .write-test-<pid>       openDb's probe of a process killed in between
 * A folder another live process is importing into (the CLI on the same data directory) is left alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { heldElsewhere, readLease } from '../jobs/run-lease';

export const IMPORT_LEASE_SUFFIX = '.importing';

export function sweepDataDir(
  dataDir: string,
  knownDatasetDirs: Iterable<string>,
  now = Date.now(),
  orphanAgeMs = 3600_000,
): string[] {
  const removed: string[] = [];
  const rm = (p: string) => {
    try {
      fs.rmSync(p, { recursive: true, force: true });
      removed.push(path.relative(dataDir, p));
    } catch {
      /* tried again at the next start */
    }
  };
  const known = new Set([...knownDatasetDirs].map((d) => path.resolve(dataDir, d)));
  const datasets = path.join(dataDir, 'datasets');
  for (const name of list(datasets)) {
    const full = path.join(datasets, name);
    if (name.endsWith(IMPORT_LEASE_SUFFIX)) {
      const folder = full.slice(0, -IMPORT_LEASE_SUFFIX.length);
      if (fs.existsSync(full) && !fs.existsSync(folder) && !heldElsewhere(datasets, now, undefined, name)) rm(full);
      continue;
    }
    if (/\.deleting-\d+-\d+$/.test(name) || /\.tmp$/.test(name)) {
      rm(full);
      continue;
    }
    if (known.has(full)) {
      for (const f of list(full)) if (f.endsWith('.tmp')) rm(path.join(full, f));
      continue;
    }
    const lease = `${name}${IMPORT_LEASE_SUFFIX}`;
    if (heldElsewhere(datasets, now, undefined, lease)) continue; // another process is importing into it
    const hadLease = readLease(datasets, lease) !== null;
    if (hadLease || now - newestMtime(full) >= orphanAgeMs) {
      rm(full);
      if (hadLease) rm(path.join(datasets, lease));
    }
  }
  // openDb's write probe, if a process died between writing and removing it.
  for (const name of list(dataDir)) {
    const m = /^\.write-test-(\d+)$/.exec(name);
    if (m && Number(m[1]) !== process.pid) rm(path.join(dataDir, name));
  }
  const runs = path.join(dataDir, 'runs');
  for (const name of list(runs)) {
    const full = path.join(runs, name);
    if (/\.deleting-\d+-\d+$/.test(name)) rm(full);
    else for (const f of list(full)) if (/^owner\.json\.\d+\.tmp$/.test(f)) rm(path.join(full, f));
  }
  return removed;
}

function list(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function newestMtime(p: string): number {
  let t = 0;
  try {
    t = fs.lstatSync(p).mtimeMs;
    if (fs.lstatSync(p).isDirectory()) for (const f of fs.readdirSync(p)) t = Math.max(t, newestMtime(path.join(p, f)));
  } catch {
    /* gone */
  }
  return t;
}
