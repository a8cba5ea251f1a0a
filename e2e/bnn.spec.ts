// Bayesian neural networks end to end, as a user drives them in browser mode: Try a sample → toy_gap opens the BNN
// form (target y), bad input is refused with a message before training, a mean-field BNN is fitted, then every view
// is opened: run page curves and metrics, uncertainty views (metrics, predictive band with the gap, predicted vs
// actual, coverage), a comparison with an SVGD ensemble on the same split, predictions on a new CSV and the bundle.
// Screenshots: e2e/output/bnn-*.png.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { chartsDrawn } from './support/helpers';
import { freshDataDir, startServer, type E2eServer } from './support/server';

const shots = path.resolve(__dirname, 'output');

async function shot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForFunction(() => window.scrollY === 0);
  await page.screenshot({ path: path.join(shots, `bnn-${name}.png`), fullPage: true });
}

test.describe.serial('Bayesian neural networks', () => {
  let server: E2eServer;
  let runUrl = '';
  let trainUrl = '';

  test.beforeAll(async () => {
    fs.mkdirSync(shots, { recursive: true });
    server = await startServer(freshDataDir('bnn'));
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test('try toy_gap, see bad input refused, fit a mean-field BNN', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.getByTestId('sample-toy_gap').click();
    await expect(page.getByTestId('bnn-form')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('bnn-target')).toHaveValue('y');
    await expect(page.getByTestId('bnn-feature-x')).toBeChecked();
    await expect(page.getByTestId('preset-note')).toContainText('toy_gap');
    trainUrl = page.url();
    await shot(page, '01-form');

    // Inline validation (zod): an impossible epoch count and a bad width.
    await page.getByTestId('bnn-epochs').fill('0');
    await page.getByTestId('bnn-hidden').fill('50,x');
    await page.getByTestId('start-run').click();
    await expect(page.getByTestId('form-errors')).toBeVisible();
    await expect(page.locator('.field-error').first()).toBeVisible();
    await page.getByTestId('bnn-epochs').fill('200');
    await page.getByTestId('bnn-hidden').fill('50');

    // Bad input refused by the server before training: the features include the target.
    await page.getByTestId('bnn-feature-y').check();
    await page.getByTestId('start-run').click();
    await expect(page.getByTestId('start-error-message')).toContainText('include the target column "y"');
    await expect(page.getByTestId('start-error-hint')).toContainText('Remove "y"');
    await shot(page, '02-bad-input');
    await page.getByTestId('bnn-feature-y').uncheck();

    // Fit: 200 epochs × 23 steps, well under 40 s.
    await page.getByTestId('run-name').fill('toy_gap mean-field');
    await page.getByTestId('start-run').click();
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed', { timeout: 90_000 });
    await expect(page.getByTestId('bnn-loss-wrap')).toHaveAttribute('data-points', /[1-9]/);
    await expect(page.getByTestId('final-metrics').locator('tr[data-metric="rmse"]')).toBeVisible();
    await expect(page.getByTestId('final-metrics').locator('tr[data-metric="coverage95"]')).toContainText('%');
    runUrl = page.url();
    await shot(page, '03-run');
  });

  test('try diabetes: the BNN form opens with target progression', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.getByTestId('sample-diabetes').click();
    await expect(page.getByTestId('bnn-form')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('bnn-target')).toHaveValue('progression');
    await expect(page.getByTestId('bnn-feature-bmi')).toBeChecked();
    await expect(page.getByTestId('bnn-feature-progression')).not.toBeChecked();
  });

  test('a constant target is refused with a message and a hint', async ({ page }) => {
    // A dataset with a constant column, imported through the API of this server (the GUI import is tested elsewhere).
    await page.goto(server.openUrl);
    const token = new URL(server.openUrl).searchParams.get('token')!;
    const call = async (channel: string, args: unknown) => {
      const r = await page.request.post(`${server.url}/api/${channel}`, {
        headers: { 'x-elbo-token': token, origin: server.url },
        data: args,
      });
      const body = (await r.json()) as { ok: boolean; result: unknown };
      return body.result as Record<string, unknown>;
    };
    const rows = ['x,c,y', ...Array.from({ length: 40 }, (_, i) => `${i},7,${(i * 0.37) % 3}`)].join('\n');
    const up = await page.request.post(`${server.url}/upload?name=constant.csv`, {
      headers: { 'x-elbo-token': token, origin: server.url, 'content-type': 'application/octet-stream' },
      data: Buffer.from(`${rows}\n`),
    });
    const picked = ((await up.json()) as { result: { fileId: string } }).result;
    const projects = (await call('projects:list', {})) as unknown as Array<{ id: number }>;
    const projectId = projects[0]!.id;
    const ds = await call('import:commit', {
      importId: 'bnn-constant',
      projectId,
      source: { fileId: picked.fileId },
      name: 'constant',
    });
    await page.goto(`${server.openUrl.split('?')[0]}#/projects/${projectId}/train?dataset=${String(ds.id)}`);
    await page.getByTestId('model-select').selectOption('bnn');
    await expect(page.getByTestId('bnn-form')).toBeVisible();
    await page.getByTestId('bnn-target').selectOption('c');
    await expect(page.getByTestId('error-target')).toContainText('constant');
    await shot(page, '04-constant-target');
  });

  test('open every view', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(runUrl);
    await page.getByTestId('open-uncertainty').click();
    await expect(page.getByTestId('uncertainty-title')).toContainText('toy_gap mean-field');
    await expect(page.getByTestId('bnn-metrics').locator('tr[data-metric="logLik"]')).toBeVisible();
    await expect(page.getByTestId('band-chart-0')).toBeVisible();
    await expect(page.getByTestId('band-summary-0')).toContainText('away from it');
    await expect(page.getByTestId('pva-chart')).toBeVisible();
    await expect(page.getByTestId('coverage-levels')).toContainText('95 %');
    await page.getByTestId('band-extend').selectOption('1');
    await expect(page.getByTestId('band-summary-0')).toContainText('×');
    await chartsDrawn(page);
    await shot(page, '05-uncertainty');
    await page.getByTestId('bnn-band').screenshot({ path: path.join(shots, 'bnn-06-band.png') });

    // Predict on a new CSV (upload through the file picker), see the table and download the CSV.
    const csv = path.join(server.dataDir, 'new-points.csv');
    fs.writeFileSync(csv, 'x\n-7\n-4\n-1\n0\n1\n2.5\n4\n7\n=1+1\n');
    await page.getByTestId('predict-file').setInputFiles(csv);
    await expect(page.getByTestId('predict-error')).toContainText('missing value');
    fs.writeFileSync(csv, 'x\n-7\n-4\n-1\n0\n1\n2.5\n4\n7\n');
    await page.getByTestId('predict-file').setInputFiles(csv);
    await expect(page.getByTestId('predict-table').locator('tbody tr')).toHaveCount(8);
    const download = page.waitForEvent('download');
    await page.getByTestId('predict-download').click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/predictions-run-\d+\.csv$/);
    // Missing column → the message names it.
    fs.writeFileSync(csv, 'z\n1\n');
    await page.getByTestId('predict-file').setInputFiles(csv);
    await expect(page.getByTestId('predict-error-message')).toContainText('"x"');
    fs.writeFileSync(csv, 'x\n-7\n-4\n-1\n0\n1\n2.5\n4\n7\n');
    await page.getByTestId('predict-file').setInputFiles(csv);
    await expect(page.getByTestId('predict-table').locator('tbody tr')).toHaveCount(8);
    await page.getByTestId('bundle-load').click();
    await expect(page.getByTestId('bundle-files')).toContainText('manifest.json');
    await expect(page.getByTestId('bundle-files')).toContainText('tfjs/weights.bin');
    await page.getByTestId('bnn-use').scrollIntoViewIfNeeded();
    await page.getByTestId('bnn-use').screenshot({ path: path.join(shots, 'bnn-07-predict.png') });
  });

  test('compare mean-field with an SVGD ensemble on the same split', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(trainUrl);
    await expect(page.getByTestId('bnn-form')).toBeVisible({ timeout: 30_000 });
    await page.getByTestId('bnn-family').selectOption('svgd');
    await page.getByTestId('bnn-family-param').fill('10');
    await page.getByTestId('bnn-epochs').fill('80');
    await page.getByTestId('run-name').fill('toy_gap svgd');
    await page.getByTestId('start-run').click();
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });
    await page.getByTestId('open-uncertainty').click();
    await expect(page.getByTestId('compare-select')).toBeVisible();
    const value = await page
      .getByTestId('compare-select')
      .locator('option', { hasText: 'toy_gap mean-field' })
      .getAttribute('value');
    await page.getByTestId('compare-select').selectOption(value!);
    await expect(page.getByTestId('band-chart-1')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('band-summary-1')).toContainText('×');
    await expect(page.getByTestId('gap-ratio-0')).toContainText('×');
    await expect(page.getByTestId('gap-ratio-1')).toContainText('×');
    await expect(page.getByTestId('general-compare')).toHaveAttribute('href', /#\/compare\?runs=\d+,\d+/);
    await chartsDrawn(page);
    await shot(page, '08-compare');
  });
});
