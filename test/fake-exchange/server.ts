// A fake Binance USD-M + Bybit v5 + OKX v5 (+ CoinGlass v4) on loopback that behaves as the venues'
// documentation says (test/fixtures/exchange/docs/, whose README lists units, paging, ordering and
// limits): documented payload shapes (catalogues from real captures, see test/fixtures/README.md), each
// venue's row order, bound inclusivity and row limits, per-endpoint rate limits answered with the venue's
// own status and body, two-sided Bybit open interest, and Binance's liquidation stream on the `/market`
// base path (the retired `/ws/...` path still accepts a connection and a SUBSCRIBE, then sends nothing,
// as the real one did after April 2026). A controlled clock, and scripted faults. One HTTP server serves
// all (their paths do not collide), plus websockets.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { PROJECT_ROOT } from '../../src/paths.js';
import { binanceRoute, type BinanceState } from './binance.js';
import { bybitRoute, type BybitState } from './bybit.js';
import { coinglassRoute } from './coinglass.js';
import { MinuteWeight, SlidingCounter } from './limits.js';
import { okxRoute, type OkxState } from './okx.js';
import { hyperliquidOfMarket } from './hyperliquid.js';
import type { FakeHyperliquid } from '../fake-hyperliquid/server.js';
import type { RouteAnswer, RouteRequest } from './routes.js';

// From the project root, so the fake also runs compiled (dist/) for the benchmark.
const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'exchange');

export type FaultKind = 'status' | 'slow' | 'truncated' | 'bybit-retcode' | 'reset' | 'schema';

export interface Fault {
  /** Substring of the request path, e.g. "/fapi/v1/klines". */
  path: string;
  /** Only this venue's requests (Bybit's paths are a substring of OKX's). */
  venue?: Venue;
  kind: FaultKind;
  /** Requests it applies to (default 1; Infinity for all). */
  times?: number;
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
}

/** What Bybit's CloudFront answers a country it blocks (HTTP 403, HTML). */
export const CLOUDFRONT_GEO_BLOCK = {
  status: 403,
  headers: { 'content-type': 'text/html', server: 'CloudFront', 'x-cache': 'Error from cloudfront' },
  body: '<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY><H1>403 ERROR</H1><H2>The request could not be satisfied.</H2><HR noshade size="1px">The Amazon CloudFront distribution is configured to block access from your country.</BODY></HTML>',
};

/** What Binance answers a country it does not serve. */
export const BINANCE_GEO_BLOCK = {
  status: 451,
  headers: { 'content-type': 'application/json' },
  body: '{"code":0,"msg":"Service unavailable from a restricted location according to \'b. Eligibility\' in https://www.binance.com/en/terms. Please contact customer service if you believe you received this message in error."}',
};

export interface RecordedRequest {
  venue: Venue | 'coinglass';
  path: string;
  query: Record<string, string>;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The fake's clock when it arrived. */
  at: number;
}

export interface FakeExchangeOptions {
  now: () => number;
  /** What OKX rubik open-interest rows' ts stands for (default `bar-open`, the client's reading). */
  okxOiLabel?: 'bar-open' | 'snapshot';
}

type Venue = 'binance' | 'bybit' | 'okx';
type SocketPath = 'market' | 'legacy' | 'bybit' | 'okx';

export class FakeExchange {
  readonly requests: RecordedRequest[] = [];
  /** Open-interest snapshot times to leave out (gaps), all venues. */
  readonly oiGaps = new Set<number>();
  private faults: (Fault & { left: number })[] = [];
  private server!: Server;
  private wss = new WebSocketServer({ noServer: true });
  private sockets: { venue: Venue; path: SocketPath; ws: WebSocket; topics: Set<string> }[] = [];
  /** Messages received on websockets (subscriptions, pings), per venue. */
  readonly wsReceived: { venue: Venue; text: string }[] = [];
  wsConnections = 0;
  url = '';

  readonly binance: BinanceState;
  readonly bybit: BybitState;
  readonly okx: OkxState;
  /** Hyperliquid's info API (`POST /info`) on the same server. */
  readonly hyperliquid: FakeHyperliquid;

  constructor(private readonly options: FakeExchangeOptions) {
    const read = <T>(name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
    this.binance = { info: read('binance-exchangeInfo.json'), weight: new MinuteWeight(), futuresData: new SlidingCounter(1000, 300_000), oiGaps: this.oiGaps };
    this.bybit = { info: read('bybit-instruments-info.json'), perIp: new SlidingCounter(600, 5000), oiGaps: this.oiGaps };
    this.okx = { instruments: read<{ data: OkxState['instruments'] }>('okx-instruments.json').data, counters: new Map(), oiGaps: this.oiGaps, oiLabel: options.okxOiLabel ?? 'bar-open' };
    this.hyperliquid = hyperliquidOfMarket(options.now);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
    this.server.on('upgrade', (req, socket, head) => {
      const url = req.url ?? '';
      // Hyperliquid's websocket is its own fake's.
      if (url === '/ws') return this.hyperliquid.upgrade(req, socket, head);
      const where: [Venue, SocketPath] | undefined = url.startsWith('/market/ws/') || url.startsWith('/market/stream')
        ? ['binance', 'market']
        : url.startsWith('/ws/!') || /^\/ws\/[a-z0-9]+@/.test(url) || url.startsWith('/stream?')
          ? ['binance', 'legacy']
          : url.startsWith('/v5/public/linear')
            ? ['bybit', 'bybit']
            : url.startsWith('/ws/v5/public')
              ? ['okx', 'okx']
              : undefined;
      if (!where) return socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(where[0], where[1], ws));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  get wsUrls() {
    const ws = this.url.replace('http', 'ws');
    return { binance: `${ws}/market/ws/!forceOrder@arr`, bybit: `${ws}/v5/public/linear`, okx: `${ws}/ws/v5/public` };
  }

  /** Binance's retired stream path, which still answers but streams nothing. */
  get hyperliquidWsUrl(): string {
    return `${this.url.replace('http', 'ws')}/ws`;
  }

  /** Binance's retired stream path, which still answers but streams nothing. */
  get legacyBinanceWsUrl(): string {
    return `${this.url.replace('http', 'ws')}/ws/!forceOrder@arr`;
  }

  get urls() {
    return { binance: this.url, bybit: this.url, okx: this.url, hyperliquid: this.url };
  }

  async stop(): Promise<void> {
    this.hyperliquid.dropSockets();
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
    for (const r of this.requests) if (r.venue !== 'coinglass') out[r.venue]++;
    return out;
  }

  /** Hyperliquid's requests (its own fake counts them, with their weights). */
  get hyperliquidRequests() {
    return this.hyperliquid.requests;
  }

  /** Requests the venue refused for its rate limit (429, or Bybit's 403). */
  rateLimited(venue?: Venue): RecordedRequest[] {
    return this.requests.filter((r) => (!venue || r.venue === venue) && (r.status === 429 || (r.venue === 'bybit' && r.status === 403)));
  }

  get coinglassRequests(): { key: string | undefined; query: Record<string, string> }[] {
    return this.requests.filter((r) => r.venue === 'coinglass').map((r) => ({ key: r.headers['cg-api-key'] as string | undefined, query: r.query }));
  }

  /** Sends a websocket message to every streaming socket of the venue (Bybit: subscribers of `topic`). */
  push(venue: Venue, message: unknown, topic?: string): number {
    let sent = 0;
    for (const s of this.sockets) {
      // The retired Binance path keeps the connection but delivers nothing.
      if (s.venue !== venue || s.path === 'legacy' || s.ws.readyState !== s.ws.OPEN) continue;
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

  openSockets(venue: Venue, path?: SocketPath): number {
    return this.sockets.filter((s) => s.venue === venue && (!path || s.path === path) && s.ws.readyState === s.ws.OPEN).length;
  }

  subscribed(venue: Venue, topic: string): boolean {
    return this.sockets.some((s) => s.venue === venue && s.ws.readyState === s.ws.OPEN && s.topics.has(topic));
  }

  private onSocket(venue: Venue, path: SocketPath, ws: WebSocket): void {
    this.wsConnections++;
    const entry = { venue, path, ws, topics: new Set<string>() };
    this.sockets.push(entry);
    ws.on('close', () => {
      this.sockets = this.sockets.filter((s) => s !== entry);
    });
    ws.on('message', (data) => {
      const text = String(data);
      this.wsReceived.push({ venue, text });
      if (venue === 'okx' && text === 'ping') return ws.send('pong');
      let msg: { op?: string; method?: string; args?: unknown[]; params?: unknown[]; req_id?: string; id?: unknown };
      try {
        msg = JSON.parse(text) as typeof msg;
      } catch {
        return;
      }
      // Binance's SUBSCRIBE is acknowledged on either path (on the retired one, nothing follows).
      if (venue === 'binance' && msg.method === 'SUBSCRIBE') return ws.send(JSON.stringify({ result: null, id: msg.id ?? null }));
      if (venue === 'bybit' && msg.op === 'ping') return ws.send(JSON.stringify({ success: true, ret_msg: 'pong', conn_id: 'fake', req_id: msg.req_id ?? '', op: 'ping' }));
      if (msg.op === 'subscribe') {
        for (const a of msg.args ?? []) entry.topics.add(typeof a === 'string' ? a : JSON.stringify(a));
        if (venue === 'bybit') ws.send(JSON.stringify({ success: true, ret_msg: '', conn_id: 'fake', req_id: msg.req_id ?? '', op: 'subscribe' }));
        if (venue === 'okx') for (const a of msg.args ?? []) ws.send(JSON.stringify({ event: 'subscribe', arg: a, connId: 'fake' }));
      }
      if (msg.op === 'unsubscribe') {
        for (const a of msg.args ?? []) entry.topics.delete(typeof a === 'string' ? a : JSON.stringify(a));
        if (venue === 'bybit') ws.send(JSON.stringify({ success: true, ret_msg: '', conn_id: 'fake', req_id: msg.req_id ?? '', op: 'unsubscribe' }));
      }
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (path === '/info') return this.hyperliquid.handle(req, res);
    const query = Object.fromEntries(url.searchParams);
    const venue: Venue | 'coinglass' = path.startsWith('/api/futures/') ? 'coinglass' : path.startsWith('/v5/') ? 'bybit' : path.startsWith('/api/v5/') ? 'okx' : 'binance';
    const recorded: RecordedRequest = { venue, path, query, status: 0, headers: req.headers, at: this.options.now() };
    this.requests.push(recorded);
    const send = (status: number, headers: Record<string, string>, text: string) => {
      recorded.status = status;
      res.writeHead(status, headers);
      res.end(text);
    };

    const fault = this.faults.find((f) => f.left > 0 && path.includes(f.path) && (!f.venue || f.venue === venue));
    if (fault) {
      fault.left--;
      switch (fault.kind) {
        case 'status':
          return send(fault.status ?? 500, { 'content-type': 'application/json', ...fault.headers }, fault.body ?? '{"code":-1000,"msg":"fake failure"}');
        case 'slow':
          await new Promise((r) => setTimeout(r, fault.delayMs ?? 5000));
          break;
        case 'reset':
          recorded.status = -1;
          return void req.socket.destroy();
        case 'truncated': {
          const text = JSON.stringify(this.route(venue, { path, query, headers: req.headers, now: this.options.now() }).body);
          return send(200, { 'content-type': 'application/json' }, text.slice(0, Math.floor(text.length / 2)));
        }
        case 'bybit-retcode':
          return send(200, { 'content-type': 'application/json' }, fault.body ?? JSON.stringify({ retCode: 10016, retMsg: 'Service error', result: {}, retExtInfo: {}, time: this.options.now() }));
        case 'schema':
          return send(200, { 'content-type': 'application/json' }, fault.body ?? '[["oops"]]');
      }
    }
    const answer = this.route(venue, { path, query, headers: req.headers, now: this.options.now() });
    if (res.destroyed) return;
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    send(answer.status, { 'content-type': 'application/json', ...answer.headers }, text);
  }

  private route(venue: Venue | 'coinglass', req: RouteRequest): RouteAnswer {
    if (venue === 'coinglass') return coinglassRoute(req);
    if (venue === 'binance') return binanceRoute(this.binance, req);
    if (venue === 'bybit') return bybitRoute(this.bybit, req);
    return okxRoute(this.okx, req);
  }
}
