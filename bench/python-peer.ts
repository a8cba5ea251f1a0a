/**
 * Finding the Python peer a benchmark compares against in the same run: Debian's /usr/bin/python3 first (pyenv shims
 * may hide python3-torch, python3-sklearn, python3-gensim), then python3 on PATH. Used by `bench -- vae`, `-- bnn`
 * (torch) and `-- lda` (sklearn, gensim).
 */
import { spawnSync } from 'node:child_process';

export interface PeerPython {
  python: string;
  version: string;
  /** "torch 1.13.0 via /usr/bin/python3" */
  note: string;
}

/** A python3 that imports `module`, or null with the reasons in `notes` when none does. */
export function peerPython(module: string, notes: string[] = []): PeerPython | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', `import ${module}; print(${module}.__version__)`], { encoding: 'utf8' });
    if (r.status === 0) {
      const version = r.stdout.trim();
      return { python: py, version, note: `${module} ${version} via ${py}` };
    }
    notes.push(`${py}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? 'failed')}`);
  }
  return null;
}

/** A python3 that imports torch; says so on the console when there is none. */
export function torchPython(): PeerPython | null {
  const notes: string[] = [];
  const found = peerPython('torch', notes);
  if (!found) console.log(`PyTorch not found (${notes.join('; ')}).`);
  return found;
}
