import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sweepDataDir } from './sweep';
import { FileRegistry } from '../api/files';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});

const lease = (file: string, pid: number) =>
  fs.writeFileSync(file, JSON.stringify({ pid, host: os.hostname(), since: new Date().toISOString() }));

describe('sweep of leftovers at start', () => {
  it('removes unfinished imports, temporary files and half-deleted folders; keeps datasets and live imports', async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-sweep-'));
    dirs.push(data);
    const ds = path.join(data, 'datasets');
    const mk = (rel: string, content = 'x') => {
      fs.mkdirSync(path.dirname(path.join(data, rel)), { recursive: true });
      fs.writeFileSync(path.join(data, rel), content);
    };
    mk('datasets/kept/data.f32');
    mk('datasets/kept/meta.json.tmp');
    mk('datasets/killed/data.f32.tmp');
    mk('datasets/live/data.f32.tmp');
    mk('datasets/fresh-no-lease/data.f32.tmp');
    mk('datasets/gone.deleting-12-34/data.f32');
    mk('runs/5.deleting-12-34/x.json');
    mk('runs/6/owner.json.77.tmp');
    mk('.write-test-99999999');
    const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((r) => dead.on('exit', r));
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      lease(path.join(ds, 'killed.importing'), dead.pid!);
      lease(path.join(ds, 'live.importing'), live.pid!);
      const removed = sweepDataDir(data, ['datasets/kept']).sort();
      expect(removed).toEqual(
        [
          '.write-test-99999999',
          'datasets/gone.deleting-12-34',
          'datasets/kept/meta.json.tmp',
          'datasets/killed',
          'datasets/killed.importing',
          'runs/5.deleting-12-34',
          'runs/6/owner.json.77.tmp',
        ].map((p) => p.split('/').join(path.sep)),
      );
      expect(fs.readdirSync(ds).sort()).toEqual(['fresh-no-lease', 'kept', 'live', 'live.importing']);
      // A folder without a lease is removed once it is old (an import by an older version, or killed before its lease).
      expect(sweepDataDir(data, ['datasets/kept'], Date.now() + 2 * 3600_000)).toContain(
        path.join('datasets', 'fresh-no-lease'),
      );
    } finally {
      live.kill('SIGKILL');
    }
  });

  it('removes uploads no process knows, and uploads never imported', async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-sweep-'));
    dirs.push(data);
    const up = path.join(data, 'uploads');
    fs.mkdirSync(up);
    fs.writeFileSync(path.join(up, 'a'.repeat(32)), 'left by a killed server');
    const files = new FileRegistry(up);
    const { Readable } = await import('node:stream');
    const mine = await files.upload('new.csv', Readable.from([Buffer.from('a\n1\n')]));
    expect(files.sweep(0)).toEqual(['a'.repeat(32)]);
    expect(fs.readdirSync(up)).toEqual([mine.fileId]);
    expect(files.sweep(0, 0)).toEqual([mine.fileId]);
    expect(fs.readdirSync(up)).toEqual([]);
  });
});
