/**
 * What the specs share besides the server: the API caller with the launch token, waiting for a run to settle,
 * screenshots (whole page, or one section cut from it), waiting for charts to finish drawing (no fixed sleeps), and
 * the set-up most VAE specs start from: import a sample from the home screen and train a small VAE from its form.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, type Page } from '@playwright/test';
import type { E2eServer } from './server';
import type { RunSummary } from '../../src-shared/domain/types';

export const shotsDir = path.resolve(__dirname, '..', 'output');

/** POST /api/<channel> with the launch token; throws the server's message when it refuses. */
export function apiOf(server: () => E2eServer) {
  const call = async <T = unknown>(page: Page, channel: string, args: unknown): Promise<T> => {
    const s = server();
    const token = new URL(s.openUrl).searchParams.get('token')!;
    const r = await page.request.post(`${s.url}/api/${channel}`, {
      headers: { 'x-elbo-token': token, origin: s.url },
      data: args,
    });
    const body = (await r.json()) as { ok: boolean; result: unknown; error?: { message: string } };
    if (!body.ok) throw new Error(`${channel}: ${body.error?.message}`);
    return body.result as T;
  };
  /** The run once it has completed, failed or been cancelled. */
  const settled = async (page: Page, runId: number, timeout = 170_000): Promise<RunSummary> => {
    let run: RunSummary | null = null;
    await expect
      .poll(
        async () => {
          run = await call<RunSummary>(page, 'runs:get', { runId });
          return run.status;
        },
        { timeout, intervals: [250, 500, 1000] },
      )
      .toMatch(/completed|failed|cancelled/);
    return run!;
  };
  return { call, settled };
}

/** Every chart shown on the page has finished drawing (EChart.svelte sets `data-drawn` on ECharts' "finished"). */
export async function chartsDrawn(page: Page, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll<HTMLElement>('.echart')]
        .filter((el) => el.clientWidth > 0 && el.clientHeight > 0)
        .every((el) => el.dataset.drawn === 'true'),
    undefined,
    { timeout },
  );
}

async function scrolledToTop(page: Page): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForFunction(() => window.scrollY === 0);
}

/** Screenshots named `<prefix>-<name>.png` in e2e/output/. */
export function shooter(prefix: string) {
  fs.mkdirSync(shotsDir, { recursive: true });
  const file = (name: string) => path.join(shotsDir, `${prefix}-${name}.png`);
  return {
    /** The whole page (charts drawn first). */
    async shot(page: Page, name: string, o: { top?: boolean } = {}): Promise<void> {
      if (o.top) await scrolledToTop(page);
      await chartsDrawn(page);
      await page.screenshot({ path: file(name), fullPage: true });
    },
    /** One section, cut from a full-page screenshot (an element screenshot would put the sticky header over it). */
    async shotOf(page: Page, testid: string, name: string): Promise<void> {
      // At the top, the sticky header is drawn over the header area only, not over the section.
      await scrolledToTop(page);
      await chartsDrawn(page);
      const clip = await page.getByTestId(testid).evaluate((el) => {
        const r = el.getBoundingClientRect();
        return { x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height };
      });
      await page.screenshot({ path: file(name), fullPage: true, clip });
    },
  };
}

export const runIdOf = (url: string): number => Number(new URL(url).hash.match(/#\/runs\/(\d+)/)?.[1]);

export interface SampleVaeOptions {
  /** The sample card to import (default digits). */
  sample?: string;
  latentDim?: number;
  hidden?: string;
  epochs: number;
  evalK: number;
  name?: string;
  /** More settings on the form before starting. */
  configure?: (page: Page) => Promise<void>;
  /** Start a matched pair with this flow family (opens the compare view) instead of one run. */
  pairFlow?: string;
}

/**
 * "Try a sample" from the home screen, then a small VAE from its form. Returns the started run ids (one, or the pair)
 * and the form's URL (to start more runs on the same dataset). Does not wait for the runs to finish.
 */
export async function trainSampleVae(
  page: Page,
  server: E2eServer,
  o: SampleVaeOptions,
): Promise<{ ids: number[]; formUrl: string }> {
  await page.goto(server.openUrl);
  await page.getByTestId(`sample-${o.sample ?? 'digits'}`).click();
  await expect(page.getByTestId('vae-options')).toBeVisible({ timeout: 60_000 });
  const formUrl = page.url();
  if (o.latentDim !== undefined) await page.getByTestId('latent-dim').fill(String(o.latentDim));
  if (o.hidden !== undefined) await page.getByTestId('hidden-widths').fill(o.hidden);
  await page.getByTestId('epochs').fill(String(o.epochs));
  await page.getByTestId('eval-k').fill(String(o.evalK));
  if (o.name) await page.getByTestId('run-name').fill(o.name);
  await o.configure?.(page);
  if (o.pairFlow) {
    await page.getByTestId('pair-flow').selectOption(o.pairFlow);
    await page.getByTestId('start-pair').click();
    await expect(page).toHaveURL(/#\/compare\?runs=\d+,\d+/);
    const ids = (new URL(page.url()).hash.match(/runs=([\d,]+)/)?.[1] ?? '').split(',').map(Number);
    return { ids, formUrl };
  }
  await page.getByTestId('start-run').click();
  await expect(page).toHaveURL(/#\/runs\/\d+$/, { timeout: 30_000 });
  return { ids: [runIdOf(page.url())], formUrl };
}
