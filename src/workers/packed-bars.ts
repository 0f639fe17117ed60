// Bars as columns of a Float64Array (NaN = not given): what crosses to a worker thread. A 28-day 5-minute
// series clones in about 1 ms this way, against 20–30 ms as 8,000 objects.
import type { Bar, BarSeries } from '../analysis/types.js';

const FIELDS = ['ts', 'open', 'high', 'low', 'close', 'volume', 'takerBuyVolume', 'netTakerVolume', 'oi', 'oiUsd', 'realizedLongUsd', 'realizedShortUsd'] as const satisfies readonly (keyof Bar)[];
const REQUIRED = 5;

export interface PackedSeries {
  venue: string;
  symbol: string;
  intervalMs: number;
  length: number;
  /** Field f of bar i at f·length + i, fields in FIELDS order. */
  columns: Float64Array;
}

export function packSeries(series: BarSeries): PackedSeries {
  const n = series.bars.length;
  const columns = new Float64Array(FIELDS.length * n);
  for (let i = 0; i < n; i++) {
    const bar = series.bars[i]!;
    for (let f = 0; f < FIELDS.length; f++) columns[f * n + i] = bar[FIELDS[f]!] ?? NaN;
  }
  return { venue: series.venue, symbol: series.symbol, intervalMs: series.intervalMs, length: n, columns };
}

export function unpackSeries(packed: PackedSeries): BarSeries {
  const n = packed.length;
  const c = packed.columns;
  const bars: Bar[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const bar: Bar = { ts: c[i]!, open: c[n + i]!, high: c[2 * n + i]!, low: c[3 * n + i]!, close: c[4 * n + i]! };
    for (let f = REQUIRED; f < FIELDS.length; f++) {
      const v = c[f * n + i]!;
      if (!Number.isNaN(v)) bar[FIELDS[f]!] = v;
    }
    bars[i] = bar;
  }
  return { venue: packed.venue, symbol: packed.symbol, intervalMs: packed.intervalMs, bars };
}
