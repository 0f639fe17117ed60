// Our map beside CoinGlass's aggregated one, on our grid: CoinGlass's levels (price, USD, no side) are
// summed into our display buckets, a level above the price counting as shorts and one below as longs;
// then both ratios and, per side, the Spearman rank correlation of the two maps' bucket USD. Pure.
import { formatRatio, formatUsd } from './format.js';
import { spearman } from './rank-stats.js';
import type { LiquidationMap, RatioKind } from './types.js';

export interface ExternalLevel {
  price: number;
  usd: number;
}

export interface ComparedBucket {
  priceLow: number;
  priceHigh: number;
  ours: { longUsd: number; shortUsd: number };
  theirs: { longUsd: number; shortUsd: number };
}

export interface SideTotals {
  /** Short USD above the price within the display range. */
  shortAbove: number;
  /** Long USD below the price within the display range. */
  longBelow: number;
  /** shortAbove / longBelow; null when a side is empty (see ratioKind). */
  ratio: number | null;
  ratioKind: RatioKind;
}

export interface MapComparison {
  symbol: string;
  price: number;
  bucketSize: number;
  rangeLow: number;
  rangeHigh: number;
  /** Every bucket of our grid within the display range, ascending, empty ones included. */
  buckets: ComparedBucket[];
  ours: SideTotals;
  theirs: SideTotals;
  /** Rank correlation of the two maps' USD per bucket, below the price (longs) and above it (shorts); null when either is constant. */
  spearman: { long: number | null; short: number | null };
  /** Buckets compared per side. */
  compared: { long: number; short: number };
  /** CoinGlass USD outside our display range, left out of everything above. */
  theirsOutsideUsd: number;
}

export function totalsOf(shortAbove: number, longBelow: number): SideTotals {
  const ratioKind: RatioKind = shortAbove > 0 && longBelow > 0 ? 'finite' : shortAbove > 0 ? 'no-longs' : longBelow > 0 ? 'no-shorts' : 'empty';
  return { shortAbove, longBelow, ratio: ratioKind === 'finite' ? shortAbove / longBelow : null, ratioKind };
}

export function compareMaps(map: LiquidationMap, levels: readonly ExternalLevel[]): MapComparison {
  const size = map.bucketSize;
  // Our buckets' edges sit on multiples of the bucket size from an origin the map's buckets show.
  const origin = map.buckets.length > 0 ? map.buckets[0]!.priceLow - Math.floor(map.buckets[0]!.priceLow / size) * size : 0;
  const indexOf = (price: number) => Math.floor((price - origin) / size + 1e-9);
  const first = indexOf(map.rangeLow);
  const last = indexOf(map.rangeHigh);
  const buckets: ComparedBucket[] = [];
  for (let k = first; k <= last; k++) {
    const priceLow = origin + k * size;
    const centre = priceLow + size / 2;
    if (centre < map.rangeLow || centre > map.rangeHigh) continue;
    buckets.push({ priceLow, priceHigh: priceLow + size, ours: { longUsd: 0, shortUsd: 0 }, theirs: { longUsd: 0, shortUsd: 0 } });
  }
  const at = new Map(buckets.map((b) => [indexOf(b.priceLow + size / 2), b]));
  for (const b of map.buckets) {
    const target = at.get(indexOf((b.priceLow + b.priceHigh) / 2));
    if (!target) continue;
    target.ours.longUsd += b.longUsd;
    target.ours.shortUsd += b.shortUsd;
  }
  let outside = 0;
  for (const level of levels) {
    const target = level.price >= map.rangeLow && level.price <= map.rangeHigh ? at.get(indexOf(level.price)) : undefined;
    if (!target || level.price === map.price) {
      outside += level.usd;
      continue;
    }
    if (level.price > map.price) target.theirs.shortUsd += level.usd;
    else target.theirs.longUsd += level.usd;
  }
  // The bucket holding the price counts with the side its centre is on.
  const below = buckets.filter((b) => (b.priceLow + b.priceHigh) / 2 < map.price);
  const above = buckets.filter((b) => (b.priceLow + b.priceHigh) / 2 >= map.price);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    symbol: map.meta.symbol,
    price: map.price,
    bucketSize: size,
    rangeLow: map.rangeLow,
    rangeHigh: map.rangeHigh,
    buckets,
    ours: totalsOf(map.shortAbove, map.longBelow),
    theirs: totalsOf(sum(buckets.map((b) => b.theirs.shortUsd)), sum(buckets.map((b) => b.theirs.longUsd))),
    spearman: {
      long: spearman(below.map((b) => b.ours.longUsd), below.map((b) => b.theirs.longUsd)),
      short: spearman(above.map((b) => b.ours.shortUsd), above.map((b) => b.theirs.shortUsd)),
    },
    compared: { long: below.length, short: above.length },
    theirsOutsideUsd: outside,
  };
}

/** One line for the reply: both ratios, both sides' USD and the rank correlation per side. */
export function summarizeComparison(c: MapComparison): string {
  const rho = (r: number | null) => (r === null ? 'n/a' : r.toFixed(2));
  return [
    `liqmap ${formatRatio(c.ours)} (shorts ${formatUsd(c.ours.shortAbove)} above, longs ${formatUsd(c.ours.longBelow)} below)`,
    `CoinGlass ${formatRatio(c.theirs)} (${formatUsd(c.theirs.shortAbove)} above, ${formatUsd(c.theirs.longBelow)} below, its own scale)`,
    `rank correlation of the two maps per bucket: longs ${rho(c.spearman.long)}, shorts ${rho(c.spearman.short)}`,
  ].join(' · ');
}
