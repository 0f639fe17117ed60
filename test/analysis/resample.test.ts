import { describe, expect, it } from 'vitest';
import { resample } from '../../src/analysis/resample.js';
import type { Bar } from '../../src/analysis/types.js';

const m5 = 300_000;
const bar = (i: number, extra: Partial<Bar> = {}): Bar => ({ ts: 900_000 * 10 + i * m5, open: 10 + i, high: 12 + i, low: 9 + i, close: 11 + i, ...extra });

describe('resample', () => {
  it('merges 5-minute bars into 15-minute bars: first open, extremes, last close, summed flows, last OI', () => {
    const bars = [
      bar(0, { volume: 1, takerBuyVolume: 0.5, oi: 100, realizedLongUsd: 5 }),
      bar(1, { volume: 2, netTakerVolume: -1, oi: 110, high: 30 }),
      bar(2, { volume: 3, takerBuyVolume: 1, low: 1 }), // OI missing: the group keeps the last known one
      bar(3, { volume: 4, oi: 130 }),
      bar(4, { volume: 5, oi: 140 }),
      bar(5, { volume: 6, oi: 150 }),
    ];
    const out = resample({ venue: 'binance', symbol: 'BTCUSDT', intervalMs: m5, bars }, 3 * m5).bars;
    expect(out).toHaveLength(2);
    expect(out[0]).toEqual({ ts: bars[0]!.ts, open: 10, high: 30, low: 1, close: 13, volume: 6, takerBuyVolume: 1.5, netTakerVolume: -1, oi: 110, realizedLongUsd: 5 });
    expect(out[1]).toEqual({ ts: bars[3]!.ts, open: 13, high: 17, low: 12, close: 16, volume: 15, oi: 150 });
  });

  it('refuses an interval that is not a whole multiple', () => {
    expect(() => resample({ venue: 'binance', symbol: 'BTCUSDT', intervalMs: m5, bars: [bar(0)] }, 7 * 60_000)).toThrow(/cannot resample/);
  });
});
