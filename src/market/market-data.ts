// The one door other modules use to get market data: `MarketData.getSeries` answers with bars per venue
// ready for analysis/buildMap, whether the source is the live venues, the bundled sample or a recording.
import type { ModelRequest } from '../analysis/build-map.js';
import type { BarSeries, Venue, VenueSpec, WindowName } from '../analysis/types.js';
import type { SymbolListing } from './symbol-catalogue.js';

export type { SymbolListing } from './symbol-catalogue.js';

export interface SeriesQuery {
  /** What the person typed: btc, BTCUSDT, BTC-USDT-SWAP… */
  symbol: string;
  /** Venues to use; all the source has when omitted. */
  venues?: readonly Venue[] | readonly string[];
  window: WindowName;
  /** The map as of this time (Unix ms). Live sources fetch up to it; recorded sources cut there. */
  at?: number;
}

export interface VenueSeries {
  series: BarSeries;
  spec: VenueSpec;
  /** Set when this venue's bars come from the cache after a failed refresh: their age in ms. */
  staleMs?: number;
}

export interface MarketSeries {
  /** Canonical symbol (BTCUSDT). */
  symbol: string;
  /** Venues that answered, in the order asked (the first is the model's price reference). */
  venues: VenueSeries[];
  /** Venues asked for that gave nothing, with a reason written for a person. */
  failed: { venue: string; reason: string }[];
  /** Age of the oldest stale series served (see VenueSeries.staleMs); absent when all are fresh. */
  staleMs?: number;
  /** Things the reply should say (limits hit, e.g. Binance's 30-day open-interest history). */
  notes: string[];
  /** `live`, `sample` or the recording's path. */
  source: string;
}

export interface MarketData {
  /** `live`, `sample` or a path. */
  readonly source: string;
  /**
   * Bars of one symbol on the venues asked, at the window's bar interval. Throws UserError when the
   * symbol is unknown (with closest matches) or when no venue could answer (naming each and why).
   */
  getSeries(query: SeriesQuery): Promise<MarketSeries>;
  /** Symbols whose canonical name or base asset starts with the prefix, for autocomplete. */
  searchSymbols(prefix: string, limit?: number): Promise<SymbolListing[]>;
  /** The listing for what a person typed; UnknownSymbolError (a UserError) with the closest matches. */
  resolveSymbol(input: string): Promise<SymbolListing>;
  /** Stops timers and sockets; the object is unusable afterwards. */
  close(): Promise<void>;
}

/** Optional hooks for metrics (prom-client lives elsewhere and plugs in here). */
export interface MarketObserver {
  request(venue: string, endpoint: string, outcome: RequestOutcome): void;
  cacheHit(): void;
  cacheMiss(): void;
}

export type RequestOutcome = 'ok' | 'http-error' | 'timeout' | 'network' | 'rate-limited' | 'invalid' | 'circuit-open' | 'venue-error';

export const NO_OBSERVER: MarketObserver = { request() {}, cacheHit() {}, cacheMiss() {} };

/** The model request for a MarketSeries: what commands pass to buildMap / buildHeatmap. */
export function toModelRequest(data: MarketSeries, query: { window: WindowName; at?: number; params?: ModelRequest['params'] }): ModelRequest {
  return {
    symbol: data.symbol,
    window: query.window,
    venues: data.venues.map((v) => ({ series: v.series, spec: v.spec })),
    params: query.params,
    at: query.at,
    venuesFailed: data.failed,
    sourceNotes: data.notes,
  };
}
