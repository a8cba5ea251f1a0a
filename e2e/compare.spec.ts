// Compare anything comparable (issue 7), in browser mode: three tiny VAEs trained from the GUI, the compare view
// (x-axis toggle, a run added from the view), a saved comparison reopened after a reload and from the home page's
// list, one chart downloaded as PNG and as SVG, the comparison report holding every chart the view shows, a deleted
// run named when the comparison is reopened, two BNNs with their uncertainty panels side by side, and runs of
// different kinds refused with a clear message. Screenshots go to e2e/output/compare-*.png.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { chartsDrawn } from './support/helpers';
import { freshDataDir, startServer, type E2eServer } from './support/server';

const shots = path.resolve(__dirname, 'output');

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(shots, `compare-${name}.png`), fullPage: true });
}

test.describe.serial('compare, save, export', () => {
  let server: E2eServer;
  let vae: number[] = [];
  const bnn: number[] = [];
  let savedId = 0;
  let token = '';

  const call = async (page: Page, channel: string, args: unknown) => {
    const r = await page.request.post(`${server.url}/api/${channel}`, {
      headers: { 'x-elbo-token': token, origin: server.url },
      data: args,
    });
    const body = (await r.json()) as { ok: boolean; result: unknown; error?: { message: string } };
    if (!body.ok) throw new Error(`${channel}: ${body.error?.message}`);
    return body.result;
  };

  test.beforeAll(async () => {
    server = await startServer(freshDataDir('compare'));
    token = new URL(server.openUrl).searchParams.get('token')!;
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test('train three tiny VAEs from the GUI, compare two, add the third from the compare view', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.getByTestId('sample-digits').click();
    await expect(page.getByTestId('vae-options')).toBeVisible({ timeout: 60_000 });
    const formUrl = page.url();
    await page.getByTestId('latent-dim').fill('2');
    await page.getByTestId('epochs').fill('2');
    await page.getByTestId('eval-k').fill('20');
    await page.getByTestId('pair-flow').selectOption('iaf');
    await page.getByTestId('start-pair').click();
    await expect(page).toHaveURL(/#\/compare\?runs=\d+,\d+$/);
    const pair = (new URL(page.url()).hash.match(/runs=([\d,]+)/)?.[1] ?? '').split(',').map(Number);
    expect(pair).toHaveLength(2);

    // A third run from the same form: planar flow, started on its own.
    await page.goto(formUrl);
    await expect(page.getByTestId('vae-options')).toBeVisible({ timeout: 30_000 });
    await page.getByTestId('latent-dim').fill('2');
    await page.getByTestId('epochs').fill('2');
    await page.getByTestId('eval-k').fill('20');
    await page.getByTestId('family-select').selectOption('planar');
    await page.getByTestId('run-name').fill('planar third');
    await page.getByTestId('start-run').click();
    await expect(page).toHaveURL(/#\/runs\/\d+$/);
    const third = Number(new URL(page.url()).hash.match(/runs\/(\d+)/)![1]);

    await page.goto(`${server.url}/#/compare?runs=${pair.join(',')}`);
    await expect(page.getByTestId('compare-runs')).toBeVisible();
    // The third run is offered in "Add a run" (same kind) and joins the comparison.
    await expect(page.getByTestId('add-run').locator(`option[value="${third}"]`)).toHaveCount(1);
    await page.getByTestId('add-run').selectOption(String(third));
    await expect(page).toHaveURL(new RegExp(`runs=${pair.join(',')},${third}$`));
    vae = [...pair, third];
    await expect(page.getByTestId('compare-runs').locator('[data-status="completed"]')).toHaveCount(3, {
      timeout: 150_000,
    });
    for (const id of vae) await expect(page.getByTestId(`latent-chart-${id}`)).toBeVisible({ timeout: 60_000 });
  });

  test('switch the x-axis, save the comparison, reload, reopen it from the home page', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(`${server.url}/#/compare?runs=${vae.join(',')}`);
    await expect(page.getByTestId('compare-curves-chart')).toBeVisible();
    await expect(page.getByTestId('compare-x-epoch')).toHaveAttribute('aria-pressed', 'true');
    await page.getByTestId('compare-x-wall').click();
    await expect(page.getByTestId('compare-x-wall')).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByTestId('compare-general')).toContainText('wall time');
    // Final metrics: the best of each metric highlighted; configuration differences listed.
    await expect(page.getByTestId('compare-metrics').locator('td[data-best="true"]').first()).toBeVisible();
    await expect(page.getByTestId('compare-config')).toContainText('family.kind');

    // An empty name is refused in the form; a real one saves and the address names the saved comparison.
    await page.getByTestId('save-comparison-open').click();
    await page.getByTestId('comparison-name').fill('   ');
    await page.getByTestId('comparison-save').click();
    await expect(page.getByTestId('save-error-message')).toContainText('needs a name');
    await page.getByTestId('comparison-name').fill('Flows vs mean-field (tiny)');
    await page.getByTestId('comparison-notes').fill('2 epochs each, wall time');
    await page.getByTestId('comparison-save').click();
    await expect(page).toHaveURL(/#\/compare\?saved=\d+$/);
    savedId = Number(new URL(page.url()).hash.match(/saved=(\d+)/)![1]);
    await expect(page.getByTestId('compare-title')).toHaveText('Flows vs mean-field (tiny)');
    await expect(page.getByTestId('save-state')).toContainText(/Saved/);
    await chartsDrawn(page);
    await shot(page, '01-view');

    // Reload: same runs, same axis, the notes shown.
    await page.reload();
    await expect(page.getByTestId('compare-title')).toHaveText('Flows vs mean-field (tiny)');
    await expect(page.getByTestId('compare-notes')).toHaveText('2 epochs each, wall time');
    await expect(page.getByTestId('compare-x-wall')).toHaveAttribute('aria-pressed', 'true');
    for (const id of vae) await expect(page.getByTestId('compare-runs').locator(`[data-run-id="${id}"]`)).toBeVisible();
    // A change is flagged until saved.
    await page.getByTestId('compare-x-step').click();
    await expect(page.getByTestId('save-state')).toHaveText('Unsaved changes');
    await page.getByTestId('save-changes').click();
    await expect(page.getByTestId('save-state')).toContainText('Saved');

    // From the home page's list.
    await page.goto(server.openUrl);
    const home = page.getByTestId('home-saved-comparisons');
    await expect(home).toContainText('Flows vs mean-field (tiny)');
    await expect(home).toContainText('3 runs');
    await home.scrollIntoViewIfNeeded();
    await shot(page, '02-home-list');
    await page.getByTestId(`open-saved-${savedId}`).click();
    await expect(page.getByTestId('compare-title')).toHaveText('Flows vs mean-field (tiny)');
    await expect(page.getByTestId('compare-x-step')).toHaveAttribute('aria-pressed', 'true');
    // And from the compare view's own list.
    await page.getByTestId('toggle-saved').click();
    await expect(page.getByTestId('saved-panel').locator(`tr[data-comparison-id="${savedId}"]`)).toContainText('open');
  });

  test('download one chart as PNG and as SVG', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(`${server.url}/#/compare?saved=${savedId}`);
    const chart = page.getByTestId('compare-curves-chart');
    await expect(chart).toBeVisible();
    await chartsDrawn(page);
    const size = await chart.evaluate((el) => ({ w: el.clientWidth, h: el.clientHeight }));
    await chart.hover();
    const tools = page.getByTestId('compare-curves-chart-tools');
    await expect(tools).toHaveCSS('opacity', '1');
    await shot(page, '03-chart-menu');

    const [png] = await Promise.all([page.waitForEvent('download'), tools.getByTestId('chart-png').click()]);
    expect(png.suggestedFilename()).toBe(`compare-${vae.join('-')}-training-curves-train-elbo-by-step.png`);
    const pngBytes = fs.readFileSync((await png.path())!);
    expect([...pngBytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // IHDR: twice the on-screen size (pixel ratio 2).
    expect(pngBytes.readUInt32BE(16)).toBe(size.w * 2);
    expect(pngBytes.readUInt32BE(20)).toBe(size.h * 2);
    fs.writeFileSync(path.join(shots, 'compare-download.png'), pngBytes);

    await chart.hover();
    const [svg] = await Promise.all([page.waitForEvent('download'), tools.getByTestId('chart-svg').click()]);
    expect(svg.suggestedFilename()).toBe(`compare-${vae.join('-')}-training-curves-train-elbo-by-step.svg`);
    const text = fs.readFileSync((await svg.path())!, 'utf8');
    expect(text.startsWith('<svg')).toBe(true);
    // Parses as SVG and holds the chart: legend entries of every run, the axis name.
    const parsed = await page.evaluate((t) => {
      const doc = new DOMParser().parseFromString(t, 'image/svg+xml');
      return {
        error: doc.getElementsByTagName('parsererror').length,
        root: doc.documentElement.nodeName,
        width: doc.documentElement.getAttribute('width'),
        text: doc.documentElement.textContent ?? '',
      };
    }, text);
    expect(parsed).toMatchObject({ error: 0, root: 'svg', width: String(size.w) });
    for (const id of vae) expect(parsed.text).toContain(`#${id} `);
    expect(parsed.text).toContain('step');

    // A latent map (a large scatter) exports too, named after its run.
    const map = page.getByTestId(`latent-chart-${vae[0]}`);
    await map.scrollIntoViewIfNeeded();
    await map.hover();
    const [mapSvg] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId(`latent-chart-${vae[0]}-tools`).getByTestId('chart-svg').click(),
    ]);
    expect(mapSvg.suggestedFilename()).toMatch(
      new RegExp(`^compare-${vae.join('-')}-latent-map-${vae[0]}-meanfield\\.svg$`),
    );
    expect(fs.readFileSync((await mapSvg.path())!, 'utf8').length).toBeGreaterThan(20_000);
  });

  test('the comparison report holds every chart the view shows', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.goto(`${server.url}/#/compare?saved=${savedId}`);
    for (const id of vae) await expect(page.getByTestId(`posterior-chart-${id}`)).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId(`latent-chart-${vae[2]}`)).toBeVisible();
    await chartsDrawn(page);
    const shown = await page
      .locator('.echart[data-chart-id]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-chart-id')!));
    expect(shown).toEqual(
      expect.arrayContaining([
        'compare-curves-chart',
        ...vae.map((id) => `latent-chart-${id}`),
        ...vae.map((id) => `posterior-chart-${id}`),
      ]),
    );
    const [dl] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.getByTestId('export-report').click(),
    ]);
    const html = fs.readFileSync((await dl.path())!, 'utf8');
    for (const id of shown) expect(html, id).toContain(`<figure data-chart="${id}">`);
    expect(html).toContain('<h1>Flows vs mean-field (tiny)</h1>');
    expect(html).not.toMatch(/<script/i);
    fs.writeFileSync(path.join(shots, 'compare-report.html'), html);
  });

  test('a run deleted after saving is named when the comparison is reopened', async ({ page }) => {
    await page.goto(server.openUrl);
    await call(page, 'runs:delete', { runId: vae[2] });
    await page.goto(`${server.url}/#/compare?saved=${savedId}`);
    await expect(page.getByTestId('deleted-runs')).toContainText(
      `Run #${vae[2]} was deleted after this comparison was saved`,
    );
    await expect(page.getByTestId('compare-runs').locator('[data-run-id]')).toHaveCount(2);
    await expect(page.getByTestId('save-state')).toHaveText('Unsaved changes');
    await page.getByTestId('toggle-saved').click();
    await expect(page.getByTestId(`saved-missing-${savedId}`)).toContainText(`1 deleted (#${vae[2]})`);
    await shot(page, '04-deleted-run');
    await page.getByTestId('drop-deleted').click();
    await expect(page.getByTestId('deleted-runs')).toHaveCount(0);
    await expect(page.getByTestId(`saved-missing-${savedId}`)).toHaveCount(0);
    const c = (await call(page, 'comparisons:get', { comparisonId: savedId })) as {
      runIds: number[];
      missingRunIds: number[];
    };
    expect(c).toMatchObject({ runIds: vae.slice(0, 2), missingRunIds: [] });
  });

  test('two BNNs: the uncertainty panels side by side for every run', async ({ page }) => {
    await page.goto(server.openUrl);
    await page.getByTestId('sample-toy_gap').click();
    await expect(page.getByTestId('bnn-form')).toBeVisible({ timeout: 60_000 });
    const formUrl = page.url();
    for (const [name, hidden] of [
      ['gap 50', '50'],
      ['gap 20', '20'],
    ] as const) {
      await page.goto(formUrl);
      await expect(page.getByTestId('bnn-form')).toBeVisible({ timeout: 30_000 });
      await page.getByTestId('bnn-epochs').fill('60');
      await page.getByTestId('bnn-hidden').fill(hidden);
      await page.getByTestId('run-name').fill(name);
      await page.getByTestId('start-run').click();
      await expect(page).toHaveURL(/#\/runs\/\d+$/);
      bnn.push(Number(new URL(page.url()).hash.match(/runs\/(\d+)/)![1]));
    }
    await page.goto(`${server.url}/#/compare?runs=${bnn.join(',')}`);
    await expect(page.getByTestId('compare-runs').locator('[data-status="completed"]')).toHaveCount(2, {
      timeout: 120_000,
    });
    await expect(page.getByTestId('compare-bnn')).toBeVisible();
    await expect(page.getByTestId('compare-coverage-chart')).toBeVisible();
    for (const id of bnn) await expect(page.getByTestId(`compare-pva-${id}`)).toBeVisible();
    await expect(page.getByTestId('band-chart-0')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('band-chart-1')).toBeVisible();
    await expect(page.getByTestId('compare-config')).toContainText('hidden');
    await chartsDrawn(page);
    await shot(page, '05-bnn');
    // The report of this comparison holds the same charts (the bands under the report's own ids, not twice).
    const shown = await page
      .locator('.echart[data-chart-id]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-chart-id')!));
    expect(shown).toEqual(
      expect.arrayContaining([
        'compare-curves-chart',
        'compare-coverage-chart',
        ...bnn.map((id) => `compare-pva-${id}`),
        ...bnn.map((id) => `band-${id}`),
      ]),
    );
    const [dl] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.getByTestId('export-report').click(),
    ]);
    const html = fs.readFileSync((await dl.path())!, 'utf8');
    for (const id of shown) expect(html.split(`<figure data-chart="${id}">`).length - 1, id).toBe(1);
  });

  test('runs of different kinds get a clear message; the compare page lists saved comparisons and picks runs', async ({
    page,
  }) => {
    await page.goto(server.openUrl);
    await page.goto(`${server.url}/#/compare?runs=${vae[0]},${bnn[0]},${bnn[1]}`);
    const mixed = page.getByTestId('compare-mixed');
    await expect(mixed).toContainText('cannot be compared side by side');
    await expect(mixed).toContainText(`VAE (#${vae[0]}), BNN (#${bnn[0]}, #${bnn[1]})`);
    await expect(page.getByTestId('compare-general')).toHaveCount(0);
    await expect(page.getByTestId('save-comparison')).toHaveCount(0);
    await shot(page, '06-mixed');
    await page.getByTestId('compare-kind-bnn').click();
    await expect(page).toHaveURL(new RegExp(`runs=${bnn.join(',')}$`));

    // The compare page without runs: the saved list and a picker that keeps to one model kind.
    await page.getByTestId('nav-compare').click();
    await expect(page.getByTestId('saved-comparisons')).toContainText('Flows vs mean-field (tiny)');
    const picker = page.getByTestId('run-picker');
    await picker.locator(`tr[data-run-id="${bnn[0]}"]`).click();
    await expect(picker.locator(`tr[data-run-id="${vae[0]}"] input`)).toBeDisabled();
    await picker.locator(`tr[data-run-id="${bnn[1]}"]`).click();
    await shot(page, '07-picker');
    await page.getByTestId('picker-compare').click();
    await expect(page).toHaveURL(new RegExp(`runs=${bnn.join(',')}$`));
  });
});
