/**
 * The lake page and a run page in a real headless browser (Debian's `chromium`, driven by
 * puppeteer-core) after a real small local run: the calendar grid's cells, the charts drawn, the
 * links between the pages, and no console error. Skipped, saying so, where chromium is not
 * installed (.ci/run installs it).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { generateSample } from '../../examples/synapse/sample/generate';
import { lakestep } from '../helpers/cli';
import { tmpLake } from '../helpers/lake';

/** The browser: $CHROMIUM_PATH, else Debian's package paths. */
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string =>
  Boolean(p && existsSync(p)),
);

if (!CHROMIUM) {
  // eslint-disable-next-line no-console
  console.warn(
    "lakePage.browser.test: skipped — no chromium (install Debian's `chromium` package, as .ci/run does, or set CHROMIUM_PATH)",
  );
}
const describeWithBrowser = CHROMIUM ? describe : describe.skip;

describeWithBrowser('the lake page in a browser', () => {
  const lake = tmpLake('lakepage');
  let browser: Browser;
  const errors: string[] = [];

  /** A new tab that records console errors and uncaught exceptions into `errors`. */
  async function openTab(): Promise<Page> {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${(e as Error).message}`));
    return page;
  }

  beforeAll(async () => {
    await generateSample({
      lakeDir: lake,
      days: 2,
      start: '2024-03-04',
      recordsPerHour: 20,
      seed: 5,
      datasets: ['access_records'],
    });
    const run = await lakestep('run', '--lake', lake);
    expect(run.code).toBe(0);
    const puppeteer = await import('puppeteer-core');
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(lake, { recursive: true, force: true });
  });

  it('shows every table as a calendar grid with its charts, links to the run page and back, with no console error', async () => {
    const tab = await openTab();

    await tab.goto(pathToFileURL(join(lake, '_reports/index.html')).href, { waitUntil: 'load' });
    const grid = await tab.$$eval('section[data-table="access_records"] td.c', (cells) =>
      cells.map((c) => [c.getAttribute('data-day'), c.getAttribute('data-state')]),
    );
    const charts = await tab.$$eval('section[data-table="access_records"] svg.chart', (svgs) =>
      svgs.map((s) => ({
        series: s.getAttribute('data-series'),
        width: s.getBoundingClientRect().width,
        bars: s.querySelector('path')?.getAttribute('d')?.length ?? 0,
      })),
    );
    const runLink = await tab.$eval('#runs a', (a) => (a as unknown as { href: string }).href);
    await Promise.all([tab.waitForNavigation({ waitUntil: 'load' }), tab.click('#runs a')]);
    const runTitle = await tab.$eval('h1', (h) => h.textContent ?? '');
    const canvasDrawn = await tab.$eval('#daily-chart', (c) => {
      // the tsconfig has no DOM types: the canvas's few members this needs
      const canvas = c as unknown as {
        width: number;
        height: number;
        getContext(kind: '2d'): {
          getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
        };
      };
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      return canvas.width > 0 && pixels.some((v: number) => v !== 0);
    });
    await Promise.all([tab.waitForNavigation({ waitUntil: 'load' }), tab.click('#lake-link')]);
    const backAt = tab.url();

    // the sample's event days (and a lateness day either side) are on the calendar, ok
    expect(grid.filter(([, state]) => state === 'ok').map(([day]) => day)).toEqual(
      expect.arrayContaining(['2024-03-04', '2024-03-05']),
    );
    expect(grid.every(([day]) => /^\d{4}-\d{2}-\d{2}$/.test(day ?? ''))).toBe(true);
    expect(charts.map((c) => c.series)).toEqual(['rows', 'rejected']);
    expect(charts.every((c) => c.width > 100 && c.bars > 0)).toBe(true);
    expect(runLink).toMatch(/_reports\/run-[^/]+\.html$/);
    expect(runTitle).toContain('lakestep run run-');
    expect(canvasDrawn).toBe(true);
    expect(backAt).toMatch(/_reports\/index\.html$/);
    expect(errors).toEqual([]);
  });
});
