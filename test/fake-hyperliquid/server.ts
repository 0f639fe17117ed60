// A fake Hyperliquid info API (`POST /info`) and websocket (`/ws`) on loopback, answering in the
// documented shapes (test/fixtures/hyperliquid/, copied from the venue's docs and real captures), with
// the venue's weights counted here, at the fake, over a sliding minute: beyond the limit it answers
// 429. Users hold cross and isolated positions, some without a liquidation price; a user's positions
// can close after a number of polls; an answer can be made malformed on purpose.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { PROJECT_ROOT } from '../../src/paths.js';

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'hyperliquid');
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as { response: unknown };

export interface FakePosition {
  coin: string;
  /** Signed size in coins. */
  szi: number;
  entryPx: number;
  liquidationPx: number | null;
  mode: 'cross' | 'isolated';
  leverage: number;
}

export interface FakeUser {
  positions: FakePosition[];
  /** After this many answered polls the user holds nothing (positions closed between polls). */
  closeAfterPolls?: number;
  polls?: number;
}

export interface FakeMarket {
  markPx: number;
  openInterest: number;
  maxLeverage?: number;
}

export interface FakeTrade {
  coin: string;
  side: 'B' | 'A';
  px: number;
  sz: number;
  time: number;
  buyer: string;
  seller: string;
}

export interface FakeRequest {
  type: string;
  user?: string;
  at: number;
  weight: number;
  status: number;
}

/** One candle as candleSnapshot serves it (numbers; the fake formats them). */
export interface FakeCandle {
  t: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface FakeHyperliquidOptions {
  now: () => number;
  /** Weight per window before 429 (the venue: 1200 per minute per IP). */
  limit?: number;
  windowMs?: number;
  /** The markets at a time (the fake exchange's shared market); else `markets`. */
  marketsAt?: (now: number) => Map<string, FakeMarket>;
  /** A coin's candles at an interval, oldest first (the fake exchange's market); else a synthetic wave. */
  candles?: (coin: string, intervalMs: number) => FakeCandle[] | undefined;
}

/** Same rule as the client's weights.ts, written again here so the fake counts on its own. */
function weightOf(type: string, rows: number): number {
  if (['l2Book', 'allMids', 'clearinghouseState', 'orderStatus', 'spotClearinghouseState', 'exchangeStatus'].includes(type)) return 2;
  if (type === 'recentTrades') return 20 + Math.ceil(rows / 20);
  if (type === 'candleSnapshot') return 20 + Math.ceil(rows / 60);
  return type === 'userRole' ? 60 : 20;
}

const num = (x: number) => String(+x.toPrecision(12));

export class FakeHyperliquid {
  readonly users = new Map<string, FakeUser>();
  readonly markets = new Map<string, FakeMarket>([['BTC', { markPx: 100_000, openInterest: 20_000, maxLeverage: 40 }]]);
  /** recentTrades answers per coin, newest first. */
  readonly recent = new Map<string, FakeTrade[]>();
  readonly requests: FakeRequest[] = [];
  /** Users whose next answers are malformed (a size that is not a number). */
  readonly malformedUsers = new Set<string>();
  /** Highest weight counted within one window over the accepted requests. */
  maxWindowWeight = 0;
  rejected = 0;
  wsReceived: string[] = [];
  /** Candle interval and closes used by candleSnapshot; the venue keeps the last 5000. */
  candleBase = 100_000;
  private server!: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private sockets: { ws: WebSocket; coins: Set<string> }[] = [];
  private readonly accepted: { at: number; weight: number }[] = [];
  private readonly stateTemplate = fixture('hyperliquid-clearinghouse-state.json').response as Record<string, unknown>;
  private readonly metaTemplate = fixture('hyperliquid-meta-and-asset-ctxs.json').response as [Record<string, unknown>, Record<string, unknown>[]];
  url = '';

  constructor(private readonly options: FakeHyperliquidOptions) {}

  get limit(): number {
    return this.options.limit ?? 1200;
  }

  get wsUrl(): string {
    return `${this.url.replace('http', 'ws')}/ws`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
    this.server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/ws')) return socket.destroy();
      this.upgrade(req, socket, head);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  count(type: string, status = 200): number {
    return this.requests.filter((r) => r.type === type && r.status === status).length;
  }

  /** Pushes trades on the websocket to every subscriber of their coin; returns the sockets reached. */
  pushTrades(trades: FakeTrade[]): number {
    let sent = 0;
    for (const s of this.sockets) {
      const mine = trades.filter((t) => s.coins.has(t.coin));
      if (mine.length === 0 || s.ws.readyState !== s.ws.OPEN) continue;
      s.ws.send(JSON.stringify({ channel: 'trades', data: mine.map(tradeRow) }));
      sent++;
    }
    return sent;
  }

  /** Sends raw text to every socket (a malformed frame). */
  pushRaw(text: string): void {
    for (const s of this.sockets) if (s.ws.readyState === s.ws.OPEN) s.ws.send(text);
  }

  /** Takes over an upgrade to its websocket (the fake exchange mounts it on its own server). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
  }

  /** Drops every websocket without a close handshake (a dead connection). */
  dropSockets(): void {
    for (const s of this.sockets) s.ws.terminate();
  }

  subscribers(coin: string): number {
    return this.sockets.filter((s) => s.coins.has(coin) && s.ws.readyState === s.ws.OPEN).length;
  }

  private onSocket(ws: WebSocket): void {
    const entry = { ws, coins: new Set<string>() };
    this.sockets.push(entry);
    ws.on('close', () => {
      this.sockets = this.sockets.filter((s) => s !== entry);
    });
    ws.on('message', (data) => {
      const text = String(data);
      this.wsReceived.push(text);
      let msg: { method?: string; subscription?: { type?: string; coin?: string } };
      try {
        msg = JSON.parse(text) as typeof msg;
      } catch {
        return;
      }
      if (msg.method === 'ping') return ws.send(JSON.stringify({ channel: 'pong' }));
      if (msg.method === 'subscribe' && msg.subscription?.type === 'trades' && msg.subscription.coin) {
        entry.coins.add(msg.subscription.coin);
        ws.send(JSON.stringify({ channel: 'subscriptionResponse', data: { method: 'subscribe', subscription: msg.subscription } }));
      }
    });
  }

  /** Answers one `POST /info` (the fake exchange mounts the fake on its own server this way). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== '/info') return this.send(res, 404, 'not found');
    let body: { type?: string; user?: string; coin?: string; req?: { coin: string; interval: string; startTime: number; endTime: number } };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      return this.send(res, 422, 'Failed to deserialize the JSON body');
    }
    const type = body.type ?? '';
    const answer = this.answer(type, body);
    const at = this.options.now();
    const weight = weightOf(type, Array.isArray(answer.body) && type !== 'metaAndAssetCtxs' ? answer.body.length : 0);
    const windowMs = this.options.windowMs ?? 60_000;
    while (this.accepted.length > 0 && this.accepted[0]!.at <= at - windowMs) this.accepted.shift();
    const used = this.accepted.reduce((s, r) => s + r.weight, 0);
    if (used + weight > this.limit) {
      this.rejected++;
      this.requests.push({ type, user: body.user, at, weight, status: 429 });
      return this.send(res, 429, '');
    }
    this.accepted.push({ at, weight });
    this.maxWindowWeight = Math.max(this.maxWindowWeight, used + weight);
    this.requests.push({ type, user: body.user, at, weight, status: answer.status });
    this.send(res, answer.status, typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
  }

  private send(res: ServerResponse, status: number, text: string): void {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.end(text);
  }

  private answer(type: string, body: { user?: string; coin?: string; req?: { coin: string; interval: string; startTime: number; endTime: number } }): { status: number; body: unknown } {
    switch (type) {
      case 'clearinghouseState':
        return { status: 200, body: this.clearinghouseState(String(body.user ?? '').toLowerCase()) };
      case 'metaAndAssetCtxs':
        return { status: 200, body: this.metaAndAssetCtxs() };
      case 'recentTrades':
        return { status: 200, body: (this.recent.get(String(body.coin)) ?? []).map(tradeRow) };
      case 'candleSnapshot':
        return { status: 200, body: this.candleSnapshot(body.req!) };
      default:
        return { status: 422, body: 'Failed to deserialize the JSON body into the target type' };
    }
  }

  private clearinghouseState(user: string): unknown {
    const u = this.users.get(user);
    const positions = u ? u.positions : [];
    if (u) {
      u.polls = (u.polls ?? 0) + 1;
      if (u.closeAfterPolls !== undefined && u.polls >= u.closeAfterPolls) u.positions = [];
    }
    const assetPositions = positions.map((p) => {
      const mark = this.currentMarkets().get(p.coin)?.markPx ?? p.entryPx;
      const value = Math.abs(p.szi) * mark;
      const leverage = p.mode === 'cross' ? { type: 'cross', value: p.leverage } : { rawUsd: num(-value + value / p.leverage), type: 'isolated', value: p.leverage };
      return {
        position: {
          coin: p.coin,
          cumFunding: { allTime: '0.0', sinceChange: '0.0', sinceOpen: '0.0' },
          entryPx: num(p.entryPx),
          leverage,
          liquidationPx: p.liquidationPx === null ? null : num(p.liquidationPx),
          marginUsed: num(value / p.leverage),
          maxLeverage: this.currentMarkets().get(p.coin)?.maxLeverage ?? 40,
          positionValue: num(value),
          returnOnEquity: '0.0',
          szi: this.malformedUsers.has(user) ? 'not-a-size' : num(p.szi),
          unrealizedPnl: num(p.szi * (mark - p.entryPx)),
        },
        type: 'oneWay',
      };
    });
    return { ...this.stateTemplate, assetPositions, time: this.options.now() };
  }

  private currentMarkets(): Map<string, FakeMarket> {
    return this.options.marketsAt?.(this.options.now()) ?? this.markets;
  }

  private metaAndAssetCtxs(): unknown {
    const [metaTemplate, ctxTemplates] = this.metaTemplate;
    const markets = this.currentMarkets();
    const coins = [...markets.keys()];
    const universe = coins.map((name) => ({ name, szDecimals: 5, maxLeverage: markets.get(name)!.maxLeverage ?? 40 }));
    const ctxs = coins.map((name) => {
      const m = markets.get(name)!;
      return { ...ctxTemplates[0], markPx: num(m.markPx), oraclePx: num(m.markPx), midPx: num(m.markPx), openInterest: num(m.openInterest), impactPxs: [num(m.markPx), num(m.markPx)] };
    });
    return [{ ...metaTemplate, universe }, ctxs];
  }

  /** Every candle overlapping [startTime, endTime], at most 500, of the 5000 most recent. */
  private candleSnapshot(r: { coin: string; interval: string; startTime: number; endTime: number }): unknown {
    const intervalMs = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '30m': 1_800_000, '1h': 3_600_000 }[r.interval];
    if (!intervalMs) return [];
    const now = this.options.now();
    const current = Math.floor(now / intervalMs) * intervalMs;
    const oldest = current - 4999 * intervalMs;
    const rows: unknown[] = [];
    const source = this.options.candles?.(r.coin, intervalMs);
    if (source) {
      for (const c of source) {
        if (c.t < oldest || c.t > current || c.t + intervalMs <= r.startTime || c.t > r.endTime) continue;
        rows.push({ T: c.t + intervalMs - 1, c: num(c.close), h: num(c.high), i: r.interval, l: num(c.low), n: 100, o: num(c.open), s: r.coin, t: c.t, v: num(c.volume) });
        if (rows.length === 500) break;
      }
      return rows;
    }
    for (let t = Math.max(oldest, Math.floor(r.startTime / intervalMs) * intervalMs); t <= Math.min(current, r.endTime) && rows.length < 500; t += intervalMs) {
      const k = t / intervalMs;
      const open = this.candleBase + 50 * Math.sin(k / 7);
      const close = this.candleBase + 50 * Math.sin((k + 1) / 7);
      rows.push({ T: t + intervalMs - 1, c: num(close), h: num(Math.max(open, close) + 10), i: r.interval, l: num(Math.min(open, close) - 10), n: 100, o: num(open), s: r.coin, t, v: '1.5' });
    }
    return rows;
  }
}

function tradeRow(t: FakeTrade): unknown {
  return { coin: t.coin, side: t.side, px: num(t.px), sz: num(t.sz), time: t.time, hash: '0x' + '0'.repeat(64), tid: t.time % 1_000_000_007, users: [t.buyer, t.seller] };
}

/** A 0x address from a number (tests name users by index). */
export function addressOf(i: number): string {
  return `0x${i.toString(16).padStart(40, '0')}`;
}
