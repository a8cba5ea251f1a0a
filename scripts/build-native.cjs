#!/usr/bin/env node
/**
 * Builds ELBO Studio's optional native kernels (native/elbo_native.c and native/lda_native.c, the LDA E-step →
 * native/build/Release/elbo_native.node); run
 * by `npm ci` / `npm install` as the package's install script, and by hand with `node scripts/build-native.cjs`.
 *
 * It never fails the install: when there is no C compiler or no Node headers, or the build or the load test fails, it
 * says why and exits 0, and training uses the wasm backend (src-main/engine/backend.ts records which path ran).
 * Ways tried, in order:
 *   1. the C compiler ($CC, else cc) against the Node-API headers of this Node (beside the executable, /usr/include/node,
 *      /usr/local/include/node or node-gyp's cache): the addon is plain C on Node-API, which needs no linking to Node;
 *   2. node-gyp (npm's bundled one, $npm_config_node_gyp) with native/binding.gyp, which may fetch the headers.
 * ELBO_STUDIO_NATIVE=0 skips the build.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const src = path.join(root, 'native', 'elbo_native.c');
const sources = [src, path.join(root, 'native', 'lda_native.c')];
const outDir = path.join(root, 'native', 'build', 'Release');
const out = path.join(outDir, 'elbo_native.node');
const log = (msg) => console.log(`[elbo-studio native] ${msg}`);

function headers() {
  const cands = [
    path.join(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
    path.join(os.homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
  ];
  return cands.find((d) => fs.existsSync(path.join(d, 'node_api.h'))) ?? null;
}

/** Loads the built addon in a fresh process; returns its info() or null. */
function loadTest(file) {
  const r = spawnSync(
    process.execPath,
    ['-e', `console.log(JSON.stringify(require(${JSON.stringify(file)}).info()))`],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) return { error: (r.stderr || r.stdout || '').trim().split('\n')[0] };
  try {
    return { info: JSON.parse(r.stdout.trim()) };
  } catch {
    return { error: `unexpected output ${r.stdout.trim()}` };
  }
}

function viaCompiler(notes) {
  const inc = headers();
  if (!inc) {
    notes.push('no Node-API headers (node_api.h) found');
    return false;
  }
  const cc = process.env.CC || 'cc';
  const args = [
    '-O3',
    '-std=gnu11',
    '-ffp-contract=off',
    '-fno-math-errno',
    '-fPIC',
    '-shared',
    '-DNAPI_VERSION=8',
    `-I${inc}`,
    ...sources,
    '-o',
    out,
    '-lpthread',
    '-lm',
  ];
  if (process.platform === 'darwin') args.splice(5, 0, '-undefined', 'dynamic_lookup');
  fs.mkdirSync(outDir, { recursive: true });
  const r = spawnSync(cc, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    notes.push(
      `${cc} failed: ${r.error ? r.error.message : (r.stderr || '').trim().split('\n').slice(0, 3).join(' | ')}`,
    );
    return false;
  }
  return true;
}

function viaNodeGyp(notes) {
  const gyp = process.env.npm_config_node_gyp;
  if (!gyp || !fs.existsSync(gyp)) {
    notes.push('node-gyp not available outside npm');
    return false;
  }
  const r = spawnSync(process.execPath, [gyp, 'rebuild', '--release'], {
    cwd: path.join(root, 'native'),
    encoding: 'utf8',
  });
  if (r.error || r.status !== 0) {
    notes.push(`node-gyp failed: ${(r.stderr || '').trim().split('\n').slice(-2).join(' | ')}`);
    return false;
  }
  return true;
}

function main() {
  if (process.env.ELBO_STUDIO_NATIVE === '0') {
    log('skipped (ELBO_STUDIO_NATIVE=0); training will use the wasm backend.');
    return;
  }
  const missing = sources.find((f) => !fs.existsSync(f));
  if (missing) {
    log(`skipped: ${missing} is missing.`);
    return;
  }
  const notes = [];
  for (const build of [viaCompiler, viaNodeGyp]) {
    fs.rmSync(out, { force: true });
    if (!build(notes)) continue;
    const t = loadTest(out);
    if (t.info) {
      log(`built ${path.relative(root, out)} (${t.info.isa}); training will use the native kernels.`);
      return;
    }
    notes.push(`the built addon did not load: ${t.error}`);
  }
  fs.rmSync(out, { force: true });
  log(`not built (${notes.join('; ')}). That is fine: training uses the wasm backend.`);
}

try {
  main();
} catch (e) {
  log(`not built (${e && e.message ? e.message : String(e)}). That is fine: training uses the wasm backend.`);
}
process.exitCode = 0;
