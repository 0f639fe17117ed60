import type { Bar, BarSeries } from './types.js';

const SUMMED = ['volume', 'takerBuyVolume', 'netTakerVolume', 'realizedLongUsd', 'realizedShortUsd'] as const;
const LAST = ['oi', 'oiUsd'] as const;

/** One bar from a group: first open, extreme high and low, last close, sums of flows, last open interest. */
function mergeBars(ts: number, group: Bar[]): Bar {
  const first = group[0]!;
  const last = group[group.length - 1]!;
  let high = -Infinity;
  let low = Infinity;
  for (const b of group) {
    if (b.high > high) high = b.high;
    if (b.low < low) low = b.low;
  }
  const bar: Bar = { ts, open: first.open, high, low, close: last.close };
  for (const key of SUMMED) {
    let total: number | undefined;
    for (const b of group) {
      const v = b[key];
      if (v !== undefined) total = (total ?? 0) + v;
    }
    if (total !== undefined) bar[key] = total;
  }
  for (const key of LAST) {
    for (let i = group.length - 1; i >= 0; i--) {
      const v = group[i]![key];
      if (v !== undefined) {
        bar[key] = v;
        break;
      }
    }
  }
  return bar;
}

/**
 * Aggregates bars to a coarser interval that is a whole multiple of the source interval. Groups at
 * either end that are not complete are dropped: a partial bar is not a closed bar.
 */
export function resample(series: BarSeries, targetMs: number): BarSeries {
  if (targetMs === series.intervalMs) return series;
  if (targetMs < series.intervalMs || targetMs % series.intervalMs !== 0) {
    throw new RangeError(
      `cannot resample ${series.venue} ${series.symbol} from ${series.intervalMs / 60000}m bars to ${targetMs / 60000}m bars`,
    );
  }
  const perGroup = targetMs / series.intervalMs;
  const out: Bar[] = [];
  let group: Bar[] = [];
  let groupTs = NaN;
  const flush = (isEdge: boolean) => {
    if (group.length === 0) return;
    if (!(isEdge && group.length < perGroup)) out.push(mergeBars(groupTs, group));
    group = [];
  };
  for (const bar of series.bars) {
    const ts = Math.floor(bar.ts / targetMs) * targetMs;
    if (ts !== groupTs) {
      flush(out.length === 0);
      groupTs = ts;
    }
    group.push(bar);
  }
  flush(true);
  return { ...series, intervalMs: targetMs, bars: out };
}
