// OKX v5 swaps (keyless): instruments (ctVal), candles / history-candles (newest first), rubik open
// interest and taker volume (100 rows a page), position-tiers (first tier), mark price.
import type { Bar, VenueSpec } from '../../analysis/types.js';
import type { Clock } from '../clock.js';
import { asArray, asNonNegative, asNumber, asObject, asPositive, asString, asTimestamp } from '../payload.js';
import type { VenueMarket } from '../symbol-catalogue.js';
import { VenueError, type VenueHttp } from '../venue-http.js';
import { checkedBar, joinBars, pageWindows, type FetchedBars, type OiPoint, type VenueClient } from './venue-client.js';

const BAR: Record<number, string> = { 300_000: '5m', 900_000: '15m', 1_800_000: '30m', 3_600_000: '1H' };
/** `candles` holds the latest 1,440 bars; older ones come from `history-candles` (100 a page). */
const RECENT_CANDLES = 1440;

export class OkxClient implements VenueClient {
  readonly venue = 'okx';

  constructor(
    readonly http: VenueHttp,
    private readonly clock: Clock,
  ) {}

  /** The v5 envelope: `data` when code is "0". */
  private data(endpoint: string, body: unknown): unknown[] {
    const env = asObject(body, 'body');
    if (String(env.code) !== '0') throw new VenueError('okx', endpoint, 'venue', `code ${String(env.code)}: ${String(env.msg ?? '').slice(0, 120)}`);
    return asArray(env.data, 'data');
  }

  async listMarkets(): Promise<VenueMarket[]> {
    return this.http.getJson('instruments', '/api/v5/public/instruments', { instType: 'SWAP' }, (body) => {
      const out: VenueMarket[] = [];
      for (const [i, raw] of this.data('instruments', body).entries()) {
        const s = asObject(raw, `data[${i}]`);
        if (s.ctType !== 'linear' || (s.state !== undefined && s.state !== 'live')) continue;
        const instId = asString(s.instId, `data[${i}].instId`);
        const [base, quote] = instId.split('-');
        if (!base || !quote) continue;
        out.push({
          symbol: `${base}${quote}`,
          base,
          nativeId: instId,
          contractSize: asPositive(s.ctVal, `data[${i}].ctVal`),
          maxLeverage: s.lever === undefined || s.lever === '' ? undefined : asPositive(s.lever, `data[${i}].lever`),
        });
      }
      return out;
    });
  }

  async fetchBars(market: VenueMarket, intervalMs: number, fromMs: number, toMs: number): Promise<FetchedBars> {
    const bar = BAR[intervalMs];
    if (!bar) throw new Error(`okx: no ${intervalMs / 60000}-minute series`);
    const recentFrom = this.clock.now() - RECENT_CANDLES * intervalMs;
    const candlePages = fromMs >= recentFrom ? pageWindows(fromMs, toMs, intervalMs, 300).map((p) => ({ ...p, path: 'candles' })) : pageWindows(fromMs, toMs, intervalMs, 100).map((p) => ({ ...p, path: 'history-candles' }));
    const [candles, oi, taker] = await Promise.all([
      Promise.all(candlePages.map((p) => this.candles(market.nativeId, bar, p.path, p.start, p.end))),
      Promise.all(pageWindows(fromMs + intervalMs, toMs + 1, intervalMs, 100).map((p) => this.openInterest(market.nativeId, bar, p.start, p.end))),
      Promise.all(pageWindows(fromMs, toMs, intervalMs, 100).map((p) => this.takerVolume(market.nativeId, bar, p.start, p.end))),
    ]);
    const extra = new Map<number, Partial<Bar>>(taker.flat().map((t) => [t.ts, { netTakerVolume: t.buy - t.sell }]));
    return { bars: joinBars(candles.flat(), oi.flat(), intervalMs, fromMs, toMs, extra), notes: [] };
  }

  private candles(instId: string, bar: string, path: string, start: number, end: number): Promise<Bar[]> {
    // after/before are exclusive bounds: "earlier than" and "newer than".
    return this.http.getJson(path, `/api/v5/market/${path}`, { instId, bar, after: end + 1, before: start - 1, limit: path === 'candles' ? 300 : 100 }, (body) =>
      this.data(path, body).flatMap((raw, i) => {
        const r = asArray(raw, `row ${i}`);
        const what = `row ${i}`;
        if (r[8] !== undefined && String(r[8]) !== '1') return []; // still open
        return [checkedBar({
          ts: asTimestamp(r[0], `${what} ts`),
          open: asPositive(r[1], `${what} open`),
          high: asPositive(r[2], `${what} high`),
          low: asPositive(r[3], `${what} low`),
          close: asPositive(r[4], `${what} close`),
          volume: asNonNegative(r[6], `${what} volCcy`),
        }, what)];
      }));
  }

  private openInterest(instId: string, period: string, begin: number, end: number): Promise<OiPoint[]> {
    return this.http.getJson('open-interest-history', '/api/v5/rubik/stat/contracts/open-interest-history', { instId, period, begin, end, limit: 100 }, (body) =>
      this.data('open-interest-history', body).map((raw, i) => {
        const r = asArray(raw, `row ${i}`);
        return { ts: asTimestamp(r[0], `row ${i} ts`), oi: asNonNegative(r[2], `row ${i} oiCcy`), oiUsd: asNonNegative(r[3], `row ${i} oiUsd`) };
      }));
  }

  private takerVolume(instId: string, period: string, begin: number, end: number): Promise<{ ts: number; sell: number; buy: number }[]> {
    return this.http.getJson('taker-volume-contract', '/api/v5/rubik/stat/taker-volume-contract', { instId, period, unit: 0, begin, end, limit: 100 }, (body) =>
      this.data('taker-volume-contract', body).map((raw, i) => {
        const r = asArray(raw, `row ${i}`);
        return { ts: asTimestamp(r[0], `row ${i} ts`), sell: asNonNegative(r[1], `row ${i} sellVol`), buy: asNonNegative(r[2], `row ${i} buyVol`) };
      }));
  }

  async fetchSpec(market: VenueMarket): Promise<VenueSpec> {
    const instFamily = market.nativeId.replace(/-SWAP$/, '');
    return this.http.getJson('position-tiers', '/api/v5/public/position-tiers', { instType: 'SWAP', tdMode: 'cross', instFamily }, (body) => {
      const tiers = this.data('position-tiers', body).map((raw, i) => asObject(raw, `data[${i}]`));
      if (tiers.length === 0) throw new VenueError('okx', 'position-tiers', 'venue', `no tiers for ${instFamily}`);
      const first = tiers.reduce((a, b) => (asNumber(a.tier, 'tier') <= asNumber(b.tier, 'tier') ? a : b));
      return { maintenanceMarginRate: asPositive(first.mmr, 'mmr'), maxLeverage: asPositive(first.maxLever, 'maxLever') };
    });
  }

  async fetchMarkPrice(market: VenueMarket): Promise<number> {
    return this.http.getJson('mark-price', '/api/v5/public/mark-price', { instType: 'SWAP', instId: market.nativeId }, (body) =>
      asPositive(asObject(this.data('mark-price', body)[0], 'data[0]').markPx, 'markPx'));
  }
}
