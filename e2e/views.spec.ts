// The analyst's views of issue 18, in browser mode: a BNN on the diabetes sample (noise sd in the target's units, early
// stopping named, curves with smoothing and a log scale), a VAE on the same table (reconstructions as a table in the
// data's units with the error per feature, the ELBO curve smoothed and on a log axis of −ELBO, labelled metrics with
// help on hover), the project's runs table (each model's main metric), Cancel's confirmation, and the single-run HTML
// report (the page's charts, labelled metrics, only the settings the run used). Screenshots: e2e/output/views-*.png.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { freshDataDir, startServer, type E2eServer } from './support/server';
import { apiOf, shooter, shotsDir as shots } from './support/helpers';
import type { RunSummary } from '../src-shared/domain/types';

const { shot, shotOf } = shooter('views');

test.describe.serial('analyst views', () => {
  let server: E2eServer;
  let bnn: RunSummary;
  let vae: RunSummary;

  const { call, settled } = apiOf(() => server);

  test.beforeAll(async () => {
    server = await startServer(freshDataDir('views'));
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test('a BNN on diabetes: noise sd in the target’s units, early stopping named, curve controls', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.getByTestId('sample-diabetes').click();
    await expect(page.getByTestId('bnn-form')).toBeVisible({ timeout: 60_000 });
    await page.getByTestId('bnn-epochs').fill('400');
    await page.getByTestId('run-name').fill('diabetes BNN');
    await page.getByTestId('start-run').click();
    await expect(page).toHaveURL(/#\/runs\/\d+$/);
    const id = Number(new URL(page.url()).hash.match(/runs\/(\d+)/)![1]);
    bnn = await settled(page, id);
    expect(bnn.status).toBe('completed');
    await page.reload();
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed');
    // The learned noise sd is in the target's units (a regression on the 25–346 progression score).
    await expect(page.getByTestId('bnn-noise-sd')).toContainText("progression's units");
    const sd = Number((await page.getByTestId('bnn-noise-sd').innerText()).match(/noise sd: ([\d.]+)/)![1]);
    expect(sd).toBeGreaterThan(20);
    expect(sd).toBeLessThan(150);
    // Early stopping, when it happened, is named with the epoch kept.
    if (bnn.metrics.best_epoch !== undefined && (bnn.metrics.epochs ?? 400) < 400)
      await expect(page.getByTestId('bnn-early-stop')).toContainText(`Stopped early at epoch ${bnn.metrics.epochs}`);
    // Labelled metrics with help on hover.
    await expect(page.locator('[data-metric="rmse"] td').first()).toHaveText('Test RMSE');
    await expect(page.locator('[data-metric="rmse"] td').first()).toHaveAttribute('title', /target units/);
    await page.getByTestId('curve-controls-log').check();
    await expect(page.getByTestId('bnn-curve-note')).toContainText('Log scale of');
    await shot(page, '01-bnn-run');
    await shotOf(page, 'bnn-run-curves', '02-bnn-curves-log');
  });

  test('a VAE on the same table: tabular reconstructions, smoothed and log curves, labels', async ({ page }) => {
    const features = ['age', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6', 'sex'];
    // Enough epochs to watch Cancel's confirmation while it trains; the views only need a finished run.
    const spec = { model: 'vae', features, epochs: 15, latentDim: 2, hidden: [32], evaluation: { k: 50 } };
    const started = await call<RunSummary>(page, 'runs:start', {
      projectId: bnn.projectId,
      datasetId: bnn.datasetId,
      name: 'diabetes VAE',
      spec,
    });
    await page.goto(`${server.openUrl}#/runs/${started.id}`);
    // Cancel asks first; keeping the run leaves it training.
    await expect(page.getByTestId('cancel-run')).toBeVisible({ timeout: 30_000 });
    await page.getByTestId('cancel-run').click();
    await expect(page.getByTestId('cancel-confirm')).toContainText('Stop this run?');
    await shotOf(page, 'cancel-confirm', '03-cancel-confirm');
    await page.getByTestId('cancel-run-no').click();
    vae = await settled(page, started.id);
    expect(vae.status).toBe('completed');
    await page.reload();
    await expect(page.getByTestId('recon-table')).toBeVisible({ timeout: 30_000 });
    // Original units: bmi reads like a BMI (18–42), not a z-score.
    const bmi = await page.locator('[data-feature="bmi"] .orig').first().innerText();
    expect(Number(bmi)).toBeGreaterThan(15);
    await expect(page.getByTestId('recon-units')).toContainText("dataset's own units");
    await expect(page.getByTestId('recon-error-chart')).toBeVisible();
    // Labels and help.
    await expect(page.locator('[data-metric="loglik"] td').first()).toHaveText('IS log-likelihood');
    await expect(page.locator('[data-metric="loglik"] td').first()).toHaveAttribute('title', /nats per row/);
    // Interpolation: the chart says it is standardised, the values are in the data's units.
    await expect(page.getByTestId(`interp-units-${vae.id}`)).toContainText('standardised');
    await expect(page.getByTestId(`interp-values-${vae.id}`)).toContainText('bmi');
    await expect(page.getByTestId(`posterior-chart-${vae.id}`)).toBeVisible();
    await shot(page, '04-vae-run');
    // Smoothing 0.9 and a log axis of −ELBO.
    await page.getByTestId('curve-controls-smoothing').fill('0.9');
    await page.getByTestId('curve-controls-log').check();
    await expect(page.getByTestId('elbo-curve-note')).toContainText('weight 0.90');
    await expect(page.getByTestId('elbo-curve-note')).toContainText('Log scale of −ELBO');
    await shotOf(page, 'elbo-chart-wrap', '05-vae-curve-smoothed-log');
    await page.getByTestId('curve-controls-log').uncheck();
    await page.getByTestId('reconstructions').scrollIntoViewIfNeeded();
    await shotOf(page, 'reconstructions', '06-vae-recon-table');

    // The single-run report: the page's charts (latent map, posterior, reconstruction errors), labelled metrics and
    // only the settings the run used.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-report').click()]);
    const file = path.join(shots, 'views-report.html');
    await download.saveAs(file);
    const html = fs.readFileSync(file, 'utf8');
    expect(html).toContain('data-chart="recon-error-chart"');
    expect(html).toContain(`data-chart="latent-chart-${vae.id}"`);
    expect(html).toContain(`data-chart="posterior-chart-${vae.id}"`);
    expect(html).toContain('IS log-likelihood');
    // The page's KL chart stands in for the report's own: drawn once.
    expect(html.match(/data-chart="kl-per-dim-/g)).toHaveLength(1);
    expect(html).toContain('Latent dimensions');
    expect(html).not.toContain('temperature.initial');
    expect(html).not.toContain('noiseVariance');
    await page.goto(`file://${file}`);
    await page.screenshot({ path: path.join(shots, 'views-07-report.png'), fullPage: true });
  });

  test('the project’s runs table shows each model’s main metric', async ({ page }) => {
    await page.goto(`${server.openUrl}#/projects/${bnn.projectId}`);
    const bnnRow = page.locator(`[data-testid="run-row"][data-run-id="${bnn.id}"]`);
    await expect(bnnRow.getByTestId('run-headline')).toContainText('Test RMSE');
    await expect(bnnRow.getByTestId('run-headline')).toHaveAttribute('title', /target units/);
    const vaeRow = page.locator(`[data-testid="run-row"][data-run-id="${vae.id}"]`);
    await expect(vaeRow.getByTestId('run-headline')).toContainText('IS log-lik');
    await shotOf(page, 'runs-table', '08-project-runs');
  });
});
