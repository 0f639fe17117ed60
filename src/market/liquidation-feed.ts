// The live liquidation feed the bot and the recorder use: one stream per venue and listeners for each
// event (the schedules keep their own sums: src/schedule/realized-liquidations.ts). In the bot it follows the symbols digests and alert
// rules name (polled from the store, so a chat's new symbol is subscribed within a minute, whichever
// instance stored it) and OKX's contract sizes (its sizes come in contracts).
import type { Logger } from 'pino';
import type { LiquidationEvent } from './liquidation-events.js';
import { LiquidationStream, type StreamObserver } from './liquidation-stream.js';
import type { VenueUrls } from './market-config.js';

/** Always kept: the markets most chats ask about, before any digest or rule exists. */
export const BASE_SYMBOLS = ['BTCUSDT', 'ETHUSDT'];

export interface LiquidationFeedOptions {
  venues?: ('binance' | 'bybit' | 'okx')[];
  wsUrls?: Partial<VenueUrls>;
  /** Canonical symbols to keep; Bybit needs them to subscribe (default BTCUSDT, ETHUSDT). */
  symbols?: string[];
  /** OKX contract sizes by instId, fixed (the recorder knows them before it starts). */
  contractSize?: (instId: string) => number | undefined;
  /** Or loaded at start and again at every follow round (LiveMarketData.contractSizes, cached an hour). */
  contractSizes?: () => Promise<ReadonlyMap<string, number>>;
  /** The symbols wanted besides BASE_SYMBOLS, asked at start and every `followMs`. */
  followSymbols?: () => Promise<readonly string[]>;
  followMs?: number;
  log?: Pick<Logger, 'info' | 'warn'>;
  observer?: StreamObserver;
  pingMs?: number;
  backoffBaseMs?: number;
}

export class LiquidationFeed {
  readonly streams: LiquidationStream[];
  private readonly listeners = new Set<(event: LiquidationEvent) => void>();
  private sizes: ReadonlyMap<string, number> = new Map();
  private symbols: string[] | undefined;
  private followTimer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();

  constructor(private readonly options: LiquidationFeedOptions = {}) {
    this.symbols = options.symbols ?? (options.followSymbols ? [...BASE_SYMBOLS] : undefined);
    const contractSize = options.contractSize ?? ((instId: string) => this.sizes.get(instId));
    this.streams = (options.venues ?? ['binance', 'bybit', 'okx']).map(
      (venue) =>
        new LiquidationStream({
          venue,
          url: options.wsUrls?.[venue],
          symbols: this.symbols,
          contractSize,
          log: options.log,
          observer: options.observer,
          pingMs: options.pingMs,
          backoffBaseMs: options.backoffBaseMs,
          onEvent: (event) => {
            for (const listener of this.listeners) listener(event);
          },
        }),
    );
  }

  start(): void {
    for (const s of this.streams) s.start();
    if (this.options.followSymbols || this.options.contractSizes) {
      this.round = this.follow();
      this.followTimer = setInterval(() => {
        this.round = this.follow();
      }, this.options.followMs ?? 60_000);
    }
  }

  stop(): void {
    clearInterval(this.followTimer);
    for (const s of this.streams) s.stop();
  }

  /** Resolves when the follow round under way (symbols, contract sizes) is done (tests). */
  settled(): Promise<void> {
    return this.round;
  }

  /** The symbols kept now (undefined: every symbol). */
  watched(): readonly string[] | undefined {
    return this.symbols;
  }

  /** Keeps these symbols (and BASE_SYMBOLS) from now on. */
  watch(symbols: readonly string[]): void {
    const next = [...new Set([...BASE_SYMBOLS, ...symbols])].sort();
    if (this.symbols && next.join() === [...this.symbols].sort().join()) return;
    this.symbols = next;
    for (const s of this.streams) s.setSymbols(next);
  }

  private async follow(): Promise<void> {
    const { followSymbols, contractSizes, log } = this.options;
    try {
      if (contractSizes) this.sizes = await contractSizes();
      if (followSymbols) this.watch(await followSymbols());
    } catch (err) {
      log?.warn({ err: err instanceof Error ? err.message : String(err) }, 'liquidation feed: could not refresh its symbols or contract sizes; keeping the previous ones');
    }
  }

  /** Returns the unsubscribe function. */
  onEvent(listener: (event: LiquidationEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** What symbolsInSchedules reads: the store's digest subscriptions and alert rules. */
export interface ScheduledSymbols {
  subscriptions: { list(): Promise<{ enabled: boolean; symbols: string[] }[]> };
  alertRules: { list(): Promise<{ symbol: string }[]> };
}

/** Every symbol an enabled digest or an alert rule names: what digests and alerts need realized liquidations of. */
export async function symbolsInSchedules(store: ScheduledSymbols): Promise<string[]> {
  const [subscriptions, rules] = await Promise.all([store.subscriptions.list(), store.alertRules.list()]);
  return [...new Set([...subscriptions.filter((s) => s.enabled).flatMap((s) => s.symbols), ...rules.map((r) => r.symbol)])].sort();
}

/** The market's OKX contract sizes when it is the live one (LiveMarketData.contractSizes), else none. */
export function contractSizesOf(market: object): (() => Promise<ReadonlyMap<string, number>>) | undefined {
  const live = market as { contractSizes?: () => Promise<ReadonlyMap<string, number>> };
  return typeof live.contractSizes === 'function' ? () => live.contractSizes!() : undefined;
}
