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
  /** The row's time as the venue labels it, Unix ms (see OiLabel). */
  ts: number;
  /** Base units, one side. */
  oi?: number;
  oiUsd?: number;
}

/**
 * What an open-interest row's time stands for. `snapshot`: the OI at that instant, so the row at T is the
 * close of the bar opening at T − interval (Binance, Bybit). `bar-open`: the row is labelled like a
 * candle, by the open of the bar whose closing OI it holds (OKX rubik; see okx.ts).
 */
export type OiLabel = 'snapshot' | 'bar-open';

/**
 * Joins klines with open-interest rows and per-bar extras keyed by bar open. Rows are deduplicated by
 * time and sorted; bars still open are dropped.
 */
export function joinBars(klines: Bar[], oi: OiPoint[], intervalMs: number, fromMs: number, toMs: number, options: { oiLabel?: OiLabel; extra?: Map<number, Partial<Bar>> } = {}): Bar[] {
  const byTs = new Map<number, Bar>();
  for (const k of klines) if (k.ts >= fromMs && k.ts + intervalMs <= toMs) byTs.set(k.ts, k);
  const shift = options.oiLabel === 'bar-open' ? 0 : intervalMs;
  const oiAt = new Map(oi.map((p) => [p.ts, p]));
  const bars = [...byTs.values()].sort((a, b) => a.ts - b.ts);
  return bars.map((k) => {
    const bar: Bar = { ...k };
    const p = oiAt.get(k.ts + shift);
    if (p?.oi !== undefined) bar.oi = p.oi;
    if (p?.oiUsd !== undefined) bar.oiUsd = p.oiUsd;
    const e = options.extra?.get(k.ts);
    if (e) Object.assign(bar, e);
    return bar;
  });
}
