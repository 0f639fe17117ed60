// `npm run bench -- web`: the web view's cost. Page weight on the wire (what Chromium downloads for the
// page, compressed as served), API latency cold (a new map id: model run, JSON, compression) and warm
// (a known id: a cached body), and the time from navigation to the chart drawn in headless Chromium.
// Everything on loopback against the bundled sample, with the work pool as `liqmap web` runs it.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, get as httpGet } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import puppeteer from 'puppeteer-core';
import { systemClock } from '../src/clock.js';
import { startHttpServer } from '../src/http/server.js';
import { MapPipeline } from '../src/maps/map-pipeline.js';
import { RecordedMarketData } from '../src/market/recorded-market-data.js';
import { webRoutes } from '../src/web/web-routes.js';
import { createWorkPool } from '../src/workers/work-pool.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} cores, load average ${load()}`);
  const log = pino({ level: 'silent' });
  const pool = createWorkPool({ size: 2, log });
  const maps = new MapPipeline({ market: new RecordedMarketData('sample'), renderer: pool, models: pool, clock: systemClock, log });
  const http = await startHttpServer({ port: 0, host: '127.0.0.1', readiness: {}, routes: await webRoutes({ maps, clock: systemClock, log, rateLimitPerMinute: 1_000_000 }) });
  // Request sent → last byte received, as a browser would get it (brotli), on one keep-alive connection;
  // the bytes are counted, not decoded (decoding is the client's cost, measured in the browser below).
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const timed = (path: string) =>
    new Promise<{ ms: number; bytes: number }>((resolve, reject) => {
      const started = performance.now();
      httpGet(`${http.url}${path}`, { agent, headers: { 'accept-encoding': 'br, gzip' } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => (res.statusCode === 200 ? resolve({ ms: performance.now() - started, bytes }) : reject(new Error(`${path}: HTTP ${res.statusCode}`))));
      }).on('error', reject);
    });

  // API: the very first request reads the sample; then each range is a new map id over the cached bars.
  const first = await timed('/api/v1/heatmap?symbol=btc&window=7d&range=15');
  console.log(`\nAPI, first request after start (reads the sample, model run, JSON, compression): 7d heatmap ${ms(first.ms)}`);
  for (const kind of ['map', 'heatmap'] as const) {
    const cold: number[] = [];
    for (let range = 1; range <= 40; range++) if (range !== 15) cold.push((await timed(`/api/v1/${kind}?symbol=btc&window=7d&range=${range}`)).ms);
    const warm: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 300; i++) {
      const t = await timed(`/api/v1/${kind}?symbol=btc&window=7d&range=15`);
      warm.push(t.ms);
      bytes = t.bytes;
    }
    console.log(
      `API ${kind} 7d: cold (new id, ${cold.length}) median ${ms(quantile(cold, 0.5))} p95 ${ms(quantile(cold, 0.95))}; ` +
        `warm (300) median ${ms(quantile(warm, 0.5))} p95 ${ms(quantile(warm, 0.95))} p99 ${ms(quantile(warm, 0.99))}; ${kb(bytes)} on the wire (brotli)`,
    );
  }
  console.log(`load average ${load()}`);

  const profile = mkdtempSync(join(tmpdir(), 'liqmap-bench-chromium-'));
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, userDataDir: profile, args: FLAGS });
  try {
    // Page weight: every response of a first visit, bytes on the wire as Chromium counted them.
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 860 });
    const cdp = await page.createCDPSession();
    await cdp.send('Network.enable');
    const urls = new Map<string, string>();
    const sizes = new Map<string, number>();
    cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url));
    cdp.on('Network.loadingFinished', (e) => sizes.set(e.requestId, e.encodedDataLength));
    await page.goto(`${http.url}/h/btc?window=7d`);
    await page.waitForSelector('body[data-state="ready"]');
    let pageBytes = 0;
    let apiBytes = 0;
    const rows: string[] = [];
    for (const [id, url] of urls) {
      const size = sizes.get(id) ?? 0;
      const path = new URL(url).pathname;
      if (path.startsWith('/api/')) apiBytes += size;
      else pageBytes += size;
      rows.push(`  ${kb(size).padStart(10)}  ${path}`);
    }
    console.log(`\npage weight, first visit of /h/btc (compressed, headers included):\n${rows.join('\n')}`);
    console.log(`page (HTML, CSS, scripts, uPlot): ${kb(pageBytes)}; the 7d heatmap's data: ${kb(apiBytes)}`);
    await page.close();

    // Navigation → chart drawn (performance mark set by the page after uPlot's first draw), browser cache off.
    for (const [label, path] of [
      ['7d heatmap', '/h/btc?window=7d'],
      ['7d map', '/m/btc?window=7d'],
    ] as const) {
      const drawn: number[] = [];
      const interactive: number[] = [];
      const busy: number[] = [];
      for (let i = 0; i < 15; i++) {
        const p = await browser.newPage();
        await p.setViewport({ width: 1400, height: 860 });
        await p.setCacheEnabled(false);
        // Time the page's main thread was busy (Chromium's TaskDuration): the page's own work, without
        // the waits for the network; still wall time, so a busy machine stretches it too.
        const session = await p.createCDPSession();
        await session.send('Performance.enable');
        const taskSeconds = async () => (await session.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN;
        const before = await taskSeconds();
        await p.goto(`${http.url}${path}`);
        await p.waitForSelector('body[data-state="ready"]');
        const t = await p.evaluate(() => ({
          drawn: performance.getEntriesByName('liqmap:chart-drawn')[0]?.startTime ?? NaN,
          dom: ((performance.getEntriesByType as (type: string) => unknown[])('navigation')[0] as { domContentLoadedEventEnd: number }).domContentLoadedEventEnd,
        }));
        const task = ((await taskSeconds()) - before) * 1000;
        if (i > 0) {
          drawn.push(t.drawn);
          interactive.push(t.dom);
          busy.push(task);
        }
        await p.close();
      }
      console.log(
        `${label}: navigation → chart drawn median ${ms(quantile(drawn, 0.5))} p95 ${ms(quantile(drawn, 0.95))}; ` +
          `DOMContentLoaded median ${ms(quantile(interactive, 0.5))}; main-thread work median ${ms(quantile(busy, 0.5))} ` +
          `(14 loads, browser cache off, server warm; load average ${load()})`,
      );
    }
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
    await http.close();
    await pool.close();
    agent.destroy();
  }
  console.log(`load average ${load()}`);
}

await main();
