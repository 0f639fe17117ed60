// Realized liquidations over any period a rule names (5 min to 24 h), from the live feed's events.
// The feed's own rolling sums cover 1 h and 24 h only; alert periods like 15m need finer sums.
import type { RealizedRow } from '../analysis/cascades.js';
import type { Clock } from '../clock.js';
import type { RealizedSums } from './digest-message.js';
import type { RealizedLiquidations } from './digest-scheduler.js';

/** The part of src/market/liquidation-feed.ts used here. */
export interface LiquidationEventSource {
  onEvent(listener: (event: { venue: string; symbol: string; side: 'long' | 'short'; usd: number; ts: number }) => void): () => void;
}

const MINUTE = 60_000;
const KEEP_MINUTES = 24 * 60;

/** Per-symbol, per-minute sums of the last day: memory stays bounded (at most 1,440 minutes per symbol). */
export class RealizedWindow implements RealizedLiquidations {
  private readonly minutes = new Map<string, Map<number, RealizedSums>>();
  /** When this window started watching: sums over longer periods say how much they cover. */
  private readonly startedMs: number;

  constructor(private readonly clock: Clock) {
    this.startedMs = clock.now();
  }

  add(event: { symbol: string; side: 'long' | 'short'; usd: number; ts: number }): void {
    const minute = Math.floor(event.ts / MINUTE);
    let bySymbol = this.minutes.get(event.symbol);
    if (!bySymbol) this.minutes.set(event.symbol, (bySymbol = new Map()));
    let sums = bySymbol.get(minute);
    if (!sums) bySymbol.set(minute, (sums = { longUsd: 0, shortUsd: 0 }));
    if (event.side === 'long') sums.longUsd += event.usd;
    else sums.shortUsd += event.usd;
    if (bySymbol.size > KEEP_MINUTES + 5) this.prune(bySymbol);
  }

  sum(symbol: string, periodMs: number): RealizedSums | undefined {
    const bySymbol = this.minutes.get(symbol);
    if (!bySymbol) return undefined;
    const now = Math.floor(this.clock.now() / MINUTE);
    const from = now - Math.ceil(periodMs / MINUTE);
    const out: RealizedSums = { longUsd: 0, shortUsd: 0, coveredMs: Math.min(periodMs, this.clock.now() - this.startedMs) };
    for (const [minute, sums] of bySymbol) {
      if (minute > from && minute <= now) {
        out.longUsd += sums.longUsd;
        out.shortUsd += sums.shortUsd;
      }
    }
    return out;
  }

  /**
   * Per-interval rows of the last day for the level watch: only whole intervals since this window started
   * watching, so an interval without events is a known 0. Undefined when no event of the symbol came.
   */
  rows(symbol: string, intervalMs: number): RealizedRow[] | undefined {
    const bySymbol = this.minutes.get(symbol);
    if (!bySymbol) return undefined;
    const to = Math.floor(this.clock.now() / intervalMs) * intervalMs;
    const from = Math.max(Math.ceil(this.startedMs / intervalMs) * intervalMs, to - KEEP_MINUTES * MINUTE);
    const rows: RealizedRow[] = [];
    for (let ts = from; ts < to; ts += intervalMs) rows.push({ ts, realizedLongUsd: 0, realizedShortUsd: 0 });
    for (const [minute, sums] of bySymbol) {
      const ms = minute * MINUTE;
      if (ms < from || ms >= to) continue;
      const row = rows[Math.floor((ms - from) / intervalMs)]!;
      row.realizedLongUsd! += sums.longUsd;
      row.realizedShortUsd! += sums.shortUsd;
    }
    return rows;
  }

  private prune(bySymbol: Map<number, RealizedSums>): void {
    const oldest = Math.floor(this.clock.now() / MINUTE) - KEEP_MINUTES;
    for (const minute of bySymbol.keys()) if (minute <= oldest) bySymbol.delete(minute);
  }
}
