/**
 * Who trains a run. The app and the CLI may share one data directory; each process that queues a run writes
 * `runs/<id>/owner.json` (its pid and host) and touches it while the run is queued or training. At start a process
 * fails a run left 'running' — or takes over a 'queued' one — only when no live process holds its lease, so
 * starting the app no longer marks a CLI run "Interrupted" (issue 16, item 6).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Lease {
  pid: number;
  host: string;
  since: string;
}

const FILE = 'owner.json';
/** A lease not touched for this long is dead even if its pid exists (the pid was reused, or the owner hangs). */
export const LEASE_STALE_MS = 120_000;
/** How often an owner touches its leases. */
export const LEASE_HEARTBEAT_MS = 15_000;

/** `file` names the lease inside `runDir` (default owner.json; an import in progress uses datasets/<id>.importing). */
export function takeLease(runDir: string, file = FILE): void {
  fs.mkdirSync(runDir, { recursive: true });
  const lease: Lease = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  const tmp = path.join(runDir, `${file}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, JSON.stringify(lease));
    fs.renameSync(tmp, path.join(runDir, file));
  } catch (e) {
    fs.rmSync(tmp, { force: true }); // a full disk: leave no half-written lease
    throw e;
  }
}

export function touchLease(runDir: string, file = FILE): void {
  const now = new Date();
  try {
    fs.utimesSync(path.join(runDir, file), now, now);
  } catch {
    /* the run was deleted meanwhile */
  }
}

/** Removes the lease if this process holds it. */
export function dropLease(runDir: string, file = FILE): void {
  const l = readLease(runDir, file);
  if (l && l.pid === process.pid && l.host === os.hostname()) fs.rmSync(path.join(runDir, file), { force: true });
}

export function readLease(runDir: string, file = FILE): (Lease & { touchedMs: number }) | null {
  try {
    file = path.join(runDir, file);
    const l = JSON.parse(fs.readFileSync(file, 'utf8')) as Lease;
    if (typeof l.pid !== 'number' || typeof l.host !== 'string') return null;
    return { ...l, touchedMs: fs.statSync(file).mtimeMs };
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lease, when another live process holds it (same host: its pid exists; any host: touched recently). */
export function heldElsewhere(runDir: string, now = Date.now(), staleMs = LEASE_STALE_MS, file = FILE): Lease | null {
  const l = readLease(runDir, file);
  if (!l) return null;
  if (l.host === os.hostname() && l.pid === process.pid) return null;
  if (now - l.touchedMs > staleMs) return null;
  if (l.host === os.hostname() && !pidAlive(l.pid)) return null;
  return { pid: l.pid, host: l.host, since: l.since };
}
