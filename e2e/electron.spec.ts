// The Electron app itself. Runs where an Electron binary exists; elsewhere it is skipped with the reason.
import fs from 'node:fs';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { freshDataDir } from './support/server';

const root = path.resolve(__dirname, '..');

function electronBinary(): string | null {
  const dir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(dir, 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const p = path.join(dir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(p) ? p : null;
}

const bin = electronBinary();
const built = fs.existsSync(path.join(root, 'out', 'main', 'index.js'));

test('Electron window opens the app with a sandboxed preload', async () => {
  test.skip(!bin, 'No Electron binary on this machine (its download is blocked); browser-mode specs cover the UI.');
  test.skip(!built, 'The Electron bundles are not built; run `npm run build` first.');
  const app = await electron.launch({ executablePath: bin!, args: [root, '--data-dir', freshDataDir('electron')] });
  const win = await app.firstWindow();
  await expect(win.getByText('ELBO Studio').first()).toBeVisible();
  const exposed = await win.evaluate(() => ({
    api: typeof (window as unknown as { elbo?: unknown }).elbo,
    node: typeof (window as unknown as { require?: unknown }).require,
  }));
  expect(exposed).toEqual({ api: 'object', node: 'undefined' });
  await app.close();
});
