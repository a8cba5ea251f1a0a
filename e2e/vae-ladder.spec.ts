// Ladder and conv VAEs in browser mode: the run form takes "4,2" as a two-layer ladder and offers the conv network;
// a ladder run's page shows KL and active units per layer and a layer selector on the latent map and interpolation.
// Screenshots go to e2e/output/ladder-*.png.
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { chartsDrawn } from './support/helpers';
import { freshDataDir, startServer, type E2eServer } from './support/server';

const shots = path.resolve(__dirname, 'output');
const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(shots, `ladder-${name}.png`), fullPage: true });

test.describe.serial('ladder and conv VAEs', () => {
  let server: E2eServer;

  test.beforeAll(async () => {
    server = await startServer(freshDataDir('ladder'));
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test('the form explains a conv network on non-image columns and a bad ladder', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.getByTestId('sample-digits').click();
    await expect(page.getByTestId('run-form')).toBeVisible({ timeout: 60_000 });
    await page.getByTestId('latent-dim').fill('4,x');
    await expect(page.getByText('Expected a size like 20, or a ladder like 16,4')).toBeVisible();
    await page.getByTestId('latent-dim').fill('4,2');
    await page.getByTestId('architecture').selectOption('conv');
    // 64 pixel columns are an 8 × 8 image: no problem; the form lists none.
    await expect(page.getByTestId('error-architecture')).toHaveCount(0);
    await shot(page, 'form');
  });

  test('a ladder run shows each layer and lets the views pick one', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.getByTestId('sample-digits').click();
    await expect(page.getByTestId('run-form')).toBeVisible({ timeout: 60_000 });
    await page.getByTestId('latent-dim').fill('4,2');
    await page.getByTestId('epochs').fill('10');
    await page.getByTestId('eval-k').fill('100');
    await page.getByTestId('start-run').click();
    await expect(page).toHaveURL(/#\/runs\/\d+/, { timeout: 30_000 });
    const id = Number(page.url().match(/runs\/(\d+)/)![1]);
    await expect(page.getByTestId('vae-evaluation')).toBeVisible({ timeout: 170_000 });
    await expect(page.getByTestId('eval-layers')).toContainText('z2 (top)', { timeout: 170_000 });
    await expect(page.getByTestId('eval-layers')).toContainText(/of 4 active/);
    await expect(page.getByTestId(`latent-chart-${id}`)).toBeVisible({ timeout: 30_000 });
    await page.getByTestId(`latent-layer-${id}`).selectOption('2');
    await expect(page.getByTestId(`latent-map-${id}`)).toContainText('2-D latent');
    await page.getByTestId('interp-layer').selectOption('2');
    await chartsDrawn(page);
    await shot(page, 'run');
  });
});
