// Contract tests: each venue reader on the venue's own documented example (test/fixtures/exchange/docs/,
// copied from the venues' documentation, origins in test/fixtures/README.md) or on a real capture. They
// check what the model relies on: bars in base units, open interest one-sided, at the right timestamps.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBinanceForceOrder, parseBybitLiquidation, parseOkxLiquidation } from '../src/market/liquidation-events.js';
import { DEFAULT_WS_URLS } from '../src/market/market-config.js';
import { PayloadError } from '../src/market/payload.js';
import {
  binanceKlinesWeight,
  readBinanceBracket,
  readBinanceKlines,
  readBinanceMarkets,
  readBinanceOpenInterest,
  readBinanceOpenInterestHist,
} from '../src/market/venues/binance.js';
import { readBybitKlines, readBybitMarkets, readBybitOpenInterest, readBybitRiskLimit, readBybitTicker } from '../src/market/venues/bybit.js';
import {
  OKX_OI_LABEL,
  readOkxCandles,
  readOkxMarkets,
  readOkxOpenInterest,
  readOkxOpenInterestHistory,
  readOkxPositionTiers,
  readOkxTakerVolume,
} from '../src/market/venues/okx.js';
import { joinBars } from '../src/market/venues/venue-client.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'exchange');

interface DocFixture {
  source: string;
  request: Record<string, unknown>;
  response: unknown;
  [extra: string]: unknown;
}

function doc(name: string): DocFixture {
  return JSON.parse(readFileSync(join(FIXTURES, 'docs', `${name}.json`), 'utf8')) as DocFixture;
}

const M5 = 300_000;
const H1 = 3_600_000;

describe('Binance USD-M, documented examples', () => {
  it('exchangeInfo: the documented perpetual, and no quarterly or TRADIFI_PERPETUAL contract in the crypto catalogue', () => {
    expect(readBinanceMarkets(doc('binance-exchangeInfo').response)).toEqual([{ symbol: 'BLZUSDT', base: 'BLZ', nativeId: 'BLZUSDT' }]);
    // The real 2021 capture, trimmed, with one hand-made TRADIFI_PERPETUAL row (test/fixtures/README.md).
    const real = readBinanceMarkets(JSON.parse(readFileSync(join(FIXTURES, 'binance-exchangeInfo.json'), 'utf8')));
    expect(real.map((m) => m.nativeId)).toContain('BTCUSDT');
    expect(real.map((m) => m.nativeId)).not.toContain('XAUUSDT');
    expect(real.map((m) => m.nativeId)).not.toContain('BTCUSDT_210924');
  });

  it('klines: open time, prices in quote, volume and taker-buy volume in base units', () => {
    const [bar] = readBinanceKlines(doc('binance-klines').response);
    expect(bar).toEqual({ ts: 1499040000000, open: 0.0163479, high: 0.8, low: 0.015758, close: 0.015771, volume: 148976.11427815, takerBuyVolume: 1756.87402397 });
  });

  it('klines weigh 1, 2, 5 or 10 by limit, as documented', () => {
    expect([1, 99, 100, 499, 500, 1000, 1001, 1500].map(binanceKlinesWeight)).toEqual([1, 1, 2, 2, 5, 5, 10, 10]);
  });

  it('openInterestHist: one-sided base units and USD, a snapshot that closes the bar before it', () => {
    const points = readBinanceOpenInterestHist(doc('binance-openInterestHist').response);
    expect(points).toEqual([
      { ts: 1583127900000, oi: 20403.637, oiUsd: Number("150570784.07809979") },
      { ts: 1583128200000, oi: 20401.367, oiUsd: Number("149940752.14464448") },
    ]);
    const klines = [1583127600000, 1583127900000].map((ts) => ({ ts, open: 1, high: 1, low: 1, close: 1 }));
    const bars = joinBars(klines, points, M5, 1583127600000, 1583128200000);
    expect(bars.map((b) => [b.ts, b.oi])).toEqual([[1583127600000, 20403.637], [1583127900000, 20401.367]]);
  });

  it('openInterest: the present open interest and its time', () => {
    expect(readBinanceOpenInterest(doc('binance-openInterest').response)).toEqual({ oi: 10659.509, ts: 1589437530011 });
  });

  it('leverageBracket: tier 1 from the array and from the one-object answer with a symbol', () => {
    const fixture = doc('binance-leverageBracket');
    expect(readBinanceBracket(fixture.response)).toEqual({ maxLeverage: 75, maintenanceMarginRate: 0.0065 });
    expect(readBinanceBracket(fixture.response_when_symbol_sent)).toEqual({ maxLeverage: 75, maintenanceMarginRate: 0.0065 });
  });

  it('forceOrder: SELL closes a long; filled quantity × average price; on the /market base path', () => {
    const fixture = doc('binance-forceOrder-ws');
    expect(parseBinanceForceOrder(fixture.response)).toEqual([{ venue: 'binance', symbol: 'BTCUSDT', side: 'long', price: 9910, qty: 0.014, usd: 0.014 * 9910, ts: 1568014460893 }]);
    expect(DEFAULT_WS_URLS.binance).toBe((fixture.request as { url_all_symbols: string }).url_all_symbols);
  });
});

describe('Bybit v5, documented examples and the 2026-08-09 capture', () => {
  it('instruments-info: the linear perpetual with its leverage; a pre-market listing is left out', () => {
    const fixture = doc('bybit-instruments-info');
    expect(readBybitMarkets(fixture.response)).toEqual({ markets: [{ symbol: 'BTCUSDT', base: 'BTC', nativeId: 'BTCUSDT', maxLeverage: 100 }], next: '' });
    expect(readBybitMarkets(fixture.response_pre_market).markets).toEqual([]);
  });

  it('kline: newest first as sent, candle start times; joined oldest first', () => {
    const bars = readBybitKlines(doc('bybit-kline').response);
    expect(bars.map((b) => b.ts)).toEqual([1670608800000, 1670605200000, 1670601600000]);
    expect(bars[2]).toMatchObject({ open: 17086.5, high: 17088, low: 16978, close: 17071.5 });
    // (The documented example is inverse, where index 5 counts USD; liqmap asks category=linear, where it counts the base coin.)
    expect(joinBars(bars, [], H1, 1670601600000, 1670612400000).map((b) => b.ts)).toEqual([1670601600000, 1670605200000, 1670608800000]);
  });

  it('open-interest: ONE side (singleOpenInterest), not openInterest, which sums both', () => {
    const points = readBybitOpenInterest(doc('bybit-open-interest').response);
    expect(points[0]).toEqual({ ts: 1780963200000, oi: 31955346 });
    expect(points.map((p) => p.oi)).toEqual([31955346, 31955346, 31955346, 31971156, 31971156]);
    // A payload from before singleOpenInterest existed: half of the two-sided figure.
    const older = { retCode: 0, retMsg: 'OK', result: { list: [{ openInterest: '59891.732', timestamp: '1786310700000' }] } };
    expect(readBybitOpenInterest(older)).toEqual([{ ts: 1786310700000, oi: 29945.866 }]);
  });

  it('every real ticker of the capture has openInterest = 2 × singleOpenInterest, and the reader keeps one side', () => {
    const lines = readFileSync(join(FIXTURES, 'bybit-ws-tickers.jsonl'), 'utf8').trim().split('\n');
    const snapshot = (JSON.parse(lines[0]!) as { data: Record<string, string> }).data;
    expect(Number(snapshot.openInterest)).toBeCloseTo(2 * Number(snapshot.singleOpenInterest), 6);
    const rest = { retCode: 0, retMsg: 'OK', result: { category: 'linear', list: [snapshot] } };
    expect(readBybitTicker(rest)).toEqual({ markPrice: 65117.44, openInterest: 59891.732, singleOpenInterest: 29945.866 });
  });

  it('risk-limit: the unit comes from initialMargin × maxLeverage, not from a threshold', () => {
    // Documented (inverse) example: 0.5 / 1 at 100x is percent.
    expect(readBybitRiskLimit(doc('bybit-risk-limit').response)).toEqual({ maintenanceMarginRate: 0.005, maxLeverage: 100 });
    const tier = (maintenanceMargin: string, initialMargin: string, maxLeverage: string) => ({
      retCode: 0,
      retMsg: 'OK',
      result: { category: 'linear', list: [{ id: 1, symbol: 'XUSDT', riskLimitValue: '200000', maintenanceMargin, initialMargin, isLowestRisk: 1, maxLeverage, mmDeduction: '' }] },
    });
    // Linear tiers are ratios: a 5x coin's first tier at 10% maintenance stays 10%, whatever its size.
    expect(readBybitRiskLimit(tier('0.1', '0.2', '5.00'))).toEqual({ maintenanceMarginRate: 0.1, maxLeverage: 5 });
    expect(readBybitRiskLimit(tier('0.0033', '0.0066', '150.00'))).toEqual({ maintenanceMarginRate: 0.0033, maxLeverage: 150 });
    expect(() => readBybitRiskLimit(tier('0.005', '0.5', '100.00'))).toThrow(PayloadError);
  });

  it('allLiquidation: S is the POSITION side (Sell = a short liquidated), size in base units', () => {
    expect(parseBybitLiquidation(doc('bybit-allLiquidation-ws').response)).toEqual([{ venue: 'bybit', symbol: 'ROSEUSDT', side: 'short', price: 0.04499, qty: 20000, usd: 20000 * 0.04499, ts: 1739502302929 }]);
  });
});

describe('OKX v5, documented examples and the 2022 SWAP capture', () => {
  it('instruments: linear swaps only, contract size = ctVal × ctMult', () => {
    const fixture = doc('okx-instruments');
    expect(readOkxMarkets(fixture.response)).toEqual([]); // the documented example is SPOT
    const capture = (fixture.supplement_swap_real_capture as { response_trimmed: { code: string; data: Record<string, string>[] } }).response_trimmed;
    expect(readOkxMarkets(capture)).toEqual([{ symbol: 'BTCUSDT', base: 'BTC', nativeId: 'BTC-USDT-SWAP', contractSize: 0.01, maxLeverage: 125 }]);
    // The same row with a multiplier (changed by hand for this test): 0.01 × 10 base units a contract.
    const multiplied = { ...capture, data: capture.data.map((d) => ({ ...d, ctMult: '10' })) };
    expect(readOkxMarkets(multiplied)[0]!.contractSize).toBeCloseTo(0.1, 12);
  });

  it('candles: open time, a still-forming row left out, volume from volCcy (not contracts)', () => {
    const bars = readOkxCandles(doc('okx-candles').response);
    expect(bars).toEqual([{ ts: 1597026383085, open: 3.731, high: 3.799, low: 3.494, close: 3.72, volume: 67632347.24399722 }]);
    expect(readOkxCandles(doc('okx-history-candles').response, 'history-candles').map((b) => b.volume)).toEqual([22698348.04828491, 67632347.24399722]);
  });

  it('open-interest-history: oiCcy (base) and oiUsd, the row joined to the bar it is labelled with', () => {
    const points = readOkxOpenInterestHistory(doc('okx-open-interest-history').response);
    expect(points).toEqual([
      { ts: 1701417600000, oi: 111, oiUsd: 8888888 },
      { ts: 1701417500000, oi: 111, oiUsd: 8888888 },
    ]);
    // liqmap's reading of the undocumented ts (docs README, open question (a)): the open of the bar whose closing OI the row holds.
    expect(OKX_OI_LABEL).toBe('bar-open');
    const bars = joinBars([{ ts: 1701417600000, open: 1, high: 1, low: 1, close: 1 }], points, M5, 1701417600000, 1701417900000, { oiLabel: OKX_OI_LABEL });
    expect(bars[0]).toMatchObject({ ts: 1701417600000, oi: 111, oiUsd: 8888888 });
  });

  it('taker-volume-contract: SELL first, then buy', () => {
    expect(readOkxTakerVolume(doc('okx-taker-volume-contract').response)).toEqual([
      { ts: 1701417600000, sell: 200, buy: 380 },
      { ts: 1701417600000, sell: 100, buy: 300 },
    ]);
  });

  it('position-tiers: mmr as a ratio', () => {
    expect(readOkxPositionTiers(doc('okx-position-tiers').response)).toEqual({ maintenanceMarginRate: 0.03, maxLeverage: 10 });
  });

  it('open-interest: the present oiCcy, oiUsd and snapshot time', () => {
    expect(readOkxOpenInterest(doc('okx-open-interest').response)).toEqual({ oi: 555.55, oiUsd: 50000, ts: 1597026383085 });
  });

  it('liquidation-orders: sz in contracts × contract size; posSide names the position', () => {
    const events = parseOkxLiquidation(doc('okx-liquidation-orders-ws').response, (id) => (id === 'IOST-USDT-SWAP' ? 10 : undefined));
    expect(events).toEqual([{ venue: 'okx', symbol: 'IOSTUSDT', side: 'short', price: 0.007831, qty: 130, usd: 130 * 0.007831, ts: 1692266434010 }]);
  });
});

/** Every field of the documented example, with its JSON type, is in the fake's answer (which may add more). */
function missingFields(documented: unknown, served: unknown, path = ''): string[] {
  if (documented === null) return [];
  if (Array.isArray(documented)) {
    if (!Array.isArray(served)) return [`${path}: expected an array`];
    if (documented.length === 0) return [];
    if (served.length === 0) return [`${path}: empty`];
    // Positional rows: the same length; lists of records: the first of each.
    if (Array.isArray(documented[0]) && Array.isArray(served[0]) && documented[0].length !== served[0].length) return [`${path}[0]: ${served[0].length} fields, documented ${documented[0].length}`];
    return missingFields(documented[0], served[0], `${path}[0]`);
  }
  if (typeof documented === 'object') {
    if (typeof served !== 'object' || served === null || Array.isArray(served)) return [`${path}: expected an object`];
    return Object.entries(documented).flatMap(([k, v]) => (k in served ? missingFields(v, (served as Record<string, unknown>)[k], `${path}.${k}`) : [`${path}.${k}: missing`]));
  }
  return typeof served === typeof documented ? [] : [`${path}: ${typeof served}, documented ${typeof documented}`];
}

describe('the fake exchange serves the documented shapes', () => {
  const T = Date.UTC(2026, 5, 20, 12, 0, 1);
  /** CoinGlass keys its levels by price: compare the first level of each. */
  const firstLevel = (body: unknown) => {
    const b = body as { data: { data: Record<string, unknown> } };
    return { ...b, data: { data: Object.values(b.data.data)[0] } };
  };
  const cases: [string, string, (d: DocFixture) => unknown, ((served: unknown) => unknown)?][] = [
    ['binance-exchangeInfo', '/fapi/v1/exchangeInfo', (d) => ({ ...(d.response as object), symbols: [], assets: [] })],
    ['binance-klines', `/fapi/v1/klines?symbol=BTCUSDT&interval=5m&limit=3&endTime=${T}`, (d) => d.response],
    ['binance-openInterestHist', `/futures/data/openInterestHist?symbol=BTCUSDT&period=5m&limit=3&startTime=${T - 3_600_000}`, (d) => d.response],
    ['binance-openInterest', '/fapi/v1/openInterest?symbol=BTCUSDT', (d) => d.response],
    ['bybit-instruments-info', '/v5/market/instruments-info?category=linear', (d) => d.response],
    ['bybit-kline', `/v5/market/kline?category=linear&symbol=BTCUSDT&interval=5&limit=3&end=${T}`, (d) => d.response],
    ['bybit-open-interest', `/v5/market/open-interest?category=linear&symbol=BTCUSDT&intervalTime=5min&limit=3&endTime=${T}`, (d) => d.response],
    ['bybit-risk-limit', '/v5/market/risk-limit?category=linear&symbol=BTCUSDT', (d) => d.response],
    ['okx-instruments', '/api/v5/public/instruments?instType=SWAP', (d) => (d.supplement_swap_real_capture as { response_trimmed: unknown }).response_trimmed],
    ['okx-candles', '/api/v5/market/candles?instId=BTC-USDT-SWAP&bar=5m&limit=3', (d) => d.response],
    ['okx-history-candles', '/api/v5/market/history-candles?instId=BTC-USDT-SWAP&bar=5m&limit=3', (d) => d.response],
    ['okx-open-interest-history', '/api/v5/rubik/stat/contracts/open-interest-history?instId=BTC-USDT-SWAP&period=5m&limit=3', (d) => d.response],
    ['okx-taker-volume-contract', '/api/v5/rubik/stat/taker-volume-contract?instId=BTC-USDT-SWAP&period=5m&limit=3', (d) => d.response],
    ['okx-open-interest', '/api/v5/public/open-interest?instType=SWAP&instId=BTC-USDT-SWAP', (d) => d.response],
    ['okx-position-tiers', '/api/v5/public/position-tiers?instType=SWAP&tdMode=cross&instFamily=BTC-USDT', (d) => d.response],
    ['coinglass-aggregated-map', '/api/futures/liquidation/aggregated-map?symbol=BTC&range=7d', (d) => firstLevel(d.response), firstLevel],
  ];
  it.each(cases)('%s', async (name, path, documented, normalize = (x: unknown) => x) => {
    const { FakeExchange } = await import('./fake-exchange/server.js');
    const fake = await new FakeExchange({ now: () => T }).start();
    try {
      const response = await fetch(fake.url + path, { headers: { 'CG-API-KEY': 'pro-key' } });
      expect(response.status).toBe(200);
      expect(missingFields(documented(doc(name)), normalize(await response.json()))).toEqual([]);
      if (name.startsWith('binance-') && name !== 'binance-openInterestHist') expect(response.headers.get('x-mbx-used-weight-1m')).toMatch(/^\d+$/);
    } finally {
      await fake.stop();
    }
  });
});
