import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildMap } from '../src/analysis/build-map.js';
import type { UserError } from '../src/errors.js';
import { MarketUnavailableError } from '../src/market/live-market-data.js';
import { toModelRequest } from '../src/market/market-data.js';
import { UnknownSymbolError } from '../src/market/symbol-catalogue.js';
import { liveAgainst, startFake, T0, TestClock } from './fake-exchange/harness.js';
import { barsFor } from './fake-exchange/market.js';
import type { FakeExchange } from './fake-exchange/server.js';

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

/** The fake's own bars of the 7d window closed by T0, to compare with what the client fetched. */
function expected7d(venue: string) {
  const end = Math.floor(T0 / M15) * M15;
  return barsFor(venue, 'BTC', M15).filter((b) => b.ts >= end - 7 * 86_400_000 && b.ts + M15 <= end);
}

describe('live market data against the fake exchange', () => {
  it('fetches the right bars from all three venues, joined with open interest and taker flow', async () => {
    const market = liveAgainst(fake, clock);
    const data = await market.getSeries({ symbol: 'btc', window: '7d' });
    expect(data.failed).toEqual([]);
    expect(data.venues.map((v) => v.series.venue)).toEqual(['binance', 'bybit', 'okx', 'hyperliquid']);
    for (const v of data.venues.slice(0, 3)) {
      const want = expected7d(v.series.venue);
      expect(v.series.intervalMs).toBe(M15);
      expect(v.series.bars.length).toBe(672);
      expect(v.series.bars.map((b) => b.ts)).toEqual(want.map((b) => b.ts));
      const i = 100;
      const got = v.series.bars[i]!;
      expect(got.close).toBeCloseTo(want[i]!.close, 6);
      expect(got.high).toBeCloseTo(want[i]!.high, 6);
      expect(got.oi).toBeCloseTo(want[i]!.oi, 3);
      for (const b of v.series.bars) for (const x of Object.values(b)) expect(Number.isFinite(x)).toBe(true);
    }
    const [binance, bybit, okx] = data.venues;
    expect(binance!.series.bars[5]!.takerBuyVolume).toBeCloseTo(expected7d('binance')[5]!.takerBuyVolume, 3);
    expect(binance!.series.bars[5]!.oiUsd).toBeCloseTo(expected7d('binance')[5]!.oiUsd, 0);
    expect(bybit!.series.bars[5]!.takerBuyVolume).toBeUndefined();
    const o = expected7d('okx')[5]!;
    expect(okx!.series.bars[5]!.netTakerVolume).toBeCloseTo(2 * o.takerBuyVolume - o.volume, 3);
    expect(binance!.spec).toEqual({ maxLeverage: 125, maintenanceMarginRate: 0.004 });
    expect(bybit!.spec).toEqual({ maxLeverage: 100, maintenanceMarginRate: 0.005 });
    expect(okx!.spec).toEqual({ maxLeverage: 100, maintenanceMarginRate: 0.004 });
    // Hyperliquid: its candles; its open interest, of which it keeps no history, read once now and
    // carried back over the window; maintenance margin half the initial margin at 40x.
    const hl = data.venues[3]!;
    const hlWant = expected7d('hyperliquid');
    expect(hl.series.bars.map((b) => b.ts)).toEqual(hlWant.map((b) => b.ts));
    expect(hl.series.bars[100]!.close).toBeCloseTo(hlWant[100]!.close, 6);
    expect(new Set(hl.series.bars.map((b) => b.oi)).size).toBe(1);
    expect(hl.spec).toEqual({ maxLeverage: 40, maintenanceMarginRate: 1 / 80 });
    expect(data.notes).toContain('hyperliquid: BTC perpetual settled in USDC (shown as BTCUSDT)');
    const map = buildMap(toModelRequest(data, { window: '7d' }));
    expect(map.meta.venues.map((v) => v.venue)).toEqual(['binance', 'bybit', 'okx', 'hyperliquid']);
    expect(map.shortAbove + map.longBelow).toBeGreaterThan(0);
  });

  it('refreshes with one request per venue and series, fetching only the new bar', async () => {
    const market = liveAgainst(fake, clock);
    await market.getSeries({ symbol: 'btc', window: '7d' });
    const cold = fake.requests.length;
    await market.getSeries({ symbol: 'btc', window: '7d' });
    expect(fake.requests.length).toBe(cold); // same bar: served from the cache
    clock.advance(M15);
    const before = fake.requests.length;
    const data = await market.getSeries({ symbol: 'btc', window: '7d' });
    const refresh = fake.requests.slice(before);
    expect(refresh.map((r) => r.path).sort()).toEqual(
      ['/api/v5/market/candles', '/api/v5/rubik/stat/contracts/open-interest-history', '/api/v5/rubik/stat/taker-volume-contract', '/fapi/v1/klines', '/futures/data/openInterestHist', '/v5/market/kline', '/v5/market/open-interest'].sort(),
    );
    const klines = refresh.find((r) => r.path === '/fapi/v1/klines')!;
    expect(Number(klines.query.startTime)).toBe(Math.floor(T0 / M15) * M15);
    for (const v of data.venues) {
      expect(v.series.bars.length).toBe(672);
      expect(v.series.bars.at(-1)!.ts).toBe(Math.floor(T0 / M15) * M15);
    }
  });

  it('shares one fetch among concurrent callers', async () => {
    const market = liveAgainst(fake, clock);
    const all = await Promise.all(Array.from({ length: 5 }, () => market.getSeries({ symbol: 'BTCUSDT', window: '1d' })));
    const single = fake.requests.length;
    expect(all.every((d) => d.venues.length === 4)).toBe(true);
    // A second client on the same IP: past OKX's 2-second windows, so the fake's limits do not refuse it.
    clock.advance(2200);
    const other = liveAgainst(fake, clock);
    const before = fake.requests.length;
    await other.getSeries({ symbol: 'btc', window: '1d' });
    expect(fake.requests.length - before).toBe(single);
  });

  it('resolves every spelling to one market and suggests the closest for an unknown one', async () => {
    const market = liveAgainst(fake, clock);
    for (const s of ['btc', 'BTC', 'btcusdt', 'BTC-USDT-SWAP', 'btc/usdt']) expect((await market.resolveSymbol(s)).symbol).toBe('BTCUSDT');
    const err = await market.resolveSymbol('sool').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownSymbolError);
    expect((err as UserError).text).toMatch(/closest: .*SOLUSDT/);
    await expect(market.getSeries({ symbol: 'ethh', window: '1d' })).rejects.toThrow(/no such market/);
    expect((await market.searchSymbols('so')).map((l) => l.symbol)).toContain('SOLUSDT');
    expect((await market.searchSymbols('')).length).toBeGreaterThan(5);
  });

  it('maps a symbol listed on only some venues from those and says which lack it', async () => {
    const market = liveAgainst(fake, clock);
    const data = await market.getSeries({ symbol: 'doge', window: '1d' });
    expect(data.venues.map((v) => v.series.venue)).toEqual(['binance', 'bybit']);
    expect(data.failed).toEqual([{ venue: 'okx', reason: 'does not list DOGEUSDT' }, { venue: 'hyperliquid', reason: 'does not list DOGEUSDT' }]);
    const map = buildMap(toModelRequest(data, { window: '1d' }));
    expect(map.meta.venuesFailed).toEqual([{ venue: 'okx', reason: 'does not list DOGEUSDT' }, { venue: 'hyperliquid', reason: 'does not list DOGEUSDT' }]);
  });

  it('honours 429 Retry-After and then answers', async () => {
    fake.fault({ path: '/fapi/v1/klines', kind: 'status', status: 429, headers: { 'retry-after': '2' } });
    const market = liveAgainst(fake, clock);
    const data = await market.getSeries({ symbol: 'btc', window: '1d', venues: ['binance'] });
    expect(data.venues[0]!.series.bars.length).toBe(288);
    expect(clock.sleeps).toContain(2000);
  });

  it('stops asking a venue that answered 418 until the ban ends, and the others still answer', async () => {
    fake.fault({ path: '/fapi/v1/klines', kind: 'status', status: 418, headers: { 'retry-after': '3600' } });
    const market = liveAgainst(fake, clock);
    const data = await market.getSeries({ symbol: 'btc', window: '1d' });
    expect(data.venues.map((v) => v.series.venue)).toEqual(['bybit', 'okx', 'hyperliquid']);
    expect(data.failed[0]!.venue).toBe('binance');
    expect(data.failed[0]!.reason).toMatch(/banned.*418/);
    expect(fake.count('/fapi/v1/klines')).toBe(1); // a ban is not retried
    clock.advance(M15);
    const again = await market.getSeries({ symbol: 'btc', window: '1d' });
    expect(again.failed[0]!.reason).toMatch(/told to wait/);
    expect(fake.count('/fapi/v1/klines')).toBe(1);
  });

  it("pauses Bybit for 10 minutes after its '403 access too frequent'", async () => {
    fake.fault({ path: '/v5/market/kline', kind: 'status', status: 403, body: 'access too frequent' });
    const market = liveAgainst(fake, clock);
    const data = await market.getSeries({ symbol: 'btc', window: '1d', venues: ['bybit', 'okx'] });
    expect(data.failed).toEqual([{ venue: 'bybit', reason: 'kline: access too frequent (HTTP 403), pausing 10 min' }]);
    clock.advance(5 * 60_000);
    const sent = fake.countByVenue().bybit;
    expect((await market.getSeries({ symbol: 'btc', window: '1d', venues: ['bybit', 'okx'] })).failed[0]!.reason).toMatch(/told to wait/);
    expect(fake.countByVenue().bybit).toBe(sent);
    clock.advance(6 * 60_000);
    expect((await market.getSeries({ symbol: 'btc', window: '1d', venues: ['bybit', 'okx'] })).failed).toEqual([]);
  });

  it('retries 500s with backoff and gives up with a clear reason when they persist', async () => {
    fake.fault({ path: '/v5/market/kline', kind: 'status', status: 500, times: 2 });
    const market = liveAgainst(fake, clock);
    const ok = await market.getSeries({ symbol: 'btc', window: '1d', venues: ['bybit'] });
    expect(ok.venues[0]!.series.bars.length).toBe(288);
    expect(clock.sleeps.filter((ms) => ms > 0).length).toBeGreaterThanOrEqual(2);

    fake.fault({ path: '/v5/market/kline', kind: 'status', status: 503, times: Infinity });
    const fresh = liveAgainst(fake, clock);
    const data = await fresh.getSeries({ symbol: 'btc', window: '1d' });
    expect(data.failed).toEqual([{ venue: 'bybit', reason: 'kline: HTTP 503' }]);
    expect(data.venues.length).toBe(3);
  });

  it('times out a slow response and retries', async () => {
    fake.fault({ path: '/api/v5/market/candles', kind: 'slow', delayMs: 1500 });
    const market = liveAgainst(fake, clock, { timeoutMs: 300 });
    const data = await market.getSeries({ symbol: 'btc', window: '1d', venues: ['okx'] });
    expect(data.venues[0]!.series.bars.length).toBe(288);
    expect(fake.count('/api/v5/market/candles')).toBe(2);
  });

  it('retries a dropped connection, and names a venue that never answers in time', async () => {
    fake.fault({ path: '/v5/market/kline', kind: 'reset' });
    const ok = await liveAgainst(fake, clock).getSeries({ symbol: 'btc', window: '1d', venues: ['bybit'] });
    expect(ok.venues[0]!.series.bars.length).toBe(288);
    expect(fake.count('/v5/market/kline')).toBe(2);

    fake.fault({ path: '/api/v5/market/candles', kind: 'slow', delayMs: 800, times: Infinity });
    const data = await liveAgainst(fake, clock, { timeoutMs: 200, retries: 1 }).getSeries({ symbol: 'btc', window: '1d' });
    expect(data.failed).toEqual([{ venue: 'okx', reason: 'candles: no answer within 200 ms' }]);
    expect(data.venues.map((v) => v.series.venue)).toEqual(['binance', 'bybit', 'hyperliquid']);
  });

  it('treats truncated JSON as an error, retries it, and names venue and endpoint when it persists', async () => {
    fake.fault({ path: '/futures/data/openInterestHist', kind: 'truncated' });
    const market = liveAgainst(fake, clock);
    const ok = await market.getSeries({ symbol: 'btc', window: '1d', venues: ['binance'] });
    expect(ok.venues[0]!.series.bars.every((b) => b.oi !== undefined)).toBe(true);

    fake.fault({ path: '/futures/data/openInterestHist', kind: 'truncated', times: Infinity });
    const data = await liveAgainst(fake, clock).getSeries({ symbol: 'btc', window: '1d' });
    expect(data.failed).toEqual([{ venue: 'binance', reason: expect.stringMatching(/^openInterestHist: malformed JSON/) }]);
  });

  it('treats Bybit retCode ≠ 0 with HTTP 200 as an error', async () => {
    fake.fault({ path: '/v5/market/open-interest', kind: 'bybit-retcode', times: Infinity });
    const data = await liveAgainst(fake, clock).getSeries({ symbol: 'btc', window: '1d' });
    expect(data.failed).toEqual([{ venue: 'bybit', reason: 'open-interest: retCode 10016: Service error' }]);
    expect(fake.count('/v5/market/open-interest')).toBe(2); // two pages, neither retried: a venue's own error
  });

  it('rejects a malformed payload with venue and endpoint, never a NaN', async () => {
    fake.fault({ path: '/fapi/v1/klines', kind: 'schema', body: '[[1781870400000,"abc","1","1","1","1",0,"0",0,"0","0","0"]]' });
    const data = await liveAgainst(fake, clock).getSeries({ symbol: 'btc', window: '1d' });
    expect(data.failed).toEqual([{ venue: 'binance', reason: 'klines: unexpected response: row 0 open: expected a number, got "abc"' }]);
  });

  it('carries gaps in open interest as missing values the model reports', async () => {
    const end = Math.floor(T0 / 300_000) * 300_000;
    for (let i = 10; i < 16; i++) fake.oiGaps.add(end - i * 300_000);
    const data = await liveAgainst(fake, clock).getSeries({ symbol: 'btc', window: '1d', venues: ['binance'] });
    const bars = data.venues[0]!.series.bars;
    expect(bars.filter((b) => b.oi === undefined).length).toBe(6);
    const map = buildMap(toModelRequest(data, { window: '1d' }));
    expect(map.meta.venues[0]!.oiGaps).toBe(6);
    expect(Number.isFinite(map.shortAbove)).toBe(true);
  });

  it('keeps the cache clean when a refresh fails, serves it with its age, and recovers', async () => {
    const market = liveAgainst(fake, clock, { retries: 0 });
    const first = await market.getSeries({ symbol: 'btc', window: '1d', venues: ['binance'] });
    const bars = first.venues[0]!.series.bars;
    clock.advance(2 * 300_000);
    fake.fault({ path: '/fapi/v1/klines', kind: 'truncated' });
    const stale = await market.getSeries({ symbol: 'btc', window: '1d', venues: ['binance'] });
    expect(stale.staleMs).toBeGreaterThan(0);
    expect(stale.venues[0]!.staleMs).toBe(stale.staleMs);
    expect(stale.notes.join('\n')).toMatch(/binance: refresh failed, showing data \d+ min old/);
    expect(stale.venues[0]!.series.bars.at(-1)).toEqual(bars.at(-1));
    const fresh = await market.getSeries({ symbol: 'btc', window: '1d', venues: ['binance'] });
    expect(fresh.staleMs).toBeUndefined();
    expect(fresh.venues[0]!.series.bars.at(-1)!.ts).toBe(bars.at(-1)!.ts + 2 * 300_000);
  });

  it('stops serving stale data past the limit', async () => {
    const market = liveAgainst(fake, clock, { retries: 0, maxStaleMs: 10 * 60_000 });
    await market.getSeries({ symbol: 'btc', window: '1d', venues: ['binance', 'bybit'] });
    clock.advance(20 * 60_000);
    fake.fault({ path: '/fapi/v1/klines', kind: 'status', status: 500 });
    const data = await market.getSeries({ symbol: 'btc', window: '1d', venues: ['binance', 'bybit'] });
    expect(data.failed).toEqual([{ venue: 'binance', reason: 'klines: HTTP 500' }]);
    expect(data.staleMs).toBeUndefined();
  });

  it('opens the circuit after repeated failures and skips the venue without a request', async () => {
    // Every bar endpoint of the venue down (one healthy endpoint would keep the venue's circuit closed).
    fake.fault({ path: '/v5/market/kline', kind: 'status', status: 500, times: Infinity });
    fake.fault({ path: '/v5/market/open-interest', kind: 'status', status: 500, times: Infinity });
    const market = liveAgainst(fake, clock, { retries: 0, breaker: { failureThreshold: 2, cooldownMs: 600_000 } });
    for (let i = 0; i < 2; i++) {
      clock.advance(60_000);
      await market.getSeries({ symbol: 'btc', window: '1d', venues: ['bybit', 'okx'] });
    }
    const sent = fake.countByVenue().bybit;
    clock.advance(60_000);
    const data = await market.getSeries({ symbol: 'btc', window: '1d', venues: ['bybit', 'okx'] });
    expect(fake.countByVenue().bybit).toBe(sent);
    expect(data.failed[0]!.reason).toMatch(/skipped after repeated failures/);
    fake.clearFaults();
    clock.advance(600_000);
    const healed = await market.getSeries({ symbol: 'btc', window: '1d', venues: ['bybit', 'okx'] });
    expect(healed.failed).toEqual([]);
  });

  it("respects Binance's 30-day open-interest limit and says so", async () => {
    const data = await liveAgainst(fake, clock).getSeries({ symbol: 'btc', window: '30d', venues: ['binance'] });
    expect(data.notes.join('\n')).toMatch(/binance: open interest history goes back 30 days only/);
    const bars = data.venues[0]!.series.bars;
    // The fake refuses (HTTP 400) any open-interest request reaching further back than 30 days.
    expect(bars.every((b) => b.oi !== undefined)).toBe(true);
    for (const r of fake.requests.filter((r) => r.path === '/futures/data/openInterestHist')) {
      expect(Number(r.query.startTime)).toBeGreaterThanOrEqual(T0 - 30 * 86_400_000);
    }
  });

  it('fails fast naming every unreachable venue', async () => {
    await fake.stop();
    const closed = { binance: fake.url, bybit: fake.url, okx: fake.url, hyperliquid: fake.url };
    fake = await startFake(clock); // for afterEach
    const market = liveAgainst(fake, clock, { urls: closed });
    const err = await market.getSeries({ symbol: 'btc', window: '7d' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MarketUnavailableError);
    expect((err as Error).message).toMatch(/no market data for BTCUSDT: binance \(exchangeInfo: unreachable \(ECONNREFUSED\)\); bybit \(.*\); okx \(.*\)/);
  });
});

describe('liqmap map with live venues', () => {
  it('fails fast with the unreachable venues named and --source sample suggested', async () => {
    const { runCli } = await import('../src/cli.js');
    const url = fake.url;
    await fake.stop();
    fake = await startFake(clock);
    const saved = { ...process.env };
    Object.assign(process.env, { BINANCE_FAPI_URL: url, BYBIT_API_URL: url, OKX_API_URL: url, HYPERLIQUID_API_URL: url });
    try {
      const err: string[] = [];
      const code = await runCli(['map', 'btc'], { out: () => {}, err: (t) => err.push(t) });
      expect(code).toBe(2);
      expect(err.join('\n')).toMatch(/^liqmap map: no market data for BTCUSDT: binance \(exchangeInfo: unreachable \(ECONNREFUSED\)\); bybit \(instruments-info: .*\); okx \(instruments: .*\)\nUse --source sample/);
    } finally {
      for (const k of ['BINANCE_FAPI_URL', 'BYBIT_API_URL', 'OKX_API_URL', 'HYPERLIQUID_API_URL']) if (saved[k] === undefined) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it('maps from the live venues by default', async () => {
    const { runCli } = await import('../src/cli.js');
    const saved = { ...process.env };
    Object.assign(process.env, { BINANCE_FAPI_URL: fake.url, BYBIT_API_URL: fake.url, OKX_API_URL: fake.url, HYPERLIQUID_API_URL: fake.url });
    try {
      const out: string[] = [];
      // --at pins the window to the fake's data. The real clock is months past it, so Binance, which keeps
      // 30 days of open interest only, and OKX, whose rubik endpoints keep the latest 1,440 rows, have none
      // for that window, are not asked for it, and drop out: the limits at work.
      const code = await runCli(['map', 'btc', '--window', '1d', '--at', new Date(T0).toISOString()], { out: (t) => out.push(t), err: () => {} });
      expect(code).toBe(0);
      expect(out.join('\n')).toMatch(/estimated from Bybit, 1d$/m);
      expect(fake.count('/futures/data/openInterestHist')).toBe(0);
      expect(fake.count('/api/v5/rubik/')).toBe(0);
    } finally {
      for (const k of ['BINANCE_FAPI_URL', 'BYBIT_API_URL', 'OKX_API_URL', 'HYPERLIQUID_API_URL']) if (saved[k] === undefined) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});
