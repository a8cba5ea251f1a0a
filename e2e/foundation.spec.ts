// The foundation end to end, as a user drives it in browser mode: import the digits sample through the import
// wizard, train a VAE and watch the ELBO curve grow, cancel a second run, restart the server and find both runs in
// the history with the right statuses. Screenshots go to e2e/output/.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { freshDataDir, startServer, type E2eServer } from './support/server';

const shots = path.resolve(__dirname, 'output');
const digits = path.resolve(__dirname, '..', 'resources', 'samples', 'digits.csv');

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

async function chartPoints(page: Page): Promise<number> {
  const v = await page.getByTestId('elbo-chart-wrap').getAttribute('data-points');
  return Number(v ?? 0);
}

test.describe.serial('foundation', () => {
  let server: E2eServer;
  let dataDir: string;
  let projectUrl = '';
  let completedRun = 0;
  let cancelledRun = 0;

  test.beforeAll(async () => {
    dataDir = freshDataDir('foundation');
    server = await startServer(dataDir);
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test('a request without the token is refused', async ({ request }) => {
    const r = await request.post(`${server.url}/api/projects:list`, { data: {} });
    expect(r.status()).toBe(401);
    const body = await r.json();
    expect(body.error.code).toBe('UNAUTHORIZED');
  });

  test('import the digits CSV through the wizard', async ({ page }) => {
    await page.goto(server.openUrl);
    await expect(page.getByTestId('samples')).toBeVisible();
    await shot(page, '01-home');

    await page.getByTestId('new-project-name').fill('Digits study');
    await page.getByTestId('create-project').click();
    await expect(page.getByTestId('project-name')).toHaveText('Digits study');
    projectUrl = page.url();

    await page.getByTestId('import-csv').click();
    await page.getByTestId('file-input').setInputFiles(digits);
    await expect(page.getByTestId('preview-table')).toBeVisible();
    await expect(page.getByTestId('columns-table')).toContainText('p63');
    // Inferred types: pixels are numeric, the label is a label.
    await expect(page.getByTestId('col-type-p10')).toHaveValue('numeric');
    await expect(page.getByTestId('col-role-label')).toHaveValue('label');
    await shot(page, '02-import-preview');

    await page.getByTestId('dataset-name').fill('digits');
    await page.getByTestId('import-commit').click();
    await expect(page.getByTestId('import-done')).toBeVisible();
    await expect(page.getByTestId('import-done')).toContainText('1,797');
    await shot(page, '03-import-done');
  });

  test('train a VAE and watch the ELBO curve grow', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(projectUrl);
    await page.getByTestId('new-run').click();
    await expect(page.getByTestId('run-form')).toBeVisible();
    await page.getByTestId('epochs').fill('25');
    await page.getByTestId('run-name').fill('first VAE');
    await shot(page, '04-run-form');
    await page.getByTestId('start-run').click();

    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', /running|completed/);
    await expect(page.getByTestId('run-backend')).toHaveText(/native|wasm|cpu|tensorflow/);
    await expect.poll(() => chartPoints(page), { timeout: 60_000 }).toBeGreaterThan(5);
    const early = await chartPoints(page);
    await expect.poll(() => chartPoints(page), { timeout: 60_000 }).toBeGreaterThan(early + 10);
    await shot(page, '05-run-live');

    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed', { timeout: 150_000 });
    completedRun = Number(new URL(page.url()).hash.match(/\d+$/)?.[0]);
    const rows = page.getByTestId('final-metrics');
    await expect(rows.locator('[data-metric="val_elbo"]')).toBeVisible();
    await expect(page.getByTestId('reconstructions-canvas')).toBeVisible();
    await shot(page, '06-run-completed');

    // It genuinely learned: the final validation ELBO is far above the first epoch's.
    const series = (await page.evaluate(async (id) => {
      const token = sessionStorage.getItem('elbo-studio-token') ?? '';
      const r = await fetch(`/api/runs:metrics`, {
        method: 'POST',
        headers: { 'x-elbo-token': token, 'content-type': 'application/json' },
        body: JSON.stringify({ runId: id, names: ['val_elbo'] }),
      });
      return (await r.json()).result;
    }, completedRun)) as { value: number[] }[];
    const val = series[0]!.value;
    expect(val.length).toBe(25);
    expect(val[val.length - 1]! - val[0]!).toBeGreaterThan(5);

    // The run as one self-contained HTML report: every chart embedded, opening offline.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-report').click()]);
    const reportPath = path.join(shots, 'report-run.html');
    await download.saveAs(reportPath);
    const html = fs.readFileSync(reportPath, 'utf8');
    for (const chart of ['curve-train_elbo', 'curve-val_elbo', 'kl-per-dim-'])
      expect(html).toContain(`data-chart="${chart}`);
    expect(html).not.toMatch(/<script|src="http/);
    const offline = await page.context().newPage();
    await offline.goto(`file://${reportPath}`);
    await expect(offline.getByRole('heading', { name: /Run: first VAE/ })).toBeVisible();
    await offline.screenshot({ path: path.join(shots, '06b-report.png'), fullPage: true });
    await offline.close();
  });

  test('cancel a second run', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(projectUrl);
    await page.getByTestId('new-run').click();
    await page.getByTestId('epochs').fill('500');
    await page.getByTestId('run-name').fill('to cancel');
    await page.getByTestId('start-run').click();
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'running');
    await expect.poll(() => chartPoints(page), { timeout: 60_000 }).toBeGreaterThan(0);
    cancelledRun = Number(new URL(page.url()).hash.match(/\d+$/)?.[0]);
    await page.getByTestId('cancel-run').click();
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'cancelled', { timeout: 30_000 });
    await shot(page, '07-run-cancelled');
  });

  test('after a restart both runs are in the history with the right statuses', async ({ page }) => {
    await server.stop();
    server = await startServer(dataDir);
    await page.goto(server.openUrl);
    await page.goto(`${server.url}/${new URL(projectUrl).hash}`);
    const table = page.getByTestId('runs-table');
    await expect(table.locator(`[data-run-id="${completedRun}"]`)).toHaveAttribute('data-status', 'completed');
    await expect(table.locator(`[data-run-id="${cancelledRun}"]`)).toHaveAttribute('data-status', 'cancelled');
    await expect(table).toContainText('first VAE');
    await expect(table).toContainText(/native|wasm/);
    await shot(page, '08-history-after-restart');
  });
});

test('try a sample: one click from the home screen to a training form', async ({ page }) => {
  const server = await startServer(freshDataDir('sample'));
  try {
    await page.goto(server.openUrl);
    await page.getByTestId('sample-digits').click();
    await expect(page.getByTestId('run-form')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('dataset-select')).not.toHaveValue('');
    await page.getByTestId('start-run').click();
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });
    await expect(page.getByTestId('reconstructions-canvas')).toBeVisible();
    await shot(page, '09-sample-trained');
  } finally {
    await server.stop();
  }
});
