// Model bundles end to end (issue 7, items 4 and 6), in browser mode: train a small VAE on the digits sample through
// the GUI, export its bundle as a .zip (the download is captured) and to a folder (asked before overwriting), then on a
// SECOND server with a fresh data directory — another machine — open the zip on the Models screen, score the sample CSV
// and see the results; a damaged zip and a CSV without the model's columns get clear messages.
// Screenshots go to e2e/output/bundles-*.png.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import { chartsDrawn } from './support/helpers';
import { freshDataDir, startServer, type E2eServer } from './support/server';

const shots = path.resolve(__dirname, 'output');
const digits = path.resolve(__dirname, '..', 'resources', 'samples', 'digits.csv');

async function shot(page: Page, name: string) {
  // From the top: a full-page screenshot of a scrolled page draws the sticky header in the middle.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForFunction(() => window.scrollY === 0);
  await page.screenshot({ path: path.join(shots, `bundles-${name}.png`), fullPage: true });
}

test.describe.serial('model bundles', () => {
  let a: E2eServer;
  let b: E2eServer | null = null;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-e2e-bundles-'));
  let zipPath = '';
  let runUrl = '';

  test.beforeAll(async () => {
    a = await startServer(freshDataDir('bundles-a'));
  });
  test.afterAll(async () => {
    await a?.stop();
    await b?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('train a small VAE on the digits sample and export its bundle as a zip and to a folder', async ({ page }) => {
    await page.goto(a.openUrl);
    await page.getByTestId('sample-digits').click();
    await expect(page.getByTestId('run-form')).toBeVisible({ timeout: 60_000 });
    await page.getByTestId('latent-dim').fill('2');
    await page.getByTestId('hidden-widths').fill('32');
    await page.getByTestId('epochs').fill('3');
    await page.getByTestId('eval-k').fill('20');
    await page.getByTestId('start-run').click();
    await expect(page).toHaveURL(/#\/runs\/\d+$/);
    runUrl = page.url();
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed', { timeout: 150_000 });

    await page.getByTestId('bundle-export').click();
    await expect(page.getByTestId('bundle-export-panel')).toBeVisible();
    const download = page.waitForEvent('download');
    await page.getByTestId('bundle-zip').click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^elbo-studio-vae-run-\d+-.+\.zip$/);
    zipPath = path.join(work, file.suggestedFilename());
    await file.saveAs(zipPath);
    await expect(page.getByTestId('bundle-done')).toContainText(/Downloaded elbo-studio-vae-run-\d+-.+\.zip/);
    const entries = Object.keys(unzipSync(new Uint8Array(fs.readFileSync(zipPath)))).map((e) =>
      e.split('/').slice(1).join('/'),
    );
    for (const f of [
      'manifest.json',
      'encoder/model.json',
      'encoder/weights.bin',
      'decoder/weights.bin',
      'onnx/encoder.onnx',
    ])
      expect(entries).toContain(f);

    // To a folder: written; the second time the folder holds files, so it asks before overwriting.
    const folder = path.join(work, 'saved', 'digits-vae');
    await page.getByTestId('bundle-folder').fill(folder);
    await page.getByTestId('bundle-folder-save').click();
    await expect(page.getByTestId('bundle-done')).toContainText(`to ${folder}`);
    expect(fs.existsSync(path.join(folder, 'manifest.json'))).toBe(true);
    await page.getByTestId('bundle-folder-save').click();
    await expect(page.getByTestId('bundle-overwrite')).toContainText(`Folder ${folder} already holds`);
    await expect(page.getByTestId('bundle-overwrite')).toContainText('manifest.json');
    await shot(page, 'export-overwrite');
    await page.getByTestId('bundle-overwrite-yes').click();
    await expect(page.getByTestId('bundle-done')).toContainText('(replaced');
    await shot(page, 'export');
  });

  test('a second server with a fresh data directory opens the zip and scores the sample CSV', async ({ page }) => {
    b = await startServer(freshDataDir('bundles-b'));
    await page.goto(b.openUrl);
    await page.getByTestId('nav-models').click();
    await expect(page).toHaveURL(/#\/models$/);
    await expect(page.getByTestId('models-empty')).toBeVisible();
    await shot(page, 'models-empty');

    await page.getByTestId('model-zip').setInputFiles(zipPath);
    await expect(page).toHaveURL(/#\/models\/\d+$/, { timeout: 60_000 });
    await expect(page.getByTestId('model-name')).not.toHaveText('Loading…');
    await expect(page.getByTestId('model-facts')).toContainText('every file verified (SHA-256)');
    await expect(page.getByTestId('model-facts')).toContainText('digits');

    // A CSV without the model's columns: the check names them, nothing is scored.
    const partial = path.join(work, 'partial.csv');
    const lines = fs.readFileSync(digits, 'utf8').trim().split('\n');
    fs.writeFileSync(
      partial,
      `${lines
        .slice(0, 30)
        .map((l) => l.split(',').slice(0, 10).join(','))
        .join('\n')}\n`,
    );
    await page.getByTestId('score-file').setInputFiles(partial);
    await expect(page.getByTestId('column-check-bad')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('column-problem').first()).toContainText('Missing 54 columns: p10, p11');
    await expect(page.getByTestId('score-result')).toHaveCount(0);
    await shot(page, 'check-missing');

    // The sample CSV itself: every column found, scored, table and latent map shown, CSV downloadable.
    await page.getByTestId('score-file').setInputFiles(digits);
    await expect(page.getByTestId('column-check-ok')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('score-result')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('score-result')).toContainText('1,797 rows of digits.csv');
    await expect(page.getByTestId('score-table').locator('tbody tr')).toHaveCount(100);
    await expect(page.getByTestId('score-table').locator('thead')).toContainText('z1_mean');
    await expect(page.getByTestId('score-table').locator('thead')).toContainText('recon_loglik');
    await expect(page.getByTestId('score-latent-map')).toBeVisible();
    const dl = page.waitForEvent('download');
    await page.getByTestId('score-download').click();
    const scores = await dl;
    const csvPath = path.join(work, 'scores.csv');
    await scores.saveAs(csvPath);
    const out = fs.readFileSync(csvPath, 'utf8').trim().split('\n');
    expect(out).toHaveLength(1798);
    expect(out[0]).toMatch(/^row,label,z1_mean,z2_mean,z1_sd,z2_sd,recon_loglik,recon_mse$/);
    await chartsDrawn(page);
    await shot(page, 'score');

    await page.getByTestId('crumb-models').click();
    await expect(page.getByTestId('models-table')).toBeVisible();
    await shot(page, 'models');
  });

  test('BNN and LDA bundles too: predictions with intervals and topic proportions on the other machine', async ({
    page,
  }) => {
    test.setTimeout(300_000);
    const exportZip = async (): Promise<string> => {
      await page.getByTestId('bundle-export').click();
      const download = page.waitForEvent('download');
      await page.getByTestId('bundle-zip').click();
      const f = await download;
      const p = path.join(work, f.suggestedFilename());
      await f.saveAs(p);
      return p;
    };
    // A BNN on the toy_gap sample and an LDA on the fortunes sample, trained on the first server.
    await page.goto(a.openUrl);
    await page.getByTestId('sample-toy_gap').click();
    await expect(page.getByTestId('bnn-form')).toBeVisible({ timeout: 60_000 });
    await page.getByTestId('bnn-epochs').fill('60');
    await page.getByTestId('start-run').click();
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });
    const bnnZip = await exportZip();
    await page.goto(a.openUrl);
    await page.getByTestId('sample-fortunes').click();
    await expect(page.getByTestId('lda-form')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('preview-stats')).toBeVisible({ timeout: 30_000 });
    await page.getByTestId('topics').fill('6');
    await page.getByTestId('passes').fill('1');
    await page.getByTestId('start-run').click();
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed', { timeout: 150_000 });
    // This one from the topic views' "Export & infer" tab.
    await page.goto(`${page.url()}/topics?tab=use`);
    const ldaZip = await exportZip();
    await expect(page.getByTestId('bundle-done')).toContainText('Downloaded elbo-studio-lda-run-');
    await shot(page, 'lda-export-tab');

    // On the second server: the BNN scores the sample with its 95 % intervals.
    await page.goto(`${b!.openUrl}#/models`);
    await page.getByTestId('model-zip').setInputFiles(bnnZip);
    await expect(page).toHaveURL(/#\/models\/\d+$/, { timeout: 60_000 });
    await page
      .getByTestId('score-file')
      .setInputFiles(path.resolve(__dirname, '..', 'resources', 'samples', 'toy_gap.csv'));
    await expect(page.getByTestId('score-result')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('score-table').locator('thead')).toContainText('lower_95');
    await expect(page.getByTestId('score-intervals')).toBeVisible();
    await expect(page.getByTestId('score-result')).toContainText('coverage95');
    await shot(page, 'bnn-score');

    // The LDA: a new file whose text column has another name; the column is found and topics inferred.
    const lines = fs
      .readFileSync(path.resolve(__dirname, '..', 'resources', 'samples', 'fortunes.csv'), 'utf8')
      .split(/\r?\n/);
    const header = lines[0]!.split(',');
    const textAt = header.indexOf('text');
    const newTexts = path.join(work, 'new-texts.csv');
    fs.writeFileSync(
      newTexts,
      [header.map((h, i) => (i === textAt ? 'message' : h)).join(','), ...lines.slice(4001, 4201)].join('\n'),
    );
    await page.goto(`${b!.openUrl}#/models`);
    await page.getByTestId('model-zip').setInputFiles(ldaZip);
    await expect(page).toHaveURL(/#\/models\/\d+$/, { timeout: 60_000 });
    await page.getByTestId('score-file').setInputFiles(newTexts);
    await expect(page.getByTestId('score-text-column')).toHaveValue('message', { timeout: 30_000 });
    await expect(page.getByTestId('score-result')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('score-result')).toContainText('200 rows of new-texts.csv');
    await expect(page.getByTestId('score-topics')).toBeVisible();
    await expect(page.getByTestId('score-table').locator('thead')).toContainText('dominant_topic');
    await shot(page, 'lda-score');
  });

  test('a damaged zip is refused with a message naming the file; nothing is added', async ({ page }) => {
    const files = unzipSync(new Uint8Array(fs.readFileSync(zipPath)));
    const weights = Object.keys(files).find((k) => k.endsWith('encoder/weights.bin'))!;
    files[weights]![100] = files[weights]![100]! ^ 0xff;
    const damaged = path.join(work, 'damaged.zip');
    fs.writeFileSync(damaged, zipSync(files));
    await page.goto(`${b!.openUrl}#/models`);
    await expect(page.getByTestId('models-table')).toBeVisible();
    const before = await page.getByTestId('models-table').locator('tbody tr').count();
    await page.getByTestId('model-zip').setInputFiles(damaged);
    await expect(page.getByTestId('model-import-error')).toContainText(
      'Damaged bundle: file encoder/weights.bin does not match its checksum',
      { timeout: 30_000 },
    );
    await expect(page.getByTestId('model-import-error-hint')).toContainText('Export the model again');
    await expect(page).toHaveURL(/#\/models$/);
    await expect(page.getByTestId('models-table').locator('tbody tr')).toHaveCount(before);
    await shot(page, 'damaged');

    // And one delete, confirmed: its row and its folder go.
    const rowsBefore = await page.getByTestId('models-table').locator('tbody tr').count();
    const dirsBefore = fs.readdirSync(path.join(b!.dataDir, 'models')).filter((d) => !d.startsWith('.'));
    await page.locator('[data-testid^="model-delete-"]').first().click();
    await expect(page.getByTestId('model-delete-confirm')).toBeVisible();
    await shot(page, 'delete-confirm');
    await page.getByTestId('model-delete-yes').click();
    await expect(page.getByTestId('model-deleted')).toBeVisible();
    await expect(page.getByTestId('models-table').locator('tbody tr')).toHaveCount(rowsBefore - 1);
    expect(fs.readdirSync(path.join(b!.dataDir, 'models')).filter((d) => !d.startsWith('.'))).toHaveLength(
      dirsBefore.length - 1,
    );
  });

  test('the run page still shows its model after all of this (export changed nothing)', async ({ page }) => {
    await page.goto(a.openUrl);
    await page.goto(runUrl);
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed');
  });
});
