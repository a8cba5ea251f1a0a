#!/usr/bin/env node
// `npm start`: build and open the Electron app; where Electron's binary cannot be had, say so in one line.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
let electronPath = null;
try {
  const p = require('electron'); // the path of the binary, or it throws when the binary is missing
  if (typeof p === 'string' && fs.existsSync(p)) electronPath = p;
} catch {
  electronPath = null;
}
if (!electronPath) {
  console.error('Electron\'s binary is not installed on this machine (its download failed or is blocked): run `npm run serve` for browser mode, or see README "Troubleshooting".');
  process.exit(1);
}
const bin = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'electron-vite.cmd' : 'electron-vite');
const build = spawnSync(bin, ['build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const r = spawnSync(electronPath, ['.', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 0);
