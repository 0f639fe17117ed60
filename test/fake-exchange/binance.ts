// Fake Binance USD-M routes, in the documented shapes (test/fixtures/exchange/docs/binance-*.json):
// rows oldest first, inclusive startTime/endTime, row limits (klines 1500, openInterestHist 500),
// request weight per minute with X-MBX-USED-WEIGHT-1m, futures/data 1,000 requests per 5 min, the
// venue's own -1003 body on 429, and openInterestHist for the last 30 days only.
import { barsFor, type FakeBar } from './market.js';
import { klinesWeight, type MinuteWeight, type SlidingCounter } from './limits.js';
import { INTERVALS, num, ok, s, snapshots, type RouteAnswer, type RouteRequest } from './routes.js';

const DAY = 86_400_000;

export interface BinanceState {
  info: { symbols: { symbol: string; baseAsset: string; contractType: string }[] };
  weight: MinuteWeight;
  futuresData: SlidingCounter;
  oiGaps: Set<number>;
  /** Open interest rows from `fromTs` on multiplied by `factor`: a venue gone wrong (the guard's tests). */
  oiJump?: { fromTs: number; factor: number };
}

function tooMany(used: number, retryAfterS: number): RouteAnswer {
  return {
    status: 429,
    headers: { 'retry-after': String(retryAfterS), 'x-mbx-used-weight-1m': String(used) },
    body: { code: -1003, msg: 'Too many requests; current limit of IP(127.0.0.1) is 2400 requests per minute. Please use the websocket for live updates to avoid polling the API.' },
  };
}

/** Weight of a /fapi request (documented per endpoint; futures/data weighs 0). */
function weightOf(path: string, q: Record<string, string>): number {
  if (path === '/fapi/v1/klines') return klinesWeight(num(q, 'limit', 500));
  if (path.startsWith('/futures/data/')) return 0;
  return 1;
}

export function binanceRoute(state: BinanceState, req: RouteRequest): RouteAnswer {
  const { path, query: q, now } = req;
  if (path.startsWith('/futures/data/') && !state.futuresData.allow(now)) {
    return tooMany(state.weight.usedNow(now), Math.ceil((state.futuresData.freeAt(now) - now) / 1000));
  }
  const spent = state.weight.spend(now, weightOf(path, q));
  if (!spent.ok) return tooMany(spent.used, spent.retryAfterS);
  const answer = route(state, req);
  return { ...answer, headers: { ...answer.headers, 'x-mbx-used-weight-1m': String(spent.used) } };
}

function route(state: BinanceState, { path, query: q, headers, now }: RouteRequest): RouteAnswer {
  if (path === '/fapi/v1/exchangeInfo') return ok({ ...state.info, serverTime: now });
  const base = state.info.symbols.find((x) => x.symbol === q.symbol && x.contractType === 'PERPETUAL')?.baseAsset;
  if (!base) return { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } };
  const interval = INTERVALS[q.interval ?? q.period ?? ''] ?? 0;
  const bars = interval ? barsFor('binance', base, interval) : [];
  if (path === '/fapi/v1/klines') {
    const limit = Math.min(num(q, 'limit', 500), 1500);
    // From startTime on when given, else the most recent rows.
    const all = inclusive(bars, num(q, 'startTime', 0), num(q, 'endTime', now), now);
    const rows = q.startTime === undefined ? all.slice(-limit) : all.slice(0, limit);
    return ok(rows.map((b) => [b.ts, s(b.open), s(b.high), s(b.low), s(b.close), s(b.volume), b.ts + interval - 1, s(b.volume * b.close), 1000, s(b.takerBuyVolume), s(b.takerBuyVolume * b.close), '0']));
  }
  if (path === '/futures/data/openInterestHist') {
    const start = num(q, 'startTime', now - 30 * DAY);
    if (start < now - 30 * DAY) return { status: 400, body: { code: -1130, msg: "parameter 'startTime' is invalid." } };
    const limit = Math.min(num(q, 'limit', 30), 500);
    const all = snapshots(bars, interval, start, num(q, 'endTime', now), now, state.oiGaps);
    const points = q.startTime === undefined ? all.slice(-limit) : all.slice(0, limit);
    const k = (ts: number) => (state.oiJump && ts >= state.oiJump.fromTs ? state.oiJump.factor : 1);
    return ok(points.map(({ ts, bar }) => ({ symbol: q.symbol, sumOpenInterest: s(bar.oi * k(ts)), sumOpenInterestValue: s(bar.oiUsd * k(ts)), CMCCirculatingSupply: '19700000', timestamp: String(ts) })));
  }
  if (path === '/fapi/v1/openInterest') {
    const last = latestClosed(barsFor('binance', base, 300_000), now);
    return ok({ openInterest: s(last?.oi ?? 0), symbol: q.symbol, time: now });
  }
  if (path === '/fapi/v1/leverageBracket') {
    // Signed endpoint: key header and an HMAC signature are required (values are not verified here).
    if (!headers['x-mbx-apikey'] || !q.signature || !q.timestamp) return { status: 401, body: { code: -2014, msg: 'API-key format invalid.' } };
    // With `symbol` the documented answer is one object, not an array.
    return ok({ symbol: q.symbol, notionalCoef: 1, brackets: [{ bracket: 1, initialLeverage: 75, notionalCap: 10000, notionalFloor: 0, maintMarginRatio: 0.005, cum: 0 }] });
  }
  if (path === '/fapi/v1/premiumIndex') {
    const last = latestClosed(barsFor('binance', base, 300_000), now);
    return ok({ symbol: q.symbol, markPrice: s(last?.close ?? 1), indexPrice: s(last?.close ?? 1), estimatedSettlePrice: s(last?.close ?? 1), lastFundingRate: '0.0001', interestRate: '0.0001', nextFundingTime: now + 3600_000, time: now });
  }
  return { status: 404, body: { code: -5000, msg: 'Path not found' } };
}

/** Bars opened by `now` with open time in [start, end], oldest first. */
function inclusive(bars: FakeBar[], start: number, end: number, now: number): FakeBar[] {
  return bars.filter((b) => b.ts >= start && b.ts <= end && b.ts <= now);
}

export function latestClosed(bars: FakeBar[], now: number): FakeBar | undefined {
  let last: FakeBar | undefined;
  for (const b of bars) if (b.ts + 300_000 <= now) last = b;
  return last;
}
