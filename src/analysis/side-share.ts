import type { Bar, SideAttribution } from './types.js';

const MIN_SHARE = 0.1;
const MAX_SHARE = 0.9;

const clampShare = (s: number) => Math.min(MAX_SHARE, Math.max(MIN_SHARE, s));

/** Median of |net taker flow| over the series: the scale that maps net flow to a share. */
export function netFlowScale(bars: Bar[]): number {
  const values = new Float64Array(bars.length);
  let count = 0;
  for (const b of bars) {
    const v = b.netTakerVolume;
    if (v !== undefined && v !== 0) values[count++] = Math.abs(v);
  }
  if (count === 0) return 0;
  return nthSmallest(values.subarray(0, count), Math.floor(count / 2));
}

/**
 * Share of a bar's new positions that are longs, clamped to [0.1, 0.9].
 * taker: taker-buy volume over volume; with only net taker flow, its sign and size relative to the
 * series' typical flow (tanh keeps it smooth); without either, 0.5.
 */
export function longShare(bar: Bar, mode: SideAttribution, flowScale: number): number {
  if (mode === 'neutral') return 0.5;
  if (mode === 'candle') {
    if (bar.close > bar.open) return MAX_SHARE;
    if (bar.close < bar.open) return MIN_SHARE;
    return 0.5;
  }
  if (bar.volume !== undefined && bar.takerBuyVolume !== undefined && bar.volume > 0) {
    return clampShare(bar.takerBuyVolume / bar.volume);
  }
  if (bar.netTakerVolume !== undefined && flowScale > 0) {
    return clampShare(0.5 + 0.4 * Math.tanh(bar.netTakerVolume / flowScale));
  }
  return 0.5;
}

/** k-th smallest value (0-based) by quickselect: O(n), reorders `a` in place. */
function nthSmallest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}
