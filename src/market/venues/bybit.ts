// Bybit v5 linear (keyless): instruments-info, kline (newest first, no taker split), open-interest
// (base units, 200 rows a page), risk-limit (first tier), tickers. retCode ≠ 0 is an error even with HTTP 200.
import type { Bar, VenueSpec } from '../../analysis/types.js';
import { asArray, asNonNegative, asNumber, asObject, asPositive, asString, asTimestamp } from '../payload.js';
import type { VenueMarket } from '../symbol-catalogue.js';
import { VenueError, type VenueHttp } from '../venue-http.js';
import { checkedBar, joinBars, pageWindows, type FetchedBars, type OiPoint, type VenueClient } from './venue-client.js';

const KLINE_INTERVAL: Record<number, string> = { 300_000: '5', 900_000: '15', 1_800_000: '30', 3_600_000: '60' };
const OI_INTERVAL: Record<number, string> = { 300_000: '5min', 900_000: '15min', 1_800_000: '30min', 3_600_000: '1h' };

export class BybitClient implements VenueClient {
  readonly venue = 'bybit';

  constructor(readonly http: VenueHttp) {}

  /** The v5 envelope: `result` when retCode is 0, else a VenueError carrying retMsg. */
  private result(endpoint: string, body: unknown): Record<string, unknown> {
    const env = asObject(body, 'body');
    const code = asNumber(env.retCode, 'retCode');
    if (code !== 0) throw new VenueError('bybit', endpoint, 'venue', `retCode ${code}: ${String(env.retMsg ?? '').slice(0, 120)}`);
    return asObject(env.result, 'result');
  }

  async listMarkets(): Promise<VenueMarket[]> {
    const out: VenueMarket[] = [];
    let cursor: string | undefined;
    // Paged by cursor; a handful of pages at most (1000 instruments each).
    for (let page = 0; page < 10; page++) {
      const { list, next } = await this.http.getJson('instruments-info', '/v5/market/instruments-info', { category: 'linear', status: 'Trading', limit: 1000, cursor }, (body) => {
        const result = this.result('instruments-info', body);
        return { list: asArray(result.list, 'list'), next: typeof result.nextPageCursor === 'string' ? result.nextPageCursor : '' };
      });
      for (const [i, raw] of list.entries()) {
        const s = asObject(raw, `list[${i}]`);
        if (s.contractType !== 'LinearPerpetual') continue;
        const base = asString(s.baseCoin, `list[${i}].baseCoin`);
        const lev = typeof s.leverageFilter === 'object' && s.leverageFilter !== null ? (s.leverageFilter as Record<string, unknown>).maxLeverage : undefined;
        // Canonical from base + quote: Bybit names its USDC perpetuals BTCPERP, which reads as BTCUSDT.
        out.push({
          symbol: `${base}${asString(s.quoteCoin, `list[${i}].quoteCoin`)}`,
          base,
          nativeId: asString(s.symbol, `list[${i}].symbol`),
          maxLeverage: lev === undefined ? undefined : asPositive(lev, `list[${i}].maxLeverage`),
        });
      }
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
      Promise.all(pageWindows(fromMs, toMs, intervalMs, 1000).map((p) => this.klines(market.nativeId, interval, p.start, p.end))),
      Promise.all(pageWindows(fromMs + intervalMs, toMs + 1, intervalMs, 200).map((p) => this.openInterest(market.nativeId, intervalTime, p.start, p.end))),
    ]);
    return { bars: joinBars(klines.flat(), oi.flat(), intervalMs, fromMs, toMs), notes: [] };
  }

  private klines(symbol: string, interval: string, start: number, end: number): Promise<Bar[]> {
    return this.http.getJson('kline', '/v5/market/kline', { category: 'linear', symbol, interval, start, end, limit: 1000 }, (body) =>
      asArray(this.result('kline', body).list, 'list').map((raw, i) => {
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
      }));
  }

  private openInterest(symbol: string, intervalTime: string, startTime: number, endTime: number): Promise<OiPoint[]> {
    return this.http.getJson('open-interest', '/v5/market/open-interest', { category: 'linear', symbol, intervalTime, startTime, endTime, limit: 200 }, (body) =>
      asArray(this.result('open-interest', body).list, 'list').map((raw, i) => {
        const r = asObject(raw, `row ${i}`);
        return { ts: asTimestamp(r.timestamp, `row ${i} timestamp`), oi: asNonNegative(r.openInterest, `row ${i} openInterest`) };
      }));
  }

  async fetchSpec(market: VenueMarket): Promise<VenueSpec> {
    return this.http.getJson('risk-limit', '/v5/market/risk-limit', { category: 'linear', symbol: market.nativeId }, (body) => {
      const list = asArray(this.result('risk-limit', body).list, 'list').map((raw, i) => asObject(raw, `list[${i}]`));
      if (list.length === 0) throw new VenueError('bybit', 'risk-limit', 'venue', `no risk limits for ${market.nativeId}`);
      const first = list.find((t) => Number(t.isLowestRisk) === 1) ?? list.reduce((a, b) => (asNumber(a.riskLimitValue, 'riskLimitValue') <= asNumber(b.riskLimitValue, 'riskLimitValue') ? a : b));
      let mmr = asPositive(first.maintenanceMargin, 'maintenanceMargin');
      // Some payloads give the rate in percent ("0.5"), others as a fraction ("0.005"); no first tier is 10%.
      if (mmr >= 0.1) mmr /= 100;
      return { maintenanceMarginRate: mmr, maxLeverage: asPositive(first.maxLeverage, 'maxLeverage') };
    });
  }

  async fetchMarkPrice(market: VenueMarket): Promise<number> {
    return this.http.getJson('tickers', '/v5/market/tickers', { category: 'linear', symbol: market.nativeId }, (body) => {
      const row = asObject(asArray(this.result('tickers', body).list, 'list')[0], 'list[0]');
      return asPositive(row.markPrice, 'markPrice');
    });
  }
}
