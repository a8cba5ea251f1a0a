// Every run says whether it worked (issue 14), in browser mode: a VAE trained from the form and its identical-seed
// twin (same spec, same seed), a run cancelled while training (caution), a run the worker fails (its dataset file
// truncated on disk while it starts, then restored: failed), and one run from "before verdicts" (its verdict cleared in the database: not assessed).
// Then the verdict on the run page, the compare page (identical seeds: "within noise", no winner) and the history
// page with its verdict filter. Screenshots go to e2e/output/verdict-*.png.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from '@playwright/test';
import { freshDataDir, startServer, type E2eServer } from './support/server';
import { apiOf, shooter, trainSampleVae } from './support/helpers';
import type { RunSummary } from '../src-shared/domain/types';

const { shot, shotOf } = shooter('verdict');

test.describe.serial('run verdicts', () => {
  let server: E2eServer;
  let twin: number[] = [];
  let cancelled = 0;
  let failed = 0;
  let old = 0;

  const { call, settled } = apiOf(() => server);

  test.beforeAll(async () => {
    server = await startServer(freshDataDir('verdict'));
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test('a VAE and its identical-seed twin, a cancelled run and a failed run get their verdicts', async ({ page }) => {
    const a = (await trainSampleVae(page, server, { latentDim: 2, epochs: 2, evalK: 50, name: 'seed twin A' })).ids[0]!;
    // No verdict while it trains: the badge is empty, never "ok".
    await expect(page.getByTestId('run-verdict')).toHaveAttribute('data-verdict', /pending|ok|caution|failed/);
    const runA = await call<RunSummary>(page, 'runs:get', { runId: a });
    const start = (name: string, spec: unknown) =>
      call<RunSummary>(page, 'runs:start', { projectId: runA.projectId, datasetId: runA.datasetId, name, spec });
    const b = (await start('seed twin B', runA.spec)).id;
    twin = [a, b];
    for (const id of twin) expect((await settled(page, id)).status).toBe('completed');

    // Cancelled mid-training: caution, with the reason.
    const long = await start('cancelled early', { ...runA.spec, epochs: 200 });
    cancelled = long.id;
    await expect
      .poll(async () => (await call<RunSummary>(page, 'runs:get', { runId: cancelled })).status, { timeout: 60_000 })
      .toBe('running');
    await call(page, 'runs:cancel', { runId: cancelled });
    const c = await settled(page, cancelled);
    expect(c.status).toBe('cancelled');
    expect(c.verdict?.verdict).toBe('caution');
    expect(c.verdict?.reasons.map((r) => r.code)).toContain('cancelled');

    // A run the worker fails: the dataset's column file is truncated on disk after the other runs.
    const dsDir = path.join(server.dataDir, 'datasets');
    const data = fs
      .readdirSync(dsDir, { recursive: true, encoding: 'utf8' })
      .map((f) => path.join(dsDir, f))
      .filter((f) => f.endsWith('data.f32'));
    expect(data).toHaveLength(1);
    const intact = fs.readFileSync(data[0]!);
    fs.truncateSync(data[0]!, 64);
    failed = (await start('worker fails', runA.spec)).id;
    const f = await settled(page, failed);
    fs.writeFileSync(data[0]!, intact); // the other runs' views read it again
    expect(f.status).toBe('failed');
    expect(f.verdict?.verdict).toBe('failed');

    // A run from before verdicts: the same as a finished run whose verdict was never stored.
    old = (await start('from before verdicts', { ...runA.spec, epochs: 1 })).id;
    await settled(page, old);
    const db = new Database(path.join(server.dataDir, 'elbo-studio.sqlite'));
    db.prepare('UPDATE runs SET verdict = NULL, verdict_json = NULL, evidence_json = NULL WHERE id = ?').run(old);
    db.close();
  });

  test('run page: the verdict beside the status, reasons with remedies, metrics with their SE and basis', async ({
    page,
  }) => {
    await page.goto(server.openUrl);
    await page.goto(`${server.url}/#/runs/${twin[0]}`);
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed');
    const verdict = page.getByTestId('run-verdict');
    await expect(verdict).toHaveAttribute('data-verdict', /ok|caution|failed/);
    await expect(page.getByTestId('verdict-panel')).toBeVisible();
    // Each x_se is folded into x: "value ± se", no separate _se row; the rows and K of the evaluation are named.
    const metrics = page.getByTestId('final-metrics');
    await expect(metrics.locator('tr[data-metric="loglik"]')).toContainText('±');
    await expect(metrics.locator('tr[data-metric="loglik_se"]')).toHaveCount(0);
    await expect(page.getByTestId('metrics-basis')).toContainText(/same\s+\d+\s+rows\s+with K = 50/);
    await expect(page.getByTestId('eval-basis')).toContainText('K = 50');
    await shot(page, 'run-page');

    // The failed run: "Failed" status, a failed verdict naming the error and the fix.
    await page.goto(`${server.url}/#/runs/${failed}`);
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'failed');
    await expect(page.getByTestId('run-verdict')).toHaveAttribute('data-verdict', 'failed');
    await expect(page.getByTestId('verdict-reason').first()).toHaveAttribute('data-code', 'run-failed');
    await shot(page, 'run-failed');

    await page.goto(`${server.url}/#/runs/${cancelled}`);
    await expect(page.getByTestId('run-verdict')).toHaveAttribute('data-verdict', 'caution');
    await expect(page.getByTestId('verdict-panel')).toContainText('cancelled before it finished');
    await shot(page, 'run-cancelled');

    await page.goto(`${server.url}/#/runs/${old}`);
    await expect(page.getByTestId('run-verdict')).toHaveAttribute('data-verdict', 'none');
    await expect(page.getByTestId('run-verdict')).toHaveText('not assessed');
    await expect(page.getByTestId('verdict-panel')).toContainText('Not assessed');
  });

  test('compare: identical seeds are "within noise", never a winner; each run shows its verdict', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(`${server.url}/#/compare?runs=${[...twin, cancelled].join(',')}`);
    const table = page.getByTestId('compare-table');
    await expect(table.getByTestId('compare-verdict')).toHaveCount(3);
    await expect(page.getByTestId('compare-verdicts').locator(`[data-run-id="${cancelled}"]`)).toContainText(
      'cancelled before it finished',
    );
    await expect(page.getByTestId('compare-basis')).toContainText('K = 50');
    await page.goto(`${server.url}/#/compare?runs=${twin.join(',')}`);
    for (const m of ['loglik', 'eval_elbo']) {
      const row = page.getByTestId('compare-metrics').locator(`tr[data-metric="${m}"]`);
      await expect(row).toHaveAttribute('data-rank', 'within-noise', { timeout: 30_000 });
      await expect(row.getByTestId('within-noise')).toBeVisible();
      await expect(row.locator('td[data-best="true"]')).toHaveCount(0);
      await expect(row.getByTestId('metric-diff')).toContainText(/paired, \d+ rows\s*·\s*within noise/);
    }
    await expect(page.getByTestId('compare-runs').getByTestId('compare-run-verdict')).toHaveCount(2);
    await shot(page, 'compare');
    await shotOf(page, 'compare-metrics', 'compare-metrics');
  });

  test('history: a verdict column, sortable, and a filter (ok / caution / failed / not assessed)', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(`${server.url}/#/history`);
    await expect(page.getByTestId('history-row')).toHaveCount(5);
    await expect(page.getByTestId('history-verdict').locator('text=not assessed')).toHaveCount(1);
    await shot(page, 'history');
    await page.getByTestId('filter-verdict').selectOption('failed');
    await expect(page).toHaveURL(/verdict=failed/);
    await expect(page.getByTestId('history-row')).toHaveCount(1);
    await expect(page.getByTestId('history-row')).toHaveAttribute('data-run-id', String(failed));
    await shot(page, 'history-failed');
    await page.getByTestId('filter-verdict').selectOption('none');
    await expect(page.getByTestId('history-row')).toHaveCount(1);
    await expect(page.getByTestId('history-row')).toHaveAttribute('data-run-id', String(old));
    await page.getByTestId('filter-verdict').selectOption('caution');
    await expect(page.getByTestId('history-row').filter({ hasText: 'cancelled early' })).toHaveCount(1);
    await page.getByTestId('filter-verdict').selectOption('');
    await page.getByTestId('sort-verdict').click();
    await expect(page).toHaveURL(/sort=verdict/);
    await expect(page.getByTestId('history-row').first()).toHaveAttribute('data-run-id', String(failed));
    await shot(page, 'history-sorted');
    // The project's runs table shows the badge too.
    await page.getByTestId('history-row').first().getByRole('link').nth(1).click();
    await expect(page.getByTestId('runs-table').getByTestId('run-verdict')).toHaveCount(5);
    await shot(page, 'project');
  });
});
