// The live liquidation feed the bot and the recorder use: one stream per venue, rolling sums per
// symbol and side, and listeners for each event.
import type { Logger } from 'pino';
import { RollingLiquidations, type LiquidationEvent, type LiquidationSums } from './liquidation-events.js';
import { LiquidationStream } from './liquidation-stream.js';
import type { VenueUrls } from './market-config.js';

export interface LiquidationFeedOptions {
  venues?: ('binance' | 'bybit' | 'okx')[];
  wsUrls?: Partial<VenueUrls>;
  /** Canonical symbols to keep; Bybit needs them to subscribe (default BTCUSDT, ETHUSDT). */
  symbols?: string[];
  /** OKX contract sizes by instId (see LiveMarketData.contractSizes). */
  contractSize?: (instId: string) => number | undefined;
  log?: Pick<Logger, 'info' | 'warn'>;
  pingMs?: number;
  backoffBaseMs?: number;
}

export class LiquidationFeed {
  readonly rolling = new RollingLiquidations();
  readonly streams: LiquidationStream[];
  private readonly listeners = new Set<(event: LiquidationEvent) => void>();

  constructor(options: LiquidationFeedOptions = {}) {
    this.streams = (options.venues ?? ['binance', 'bybit', 'okx']).map(
      (venue) =>
        new LiquidationStream({
          venue,
          url: options.wsUrls?.[venue],
          symbols: options.symbols,
          contractSize: options.contractSize,
          log: options.log,
          pingMs: options.pingMs,
          backoffBaseMs: options.backoffBaseMs,
          onEvent: (event) => {
            this.rolling.add(event);
            for (const listener of this.listeners) listener(event);
          },
        }),
    );
  }

  start(): void {
    for (const s of this.streams) s.start();
  }

  stop(): void {
    for (const s of this.streams) s.stop();
  }

  /** Returns the unsubscribe function. */
  onEvent(listener: (event: LiquidationEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Realized liquidations of the last 1h / 24h (Binance pushes at most one per symbol per second: lower bounds). */
  sums(symbol: string, nowMs: number): LiquidationSums {
    return this.rolling.sums(symbol, nowMs);
  }
}
