// The gradient-noise readout (issue 14, item 4) end to end in browser mode: a VAE on the digits sample trained with
// the score-function estimator shows, on its run page, gradient variance and SNR per layer over checkpoints with the
// pathwise figure beside it and the ratio in words. Screenshots: e2e/output/grad-variance-*.png.
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { freshDataDir, startServer, type E2eServer } from './support/server';

const shots = path.resolve(__dirname, 'output');

/** One section, cut from a full-page screenshot (an element screenshot would put the sticky header over it). */
async function shotOf(page: Page, testid: string, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  const clip = await page.getByTestId(testid).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height };
  });
  await page.screenshot({ path: path.join(shots, `grad-variance-${name}.png`), fullPage: true, clip });
}

test.describe.serial('gradient-noise readout', () => {
  let server: E2eServer;

  test.beforeAll(async () => {
    server = await startServer(freshDataDir('gradvar'));
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test('a score-function VAE run shows variance and SNR per layer with the pathwise figure beside it', async ({
    page,
  }) => {
    await page.goto(server.openUrl);
    await page.getByTestId('sample-digits').click();
    await expect(page.getByTestId('run-form')).toBeVisible({ timeout: 60_000 });
    await page.getByTestId('latent-dim').fill('4');
    await page.getByTestId('epochs').fill('8');
    await page.getByTestId('eval-k').fill('50');
    await page.locator('#estimator').selectOption('score');
    await expect(page.getByTestId('spec-problems')).toHaveCount(0);
    await page.getByTestId('start-run').click();
    await expect(page).toHaveURL(/#\/runs\/\d+/, { timeout: 30_000 });
    await expect(page.getByTestId('run-status')).toContainText(/completed/i, { timeout: 170_000 });
    const panel = page.getByTestId('grad-variance');
    await expect(panel).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('grad-variance-chart').locator('canvas')).toBeVisible();
    await expect(page.getByTestId('grad-snr-chart').locator('canvas')).toBeVisible();
    await expect(page.getByTestId('grad-variance-ratio')).toContainText(
      /Score-function gradient variance is [\d.,]+× the pathwise/,
    );
    // One row per layer (weight and bias together), each with a pathwise figure and a ratio.
    const table = page.getByTestId('grad-variance-table');
    await expect(table.locator('tr[data-group="encoder.mu"]')).toBeVisible();
    await expect(table.locator('tr[data-group="decoder.out"] td').nth(5)).toContainText('×');
    await expect(table.locator('tr[data-group$=".weight"]')).toHaveCount(0);
    // The run's metrics carry the readout's summary.
    await expect(page.getByTestId('final-metrics').locator('tr[data-metric="grad_snr_min"]')).toBeVisible();
    await page.waitForTimeout(600);
    await shotOf(page, 'grad-variance', 'score-vae');
    await page.screenshot({ path: path.join(shots, 'grad-variance-run-page.png'), fullPage: true });
  });
});
