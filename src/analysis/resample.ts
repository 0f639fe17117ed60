import type { Bar, BarSeries } from './types.js';

function sumDefined(values: (number | undefined)[]): number | undefined {
  let seen = false;
  let total = 0;
  for (const v of values) {
    if (v !== undefined) {
      seen = true;
      total += v;
    }
  }
  return seen ? total : undefined;
}

function lastDefined(values: (number | undefined)[]): number | undefined {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== undefined) return values[i];
  return undefined;
}

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
  const assign = (key: keyof Bar, value: number | undefined) => {
    if (value !== undefined) (bar as unknown as Record<string, number>)[key] = value;
  };
  assign('volume', sumDefined(group.map((b) => b.volume)));
  assign('takerBuyVolume', sumDefined(group.map((b) => b.takerBuyVolume)));
  assign('netTakerVolume', sumDefined(group.map((b) => b.netTakerVolume)));
  assign('oi', lastDefined(group.map((b) => b.oi)));
  assign('oiUsd', lastDefined(group.map((b) => b.oiUsd)));
  assign('realizedLongUsd', sumDefined(group.map((b) => b.realizedLongUsd)));
  assign('realizedShortUsd', sumDefined(group.map((b) => b.realizedShortUsd)));
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
