// The calibration's fit, application and score on hand-built series whose answers are known on paper.
import { describe, expect, it } from 'vitest';
import {
  calibrateForRealizedVenues,
  calibrateUsd,
  calibrationMismatch,
  CalibrationError,
  fitCalibration,
  fitSide,
  parseCalibration,
  predictionGroups,
  quantile,
  scoreCalibration,
  type Calibration,
  type CalibrationRow,
} from '../../src/analysis/calibration.js';
import { defaultParams } from '../../src/analysis/params.js';

const OI = 8e9;
const HALF_HOUR = 1_800_000;
const T0 = 1_780_000_200_000;

/**
 * 60 half-hours: 20 where the model predicts nothing (realized $4K each), 40 where it predicts
 * x = 0.01% … 4% of OI (20 values, each twice) and realized = share of OI a·x^b exactly, times
 * `noise(i)` (i = 0 or 1: the first or second interval of a value).
 */
function series(a: number, b: number, noise: (i: number) => number = () => 1): CalibrationRow[] {
  const rows: CalibrationRow[] = [];
  for (let i = 0; i < 60; i++) {
    const k = Math.floor((i - 20) / 2);
    const x = i < 20 ? 0 : 1e-4 * 400 ** (k / 19);
    const realized = x === 0 ? 4_000 : OI * a * x ** b * noise(i % 2);
    rows.push({ ts: T0 + i * HALF_HOUR, oiUsd: OI, predLongUsd: x * OI, predShortUsd: x * OI, realizedLongUsd: realized, realizedShortUsd: realized });
  }
  return rows;
}

function calibrationOf(rows: CalibrationRow[], share = 1): Calibration {
  return fitCalibration({
    id: 'hand-made',
    symbols: ['BTCUSDT'],
    intervalMinutes: 30,
    params: defaultParams('7d'),
    venues: { realized: ['binance'], modelled: ['binance'], modelledOiShare: share, note: 'test' },
    tuning: { rows, from: '2026-05-28T20:10Z', to: '2026-05-30T02:10Z' },
    origin: { command: 'test', bars: 'hand-made', realized: 'hand-made' },
  });
}

describe('fitting a calibration', () => {
  it('recovers an exact power law, the floor of the intervals the model left empty, and the top decile’s ratio', () => {
    const rows = series(0.02, 0.7);
    const side = fitSide(rows, 'long', 1);
    expect(side.power.b).toBeCloseTo(0.7, 9);
    expect(side.power.a).toBeCloseTo(0.02, 9);
    expect(side.floor).toBeCloseTo(4_000 / OI, 15);
    expect(side.maxFitted).toBeCloseTo(0.04, 12);
    // The top decile: the four largest sweeps (the two largest values, twice each), by their own ratio.
    const top = rows.slice(-4);
    expect(side.topFrom).toBeCloseTo(top[0]!.predLongUsd / OI, 15);
    expect(side.topRatio).toBeCloseTo(top.reduce((s, r) => s + r.realizedLongUsd, 0) / top.reduce((s, r) => s + r.predLongUsd, 0), 12);
    // Below the top quintile the power law is exact: realized ÷ calibrated is 1, the bands [1, 1].
    for (const g of side.bands.slice(0, -1)) {
      expect(g.low).toBeCloseTo(1, 9);
      expect(g.high).toBeCloseTo(1, 9);
    }
    expect(side.bands.map((g) => g.intervals)).toEqual([20, 8, 8, 8, 8, 8]);
  });

  it('on a straight line, the power law and the top decile agree and every band is [1, 1]', () => {
    const side = fitSide(series(0.05, 1), 'long', 1);
    expect(side.power.b).toBeCloseTo(1, 9);
    expect(side.power.a).toBeCloseTo(0.05, 9);
    expect(side.topRatio).toBeCloseTo(0.05, 9);
    for (const g of side.bands) {
      expect(g.low).toBeCloseTo(1, 9);
      expect(g.high).toBeCloseTo(1, 9);
    }
  });

  it('fits the expected value, not the median: symmetric noise on a log scale raises a by its mean', () => {
    // Alternating ×2 and ×0.5: the log fit finds a itself, the dollars need (2 + 0.5) / 2 = 1.25 × a.
    const side = fitSide(series(0.02, 0.7, (i) => (i === 0 ? 2 : 0.5)), 'long', 1);
    expect(side.power.b).toBeCloseTo(0.7, 9);
    expect(side.power.a / 0.02).toBeCloseTo(1.25, 9);
    const g = side.bands[1]!;
    // Ratios 2/1.25 = 1.6 and 0.5/1.25 = 0.4, four of each: the 10th and 90th percentiles are the two values.
    expect(g.low).toBeCloseTo(0.4, 9);
    expect(g.high).toBeCloseTo(1.6, 9);
  });

  it('compares the modelled venues with their share of the realized liquidations', () => {
    // Realized on three venues is twice what the modelled one sees at a share of 50%.
    const half = fitSide(series(0.02, 0.7), 'long', 0.5);
    expect(half.power.a).toBeCloseTo(0.01, 9);
    expect(half.power.b).toBeCloseTo(0.7, 9);
  });

  it('needs intervals with both a prediction and a realized value', () => {
    const rows = series(0.02, 0.7).map((r) => ({ ...r, realizedLongUsd: 0 }));
    expect(() => fitSide(rows, 'long', 1)).toThrow(CalibrationError);
    expect(() => fitSide(rows, 'long', 1)).toThrow(/longs: 0 intervals with both a prediction and a realized value/);
  });

  it('groups by decile of prediction with the empty ones first, whatever the input order', () => {
    const rows = series(0.02, 0.7);
    const groups = predictionGroups(rows, 'long');
    expect(groups.map((g) => g.length)).toEqual([20, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4]);
    const reversed = predictionGroups([...rows].reverse(), 'long');
    expect(reversed.map((g) => g.map((r) => r.ts))).toEqual(groups.map((g) => g.map((r) => r.ts).sort((p, q) => p - q)));
  });

  it('quantiles interpolate between order statistics', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.1)).toBeCloseTo(1.4, 12);
    expect(quantile([1, 2, 3, 4, 5], 0.9)).toBeCloseTo(4.6, 12);
    expect(quantile([7], 0.9)).toBe(7);
  });
});

describe('applying a calibration', () => {
  const cal = calibrationOf(series(0.02, 0.7), 0.5);

  it('turns a modelled sweep into dollars through the power law, scaled by the venues’ open interest', () => {
    // 0.1% of OI swept on $8B (below the top decile): a × 0.001^b of OI on the modelled venue, / 0.5 for the realized venues.
    expect(0.001).toBeLessThan(cal.long.topFrom);
    const c = calibrateUsd(cal, 'long', 0.001 * OI, OI);
    expect(c.usd).toBeCloseTo(OI * cal.long.power.a * 0.001 ** cal.long.power.b, 3);
    expect(c.extrapolated).toBe(false);
    expect(calibrateForRealizedVenues(cal, 'long', 0.001 * OI, OI)).toBeCloseTo(c.usd / 0.5, 3);
    // The same share of twice the open interest is twice the dollars.
    expect(calibrateUsd(cal, 'long', 0.002 * OI, 2 * OI).usd).toBeCloseTo(2 * c.usd, 3);
    // In the top decile: the larger of the power law and the top decile's ratio.
    const x = (cal.long.topFrom + cal.long.maxFitted) / 2;
    expect(calibrateUsd(cal, 'long', x * OI, OI).usd).toBeCloseTo(OI * Math.max(cal.long.power.a * x ** cal.long.power.b, cal.long.topRatio * x), 3);
  });

  it('uses the floor for an empty prediction and grows in proportion beyond the largest fitted sweep', () => {
    expect(calibrateUsd(cal, 'short', 0, OI).usd).toBeCloseTo(cal.short.floor * OI, 6);
    const edge = calibrateUsd(cal, 'short', cal.short.maxFitted * OI, OI);
    const beyond = calibrateUsd(cal, 'short', 3 * cal.short.maxFitted * OI, OI);
    expect(beyond.extrapolated).toBe(true);
    expect(beyond.usd / edge.usd).toBeCloseTo(3, 9);
  });

  it('holds only for the symbols and the model parameters it was fitted on', () => {
    expect(calibrationMismatch(cal, 'BTCUSDT', defaultParams('7d'))).toBeNull();
    // The window changes the bucket size, not the book's shape: the calibration still holds.
    expect(calibrationMismatch(cal, 'BTCUSDT', defaultParams('30d'))).toBeNull();
    expect(calibrationMismatch(cal, 'ETHUSDT', defaultParams('7d'))).toMatch(/fitted on BTCUSDT only/);
    expect(calibrationMismatch(cal, 'BTCUSDT', { ...defaultParams('7d'), churnPerHour: 0.05 })).toMatch(/other model parameters/);
  });
});

describe('scoring a calibration', () => {
  it('reports realized ÷ calibrated per group and the share inside the band', () => {
    const cal = calibrationOf(series(0.02, 1));
    // Realized twice the fit in every interval with a prediction, nothing where it predicted nothing.
    const doubled = series(0.02, 1).map((r) => (r.predLongUsd > 0 ? { ...r, realizedLongUsd: 2 * r.realizedLongUsd } : { ...r, realizedLongUsd: 0 }));
    const score = scoreCalibration(cal, doubled, { from: 'a', to: 'b' });
    expect(score.intervals).toBe(60);
    expect(score.long.groups[0]!.group).toBe('none');
    expect(score.long.groups[0]!.ratio).toBe(0);
    for (const g of score.long.groups.slice(1)) expect(g.ratio).toBeCloseTo(2, 9);
    expect(score.long.worstFactor).toBe(Infinity);
    // The bands are [1, 1]: nothing doubled is inside; the 20 empty intervals are not either (0 < floor).
    expect(score.long.coverage).toBe(0);
    // The short side is unchanged: right on, all inside.
    for (const g of score.short.groups) expect(g.ratio).toBeCloseTo(1, 9);
    expect(score.short.worstFactor).toBeCloseTo(1, 9);
    expect(score.short.coverage).toBe(1);
  });

  it('is what fitCalibration records for the tuning rows, and for held-out rows when given', () => {
    const rows = series(0.02, 1, (i) => (i === 0 ? 1.3 : 0.8));
    const cal = calibrationOf(rows);
    expect(cal.scores.tuning).toEqual(scoreCalibration(cal, rows, { from: '2026-05-28T20:10Z', to: '2026-05-30T02:10Z' }));
    expect(cal.scores.tuning.long.ratio).toBeCloseTo(1, 9);
    expect(cal.scores.heldOut).toBeNull();
  });
});

describe('reading a calibration file', () => {
  const cal = calibrationOf(series(0.02, 0.7), 0.5);
  const json = () => JSON.parse(JSON.stringify(cal)) as Record<string, unknown>;

  it('accepts what fitCalibration wrote', () => {
    expect(parseCalibration(json(), 'cal.json')).toEqual(JSON.parse(JSON.stringify(cal)));
  });

  it('refuses a newer format and a file that is not a calibration', () => {
    expect(() => parseCalibration({ ...json(), format: 2 }, 'cal.json')).toThrow(/cal.json: calibration format 2 is newer than this liqmap reads \(1\); upgrade liqmap/);
    expect(() => parseCalibration([1, 2], 'cal.json')).toThrow(/not a calibration/);
    expect(() => parseCalibration({ id: 'x' }, 'cal.json')).toThrow(/not a calibration of format 1/);
  });

  it('names every bad field with its path', () => {
    const bad = json();
    (bad.long as { power: { b: number } }).power.b = -1;
    (bad.short as { bands: unknown[] }).bands = [];
    (bad.venues as { modelledOiShare: number }).modelledOiShare = 1.5;
    bad.id = 'has spaces';
    const message = (() => {
      try {
        parseCalibration(bad, 'cal.json');
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message).toMatch(/^cal.json: /);
    expect(message).toContain('long.power.b must be a number above 0 and at most 3');
    expect(message).toContain('short.bands must list at least two groups');
    expect(message).toContain('venues.modelledOiShare must be a share above 0 and at most 1');
    expect(message).toContain('id must be 1–64 letters');
  });
});
