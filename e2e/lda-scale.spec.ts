// The topic views and every export on a large LDA run (hundreds of thousands to a million documents), in browser
// mode against a data directory where the CLI left the run — too slow to fit inside the suite, so the spec runs only
// when given one:
//   npx tsx src-main/cli.ts fit --data big.csv --model lda --text-column text --topics 50 --passes 1 \
//     --language none --data-dir DIR
//   ELBO_E2E_LDA_DATA=DIR [ELBO_E2E_LDA_RUN=1] npx playwright test e2e/lda-scale.spec.ts
// Checks that no view loads every document into the page: the page's JS heap stays far below the corpus, θ of every
// row is written to the run folder as a stream and not handed to the page. Screenshots: e2e/output/lda-scale-*.png.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startServer, type E2eServer } from './support/server';

const shots = path.resolve(__dirname, 'output');
const dataDir = process.env.ELBO_E2E_LDA_DATA ?? '';
const runId = Number(process.env.ELBO_E2E_LDA_RUN ?? 1);

async function shot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(shots, `lda-scale-${name}.png`), fullPage: true });
}

/** The page's live JS heap in MB (Chromium's performance.memory). */
async function heapMB(page: Page): Promise<number> {
  return page.evaluate(
    () => ((performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0) / 1e6,
  );
}

test.describe.serial('topic views on a large LDA run', () => {
  test.skip(!dataDir, 'set ELBO_E2E_LDA_DATA to a data directory holding a large LDA run');
  let server: E2eServer;

  test.beforeAll(async () => {
    server = await startServer(dataDir);
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test('every topic view and every export', async ({ page }) => {
    test.setTimeout(1_500_000);
    await page.goto(server.openUrl);
    await page.goto(`${server.url}/#/runs/${runId}`);
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed', { timeout: 60_000 });
    await shot(page, '01-run');

    await page.goto(`${server.url}/#/runs/${runId}/topics`);
    await expect(page.getByTestId('topics-table')).toBeVisible({ timeout: 60_000 });
    const K = await page.getByTestId('topics-table').locator('tbody tr').count();
    expect(K).toBeGreaterThan(1);
    await shot(page, '02-topics');

    await page.getByTestId('tab-map').click();
    await expect(page.getByTestId('distance-map')).toBeVisible();
    await page.waitForTimeout(500);
    await shot(page, '03-map');

    // Documents: one row at a time (the last row of the dataset, then a search hit).
    await page.getByTestId('tab-documents').click();
    await expect(page.getByTestId('doc-view')).toBeVisible({ timeout: 120_000 });
    const rows = Number(
      (await page.getByTestId('doc-view').locator('.meta .muted').first().innerText()).replace(/[^0-9]/g, ''),
    );
    expect(rows).toBeGreaterThan(0);
    const first = (await page.getByTestId('doc-text').innerText()).split(/\s+/).find((w) => w.length >= 3) ?? 'the';
    await page.getByTestId('doc-search').fill(first);
    await page.getByTestId('doc-search-go').click();
    await expect(page.getByTestId('doc-hits').locator('button').first()).toBeVisible({ timeout: 120_000 });
    await page.getByTestId('doc-hits').locator('button').last().click();
    await expect(page.getByTestId('doc-text')).toContainText(first, { timeout: 60_000 });
    await expect(page.getByTestId('doc-legend')).toContainText('Topic');
    await shot(page, '04-document');
    await page.getByTestId('doc-row').fill(String(rows - 1));
    await page.getByTestId('doc-row').press('Enter');
    await expect(page.getByTestId('doc-view')).toHaveAttribute('data-row', String(rows - 1), { timeout: 60_000 });

    await page.getByTestId('tab-curves').click();
    await expect(page.getByTestId('lda-curves')).toHaveAttribute('data-points', /[1-9]/);
    await shot(page, '05-curves');

    await page.getByTestId('tab-categories').click();
    await page.waitForTimeout(1000);
    await shot(page, '06-categories');

    // Every export: small ones downloaded, θ of every row written as a stream to the run folder.
    await page.getByTestId('tab-use').click();
    const done = page.getByTestId('export-done');
    for (const kind of ['topic-word', 'vocabulary', 'model', 'doc-topic'] as const) {
      const before = (await done.isVisible()) ? await done.innerText() : '';
      await page.getByTestId(`export-${kind}`).click();
      await expect(done).not.toHaveText(before, { timeout: 1_200_000 });
      await expect(done).toContainText(kind === 'model' ? 'model.json' : `${kind}.csv`);
    }
    const text = await done.innerText();
    const saved = text.match(/ to (\/\S+doc-topic\.csv)/)?.[1] ?? text.match(/saved to (\/\S+doc-topic\.csv)/)?.[1];
    expect(saved, text).toBeTruthy();
    const fd = fs.openSync(saved!, 'r');
    const head = Buffer.alloc(4096);
    fs.readSync(fd, head, 0, 4096, 0);
    fs.closeSync(fd);
    expect(head.toString().split('\n')[0]).toMatch(/^document,topic_1,.*dominant_topic,empty$/);
    await shot(page, '07-exports');

    // Nothing above held the corpus or θ in the page.
    const heap = await heapMB(page);
    console.log(`page JS heap after every view and export: ${heap.toFixed(1)} MB; doc-topic ${text}`);
    expect(heap).toBeLessThan(150);
  });
});
