// The estimate scored against the measured map of the same moment, on one bucket grid around the
// mark: does the model put liquidations where real positions have them?
//
// - per side, over the buckets within the range (longs: buckets reaching below the mark; shorts:
//   above), each side normalised to its total: Spearman rank correlation of bucket USD, the share of
//   measured USD inside the estimate's top-decile buckets, and the total-variation distance of the
//   two shapes (0 = identical, 1 = disjoint); and Spearman over coarser bands of distance from the mark
//   (1% by default), since a measured map of a few dozen positions leaves most buckets empty;
// - the share of the whole book (both sides; measured positions without a liquidation price count in
//   the book, in no bucket) liquidated within ±5/10/15% of the mark;
// - the ratio error: ln(estimated ratio / measured ratio), 0 = right, ±0.69 = a factor of two;
// - the nearest cluster each side in both maps, and how far apart they are (points of %).
import { findClusters, type ClusterBucket } from './clusters.js';
import type { MeasuredMap } from './measured-map.js';
import { spearman, topShare } from './rank-stats.js';
import type { Cluster, Side } from './types.js';

export const DEFAULT_WITHIN_PCTS = [5, 10, 15] as const;

export interface SideScore {
  /** Buckets compared on this side. */
  buckets: number;
  spearman: number | null;
  /** Share of measured USD in the estimate's top 10% of buckets. */
  topDecileShare: number | null;
  /** ½ Σ |e/E − m/M|: 0 = the same shape, 1 = nothing in common. */
  shapeDistance: number | null;
  /** Spearman over bands of distance from the mark (`bandPct` wide). */
  bandSpearman: number | null;
}

export interface WithinScore {
  pct: number;
  /** Share of each book liquidated within ±pct of the mark. */
  estimated: number | null;
  measured: number | null;
}

export interface NearestClusterScore {
  estimated: Cluster | null;
  measured: Cluster | null;
  /** estimated.distancePct − measured.distancePct. */
  errorPct: number | null;
}

export interface MeasuredScores {
  long: SideScore;
  short: SideScore;
  bookWithin: WithinScore[];
  ratio: { estimated: number | null; measured: number | null; logError: number | null };
  nearestCluster: { long: NearestClusterScore; short: NearestClusterScore };
}

/** USD within the range of the mark, and the whole book. */
export interface SideTotals {
  shortAbove: number;
  longBelow: number;
  bookUsd: number;
}

export interface MeasuredComparison {
  price: number;
  range: number;
  bucketSize: number;
  estimated: SideTotals;
  measured: SideTotals;
  scores: MeasuredScores;
}

/** What the comparison reads of the estimate: its buckets on the shared grid. */
export interface EstimatedBuckets {
  bucketSize: number;
  buckets: readonly ClusterBucket[];
}

export interface CompareOptions {
  withinPcts?: readonly number[];
  clusterCount?: number;
  /** Width of the distance bands of `bandSpearman`, in % of the mark (default 1). */
  bandPct?: number;
}

function indexed(buckets: readonly ClusterBucket[], bucketSize: number): Map<number, ClusterBucket> {
  return new Map(buckets.map((b) => [Math.round(b.priceLow / bucketSize), b]));
}

function bookUsd(buckets: readonly ClusterBucket[]): number {
  let sum = 0;
  for (const b of buckets) sum += b.longUsd + b.shortUsd;
  return sum;
}

function sideScore(estimated: number[], measured: number[], bandOf: number[]): SideScore {
  const e = estimated.reduce((s, v) => s + v, 0);
  const m = measured.reduce((s, v) => s + v, 0);
  let distance: number | null = null;
  if (e > 0 && m > 0) {
    let d = 0;
    for (let i = 0; i < estimated.length; i++) d += Math.abs(estimated[i]! / e - measured[i]! / m);
    distance = d / 2;
  }
  const bands = bandOf.length > 0 ? Math.max(...bandOf) + 1 : 0;
  const bandE = new Array<number>(bands).fill(0);
  const bandM = new Array<number>(bands).fill(0);
  bandOf.forEach((b, i) => {
    bandE[b]! += estimated[i]!;
    bandM[b]! += measured[i]!;
  });
  return {
    buckets: estimated.length,
    spearman: estimated.length >= 2 ? spearman(estimated, measured) : null,
    topDecileShare: estimated.length > 0 ? topShare(estimated, measured, 0.1) : null,
    shapeDistance: distance,
    bandSpearman: bands >= 2 ? spearman(bandE, bandM) : null,
  };
}

function nearest(clusters: Cluster[]): Cluster | null {
  let best: Cluster | null = null;
  for (const c of clusters) if (best === null || Math.abs(c.distancePct) < Math.abs(best.distancePct)) best = c;
  return best;
}

function nearestScore(side: Side, estimated: ClusterBucket[], measured: ClusterBucket[], price: number, count: number): NearestClusterScore {
  const e = nearest(findClusters(estimated, side, price, count));
  const m = nearest(findClusters(measured, side, price, count));
  return { estimated: e, measured: m, errorPct: e && m ? e.distancePct - m.distancePct : null };
}

/** Compares the estimate with the measured map around the measured map's price and range. */
export function compareWithMeasured(estimate: EstimatedBuckets, measured: MeasuredMap, options: CompareOptions = {}): MeasuredComparison {
  const bs = measured.bucketSize;
  if (Math.abs(estimate.bucketSize - bs) > 1e-9 * bs) {
    throw new RangeError(`compareWithMeasured: the maps are on different grids (bucket ${estimate.bucketSize} against ${bs})`);
  }
  const price = measured.price;
  const range = (measured.rangeHigh - price) / price;
  const est = indexed(estimate.buckets, bs);
  const meas = indexed(measured.buckets, bs);
  // Buckets whose centre lies within the range, as both maps count their range.
  const kLow = Math.ceil(measured.rangeLow / bs - 0.5);
  const kHigh = Math.floor(measured.rangeHigh / bs - 0.5);
  const longE: number[] = [];
  const longM: number[] = [];
  const shortE: number[] = [];
  const shortM: number[] = [];
  const longBand: number[] = [];
  const shortBand: number[] = [];
  const band = (options.bandPct ?? 1) / 100;
  // The band of a bucket: its centre's distance from the mark in whole bands (a hair of slack for
  // centres that sit exactly on a band's edge).
  const bandOf = (k: number) => Math.floor(Math.abs((k + 0.5) * bs - price) / price / band + 1e-9);
  const inRangeE: ClusterBucket[] = [];
  const inRangeM: ClusterBucket[] = [];
  let shortAboveE = 0;
  let longBelowE = 0;
  for (let k = kLow; k <= kHigh; k++) {
    const e = est.get(k);
    const m = meas.get(k);
    const low = k * bs;
    if (low < price) {
      longE.push(e?.longUsd ?? 0);
      longM.push(m?.longUsd ?? 0);
      longBand.push(bandOf(k));
    }
    if (low + bs > price) {
      shortE.push(e?.shortUsd ?? 0);
      shortM.push(m?.shortUsd ?? 0);
      shortBand.push(bandOf(k));
    }
    if (e) {
      inRangeE.push(e);
      shortAboveE += e.shortUsd;
      longBelowE += e.longUsd;
    }
    if (m) inRangeM.push(m);
  }

  const estimatedBook = bookUsd(estimate.buckets);
  const measuredBook = measured.book.longUsd + measured.book.shortUsd;
  const within = (buckets: readonly ClusterBucket[], total: number, pct: number): number | null => {
    if (!(total > 0)) return null;
    const lo = price * (1 - pct / 100);
    const hi = price * (1 + pct / 100);
    let sum = 0;
    for (const b of buckets) {
      const c = (b.priceLow + b.priceHigh) / 2;
      if (c >= lo && c <= hi) sum += b.longUsd + b.shortUsd;
    }
    return sum / total;
  };
  const ratioE = shortAboveE > 0 && longBelowE > 0 ? shortAboveE / longBelowE : null;
  const ratioM = measured.shortAbove > 0 && measured.longBelow > 0 ? measured.shortAbove / measured.longBelow : null;
  const count = options.clusterCount ?? 3;
  return {
    price,
    range,
    bucketSize: bs,
    estimated: { shortAbove: shortAboveE, longBelow: longBelowE, bookUsd: estimatedBook },
    measured: { shortAbove: measured.shortAbove, longBelow: measured.longBelow, bookUsd: measuredBook },
    scores: {
      long: sideScore(longE, longM, longBand),
      short: sideScore(shortE, shortM, shortBand),
      bookWithin: (options.withinPcts ?? DEFAULT_WITHIN_PCTS).map((pct) => ({
        pct,
        estimated: within(estimate.buckets, estimatedBook, pct),
        measured: within(measured.buckets, measuredBook, pct),
      })),
      ratio: { estimated: ratioE, measured: ratioM, logError: ratioE !== null && ratioM !== null ? Math.log(ratioE / ratioM) : null },
      nearestCluster: {
        long: nearestScore('long', inRangeE, inRangeM, price, count),
        short: nearestScore('short', inRangeE, inRangeM, price, count),
      },
    },
  };
}

export interface Spread {
  n: number;
  median: number | null;
  mean: number | null;
}

function spread(values: (number | null)[]): Spread {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return { n: 0, median: null, mean: null };
  const mid = xs.length / 2;
  const median = xs.length % 2 === 1 ? xs[Math.floor(mid)]! : (xs[mid - 1]! + xs[mid]!) / 2;
  return { n: xs.length, median, mean: xs.reduce((s, v) => s + v, 0) / xs.length };
}

export interface ComparisonSummary {
  snapshots: number;
  spearmanLong: Spread;
  spearmanShort: Spread;
  topDecileLong: Spread;
  topDecileShort: Spread;
  shapeDistanceLong: Spread;
  shapeDistanceShort: Spread;
  bandSpearmanLong: Spread;
  bandSpearmanShort: Spread;
  bookWithin: { pct: number; estimated: Spread; measured: Spread }[];
  /** |ln(estimated / measured ratio)|. */
  absRatioLogError: Spread;
  /** |estimated − measured| distance of the nearest cluster, points of %. */
  absNearestClusterErrorLong: Spread;
  absNearestClusterErrorShort: Spread;
}

/** Median and mean of every score over snapshots (nulls left out, counted in `n`). */
export function summarizeComparisons(list: readonly MeasuredComparison[]): ComparisonSummary {
  const pcts = list[0]?.scores.bookWithin.map((w) => w.pct) ?? [...DEFAULT_WITHIN_PCTS];
  const abs = (v: number | null) => (v === null ? null : Math.abs(v));
  return {
    snapshots: list.length,
    spearmanLong: spread(list.map((c) => c.scores.long.spearman)),
    spearmanShort: spread(list.map((c) => c.scores.short.spearman)),
    topDecileLong: spread(list.map((c) => c.scores.long.topDecileShare)),
    topDecileShort: spread(list.map((c) => c.scores.short.topDecileShare)),
    shapeDistanceLong: spread(list.map((c) => c.scores.long.shapeDistance)),
    shapeDistanceShort: spread(list.map((c) => c.scores.short.shapeDistance)),
    bandSpearmanLong: spread(list.map((c) => c.scores.long.bandSpearman)),
    bandSpearmanShort: spread(list.map((c) => c.scores.short.bandSpearman)),
    bookWithin: pcts.map((pct, i) => ({
      pct,
      estimated: spread(list.map((c) => c.scores.bookWithin[i]?.estimated ?? null)),
      measured: spread(list.map((c) => c.scores.bookWithin[i]?.measured ?? null)),
    })),
    absRatioLogError: spread(list.map((c) => abs(c.scores.ratio.logError))),
    absNearestClusterErrorLong: spread(list.map((c) => abs(c.scores.nearestCluster.long.errorPct))),
    absNearestClusterErrorShort: spread(list.map((c) => abs(c.scores.nearestCluster.short.errorPct))),
  };
}
