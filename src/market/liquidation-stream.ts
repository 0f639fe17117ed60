// One websocket per venue for realized liquidations: subscribe, keep alive with the venue's own ping,
// reconnect with backoff when the connection drops or goes silent, and hand normalized events on.
import WebSocket from 'ws';
import type { Logger } from 'pino';
import { DEFAULT_WS_URLS, type VenueUrls } from './market-config.js';
import { parseBinanceForceOrder, parseBybitLiquidation, parseOkxLiquidation, type LiquidationEvent } from './liquidation-events.js';

/** Per stream, for metrics (src/metrics.ts implements it). */
export interface StreamObserver {
  streamConnected(venue: string, up: boolean): void;
  streamMessage(venue: string): void;
  streamReconnect(venue: string): void;
}

export interface LiquidationStreamOptions {
  venue: 'binance' | 'bybit' | 'okx';
  url?: string;
  /** Canonical symbols to keep; Bybit subscribes per symbol, the others stream every market and are filtered. */
  symbols?: string[];
  /** OKX contract sizes by instId (liquidation sizes come in contracts). */
  contractSize?: (instId: string) => number | undefined;
  onEvent: (event: LiquidationEvent) => void;
  /** Keep-alive period; a connection silent for two periods is dropped and reopened. */
  pingMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  log?: Pick<Logger, 'info' | 'warn'>;
  observer?: StreamObserver;
  random?: () => number;
}

/** Bybit's documented advice is a ping every 20 s; OKX drops connections silent for 30 s. */
const PING_MS = { binance: 60_000, bybit: 20_000, okx: 20_000 };
/** Bybit takes at most 10 topics per subscribe request. */
const BYBIT_TOPICS_PER_REQUEST = 10;

export class LiquidationStream {
  private ws: WebSocket | undefined;
  private stopped = false;
  private attempts = 0;
  private pingTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private lastSeen = 0;
  private symbols: Set<string> | undefined;
  /** Bybit topics subscribed on the open connection. */
  private topics = new Set<string>();
  /** Connections opened so far (the first and every reconnect). */
  connections = 0;
  /** Frames received (pongs included). */
  messages = 0;
  events = 0;
  malformed = 0;

  constructor(private readonly options: LiquidationStreamOptions) {
    this.symbols = options.symbols ? new Set(options.symbols) : undefined;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.pingTimer);
    clearTimeout(this.reconnectTimer);
    if (this.ws?.readyState === WebSocket.OPEN) this.options.observer?.streamConnected(this.options.venue, false);
    this.ws?.terminate();
    this.ws = undefined;
  }

  /** The symbols to keep from now on; Bybit subscribes the new ones (and drops the old) on the open connection. */
  setSymbols(symbols: readonly string[]): void {
    this.symbols = new Set(symbols);
    if (this.options.venue === 'bybit' && this.ws?.readyState === WebSocket.OPEN) this.syncBybitTopics(this.ws);
  }

  private get url(): string {
    return this.options.url ?? DEFAULT_WS_URLS[this.options.venue as keyof VenueUrls];
  }

  private connect(): void {
    const { venue, observer } = this.options;
    const ws = new WebSocket(this.url, { handshakeTimeout: 10_000 });
    this.ws = ws;
    let opened = false;
    ws.on('open', () => {
      opened = true;
      this.connections++;
      if (this.connections > 1) observer?.streamReconnect(venue);
      observer?.streamConnected(venue, true);
      this.lastSeen = Date.now();
      this.options.log?.info({ venue, connections: this.connections }, 'liquidation stream open');
      this.topics = new Set();
      this.subscribe(ws);
      const pingMs = this.options.pingMs ?? PING_MS[venue];
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => {
        if (Date.now() - this.lastSeen > 2 * pingMs) {
          this.options.log?.warn({ venue }, 'liquidation stream silent, reconnecting');
          ws.terminate();
          return;
        }
        if (venue === 'bybit') ws.send(JSON.stringify({ op: 'ping' }));
        else if (venue === 'okx') ws.send('ping');
        else ws.ping();
      }, pingMs);
    });
    ws.on('pong', () => {
      this.lastSeen = Date.now();
    });
    ws.on('message', (data) => {
      this.lastSeen = Date.now();
      this.attempts = 0;
      this.messages++;
      observer?.streamMessage(venue);
      this.onMessage(String(data));
    });
    ws.on('error', (err) => {
      this.options.log?.warn({ venue, err: err.message }, 'liquidation stream error');
    });
    ws.on('close', () => {
      clearInterval(this.pingTimer);
      if (opened) observer?.streamConnected(venue, false);
      if (this.stopped || this.ws !== ws) return;
      const base = this.options.backoffBaseMs ?? 1000;
      const delay = Math.min(this.options.backoffMaxMs ?? 30_000, base * 2 ** this.attempts) * (0.5 + (this.options.random ?? Math.random)() * 0.5);
      this.attempts++;
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    });
  }

  private subscribe(ws: WebSocket): void {
    const { venue } = this.options;
    if (venue === 'bybit') this.syncBybitTopics(ws);
    else if (venue === 'okx') ws.send(JSON.stringify({ op: 'subscribe', args: [{ channel: 'liquidation-orders', instType: 'SWAP' }] }));
    // Binance: the stream is named in the URL (!forceOrder@arr).
  }

  /** Bybit streams per symbol: subscribe the wanted topics not yet subscribed, unsubscribe the rest. */
  private syncBybitTopics(ws: WebSocket): void {
    const wanted = new Set([...(this.symbols ?? ['BTCUSDT', 'ETHUSDT'])].map((s) => `allLiquidation.${s}`));
    const add = [...wanted].filter((t) => !this.topics.has(t));
    const drop = [...this.topics].filter((t) => !wanted.has(t));
    for (let i = 0; i < add.length; i += BYBIT_TOPICS_PER_REQUEST) ws.send(JSON.stringify({ op: 'subscribe', args: add.slice(i, i + BYBIT_TOPICS_PER_REQUEST) }));
    for (let i = 0; i < drop.length; i += BYBIT_TOPICS_PER_REQUEST) ws.send(JSON.stringify({ op: 'unsubscribe', args: drop.slice(i, i + BYBIT_TOPICS_PER_REQUEST) }));
    this.topics = wanted;
  }

  private onMessage(text: string): void {
    if (text === 'pong') return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.malformed++;
      return;
    }
    let events: LiquidationEvent[];
    try {
      const { venue } = this.options;
      events =
        venue === 'binance' ? parseBinanceForceOrder(message) : venue === 'bybit' ? parseBybitLiquidation(message) : parseOkxLiquidation(message, this.options.contractSize ?? (() => undefined));
    } catch {
      this.malformed++;
      return;
    }
    for (const e of events) {
      if (this.symbols && !this.symbols.has(e.symbol)) continue;
      this.events++;
      this.options.onEvent(e);
    }
  }
}
