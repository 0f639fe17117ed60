// The model's diffuse part (issue 14): leverage spread around each tier and entries reaching beyond the
// bar's range, checked on a hand-made bar whose book can be worked out on paper.
import { describe, expect, it } from 'vitest';
import { cellCenter, gridFor, runLedger } from '../../src/analysis/ledger.js';
import { defaultParams, validateParams } from '../../src/analysis/params.js';
import type { Bar, ModelParams, VenueSpec } from '../../src/analysis/types.js';

const SPEC: VenueSpec = { maintenanceMarginRate: 0.004, maxLeverage: 125 };
const T0 = 1_780_000_200_000;

/** Bar 1 opens 100 BTC at a flat 100: $5,000 of longs and $5,000 of shorts (neutral sides). */
const bars: Bar[] = [
  { ts: T0, open: 100, high: 100, low: 100, close: 100, oi: 1000 },
  { ts: T0 + 300_000, open: 100, high: 100, low: 100, close: 100, oi: 1100 },
];

function longBook(params: Partial<ModelParams>): { price: number; usd: number }[] {
  const p: ModelParams = { ...defaultParams('1d'), seed: 'empty', churnPerHour: 0, sideAttribution: 'neutral', leverageTiers: [{ leverage: 10, weight: 1 }], ...params };
  const grid = gridFor([{ bars, spec: SPEC }], p);
  const run = runLedger(bars, 300_000, SPEC, p, grid);
  const out: { price: number; usd: number }[] = [];
  run.longs.cellRaw.forEach((raw, c) => {
    if (raw > 0) out.push({ price: cellCenter(grid, c), usd: raw * run.longs.scale });
  });
  return out;
}

const longLiq = (entry: number, leverage: number) => (entry * (1 - 1 / leverage)) / (1 - 0.004);

describe('diffuse leverage and entries', () => {
  it('exact tiers without spread: all $5,000 at the 10x liquidation price', () => {
    const book = longBook({ entryPoints: 1, entrySpread: 0, leverageSpread: 1 });
    expect(book).toHaveLength(1);
    expect(book[0]!.usd).toBeCloseTo(5000, 6);
    expect(Math.abs(book[0]!.price - longLiq(100, 10))).toBeLessThan(0.05);
  });

  it('leverage spread 1.5 in 3 steps: a third each at 6.67x, 10x and 15x', () => {
    const book = longBook({ entryPoints: 1, entrySpread: 0, leverageSpread: 1.5, leverageSpreadPoints: 3 });
    expect(book).toHaveLength(3);
    const expected = [10 / 1.5, 10, 15].map((l) => longLiq(100, l));
    book.forEach((cell, i) => {
      expect(cell.usd).toBeCloseTo(5000 / 3, 6);
      expect(Math.abs(cell.price - expected[i]!)).toBeLessThan(0.05);
    });
  });

  it('a spread capped by the venue merges into the maximum leverage', () => {
    const p = { entryPoints: 1, entrySpread: 0, leverageSpread: 1.5, leverageSpreadPoints: 3, leverageTiers: [{ leverage: 125, weight: 1 }] };
    const book = longBook(p);
    // 83.3x gets a third; 125x and 187.5x (capped to 125x) share the cell of 125x.
    expect(book).toHaveLength(2);
    expect(book[0]!.usd).toBeCloseTo(5000 / 3, 6);
    expect(book[1]!.usd).toBeCloseTo((2 * 5000) / 3, 6);
    expect(Math.abs(book[1]!.price - longLiq(100, 125))).toBeLessThan(0.05);
  });

  it('entry spread: entries reach 1% beyond a flat bar, weighted towards its price', () => {
    const book = longBook({ entryPoints: 5, entrySpread: 0.01, leverageSpread: 1 });
    // Entries 99.2, 99.6, 100, 100.4, 100.8 (five points across 99–101).
    const expected = [99.2, 99.6, 100, 100.4, 100.8].map((e) => longLiq(e, 10));
    expect(book).toHaveLength(5);
    book.forEach((cell, i) => expect(Math.abs(cell.price - expected[i]!)).toBeLessThan(0.05));
    expect(book.reduce((s, c) => s + c.usd, 0)).toBeCloseTo(5000, 6);
    expect(book[2]!.usd).toBeGreaterThan(book[1]!.usd);
    expect(book[1]!.usd).toBeGreaterThan(book[0]!.usd);
    expect(book[0]!.usd).toBeCloseTo(book[4]!.usd, 6);
  });

  it('refuses a spread that takes a tier to 1x or below, and out-of-range spreads', () => {
    const base = defaultParams('7d');
    expect(() => validateParams({ ...base, leverageTiers: [{ leverage: 1.4, weight: 1 }] })).toThrow(/leverage 1.4 spread by 1.5 reaches 1x or below/);
    expect(() => validateParams({ ...base, leverageSpread: 0.5 })).toThrow(/leverageSpread must be from 1/);
    expect(() => validateParams({ ...base, entrySpread: 0.2 })).toThrow(/entrySpread must be from 0 to 0.05/);
    expect(() => validateParams({ ...base, leverageSpreadPoints: 2.5 })).toThrow(/leverageSpreadPoints must be an integer/);
  });
});
