// The VAE workbench end to end (issue 4), in browser mode: "Try a sample" (digits), a mean-field and a flow VAE
// trained as a matched pair from the run form, then the compare view (curves, metrics, configuration), the latent
// maps, the interpolation strip and the posterior panels, and a run page's evaluation panel.
// Screenshots go to e2e/output/vae-*.png.
import { expect, test } from '@playwright/test';
import { freshDataDir, startServer, type E2eServer } from './support/server';
import { chartsDrawn, shooter, trainSampleVae } from './support/helpers';

const { shot, shotOf } = shooter('vae');

test.describe.serial('vae workbench', () => {
  let server: E2eServer;
  let compareUrl = '';
  let runIds: number[] = [];

  test.beforeAll(async () => {
    server = await startServer(freshDataDir('vae'));
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test('the run form offers every family and objective and explains invalid combinations', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.getByTestId('sample-digits').click();
    await expect(page.getByTestId('run-form')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('vae-options')).toBeVisible();
    // A categorical latent with a flow family cannot run: the form says why before anything starts.
    await page.getByTestId('family-select').selectOption('iaf');
    await page.getByTestId('latent-type').selectOption('categorical');
    await expect(page.getByTestId('spec-problems')).toContainText('Gumbel-softmax');
    await shot(page, 'form-problem');
    await page.getByTestId('latent-type').selectOption('gaussian');
    await page.getByTestId('family-select').selectOption('meanfield');
    await expect(page.getByTestId('spec-problems')).toHaveCount(0);
  });

  test('train a mean-field and a flow VAE as a matched pair and open the compare view', async ({ page }) => {
    // Few epochs: the views need finished runs, not good ones (the evaluation's K = 100 still gives SEs).
    const started = await trainSampleVae(page, server, {
      latentDim: 2,
      epochs: 4,
      evalK: 100,
      configure: (p) => shot(p, 'form'),
      pairFlow: 'iaf',
    });
    compareUrl = page.url();
    runIds = started.ids;
    expect(runIds).toHaveLength(2);
    await expect(page.getByTestId('compare-runs')).toBeVisible();
    // Both complete (they queue behind each other on a small machine).
    await expect(page.getByTestId('compare-latent')).toBeVisible({ timeout: 170_000 });
    await expect(page.getByTestId(`latent-map-${runIds[1]}`)).toBeVisible({ timeout: 170_000 });
  });

  test('compare view: curves, metrics with SEs, paired differences, no winner from noise', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(compareUrl);
    await expect(page.getByTestId('compare-curves-chart')).toBeVisible();
    // The evaluation's metrics carry standard errors, and their difference is paired on the shared validation rows;
    // a run is highlighted only beyond 2 SE, else the row says "within noise" — never ranked without an SE.
    const loglik = page.getByTestId('compare-metrics').locator('tr[data-metric="loglik"]');
    await expect(loglik.locator('[data-testid="metric-diff"]')).toContainText(/± .*paired, \d+ rows/, {
      timeout: 30_000,
    });
    expect(['best', 'within-noise']).toContain(await loglik.getAttribute('data-rank'));
    await expect(page.getByTestId('compare-metrics').locator('tr[data-metric="loglik_se"]')).toHaveCount(0);
    await expect(page.getByTestId('compare-metrics').locator('tr[data-metric="eval_elbo"]')).toContainText('±');
    await expect(page.getByTestId('compare-config')).toContainText('family.kind');
    await page.getByTestId('compare-x-wall').click();
    await page.getByTestId('compare-runs').scrollIntoViewIfNeeded();
    await shot(page, 'compare');
  });

  test('latent maps, posterior panels and the interpolation strip', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(compareUrl);
    for (const id of runIds) await expect(page.getByTestId(`latent-chart-${id}`)).toBeVisible({ timeout: 30_000 });
    for (const id of runIds) await expect(page.getByTestId(`posterior-chart-${id}`)).toBeVisible({ timeout: 30_000 });
    await page.getByTestId('row-b').fill('7');
    for (const id of runIds) await expect(page.getByTestId(`interp-strip-${id}`)).toBeVisible({ timeout: 30_000 });
    await page.getByTestId('interp-slider').fill('5');
    await shotOf(page, 'compare-latent', 'latent-maps');
    await shotOf(page, 'compare-posterior', 'posterior');
    await page.getByTestId('manifold-toggle').check();
    for (const id of runIds)
      await expect(page.getByTestId(`manifold-${id}`).locator('canvas')).toBeVisible({ timeout: 30_000 });
    await shotOf(page, 'compare-interpolation', 'interpolation');
  });

  test('the interpolation view: two runs stacked on the same rows, picked from the latent map', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(`${server.url}/#/interpolate?runs=${runIds.join(',')}&a=3&b=10`);
    for (const id of runIds) await expect(page.getByTestId(`interp-strip-${id}`)).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('row-a')).toHaveValue('3');
    await page.getByTestId('interp-method').selectOption('slerp');
    await page.getByTestId('interp-slider').fill('3');
    // Click the first run's map until a point is hit (the centre of the plot is dense), then use that row as B.
    const chart = page.getByTestId(`latent-chart-${runIds[0]}`);
    await expect(chart).toBeVisible();
    const box = (await chart.boundingBox())!;
    for (const [fx, fy] of [
      [0.5, 0.5],
      [0.45, 0.55],
      [0.55, 0.45],
      [0.4, 0.4],
      [0.6, 0.6],
      [0.5, 0.4],
      [0.5, 0.6],
    ] as const) {
      await page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
      const hit = await page
        .getByTestId('latent-row')
        .waitFor({ timeout: 400 })
        .then(() => true)
        .catch(() => false);
      if (hit) break;
    }
    if (await page.getByTestId('latent-row').isVisible()) {
      await page.getByTestId('pick-b').click();
      await expect(page.getByTestId('row-b')).not.toHaveValue('10');
    }
    await chartsDrawn(page);
    await shot(page, 'interpolate-view');
  });

  test('a run page shows the evaluation panel and its latent views', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(`${server.url}/#/runs/${runIds[1]}`);
    await expect(page.getByTestId('vae-evaluation')).toBeVisible();
    await expect(page.getByTestId('eval-loglik')).toContainText(/−?\d/);
    await expect(page.getByTestId('kl-chart')).toBeVisible();
    await expect(page.getByTestId(`latent-chart-${runIds[1]}`)).toBeVisible({ timeout: 30_000 });
    await shot(page, 'run');
  });
});
