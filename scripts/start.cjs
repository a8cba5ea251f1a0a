#!/usr/bin/env node
// `npm start`: build and open the Electron app; where Electron's binary cannot be had, say so in one line.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
// Find Electron's binary without letting the electron package print a download stack trace: look for it, and if it
// is missing try its installer once, quietly.
function findElectron() {
  const dir = path.join(root, 'node_modules', 'electron');
  if (!fs.existsSync(path.join(dir, 'package.json'))) return null;
  const pathFile = path.join(dir, 'path.txt');
  const locate = () => {
    if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
      const p = path.join(
        process.env.ELECTRON_OVERRIDE_DIST_PATH,
        process.platform === 'win32' ? 'electron.exe' : 'electron',
      );
      return fs.existsSync(p) ? p : null;
    }
    if (!fs.existsSync(pathFile)) return null;
    const p = path.join(dir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
    return fs.existsSync(p) ? p : null;
  };
  let found = locate();
  if (!found) {
    spawnSync(process.execPath, [path.join(dir, 'install.js')], { stdio: 'ignore', timeout: 180000 });
    found = locate();
  }
  return found;
}
const electronPath = findElectron();
if (!electronPath) {
  console.error(
    'Electron\'s binary is not installed on this machine (its download failed or is blocked): run `npm run serve` for browser mode, or see README "Troubleshooting".',
  );
  process.exit(1);
}
const bin = path.join(
  root,
  'node_modules',
  '.bin',
  process.platform === 'win32' ? 'electron-vite.cmd' : 'electron-vite',
);
const build = spawnSync(bin, ['build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const r = spawnSync(electronPath, ['.', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 0);
