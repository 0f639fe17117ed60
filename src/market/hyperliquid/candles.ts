// Closed candles of one coin over a range, paged through `candleSnapshot`. The venue keeps only the
// most recent 5000 candles per interval and answers at most 500 per call, every candle overlapping the
// range, oldest first; the next page starts at the last candle returned (which comes back again and
// is dropped).
import type { Bar } from '../../analysis/types.js';
import type { HlCandle } from './types.js';

/** Rows a time-range `candleSnapshot` answer holds at most (docs). */
export const CANDLES_PER_ANSWER = 500;

/** One `candleSnapshot` call for [startTime, endTime] (the info client, or the venue client's HTTP). */
export type CandlePage = (startTime: number, endTime: number) => Promise<HlCandle[]>;

/** Candles the venue keeps per coin and interval. */
export const CANDLES_KEPT = 5000;

export interface CandleRange {
  bars: Bar[];
  /** The first bar the venue could still give (its 5000-candle horizon), when the range asked reached before it. */
  horizonMs?: number;
  calls: number;
}

/**
 * Bars opening in [startMs, endMs) that have closed by `nowMs`, oldest first. Ranges reaching before
 * the venue's horizon are cut to it and say so.
 */
export async function fetchCandleBars(page: CandlePage, intervalMs: number, startMs: number, endMs: number, nowMs: number): Promise<CandleRange> {
  const horizon = (Math.floor(nowMs / intervalMs) - CANDLES_KEPT + 1) * intervalMs;
  let from = Math.max(startMs, horizon);
  const to = Math.min(endMs, nowMs);
  const byOpen = new Map<number, HlCandle>();
  let calls = 0;
  while (from < to) {
    const rows = await page(from, to - 1);
    calls++;
    let fresh = 0;
    for (const c of rows) {
      if (!byOpen.has(c.t)) fresh++;
      byOpen.set(c.t, c);
    }
    const last = rows[rows.length - 1];
    // A short page, or one that brought nothing new, is the end of what the venue holds.
    if (!last || fresh === 0 || rows.length < CANDLES_PER_ANSWER) break;
    from = last.t;
  }
  const bars = [...byOpen.values()]
    .filter((c) => c.t >= startMs && c.t < endMs && c.T < nowMs)
    .sort((a, b) => a.t - b.t)
    .map((c) => ({ ts: c.t, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume }));
  return { bars, calls, ...(startMs < horizon ? { horizonMs: horizon } : {}) };
}
