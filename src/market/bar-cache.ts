// Bars per (venue, symbol, interval) kept in memory: a refresh fetches only the bars after the last
// closed one, concurrent callers share one fetch, and when a refresh fails the last good bars are served
// (up to a limit) with their age. A failed or malformed fetch never changes what is cached.
import type { Bar } from '../analysis/types.js';
import type { Clock } from './clock.js';
import { NO_OBSERVER, type MarketObserver } from './market-data.js';
import type { FetchedBars } from './venues/venue-client.js';

export interface CachedRead {
  bars: Bar[];
  notes: string[];
  /** Set when served from the cache after a failed refresh: now − close of the last bar. */
  staleMs?: number;
}

export type RangeFetcher = (fromMs: number, toMs: number) => Promise<FetchedBars>;

interface Entry {
  bars: Bar[];
  /** Start of the range fetched so far (bars may begin later if the market is younger). */
  coveredFrom: number;
  /** End (exclusive bar-close bound) of the range fetched so far. */
  coveredTo: number;
  notes: string[];
  lastSuccessAt: number;
  inflight?: Promise<void>;
}

export interface BarCacheOptions {
  clock: Clock;
  observer?: MarketObserver;
  /** Serve bars this old at most after a failed refresh. */
  maxStaleMs?: number;
  /** Bars kept per key, counted back from the newest. */
  keepMs?: number;
  /** Bars at the end still lacking open interest are fetched again (venues publish OI a little late). */
  oiLagBars?: number;
  /** Keys kept; the least recently read is dropped beyond this (a 30-day 5m series is about 1 MB). */
  maxEntries?: number;
}

export class BarCache {
  private readonly entries = new Map<string, Entry>();
  private readonly observer: MarketObserver;

  constructor(private readonly options: BarCacheOptions) {
    this.observer = options.observer ?? NO_OBSERVER;
  }

  /**
   * Closed bars with open time in [fromMs, toMs − interval], toMs a bar boundary. `fetch` is called for
   * the missing ranges only; on failure the cached bars are returned with staleMs, or the error is thrown.
   */
  async read(key: string, intervalMs: number, fromMs: number, toMs: number, fetch: RangeFetcher): Promise<CachedRead> {
    for (let round = 0; ; round++) {
      const entry = this.entries.get(key);
      if (entry?.inflight) {
        // Single flight: wait for the fetch under way, then look again.
        await entry.inflight.catch(() => undefined);
        if (round < 3) continue;
      }
      const ranges = this.missing(entry, intervalMs, fromMs, toMs);
      if (ranges.length === 0 && entry) {
        this.touch(key, entry);
        this.observer.cacheHit();
        return { bars: slice(entry.bars, fromMs, toMs, intervalMs), notes: entry.notes };
      }
      this.observer.cacheMiss();
      const target = entry ?? { bars: [], coveredFrom: fromMs, coveredTo: fromMs, notes: [], lastSuccessAt: 0 };
      let failure: unknown;
      const run = (async () => {
        const results = await Promise.all(ranges.map((r) => fetch(r.from, r.to)));
        this.merge(key, target, ranges, results, toMs);
      })();
      target.inflight = run;
      if (!entry) this.entries.set(key, target);
      try {
        await run;
      } catch (err) {
        failure = err;
      } finally {
        target.inflight = undefined;
      }
      if (failure === undefined) {
        return { bars: slice(target.bars, fromMs, toMs, intervalMs), notes: target.notes };
      }
      if (target.bars.length === 0) {
        if (!entry) this.entries.delete(key);
        throw failure;
      }
      const last = target.bars[target.bars.length - 1]!;
      const staleMs = Math.max(0, this.options.clock.now() - (last.ts + intervalMs));
      if (staleMs > (this.options.maxStaleMs ?? 30 * 60_000)) throw failure;
      return { bars: slice(target.bars, fromMs, toMs, intervalMs), notes: target.notes, staleMs };
    }
  }

  /** Drops everything (tests, memory pressure). */
  clear(): void {
    this.entries.clear();
  }

  private missing(entry: Entry | undefined, _intervalMs: number, fromMs: number, toMs: number): { from: number; to: number }[] {
    if (!entry || entry.bars.length === 0) return [{ from: fromMs, to: toMs }];
    const ranges: { from: number; to: number }[] = [];
    if (fromMs < entry.coveredFrom) ranges.push({ from: fromMs, to: entry.coveredFrom });
    let tailFrom = entry.coveredTo;
    // Re-ask for the last few bars when their open interest had not been published yet.
    const lag = this.options.oiLagBars ?? 2;
    const bars = entry.bars;
    if (bars.some((b) => b.oi !== undefined || b.oiUsd !== undefined)) {
      for (let i = bars.length - 1; i >= Math.max(0, bars.length - lag); i--) {
        if (bars[i]!.oi === undefined && bars[i]!.oiUsd === undefined) tailFrom = Math.min(tailFrom, bars[i]!.ts);
        else break;
      }
    }
    // Only when a new bar has closed: asking again within the same bar would cost a request per reply.
    if (toMs > entry.coveredTo) ranges.push({ from: Math.max(tailFrom, fromMs), to: toMs });
    return ranges;
  }

  private merge(key: string, entry: Entry, ranges: { from: number; to: number }[], results: FetchedBars[], toMs: number): void {
    const byTs = new Map(entry.bars.map((b) => [b.ts, b]));
    for (const r of results) for (const b of r.bars) byTs.set(b.ts, b);
    const bars = [...byTs.values()].sort((a, b) => a.ts - b.ts);
    const keepFrom = toMs - (this.options.keepMs ?? 31 * 86_400_000);
    entry.bars = bars.filter((b) => b.ts >= keepFrom);
    entry.coveredFrom = Math.max(keepFrom, Math.min(entry.coveredFrom, ...ranges.map((r) => r.from)));
    entry.coveredTo = Math.max(entry.coveredTo, ...ranges.map((r) => r.to));
    entry.notes = [...new Set([...results.flatMap((r) => r.notes)])];
    entry.lastSuccessAt = this.options.clock.now();
    this.entries.set(key, entry);
    this.evict();
  }

  private touch(key: string, entry: Entry): void {
    // Map order is insertion order: re-inserting marks the key as recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
  }

  private evict(): void {
    const max = this.options.maxEntries ?? 300;
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= max) break;
      if (!entry.inflight) this.entries.delete(key);
    }
  }
}

function slice(bars: Bar[], fromMs: number, toMs: number, intervalMs: number): Bar[] {
  return bars.filter((b) => b.ts >= fromMs && b.ts + intervalMs <= toMs);
}
