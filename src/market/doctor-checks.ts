// `liqmap doctor`'s judgements, pure: each takes what one small live request answered (body, headers)
// and what the client expects, and lists the mismatches (field, expected, got). The client's own readers
// do the parsing, so a check fails exactly where the client would misread the venue. No I/O here: the
// runner (doctor.ts) makes the requests.
import { asArray, asNumber, asObject, asTimestamp, PayloadError } from './payload.js';
import { readBinanceKlines, readBinanceMarkets, readBinanceOpenInterest, readBinanceOpenInterestHist, readBinanceMarkPrice } from './venues/binance.js';
import { readBybitKlines, readBybitMarkets, readBybitOpenInterest, readBybitRiskLimit, readBybitTicker } from './venues/bybit.js';
import { okxData, readOkxMarkets, readOkxMarkPrice, readOkxOpenInterest, readOkxOpenInterestHistory, readOkxPositionTiers, readOkxTakerVolume } from './venues/okx.js';
import { VenueError } from './venue-http.js';

export interface Finding {
  field: string;
  expected: string;
  got: string;
}

/** What a venue answered to one request. */
export interface Answer {
  body: unknown;
  headers?: Headers;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6))));
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16) + 'Z';
const near = (a: number, b: number, tolerance: number) => Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));

/** Runs a check; a reader refusing the body is itself the finding. */
function judged(check: () => Finding[]): Finding[] {
  try {
    return check();
  } catch (err) {
    if (err instanceof PayloadError) return [{ field: 'body', expected: 'the shape the client reads', got: err.message }];
    if (err instanceof VenueError) return [{ field: 'status', expected: 'success', got: err.detail }];
    throw err;
  }
}

function order(ts: readonly number[], direction: 'oldest first' | 'newest first'): Finding[] {
  for (let i = 1; i < ts.length; i++) {
    const fine = direction === 'oldest first' ? ts[i]! >= ts[i - 1]! : ts[i]! <= ts[i - 1]!;
    if (!fine) return [{ field: 'row order', expected: direction, got: `${iso(ts[i - 1]!)} then ${iso(ts[i]!)}` }];
  }
  return [];
}

const DAY = 86_400_000;

/** Bars up to a day sit on multiples of their length since the epoch; weekly bars open on Mondays (the epoch was a Thursday). */
function grid(ts: readonly number[], intervalMs: number, what = 'row time'): Finding[] {
  const anchor = intervalMs === 7 * DAY ? 4 * DAY : 0;
  const off = ts.find((t) => (t - anchor) % intervalMs !== 0);
  return off === undefined ? [] : [{ field: what, expected: `on the ${fmt(intervalMs / 60_000)}-minute grid`, got: String(off) }];
}

function notAfter(ts: readonly number[], nowMs: number): Finding[] {
  const future = ts.find((t) => t > nowMs);
  return future === undefined ? [] : [{ field: 'row time', expected: `not after now (${iso(nowMs)})`, got: iso(future) }];
}

function freshWithin(newest: number | undefined, nowMs: number, maxAgeMs: number, what: string): Finding[] {
  if (newest === undefined) return [{ field: what, expected: 'at least one row', got: 'none' }];
  return nowMs - newest > maxAgeMs ? [{ field: what, expected: `within ${fmt(maxAgeMs / 60_000)} min of now (${iso(nowMs)})`, got: iso(newest) }] : [];
}

function within(field: string, got: number, expected: number, tolerance: number, expectedText: string): Finding[] {
  return near(got, expected, tolerance) ? [] : [{ field, expected: `${expectedText} = ${fmt(expected)} (±${fmt(tolerance * 100)}%)`, got: fmt(got) }];
}

// ---------------------------------------------------------------- Binance

/** Binance answers every /fapi request with the weight this IP used this minute; the budget relies on it. */
export function checkUsedWeightHeader(headers: Headers | undefined): Finding[] {
  const raw = headers?.get('x-mbx-used-weight-1m');
  const used = raw === null || raw === undefined ? Number.NaN : Number(raw);
  if (!Number.isFinite(used)) return [{ field: 'X-MBX-USED-WEIGHT-1m header', expected: 'a number', got: raw ?? 'absent' }];
  return used > 2400 ? [{ field: 'X-MBX-USED-WEIGHT-1m header', expected: '≤ 2400', got: String(used) }] : [];
}

export function checkBinanceExchangeInfo(a: Answer, symbol: string): Finding[] {
  return judged(() => {
    const out: Finding[] = [];
    if (!readBinanceMarkets(a.body).some((m) => m.nativeId === symbol)) out.push({ field: 'symbols', expected: `${symbol} PERPETUAL TRADING`, got: 'absent' });
    const limits = asArray(asObject(a.body, 'body').rateLimits ?? [], 'rateLimits').map((r) => asObject(r, 'rateLimits[]'));
    const weight = limits.find((r) => r.rateLimitType === 'REQUEST_WEIGHT' && r.interval === 'MINUTE');
    if (!weight || asNumber(weight.limit, 'limit') !== 2400) out.push({ field: 'rateLimits REQUEST_WEIGHT per minute', expected: '2400 (the budget assumes it)', got: weight ? String(weight.limit) : 'absent' });
    return out;
  });
}

export function checkBinanceKlines(a: Answer, ctx: { intervalMs: number; nowMs: number }): Finding[] {
  return judged(() => {
    const bars = readBinanceKlines(a.body);
    const ts = bars.map((b) => b.ts);
    const closeTimes = asArray(a.body, 'body').map((r, i) => asTimestamp(asArray(r, `row ${i}`)[6], `row ${i} close time`));
    const wrongClose = closeTimes.findIndex((c, i) => c !== ts[i]! + ctx.intervalMs - 1);
    return [
      ...order(ts, 'oldest first'),
      ...grid(ts, ctx.intervalMs),
      ...notAfter(ts, ctx.nowMs),
      ...(wrongClose >= 0 ? [{ field: `row ${wrongClose} close time`, expected: `open + interval − 1 ms = ${ts[wrongClose]! + ctx.intervalMs - 1}`, got: String(closeTimes[wrongClose]) }] : []),
    ];
  });
}

/**
 * openInterestHist: oldest first, on the grid, recent, `sumOpenInterest` in base units (its USD value over
 * it is the price) and, newest row, within 5% of the present open interest.
 */
export function checkBinanceOpenInterestHist(a: Answer, ctx: { intervalMs: number; nowMs: number; price?: number; present?: Answer }): Finding[] {
  return judged(() => {
    const points = readBinanceOpenInterestHist(a.body);
    const ts = points.map((p) => p.ts);
    const newest = points[points.length - 1];
    const out = [...order(ts, 'oldest first'), ...grid(ts, ctx.intervalMs), ...notAfter(ts, ctx.nowMs), ...freshWithin(newest?.ts, ctx.nowMs, 4 * ctx.intervalMs, 'newest row time')];
    if (newest && ctx.price !== undefined && newest.oi! > 0) out.push(...within('sumOpenInterestValue / sumOpenInterest', newest.oiUsd! / newest.oi!, ctx.price, 0.03, 'the price'));
    if (newest && ctx.present) out.push(...within('newest sumOpenInterest', newest.oi!, readBinanceOpenInterest(ctx.present.body).oi, 0.05, 'GET /fapi/v1/openInterest'));
    return out;
  });
}

export function checkBinanceOpenInterest(a: Answer, nowMs: number): Finding[] {
  return judged(() => freshWithin(readBinanceOpenInterest(a.body).ts, nowMs, 120_000, 'time'));
}

export function checkMarkPrice(markPrice: number, price: number | undefined): Finding[] {
  return price === undefined ? [] : within('mark price', markPrice, price, 0.01, 'the last close');
}

export function checkBinanceMarkPrice(a: Answer, price: number | undefined): Finding[] {
  return judged(() => checkMarkPrice(readBinanceMarkPrice(a.body), price));
}

// ---------------------------------------------------------------- Bybit

export function checkBybitInstruments(a: Answer, symbol: string): Finding[] {
  return judged(() => (readBybitMarkets(a.body).markets.some((m) => m.nativeId === symbol) ? [] : [{ field: 'list', expected: `${symbol} LinearPerpetual Trading`, got: 'absent' }]));
}

export function checkBybitKlines(a: Answer, ctx: { intervalMs: number; nowMs: number }): Finding[] {
  return judged(() => {
    const ts = readBybitKlines(a.body).map((b) => b.ts);
    return [...order(ts, 'newest first'), ...grid(ts, ctx.intervalMs), ...notAfter(ts, ctx.nowMs)];
  });
}

/** Both sides in `openInterest`, one in `singleOpenInterest`: the client keeps one, which must match the ticker's one side within 5%. */
export function checkBybitOpenInterest(a: Answer, ctx: { intervalMs: number; nowMs: number; ticker?: Answer }): Finding[] {
  return judged(() => {
    const points = readBybitOpenInterest(a.body);
    const ts = points.map((p) => p.ts);
    const out = [...order(ts, 'newest first'), ...grid(ts, ctx.intervalMs), ...notAfter(ts, ctx.nowMs), ...freshWithin(ts[0], ctx.nowMs, 3 * ctx.intervalMs, 'newest row time')];
    const first = asObject(asArray(asObject(asObject(a.body, 'body').result, 'result').list, 'list')[0] ?? {}, 'list[0]');
    if (first.singleOpenInterest !== undefined) out.push(...within('list[0].openInterest', asNumber(first.openInterest, 'openInterest'), 2 * asNumber(first.singleOpenInterest, 'singleOpenInterest'), 0.01, '2 × singleOpenInterest'));
    if (ctx.ticker && points[0]) {
      const t = readBybitTicker(ctx.ticker.body);
      out.push(...within('one-sided open interest read by the client', points[0].oi!, t.singleOpenInterest ?? t.openInterest / 2, 0.05, "the ticker's singleOpenInterest"));
    }
    return out;
  });
}

export function checkBybitTicker(a: Answer, price: number | undefined): Finding[] {
  return judged(() => {
    const t = readBybitTicker(a.body);
    return [
      ...(t.singleOpenInterest === undefined ? [] : within('openInterest', t.openInterest, 2 * t.singleOpenInterest, 0.01, '2 × singleOpenInterest')),
      ...checkMarkPrice(t.markPrice, price),
    ];
  });
}

/** The unit comes from initialMargin × maxLeverage (readBybitRiskLimit refuses a tier that is neither); the rate must then be plausible. */
export function checkBybitRiskLimit(a: Answer): Finding[] {
  return judged(() => {
    const spec = readBybitRiskLimit(a.body);
    return spec.maintenanceMarginRate > 0.0005 && spec.maintenanceMarginRate < 0.5 ? [] : [{ field: 'maintenance margin rate', expected: 'between 0.05% and 50%', got: fmt(spec.maintenanceMarginRate) }];
  });
}

// ---------------------------------------------------------------- OKX

export function checkOkxInstruments(a: Answer, instId: string): Finding[] {
  return judged(() => {
    const market = readOkxMarkets(a.body).find((m) => m.nativeId === instId);
    return market ? [] : [{ field: 'data', expected: `${instId} linear live`, got: 'absent' }];
  });
}

/** Newest first, on the grid, `volCcy` = `vol` (contracts) × contract size. */
export function checkOkxCandles(a: Answer, ctx: { intervalMs: number; nowMs: number; contractSize?: number; endpoint?: string }): Finding[] {
  return judged(() => {
    const rows = okxData(ctx.endpoint ?? 'candles', a.body).map((r, i) => asArray(r, `row ${i}`));
    const ts = rows.map((r, i) => asTimestamp(r[0], `row ${i} ts`));
    const out = [...order(ts, 'newest first'), ...grid(ts, ctx.intervalMs), ...notAfter(ts, ctx.nowMs)];
    const missingConfirm = rows.findIndex((r) => r[8] !== '0' && r[8] !== '1');
    if (missingConfirm >= 0) out.push({ field: `row ${missingConfirm} confirm`, expected: '"0" or "1"', got: JSON.stringify(rows[missingConfirm]![8]) });
    const busy = rows.find((r) => asNumber(r[5], 'vol') > 0);
    if (busy && ctx.contractSize !== undefined) out.push(...within('volCcy', asNumber(busy[6], 'volCcy'), asNumber(busy[5], 'vol') * ctx.contractSize, 0.01, 'vol × contract size'));
    return out;
  });
}

/**
 * Rubik open interest: newest first, on the grid, `oiCcy` = `oi` × contract size, and the newest row
 * against /public/open-interest: labelled at most two bars before that snapshot (liqmap reads the label as
 * the bar's open, okx.ts OKX_OI_LABEL) and within 2% of it.
 */
export function checkOkxOpenInterestHistory(a: Answer, ctx: { intervalMs: number; nowMs: number; contractSize?: number; present?: Answer }): Finding[] {
  return judged(() => {
    const points = readOkxOpenInterestHistory(a.body);
    const ts = points.map((p) => p.ts);
    const out = [...order(ts, 'newest first'), ...grid(ts, ctx.intervalMs), ...notAfter(ts, ctx.nowMs)];
    const rows = okxData('open-interest-history', a.body).map((r, i) => asArray(r, `row ${i}`));
    if (rows[0] && ctx.contractSize !== undefined) out.push(...within('row 0 oiCcy', asNumber(rows[0][2], 'oiCcy'), asNumber(rows[0][1], 'oi') * ctx.contractSize, 0.01, 'oi × contract size'));
    if (points[0] && ctx.present) {
      const present = readOkxOpenInterest(ctx.present.body);
      const lag = present.ts - points[0].ts;
      if (lag < 0 || lag > 2 * ctx.intervalMs) out.push({ field: 'newest row time', expected: `the open of the bar of ${iso(present.ts)} or the one before`, got: iso(points[0].ts) });
      out.push(...within('newest row oiCcy', points[0].oi!, present.oi, 0.02, '/public/open-interest oiCcy'));
    }
    return out;
  });
}

/** [ts, sell, buy] newest first on the grid; a closed bar's buy + sell ≈ that bar's candle volume (both in base units with unit=0). */
export function checkOkxTakerVolume(a: Answer, ctx: { intervalMs: number; nowMs: number; candles?: Answer }): Finding[] {
  return judged(() => {
    const rows = readOkxTakerVolume(a.body);
    const shape = okxData('taker-volume-contract', a.body).findIndex((r) => asArray(r, 'row').length !== 3);
    const ts = rows.map((r) => r.ts);
    const out = [...order(ts, 'newest first'), ...grid(ts, ctx.intervalMs), ...notAfter(ts, ctx.nowMs)];
    if (shape >= 0) out.push({ field: `row ${shape}`, expected: '[ts, sellVol, buyVol]', got: JSON.stringify(okxData('taker-volume-contract', a.body)[shape]) });
    if (ctx.candles) {
      const candles = okxData('candles', ctx.candles.body).map((r, i) => asArray(r, `row ${i}`));
      const closed = rows.find((r) => r.ts + ctx.intervalMs <= ctx.nowMs && candles.some((c) => Number(c[0]) === r.ts && c[8] === '1'));
      const candle = closed && candles.find((c) => Number(c[0]) === closed.ts)!;
      if (closed && candle) out.push(...within(`buyVol + sellVol at ${iso(closed.ts)}`, closed.buy + closed.sell, asNumber(candle[6], 'volCcy'), 0.1, "the candle's volCcy"));
    }
    return out;
  });
}

export function checkOkxPositionTiers(a: Answer): Finding[] {
  return judged(() => {
    const spec = readOkxPositionTiers(a.body);
    const tier = asObject(okxData('position-tiers', a.body).find((t) => String(asObject(t, 'tier').tier) === '1') ?? okxData('position-tiers', a.body)[0], 'data[0]');
    return [
      ...(spec.maintenanceMarginRate > 0.0005 && spec.maintenanceMarginRate < 0.5 ? [] : [{ field: 'mmr', expected: 'a ratio between 0.0005 and 0.5', got: fmt(spec.maintenanceMarginRate) }]),
      ...within('imr × maxLever', asNumber(tier.imr, 'imr') * asNumber(tier.maxLever, 'maxLever'), 1, 0.05, 'a ratio at full leverage'),
    ];
  });
}

export function checkOkxOpenInterest(a: Answer, nowMs: number): Finding[] {
  return judged(() => freshWithin(readOkxOpenInterest(a.body).ts, nowMs, 120_000, 'ts'));
}

export function checkOkxMarkPrice(a: Answer, price: number | undefined): Finding[] {
  return judged(() => checkMarkPrice(readOkxMarkPrice(a.body), price));
}

// ---------------------------------------------------------------- across venues and streams

/** One-sided open interest in USD per venue: each venue's share of the sum within 3% and 75% (a contracts-for-coins or two-sided error leaves it). */
export function checkOpenInterestRatio(usdByVenue: Record<string, number>): Finding[] {
  const entries = Object.entries(usdByVenue);
  const total = entries.reduce((s, [, v]) => s + v, 0);
  if (entries.length < 2 || !(total > 0)) return [];
  return entries.flatMap(([venue, usd]) => {
    const share = usd / total;
    return share >= 0.03 && share <= 0.75 ? [] : [{ field: `${venue} share of the open interest`, expected: 'between 3% and 75% of the venues', got: `${(share * 100).toFixed(1)}% (${entries.map(([v, u]) => `${v} $${fmt(u / 1e6)}M`).join(', ')})` }];
  });
}

/** Binance serves forceOrder on the /market base path only since April 2026. */
export function checkBinanceStreamUrl(url: string): Finding[] {
  return new URL(url).pathname.startsWith('/market/') ? [] : [{ field: 'BINANCE_WS_URL path', expected: '/market/ws/!forceOrder@arr (the /ws path was retired in April 2026 and sends nothing)', got: new URL(url).pathname }];
}

/** Bybit answers {"op":"ping"} with {"op":"ping","success":true,"ret_msg":"pong"}; a subscribe with {"op":"subscribe","success":true}. */
export function bybitReply(text: string): 'pong' | 'subscribed' | 'refused' | undefined {
  try {
    const m = JSON.parse(text) as { op?: string; success?: boolean; ret_msg?: string };
    if (m.op === 'ping' || m.ret_msg === 'pong') return 'pong';
    if (m.op === 'subscribe') return m.success === true ? 'subscribed' : 'refused';
  } catch {
    // Not a reply.
  }
  return undefined;
}

/** OKX answers "ping" with "pong" and a subscribe with {"event":"subscribe"} (or {"event":"error"}). */
export function okxReply(text: string): 'pong' | 'subscribed' | 'refused' | undefined {
  if (text === 'pong') return 'pong';
  try {
    const m = JSON.parse(text) as { event?: string };
    if (m.event === 'subscribe') return 'subscribed';
    if (m.event === 'error') return 'refused';
  } catch {
    // Not a reply.
  }
  return undefined;
}
