// What every venue client offers the cache and the recorder: markets, closed bars, the first
// maintenance-margin tier, the mark price.
import type { Bar, VenueSpec } from '../../analysis/types.js';
import type { VenueMarket } from '../symbol-catalogue.js';
import type { VenueHttp } from '../venue-http.js';
import { PayloadError } from '../payload.js';

export interface FetchedBars {
  /** Closed bars with open time in [from, to), oldest first. */
  bars: Bar[];
  /** Limits met while fetching, for the reply. */
  notes: string[];
}

export interface VenueClient {
  readonly venue: string;
  readonly http: VenueHttp;
  listMarkets(): Promise<VenueMarket[]>;
  /** Bars whose open time is in [fromMs, toMs) and that closed by toMs, joined from the venue's series. */
  fetchBars(market: VenueMarket, intervalMs: number, fromMs: number, toMs: number): Promise<FetchedBars>;
  fetchSpec(market: VenueMarket): Promise<VenueSpec>;
  fetchMarkPrice(market: VenueMarket): Promise<number>;
}

/**
 * Splits [fromMs, toMs) into request windows of at most `rows` periods each. Every window fits one page
 * whatever order the venue returns rows in, so paging never depends on that.
 */
export function pageWindows(fromMs: number, toMs: number, intervalMs: number, rows: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const first = Math.ceil(fromMs / intervalMs) * intervalMs;
  for (let start = first; start < toMs; start += rows * intervalMs) {
    out.push({ start, end: Math.min(start + (rows - 1) * intervalMs, toMs - 1) });
  }
  return out;
}

/** Checks what the model relies on: positive prices, a high/low range holding open and close. */
export function checkedBar(bar: Bar, what: string): Bar {
  if (!(bar.open > 0 && bar.high > 0 && bar.low > 0 && bar.close > 0)) throw new PayloadError(`${what}: prices must be above 0`);
  if (bar.high < Math.max(bar.open, bar.close, bar.low) || bar.low > Math.min(bar.open, bar.close)) {
    throw new PayloadError(`${what}: high ${bar.high} / low ${bar.low} do not contain open ${bar.open} and close ${bar.close}`);
  }
  return bar;
}

export interface OiPoint {
  /** Snapshot time, Unix ms. */
  ts: number;
  oi?: number;
  oiUsd?: number;
}

/**
 * Joins klines with open-interest snapshots (the snapshot at a bar's close time belongs to that bar) and
 * per-bar extras keyed by bar open. Rows are deduplicated by time and sorted; bars still open are dropped.
 */
export function joinBars(klines: Bar[], oi: OiPoint[], intervalMs: number, fromMs: number, toMs: number, extra?: Map<number, Partial<Bar>>): Bar[] {
  const byTs = new Map<number, Bar>();
  for (const k of klines) if (k.ts >= fromMs && k.ts + intervalMs <= toMs) byTs.set(k.ts, k);
  const oiAt = new Map(oi.map((p) => [p.ts, p]));
  const bars = [...byTs.values()].sort((a, b) => a.ts - b.ts);
  return bars.map((k) => {
    const bar: Bar = { ...k };
    const p = oiAt.get(k.ts + intervalMs);
    if (p?.oi !== undefined) bar.oi = p.oi;
    if (p?.oiUsd !== undefined) bar.oiUsd = p.oiUsd;
    const e = extra?.get(k.ts);
    if (e) Object.assign(bar, e);
    return bar;
  });
}
