#!/usr/bin/env node
// `npm test`: unit tests (vitest), then the renderer build and end-to-end tests (Playwright in Debian's Chromium
// against browser mode). Ends with one line totalling both suites: "N passed, N failed, N skipped".
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const bin = (n) => path.join(root, 'node_modules', '.bin', n);
const results = path.join(root, 'test-results');
fs.mkdirSync(results, { recursive: true });
const unitJson = path.join(results, 'unit.json');
const e2eJson = path.join(results, 'e2e.json');
for (const f of [unitJson, e2eJson]) fs.rmSync(f, { force: true });

const only = process.argv[2]; // optional: "unit" or "e2e"
const totals = { passed: 0, failed: 0, skipped: 0 };
let ok = true;

if (only !== 'e2e') {
  const r = spawnSync(bin('vitest'), ['run'], { cwd: root, stdio: 'inherit' });
  if (fs.existsSync(unitJson)) {
    const j = JSON.parse(fs.readFileSync(unitJson, 'utf8'));
    totals.passed += j.numPassedTests;
    totals.failed += j.numFailedTests;
    totals.skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
    // A test file that failed to load has no tests but fails the suite.
    const brokenFiles = (j.testResults ?? []).filter(
      (f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0,
    ).length;
    totals.failed += brokenFiles;
  } else {
    totals.failed += 1;
  }
  if (r.status !== 0) ok = false;
}

if (only !== 'unit') {
  const b = spawnSync(bin('vite'), ['build', '--config', 'vite.renderer.config.mts', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (b.status !== 0) {
    console.error('The renderer did not build; end-to-end tests cannot run.');
    totals.failed += 1;
    ok = false;
  } else {
    const r = spawnSync(bin('playwright'), ['test'], { cwd: root, stdio: 'inherit' });
    if (fs.existsSync(e2eJson)) {
      const j = JSON.parse(fs.readFileSync(e2eJson, 'utf8'));
      const s = j.stats ?? {};
      totals.passed += (s.expected ?? 0) + (s.flaky ?? 0);
      totals.failed += s.unexpected ?? 0;
      totals.skipped += s.skipped ?? 0;
      if ((j.errors ?? []).length && !(s.unexpected > 0)) totals.failed += j.errors.length;
    } else {
      totals.failed += 1;
    }
    if (r.status !== 0) ok = false;
  }
}

console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(ok && totals.failed === 0 ? 0 : 1);
