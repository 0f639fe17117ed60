import type { Cluster, MapBucket, Side } from './types.js';

/** What cluster finding reads of a bucket (estimated and measured maps alike). */
export type ClusterBucket = Pick<MapBucket, 'priceLow' | 'priceHigh' | 'longUsd' | 'shortUsd'>;

/**
 * The densest levels of one side: buckets that hold at least as much as both neighbours (so one wide
 * cluster is not reported three times), largest first, nearest first on ties.
 */
export function findClusters(buckets: ClusterBucket[], side: Side, price: number, count: number): Cluster[] {
  const usdOf = (b: ClusterBucket | undefined) => (b ? (side === 'long' ? b.longUsd : b.shortUsd) : 0);
  const adjacent = (a: ClusterBucket | undefined, b: ClusterBucket) => a !== undefined && Math.abs(a.priceHigh - b.priceLow) < 1e-9 * b.priceLow + 1e-12;
  const candidates: Cluster[] = [];
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i]!;
    const usd = usdOf(b);
    if (!(usd > 0)) continue;
    const prev = buckets[i - 1];
    const next = buckets[i + 1];
    const left = prev && adjacent(prev, b) ? usdOf(prev) : 0;
    const right = next && adjacent(b, next) ? usdOf(next) : 0;
    // Strictly above the left neighbour breaks ties of a flat top in favour of one bucket.
    if (usd > left && usd >= right) {
      const centre = (b.priceLow + b.priceHigh) / 2;
      candidates.push({ side, price: centre, usd, distancePct: ((centre - price) / price) * 100 });
    }
  }
  candidates.sort((a, b) => b.usd - a.usd || Math.abs(a.distancePct) - Math.abs(b.distancePct));
  return candidates.slice(0, count);
}

export function nearestCluster(clusters: Cluster[]): Cluster | undefined {
  return [...clusters].sort((a, b) => Math.abs(a.distancePct) - Math.abs(b.distancePct))[0];
}
