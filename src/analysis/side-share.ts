import type { Bar, SideAttribution } from './types.js';

const MIN_SHARE = 0.1;
const MAX_SHARE = 0.9;

const clampShare = (s: number) => Math.min(MAX_SHARE, Math.max(MIN_SHARE, s));

/** Median of |net taker flow| over the series: the scale that maps net flow to a share. */
export function netFlowScale(bars: Bar[]): number {
  // A typed array sorts numerically without a comparator: several times faster on 10k bars.
  const values = new Float64Array(bars.length);
  let count = 0;
  for (const b of bars) {
    const v = b.netTakerVolume;
    if (v !== undefined && v !== 0) values[count++] = Math.abs(v);
  }
  if (count === 0) return 0;
  const used = values.subarray(0, count).sort();
  return used[Math.floor(count / 2)]!;
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
