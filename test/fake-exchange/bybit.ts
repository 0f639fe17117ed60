// Fake Bybit v5 linear routes, in the documented shapes (test/fixtures/exchange/docs/bybit-*.json):
// rows newest first, inclusive start/end, row limits (kline 1000, open-interest 200 with a cursor),
// open interest TWO-SIDED in `openInterest` with the one side in `singleOpenInterest` (as the docs and
// the 2026-08-09 capture show), linear risk tiers as ratios, and 600 requests per 5 s per IP answered
// with "403 access too frequent".
import { barsFor } from './market.js';
import type { SlidingCounter } from './limits.js';
import { latestClosed } from './binance.js';
import { num, ok, s, snapshots, type RouteAnswer, type RouteRequest } from './routes.js';

const OI_INTERVALS: Record<string, number> = { '5min': 300_000, '15min': 900_000, '30min': 1_800_000, '1h': 3_600_000 };

export interface BybitState {
  info: { result: { list: { symbol: string; baseCoin: string }[] } };
  perIp: SlidingCounter;
  oiGaps: Set<number>;
  /** Serve risk tiers in this shape instead (a documented percent tier, a deliberately wrong one). */
  riskTiers?: Record<string, unknown>[];
}

export function bybitRoute(state: BybitState, req: RouteRequest): RouteAnswer {
  const { path, query: q, now } = req;
  if (!state.perIp.allow(now)) return { status: 403, body: '403 Forbidden: access too frequent', headers: { 'content-type': 'text/plain' } };
  const env = (result: unknown) => ok({ retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time: now });
  if (path === '/v5/market/instruments-info') return env(state.info.result);
  const base = state.info.result.list.find((x) => x.symbol === q.symbol)?.baseCoin;
  if (!base) return ok({ retCode: 10001, retMsg: 'params error: symbol invalid', result: {}, retExtInfo: {}, time: now });
  if (path === '/v5/market/kline') {
    const interval = Number(q.interval) * 60_000;
    const limit = Math.min(num(q, 'limit', 200), 1000);
    const rows = barsFor('bybit', base, interval)
      .filter((b) => b.ts >= num(q, 'start', 0) && b.ts <= num(q, 'end', now) && b.ts <= now)
      .reverse()
      .slice(0, limit);
    return env({ symbol: q.symbol, category: 'linear', list: rows.map((b) => [String(b.ts), s(b.open), s(b.high), s(b.low), s(b.close), s(b.volume), s(b.volume * b.close)]) });
  }
  if (path === '/v5/market/open-interest') {
    const interval = OI_INTERVALS[q.intervalTime ?? ''] ?? 0;
    const limit = Math.min(num(q, 'limit', 50), 200);
    // The cursor carries the timestamp of the last row sent: the next page starts below it.
    const below = q.cursor ? Number(new URLSearchParams(decodeURIComponent(q.cursor)).get('lasttime')) * 1000 - 1 : Infinity;
    const all = snapshots(barsFor('bybit', base, interval), interval, num(q, 'startTime', 0), Math.min(num(q, 'endTime', now), below), now, state.oiGaps).reverse();
    const page = all.slice(0, limit);
    const next = all.length > limit ? `lastid%3D${page.length}%26lasttime%3D${page[page.length - 1]!.ts / 1000}` : '';
    return env({
      symbol: q.symbol,
      category: 'linear',
      list: page.map(({ ts, bar }) => ({ openInterest: s(2 * bar.oi), singleOpenInterest: s(bar.oi), timestamp: String(ts) })),
      nextPageCursor: next,
    });
  }
  if (path === '/v5/market/risk-limit') {
    return env({
      category: 'linear',
      list: state.riskTiers ?? [
        { id: 1, symbol: q.symbol, riskLimitValue: '2000000', maintenanceMargin: '0.005', initialMargin: '0.01', isLowestRisk: 1, maxLeverage: '100.00', mmDeduction: '' },
        { id: 2, symbol: q.symbol, riskLimitValue: '2600000', maintenanceMargin: '0.0056', initialMargin: '0.0111', isLowestRisk: 0, maxLeverage: '90.00', mmDeduction: '1200' },
      ],
    });
  }
  if (path === '/v5/market/tickers') {
    const last = latestClosed(barsFor('bybit', base, 300_000), now);
    const price = s(last?.close ?? 1);
    const oi = last?.oi ?? 0;
    return env({
      category: 'linear',
      list: [{ symbol: q.symbol, lastPrice: price, markPrice: price, indexPrice: price, openInterest: s(2 * oi), openInterestValue: s(2 * oi * (last?.close ?? 1)), singleOpenInterest: s(oi), singleOpenInterestValue: s(oi * (last?.close ?? 1)), fundingRate: '0.0001', nextFundingTime: String(now + 3600_000) }],
    });
  }
  return { status: 404, body: 'not found' };
}
