// A fake Binance USD-M + Bybit v5 + OKX v5 on loopback: real payload shapes (catalogues copied from real
// captures, see test/fixtures/README.md), each venue's paging rules and row order, a controlled clock,
// and scripted faults. One HTTP server serves all three (their paths do not collide), plus websockets.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { PROJECT_ROOT } from '../../src/paths.js';
import { barsFor, oiAt, type FakeBar } from './market.js';

// From the project root, so the fake also runs compiled (dist/) for the benchmark.
const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'exchange');
const DAY = 86_400_000;

export type FaultKind = 'status' | 'slow' | 'truncated' | 'bybit-retcode' | 'reset' | 'schema';

export interface Fault {
  /** Substring of the request path, e.g. "/fapi/v1/klines". */
  path: string;
  kind: FaultKind;
  /** Requests it applies to (default 1; Infinity for all). */
  times?: number;
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
}

export interface RecordedRequest {
  venue: 'binance' | 'bybit' | 'okx';
  path: string;
  query: Record<string, string>;
}

export interface FakeExchangeOptions {
  now: () => number;
}

type Venue = 'binance' | 'bybit' | 'okx';

export class FakeExchange {
  readonly requests: RecordedRequest[] = [];
  /** Open-interest snapshot times to leave out (gaps), all venues. */
  readonly oiGaps = new Set<number>();
  private faults: (Fault & { left: number })[] = [];
  private server!: Server;
  private wss = new WebSocketServer({ noServer: true });
  private sockets: { venue: Venue; ws: WebSocket; topics: Set<string> }[] = [];
  /** Messages received on websockets (subscriptions, pings), per venue. */
  readonly wsReceived: { venue: Venue; text: string }[] = [];
  wsConnections = 0;
  url = '';

  private readonly binanceInfo = JSON.parse(readFileSync(join(FIXTURES, 'binance-exchangeInfo.json'), 'utf8')) as { symbols: { symbol: string; baseAsset: string; contractType: string }[] };
  private readonly bybitInfo = JSON.parse(readFileSync(join(FIXTURES, 'bybit-instruments-info.json'), 'utf8')) as { result: { list: { symbol: string; baseCoin: string }[] } };
  private readonly okxInfo = JSON.parse(readFileSync(join(FIXTURES, 'okx-instruments.json'), 'utf8')) as { data: { instId: string; ctVal: string }[] };

  constructor(private readonly options: FakeExchangeOptions) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
    this.server.on('upgrade', (req, socket, head) => {
      const venue: Venue | undefined = req.url?.startsWith('/ws/!forceOrder') ? 'binance' : req.url?.startsWith('/v5/public/linear') ? 'bybit' : req.url?.startsWith('/ws/v5/public') ? 'okx' : undefined;
      if (!venue) return socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(venue, ws));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  get wsUrls() {
    const ws = this.url.replace('http', 'ws');
    return { binance: `${ws}/ws/!forceOrder@arr`, bybit: `${ws}/v5/public/linear`, okx: `${ws}/ws/v5/public` };
  }

  get urls() {
    return { binance: this.url, bybit: this.url, okx: this.url };
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  fault(f: Fault): void {
    this.faults.push({ ...f, left: f.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  count(pathPart?: string): number {
    return this.requests.filter((r) => !pathPart || r.path.includes(pathPart)).length;
  }

  countByVenue(): Record<Venue, number> {
    const out = { binance: 0, bybit: 0, okx: 0 };
    for (const r of this.requests) out[r.venue]++;
    return out;
  }

  /** Sends a websocket message to every open socket of the venue (Bybit: subscribers of `topic`). */
  push(venue: Venue, message: unknown, topic?: string): number {
    let sent = 0;
    for (const s of this.sockets) {
      if (s.venue !== venue || s.ws.readyState !== s.ws.OPEN) continue;
      if (topic && !s.topics.has(topic)) continue;
      s.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
      sent++;
    }
    return sent;
  }

  /** Drops every websocket of the venue without a close handshake (a dead connection). */
  dropSockets(venue: Venue): void {
    for (const s of this.sockets) if (s.venue === venue) s.ws.terminate();
  }

  openSockets(venue: Venue): number {
    return this.sockets.filter((s) => s.venue === venue && s.ws.readyState === s.ws.OPEN).length;
  }

  subscribed(venue: Venue, topic: string): boolean {
    return this.sockets.some((s) => s.venue === venue && s.ws.readyState === s.ws.OPEN && s.topics.has(topic));
  }

  private onSocket(venue: Venue, ws: WebSocket): void {
    this.wsConnections++;
    const entry = { venue, ws, topics: new Set<string>() };
    this.sockets.push(entry);
    ws.on('close', () => {
      this.sockets = this.sockets.filter((s) => s !== entry);
    });
    ws.on('message', (data) => {
      const text = String(data);
      this.wsReceived.push({ venue, text });
      if (venue === 'okx' && text === 'ping') return ws.send('pong');
      let msg: { op?: string; args?: unknown[]; req_id?: string };
      try {
        msg = JSON.parse(text) as typeof msg;
      } catch {
        return;
      }
      if (venue === 'bybit' && msg.op === 'ping') return ws.send(JSON.stringify({ success: true, ret_msg: 'pong', conn_id: 'fake', op: 'ping' }));
      if (msg.op === 'subscribe') {
        for (const a of msg.args ?? []) entry.topics.add(typeof a === 'string' ? a : JSON.stringify(a));
        if (venue === 'bybit') ws.send(JSON.stringify({ success: true, ret_msg: '', conn_id: 'fake', req_id: msg.req_id ?? '', op: 'subscribe' }));
        if (venue === 'okx') for (const a of msg.args ?? []) ws.send(JSON.stringify({ event: 'subscribe', arg: a, connId: 'fake' }));
      }
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams);
    if (path.startsWith('/api/futures/')) return this.coinglass(req, res, path, query);
    const venue: Venue = path.startsWith('/v5/') ? 'bybit' : path.startsWith('/api/v5/') ? 'okx' : 'binance';
    this.requests.push({ venue, path, query });

    const fault = this.faults.find((f) => f.left > 0 && path.includes(f.path));
    if (fault) {
      fault.left--;
      switch (fault.kind) {
        case 'status':
          res.writeHead(fault.status ?? 500, { 'content-type': 'application/json', ...fault.headers });
          return void res.end(fault.body ?? '{"code":-1000,"msg":"fake failure"}');
        case 'slow':
          await new Promise((r) => setTimeout(r, fault.delayMs ?? 5000));
          break;
        case 'reset':
          return void req.socket.destroy();
        case 'truncated': {
          const full = this.route(venue, path, query, req.headers);
          const text = JSON.stringify(full.body);
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end(text.slice(0, Math.floor(text.length / 2)));
        }
        case 'bybit-retcode':
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end(fault.body ?? JSON.stringify({ retCode: 10016, retMsg: 'Service error', result: {}, retExtInfo: {}, time: this.options.now() }));
        case 'schema':
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end(fault.body ?? '[["oops"]]');
      }
    }
    const { status, body } = this.route(venue, path, query, req.headers);
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  /** CoinGlass v4: key "pro-key" has the Professional plan, any other key is refused the map endpoints. */
  readonly coinglassRequests: { key: string | undefined; query: Record<string, string> }[] = [];
  private coinglass(req: IncomingMessage, res: ServerResponse, path: string, query: Record<string, string>): void {
    const key = req.headers['cg-api-key'] as string | undefined;
    this.coinglassRequests.push({ key, query });
    res.writeHead(200, { 'content-type': 'application/json' });
    if (path !== '/api/futures/liquidation/aggregated-map') return void res.end(JSON.stringify({ code: '404', msg: 'Not Found' }));
    if (key !== 'pro-key') return void res.end(JSON.stringify({ code: '401', msg: 'Upgrade plan', success: false }));
    res.end(JSON.stringify({ code: '0', msg: 'success', data: { data: { '60000': [[60000, 1250000.5, 25, null], [60000, 250000, 50, null]], '71000': [[71000, 3400000, 100, null]], '58000.5': [[58000.5, 990000, null, null]] } } }));
  }

  private route(venue: Venue, path: string, q: Record<string, string>, headers: IncomingMessage['headers']): { status: number; body: unknown } {
    const now = this.options.now();
    const ok = (body: unknown) => ({ status: 200, body });
    if (venue === 'binance') {
      if (path === '/fapi/v1/exchangeInfo') return ok({ ...this.binanceInfo, serverTime: now });
      const base = this.binanceInfo.symbols.find((s) => s.symbol === q.symbol)?.baseAsset;
      if (!base) return { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } };
      const interval = binanceInterval(q.interval ?? q.period ?? '');
      const bars = interval ? barsFor('binance', base, interval) : [];
      if (path === '/fapi/v1/klines') {
        const rows = window(bars, Number(q.startTime ?? 0), Number(q.endTime ?? now), now).slice(0, Number(q.limit ?? 500));
        return ok(rows.map((b) => [b.ts, s(b.open), s(b.high), s(b.low), s(b.close), s(b.volume), b.ts + interval - 1, s(b.volume * b.close), 1000, s(b.takerBuyVolume), s(b.takerBuyVolume * b.close), '0']));
      }
      if (path === '/futures/data/openInterestHist') {
        const start = Number(q.startTime ?? now - 30 * DAY);
        if (start < now - 30 * DAY) return { status: 400, body: { code: -1130, msg: "parameter 'startTime' is invalid." } };
        const points = snapshots(bars, interval, start, Number(q.endTime ?? now), now, this.oiGaps).slice(0, Number(q.limit ?? 30));
        return ok(points.map(({ ts, bar }) => ({ symbol: q.symbol, sumOpenInterest: s(bar.oi), sumOpenInterestValue: s(bar.oiUsd), timestamp: ts })));
      }
      if (path === '/fapi/v1/leverageBracket') {
        // Signed endpoint: key header and an HMAC signature are required (values are not verified here).
        if (!headers['x-mbx-apikey'] || !q.signature || !q.timestamp) return { status: 401, body: { code: -2014, msg: 'API-key format invalid.' } };
        return ok([{ symbol: q.symbol, notionalCoef: 1, brackets: [{ bracket: 1, initialLeverage: 75, notionalCap: 10000, notionalFloor: 0, maintMarginRatio: 0.005, cum: 0 }] }]);
      }
      if (path === '/fapi/v1/premiumIndex') {
        const last = barsFor('binance', base, 300_000).filter((b) => b.ts <= now).pop();
        return ok({ symbol: q.symbol, markPrice: s(last?.close ?? 1), indexPrice: s(last?.close ?? 1), lastFundingRate: '0.0001', nextFundingTime: now + 3600_000, time: now });
      }
      return { status: 404, body: { code: -5000, msg: 'Path not found' } };
    }
    if (venue === 'bybit') {
      const env = (result: unknown) => ok({ retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time: now });
      if (path === '/v5/market/instruments-info') return env(this.bybitInfo.result);
      const base = this.bybitInfo.result.list.find((x) => x.symbol === q.symbol)?.baseCoin;
      if (!base) return ok({ retCode: 10001, retMsg: 'params error: symbol invalid', result: {}, retExtInfo: {}, time: now });
      if (path === '/v5/market/kline') {
        const interval = Number(q.interval) * 60_000;
        const rows = window(barsFor('bybit', base, interval), Number(q.start ?? 0), Number(q.end ?? now), now).reverse().slice(0, Number(q.limit ?? 200));
        return env({ category: 'linear', symbol: q.symbol, list: rows.map((b) => [String(b.ts), s(b.open), s(b.high), s(b.low), s(b.close), s(b.volume), s(b.volume * b.close)]) });
      }
      if (path === '/v5/market/open-interest') {
        const interval = ({ '5min': 300_000, '15min': 900_000, '30min': 1_800_000, '1h': 3_600_000 } as Record<string, number>)[q.intervalTime ?? ''] ?? 0;
        const points = snapshots(barsFor('bybit', base, interval), interval, Number(q.startTime ?? 0), Number(q.endTime ?? now), now, this.oiGaps).reverse().slice(0, Number(q.limit ?? 50));
        return env({ category: 'linear', symbol: q.symbol, list: points.map(({ ts, bar }) => ({ openInterest: s(bar.oi), timestamp: String(ts) })), nextPageCursor: '' });
      }
      if (path === '/v5/market/risk-limit') {
        return env({ category: 'linear', list: [
          { id: 1, symbol: q.symbol, riskLimitValue: '2000000', maintenanceMargin: '0.005', initialMargin: '0.01', isLowestRisk: 1, maxLeverage: '100.00', mmDeduction: '' },
          { id: 2, symbol: q.symbol, riskLimitValue: '2600000', maintenanceMargin: '0.0056', initialMargin: '0.0111', isLowestRisk: 0, maxLeverage: '90.00', mmDeduction: '1200' },
        ] });
      }
      if (path === '/v5/market/tickers') {
        const last = barsFor('bybit', base, 300_000).filter((b) => b.ts <= now).pop();
        return env({ category: 'linear', list: [{ symbol: q.symbol, markPrice: s(last?.close ?? 1), lastPrice: s(last?.close ?? 1) }] });
      }
      return { status: 404, body: 'not found' };
    }
    // okx
    const env = (data: unknown) => ok({ code: '0', msg: '', data });
    if (path === '/api/v5/public/instruments') return env(this.okxInfo.data);
    const instId = q.instId ?? (q.instFamily ? `${q.instFamily}-SWAP` : '');
    const inst = this.okxInfo.data.find((x) => x.instId === instId);
    if (!inst) return ok({ code: '51001', msg: 'Instrument ID does not exist', data: [] });
    const base = instId.split('-')[0]!;
    const interval = ({ '5m': 300_000, '15m': 900_000, '30m': 1_800_000, '1H': 3_600_000 } as Record<string, number>)[q.bar ?? q.period ?? ''] ?? 0;
    if (path === '/api/v5/market/candles' || path === '/api/v5/market/history-candles') {
      const after = q.after ? Number(q.after) : Infinity;
      const before = q.before ? Number(q.before) : -Infinity;
      const rows = barsFor('okx', base, interval).filter((b) => b.ts <= now && b.ts < after && b.ts > before).reverse().slice(0, Number(q.limit ?? 100));
      const ctVal = Number(inst.ctVal);
      return env(rows.map((b) => [String(b.ts), s(b.open), s(b.high), s(b.low), s(b.close), s(b.volume / ctVal), s(b.volume), s(b.volume * b.close), b.ts + interval <= now ? '1' : '0']));
    }
    if (path === '/api/v5/rubik/stat/contracts/open-interest-history') {
      const points = snapshots(barsFor('okx', base, interval), interval, Number(q.begin ?? 0), Number(q.end ?? now), now, this.oiGaps).reverse().slice(0, Number(q.limit ?? 100));
      return env(points.map(({ ts, bar }) => [String(ts), s(bar.oi / Number(inst.ctVal)), s(bar.oi), s(bar.oiUsd)]));
    }
    if (path === '/api/v5/rubik/stat/taker-volume-contract') {
      const rows = window(barsFor('okx', base, interval), Number(q.begin ?? 0), Number(q.end ?? now), now).reverse().slice(0, Number(q.limit ?? 100));
      return env(rows.map((b) => [String(b.ts), s(b.volume - b.takerBuyVolume), s(b.takerBuyVolume)]));
    }
    if (path === '/api/v5/public/position-tiers') {
      return env([
        { uly: q.instFamily, instFamily: q.instFamily, tier: '2', minSz: '50000', maxSz: '100000', mmr: '0.005', imr: '0.0133', maxLever: '75' },
        { uly: q.instFamily, instFamily: q.instFamily, tier: '1', minSz: '0', maxSz: '50000', mmr: '0.004', imr: '0.01', maxLever: '100' },
      ]);
    }
    if (path === '/api/v5/public/mark-price') {
      const last = barsFor('okx', base, 300_000).filter((b) => b.ts <= now).pop();
      return env([{ instType: 'SWAP', instId, markPx: s(last?.close ?? 1), ts: String(now) }]);
    }
    return { status: 404, body: { code: '50000', msg: 'not found' } };
  }
}

function s(n: number): string {
  return String(Number(n.toPrecision(12)));
}

function binanceInterval(text: string): number {
  return ({ '5m': 300_000, '15m': 900_000, '30m': 1_800_000, '1h': 3_600_000 } as Record<string, number>)[text] ?? 0;
}

/** Bars that have opened by `now` with open time in [start, end]. */
function window(bars: FakeBar[], start: number, end: number, now: number): FakeBar[] {
  return bars.filter((b) => b.ts >= start && b.ts <= end && b.ts <= now);
}

/** Open-interest snapshots at interval boundaries in [start, end] that exist by `now`. */
function snapshots(bars: FakeBar[], intervalMs: number, start: number, end: number, now: number, gaps: Set<number>): { ts: number; bar: FakeBar }[] {
  const out: { ts: number; bar: FakeBar }[] = [];
  if (!intervalMs) return out;
  if (bars.length === 0) return out;
  const first = Math.max(start, bars[0]!.ts + intervalMs);
  for (let ts = Math.ceil(first / intervalMs) * intervalMs; ts <= Math.min(end, now); ts += intervalMs) {
    if (gaps.has(ts)) continue;
    const bar = oiAt(bars, intervalMs, ts);
    if (bar) out.push({ ts, bar });
  }
  return out;
}
