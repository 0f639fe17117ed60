/// <reference lib="dom" />
// The web view in a real browser: Debian's chromium, headless, driven by puppeteer-core, against the page
// served by the real routes over the bundled sample. Checks that each chart drew, that hovering a known
// bucket or cell shows its numbers, that toggles rewrite the address and reload the data, that a hostile
// symbol stays text, and that the Content-Security-Policy blocks nothing the page needs. Screenshots go
// to test/output/ (git-ignored) to be looked at.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCURACY_BAR_MS, formatAccuracyReport, scoreAccuracy, type AccuracyBar, type AccuracyReport } from '../src/analysis/accuracy.js';
import { formatPrice, formatUsd } from '../src/analysis/format.js';
import type { Heatmap, LiquidationMap } from '../src/analysis/types.js';
import { startHttpServer, type HttpServer } from '../src/http/server.js';
import { MapPipeline } from '../src/maps/map-pipeline.js';
import { inlineModelRunner } from '../src/maps/model-runner.js';
import { RecordedMarketData } from '../src/market/recorded-market-data.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { webRoutes } from '../src/web/web-routes.js';
import { FakeRenderer } from './fakes/bot-services.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// As /work/.library/env/machines/node.md: no background networking on a machine without internet.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const OUTPUT = join(PROJECT_ROOT, 'test', 'output');
const NOW = Date.UTC(2026, 5, 22, 12, 7);
const DAY_MS = 86_400_000;

let http: HttpServer;
let browser: Browser;
let profile: string;
let maps: MapPipeline;
const consoleErrors: string[] = [];

beforeAll(async () => {
  const log = pino({ level: 'silent' });
  const clock = { now: () => NOW };
  maps = new MapPipeline({ market: new RecordedMarketData('sample'), renderer: new FakeRenderer(), models: inlineModelRunner, clock, log });
  http = await startHttpServer({ port: 0, host: '127.0.0.1', readiness: {}, routes: await webRoutes({ maps, clock, log, rateLimitPerMinute: 10_000 }) });
  profile = mkdtempSync(join(tmpdir(), 'liqmap-chromium-'));
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, userDataDir: profile, args: FLAGS });
  mkdirSync(OUTPUT, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await http?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** API requests each page made, by path. */
const apiRequests = new WeakMap<Page, string[]>();

async function open(path: string): Promise<Page> {
  const page = await browser.newPage();
  const requests: string[] = [];
  apiRequests.set(page, requests);
  page.on('request', (r) => {
    if (r.url().includes('/api/')) requests.push(r.url().slice(http.url.length));
  });
  await page.setViewport({ width: 1400, height: 860 });
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy|Refused/i.test(m.text())) consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(`${http.url}${path}`);
  await page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
  return page;
}

/** Share of the plot area's pixels that are bright (bars, cells, curves): the grid and the card are dark. */
function drawnShare(page: Page): Promise<number> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('#chart canvas')!;
    const over = document.querySelector('#chart .u-over')!.getBoundingClientRect();
    const box = canvas.getBoundingClientRect();
    const k = canvas.width / box.width;
    const data = canvas.getContext('2d')!.getImageData((over.left - box.left) * k, (over.top - box.top) * k, over.width * k, over.height * k).data;
    let bright = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 0 && Math.max(data[i]!, data[i + 1]!, data[i + 2]!) > 80) bright++;
    return bright / (data.length / 4);
  });
}

/** The chart, not an overlay, is what a pointer at the plot's centre reaches. */
function chartOnTop(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const r = document.querySelector('#chart .u-over')!.getBoundingClientRect();
    return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)?.classList.contains('u-over') ?? false;
  });
}

async function hover(page: Page, a: number, b: number): Promise<string> {
  const at = await page.evaluate((x, y) => (window as unknown as { liqmapChart: { pointAt(a: number, b: number): { x: number; y: number } } }).liqmapChart.pointAt(x, y), a, b);
  await page.mouse.move(at.x, at.y);
  await page.waitForSelector('#tooltip:not([hidden])');
  return page.$eval('#tooltip', (t) => t.textContent ?? '');
}

const bodyOf = async <T>(path: string): Promise<T> => (await fetch(`${http.url}${path}`)).json() as Promise<T>;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const utc = (ms: number) => {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())} UTC`;
};

describe('the map view in Chromium', () => {
  it('draws the bars and curves and shows a known bucket on hover', async () => {
    const page = await open('/m/btc?venue=all&window=7d&range=15');
    expect(await page.$eval('body', (b) => b.dataset.state)).toBe('ready');
    expect(await drawnShare(page)).toBeGreaterThan(0.03);
    expect(await chartOnTop(page)).toBe(true);
    expect(await page.$eval('#title', (t) => t.textContent)).toBe('BTCUSDT liquidation mapestimated');
    expect(await page.$eval('.disclaimer', (t) => t.textContent)).toBe('Estimated liquidation levels — not financial advice');
    // The address names the canonical view.
    expect(page.url()).toBe(`${http.url}/m/BTCUSDT?venue=all&window=7d&range=15`);
    // The data was fetched once: the page's Link preload and its script asked for the same URL.
    expect(apiRequests.get(page)).toEqual(['/api/v1/map?symbol=btc&venue=all&window=7d&range=15']);

    const { map } = await bodyOf<{ map: LiquidationMap }>('/api/v1/map?symbol=BTCUSDT&window=7d&range=15');
    const inRange = map.buckets.filter((b) => b.priceLow >= map.rangeLow && b.priceHigh <= map.rangeHigh);
    const biggest = inRange.reduce((a, b) => (b.longUsd + b.shortUsd > a.longUsd + a.shortUsd ? b : a));
    const text = await hover(page, (biggest.priceLow + biggest.priceHigh) / 2, (biggest.longUsd + biggest.shortUsd) / 2);
    const d = 0;
    expect(text).toContain(`${formatPrice(biggest.priceLow, d)} – ${formatPrice(biggest.priceHigh, d)}`);
    const side = biggest.shortUsd > 0 ? { usd: biggest.shortUsd, cum: biggest.shortCumulativeUsd, name: 'Shorts' } : { usd: biggest.longUsd, cum: biggest.longCumulativeUsd, name: 'Longs' };
    expect(text).toContain(`${side.name} liquidated here${formatUsd(side.usd)}`);
    expect(text).toContain(`${side.name} from price to here${formatUsd(side.cum)}`);
    await page.screenshot({ path: join(OUTPUT, 'web-map.png') });
    await page.close();
  });

  it('toggles rewrite the address and load other numbers; Back restores the view', async () => {
    const page = await open('/m/btc');
    const firstId = await page.$eval('body', (b) => b.dataset.mapId);
    expect(firstId).toBe(maps.idOf('map', await maps.resolve({ symbol: 'btc' })));
    await page.click('#window button[data-window="1d"]');
    await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.body.dataset.mapId?.includes(':1d:'));
    expect(page.url()).toBe(`${http.url}/m/BTCUSDT?venue=all&window=1d&range=15`);
    const id1d = await page.$eval('body', (b) => b.dataset.mapId);
    expect(id1d).toBe(maps.idOf('map', await maps.resolve({ symbol: 'btc', window: '1d' })));
    // The stats follow the data: shorts above of the 1d map, as the API gives it.
    const { map, ratioText } = await bodyOf<{ map: LiquidationMap; ratioText: string }>('/api/v1/map?symbol=BTCUSDT&window=1d');
    expect(await page.$eval('#stats', (s) => s.textContent)).toContain(`Shorts above${formatUsd(map.shortAbove)}`);
    // The ratio's figure on its own line ("1.1:1"), its word ("short-heavy") beneath: nothing cut.
    const [figure, word] = ratioText.split(' ');
    const ratioCard = await page.$$eval('#stats .stat', (cards) => cards.map((c) => Array.from(c.children, (e) => e.textContent)).find((t) => t[0] === 'Ratio'));
    expect(ratioCard?.[1]).toBe(figure);
    expect(ratioCard?.[2]).toMatch(new RegExp(`^${word} · shorts above : longs below$`));

    await page.select('#venue', 'binance');
    await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.body.dataset.mapId?.includes(':binance:'));
    expect(page.url()).toBe(`${http.url}/m/BTCUSDT?venue=binance&window=1d&range=15`);
    await page.select('#range', '5');
    await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.body.dataset.mapId?.endsWith(':5'));
    expect(page.url()).toBe(`${http.url}/m/BTCUSDT?venue=binance&window=1d&range=5`);

    await page.goBack();
    await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.body.dataset.mapId?.endsWith(':15'));
    expect(page.url()).toBe(`${http.url}/m/BTCUSDT?venue=binance&window=1d&range=15`);
    expect(await page.$eval('#range', (s) => (s as HTMLSelectElement).value)).toBe('15');

    // A venue the sample lacks: the pipeline's message, shown as text, and the address still says what was asked.
    await page.select('#venue', 'okx');
    await page.waitForSelector('body[data-state="error"]');
    expect(await page.$eval('#message', (m) => m.textContent)).toContain('has no data from okx');
    expect(page.url()).toContain('venue=okx');
    await page.close();
  });

  it('a fixed colour scale is applied and kept in the address', async () => {
    const page = await open('/m/btc?scale=500M');
    expect(await page.$eval('#legend', (l) => l.textContent)).toContain('Scale fixed at $500M per bucket');
    expect(page.url()).toContain('scale=500M');
    await page.click('#tab-heatmap');
    await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.body.dataset.mapId?.startsWith('heatmap:'));
    expect(page.url()).toBe(`${http.url}/h/BTCUSDT?venue=all&window=7d&range=15&scale=500M`);
    expect(await page.$eval('#legend', (l) => l.textContent)).toContain('$500M per bucket');
    await page.close();
  });
});

describe('the heatmap view in Chromium', () => {
  it('draws the cells, zooms and pans both axes, and shows time, price, USD and the sweep of a hovered cell', async () => {
    const page = await open('/h/btc?window=7d');
    expect(await drawnShare(page)).toBeGreaterThan(0.2);
    expect(await chartOnTop(page)).toBe(true);
    const { heatmap: h } = await bodyOf<{ heatmap: Omit<Heatmap, 'usd'> & { usd: number[] } }>('/api/v1/heatmap?symbol=BTCUSDT&window=7d');
    const last = h.ts.length - 1;
    const pointAt = (a: number, b: number) =>
      page.evaluate((x: number, y: number) => (window as unknown as { liqmapChart: { pointAt(a: number, b: number): { x: number; y: number } } }).liqmapChart.pointAt(x, y), a, b);
    const mid = { t: h.ts[Math.floor(last / 2)]!, p: h.priceLow + (h.rows / 2) * h.bucketSize };
    // Wheel events reach the page asynchronously: wait until the data's corner has moved on screen.
    const wheel = async (deltaY: number, shift = false) => {
      const corner = await pointAt(h.ts[0]!, h.priceLow);
      if (shift) await page.keyboard.down('Shift');
      await page.mouse.wheel({ deltaY });
      if (shift) await page.keyboard.up('Shift');
      await page.waitForFunction(
        (t: number, p: number, x: number, y: number) => {
          const at = (window as unknown as { liqmapChart: { pointAt(a: number, b: number): { x: number; y: number } } }).liqmapChart.pointAt(t, p);
          return at.x !== x || at.y !== y;
        },
        {},
        h.ts[0]!,
        h.priceLow,
        corner.x,
        corner.y,
      );
    };

    // Zoom: the wheel narrows time around the pointer (the first bar leaves the left edge), Shift+wheel the price.
    const before = await pointAt(h.ts[0]!, h.priceLow);
    const centre = await pointAt(mid.t, mid.p);
    await page.mouse.move(centre.x, centre.y);
    await wheel(-400);
    const zoomedX = await pointAt(h.ts[0]!, h.priceLow);
    expect(zoomedX.x).toBeLessThan(before.x - 50);
    expect(zoomedX.y).toBeCloseTo(before.y, 0);
    await wheel(-400, true);
    expect((await pointAt(h.ts[0]!, h.priceLow)).y).toBeGreaterThan(before.y + 20);
    // Dragging pans: the same time and price move with the pointer.
    const held = await pointAt(mid.t, mid.p);
    await page.mouse.move(held.x, held.y);
    await page.mouse.down();
    await page.mouse.move(held.x + 100, held.y + 40, { steps: 4 });
    await page.mouse.up();
    const moved = await pointAt(mid.t, mid.p);
    expect(Math.abs(moved.x - (held.x + 100))).toBeLessThan(2);
    expect(Math.abs(moved.y - (held.y + 40))).toBeLessThan(2);
    await page.click('#reset-zoom');
    expect(await pointAt(h.ts[0]!, h.priceLow)).toEqual(before);

    // 672 bars on ~1,240 pixels: zoom in on a cell before pointing at it.
    const zoomOn = async (t: number, p: number) => {
      await page.click('#reset-zoom');
      for (const shift of [false, true]) {
        for (let i = 0; i < 8; i++) {
          const at = await pointAt(t, p);
          await page.mouse.move(at.x, at.y);
          await wheel(-200, shift);
        }
      }
      return hover(page, t, p);
    };

    // A level the largest sweep took: hovered one bar before it, it says when it was swept.
    const sweep = h.sweeps.reduce((a, b) => (b.usd > a.usd ? b : a));
    const c = h.ts.indexOf(sweep.ts) - 1;
    const r = Array.from({ length: h.rows }, (_, k) => k).find((k) => {
      const low = h.priceLow + k * h.bucketSize;
      const centreOf = low + h.bucketSize / 2;
      return low >= sweep.priceLow && low + h.bucketSize <= sweep.priceHigh && (sweep.side === 'long' ? centreOf < h.close[c]! : centreOf > h.close[c]!) && h.usd[c * h.rows + k]! > 0;
    })!;
    const low = h.priceLow + r * h.bucketSize;
    const firstSweep = h.sweeps.find((s) => s.ts > h.ts[c]! && s.side === sweep.side && s.priceLow < low + h.bucketSize && s.priceHigh >= low)!;
    const swept = await zoomOn(h.ts[c]! + h.intervalMs / 2, low + h.bucketSize / 2);
    expect(swept).toContain(utc(h.ts[c]!));
    expect(swept).toContain(`${formatPrice(low, 0)} – ${formatPrice(low + h.bucketSize, 0)}`);
    expect(swept).toContain(`${sweep.side === 'long' ? 'Longs' : 'Shorts'} liquidated here${formatUsd(h.usd[c * h.rows + r]!)}`);
    expect(swept).toContain(`Swept${utc(firstSweep.ts)}`);

    // The densest level of the last bar: nothing after it, so not swept.
    let top = 0;
    for (let k = 1; k < h.rows; k++) if (h.usd[last * h.rows + k]! > h.usd[last * h.rows + top]!) top = k;
    const unswept = await zoomOn(h.ts[last]! + h.intervalMs / 2, h.priceLow + (top + 0.5) * h.bucketSize);
    expect(unswept).toContain(utc(h.ts[last]!));
    expect(unswept).toContain(`liquidated here${formatUsd(h.usd[last * h.rows + top]!)}`);
    expect(unswept).toContain('Not swept');

    await page.click('#reset-zoom');
    await hover(page, h.ts[last - 40]!, h.priceLow + (top + 0.5) * h.bucketSize);
    await page.screenshot({ path: join(OUTPUT, 'web-heatmap.png') });
    await page.close();
  });
});

describe('the map\'s accuracy on the page', () => {
  /** A day of 15-minute bars with predictions and realized liquidations, scored as the bot scores them. */
  function dayOfScores(): AccuracyReport {
    const bars: AccuracyBar[] = Array.from({ length: 96 }, (_, i) => {
      const pred = ((i * 7) % 11) * 1e6;
      return { ts: NOW - DAY_MS + i * ACCURACY_BAR_MS, predLongUsd: pred, predShortUsd: pred / 2, naiveLongUsd: 1e6, naiveShortUsd: 1e6, oiUsd: 5e9, realizedLongUsd: pred / 3, realizedShortUsd: (i % 4) * 1e5 };
    });
    return scoreAccuracy({ symbol: 'BTCUSDT', venues: [{ venue: 'binance', bars }], through: NOW });
  }

  it('a server that keeps the scores shows them under the chart; one that does not asks for nothing', async () => {
    const plain = await open('/m/btc');
    expect(apiRequests.get(plain)!.some((r) => r.includes('/api/v1/accuracy'))).toBe(false);
    expect(await plain.$eval('#accuracy', (e) => (e as HTMLElement).hidden)).toBe(true);
    await plain.close();

    const report = dayOfScores();
    const log = pino({ level: 'silent' });
    const clock = { now: () => NOW };
    const accuracy = { symbols: ['BTCUSDT'], report: async () => report };
    const scoring = await startHttpServer({ port: 0, host: '127.0.0.1', readiness: {}, routes: await webRoutes({ maps, clock, log, rateLimitPerMinute: 10_000, accuracy }) });
    try {
      const page = await browser.newPage();
      await page.goto(`${scoring.url}/m/btc`);
      await page.waitForSelector('#accuracy:not([hidden])');
      const shown = await page.$eval('#accuracy', (e) => ({ title: e.querySelector('h2')!.textContent, text: e.querySelector('pre')!.textContent }));
      const expected = formatAccuracyReport(report);
      expect(shown.title).toBe(expected.title);
      expect(shown.text).toBe(expected.lines.join('\n'));
      expect(shown.text).toMatch(/Spearman/);
      await page.setViewport({ width: 1400, height: 1300 });
      await page.screenshot({ path: join(OUTPUT, 'web-accuracy.png') });
      await page.close();
    } finally {
      await scoring.close();
    }
  });
});

describe('safety in Chromium', () => {
  it('shows a hostile symbol as text: no element made from it, no script run', async () => {
    let dialogs = 0;
    const page = await browser.newPage();
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await page.goto(`${http.url}/m/${encodeURIComponent('<img src=x onerror=alert(1)>')}`);
    await page.waitForSelector('body[data-state="error"]');
    expect(await page.$eval('#symbol', (i) => (i as HTMLInputElement).value)).toBe('<img src=x onerror=alert(1)>');
    expect(await page.$eval('#title', (t) => t.textContent)).toContain('<IMG SRC=X ONERROR=ALERT(1)>');
    expect(await page.$eval('#message', (m) => m.textContent)).toContain('"<img src=x onerror=alert…" is not a symbol.');
    expect(await page.evaluate(() => document.querySelectorAll('img, [onerror]').length)).toBe(0);
    expect(dialogs).toBe(0);
    await page.close();
  });

  it('an unknown symbol offers the closest ones as links', async () => {
    const page = await open('/h/btcusd');
    expect(await page.$eval('#message', (m) => m.textContent)).toContain('btcusd: no such market in source sample');
    expect(await page.$$eval('#message a', (links) => links.map((a) => [a.textContent, (a as HTMLAnchorElement).href]))).toEqual([
      ['BTCUSDT', `${http.url}/h/BTCUSDT?venue=all&window=7d&range=15`],
    ]);
    await page.close();
  });

  it('nothing was blocked by the Content-Security-Policy and no script failed', () => {
    // Runs last in this file: the pages above reported into consoleErrors. The 400/404 of the refused
    // symbols above are the only failed loads ("Failed to load resource").
    expect(consoleErrors.filter((e) => !/Failed to load resource: the server responded with a status of (400|404)/.test(e))).toEqual([]);
  });
});
