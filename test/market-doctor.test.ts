// `liqmap doctor`: its pure checks on the venues' documented examples (which pass) and on deliberately
// wrong variants (which must not), then the whole command against the fake exchange: all ok, with
// faults (mismatch, unreachable), and offline.
import { readFileSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDoctorCommand } from '../src/cli/doctor.js';
import {
  bybitReply,
  checkBinanceExchangeInfo,
  checkBinanceKlines,
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
  checkOkxOpenInterest,
  checkOkxOpenInterestHistory,
  checkOkxPositionTiers,
  checkOkxTakerVolume,
  checkOpenInterestRatio,
  checkUsedWeightHeader,
  okxReply,
  type Answer,
} from '../src/market/doctor-checks.js';
import { startFake, TestClock } from './fake-exchange/harness.js';
import { BINANCE_GEO_BLOCK, type FakeExchange } from './fake-exchange/server.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'exchange');
const doc = (name: string) => JSON.parse(readFileSync(join(FIXTURES, 'docs', `${name}.json`), 'utf8')) as Record<string, unknown> & { response: unknown };
const answer = (body: unknown, headers?: Record<string, string>): Answer => ({ body, ...(headers ? { headers: new Headers(headers) } : {}) });
/** A deep copy to break on purpose. */
const copy = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const fields = (findings: { field: string }[]) => findings.map((f) => f.field);

const M5 = 300_000;
const H1 = 3_600_000;
const DAY = 86_400_000;

describe('doctor checks on Binance', () => {
  it('exchangeInfo: the symbol and the 2,400-a-minute weight limit', () => {
    const body = doc('binance-exchangeInfo').response as { rateLimits: { limit: number }[] };
    expect(checkBinanceExchangeInfo(answer(body), 'BLZUSDT')).toEqual([]);
    expect(fields(checkBinanceExchangeInfo(answer(body), 'BTCUSDT'))).toEqual(['symbols']);
    const changed = copy(body);
    changed.rateLimits[0]!.limit = 6000;
    expect(checkBinanceExchangeInfo(answer(changed), 'BLZUSDT')).toEqual([{ field: 'rateLimits REQUEST_WEIGHT per minute', expected: '2400 (the budget assumes it)', got: '6000' }]);
  });

  it('klines: oldest first, on the grid, close time = open + interval − 1 ms', () => {
    const body = doc('binance-klines').response as unknown[][];
    // The documented row is a weekly bar (Monday 2017-07-03 → Sunday 23:59:59.999).
    expect(checkBinanceKlines(answer(body), { intervalMs: 7 * DAY, nowMs: 1.6e12 })).toEqual([]);
    expect(fields(checkBinanceKlines(answer(body), { intervalMs: H1, nowMs: 1.6e12 }))).toEqual(['row 0 close time']);
    const twice = [body[0]!, [body[0]![0]! as number - 7 * DAY, ...body[0]!.slice(1)]];
    expect(fields(checkBinanceKlines(answer(twice), { intervalMs: 7 * DAY, nowMs: 1.6e12 }))).toContain('row order');
  });

  it('openInterestHist: base units (value / amount is the price), recent, and the present open interest', () => {
    const body = doc('binance-openInterestHist').response as Record<string, string>[];
    const now = 1583128200000 + 60_000;
    const present = answer({ openInterest: '20401.367', symbol: 'BTCUSDT', time: now });
    expect(checkBinanceOpenInterestHist(answer(body), { intervalMs: M5, nowMs: now, price: 7350, present })).toEqual([]);
    // In contracts of 0.001 instead of coins, the value per unit is no longer the price.
    const contracts = copy(body).map((r) => ({ ...r, sumOpenInterest: String(Number(r.sumOpenInterest) * 1000) }));
    expect(fields(checkBinanceOpenInterestHist(answer(contracts), { intervalMs: M5, nowMs: now, price: 7350 }))).toEqual(['sumOpenInterestValue / sumOpenInterest']);
    expect(fields(checkBinanceOpenInterestHist(answer(body), { intervalMs: M5, nowMs: now + DAY }))).toEqual(['newest row time']);
    expect(fields(checkBinanceOpenInterestHist(answer([...body].reverse()), { intervalMs: M5, nowMs: now }))).toEqual(['row order']);
    expect(checkBinanceOpenInterest(answer(doc('binance-openInterest').response), 1589437530011 + 1000)).toEqual([]);
  });

  it('the used-weight header and the /market stream path', () => {
    expect(checkUsedWeightHeader(new Headers({ 'X-MBX-USED-WEIGHT-1m': '31' }))).toEqual([]);
    expect(fields(checkUsedWeightHeader(new Headers()))).toEqual(['X-MBX-USED-WEIGHT-1m header']);
    expect(checkBinanceStreamUrl((doc('binance-forceOrder-ws').request as { url_all_symbols: string }).url_all_symbols)).toEqual([]);
    expect(checkBinanceStreamUrl('wss://fstream.binance.com/ws/!forceOrder@arr')[0]!.got).toBe('/ws/!forceOrder@arr');
  });
});

describe('doctor checks on Bybit', () => {
  const tickerCapture = () => {
    const line = readFileSync(join(FIXTURES, 'bybit-ws-tickers.jsonl'), 'utf8').split('\n')[0]!;
    return { retCode: 0, retMsg: 'OK', result: { category: 'linear', list: [(JSON.parse(line) as { data: Record<string, string> }).data] } };
  };

  it('open-interest: newest first, both sides in openInterest, and one side matching the ticker', () => {
    const body = doc('bybit-open-interest').response as { result: { list: Record<string, string>[] } };
    const ctx = { intervalMs: DAY, nowMs: 1780994051392 };
    expect(checkBybitOpenInterest(answer(body), ctx)).toEqual([]);
    const oneSided = copy(body);
    for (const r of oneSided.result.list) r.openInterest = r.singleOpenInterest!;
    expect(fields(checkBybitOpenInterest(answer(oneSided), ctx))).toEqual(['list[0].openInterest']);
    // The ticker's one side (29,945.866) against rows whose one side is 1,000 times larger.
    expect(fields(checkBybitOpenInterest(answer(body), { ...ctx, ticker: answer(tickerCapture()) }))).toEqual(['one-sided open interest read by the client']);
  });

  it('tickers (the real capture): openInterest = 2 × singleOpenInterest, mark price near the last close', () => {
    expect(checkBybitTicker(answer(tickerCapture()), 65114.3)).toEqual([]);
    const wrong = copy(tickerCapture());
    wrong.result.list[0]!.openInterest = wrong.result.list[0]!.singleOpenInterest!;
    expect(fields(checkBybitTicker(answer(wrong), 70000))).toEqual(['openInterest', 'mark price']);
  });

  it('kline, instruments-info and risk-limit', () => {
    const kline = doc('bybit-kline').response as { result: { list: string[][] } };
    expect(checkBybitKlines(answer(kline), { intervalMs: H1, nowMs: 1672025956592 })).toEqual([]);
    const ascending = copy(kline);
    ascending.result.list.reverse();
    expect(fields(checkBybitKlines(answer(ascending), { intervalMs: H1, nowMs: 1672025956592 }))).toEqual(['row order']);
    const instruments = doc('bybit-instruments-info');
    expect(checkBybitInstruments(answer(instruments.response), 'BTCUSDT')).toEqual([]);
    expect(fields(checkBybitInstruments(answer(instruments.response_pre_market), 'BIOUSDT'))).toEqual(['list']);
    const risk = doc('bybit-risk-limit').response as { result: { list: Record<string, unknown>[] } };
    expect(checkBybitRiskLimit(answer(risk))).toEqual([]);
    const neither = copy(risk);
    neither.result.list[0]!.initialMargin = '0.5';
    expect(checkBybitRiskLimit(answer(neither))[0]!.got).toMatch(/neither a ratio \(≈ 1\) nor a percent \(≈ 100\)/);
  });

  it('stream replies', () => {
    expect(bybitReply('{"success":true,"ret_msg":"pong","conn_id":"x","op":"ping"}')).toBe('pong');
    expect(bybitReply('{"success":true,"ret_msg":"","conn_id":"x","op":"subscribe"}')).toBe('subscribed');
    expect(bybitReply('{"success":false,"ret_msg":"error:handler not found,topic:allLiquidation.X","op":"subscribe"}')).toBe('refused');
    expect(okxReply('pong')).toBe('pong');
    expect(okxReply('{"event":"subscribe","arg":{"channel":"liquidation-orders","instType":"SWAP"},"connId":"a"}')).toBe('subscribed');
    expect(okxReply('{"event":"error","code":"60012","msg":"Invalid request"}')).toBe('refused');
  });
});

describe('doctor checks on OKX', () => {
  it('instruments: the linear swap of the real capture; the documented spot example has none', () => {
    const fixture = doc('okx-instruments');
    expect(checkOkxInstruments(answer((fixture.supplement_swap_real_capture as { response_trimmed: unknown }).response_trimmed), 'BTC-USDT-SWAP')).toEqual([]);
    expect(fields(checkOkxInstruments(answer(fixture.response), 'BTC-USDT-SWAP'))).toEqual(['data']);
  });

  it('candles: newest first with confirm; volCcy = vol × contract size', () => {
    // The documented rows share one placeholder time (docs README, trap 15): order holds, no bar grid to check.
    const body = doc('okx-history-candles').response as { data: string[][] };
    expect(checkOkxCandles(answer(body), { intervalMs: 1, nowMs: 1.6e12, endpoint: 'history-candles' })).toEqual([]);
    const swap = { code: '0', msg: '', data: [['1781956500000', '64000', '64100', '63900', '64050', '1500', '15', '960000', '0'], ['1781956200000', '64000', '64100', '63900', '64000', '1200', '12', '768000', '1']] };
    expect(checkOkxCandles(answer(swap), { intervalMs: M5, nowMs: 1781956801000, contractSize: 0.01 })).toEqual([]);
    // volCcy in contracts (a misreading that would count 100× the volume): caught.
    const contracts = copy(swap);
    for (const r of contracts.data) r[6] = r[5]!;
    expect(fields(checkOkxCandles(answer(contracts), { intervalMs: M5, nowMs: 1781956801000, contractSize: 0.01 }))).toEqual(['volCcy']);
    const noConfirm = copy(swap);
    noConfirm.data[0]!.pop();
    expect(fields(checkOkxCandles(answer(noConfirm), { intervalMs: M5, nowMs: 1781956801000 }))).toEqual(['row 0 confirm']);
  });

  it('open-interest-history: newest first, units, and the newest row against /public/open-interest', () => {
    const body = doc('okx-open-interest-history').response;
    // The documented rows are 100 s apart with placeholder numbers (docs README, trap 15).
    const now = 1701417600000 + 60_000;
    const present = answer({ code: '0', msg: '', data: [{ instType: 'SWAP', instId: 'BTC-USDT-SWAP', oi: '731377.57500501', oiCcy: '111', oiUsd: '8888888', ts: String(now) }] });
    expect(checkOkxOpenInterestHistory(answer(body), { intervalMs: 100_000, nowMs: now, present })).toEqual([]);
    // The placeholders are not consistent units: 731,377 contracts of 0.01 BTC are not 111 BTC.
    expect(fields(checkOkxOpenInterestHistory(answer(body), { intervalMs: 100_000, nowMs: now, contractSize: 0.01 }))).toEqual(['row 0 oiCcy']);
    // A newest row labelled long before the snapshot, and a value far from it.
    const later = answer({ code: '0', msg: '', data: [{ instType: 'SWAP', instId: 'BTC-USDT-SWAP', oi: '1', oiCcy: '150', oiUsd: '1', ts: String(now + DAY) }] });
    expect(fields(checkOkxOpenInterestHistory(answer(body), { intervalMs: 100_000, nowMs: now + DAY, present: later }))).toEqual(['newest row time', 'newest row oiCcy']);
    expect(checkOkxOpenInterest(answer(doc('okx-open-interest').response), 1597026383085 + 1000)).toEqual([]);
  });

  it('taker-volume-contract: [ts, sell, buy]; a closed bar adds up to its candle volume', () => {
    const body = doc('okx-taker-volume-contract').response as { data: string[][] };
    expect(checkOkxTakerVolume(answer(body), { intervalMs: M5, nowMs: 1701417600000 + M5 })).toEqual([]);
    const candles = answer({ code: '0', msg: '', data: [['1701417600000', '1', '1', '1', '1', '58000', '580', '1', '1']] });
    expect(checkOkxTakerVolume(answer(body), { intervalMs: M5, nowMs: 1701417600000 + M5, candles })).toEqual([]);
    // A fourth field (say, a future total) would shift nothing the reader uses, but it is not the documented row.
    const longer = copy(body);
    longer.data[0]!.push('580');
    expect(fields(checkOkxTakerVolume(answer(longer), { intervalMs: M5, nowMs: 1701417600000 + M5 }))).toEqual(['row 0']);
    const shorter = copy(body);
    shorter.data[0]!.pop();
    expect(fields(checkOkxTakerVolume(answer(shorter), { intervalMs: M5, nowMs: 1701417600000 + M5 }))).toEqual(['body']);
    const inContracts = answer({ code: '0', msg: '', data: [['1701417600000', '1', '1', '1', '1', '58000', '5.8', '1', '1']] });
    expect(fields(checkOkxTakerVolume(answer(body), { intervalMs: M5, nowMs: 1701417600000 + M5, candles: inContracts }))).toEqual(['buyVol + sellVol at 2023-12-01T08:00Z']);
  });

  it('position-tiers: mmr a ratio, imr × maxLever = 1', () => {
    const body = doc('okx-position-tiers').response as { data: Record<string, string>[] };
    expect(checkOkxPositionTiers(answer(body))).toEqual([]);
    const percent = copy(body);
    Object.assign(percent.data[0]!, { mmr: '3', imr: '10' });
    expect(fields(checkOkxPositionTiers(answer(percent)))).toEqual(['mmr', 'imr × maxLever']);
  });
});

describe('doctor checks across venues', () => {
  it('one-sided open interest in a plausible ratio', () => {
    expect(checkOpenInterestRatio({ binance: 9e9, bybit: 5.5e9, okx: 3.5e9 })).toEqual([]);
    // OKX read in contracts (0.01 BTC each): 100 times too large.
    expect(fields(checkOpenInterestRatio({ binance: 9e9, bybit: 5.5e9, okx: 3.5e11 }))).toEqual(['binance share of the open interest', 'bybit share of the open interest', 'okx share of the open interest']);
  });
});

describe('liqmap doctor', () => {
  let clock: TestClock;
  let fake: FakeExchange;
  beforeEach(async () => {
    clock = new TestClock();
    fake = await startFake(clock);
  });
  afterEach(async () => {
    await fake.stop();
  });

  async function doctor(env: Record<string, string> = {}, deps: Parameters<typeof runDoctorCommand>[2] = {}) {
    const ws = fake.wsUrls;
    const out: string[] = [];
    const code = await runDoctorCommand([], { out: (t) => out.push(t), err: (t) => out.push(t) }, {
      clock,
      env: { BINANCE_FAPI_URL: fake.url, BYBIT_API_URL: fake.url, OKX_API_URL: fake.url, HYPERLIQUID_API_URL: fake.url, BINANCE_WS_URL: ws.binance, BYBIT_WS_URL: ws.bybit, OKX_WS_URL: ws.okx, ...env },
      ...deps,
    });
    const rows = new Map(out.slice(1, -1).map((line) => {
      const [venue, check, ...rest] = line.split(/ {2,}/);
      return [`${venue} ${check}`, rest.join('  ')];
    }));
    return { code, out, rows };
  }

  it('against venues that behave as documented: every endpoint and stream ok, exit 0', async () => {
    const { code, out, rows } = await doctor();
    expect([...rows.values()].filter((r) => !r.startsWith('ok'))).toEqual([]);
    expect([...rows.keys()]).toEqual([
      'binance exchangeInfo', 'binance klines', 'binance openInterestHist', 'binance openInterest', 'binance premiumIndex', 'binance forceOrder stream',
      'bybit instruments-info', 'bybit kline', 'bybit open-interest', 'bybit tickers', 'bybit risk-limit', 'bybit allLiquidation stream',
      'okx instruments', 'okx candles', 'okx history-candles', 'okx open-interest-history', 'okx taker-volume-contract', 'okx open-interest', 'okx position-tiers', 'okx mark-price', 'okx liquidation-orders stream',
      'all open interest ratio (binance, bybit, okx)',
    ]);
    expect(out.at(-1)).toBe('all 22 checks ok');
    expect(code).toBe(0);
  });

  it('names a mismatch with the field and both values, and why a venue is unreachable; exit 1', async () => {
    // Bybit's open interest with both sides in both fields: the client would read 2× one side.
    const bybitOi = { retCode: 0, retMsg: 'OK', result: { category: 'linear', symbol: 'BTCUSDT', list: [{ openInterest: '110000', singleOpenInterest: '110000', timestamp: String(Math.floor(clock.now() / M5) * M5) }], nextPageCursor: '' }, retExtInfo: {}, time: clock.now() };
    fake.fault({ path: '/v5/market/open-interest', venue: 'bybit', kind: 'schema', body: JSON.stringify(bybitOi) });
    fake.fault({ path: '/fapi/', kind: 'status', ...BINANCE_GEO_BLOCK, times: Infinity });
    fake.fault({ path: '/api/v5/rubik/stat/taker-volume-contract', kind: 'status', status: 429, body: '{"msg":"Too Many Requests","code":"50011"}' });
    const { code, rows } = await doctor({ BINANCE_WS_URL: fake.legacyBinanceWsUrl });
    expect(code).toBe(1);
    expect(rows.get('bybit open-interest')).toMatch(/^mismatch: list\[0\]\.openInterest: expected 2 × singleOpenInterest = 220000 \(±1%\), got 110000; one-sided open interest read by the client: expected the ticker's singleOpenInterest = [\d.]+ \(±5%\), got 110000$/);
    expect(rows.get('binance klines')).toBe('unreachable (geo-blocked (HTTP 451))');
    expect(rows.get('okx taker-volume-contract')).toBe('unreachable (rate limited (HTTP 429))');
    expect(rows.get('binance forceOrder stream')).toMatch(/^mismatch: BINANCE_WS_URL path: expected \/market\/ws\/!forceOrder@arr .*, got \/ws\/!forceOrder@arr$/);
    expect(rows.get('okx candles')).toMatch(/^ok/);
  });

  it('offline: every endpoint and stream "unreachable (offline)"', async () => {
    const notFound = () => Object.assign(new Error('getaddrinfo ENOTFOUND fapi.binance.com'), { code: 'ENOTFOUND' });
    const offlineFetch: typeof fetch = () => Promise.reject(new TypeError('fetch failed', { cause: notFound() }));
    const offlineLookup = ((_host: string, _options: unknown, callback: (err: Error) => void) => callback(notFound())) as unknown as LookupFunction;
    // Host names (the lookup is only asked for names, not for 127.0.0.1); it answers as a machine without network does.
    const names = { BINANCE_WS_URL: 'wss://fstream.binance.com/market/ws/!forceOrder@arr', BYBIT_WS_URL: 'wss://stream.bybit.com/v5/public/linear', OKX_WS_URL: 'wss://ws.okx.com:8443/ws/v5/public' };
    const { code, rows } = await doctor(names, { fetch: offlineFetch, lookup: offlineLookup });
    expect(code).toBe(1);
    const venues = [...rows].filter(([k]) => !k.startsWith('all'));
    expect(venues).toHaveLength(21);
    expect(venues.filter(([, r]) => r !== 'unreachable (offline)')).toEqual([]);
    expect(fake.requests).toEqual([]);
  });
});
