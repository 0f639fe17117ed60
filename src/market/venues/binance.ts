// Binance USD-M futures (keyless): exchangeInfo, klines (with taker-buy volume), openInterestHist
// (last 30 days only), premiumIndex; maintenance tiers from the shipped dated table, or the signed
// leverageBracket endpoint when an API key and secret are configured. Each body is read by an exported
// pure reader (contract-tested on the documented examples, reused by `liqmap doctor`); the venue budget
// counts Binance's request weight (klines by `limit`), futures/data has a request limit of its own.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bar, VenueSpec } from '../../analysis/types.js';
import { ASSETS_DIR } from '../../paths.js';
import type { Clock } from '../clock.js';
import { msToInterval } from '../intervals.js';
import { asArray, asNonNegative, asObject, asPositive, asString, asTimestamp } from '../payload.js';
import type { VenueMarket } from '../symbol-catalogue.js';
import type { VenueHttp } from '../venue-http.js';
import { WindowLimit } from '../window-limit.js';
import { checkedBar, joinBars, pageWindows, type FetchedBars, type OiPoint, type VenueClient } from './venue-client.js';

const DAY_MS = 86_400_000;
/** openInterestHist serves the last 30 days only; keep a margin so the oldest page is not refused. */
const OI_HISTORY_MS = 30 * DAY_MS - 60 * 60_000;
const BRACKETS_FILE = join(ASSETS_DIR, 'binance', 'leverage-brackets-2024-10.json');

let bracketTable: Record<string, [number, number, number]> | undefined;

/** Tier 1 from the shipped table (assets/binance/SOURCE.md). */
export function shippedBracket(symbol: string): VenueSpec | undefined {
  bracketTable ??= (JSON.parse(readFileSync(BRACKETS_FILE, 'utf8')) as { symbols: Record<string, [number, number, number]> }).symbols;
  const row = bracketTable[symbol];
  return row ? { maxLeverage: row[0], maintenanceMarginRate: row[1] } : undefined;
}

export interface BinanceOptions {
  http: VenueHttp;
  clock: Clock;
  apiKey?: string;
  apiSecret?: string;
}

/** Documented weight of GET /fapi/v1/klines by `limit`: [1,100) 1, [100,500) 2, [500,1000] 5, above 10. */
export function binanceKlinesWeight(limit: number): number {
  return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
}

const KLINES_LIMIT = 1500;
const OI_LIMIT = 500;

/** Perpetuals only: quarterlies and `TRADIFI_PERPETUAL` (stocks, metals) are not crypto perpetuals. */
export function readBinanceMarkets(body: unknown): VenueMarket[] {
  const symbols = asArray(asObject(body, 'body').symbols, 'symbols');
  const out: VenueMarket[] = [];
  for (const [i, raw] of symbols.entries()) {
    const s = asObject(raw, `symbols[${i}]`);
    if (s.contractType !== 'PERPETUAL' || s.status !== 'TRADING') continue;
    const base = asString(s.baseAsset, `symbols[${i}].baseAsset`);
    out.push({ symbol: `${base}${asString(s.quoteAsset, `symbols[${i}].quoteAsset`)}`, base, nativeId: asString(s.symbol, `symbols[${i}].symbol`) });
  }
  return out;
}

/** Rows oldest first; volume and taker-buy volume in base units (index 5 and 9), prices in quote. */
export function readBinanceKlines(body: unknown): Bar[] {
  return asArray(body, 'body').map((raw, i) => {
    const r = asArray(raw, `row ${i}`);
    const what = `row ${i}`;
    const bar: Bar = {
      ts: asTimestamp(r[0], `${what} open time`),
      open: asPositive(r[1], `${what} open`),
      high: asPositive(r[2], `${what} high`),
      low: asPositive(r[3], `${what} low`),
      close: asPositive(r[4], `${what} close`),
      volume: asNonNegative(r[5], `${what} volume`),
      takerBuyVolume: asNonNegative(r[9], `${what} taker buy volume`),
    };
    return checkedBar(bar, what);
  });
}

/** `sumOpenInterest` (base units; Binance counts one side) and its USD value, as snapshots at `timestamp`. */
export function readBinanceOpenInterestHist(body: unknown): OiPoint[] {
  return asArray(body, 'body').map((raw, i) => {
    const r = asObject(raw, `row ${i}`);
    return {
      ts: asTimestamp(r.timestamp, `row ${i} timestamp`),
      oi: asNonNegative(r.sumOpenInterest, `row ${i} sumOpenInterest`),
      oiUsd: asNonNegative(r.sumOpenInterestValue, `row ${i} sumOpenInterestValue`),
    };
  });
}

/** GET /fapi/v1/openInterest: the present open interest (base units) and its time. */
export function readBinanceOpenInterest(body: unknown): { oi: number; ts: number } {
  const b = asObject(body, 'body');
  return { oi: asNonNegative(b.openInterest, 'openInterest'), ts: asTimestamp(b.time, 'time') };
}

/** leverageBracket: an array without `symbol`, one object with it; the first bracket is tier 1. */
export function readBinanceBracket(body: unknown): VenueSpec {
  const entry = asObject(Array.isArray(body) ? body[0] : body, 'body[0]');
  const first = asObject(asArray(entry.brackets, 'brackets')[0], 'brackets[0]');
  return { maxLeverage: asPositive(first.initialLeverage, 'initialLeverage'), maintenanceMarginRate: asPositive(first.maintMarginRatio, 'maintMarginRatio') };
}

export function readBinanceMarkPrice(body: unknown): number {
  return asPositive(asObject(body, 'body').markPrice, 'markPrice');
}

export class BinanceClient implements VenueClient {
  readonly venue = 'binance';
  readonly http: VenueHttp;
  /** futures/data endpoints weigh 0 but allow 1,000 requests per 5 min per IP: half of it for us. */
  private readonly futuresData: WindowLimit;

  constructor(private readonly options: BinanceOptions) {
    this.http = options.http;
    this.futuresData = new WindowLimit({ max: 500, perMs: 300_000, maxWaitMs: 3000 }, options.clock);
  }

  async listMarkets(): Promise<VenueMarket[]> {
    return this.http.getJson('exchangeInfo', '/fapi/v1/exchangeInfo', {}, readBinanceMarkets);
  }

  async fetchBars(market: VenueMarket, intervalMs: number, fromMs: number, toMs: number): Promise<FetchedBars> {
    const interval = msToInterval(intervalMs);
    const notes: string[] = [];
    const klinePages = pageWindows(fromMs, toMs, intervalMs, KLINES_LIMIT);
    // OI snapshots at bar closes: (from, to]. Older than 30 days is refused by Binance.
    const oiFloor = this.options.clock.now() - OI_HISTORY_MS;
    const oiFrom = Math.max(fromMs + intervalMs, Math.ceil(oiFloor / intervalMs) * intervalMs);
    if (oiFrom > fromMs + intervalMs) {
      notes.push(`binance: open interest history goes back 30 days only; bars before ${new Date(Math.min(oiFrom, toMs)).toISOString().slice(0, 16)}Z have none`);
    }
    const oiPages = oiFrom <= toMs ? pageWindows(oiFrom, toMs + 1, intervalMs, OI_LIMIT) : [];
    const [klines, oi] = await Promise.all([
      Promise.all(klinePages.map((p) => this.klines(market.nativeId, interval, p.start, p.end))),
      Promise.all(oiPages.map((p) => this.openInterest(market.nativeId, interval, p.start, p.end))),
    ]);
    return { bars: joinBars(klines.flat(), oi.flat(), intervalMs, fromMs, toMs), notes };
  }

  private klines(symbol: string, interval: string, startTime: number, endTime: number): Promise<Bar[]> {
    const limit = KLINES_LIMIT;
    return this.http.getJson('klines', '/fapi/v1/klines', { symbol, interval, startTime, endTime, limit }, readBinanceKlines, { cost: binanceKlinesWeight(limit) });
  }

  private openInterest(symbol: string, period: string, startTime: number, endTime: number): Promise<OiPoint[]> {
    return this.http.getJson('openInterestHist', '/futures/data/openInterestHist', { symbol, period, startTime, endTime, limit: OI_LIMIT }, readBinanceOpenInterestHist, {
      cost: 0,
      limits: [this.futuresData],
    });
  }

  async fetchSpec(market: VenueMarket): Promise<VenueSpec> {
    const { apiKey, apiSecret } = this.options;
    if (apiKey && apiSecret) {
      const query = new URLSearchParams({ symbol: market.nativeId, timestamp: String(this.options.clock.now()) });
      query.set('signature', createHmac('sha256', apiSecret).update(query.toString()).digest('hex'));
      return this.http.getJson('leverageBracket', '/fapi/v1/leverageBracket', Object.fromEntries(query), readBinanceBracket, { headers: { 'X-MBX-APIKEY': apiKey } });
    }
    const shipped = shippedBracket(market.nativeId);
    if (!shipped) throw new Error(`binance: ${market.nativeId} is not in the shipped bracket table`);
    return shipped;
  }

  async fetchMarkPrice(market: VenueMarket): Promise<number> {
    return this.http.getJson('premiumIndex', '/fapi/v1/premiumIndex', { symbol: market.nativeId }, readBinanceMarkPrice);
  }
}
