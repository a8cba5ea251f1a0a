// The posterior-collapse lab through the GUI: one click on its sample card imports the digits, starts the four runs
// and opens the lab page, where each run shows its KL per dimension over training, active units, log-likelihood and
// what happened in words. Screenshots go to e2e/output/collapse-lab-*.png.
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { chartsDrawn } from './support/helpers';
import { freshDataDir, startServer, type E2eServer } from './support/server';

const shots = path.resolve(__dirname, 'output');
const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(shots, `collapse-lab-${name}.png`), fullPage: true });

test.describe.serial('posterior-collapse lab', () => {
  let server: E2eServer;

  test.beforeAll(async () => {
    server = await startServer(freshDataDir('collapse-lab'));
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test('one click runs the lab and the page says what happened in each run', async ({ page }) => {
    test.setTimeout(600_000);
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(server.openUrl);
    await expect(page.getByTestId('sample-collapse-lab')).toContainText('Import and run the lab');
    await page.getByTestId('sample-collapse-lab').click();
    await expect(page).toHaveURL(/#\/lab\?runs=\d+,\d+,\d+,\d+/, { timeout: 60_000 });
    for (const arm of ['collapse', 'anneal', 'freebits', 'window'])
      await expect(page.getByTestId(`lab-card-${arm}`)).toBeVisible({ timeout: 30_000 });
    await shot(page, 'running');
    await expect(page.getByTestId('lab-progress')).toHaveText('4 of 4 runs finished', { timeout: 540_000 });
    for (const arm of ['collapse', 'anneal', 'freebits', 'window']) {
      await expect(page.getByTestId(`lab-kl-${arm}`)).toBeVisible({ timeout: 30_000 });
      await expect(page.getByTestId(`lab-story-${arm}`)).not.toBeEmpty({ timeout: 30_000 });
    }
    // The strong decoder collapses; free bits and the limited receptive field keep the code.
    await expect(page.getByTestId('lab-au-collapse')).toHaveText('0 / 8');
    await expect(page.getByTestId('lab-story-collapse')).toContainText('Posterior collapse');
    await expect(page.getByTestId('lab-verdict-collapse')).toHaveAttribute('data-verdict', 'caution');
    await expect(page.getByTestId('lab-story-freebits')).toContainText('λ = 0.5');
    await expect(page.getByTestId('lab-au-window')).not.toHaveText('0 / 8');
    await chartsDrawn(page);
    await shot(page, 'done');
  });
});
