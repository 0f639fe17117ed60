import { describe, expect, it } from 'vitest';
import { compareMaps } from '../../src/analysis/compare.js';
import type { LiquidationMap, MapBucket } from '../../src/analysis/types.js';

/** A map at price 100 with buckets of 1 over ±10, longs below and shorts above as given per bucket low. */
function mapOf(usd: Record<number, number>): LiquidationMap {
  const buckets: MapBucket[] = Object.entries(usd)
    .map(([low, v]) => Number(low) < 100
      ? { priceLow: Number(low), priceHigh: Number(low) + 1, longUsd: v, shortUsd: 0, longByTier: [v], shortByTier: [0], longCumulativeUsd: 0, shortCumulativeUsd: 0 }
      : { priceLow: Number(low), priceHigh: Number(low) + 1, longUsd: 0, shortUsd: v, longByTier: [0], shortByTier: [v], longCumulativeUsd: 0, shortCumulativeUsd: 0 })
    .sort((a, b) => a.priceLow - b.priceLow);
  const shortAbove = buckets.reduce((s, b) => s + b.shortUsd, 0);
  const longBelow = buckets.reduce((s, b) => s + b.longUsd, 0);
  return {
    price: 100,
    bucketSize: 1,
    buckets,
    rangeLow: 90,
    rangeHigh: 110,
    shortAbove,
    longBelow,
    ratio: longBelow > 0 ? shortAbove / longBelow : null,
    ratioKind: 'finite',
    shortReach: null,
    longReach: null,
    shortClusters: [],
    longClusters: [],
    meta: { symbol: 'BTCUSDT' } as LiquidationMap['meta'],
  };
}

describe('comparison with CoinGlass', () => {
  it('re-bins levels onto our buckets, by side of the price, and counts what falls outside the range', () => {
    const c = compareMaps(mapOf({ 95: 10, 104: 20 }), [
      { price: 95.2, usd: 3 },
      { price: 95.9, usd: 4 },
      { price: 104.5, usd: 5 },
      { price: 120, usd: 100 },
      { price: 80, usd: 50 },
    ]);
    expect(c.buckets).toHaveLength(20);
    expect(c.buckets[0]).toMatchObject({ priceLow: 90, priceHigh: 91 });
    expect(c.buckets.find((b) => b.priceLow === 95)).toEqual({ priceLow: 95, priceHigh: 96, ours: { longUsd: 10, shortUsd: 0 }, theirs: { longUsd: 7, shortUsd: 0 } });
    expect(c.buckets.find((b) => b.priceLow === 104)!.theirs).toEqual({ longUsd: 0, shortUsd: 5 });
    expect(c.theirsOutsideUsd).toBe(150);
    expect(c.ours).toEqual({ shortAbove: 20, longBelow: 10, ratio: 2, ratioKind: 'finite' });
    expect(c.theirs).toEqual({ shortAbove: 5, longBelow: 7, ratio: 5 / 7, ratioKind: 'finite' });
    expect(c.compared).toEqual({ long: 10, short: 10 });
  });

  it('ranks the two maps bucket by bucket per side: the same landscape 1, a mirrored one −1', () => {
    const ours = mapOf({ 91: 1, 93: 5, 96: 2, 98: 9, 101: 4, 103: 8, 107: 1 });
    const same = ours.buckets.map((b) => ({ price: b.priceLow + 0.5, usd: 3 * (b.longUsd + b.shortUsd) }));
    const c = compareMaps(ours, same);
    expect(c.spearman.long).toBeCloseTo(1, 12);
    expect(c.spearman.short).toBeCloseTo(1, 12);
    // Where ours is empty theirs is busy and the other way round: perfectly opposed per bucket.
    const opposite = Array.from({ length: 20 }, (_, i) => 90 + i).map((low) => ({ price: low + 0.5, usd: ours.buckets.some((b) => b.priceLow === low) ? 0 : 7 }));
    expect(compareMaps(ours, opposite).spearman.long).toBeLessThan(-0.9);
  });

  it('says when a ranking is undefined (a side with nothing) and when CoinGlass has one side only', () => {
    const c = compareMaps(mapOf({ 95: 10, 104: 20 }), [{ price: 104.5, usd: 5 }]);
    expect(c.spearman.long).toBeNull();
    expect(c.theirs).toEqual({ shortAbove: 5, longBelow: 0, ratio: null, ratioKind: 'no-longs' });
  });
});
