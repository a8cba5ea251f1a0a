#!/usr/bin/env node
// `npm run serve`: build the renderer when its sources changed, then start browser mode (the main-process code runs
// through tsx). Extra arguments pass through: --data-dir, --port, --token.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'out', 'renderer', 'index.html');

function newestMtime(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

const stale =
  !fs.existsSync(out) ||
  Math.max(newestMtime(path.join(root, 'src-renderer')), newestMtime(path.join(root, 'src-shared'))) >
    fs.statSync(out).mtimeMs;
if (stale || process.argv.includes('--rebuild')) {
  console.log('Building the user interface …');
  const vite = path.join(root, 'node_modules', '.bin', 'vite');
  const r = spawnSync(vite, ['build', '--config', 'vite.renderer.config.mts', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const args = process.argv.slice(2).filter((a) => a !== '--rebuild');
const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src-main/server/main.ts'), ...args], {
  cwd: root,
  stdio: 'inherit',
});
const forward = (sig) => () => child.kill(sig);
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));
child.on('exit', (code) => process.exit(code ?? 0));
