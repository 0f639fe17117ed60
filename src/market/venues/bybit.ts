// Bybit v5 linear (keyless): instruments-info, kline (newest first, no taker split), open-interest
// (200 rows a page; one side, see readBybitOpenInterest), risk-limit (first tier), tickers. retCode ≠ 0 is
// an error even with HTTP 200. Each body is read by an exported pure reader (contract-tested on the
// documented examples and the 2026-08-09 capture, reused by `liqmap doctor`).
import type { Bar, VenueSpec } from '../../analysis/types.js';
import { asArray, asNonNegative, asNumber, asObject, asPositive, asString, asTimestamp, PayloadError } from '../payload.js';
import type { VenueMarket } from '../symbol-catalogue.js';
import { VenueError, type VenueHttp } from '../venue-http.js';
import { checkedBar, joinBars, pageWindows, type FetchedBars, type OiPoint, type VenueClient } from './venue-client.js';

const KLINE_INTERVAL: Record<number, string> = { 300_000: '5', 900_000: '15', 1_800_000: '30', 3_600_000: '60' };
const OI_INTERVAL: Record<number, string> = { 300_000: '5min', 900_000: '15min', 1_800_000: '30min', 3_600_000: '1h' };
const KLINE_LIMIT = 1000;
const OI_LIMIT = 200;

/** The v5 envelope: `result` when retCode is 0, else a VenueError carrying retMsg. */
export function bybitResult(endpoint: string, body: unknown): Record<string, unknown> {
  const env = asObject(body, 'body');
  const code = asNumber(env.retCode, 'retCode');
  if (code !== 0) throw new VenueError('bybit', endpoint, 'venue', `retCode ${code}: ${String(env.retMsg ?? '').slice(0, 120)}`);
  return asObject(env.result, 'result');
}

/** One page of linear perpetuals and the cursor of the next page ('' on the last). */
export function readBybitMarkets(body: unknown): { markets: VenueMarket[]; next: string } {
  const result = bybitResult('instruments-info', body);
  const markets: VenueMarket[] = [];
  for (const [i, raw] of asArray(result.list, 'list').entries()) {
    const s = asObject(raw, `list[${i}]`);
    if (s.contractType !== 'LinearPerpetual' || (s.status !== undefined && s.status !== 'Trading')) continue;
    const base = asString(s.baseCoin, `list[${i}].baseCoin`);
    const lev = typeof s.leverageFilter === 'object' && s.leverageFilter !== null ? (s.leverageFilter as Record<string, unknown>).maxLeverage : undefined;
    // Canonical from base + quote: Bybit names its USDC perpetuals BTCPERP, which reads as BTCUSDT.
    markets.push({
      symbol: `${base}${asString(s.quoteCoin, `list[${i}].quoteCoin`)}`,
      base,
      nativeId: asString(s.symbol, `list[${i}].symbol`),
      maxLeverage: lev === undefined ? undefined : asPositive(lev, `list[${i}].maxLeverage`),
    });
  }
  return { markets, next: typeof result.nextPageCursor === 'string' ? result.nextPageCursor : '' };
}

/** Rows as sent (newest first); linear volume in base units (index 5). */
export function readBybitKlines(body: unknown): Bar[] {
  return asArray(bybitResult('kline', body).list, 'list').map((raw, i) => {
    const r = asArray(raw, `row ${i}`);
    const what = `row ${i}`;
    return checkedBar({
      ts: asTimestamp(r[0], `${what} start`),
      open: asPositive(r[1], `${what} open`),
      high: asPositive(r[2], `${what} high`),
      low: asPositive(r[3], `${what} low`),
      close: asPositive(r[4], `${what} close`),
      volume: asNonNegative(r[5], `${what} volume`),
    }, what);
  });
}

/**
 * Bybit's `openInterest` is both sides summed (its docs say so; every ticker of the 2026-08-09 capture has
 * openInterest = 2 × singleOpenInterest), while Binance's and OKX's figures are one side. One side here:
 * `singleOpenInterest` where sent (since June 2026), else half of `openInterest`.
 */
export function readBybitOpenInterest(body: unknown): OiPoint[] {
  return asArray(bybitResult('open-interest', body).list, 'list').map((raw, i) => {
    const r = asObject(raw, `row ${i}`);
    const oi = r.singleOpenInterest !== undefined ? asNonNegative(r.singleOpenInterest, `row ${i} singleOpenInterest`) : asNonNegative(r.openInterest, `row ${i} openInterest`) / 2;
    return { ts: asTimestamp(r.timestamp, `row ${i} timestamp`), oi };
  });
}

/**
 * The lowest-risk tier. `maintenanceMargin` and `initialMargin` come as ratios ("0.005") on linear
 * contracts and as percents ("0.5") in the documented inverse example; the tier itself says which:
 * initialMargin × maxLeverage is 1 for ratios and 100 for percents. Anything else is refused.
 */
export function readBybitRiskLimit(body: unknown, symbol = ''): VenueSpec {
  const list = asArray(bybitResult('risk-limit', body).list, 'list').map((raw, i) => asObject(raw, `list[${i}]`));
  if (list.length === 0) throw new VenueError('bybit', 'risk-limit', 'venue', `no risk limits for ${symbol}`);
  const first = list.find((t) => Number(t.isLowestRisk) === 1) ?? list.reduce((a, b) => (asNumber(a.riskLimitValue, 'riskLimitValue') <= asNumber(b.riskLimitValue, 'riskLimitValue') ? a : b));
  const maxLeverage = asPositive(first.maxLeverage, 'maxLeverage');
  const product = asPositive(first.initialMargin, 'initialMargin') * maxLeverage;
  const scale = Math.abs(product - 1) <= 0.05 ? 1 : Math.abs(product - 100) <= 5 ? 100 : undefined;
  if (scale === undefined) {
    throw new PayloadError(`risk-limit: initialMargin ${String(first.initialMargin)} × maxLeverage ${maxLeverage} = ${Number(product.toPrecision(4))}, neither a ratio (≈ 1) nor a percent (≈ 100)`);
  }
  return { maintenanceMarginRate: asPositive(first.maintenanceMargin, 'maintenanceMargin') / scale, maxLeverage };
}

/** GET /v5/market/tickers for one symbol: mark price and open interest, both sides and one side. */
export function readBybitTicker(body: unknown): { markPrice: number; openInterest: number; singleOpenInterest?: number } {
  const row = asObject(asArray(bybitResult('tickers', body).list, 'list')[0], 'list[0]');
  return {
    markPrice: asPositive(row.markPrice, 'markPrice'),
    openInterest: asNonNegative(row.openInterest, 'openInterest'),
    ...(row.singleOpenInterest !== undefined ? { singleOpenInterest: asNonNegative(row.singleOpenInterest, 'singleOpenInterest') } : {}),
  };
}

export class BybitClient implements VenueClient {
  readonly venue = 'bybit';

  constructor(readonly http: VenueHttp) {}

  async listMarkets(): Promise<VenueMarket[]> {
    const out: VenueMarket[] = [];
    let cursor: string | undefined;
    // Paged by cursor; a handful of pages at most (1000 instruments each).
    for (let page = 0; page < 10; page++) {
      const { markets, next } = await this.http.getJson('instruments-info', '/v5/market/instruments-info', { category: 'linear', status: 'Trading', limit: 1000, cursor }, readBybitMarkets);
      out.push(...markets);
      if (!next) break;
      cursor = next;
    }
    return out;
  }

  async fetchBars(market: VenueMarket, intervalMs: number, fromMs: number, toMs: number): Promise<FetchedBars> {
    const interval = KLINE_INTERVAL[intervalMs];
    const intervalTime = OI_INTERVAL[intervalMs];
    if (!interval || !intervalTime) throw new Error(`bybit: no ${intervalMs / 60000}-minute series`);
    const [klines, oi] = await Promise.all([
      Promise.all(pageWindows(fromMs, toMs, intervalMs, KLINE_LIMIT).map((p) => this.klines(market.nativeId, interval, p.start, p.end))),
      Promise.all(pageWindows(fromMs + intervalMs, toMs + 1, intervalMs, OI_LIMIT).map((p) => this.openInterest(market.nativeId, intervalTime, p.start, p.end))),
    ]);
    return { bars: joinBars(klines.flat(), oi.flat(), intervalMs, fromMs, toMs), notes: [] };
  }

  private klines(symbol: string, interval: string, start: number, end: number): Promise<Bar[]> {
    return this.http.getJson('kline', '/v5/market/kline', { category: 'linear', symbol, interval, start, end, limit: KLINE_LIMIT }, readBybitKlines);
  }

  private openInterest(symbol: string, intervalTime: string, startTime: number, endTime: number): Promise<OiPoint[]> {
    return this.http.getJson('open-interest', '/v5/market/open-interest', { category: 'linear', symbol, intervalTime, startTime, endTime, limit: OI_LIMIT }, readBybitOpenInterest);
  }

  async fetchSpec(market: VenueMarket): Promise<VenueSpec> {
    return this.http.getJson('risk-limit', '/v5/market/risk-limit', { category: 'linear', symbol: market.nativeId }, (body) => readBybitRiskLimit(body, market.nativeId));
  }

  async fetchMarkPrice(market: VenueMarket): Promise<number> {
    return this.http.getJson('tickers', '/v5/market/tickers', { category: 'linear', symbol: market.nativeId }, (body) => readBybitTicker(body).markPrice);
  }
}
