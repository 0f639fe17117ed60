// The real clients against the fake exchange, which enforces what the venues document (exclusive OKX
// bounds, per-endpoint limits, two-sided Bybit open interest, Binance weights): one test per defect of
// issue 11, each of which failed on the code before its fix.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseBarsCsv } from '../src/market/bars-csv.js';
import { LiquidationStream } from '../src/market/liquidation-stream.js';
import type { LiquidationEvent } from '../src/market/liquidation-events.js';
import { Recorder } from '../src/market/recorder.js';
import { liveAgainst, startFake, T0, TestClock } from './fake-exchange/harness.js';
import { barsFor } from './fake-exchange/market.js';
import { BINANCE_GEO_BLOCK, CLOUDFRONT_GEO_BLOCK, type FakeExchange, type RecordedRequest } from './fake-exchange/server.js';

const M5 = 300_000;
const M15 = 900_000;
let clock: TestClock;
let fake: FakeExchange;

beforeEach(async () => {
  clock = new TestClock();
  fake = await startFake(clock);
});
afterEach(async () => {
  await fake.stop();
});

/** The most requests of `requests` that fell within any `perMs` window. */
function busiestWindow(requests: RecordedRequest[], perMs: number): number {
  const at = requests.map((r) => r.at).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < at.length; i++) {
    while (at[j]! <= at[i]! - perMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('defect 1: Bybit open interest counted twice', () => {
  it('takes one side of Bybit open interest, as Binance and OKX report it', async () => {
    const data = await liveAgainst(fake, clock).getSeries({ symbol: 'btc', window: '7d', venues: ['bybit'] });
    const bars = data.venues[0]!.series.bars;
    const want = new Map(barsFor('bybit', 'BTC', M15).map((b) => [b.ts, b.oi]));
    expect(bars.length).toBe(672);
    for (const b of bars) expect(b.oi).toBeCloseTo(want.get(b.ts)!, 3);
  });
});

describe("defect 2: Binance's liquidation stream moved to /market", () => {
  it('the retired /ws path connects and stays silent; the /market path streams', async () => {
    const order = { e: 'forceOrder', E: 1, o: { s: 'BTCUSDT', S: 'SELL', o: 'LIMIT', f: 'IOC', q: '1', p: '60000', ap: '60000', X: 'FILLED', l: '1', z: '1', T: 1 } };
    const legacy: LiquidationEvent[] = [];
    const current: LiquidationEvent[] = [];
    const old = new LiquidationStream({ venue: 'binance', url: fake.legacyBinanceWsUrl, onEvent: (e) => legacy.push(e) });
    const now = new LiquidationStream({ venue: 'binance', url: fake.wsUrls.binance, onEvent: (e) => current.push(e) });
    old.start();
    now.start();
    try {
      await until(() => fake.openSockets('binance', 'legacy') === 1 && fake.openSockets('binance', 'market') === 1, 'both sockets');
      fake.push('binance', order);
      await until(() => current.length === 1, 'the event on /market');
      expect(legacy).toEqual([]);
    } finally {
      old.stop();
      now.stop();
    }
  });
});

describe('defect 3: OKX rubik begin/end are exclusive', () => {
  it('loses no row at a page edge: every bar has open interest, the newest closed bar included', async () => {
    const data = await liveAgainst(fake, clock).getSeries({ symbol: 'btc', window: '7d', venues: ['okx'] });
    const bars = data.venues[0]!.series.bars;
    expect(bars.length).toBe(672);
    expect(bars.filter((b) => b.oi === undefined).map((b) => new Date(b.ts).toISOString())).toEqual([]);
    expect(bars.at(-1)!.ts).toBe(Math.floor(T0 / M15) * M15 - M15);
    // Bounds one millisecond outside the rows wanted, so the rows at both edges come back.
    const pages = fake.requests.filter((r) => r.path.endsWith('/open-interest-history'));
    const first = pages.reduce((a, b) => (Number(a.query.begin) < Number(b.query.begin) ? a : b));
    expect(Number(first.query.begin)).toBe(bars[0]!.ts - 1);
  });

  it("reads a row's ts as the open of the bar whose closing open interest it holds", async () => {
    const data = await liveAgainst(fake, clock).getSeries({ symbol: 'btc', window: '1d', venues: ['okx'] });
    const want = new Map(barsFor('okx', 'BTC', M5).map((b) => [b.ts, b.oi]));
    for (const b of data.venues[0]!.series.bars) expect(b.oi).toBeCloseTo(want.get(b.ts)!, 6);
  });
});

describe('defect 4: OKX taker volume allows 5 requests per 2 s, open interest 10', () => {
  it.each(['7d', '30d'] as const)('paces a cold %s map instead of sending every page at once', async (window) => {
    const data = await liveAgainst(fake, clock).getSeries({ symbol: 'btc', window, venues: ['okx'] });
    expect(data.failed).toEqual([]);
    expect(fake.rateLimited('okx')).toEqual([]);
    const taker = fake.requests.filter((r) => r.path.endsWith('/taker-volume-contract'));
    expect(taker.length).toBeGreaterThan(5);
    expect(busiestWindow(taker, 2000)).toBeLessThanOrEqual(5);
    expect(busiestWindow(fake.requests.filter((r) => r.path.endsWith('/open-interest-history')), 2000)).toBeLessThanOrEqual(10);
    expect(data.venues[0]!.series.bars.every((b) => b.netTakerVolume !== undefined && b.oi !== undefined)).toBe(true);
  });
});

describe('point 6: risks settled from the documents', () => {
  it('Bybit risk tiers: a ratio stays a ratio however large (a 5x coin at 10% maintenance)', async () => {
    fake.bybit.riskTiers = [{ id: 1, symbol: 'BTCUSDT', riskLimitValue: '200000', maintenanceMargin: '0.1', initialMargin: '0.2', isLowestRisk: 1, maxLeverage: '5.00', mmDeduction: '' }];
    const data = await liveAgainst(fake, clock).getSeries({ symbol: 'btc', window: '1d', venues: ['bybit'] });
    expect(data.venues[0]!.spec).toEqual({ maintenanceMarginRate: 0.1, maxLeverage: 5 });
  });

  it('Binance: the budget counts weight as Binance does (klines with limit=1500 weigh 10)', async () => {
    const market = liveAgainst(fake, clock);
    await market.getSeries({ symbol: 'btc', window: '30d', venues: ['binance'] });
    const weights = fake.requests.filter((r) => r.venue === 'binance').map((r) => Number(r.query.limit === '1500' && r.path === '/fapi/v1/klines' ? 10 : r.path.startsWith('/futures/data') ? 0 : 1));
    expect(market.clients.get('binance')!.http.spent).toBe(weights.reduce((a, b) => a + b, 0));
    expect(fake.binance.weight.usedNow(clock.now())).toBe(market.clients.get('binance')!.http.spent);
  });

  it("Binance: respects X-MBX-USED-WEIGHT-1m when others on the IP spent the minute's weight, and says so", async () => {
    fake.binance.weight.others = 2300;
    const data = await liveAgainst(fake, clock).getSeries({ symbol: 'btc', window: '1d' });
    expect(fake.rateLimited('binance')).toEqual([]);
    expect(data.failed).toEqual([{ venue: 'binance', reason: expect.stringMatching(/rate limited: this IP has used 23\d\d of binance's 2400 request weight this minute; next request in \d+ s/) as string }]);
    expect(data.venues.map((v) => v.series.venue)).toEqual(['bybit', 'okx', 'hyperliquid']);
  });

  it('geo-blocks are named as such: Binance HTTP 451, Bybit CloudFront 403', async () => {
    fake.fault({ path: '/fapi/', kind: 'status', ...BINANCE_GEO_BLOCK, times: Infinity });
    fake.fault({ path: '/v5/', venue: 'bybit', kind: 'status', ...CLOUDFRONT_GEO_BLOCK, times: Infinity });
    const data = await liveAgainst(fake, clock).getSeries({ symbol: 'btc', window: '1d' });
    expect(data.failed).toEqual([
      { venue: 'binance', reason: 'exchangeInfo: geo-blocked: binance refuses requests from this country (HTTP 451)' },
      { venue: 'bybit', reason: 'instruments-info: geo-blocked: bybit refuses requests from this country (HTTP 403 from CloudFront)' },
    ]);
    expect(data.venues.map((v) => v.series.venue)).toEqual(['okx', 'hyperliquid']);
  });

  it('OKX contract size is ctVal × ctMult', async () => {
    const btc = fake.okx.instruments.find((i) => i.instId === 'BTC-USDT-SWAP')!;
    Object.assign(btc, { ctVal: '0.001', ctMult: '10' });
    const sizes = await liveAgainst(fake, clock).contractSizes();
    expect(sizes.get('BTC-USDT-SWAP')).toBeCloseTo(0.01, 12);
  });

  it('OKX rubik keeps the latest 1,440 rows: a long backfill skips older open interest with a note, and keeps the venue', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liqmap-venues-'));
    try {
      const recorder = new Recorder({ market: liveAgainst(fake, clock), symbol: 'btc', venues: ['okx'], intervalMs: M5, outDir: dir, clock, backfillMs: 7 * 86_400_000 });
      const step = await recorder.step();
      expect(step.failed).toEqual([]);
      expect(step.notes).toEqual([expect.stringMatching(/^okx: open interest and taker volume reach back 1440 bars only; bars before 2026-06-15T\d\d:\d\dZ have none$/) as string]);
      expect(fake.rateLimited('okx')).toEqual([]);
      const bars = parseBarsCsv(readFileSync(join(dir, 'okx-BTCUSDT-5m.csv'), 'utf8'), 'okx').bars;
      const floor = (Math.floor(T0 / M5) - 1438) * M5;
      expect(bars.length).toBe(7 * 288);
      expect(bars.filter((b) => b.ts < floor).every((b) => b.oi === undefined)).toBe(true);
      expect(bars.filter((b) => b.ts >= floor).every((b) => b.oi !== undefined)).toBe(true);
      for (const r of fake.requests.filter((q) => q.path.includes('/rubik/'))) expect(Number(q(r).end)).toBeGreaterThan(floor);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function q(r: RecordedRequest): Record<string, string> {
  return r.query;
}

describe('runtime guard', () => {
  it('leaves a venue whose open interest jumps 4× out of the aggregate and names it', async () => {
    const end = Math.floor(T0 / M15) * M15;
    fake.binance.oiJump = { fromTs: end, factor: 4 };
    const data = await liveAgainst(fake, clock).getSeries({ symbol: 'btc', window: '7d' });
    expect(data.venues.map((v) => v.series.venue)).toEqual(['bybit', 'okx', 'hyperliquid']);
    expect(data.failed).toEqual([{ venue: 'binance', reason: expect.stringMatching(/^left out: its open interest \$[\d.]+B is 4\.\d× its usual size against the other venues/) as string }]);
  });
});
