// Fake OKX v5 routes, in the documented shapes (test/fixtures/exchange/docs/okx-*.json): rows newest
// first, EXCLUSIVE bounds (candles `after`/`before`, rubik `end`/`begin`: strictly older / newer), row
// limits (candles 300, rubik 100), rubik keeping only the latest 1,440 rows per bar size, each endpoint's
// own limit per 2 s (per IP and instrument for rubik) answered with HTTP 429 and code 50011, taker volume
// sell first in the unit asked for, sizes in contracts where OKX counts contracts.
import { barsFor, type FakeBar } from './market.js';
import { OKX_LIMITS, SlidingCounter } from './limits.js';
import { latestClosed } from './binance.js';
import { INTERVALS, num, ok, s, type RouteAnswer, type RouteRequest } from './routes.js';

const RECENT_ROWS = 1440;

export interface OkxState {
  instruments: { instId: string; ctVal: string; ctMult?: string }[];
  counters: Map<string, SlidingCounter>;
  oiGaps: Set<number>;
  /**
   * What a rubik open-interest row's ts stands for (docs README, open question (a)): `bar-open` (the row
   * of the bar opening at ts holds its closing OI; the running bar has a provisional row) or `snapshot`
   * (the OI at ts).
   */
  oiLabel: 'bar-open' | 'snapshot';
}

function limited(state: OkxState, path: string, instId: string, now: number): boolean {
  const rule = OKX_LIMITS[path];
  if (!rule) return false;
  const key = rule.perInstrument ? `${path}:${instId}` : path;
  let counter = state.counters.get(key);
  if (!counter) state.counters.set(key, (counter = new SlidingCounter(rule.max, 2000)));
  return !counter.allow(now);
}

export function okxRoute(state: OkxState, req: RouteRequest): RouteAnswer {
  const { path, query: q, now } = req;
  if (limited(state, path, q.instId ?? q.instFamily ?? '', now)) return { status: 429, body: { msg: 'Too Many Requests', code: '50011' } };
  const env = (data: unknown) => ok({ code: '0', msg: '', data });
  if (path === '/api/v5/public/instruments') return env(state.instruments);
  const instId = q.instId ?? (q.instFamily ? `${q.instFamily}-SWAP` : '');
  const inst = state.instruments.find((x) => x.instId === instId);
  if (!inst) return ok({ code: '51001', msg: `Instrument ID or Spread ID doesn't exist.`, data: [] });
  const base = instId.split('-')[0]!;
  const ctVal = Number(inst.ctVal) * Number(inst.ctMult ?? 1);
  const interval = INTERVALS[q.bar ?? q.period ?? '5m'] ?? 0;
  const bars = interval ? barsFor('okx', base, interval) : [];
  if (path === '/api/v5/market/candles' || path === '/api/v5/market/history-candles') {
    const limit = Math.min(num(q, 'limit', 100), 300);
    let rows = between(bars, q.before, q.after, now);
    if (path === '/api/v5/market/candles') rows = rows.filter((b) => b.ts >= floorOf(now, interval));
    return env(rows.slice(0, limit).map((b) => [String(b.ts), s(b.open), s(b.high), s(b.low), s(b.close), s(b.volume / ctVal), s(b.volume), s(b.volume * b.close), b.ts + interval <= now ? '1' : '0']));
  }
  if (path === '/api/v5/rubik/stat/contracts/open-interest-history') {
    const limit = Math.min(num(q, 'limit', 100), 100);
    const rows = oiRows(state, bars, interval, now).filter((r) => (q.begin === undefined || r.ts > Number(q.begin)) && (q.end === undefined || r.ts < Number(q.end)));
    return env(rows.slice(0, limit).map((r) => [String(r.ts), s(r.oi / ctVal), s(r.oi), s(r.oiUsd)]));
  }
  if (path === '/api/v5/rubik/stat/taker-volume-contract') {
    const limit = Math.min(num(q, 'limit', 100), 100);
    const unit = num(q, 'unit', 1);
    const rows = between(bars, q.begin, q.end, now).filter((b) => b.ts >= floorOf(now, interval));
    const inUnit = (base: number, b: FakeBar) => (unit === 0 ? base : unit === 2 ? base * b.close : base / ctVal);
    return env(rows.slice(0, limit).map((b) => [String(b.ts), s(inUnit(b.volume - b.takerBuyVolume, b)), s(inUnit(b.takerBuyVolume, b))]));
  }
  if (path === '/api/v5/public/open-interest') {
    const last = latestClosed(barsFor('okx', base, 300_000), now);
    const oi = last?.oi ?? 0;
    return env([{ instType: 'SWAP', instId, oi: s(oi / ctVal), oiCcy: s(oi), oiUsd: s(oi * (last?.close ?? 0)), ts: String(now) }]);
  }
  if (path === '/api/v5/public/position-tiers') {
    return env([
      { uly: q.instFamily, instFamily: q.instFamily, instId: '', tier: '2', minSz: '50000', maxSz: '100000', mmr: '0.005', imr: '0.0133', maxLever: '75', optMgnFactor: '0', quoteMaxLoan: '', baseMaxLoan: '' },
      { uly: q.instFamily, instFamily: q.instFamily, instId: '', tier: '1', minSz: '0', maxSz: '50000', mmr: '0.004', imr: '0.01', maxLever: '100', optMgnFactor: '0', quoteMaxLoan: '', baseMaxLoan: '' },
    ]);
  }
  if (path === '/api/v5/public/mark-price') {
    const last = latestClosed(barsFor('okx', base, 300_000), now);
    return env([{ instType: 'SWAP', instId, markPx: s(last?.close ?? 1), ts: String(now) }]);
  }
  return { status: 404, body: { code: '50000', msg: 'not found' } };
}

/** Opened by `now`, strictly newer than `newer` and strictly older than `older`, newest first. */
function between(bars: FakeBar[], newer: string | undefined, older: string | undefined, now: number): FakeBar[] {
  return bars.filter((b) => b.ts <= now && (newer === undefined || b.ts > Number(newer)) && (older === undefined || b.ts < Number(older))).reverse();
}

/** The oldest of the latest 1,440 rows (the running bar's is the newest). */
function floorOf(now: number, intervalMs: number): number {
  return (Math.floor(now / intervalMs) - (RECENT_ROWS - 1)) * intervalMs;
}

/** Rubik open-interest rows, newest first, as `oiLabel` says, within the latest 1,440. */
function oiRows(state: OkxState, bars: FakeBar[], intervalMs: number, now: number): { ts: number; oi: number; oiUsd: number }[] {
  const out: { ts: number; oi: number; oiUsd: number }[] = [];
  const floor = floorOf(now, intervalMs);
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i]!;
    if (b.ts > now || b.ts < floor) continue;
    const closed = b.ts + intervalMs <= now;
    if (state.oiLabel === 'bar-open') {
      // The running bar's row holds the latest value known: the previous bar's close.
      const src = closed ? b : bars[i - 1];
      if (src && !state.oiGaps.has(b.ts)) out.push({ ts: b.ts, oi: src.oi, oiUsd: src.oiUsd });
    } else if (closed && !state.oiGaps.has(b.ts + intervalMs)) {
      out.push({ ts: b.ts + intervalMs, oi: b.oi, oiUsd: b.oiUsd });
    }
  }
  return out.reverse();
}
