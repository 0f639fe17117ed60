import { afterEach, describe, expect, it } from 'vitest';
import { BarCache } from '../src/market/bar-cache.js';
import { CircuitBreaker } from '../src/market/circuit-breaker.js';
import { marketOptionsFromEnv } from '../src/market/market-config.js';
import { RateBudget } from '../src/market/rate-budget.js';
import { RecordedMarketData } from '../src/market/recorded-market-data.js';
import { SymbolCatalogue } from '../src/market/symbol-catalogue.js';
import { parseRetryAfter } from '../src/market/venue-http.js';
import { pageWindows } from '../src/market/venues/venue-client.js';
import { liveAgainst, startFake, TestClock } from './fake-exchange/harness.js';
import type { FakeExchange } from './fake-exchange/server.js';

describe('request budget', () => {
  it('lets a burst through, then waits for refill, and refuses waits beyond the limit', async () => {
    const clock = new TestClock(0);
    const budget = new RateBudget({ capacity: 2, refillPerSecond: 1, maxWaitMs: 1500 }, clock);
    await budget.take();
    await budget.take();
    expect(clock.sleeps).toEqual([]);
    await budget.take();
    expect(clock.sleeps).toEqual([1000]);
    budget.block(clock.now() + 60_000);
    await expect(budget.take()).rejects.toThrow(/told to wait 60 s by the venue/);
  });
});

describe('bar cache', () => {
  const bar = (ts: number) => ({ ts, open: 1, high: 1, low: 1, close: 1 });
  const fetcher = (calls: string[], key: string) => async (from: number, to: number) => {
    calls.push(`${key} ${from}-${to}`);
    const bars = [];
    for (let ts = from; ts + 10 <= to; ts += 10) bars.push(bar(ts));
    return { bars, notes: [] };
  };

  it('fetches only the missing head and tail, and forgets the least recently used key beyond its size', async () => {
    const clock = new TestClock(1000);
    const cache = new BarCache({ clock, maxEntries: 2 });
    const calls: string[] = [];
    expect((await cache.read('a', 10, 50, 100, fetcher(calls, 'a'))).bars.length).toBe(5);
    expect((await cache.read('a', 10, 30, 120, fetcher(calls, 'a'))).bars.map((b) => b.ts)).toEqual([30, 40, 50, 60, 70, 80, 90, 100, 110]);
    expect(calls).toEqual(['a 50-100', 'a 30-50', 'a 100-120']);
    await cache.read('b', 10, 0, 20, fetcher(calls, 'b'));
    await cache.read('a', 10, 30, 120, fetcher(calls, 'a')); // a hit: a is now the most recent
    await cache.read('c', 10, 0, 20, fetcher(calls, 'c')); // evicts b
    await cache.read('a', 10, 30, 120, fetcher(calls, 'a'));
    await cache.read('b', 10, 0, 20, fetcher(calls, 'b'));
    expect(calls.slice(3)).toEqual(['b 0-20', 'c 0-20', 'b 0-20']);
  });
});

describe('circuit breaker', () => {
  it('opens after the threshold, half-opens after the cool-down, lets one trial through and closes on success', async () => {
    const clock = new TestClock(0);
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1000 }, clock);
    breaker.failure();
    expect(breaker.state).toBe('closed');
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(await breaker.allow()).toBe(false);
    clock.advance(1000);
    expect(breaker.state).toBe('half-open');
    expect(await breaker.allow()).toBe(true);
    const waiting = breaker.allow(); // a second caller waits for the trial
    breaker.success();
    expect(await waiting).toBe(true);
    expect(breaker.state).toBe('closed');
  });

  it('reopens when the trial fails', async () => {
    const clock = new TestClock(0);
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000 }, clock);
    breaker.failure();
    clock.advance(1000);
    expect(await breaker.allow()).toBe(true);
    const waiting = breaker.allow();
    breaker.failure();
    expect(await waiting).toBe(false);
    expect(breaker.state).toBe('open');
  });
});

describe('paging and headers', () => {
  it('splits a range into windows of at most one page, aligned to bars', () => {
    expect(pageWindows(0, 10 * 60_000, 60_000, 4)).toEqual([
      { start: 0, end: 180_000 },
      { start: 240_000, end: 420_000 },
      { start: 480_000, end: 599_999 },
    ]);
    expect(pageWindows(30_000, 60_000, 60_000, 4)).toEqual([]);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', Date.parse('Wed, 21 Oct 2026 07:27:50 GMT'))).toBe(10_000);
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });

  it('takes every venue URL from the environment', () => {
    const o = marketOptionsFromEnv({ BINANCE_FAPI_URL: 'http://127.0.0.1:1', BYBIT_WS_URL: 'ws://127.0.0.1:2/x', OKX_API_URL: ' ' });
    expect(o.urls).toEqual({ binance: 'http://127.0.0.1:1', bybit: 'https://api.bybit.com', okx: 'https://www.okx.com', hyperliquid: 'https://api.hyperliquid.xyz' });
    expect(o.wsUrls.bybit).toBe('ws://127.0.0.1:2/x');
  });
});

describe('symbol catalogue', () => {
  const catalogue = new SymbolCatalogue(
    new Map([
      ['binance', [{ symbol: 'BTCUSDT', base: 'BTC', nativeId: 'BTCUSDT' }, { symbol: 'BTCDOMUSDT', base: 'BTCDOM', nativeId: 'BTCDOMUSDT' }, { symbol: 'ETHUSDT', base: 'ETH', nativeId: 'ETHUSDT' }]],
      ['okx', [{ symbol: 'BTCUSDT', base: 'BTC', nativeId: 'BTC-USDT-SWAP' }, { symbol: 'BTCUSDC', base: 'BTC', nativeId: 'BTC-USDC-SWAP' }]],
    ]),
  );

  it('puts the exact base first in prefix searches and says where each is listed', () => {
    expect(catalogue.search('btc').map((l) => l.symbol)).toEqual(['BTCUSDC', 'BTCUSDT', 'BTCDOMUSDT']);
    expect(catalogue.get('BTCUSDT')!.venues).toEqual(['binance', 'okx']);
    expect(catalogue.resolve('BTC-USDC-SWAP').venues).toEqual(['okx']);
  });

  it('names the closest matches for an unknown symbol', () => {
    expect(() => catalogue.resolve('etc')).toThrow(/etc: no such market on the venues/);
    try {
      catalogue.resolve('etc');
    } catch (err) {
      expect((err as { suggestions: string[] }).suggestions[0]).toBe('ETHUSDT');
    }
  });
});

describe('recorded sources behind the same port', () => {
  it('serves the sample with a catalogue', async () => {
    const sample = new RecordedMarketData('sample');
    expect((await sample.resolveSymbol('btc')).venues).toEqual(['binance']);
    expect((await sample.searchSymbols('b')).map((l) => l.symbol)).toEqual(['BTCUSDT']);
    const data = await sample.getSeries({ symbol: 'BTC-USDT-SWAP', window: '7d' });
    expect(data.venues[0]!.series.bars.length).toBe(8015);
    await expect(sample.resolveSymbol('dodge')).rejects.toThrow(/dodge: no such market in source sample/);
  });
});

describe('metrics hook', () => {
  let fake: FakeExchange | undefined;
  afterEach(async () => {
    await fake?.stop();
  });

  it('reads each venue\'s mark price, and Binance tiers from the signed endpoint only with a key', async () => {
    const clock = new TestClock();
    fake = await startFake(clock);
    const market = liveAgainst(fake, clock);
    const { usable } = await market.marketsFor('btc');
    const prices = await Promise.all(usable.map((u) => u.client.fetchMarkPrice(u.market)));
    for (const p of prices) expect(p).toBeGreaterThan(10_000);
    expect((await market.getSeries({ symbol: 'btc', window: '1d', venues: ['binance'] })).venues[0]!.spec).toEqual({ maxLeverage: 125, maintenanceMarginRate: 0.004 });
    expect(fake.count('/fapi/v1/leverageBracket')).toBe(0);
    const keyed = liveAgainst(fake, clock, { binanceApiKey: 'k', binanceApiSecret: 's' });
    expect((await keyed.getSeries({ symbol: 'btc', window: '1d', venues: ['binance'] })).venues[0]!.spec).toEqual({ maxLeverage: 75, maintenanceMarginRate: 0.005 });
    expect(fake.requests.find((r) => r.path === '/fapi/v1/leverageBracket')!.query.signature).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reports every request outcome and cache hits and misses', async () => {
    const clock = new TestClock();
    fake = await startFake(clock);
    const seen: string[] = [];
    let hits = 0;
    let misses = 0;
    const observer = { request: (v: string, e: string, o: string) => seen.push(`${v} ${e} ${o}`), cacheHit: () => hits++, cacheMiss: () => misses++ };
    fake.fault({ path: '/v5/market/kline', kind: 'status', status: 500 });
    const market = liveAgainst(fake, clock, { observer });
    await market.getSeries({ symbol: 'btc', window: '1d' });
    await market.getSeries({ symbol: 'btc', window: '1d' });
    expect(seen).toContain('binance klines ok');
    expect(seen).toContain('bybit kline http-error');
    expect(seen).toContain('okx taker-volume-contract ok');
    expect(misses).toBe(4);
    expect(hits).toBe(4);
  });
});
