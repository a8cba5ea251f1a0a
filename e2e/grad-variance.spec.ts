// The gradient-noise readout (issue 14, item 4) end to end in browser mode: a VAE on the digits sample trained with
// the score-function estimator shows, on its run page, gradient variance and SNR per layer over checkpoints with the
// pathwise figure beside it and the ratio in words. Screenshots: e2e/output/grad-variance-*.png.
import { expect, test } from '@playwright/test';
import { freshDataDir, startServer, type E2eServer } from './support/server';
import { shooter, trainSampleVae } from './support/helpers';

const { shot, shotOf } = shooter('grad-variance');

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
    await trainSampleVae(page, server, {
      latentDim: 4,
      epochs: 8,
      evalK: 50,
      configure: async (p) => {
        await p.locator('#estimator').selectOption('score');
        await expect(p.getByTestId('spec-problems')).toHaveCount(0);
      },
    });
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
    await shotOf(page, 'grad-variance', 'score-vae');
    await shot(page, 'run-page');
  });
});
