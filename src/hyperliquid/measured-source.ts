// What the map pipeline's measured picture asks of the tracker: the fresh positions of a symbol's coin,
// their mark, how many accounts hold them, how old they are, and coverage in words.
import { hyperliquidSymbol } from '../market/hyperliquid/venue-client.js';
import { formatCoverage } from './coverage.js';
import type { PositionTracker } from './tracker.js';

export interface TrackerSnapshot {
  positions: { side: 'long' | 'short'; usd: number; liquidationPx: number | null }[];
  markPx: number;
  accounts: number;
  oldestMs: number;
  newestMs: number;
  coverage: string;
}

/** Implements the pipeline's MeasuredPort over a running tracker. */
export function measuredSourceOf(tracker: PositionTracker): { snapshot(symbol: string): TrackerSnapshot | undefined } {
  return {
    snapshot(symbol) {
      const coin = tracker.settings.coins.find((c) => hyperliquidSymbol(c).symbol === symbol);
      if (coin === undefined) return undefined;
      const market = tracker.market(coin);
      const fresh = tracker.freshPositions(coin);
      const coverage = tracker.coverage(coin);
      if (!market || !coverage) return { positions: [], markPx: 0, accounts: 0, oldestMs: 0, newestMs: 0, coverage: 'n/a' };
      const times = fresh.map((p) => p.atMs);
      const sided = coverage.sidedness.sidedness === 'unknown' ? ' (OI sidedness unknown: one-sided–two-sided reading)' : ` (OI ${coverage.sidedness.sidedness})`;
      return {
        positions: tracker.measuredPositions(coin),
        markPx: market.markPx,
        accounts: new Set(fresh.map((p) => p.address)).size,
        oldestMs: times.length > 0 ? Math.min(...times) : 0,
        newestMs: times.length > 0 ? Math.max(...times) : 0,
        coverage: `longs ${formatCoverage(coverage.long)}, shorts ${formatCoverage(coverage.short)} of Hyperliquid's ${coin} open interest${sided}`,
      };
    },
  };
}
