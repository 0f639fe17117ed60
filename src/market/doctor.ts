// `liqmap doctor`'s runner: per venue, one small live request to each endpoint and stream the bot uses,
// judged by doctor-checks.ts against what the client expects. All venues at once, every request with a
// short timeout and the whole run under one deadline, so an offline machine hears "unreachable (offline)"
// for each within seconds. A row is ok, a mismatch (field and both values) or unreachable (why).
import type { LookupFunction } from 'node:net';
import WebSocket from 'ws';
import { systemClock, type Clock } from './clock.js';
import {
  bybitReply,
  checkBinanceExchangeInfo,
  checkBinanceKlines,
  checkBinanceMarkPrice,
  checkBinanceOpenInterest,
  checkBinanceOpenInterestHist,
  checkBinanceStreamUrl,
  checkBybitInstruments,
  checkBybitKlines,
  checkBybitOpenInterest,
  checkBybitRiskLimit,
  checkBybitTicker,
  checkOkxCandles,
  checkOkxInstruments,
  checkOkxMarkPrice,
  checkOkxOpenInterest,
  checkOkxOpenInterestHistory,
  checkOkxPositionTiers,
  checkOkxTakerVolume,
  checkOpenInterestRatio,
  checkUsedWeightHeader,
  okxReply,
  type Answer,
  type Finding,
} from './doctor-checks.js';
import type { VenueUrls } from './market-config.js';
import { VenueError, VenueHttp } from './venue-http.js';
import { readBinanceKlines, readBinanceOpenInterest } from './venues/binance.js';
import { readBybitKlines, readBybitTicker } from './venues/bybit.js';
import { okxData, readOkxMarkets, readOkxOpenInterest } from './venues/okx.js';

export type DoctorStatus = 'ok' | 'mismatch' | 'unreachable';

export interface DoctorRow {
  venue: string;
  /** The endpoint or stream checked. */
  check: string;
  status: DoctorStatus;
  /** ok: what was seen; mismatch: field, expected and got; unreachable: why. */
  detail: string;
}

export interface DoctorOptions {
  urls: VenueUrls;
  wsUrls: VenueUrls;
  /** Base asset to check with (BTC): BTCUSDT on Binance and Bybit, BTC-USDT-SWAP on OKX. */
  base?: string;
  clock?: Clock;
  /** Per request and per stream. */
  timeoutMs?: number;
  /** The whole run. */
  deadlineMs?: number;
  /** Tests: the fetch of every request, and the DNS lookup of every websocket. */
  fetch?: typeof fetch;
  lookup?: LookupFunction;
}

const M5 = 300_000;

/** An answer, or why there is none. */
type Got = { answer: Answer } | { unreachable: string } | { mismatch: Finding[] };

export async function runDoctor(options: DoctorOptions): Promise<DoctorRow[]> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 3500;
  const base = (options.base ?? 'BTC').toUpperCase();
  const symbol = `${base}USDT`;
  const instId = `${base}-USDT-SWAP`;
  const http = (venue: keyof VenueUrls) =>
    new VenueHttp({
      venue,
      baseUrl: options.urls[venue],
      clock,
      timeoutMs,
      retries: 0,
      budget: { capacity: 50, refillPerSecond: 50, maxWaitMs: 0 },
      breaker: { failureThreshold: 1000, cooldownMs: 1 },
      fetch: options.fetch,
    });
  const get = (h: VenueHttp) => (endpoint: string, path: string, params: Record<string, string | number>) =>
    h.getJson(endpoint, path, params, (body, headers): Answer => ({ body, headers })).then(
      (answer): Got => ({ answer }),
      (err: unknown): Got => failureOf(err),
    );
  const stream = (venue: keyof VenueUrls) => checkStream(venue, options.wsUrls[venue], { symbol, timeoutMs, lookup: options.lookup });
  const now = () => clock.now();

  const binance = async (): Promise<{ rows: DoctorRow[]; oiUsd?: number }> => {
    const g = get(http('binance'));
    const [info, klines, hist, present, mark, ws] = await Promise.all([
      g('exchangeInfo', '/fapi/v1/exchangeInfo', {}),
      g('klines', '/fapi/v1/klines', { symbol, interval: '5m', limit: 3 }),
      g('openInterestHist', '/futures/data/openInterestHist', { symbol, period: '5m', limit: 3 }),
      g('openInterest', '/fapi/v1/openInterest', { symbol }),
      g('premiumIndex', '/fapi/v1/premiumIndex', { symbol }),
      stream('binance'),
    ]);
    const price = tryRead(klines, (a) => readBinanceKlines(a.body).at(-1)?.close);
    const presentAnswer = 'answer' in present ? present.answer : undefined;
    const rows = [
      row('binance', 'exchangeInfo', info, (a) => [...checkBinanceExchangeInfo(a, symbol), ...checkUsedWeightHeader(a.headers)]),
      row('binance', 'klines', klines, (a) => [...checkBinanceKlines(a, { intervalMs: M5, nowMs: now() }), ...checkUsedWeightHeader(a.headers)]),
      row('binance', 'openInterestHist', hist, (a) => checkBinanceOpenInterestHist(a, { intervalMs: M5, nowMs: now(), price, present: presentAnswer })),
      row('binance', 'openInterest', present, (a) => checkBinanceOpenInterest(a, now())),
      row('binance', 'premiumIndex', mark, (a) => checkBinanceMarkPrice(a, price)),
      streamRow('binance', 'forceOrder stream', ws, checkBinanceStreamUrl(options.wsUrls.binance)),
    ];
    const oi = presentAnswer && tryRead(present, (a) => readBinanceOpenInterest(a.body).oi);
    return { rows, oiUsd: oi !== undefined && price !== undefined ? oi * price : undefined };
  };

  const bybit = async (): Promise<{ rows: DoctorRow[]; oiUsd?: number }> => {
    const g = get(http('bybit'));
    const [info, kline, oi, ticker, risk, ws] = await Promise.all([
      g('instruments-info', '/v5/market/instruments-info', { category: 'linear', symbol }),
      g('kline', '/v5/market/kline', { category: 'linear', symbol, interval: '5', limit: 3 }),
      g('open-interest', '/v5/market/open-interest', { category: 'linear', symbol, intervalTime: '5min', limit: 3 }),
      g('tickers', '/v5/market/tickers', { category: 'linear', symbol }),
      g('risk-limit', '/v5/market/risk-limit', { category: 'linear', symbol }),
      stream('bybit'),
    ]);
    const price = tryRead(kline, (a) => readBybitKlines(a.body)[0]?.close);
    const tickerAnswer = 'answer' in ticker ? ticker.answer : undefined;
    const rows = [
      row('bybit', 'instruments-info', info, (a) => checkBybitInstruments(a, symbol)),
      row('bybit', 'kline', kline, (a) => checkBybitKlines(a, { intervalMs: M5, nowMs: now() })),
      row('bybit', 'open-interest', oi, (a) => checkBybitOpenInterest(a, { intervalMs: M5, nowMs: now(), ticker: tickerAnswer })),
      row('bybit', 'tickers', ticker, (a) => checkBybitTicker(a, price)),
      row('bybit', 'risk-limit', risk, (a) => checkBybitRiskLimit(a)),
      streamRow('bybit', 'allLiquidation stream', ws),
    ];
    const one = tryRead(ticker, (a) => {
      const t = readBybitTicker(a.body);
      return (t.singleOpenInterest ?? t.openInterest / 2) * t.markPrice;
    });
    return { rows, oiUsd: one };
  };

  const okx = async (): Promise<{ rows: DoctorRow[]; oiUsd?: number }> => {
    const g = get(http('okx'));
    const [info, candles, history, oi, taker, present, tiers, mark, ws] = await Promise.all([
      g('instruments', '/api/v5/public/instruments', { instType: 'SWAP', instId }),
      g('candles', '/api/v5/market/candles', { instId, bar: '5m', limit: 3 }),
      g('history-candles', '/api/v5/market/history-candles', { instId, bar: '5m', limit: 3, after: Math.floor(now() / M5) * M5 - 86_400_000 }),
      g('open-interest-history', '/api/v5/rubik/stat/contracts/open-interest-history', { instId, period: '5m', limit: 3 }),
      g('taker-volume-contract', '/api/v5/rubik/stat/taker-volume-contract', { instId, period: '5m', unit: 0, limit: 3 }),
      g('open-interest', '/api/v5/public/open-interest', { instType: 'SWAP', instId }),
      g('position-tiers', '/api/v5/public/position-tiers', { instType: 'SWAP', tdMode: 'cross', instFamily: `${base}-USDT` }),
      g('mark-price', '/api/v5/public/mark-price', { instType: 'SWAP', instId }),
      stream('okx'),
    ]);
    const contractSize = tryRead(info, (a) => readOkxMarkets(a.body).find((m) => m.nativeId === instId)?.contractSize);
    const price = tryRead(candles, (a) => Number(((okxData('candles', a.body)[0] as unknown[] | undefined) ?? [])[4]) || undefined);
    const presentAnswer = 'answer' in present ? present.answer : undefined;
    const candlesAnswer = 'answer' in candles ? candles.answer : undefined;
    const rows = [
      row('okx', 'instruments', info, (a) => checkOkxInstruments(a, instId)),
      row('okx', 'candles', candles, (a) => checkOkxCandles(a, { intervalMs: M5, nowMs: now(), contractSize })),
      row('okx', 'history-candles', history, (a) => checkOkxCandles(a, { intervalMs: M5, nowMs: now(), contractSize, endpoint: 'history-candles' })),
      row('okx', 'open-interest-history', oi, (a) => checkOkxOpenInterestHistory(a, { intervalMs: M5, nowMs: now(), contractSize, present: presentAnswer })),
      row('okx', 'taker-volume-contract', taker, (a) => checkOkxTakerVolume(a, { intervalMs: M5, nowMs: now(), candles: candlesAnswer })),
      row('okx', 'open-interest', present, (a) => checkOkxOpenInterest(a, now())),
      row('okx', 'position-tiers', tiers, (a) => checkOkxPositionTiers(a)),
      row('okx', 'mark-price', mark, (a) => checkOkxMarkPrice(a, price)),
      streamRow('okx', 'liquidation-orders stream', ws),
    ];
    return { rows, oiUsd: tryRead(present, (a) => readOkxOpenInterest(a.body).oiUsd) };
  };

  const venues = [
    ['binance', binance],
    ['bybit', bybit],
    ['okx', okx],
  ] as const;
  const deadline = options.deadlineMs ?? 4500;
  const results = await Promise.all(
    venues.map(([venue, run]) =>
      withDeadline(run(), deadline, () => ({ rows: [{ venue, check: 'all', status: 'unreachable' as const, detail: `no answer within ${deadline / 1000} s` }] })),
    ),
  );
  const rows = results.flatMap((r) => r.rows);
  const oi: Record<string, number> = {};
  results.forEach((r, i) => {
    if ('oiUsd' in r && r.oiUsd !== undefined) oi[venues[i]![0]] = r.oiUsd;
  });
  if (Object.keys(oi).length >= 2) rows.push(verdictRow('all', `open interest ratio (${Object.keys(oi).join(', ')})`, checkOpenInterestRatio(oi), Object.entries(oi).map(([v, usd]) => `${v} $${(usd / 1e9).toFixed(2)}B`).join(', ')));
  else rows.push({ venue: 'all', check: 'open interest ratio', status: 'unreachable', detail: 'fewer than two venues answered' });
  return rows;
}

function tryRead<T>(got: Got, read: (a: Answer) => T | undefined): T | undefined {
  if (!('answer' in got)) return undefined;
  try {
    return read(got.answer);
  } catch {
    return undefined;
  }
}

function row(venue: string, check: string, got: Got, judge: (a: Answer) => Finding[]): DoctorRow {
  if ('unreachable' in got) return { venue, check, status: 'unreachable', detail: got.unreachable };
  if ('mismatch' in got) return verdictRow(venue, check, got.mismatch);
  return verdictRow(venue, check, judge(got.answer));
}

function verdictRow(venue: string, check: string, findings: Finding[], okDetail = ''): DoctorRow {
  if (findings.length === 0) return { venue, check, status: 'ok', detail: okDetail };
  return { venue, check, status: 'mismatch', detail: findings.map((f) => `${f.field}: expected ${f.expected}, got ${f.got}`).join('; ') };
}

function streamRow(venue: string, check: string, got: StreamResult, extra: Finding[] = []): DoctorRow {
  if ('unreachable' in got) return { venue, check, status: 'unreachable', detail: got.unreachable };
  return verdictRow(venue, check, [...extra, ...got.findings], got.seen);
}

/** Why a request gave no answer, in the words the table uses; a malformed or refused answer is a mismatch. */
export function failureOf(err: unknown): Got {
  if (!(err instanceof VenueError)) return { unreachable: err instanceof Error ? err.message : String(err) };
  switch (err.kind) {
    case 'offline':
      return { unreachable: 'offline' };
    case 'geo-blocked':
      return { unreachable: `geo-blocked (${/\(([^)]*)\)$/.exec(err.detail)?.[1] ?? `HTTP ${err.status}`})` };
    case 'rate-limited':
    case 'banned':
      return { unreachable: `rate limited (${err.status ? `HTTP ${err.status}` : err.detail})` };
    case 'timeout':
      return { unreachable: `timeout (${err.detail})` };
    case 'invalid':
    case 'venue':
      return { mismatch: [{ field: 'body', expected: 'the documented answer', got: err.detail }] };
    case 'http':
      return { unreachable: `HTTP ${err.status ?? ''}`.trim() };
    default:
      return { unreachable: err.detail };
  }
}

type StreamResult = { seen: string; findings: Finding[] } | { unreachable: string };

/**
 * Connects, subscribes where the venue needs it, sends the venue's ping and waits for its pong (Binance:
 * a protocol ping frame; Bybit: {"op":"ping"}; OKX: "ping").
 */
function checkStream(venue: keyof VenueUrls, url: string, o: { symbol: string; timeoutMs: number; lookup?: LookupFunction }): Promise<StreamResult> {
  return new Promise((resolve) => {
    let done = false;
    let ws: WebSocket;
    const finish = (result: StreamResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ unreachable: `timeout (no pong within ${o.timeoutMs} ms)` }), o.timeoutMs);
    try {
      ws = new WebSocket(url, { handshakeTimeout: o.timeoutMs, ...(o.lookup ? { lookup: o.lookup } : {}) });
    } catch (err) {
      clearTimeout(timer);
      resolve({ unreachable: err instanceof Error ? err.message : String(err) });
      return;
    }
    let subscribed = venue === 'binance';
    let ponged = false;
    const settle = () => {
      if (subscribed && ponged) finish({ seen: venue === 'binance' ? 'connected, pong' : 'subscribed, pong', findings: [] });
    };
    ws.on('open', () => {
      if (venue === 'binance') ws.ping();
      else if (venue === 'bybit') {
        ws.send(JSON.stringify({ op: 'subscribe', args: [`allLiquidation.${o.symbol}`] }));
        ws.send(JSON.stringify({ op: 'ping' }));
      } else {
        ws.send(JSON.stringify({ op: 'subscribe', args: [{ channel: 'liquidation-orders', instType: 'SWAP' }] }));
        ws.send('ping');
      }
    });
    ws.on('pong', () => {
      ponged = true;
      settle();
    });
    ws.on('message', (data) => {
      const reply = venue === 'bybit' ? bybitReply(String(data)) : venue === 'okx' ? okxReply(String(data)) : undefined;
      if (reply === 'refused') return finish({ seen: '', findings: [{ field: 'subscribe', expected: 'success', got: String(data).slice(0, 160) }] });
      if (reply === 'pong') ponged = true;
      if (reply === 'subscribed') subscribed = true;
      settle();
    });
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += String(chunk)));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        finish({ unreachable: status === 451 || (status === 403 && /country/i.test(text)) ? `geo-blocked (HTTP ${status})` : status === 429 ? 'rate limited (HTTP 429)' : `HTTP ${status}` });
      });
    });
    ws.on('error', (err: Error & { code?: string }) => {
      const code = err.code;
      finish({ unreachable: code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENETUNREACH' ? 'offline' : `connection failed (${code ?? err.message})` });
    });
  });
}

function withDeadline<T>(work: Promise<T>, ms: number, late: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
