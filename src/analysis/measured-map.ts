// The measured liquidation map: real positions bucketed by their own liquidation price (Hyperliquid
// publishes it per position), on the same bucket grid as the estimate, so the two can be laid side by
// side and scored (measured-score.ts). Shorts are liquidated above the price, longs below. A position
// without a liquidation price (null: margined well enough that no reachable price liquidates it) is
// part of the book but of no bucket.
import { addCumulativeCurves, rangeFigures } from './build-map.js';
import type { LiquidationMap, Side } from './types.js';

export interface MeasuredPosition {
  side: Side;
  /** Notional in USD (size × mark). */
  usd: number;
  liquidationPx: number | null;
}

export interface MeasuredMapRequest {
  positions: readonly MeasuredPosition[];
  /** The mark the map is drawn around. */
  price: number;
  /** The estimate's bucket width, so both maps share one grid. */
  bucketSize: number;
  /** Display range as a fraction of price (0.15 = ±15%). */
  range: number;
  clusterCount?: number;
}

export interface MeasuredBucket {
  /** Lower edge: a whole multiple of bucketSize, as in the estimate's grid. */
  priceLow: number;
  priceHigh: number;
  longUsd: number;
  shortUsd: number;
  longPositions: number;
  shortPositions: number;
  /** Long USD liquidated from the price down to this bucket (inclusive); 0 above the price. */
  longCumulativeUsd: number;
  /** Short USD liquidated from the price up to this bucket (inclusive); 0 below the price. */
  shortCumulativeUsd: number;
}

/** Every position held, whether or not it has a liquidation price in reach. */
export interface MeasuredBook {
  positions: number;
  longUsd: number;
  shortUsd: number;
  /** Positions with no liquidation price (null). */
  longWithoutLiquidationUsd: number;
  shortWithoutLiquidationUsd: number;
  /** Longs whose liquidation price is above the price, or shorts below it: data older than the price. */
  wrongSidePositions: number;
}

/** The estimate's figures within the range (shortAbove, ratio, reach, clusters…), read the same way. */
export interface MeasuredMap
  extends Pick<LiquidationMap, 'price' | 'bucketSize' | 'rangeLow' | 'rangeHigh' | 'shortAbove' | 'longBelow' | 'ratio' | 'ratioKind' | 'shortReach' | 'longReach' | 'shortClusters' | 'longClusters'> {
  label: 'measured';
  /** Non-empty buckets, ascending. */
  buckets: MeasuredBucket[];
  book: MeasuredBook;
}

export function buildMeasuredMap(req: MeasuredMapRequest): MeasuredMap {
  const { price, bucketSize, range } = req;
  if (!(price > 0) || !Number.isFinite(price)) throw new RangeError(`measured map: price ${price} must be above 0`);
  if (!(bucketSize > 0) || !Number.isFinite(bucketSize)) throw new RangeError(`measured map: bucket size ${bucketSize} must be above 0`);
  if (!(range > 0 && range <= 1)) throw new RangeError(`measured map: range ${range} must be above 0 and at most 1`);

  const byBucket = new Map<number, MeasuredBucket>();
  const book: MeasuredBook = { positions: 0, longUsd: 0, shortUsd: 0, longWithoutLiquidationUsd: 0, shortWithoutLiquidationUsd: 0, wrongSidePositions: 0 };
  for (const p of req.positions) {
    if (!(p.usd > 0)) continue;
    book.positions++;
    const long = p.side === 'long';
    if (long) book.longUsd += p.usd;
    else book.shortUsd += p.usd;
    const px = p.liquidationPx;
    if (px === null || !(px > 0)) {
      if (long) book.longWithoutLiquidationUsd += p.usd;
      else book.shortWithoutLiquidationUsd += p.usd;
      continue;
    }
    if (long ? px > price : px < price) book.wrongSidePositions++;
    const k = Math.floor(px / bucketSize);
    let b = byBucket.get(k);
    if (!b) {
      b = { priceLow: k * bucketSize, priceHigh: (k + 1) * bucketSize, longUsd: 0, shortUsd: 0, longPositions: 0, shortPositions: 0, longCumulativeUsd: 0, shortCumulativeUsd: 0 };
      byBucket.set(k, b);
    }
    if (long) {
      b.longUsd += p.usd;
      b.longPositions++;
    } else {
      b.shortUsd += p.usd;
      b.shortPositions++;
    }
  }
  const buckets = [...byBucket.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b);

  addCumulativeCurves(buckets, price);

  return {
    label: 'measured',
    price,
    bucketSize,
    buckets,
    ...rangeFigures(buckets, price, range, req.clusterCount ?? 3),
    book,
  };
}

/** The measured map at one moment, compact: what the heatmap's measured overlay draws per time column. */
export interface MeasuredHistorySample {
  ts: number;
  markPx: number;
  bucketSize: number;
  /** Non-empty buckets within the recorded range: [lower edge, long USD, short USD]. */
  levels: [number, number, number][];
}

/** The map's non-empty buckets within its range, as one history sample. */
export function historySampleOf(map: MeasuredMap, ts: number): MeasuredHistorySample {
  const levels: [number, number, number][] = [];
  for (const b of map.buckets) {
    const centre = (b.priceLow + b.priceHigh) / 2;
    if (centre < map.rangeLow || centre > map.rangeHigh) continue;
    if (b.longUsd > 0 || b.shortUsd > 0) levels.push([b.priceLow, b.longUsd, b.shortUsd]);
  }
  return { ts, markPx: map.price, bucketSize: map.bucketSize, levels };
}

/** The measured history drawn over a heatmap (render/heatmap-picture.ts), samples ascending by time. */
export interface MeasuredOverlay {
  samples: MeasuredHistorySample[];
}
