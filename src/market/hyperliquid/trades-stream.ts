// Hyperliquid's websocket `trades` channel for a few coins: every trade names its buyer and seller,
// the cheap way to find accounts worth asking `clearinghouseState` about. The server closes a
// connection it has sent nothing to for 60 s, so a quiet socket is pinged (`{"method":"ping"}`), one
// silent for two periods is dropped, and a dropped one reconnects with backoff and subscribes again.
import WebSocket from 'ws';
import { PayloadError } from '../payload.js';
import { DEFAULT_HL_WS_URL } from './info-client.js';
import { parseWsFrame } from './payloads.js';
import type { HlTrade } from './types.js';

export interface TradesStreamLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface TradesStreamOptions {
  coins: string[];
  onTrades: (trades: HlTrade[]) => void;
  /** The socket opened (subscriptions sent) or dropped: taker flow counts only bars heard whole. */
  onState?: (open: boolean) => void;
  url?: string;
  /** Ping after this long without a message (the server's limit is 60 s of silence on its side). */
  pingMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  log?: TradesStreamLog;
  random?: () => number;
}

export class HyperliquidTradesStream {
  private ws: WebSocket | undefined;
  private stopped = true;
  private attempts = 0;
  private timer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private lastSeen = 0;
  connections = 0;
  trades = 0;
  /** Frames or trades our parser refused (named in the log, then skipped). */
  malformed = 0;

  constructor(private readonly options: TradesStreamOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.reconnectTimer);
    this.ws?.terminate();
    this.ws = undefined;
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  private connect(): void {
    const ws = new WebSocket(this.options.url ?? DEFAULT_HL_WS_URL, { handshakeTimeout: 10_000 });
    this.ws = ws;
    const pingMs = this.options.pingMs ?? 30_000;
    ws.on('open', () => {
      this.connections++;
      this.lastSeen = Date.now();
      this.options.log?.info({ venue: 'hyperliquid', coins: this.options.coins, connections: this.connections }, 'trades stream open');
      for (const coin of this.options.coins) ws.send(JSON.stringify({ method: 'subscribe', subscription: { type: 'trades', coin } }));
      this.options.onState?.(true);
      clearInterval(this.timer);
      this.timer = setInterval(() => {
        const quiet = Date.now() - this.lastSeen;
        if (quiet > 2 * pingMs) {
          this.options.log?.warn({ venue: 'hyperliquid' }, 'trades stream silent, reconnecting');
          ws.terminate();
        } else if (quiet >= pingMs) {
          ws.send(JSON.stringify({ method: 'ping' }));
        }
      }, Math.max(50, Math.floor(pingMs / 2)));
    });
    ws.on('message', (data) => {
      this.lastSeen = Date.now();
      this.attempts = 0;
      this.onMessage(String(data));
    });
    ws.on('error', (err) => this.options.log?.warn({ venue: 'hyperliquid', err: err.message }, 'trades stream error'));
    ws.on('close', () => {
      clearInterval(this.timer);
      this.options.onState?.(false);
      if (this.stopped || this.ws !== ws) return;
      const base = this.options.backoffBaseMs ?? 1000;
      const delay = Math.min(this.options.backoffMaxMs ?? 30_000, base * 2 ** this.attempts) * (0.5 + (this.options.random ?? Math.random)() * 0.5);
      this.attempts++;
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    });
  }

  private onMessage(text: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      this.malformed++;
      this.options.log?.warn({ venue: 'hyperliquid', sample: text.slice(0, 80) }, 'trades stream: malformed JSON frame skipped');
      return;
    }
    let trades: HlTrade[] | 'other';
    try {
      trades = parseWsFrame(frame);
    } catch (err) {
      if (!(err instanceof PayloadError)) throw err;
      this.malformed++;
      this.options.log?.warn({ venue: 'hyperliquid', reason: err.message }, 'trades stream: unexpected frame skipped');
      return;
    }
    if (trades === 'other' || trades.length === 0) return;
    const wanted = new Set(this.options.coins);
    const mine = trades.filter((t) => wanted.has(t.coin));
    this.trades += mine.length;
    if (mine.length > 0) this.options.onTrades(mine);
  }
}
