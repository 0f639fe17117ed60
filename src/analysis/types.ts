// Plain data shared by the model, the renderers, the market layer and the commands.
// Everything here is JSON-safe except where noted (typed arrays in the heatmap).

/** One bar of the interchange format (DESIGN.md §5). `undefined` = the source did not give it. */
export interface Bar {
  /** Bar open, Unix ms. */
  ts: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Base units. */
  volume?: number;
  /** Base units bought by takers. */
  takerBuyVolume?: number;
  /** Net taker flow (buy − sell) in base units, for sources that give only that. */
  netTakerVolume?: number;
  /** Open interest in base units at the bar's close. */
  oi?: number;
  /** Open interest in quote (USD) at the bar's close. */
  oiUsd?: number;
  realizedLongUsd?: number;
  realizedShortUsd?: number;
}

export const VENUES = ['binance', 'bybit', 'okx', 'hyperliquid'] as const;
export type Venue = (typeof VENUES)[number];

export type WindowName = '1d' | '3d' | '7d' | '14d' | '30d';
export const WINDOWS: readonly WindowName[] = ['1d', '3d', '7d', '14d', '30d'];

/** Bars of one market on one venue at one interval, oldest first. */
export interface BarSeries {
  venue: string;
  /** Canonical symbol, e.g. BTCUSDT. */
  symbol: string;
  intervalMs: number;
  bars: Bar[];
}

export interface LeverageTier {
  leverage: number;
  /** Share of new positions opened at this leverage; weights are renormalized after dropping tiers. */
  weight: number;
}

/** What the model needs to know about a venue's market beyond its bars. */
export interface VenueSpec {
  /** Maintenance margin rate of the venue's first tier (Binance BTCUSDT: 0.004). */
  maintenanceMarginRate: number;
  /** Tiers above this are dropped. */
  maxLeverage: number;
}

/**
 * How the long/short split of new positions is chosen.
 * taker: taker-buy share (or net taker flow, or 0.5 without either); candle: bar direction
 * (what several public estimators do, kept for comparison); neutral: always 0.5.
 */
export type SideAttribution = 'taker' | 'candle' | 'neutral';

export type SeedMode = 'oi' | 'empty';

export interface ModelParams {
  leverageTiers: LeverageTier[];
  sideAttribution: SideAttribution;
  /** Entry prices per bar side spread between the bar's low and high. */
  entryPoints: number;
  /** Entries reach this fraction of price beyond each bar's low and high (0 = the bar's range). */
  entrySpread: number;
  /** Each tier's leverage spread over [L / x, L × x] on a log scale (1 = exact tiers). */
  leverageSpread: number;
  /** Log-spaced leverages per tier when spread (3: L / x, L, L × x). */
  leverageSpreadPoints: number;
  /** Share of open interest closed and re-opened at current prices per hour. */
  churnPerHour: number;
  seed: SeedMode;
  /** Half-width, as a fraction of price, of the band seeded positions are spread over. */
  seedSpread: number;
  /** Display range as a fraction of price (0.15 = ±15%). */
  range: number;
  /** Bucket width as a fraction of price before rounding to a nice number. */
  bucketFraction: number;
  /** Liquidation-price cells per bucket: the ledger's resolution. */
  cellsPerBucket: number;
  /** Clusters reported per side. */
  clusterCount: number;
}

export type Side = 'long' | 'short';

export interface Cluster {
  side: Side;
  /** Bucket centre. */
  price: number;
  usd: number;
  /** Signed distance from the current price, in percent. */
  distancePct: number;
}

export interface MapBucket {
  /** Lower edge of the bucket. */
  priceLow: number;
  priceHigh: number;
  longUsd: number;
  shortUsd: number;
  /** USD per leverage tier, in the order of `meta.params.leverageTiers`. */
  longByTier: number[];
  shortByTier: number[];
  /** Long USD liquidated from the current price down to this bucket (inclusive); 0 above price. */
  longCumulativeUsd: number;
  /** Short USD liquidated from the current price up to this bucket (inclusive); 0 below price. */
  shortCumulativeUsd: number;
}

export type RatioKind = 'finite' | 'no-longs' | 'no-shorts' | 'empty';

export interface VenueMeta {
  venue: string;
  bars: number;
  firstTs: number;
  lastTs: number;
  /** Input columns this venue's bars lacked (e.g. taker_buy_volume). */
  missing: string[];
  /** Live book USD over the venue's open interest USD at the last bar. */
  oiCoverage: number | null;
  oiUsd: number | null;
  maintenanceMarginRate: number;
  maxLeverage: number;
  /** Bars where open interest was missing and carried forward. */
  oiGaps: number;
}

export interface MapMeta {
  label: 'estimated';
  symbol: string;
  window: WindowName;
  intervalMs: number;
  venues: VenueMeta[];
  /** Venues asked for that gave no data, with the reason. */
  venuesFailed: { venue: string; reason: string }[];
  /** Close time of the last bar used, Unix ms. */
  dataTime: number;
  windowStart: number;
  bars: number;
  params: ModelParams;
  /** Book USD over total open interest USD across venues. */
  oiCoverage: number | null;
  /** Model notes (seeding, clamping, coverage of the window). */
  notes: string[];
  /** What the data source said (a venue's data served stale with its age, a limit it hit): worth telling the person. */
  sourceNotes?: string[];
}

export interface LiquidationMap {
  price: number;
  bucketSize: number;
  /** Non-empty buckets, ascending by price. */
  buckets: MapBucket[];
  rangeLow: number;
  rangeHigh: number;
  /** Short USD above the price within the display range. */
  shortAbove: number;
  /** Long USD below the price within the display range. */
  longBelow: number;
  /** shortAbove / longBelow; null when a side is empty (see ratioKind). */
  ratio: number | null;
  ratioKind: RatioKind;
  /** Highest short bucket with USD within range, lowest long bucket. */
  shortReach: number | null;
  longReach: number | null;
  /** Top clusters within range, largest first. */
  shortClusters: Cluster[];
  longClusters: Cluster[];
  meta: MapMeta;
  /**
   * Calibrated forced flow (what would really be force-closed) to the nearest clusters and asked levels,
   * when the request carried a calibration; `unavailable` says why it does not hold for this map.
   */
  forcedFlow?: ForcedFlow | ForcedFlowUnavailable;
}

export interface SweepEvent {
  ts: number;
  side: Side;
  usd: number;
  /** Range of liquidation prices swept in the bar. */
  priceLow: number;
  priceHigh: number;
}

export interface Heatmap {
  symbol: string;
  window: WindowName;
  intervalMs: number;
  /** Column open times. */
  ts: number[];
  /** Lower edge of row 0; row r covers [priceLow + r·bucketSize, +bucketSize). */
  priceLow: number;
  bucketSize: number;
  rows: number;
  /** Column-major: value of (column c, row r) at c·rows + r, live USD. Not JSON-safe. */
  usd: Float64Array;
  maxUsd: number;
  /** Price path per column. */
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  sweeps: SweepEvent[];
  meta: MapMeta;
}

/** Calibrated forced flow (src/analysis/forced-flow.ts): what would be force-closed to a level. */
export interface ForcedFlowEstimate {
  side: Side;
  /** The level price would move to. */
  price: number;
  distancePct: number;
  /** Modelled USD of the side between the current price and the level (the map's bars). */
  modelledUsd: number;
  /** Calibrated: what would be force-closed on the map's venues, with the 80% band. */
  usd: number;
  lowUsd: number;
  highUsd: number;
  /** The modelled USD is beyond what the calibration was fitted on: extrapolated in proportion. */
  extrapolated: boolean;
}

export interface ForcedFlow {
  /** The calibration's id. */
  calibration: string;
  /** To the nearest long cluster and the nearest short cluster, when the map has them. */
  nearest: ForcedFlowEstimate[];
  /** To the levels the person asked about. */
  levels: ForcedFlowEstimate[];
}

/** Why a map has no calibrated forced flow, with the levels that were asked (so a reply can say so). */
export interface ForcedFlowUnavailable {
  unavailable: string;
  askedLevels?: number[];
}
