// Topic modelling end to end, as a user drives it in browser mode: Try a sample → fortunes opens the LDA form with a
// live preview of the corpus, fit K = 8 for 2 passes, then open every topic view (relevance slider, distance map,
// document view, curves, prevalence by category, exports, inference on a new CSV). Screenshots: e2e/output/lda-*.png.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { chartsDrawn } from './support/helpers';
import { freshDataDir, startServer, type E2eServer } from './support/server';

const shots = path.resolve(__dirname, 'output');

async function shot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(shots, `lda-${name}.png`), fullPage: true });
}

test.describe.serial('topic models (LDA)', () => {
  let server: E2eServer;
  let runUrl = '';

  test.beforeAll(async () => {
    server = await startServer(freshDataDir('lda'));
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test('try the fortunes sample, preview the corpus and fit 8 topics', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.getByTestId('sample-fortunes').click();
    await expect(page.getByTestId('lda-form')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('text-column')).toHaveValue('text');
    await expect(page.getByTestId('preview-stats')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('preview-vocabulary')).not.toHaveText('0');
    await expect(page.getByTestId('preview-top-words')).toContainText(/\w+/);
    await shot(page, '01-form-preview');

    // Bad input is explained before anything starts.
    await page.getByTestId('min-token-length').fill('45');
    await expect(page.getByTestId('preview-error')).toContainText(/No word passes the filters|stop word or too short/, {
      timeout: 30_000,
    });
    await expect(page.getByTestId('preview-error-hint')).toBeVisible();
    await page.getByTestId('kappa').fill('0.2');
    await page.getByTestId('start-run').click();
    await expect(page.getByTestId('error-kappa')).toContainText('κ');
    await shot(page, '02-form-errors');
    await page.getByTestId('min-token-length').fill('3');
    await page.getByTestId('kappa').fill('0.5');
    await expect(page.getByTestId('preview-stats')).toBeVisible({ timeout: 30_000 });

    await page.getByTestId('topics').fill('8');
    await page.getByTestId('passes').fill('2');
    await page.getByTestId('run-name').fill('fortunes K=8');
    await page.getByTestId('start-run').click();
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed', { timeout: 150_000 });
    await expect(page.getByTestId('lda-curves')).toHaveAttribute('data-points', /[1-9]/);
    await expect(page.getByTestId('lda-topics-summary')).toContainText('%');
    runUrl = page.url();
    await shot(page, '03-run-completed');
  });

  test('open every topic view', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(runUrl);
    await page.getByTestId('open-topics').click();
    await expect(page.getByTestId('topics-table')).toBeVisible();
    await expect(page.getByTestId('topics-table').locator('tbody tr')).toHaveCount(8);
    const before = await page.getByTestId('topics-table').locator('tbody tr').first().innerText();
    // Move the relevance slider to λ = 0.2: the ranked words change.
    await page.getByTestId('relevance-slider').fill('0.2');
    await expect(page.getByTestId('lambda-value')).toHaveText('0.20');
    await expect
      .poll(async () => page.getByTestId('topics-table').locator('tbody tr').first().innerText())
      .not.toBe(before);
    await page.getByTestId('topics-table').locator('tbody tr').nth(2).click();
    await expect(page.getByTestId('topic-select')).toHaveValue('2');
    await shot(page, '04-topics-relevance');

    await page.getByTestId('tab-map').click();
    await expect(page.getByTestId('distance-map')).toBeVisible();
    await chartsDrawn(page);
    const box = await page.getByTestId('distance-map').boundingBox();
    expect(box && box.height).toBeGreaterThan(300);
    await expect(page.getByTestId('map-selected')).toContainText('Topic 3');
    await shot(page, '05-distance-map');

    await page.getByTestId('tab-documents').click();
    await expect(page.getByTestId('doc-view')).toBeVisible({ timeout: 30_000 });
    await page.getByTestId('doc-search').fill('computer');
    await page.getByTestId('doc-search-go').click();
    await expect(page.getByTestId('doc-hits')).toBeVisible();
    await page.getByTestId('doc-hits').locator('button').first().click();
    await expect(page.getByTestId('doc-text')).toContainText(/computer/i);
    await expect(page.getByTestId('doc-text').locator('span.w').first()).toBeVisible();
    await expect(page.getByTestId('doc-legend')).toContainText('Topic');
    await shot(page, '06-document');

    await page.getByTestId('tab-curves').click();
    await expect(page.getByTestId('lda-curves')).toHaveAttribute('data-points', /[1-9]/);
    await shot(page, '07-curves');

    await page.getByTestId('tab-categories').click();
    await expect(page.getByTestId('category-column')).toHaveValue('category');
    await expect(page.getByTestId('category-heatmap')).toBeVisible({ timeout: 30_000 });
    await chartsDrawn(page);
    await shot(page, '08-by-category');

    await page.getByTestId('tab-use').click();
    const download = page.waitForEvent('download');
    await page.getByTestId('export-topic-word').click();
    const d = await download;
    expect(d.suggestedFilename()).toMatch(/topic-word\.csv$/);
    const saved = path.join(shots, 'lda-downloads', d.suggestedFilename());
    fs.mkdirSync(path.dirname(saved), { recursive: true });
    await d.saveAs(saved);
    expect(fs.readFileSync(saved, 'utf8').split('\n')[0]).toBe(
      'word_id,word,topic_1,topic_2,topic_3,topic_4,topic_5,topic_6,topic_7,topic_8',
    );
    const modelDownload = page.waitForEvent('download');
    await page.getByTestId('export-model').click();
    expect((await modelDownload).suggestedFilename()).toMatch(/model\.json$/);
    await expect(page.getByTestId('export-done')).toContainText('model.json');
    // θ of every row: inferred and written as a stream into the run folder, then downloaded (small enough here).
    const dtDownload = page.waitForEvent('download');
    await page.getByTestId('export-doc-topic').click();
    expect((await dtDownload).suggestedFilename()).toMatch(/doc-topic\.csv$/);
    await expect(page.getByTestId('export-done')).toContainText(/doc-topic\.csv .*also saved to .*exports/);

    // Infer topics for a new CSV (uploaded through the same picker flow as the import).
    const newCsv = path.join(shots, 'lda-downloads', 'new-documents.csv');
    fs.mkdirSync(path.dirname(newCsv), { recursive: true });
    fs.writeFileSync(
      newCsv,
      'title,body\nA,"The computer crashed and the programmer rebooted the system"\nB,"Love is a many splendored thing, said the poet"\nC,""\nD,"=HYPERLINK(""http://x"") money money money"\n',
    );
    await page.getByTestId('infer-file').setInputFiles(newCsv);
    await expect(page.getByTestId('infer-column')).toHaveValue('body');
    await page.getByTestId('infer-run').click();
    await expect(page.getByTestId('infer-result')).toContainText('4');
    await expect(page.getByTestId('infer-result')).toContainText('Topic');
    await shot(page, '09-export-infer');
  });

  test('compare online with batch', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(runUrl);
    const first = Number(new URL(page.url()).hash.match(/\d+$/)?.[0]);
    // Waits for the page (an instant isVisible() raced the page's first load on a busy machine).
    await expect(page.getByTestId('run-facts')).toBeVisible();
    // A second run, batch EM, started through the API with the same text options.
    const second = (await page.evaluate(async (id) => {
      const token = sessionStorage.getItem('elbo-studio-token') ?? '';
      const post = async (ch: string, body: unknown) =>
        (
          await (
            await fetch(`/api/${ch}`, {
              method: 'POST',
              headers: { 'x-elbo-token': token, 'content-type': 'application/json' },
              body: JSON.stringify(body),
            })
          ).json()
        ).result;
      const r = await post('runs:get', { runId: id });
      const started = await post('runs:start', {
        projectId: r.projectId,
        datasetId: r.datasetId,
        name: 'fortunes K=8 batch',
        spec: { ...r.spec, method: 'batch' },
      });
      return started.id as number;
    }, first)) as number;
    await page.goto(`${server.url}/#/runs/${second}`);
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed', { timeout: 150_000 });
    await page.getByTestId('open-topics').click();
    await page.getByTestId('compare-with').selectOption(String(first));
    await page.getByTestId('compare-link').click();
    await expect(page.getByTestId('compare-table')).toContainText('perplexity');
    await expect(page.getByTestId('compare-table')).toContainText('online');
    await expect(page.getByTestId('compare-table')).toContainText('batch');
    await chartsDrawn(page);
    await shot(page, '10-compare');
  });
});
