// The measured map and its scores against the estimate, on hand-computed cases.
import { describe, expect, it } from 'vitest';
import { buildMeasuredMap, type MeasuredPosition } from '../../src/analysis/measured-map.js';
import { compareWithMeasured, summarizeComparisons } from '../../src/analysis/measured-score.js';
import type { ClusterBucket } from '../../src/analysis/clusters.js';

describe('buildMeasuredMap', () => {
  const positions: MeasuredPosition[] = [
    { side: 'long', usd: 1_000_000, liquidationPx: 95_050 },
    { side: 'long', usd: 2_000_000, liquidationPx: 95_099.99 },
    { side: 'long', usd: 500_000, liquidationPx: null },
    { side: 'short', usd: 4_000_000, liquidationPx: 103_210 },
    { side: 'short', usd: 1_000_000, liquidationPx: 130_000 },
    { side: 'long', usd: 250_000, liquidationPx: 99_950 },
    { side: 'short', usd: 0, liquidationPx: 101_000 },
  ];
  const map = buildMeasuredMap({ positions, price: 100_000, bucketSize: 100, range: 0.15 });

  it('buckets each position by its own liquidation price on the estimate grid', () => {
    expect(map.buckets.map((b) => [b.priceLow, b.priceHigh, b.longUsd, b.shortUsd, b.longPositions, b.shortPositions])).toEqual([
      [95_000, 95_100, 3_000_000, 0, 2, 0],
      [99_900, 100_000, 250_000, 0, 1, 0],
      [103_200, 103_300, 0, 4_000_000, 0, 1],
      [130_000, 130_100, 0, 1_000_000, 0, 1],
    ]);
    expect(map.buckets.map((b) => [b.longCumulativeUsd, b.shortCumulativeUsd])).toEqual([
      [3_250_000, 0],
      [250_000, 0],
      [0, 4_000_000],
      [0, 5_000_000],
    ]);
  });

  it('sums the range, the ratio, the reach and the clusters like the estimate', () => {
    expect(map.shortAbove).toBe(4_000_000);
    expect(map.longBelow).toBe(3_250_000);
    expect(map.ratio).toBeCloseTo(4 / 3.25, 12);
    expect(map.ratioKind).toBe('finite');
    expect(map.shortReach).toBe(103_250);
    expect(map.longReach).toBe(95_050);
    expect(map.longClusters.map((c) => [c.price, c.usd, +c.distancePct.toFixed(4)])).toEqual([
      [95_050, 3_000_000, -4.95],
      [99_950, 250_000, -0.05],
    ]);
    expect(map.shortClusters.map((c) => [c.price, c.usd, +c.distancePct.toFixed(4)])).toEqual([[103_250, 4_000_000, 3.25]]);
  });

  it('keeps positions without a liquidation price in the book, in no bucket', () => {
    expect(map.book).toEqual({ positions: 6, longUsd: 3_750_000, shortUsd: 5_000_000, longWithoutLiquidationUsd: 500_000, shortWithoutLiquidationUsd: 0, wrongSidePositions: 0 });
  });

  it('counts a long whose liquidation price is above the mark as data older than the price', () => {
    const stale = buildMeasuredMap({ positions: [{ side: 'long', usd: 10, liquidationPx: 100_500 }], price: 100_000, bucketSize: 100, range: 0.15 });
    expect(stale.book.wrongSidePositions).toBe(1);
    expect(stale.ratioKind).toBe('no-shorts');
  });

  it('refuses a grid it cannot draw', () => {
    expect(() => buildMeasuredMap({ positions: [], price: 100, bucketSize: 0, range: 0.1 })).toThrow(/bucket size 0/);
    expect(() => buildMeasuredMap({ positions: [], price: Number.NaN, bucketSize: 1, range: 0.1 })).toThrow(/price NaN/);
  });
});

describe('compareWithMeasured', () => {
  // ±1% around 100,000 with $100 buckets: longs compare buckets 99,000–99,999, shorts 100,000–100,999.
  const bucket = (k: number, longUsd: number, shortUsd: number): ClusterBucket => ({ priceLow: k * 100, priceHigh: (k + 1) * 100, longUsd, shortUsd });
  const estimated: ClusterBucket[] = [bucket(800, 100, 0)];
  const positions: MeasuredPosition[] = [{ side: 'long', usd: 45, liquidationPx: null }];
  for (let k = 995; k <= 999; k++) {
    estimated.push(bucket(k, k - 994, 0));
    positions.push({ side: 'long', usd: 2 * (k - 994), liquidationPx: k * 100 + 50 });
  }
  for (let k = 1000; k <= 1009; k++) {
    estimated.push(bucket(k, 0, 1010 - k));
    positions.push({ side: 'short', usd: k - 999, liquidationPx: k * 100 + 50 });
  }
  const measured = buildMeasuredMap({ positions, price: 100_000, bucketSize: 100, range: 0.01 });
  const c = compareWithMeasured({ bucketSize: 100, buckets: estimated }, measured, { withinPcts: [5, 25], bandPct: 0.25 });

  it('sums both maps within the range of the mark', () => {
    expect(c.estimated).toEqual({ shortAbove: 55, longBelow: 15, bookUsd: 170 });
    expect(c.measured).toEqual({ shortAbove: 55, longBelow: 30, bookUsd: 130 });
  });

  it('ranks the same long shape as perfect and the reversed short shape as opposite', () => {
    expect(c.scores.long.buckets).toBe(10);
    expect(c.scores.long.spearman).toBeCloseTo(1, 12);
    expect(c.scores.long.shapeDistance).toBeCloseTo(0, 12);
    // Top decile of 10 buckets = the estimate's largest bucket (99,900: 5 of 15), measured 10 of 30 there.
    expect(c.scores.long.topDecileShare).toBeCloseTo(10 / 30, 12);
    expect(c.scores.short.spearman).toBeCloseTo(-1, 12);
    expect(c.scores.short.topDecileShare).toBeCloseTo(1 / 55, 12);
    expect(c.scores.short.shapeDistance).toBeCloseTo(25 / 55, 12);
  });

  it('ranks bands of distance from the mark', () => {
    // 0.25% bands: longs 9, 6, 0, 0 against 18, 12, 0, 0; shorts 19, 21, 9, 6 against 3, 12, 13, 27.
    expect(c.scores.long.bandSpearman).toBeCloseTo(1, 12);
    expect(c.scores.short.bandSpearman).toBeCloseTo(-0.8, 12);
  });

  it('gives the share of each book within ±pct, nulls and far buckets in the book', () => {
    expect(c.scores.bookWithin).toEqual([
      { pct: 5, estimated: 70 / 170, measured: 85 / 130 },
      { pct: 25, estimated: 1, measured: 85 / 130 },
    ]);
  });

  it('measures the ratio error and the nearest clusters', () => {
    expect(c.scores.ratio.estimated).toBeCloseTo(55 / 15, 12);
    expect(c.scores.ratio.measured).toBeCloseTo(55 / 30, 12);
    expect(c.scores.ratio.logError).toBeCloseTo(Math.log(2), 12);
    expect(c.scores.nearestCluster.long.estimated?.price).toBe(99_950);
    expect(c.scores.nearestCluster.long.errorPct).toBeCloseTo(0, 12);
    expect(c.scores.nearestCluster.short.estimated?.price).toBe(100_050);
    expect(c.scores.nearestCluster.short.measured?.price).toBe(100_950);
    expect(c.scores.nearestCluster.short.errorPct).toBeCloseTo(-0.9, 12);
  });

  it('summarizes medians and means, leaving out what could not be scored', () => {
    const empty = compareWithMeasured({ bucketSize: 100, buckets: [] }, measured, { withinPcts: [5, 25] });
    const s = summarizeComparisons([c, empty]);
    expect(s.snapshots).toBe(2);
    expect(s.spearmanShort).toEqual({ n: 1, median: c.scores.short.spearman, mean: c.scores.short.spearman });
    expect(s.bookWithin[0]!.measured.median).toBeCloseTo(85 / 130, 12);
    expect(s.absNearestClusterErrorShort.median).toBeCloseTo(0.9, 12);
  });

  it('refuses maps on different grids', () => {
    expect(() => compareWithMeasured({ bucketSize: 250, buckets: [] }, measured)).toThrow(/different grids/);
  });
});
