/**
 * Finding the PyTorch a benchmark compares against in the same run: Debian's /usr/bin/python3 first (pyenv shims
 * may hide python3-torch), then python3 on PATH. Used by `bench -- bnn` (bench/bnn_torch.py).
 */
import { spawnSync } from 'node:child_process';

/** A python3 that imports torch, with a note naming the version and the interpreter; null (said so) when none. */
export function torchPython(): { python: string; note: string } | null {
  const notes: string[] = [];
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python: py, note: `torch ${r.stdout.trim()} via ${py}` };
    notes.push(`${py}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? 'failed')}`);
  }
  console.log(`PyTorch not found (${notes.join('; ')}).`);
  return null;
}
