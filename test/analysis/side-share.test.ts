import { describe, expect, it } from 'vitest';
import { longShare, netFlowScale } from '../../src/analysis/side-share.js';
import type { Bar } from '../../src/analysis/types.js';

const bar = (extra: Partial<Bar>): Bar => ({ ts: 0, open: 100, high: 101, low: 99, close: 100, ...extra });

describe('side attribution', () => {
  it('takes the median of |net taker flow|, ignoring bars without it', () => {
    const flows = [5, -1, 3, undefined, -9, 7, 0, -2];
    // |flows| without undefined and 0: 5 1 3 9 7 2 → sorted 1 2 3 5 7 9 → index 3 → 5
    expect(netFlowScale(flows.map((f) => bar({ netTakerVolume: f })))).toBe(5);
    expect(netFlowScale([bar({})])).toBe(0);
    const many = Array.from({ length: 1001 }, (_, i) => bar({ netTakerVolume: ((i * 7919) % 1001) - 500 }));
    const sorted = many.map((b) => Math.abs(b.netTakerVolume!)).filter((v) => v !== 0).sort((a, b) => a - b);
    expect(netFlowScale(many)).toBe(sorted[Math.floor(sorted.length / 2)]);
  });

  it('uses the taker-buy share, clamped to [0.1, 0.9]', () => {
    expect(longShare(bar({ volume: 10, takerBuyVolume: 6 }), 'taker', 0)).toBeCloseTo(0.6);
    expect(longShare(bar({ volume: 10, takerBuyVolume: 10 }), 'taker', 0)).toBe(0.9);
    expect(longShare(bar({ volume: 10, takerBuyVolume: 0 }), 'taker', 0)).toBe(0.1);
  });

  it('falls back to net flow, then to 0.5', () => {
    expect(longShare(bar({ netTakerVolume: 50 }), 'taker', 50)).toBeGreaterThan(0.75);
    expect(longShare(bar({ netTakerVolume: -50 }), 'taker', 50)).toBeLessThan(0.25);
    expect(longShare(bar({ netTakerVolume: 0 }), 'taker', 50)).toBe(0.5);
    expect(longShare(bar({}), 'taker', 50)).toBe(0.5);
    expect(longShare(bar({ volume: 0, takerBuyVolume: 0 }), 'taker', 0)).toBe(0.5);
  });

  it('follows the candle in candle mode and ignores everything in neutral mode', () => {
    expect(longShare(bar({ close: 100.5 }), 'candle', 0)).toBe(0.9);
    expect(longShare(bar({ close: 99.5 }), 'candle', 0)).toBe(0.1);
    expect(longShare(bar({ volume: 10, takerBuyVolume: 9 }), 'neutral', 0)).toBe(0.5);
  });
});
