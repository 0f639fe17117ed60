// What the Hyperliquid position tracker remembers: one record per account it knows, with when it was
// last seen trading and its positions as of the last poll, so a restart loses no address.
import type { MeasuredHistorySample } from '../analysis/measured-map.js';
import { is, type RecordSchema } from './schema.js';

export type AddressSource = 'trades' | 'recent-trades' | 'seed';

/** One position as of `TrackedAddress.positionsAtMs`. */
export interface TrackedPosition {
  coin: string;
  /** Signed size in coins: negative = short. */
  szi: number;
  entryPx: number;
  /** USDC at the mark when polled. */
  positionValue: number;
  /** Hyperliquid's own; null = no liquidation price applies. */
  liquidationPx: number | null;
  marginMode: 'cross' | 'isolated';
  leverage: number;
  marginUsed: number;
}

export interface TrackedAddress {
  v: 1;
  /** 0x…, lower case. */
  address: string;
  source: AddressSource;
  firstSeenMs: number;
  /** Last time a trade (or the seed file) named it. */
  lastSeenMs: number;
  /** Notional traded recently (USD), decayed with a half-life; as of `tradeNotionalAtMs`. */
  tradeNotionalUsd: number;
  tradeNotionalAtMs: number;
  /** Last successful poll of `clearinghouseState`. */
  lastPolledMs?: number;
  /** The venue's snapshot time of `positions` (else our clock at the poll). */
  positionsAtMs?: number;
  positions: TrackedPosition[];
}

function checkPosition(p: unknown): boolean {
  if (typeof p !== 'object' || p === null) return false;
  const x = p as Record<string, unknown>;
  return (
    is.string(x.coin) &&
    is.number(x.szi) &&
    is.number(x.entryPx) &&
    is.number(x.positionValue) &&
    (x.liquidationPx === null || is.number(x.liquidationPx)) &&
    (x.marginMode === 'cross' || x.marginMode === 'isolated') &&
    is.number(x.leverage) &&
    is.number(x.marginUsed)
  );
}

export const trackedAddressSchema: RecordSchema<TrackedAddress> = {
  name: 'hyperliquid address',
  version: 1,
  migrations: {},
  check(r) {
    if (!is.string(r.address) || !/^0x[0-9a-f]{40}$/.test(r.address)) return 'bad address';
    if (r.source !== 'trades' && r.source !== 'recent-trades' && r.source !== 'seed') return 'bad source';
    if (!is.number(r.firstSeenMs) || !is.number(r.lastSeenMs)) return 'bad seen times';
    if (!is.number(r.tradeNotionalUsd) || !is.number(r.tradeNotionalAtMs)) return 'bad notional';
    if (!is.optionalNumber(r.lastPolledMs) || !is.optionalNumber(r.positionsAtMs)) return 'bad poll times';
    if (!Array.isArray(r.positions) || !r.positions.every(checkPosition)) return 'bad positions';
    return undefined;
  },
};

/** One coin's open interest samples and taker-flow bars of one UTC day (Hyperliquid keeps no history). */
export interface HyperliquidDay {
  v: 1;
  coin: string;
  /** YYYY-MM-DD. */
  day: string;
  oi: { ts: number; oi: number; markPx: number }[];
  flow: { ts: number; buy: number; sell: number }[];
}

export const hyperliquidDaySchema: RecordSchema<HyperliquidDay> = {
  name: 'hyperliquid day',
  version: 1,
  migrations: {},
  check(r) {
    if (!is.string(r.coin) || !is.string(r.day) || !/^\d{4}-\d{2}-\d{2}$/.test(r.day)) return 'bad coin or day';
    if (!Array.isArray(r.oi) || !r.oi.every((s: unknown) => typeof s === 'object' && s !== null && is.number((s as Record<string, unknown>).ts) && is.number((s as Record<string, unknown>).oi) && is.number((s as Record<string, unknown>).markPx))) return 'bad open interest samples';
    if (!Array.isArray(r.flow) || !r.flow.every((f: unknown) => typeof f === 'object' && f !== null && is.number((f as Record<string, unknown>).ts) && is.number((f as Record<string, unknown>).buy) && is.number((f as Record<string, unknown>).sell))) return 'bad flow bars';
    return undefined;
  },
};

/**
 * One coin's measured map as the tracker saw it through one UTC day, sampled every few minutes
 * (hyperliquid/measured-history.ts): the history the heatmap's measured overlay draws.
 */
export interface MeasuredDay {
  v: 1;
  coin: string;
  /** YYYY-MM-DD. */
  day: string;
  samples: MeasuredDaySample[];
}

export interface MeasuredDaySample extends MeasuredHistorySample {
  /** Coverage of the venue's open interest, in words, as of the sample. */
  coverage: string;
}

function checkSample(s: unknown): boolean {
  if (typeof s !== 'object' || s === null) return false;
  const x = s as Record<string, unknown>;
  return (
    is.number(x.ts) &&
    is.number(x.markPx) &&
    is.number(x.bucketSize) &&
    is.string(x.coverage) &&
    Array.isArray(x.levels) &&
    x.levels.every((l: unknown) => Array.isArray(l) && l.length === 3 && l.every((n: unknown) => is.number(n)))
  );
}

export const measuredDaySchema: RecordSchema<MeasuredDay> = {
  name: 'hyperliquid measured day',
  version: 1,
  migrations: {},
  check(r) {
    if (!is.string(r.coin) || !is.string(r.day) || !/^\d{4}-\d{2}-\d{2}$/.test(r.day)) return 'bad coin or day';
    if (!Array.isArray(r.samples) || !r.samples.every(checkSample)) return 'bad samples';
    return undefined;
  },
};
