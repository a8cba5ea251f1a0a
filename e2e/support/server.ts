/** Starts and stops browser mode for a spec: a real server process on a free port with its own data directory. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

export interface E2eServer {
  url: string;
  openUrl: string;
  dataDir: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  output(): string;
}

export function freshDataDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `elbo-e2e-${tag}-`));
}

export async function startServer(dataDir: string): Promise<E2eServer> {
  let out = '';
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src-main/server/main.ts'), '--data-dir', dataDir, '--port', '0'],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, ELBO_STUDIO_BACKEND: process.env.ELBO_STUDIO_BACKEND ?? '' },
    },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const openUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`browser mode did not start in 60 s:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = out.match(/Open: (http:\/\/127\.0\.0\.1:\d+\/\?token=[a-f0-9]+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`browser mode exited with ${code}:\n${out}`));
    });
  });
  return {
    url: new URL(openUrl).origin,
    openUrl,
    dataDir,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null) return;
      try {
        process.kill(-child.pid!, signal);
      } catch {
        child.kill(signal);
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    },
  };
}
