// The history browser end to end (issue 7), in browser mode with a fresh data directory: two small VAEs trained
// through the form, then on #/history: a note and a tag added, the run found by free-text search (kept in the
// address across a reload), starred, sorted, two selected and compared, one re-run with the same spec and seed, one
// opened in the run form with its settings, one deleted after a confirmation that lists its files; a dataset's
// deletion preview names its runs. Screenshots go to e2e/output/history-*.png.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { freshDataDir, startServer, type E2eServer } from './support/server';

const shots = path.resolve(__dirname, 'output');

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(shots, `history-${name}.png`), fullPage: true });
}

const runIdOf = (url: string) => Number(new URL(url).hash.match(/#\/runs\/(\d+)/)?.[1]);

/** Starts a small digits VAE from the form ("Try a sample" preset, 2 epochs, a cheap evaluation); returns its id. */
async function trainSmall(page: Page, trainUrl: string, name: string, seed: number): Promise<number> {
  await page.goto(trainUrl);
  await expect(page.getByTestId('run-form')).toBeVisible();
  await page.getByTestId('epochs').fill('2');
  await page.getByTestId('seed').fill(String(seed));
  await page.getByTestId('eval-k').fill('20');
  await page.getByTestId('run-name').fill(name);
  await page.getByTestId('start-run').click();
  await expect(page).toHaveURL(/#\/runs\/\d+$/);
  return runIdOf(page.url());
}

test.describe.serial('history browser', () => {
  let server: E2eServer;
  let dataDir: string;
  let trainUrl = '';
  let alpha = 0;
  let beta = 0;
  let rerun = 0;

  test.beforeAll(async () => {
    dataDir = freshDataDir('history');
    server = await startServer(dataDir);
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test('an empty history says so; two small runs trained through the form appear in it', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.getByTestId('nav-history').click();
    await expect(page.getByTestId('history-empty')).toBeVisible();
    await shot(page, '01-empty');

    await page.getByTestId('nav-home').click();
    await page.getByTestId('sample-digits').click();
    await expect(page.getByTestId('run-form')).toBeVisible({ timeout: 60_000 });
    trainUrl = page.url();
    alpha = await trainSmall(page, trainUrl, 'alpha VAE', 3);
    beta = await trainSmall(page, trainUrl, 'beta VAE', 7);

    await page.getByTestId('nav-history').click();
    await expect(page).toHaveURL(/#\/history$/);
    const rows = page.getByTestId('history-row');
    await expect(rows).toHaveCount(2);
    for (const id of [alpha, beta]) {
      await expect(page.locator(`[data-testid="history-row"][data-run-id="${id}"]`)).toHaveAttribute(
        'data-status',
        'completed',
        { timeout: 90_000 },
      );
    }
    // Every column is filled: project, dataset, model, family, objective, backend, and the headline metric.
    const row = page.locator(`[data-testid="history-row"][data-run-id="${alpha}"]`);
    await expect(row).toContainText('digits');
    await expect(row).toContainText('vae');
    await expect(row).toContainText('meanfield');
    await expect(row).toContainText(/native|wasm|cpu|tensorflow/);
    await expect(row.getByTestId('headline')).toContainText(/IS log-lik\s*-\d/);
  });

  test('annotate, find by free-text search (kept in the address), star and sort', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(`${server.url}/#/history`);
    const betaRow = page.locator(`[data-testid="history-row"][data-run-id="${beta}"]`);
    await betaRow.getByTestId('toggle-details').click();
    const details = page.getByTestId('run-details');
    await details.getByTestId('notes-input').fill('Seed 7 reconstructs the loops of 8s better');
    await details.getByTestId('notes-save').click();
    await expect(details.getByTestId('notes-saved')).toBeVisible();
    await details.getByTestId('tag-input').fill('keeper');
    await details.getByTestId('tag-input').press('Enter');
    await expect(details.getByTestId('tag-chip')).toHaveText([/^keeper\s*×$/]);
    await expect(betaRow).toContainText('keeper');
    await shot(page, '02-details');

    // Free text finds the note (case-insensitive) and the tag; the search is in the address.
    await page.getByTestId('history-search').fill('LOOPS');
    await expect(page).toHaveURL(/q=LOOPS/);
    await expect(page.getByTestId('history-row')).toHaveCount(1);
    await expect(page.getByTestId('history-row')).toHaveAttribute('data-run-id', String(beta));
    await page.getByTestId('history-search').fill('keeper');
    await expect(page).toHaveURL(/q=keeper/);
    await expect(page.getByTestId('history-row')).toHaveCount(1);
    await page.reload();
    await expect(page.getByTestId('history-search')).toHaveValue('keeper');
    await expect(page.getByTestId('history-row')).toHaveCount(1);
    await expect(page.getByTestId('history-row')).toHaveAttribute('data-run-id', String(beta));
    await shot(page, '03-search');

    // Star it; the starred filter then shows it alone.
    await page.getByTestId('history-row').getByTestId('star').click();
    await expect(page.getByTestId('history-row').getByTestId('star')).toHaveAttribute('aria-pressed', 'true');
    await page.getByTestId('clear-filters').click();
    await expect(page.getByTestId('history-row')).toHaveCount(2);
    await page.getByTestId('filter-starred').check();
    await expect(page).toHaveURL(/starred=1/);
    await expect(page.getByTestId('history-row')).toHaveCount(1);
    await page.getByTestId('filter-starred').uncheck();

    // A search that matches nothing says so, with a way back.
    await page.getByTestId('history-search').fill('no such run');
    await expect(page.getByTestId('history-no-matches')).toContainText('no such run');
    await shot(page, '04-no-matches');
    await page.getByTestId('history-no-matches').getByRole('button', { name: 'Clear filters' }).click();
    await expect(page.getByTestId('history-row')).toHaveCount(2);
    await expect(page.getByTestId('history-search')).toHaveValue('');

    // Sort by name both ways, and by the star.
    const order = () =>
      page.getByTestId('history-row').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-run-id'))));
    await page.getByTestId('sort-name').click();
    await expect(page).toHaveURL(/sort=name&order=asc/);
    await expect.poll(order).toEqual([alpha, beta]);
    await page.getByTestId('sort-name').click();
    await expect(page).toHaveURL(/sort=name(&order=desc)?$/);
    await expect.poll(order).toEqual([beta, alpha]);
    await page.getByTestId('sort-starred').click();
    await expect.poll(order).toEqual([beta, alpha]);
    await page.getByTestId('sort-starred').click();
    await expect.poll(order).toEqual([alpha, beta]);
    // Inline rename.
    await page.locator(`[data-testid="history-row"][data-run-id="${alpha}"]`).hover();
    await page.locator(`[data-testid="history-row"][data-run-id="${alpha}"]`).getByTestId('rename').click();
    await page.getByTestId('rename-input').fill('   ');
    await page.getByTestId('rename-input').press('Enter');
    await expect(page.getByTestId('rename-error')).toHaveText('A run needs a name');
    await page.getByTestId('rename-input').fill('alpha VAE seed 3');
    await page.getByTestId('rename-input').press('Enter');
    await expect(
      page.locator(`[data-testid="history-row"][data-run-id="${alpha}"]`).getByTestId('run-link'),
    ).toHaveText('alpha VAE seed 3');
    await shot(page, '05-sorted');
  });

  test('select two and compare them', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(`${server.url}/#/history`);
    await expect(page.getByTestId('compare-selected')).toBeDisabled();
    await page.locator(`[data-testid="history-row"][data-run-id="${alpha}"]`).getByTestId('select-run').check();
    await expect(page.getByTestId('compare-why')).toContainText('1 selected');
    await page.locator(`[data-testid="history-row"][data-run-id="${beta}"]`).getByTestId('select-run').check();
    await expect(page.getByTestId('compare-selected')).toBeEnabled();
    await expect(page.getByTestId('selected-count')).toHaveText('2');
    await shot(page, '06-selected');
    await page.getByTestId('compare-selected').click();
    await expect(page).toHaveURL(new RegExp(`#/compare\\?runs=${alpha},${beta}$`));
    await expect(page.getByTestId('compare-runs')).toContainText('alpha VAE seed 3');
    await expect(page.getByTestId('compare-runs')).toContainText('beta VAE');
    await shot(page, '07-compare');
  });

  test('re-run with the same spec and seed; open a run in the form with its settings', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(`${server.url}/#/history`);
    await page.locator(`[data-testid="history-row"][data-run-id="${beta}"]`).getByTestId('toggle-details').click();
    await page.getByTestId('run-details').getByTestId('rerun').click();
    await expect(page).toHaveURL(/#\/runs\/\d+$/);
    rerun = runIdOf(page.url());
    expect(rerun).toBeGreaterThan(beta);
    await expect(page.getByTestId('run-name')).toHaveText('beta VAE (re-run)');
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed', { timeout: 90_000 });
    const spec = async (id: number) =>
      page.evaluate(async (runId) => {
        const token = sessionStorage.getItem('elbo-studio-token') ?? '';
        const r = await fetch('/api/runs:get', {
          method: 'POST',
          headers: { 'x-elbo-token': token, 'content-type': 'application/json' },
          body: JSON.stringify({ runId }),
        });
        return (await r.json()).result as { spec: unknown; seed: number; datasetId: number };
      }, id);
    const [orig, again] = [await spec(beta), await spec(rerun)];
    expect(again.spec).toEqual(orig.spec);
    expect(again.seed).toBe(7);
    expect(again.datasetId).toBe(orig.datasetId);

    await page.getByTestId('nav-history').click();
    await expect(page.getByTestId('history-row')).toHaveCount(3);
    await page.locator(`[data-testid="history-row"][data-run-id="${beta}"]`).getByTestId('toggle-details').click();
    await page.getByTestId('run-details').getByTestId('open-in-form').click();
    await expect(page).toHaveURL(new RegExp(`#/projects/\\d+/train\\?dataset=\\d+&from=${beta}$`));
    await expect(page.getByTestId('from-note')).toContainText('beta VAE');
    await expect(page.getByTestId('epochs')).toHaveValue('2');
    await expect(page.getByTestId('seed')).toHaveValue('7');
    await expect(page.getByTestId('eval-k')).toHaveValue('20');
    await expect(page.getByTestId('latent-dim')).toHaveValue('8');
    await expect(page.getByTestId('hidden-widths')).toHaveValue('128');
    await expect(page.getByTestId('learning-rate')).toHaveValue('0.003');
    await expect(page.getByTestId('feature-columns').locator('input:checked')).toHaveCount(64);
    await shot(page, '08-open-in-form');
  });

  test('delete a run after a confirmation that lists its files; a dataset preview names its runs', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(`${server.url}/#/history`);
    const runDir = path.join(dataDir, 'runs', String(rerun));
    expect(fs.existsSync(runDir)).toBe(true);
    await page.locator(`[data-testid="history-row"][data-run-id="${rerun}"]`).getByTestId('toggle-details').click();
    await page.getByTestId('run-details').getByTestId('delete-run').click();
    const dialog = page.getByTestId('delete-dialog');
    await expect(dialog).toBeVisible();
    await expect(dialog.getByTestId('delete-file')).toHaveCount(1);
    await expect(dialog.getByTestId('delete-file')).toContainText(runDir);
    await expect(dialog.getByTestId('delete-file')).toContainText(/\d+(\.\d)? (B|KB|MB)/);
    await expect(dialog.getByTestId('delete-metrics')).toContainText(
      /[1-9][\d,]* metric points and [1-9]\d* artifacts?/,
    );
    await shot(page, '09-delete-run');
    // Cancel first: nothing goes.
    await dialog.getByTestId('delete-cancel').click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('history-row')).toHaveCount(3);
    await page.getByTestId('run-details').getByTestId('delete-run').click();
    await page.getByTestId('delete-dialog').getByTestId('delete-confirm').click();
    await expect(page.getByTestId('delete-dialog')).toBeHidden();
    await expect(page.getByTestId('history-row')).toHaveCount(2);
    await expect(page.locator(`[data-testid="history-row"][data-run-id="${rerun}"]`)).toHaveCount(0);
    expect(fs.existsSync(runDir)).toBe(false);

    // The dataset filter offers deleting the dataset; its preview names every run that would go with it.
    const datasetId = await page.getByTestId('filter-dataset').locator('option').nth(1).getAttribute('value');
    await page.getByTestId('filter-dataset').selectOption(datasetId!);
    await expect(page).toHaveURL(new RegExp(`dataset=${datasetId}`));
    await page.getByTestId('delete-dataset').click();
    const dd = page.getByTestId('delete-dialog');
    await expect(dd.getByTestId('delete-runs')).toContainText('2 runs');
    await expect(dd.getByTestId('delete-runs')).toContainText('alpha VAE seed 3');
    await expect(dd.getByTestId('delete-runs')).toContainText('beta VAE');
    await expect(dd.getByTestId('delete-file')).toHaveCount(3);
    await shot(page, '10-delete-dataset');
    await dd.getByTestId('delete-cancel').click();
    await expect(page.getByTestId('history-row')).toHaveCount(2);
  });
});
