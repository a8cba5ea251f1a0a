#!/usr/bin/env node
// `npm run lint`: ESLint (eslint.config.mjs) and `prettier --check .` (.prettierrc.json). Both are single-threaded,
// so they run side by side (on two cores the pair takes as long as ESLint alone); their reports are printed one after
// the other, ESLint's first. Exits non-zero when either fails. Both keep a cache, so a second run checks only what
// changed (.eslintcache, node_modules/.cache/prettier).
const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const bin = (n) => path.join(root, 'node_modules', '.bin', n);

function run(name, cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      // Colour only for a terminal (the children's own output is a pipe); picocolors colours whenever FORCE_COLOR is set.
      env: process.stdout.isTTY ? { ...process.env, FORCE_COLOR: '1' } : process.env,
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => resolve({ name, code: 1, out: `${out}${e.message}\n` }));
    child.on('close', (code) => resolve({ name, code: code ?? 1, out }));
  });
}

(async () => {
  const results = await Promise.all([
    run('ESLint', bin('eslint'), ['--cache', '.']),
    run('Prettier', bin('prettier'), ['--check', '--cache', '.']),
  ]);
  for (const r of results) {
    process.stdout.write(`── ${r.name}: ${r.code === 0 ? 'ok' : 'failed'}\n${r.out}`);
    if (r.out && !r.out.endsWith('\n')) process.stdout.write('\n');
  }
  const failed = results.filter((r) => r.code !== 0).map((r) => r.name);
  if (failed.length) {
    console.error(
      `lint failed: ${failed.join(' and ')}${failed.includes('Prettier') ? ' (npm run format rewrites the layout)' : ''}`,
    );
    process.exit(1);
  }
})();
