// The services a command reaches through its request: one object built in src/main.ts, rebuilt with
// fakes in tests. Ports only (interfaces); the implementations live at the edges.
import type { Logger } from 'pino';
import type { VenueInput } from '../analysis/build-map.js';
import type { Heatmap, LiquidationMap, Venue, WindowName } from '../analysis/types.js';
import type { CommandDefinition } from './command.js';
import type { Crossing } from '../analysis/cascades.js';

export interface Clock {
  /** Unix ms. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Bars for the model, from live venues, the bundled sample or a recording. A structural subset of
 * src/market/market-data.ts `MarketData`, so the real service and a test fake both fit.
 */
export interface MarketPort {
  /** Throws a UserError for an unknown symbol (with closest matches) or when no venue could answer. */
  getSeries(query: { symbol: string; venues?: readonly Venue[]; window: WindowName; at?: number }): Promise<MarketSeries>;
  /** Symbols whose canonical name or base asset starts with the prefix, for autocomplete. */
  searchSymbols(prefix: string, limit?: number): Promise<{ symbol: string; base: string }[]>;
}

export interface MarketSeries {
  /** Canonical symbol, e.g. BTCUSDT. */
  symbol: string;
  venues: VenueInput[];
  failed: { venue: string; reason: string }[];
  /** Things the reply should say (stale data, limits hit). */
  notes?: string[];
}

/** PNG bytes from a map or a heatmap (the render pool of src/render, or a fake). */
export interface Renderer {
  renderMap(map: LiquidationMap): Promise<Buffer>;
  renderHeatmap(heatmap: Heatmap): Promise<Buffer>;
}

/** What one map request names; the same query at the same closed bar is the same map. */
export interface MapQuery {
  /** As typed (btc, BTCUSDT, eth/usdt); the service canonicalizes it. */
  symbol: string;
  /** Undefined = every venue the source has. */
  venues?: Venue[];
  window: WindowName;
  /** Display range as a fraction of price; undefined = the window's default. */
  range?: number;
}

export interface MapPicture {
  /** Same id = same bytes: symbol, venues, window, range and last closed bar. */
  id: string;
  map: LiquidationMap;
  png: Buffer;
}

export interface HeatmapPicture {
  id: string;
  heatmap: Heatmap;
  png: Buffer;
}

/** "One render serves many": concurrent and repeated queries of one map share one fetch, model run and render. */
export interface MapService {
  /** The map without a picture (alerts, digests' numbers). */
  map(query: MapQuery): Promise<LiquidationMap>;
  mapPicture(query: MapQuery): Promise<MapPicture>;
  heatmapPicture(query: MapQuery): Promise<HeatmapPicture>;
  /** Crossings of predicted clusters over the last day with their verdicts (cascade watch); optional. */
  crossings?(query: MapQuery): Promise<Crossing[]>;
}

export interface Services {
  maps: MapService;
  market: MarketPort;
  clock: Clock;
  log: Logger;
  /** Every command the bot serves, for /help. */
  commands: readonly CommandDefinition[];
}
