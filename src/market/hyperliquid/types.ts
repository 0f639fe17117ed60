// Hyperliquid info API answers, as read by our parsers (payloads.ts). Units as the venue gives them:
// sizes in coins, prices and USD amounts in USDC (Hyperliquid settles in USDC).

/** One perpetual of `metaAndAssetCtxs`: `universe[i]` joined with `assetCtxs[i]`. */
export interface HlAssetContext {
  /** `BTC`; HIP-3 dexes prefix it (`xyz:TSLA`). */
  coin: string;
  szDecimals: number;
  maxLeverage: number;
  onlyIsolated: boolean;
  markPx: number;
  oraclePx: number;
  midPx: number | null;
  /** In coins. Whether it counts one side or both is not documented (see coverage.ts). */
  openInterest: number;
  /** Current hourly funding rate, a fraction. */
  funding: number;
  /** 24 h notional volume, USDC. */
  dayNtlVlm: number;
}

export type HlMarginMode = 'cross' | 'isolated';

/** One position of `clearinghouseState.assetPositions[].position`. */
export interface HlPosition {
  coin: string;
  /** Signed size in coins: negative = short. */
  szi: number;
  entryPx: number;
  /** |szi| × mark, USDC. */
  positionValue: number;
  /** Hyperliquid's own liquidation price; null when none applies (typical of well-margined cross accounts). */
  liquidationPx: number | null;
  marginMode: HlMarginMode;
  /** The leverage SETTING of the position (not its effective leverage). */
  leverage: number;
  marginUsed: number;
  unrealizedPnl: number;
}

export interface HlClearinghouseState {
  /** Snapshot time (ms); absent in the 2023 shape. */
  time: number | undefined;
  accountValue: number;
  positions: HlPosition[];
}

/** A trade of `recentTrades` or of the websocket `trades` channel (the documented WsTrade). */
export interface HlTrade {
  coin: string;
  /** Aggressor: B = buy taker, A = sell taker. */
  side: 'B' | 'A';
  px: number;
  sz: number;
  time: number;
  tid: number;
  buyer: string;
  seller: string;
}

/** A `candleSnapshot` row: `t` opens the bar, `T` is its last millisecond. */
export interface HlCandle {
  t: number;
  T: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Base coin. */
  volume: number;
  trades: number;
}
