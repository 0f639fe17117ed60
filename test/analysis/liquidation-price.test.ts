import { describe, expect, it } from 'vitest';
import { liquidationPrice } from '../../src/analysis/liquidation-price.js';

// DESIGN.md §4 test vectors: E = 100,000, m = 0.004.
const VECTORS: [number, number, number][] = [
  [5, 80_321.29, 119_521.91],
  [10, 90_361.45, 109_561.75],
  [25, 96_385.54, 103_585.66],
  [50, 98_393.57, 101_593.63],
  [100, 99_397.59, 100_597.61],
];

describe('liquidationPrice', () => {
  it.each(VECTORS)('matches the design vectors at %ix', (leverage, long, short) => {
    expect(liquidationPrice('long', 100_000, leverage, 0.004)).toBeCloseTo(long, 2);
    expect(liquidationPrice('short', 100_000, leverage, 0.004)).toBeCloseTo(short, 2);
  });

  it('puts long liquidations below entry and short ones above, for every tier and a range of entries', () => {
    for (const entry of [0.0712, 1.5, 3_500, 64_000, 120_000]) {
      for (const leverage of [2, 5, 10, 25, 50, 100, 125]) {
        expect(liquidationPrice('long', entry, leverage, 0.004)).toBeLessThan(entry);
        expect(liquidationPrice('short', entry, leverage, 0.004)).toBeGreaterThan(entry);
      }
    }
  });

  it('moves the liquidation price toward entry as maintenance margin grows', () => {
    expect(liquidationPrice('long', 100, 10, 0.01)).toBeGreaterThan(liquidationPrice('long', 100, 10, 0.004));
    expect(liquidationPrice('short', 100, 10, 0.01)).toBeLessThan(liquidationPrice('short', 100, 10, 0.004));
  });

  it('rejects inputs that are not a position', () => {
    expect(() => liquidationPrice('long', 100, 0, 0.004)).toThrow(RangeError);
    expect(() => liquidationPrice('long', -1, 10, 0.004)).toThrow(RangeError);
    expect(() => liquidationPrice('short', 100, 10, 1)).toThrow(RangeError);
  });
});
