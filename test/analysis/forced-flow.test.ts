// Calibrated forced flow on a hand-built map: which buckets a move to a level sweeps, what the calibration
// makes of them, and how the summary says it.
import { describe, expect, it } from 'vitest';
import { fingerprintOf, type Calibration, type SideCalibration } from '../../src/analysis/calibration.js';
import { forcedFlowOf, forcedFlowTo, modelledUsdTo, withForcedFlowLevels } from '../../src/analysis/forced-flow.js';
import { summarize } from '../../src/analysis/format.js';
import { defaultParams } from '../../src/analysis/params.js';
import type { LiquidationMap, MapBucket } from '../../src/analysis/types.js';

const PARAMS = defaultParams('7d');
const OI = 6e9;

/** Realized share = 0.01 × x^1 up to x = 10% of OI (so $1 modelled → 1¢), floor 0; band ×0.5–×2. */
const side: SideCalibration = {
  floor: 0,
  power: { a: 0.01, b: 1 },
  topFrom: 1,
  topRatio: 0,
  maxFitted: 0.1,
  bands: [
    { upTo: 0, low: 0, high: 0, intervals: 10 },
    { upTo: null, low: 0.5, high: 2, intervals: 10 },
  ],
};
const CAL = {
  format: 1,
  id: 'hand-made',
  symbols: ['BTCUSDT'],
  intervalMinutes: 30,
  model: fingerprintOf(PARAMS),
  venues: { realized: ['binance'], modelled: ['binance'], modelledOiShare: 1, note: '' },
  long: side,
  short: side,
  origin: { command: '', bars: '', realized: '', from: '', to: '', method: '' },
  scores: {} as Calibration['scores'],
} satisfies Calibration;

function bucket(priceLow: number, longUsd: number, shortUsd: number): MapBucket {
  return { priceLow, priceHigh: priceLow + 100, longUsd, shortUsd, longByTier: [longUsd], shortByTier: [shortUsd], longCumulativeUsd: 0, shortCumulativeUsd: 0 };
}

/** Price 60,050 in the bucket 60,000–60,100; longs $100M per bucket below, shorts $200M per bucket above. */
function map(symbol = 'BTCUSDT', oiUsd: number | null = OI): LiquidationMap {
  const buckets = [bucket(59_700, 100e6, 0), bucket(59_800, 100e6, 0), bucket(59_900, 100e6, 0), bucket(60_000, 50e6, 60e6), bucket(60_100, 0, 200e6), bucket(60_200, 0, 200e6)];
  return {
    price: 60_050,
    bucketSize: 100,
    buckets,
    rangeLow: 51_000,
    rangeHigh: 69_000,
    shortAbove: 660e6,
    longBelow: 350e6,
    ratio: 660 / 350,
    ratioKind: 'finite',
    shortReach: 60_250,
    longReach: 59_750,
    shortClusters: [{ side: 'short', price: 60_250, usd: 200e6, distancePct: ((60_250 - 60_050) / 60_050) * 100 }],
    longClusters: [{ side: 'long', price: 59_850, usd: 100e6, distancePct: ((59_850 - 60_050) / 60_050) * 100 }],
    meta: {
      label: 'estimated',
      symbol,
      window: '7d',
      intervalMs: 900_000,
      venues: [{ venue: 'binance', bars: 672, firstTs: 0, lastTs: 0, missing: [], oiCoverage: 0.9, oiUsd, maintenanceMarginRate: 0.004, maxLeverage: 125, oiGaps: 0 }],
      venuesFailed: [],
      dataTime: 0,
      windowStart: 0,
      bars: 672,
      params: PARAMS,
      oiCoverage: 0.9,
      notes: [],
    },
  };
}

describe('modelled USD to a level', () => {
  it('sweeps every bucket of the side from the price to the bucket holding the level', () => {
    // Down to 59,850: the price's own bucket (50M of longs) and 59,900 and 59,800.
    expect(modelledUsdTo(map(), 59_850)).toEqual({ side: 'long', usd: 250e6 });
    // Up to 60,150: the price's bucket (60M of shorts) and 60,100.
    expect(modelledUsdTo(map(), 60_150)).toEqual({ side: 'short', usd: 260e6 });
    // Beyond the last bucket: all of the side.
    expect(modelledUsdTo(map(), 50_000)).toEqual({ side: 'long', usd: 350e6 });
  });
});

describe('calibrated forced flow', () => {
  it('reads the modelled USD through the calibration on the venues’ open interest', () => {
    const e = forcedFlowTo(map(), CAL, 60_150)!;
    // 260M of 6B = 4.33% of OI → 1% of that share → $2.6M, band ×0.5–×2.
    expect(e.side).toBe('short');
    expect(e.modelledUsd).toBe(260e6);
    expect(e.usd).toBeCloseTo(2.6e6, 3);
    expect(e.lowUsd).toBeCloseTo(1.3e6, 3);
    expect(e.highUsd).toBeCloseTo(5.2e6, 3);
    expect(e.extrapolated).toBe(false);
    expect(e.distancePct).toBeCloseTo((100 / 60_050) * 100, 9);
  });

  it('gives the nearest cluster each side, and says why when the calibration does not hold', () => {
    const flow = forcedFlowOf(map(), CAL);
    expect('nearest' in flow && flow.nearest.map((e) => [e.side, e.price])).toEqual([
      ['long', 59_850],
      ['short', 60_250],
    ]);
    expect(forcedFlowOf(map('ETHUSDT'), CAL)).toEqual({ unavailable: 'calibration hand-made was fitted on BTCUSDT only' });
    expect(forcedFlowOf(map('BTCUSDT', null), CAL)).toEqual({ unavailable: 'the open interest of a venue is unknown' });
    const other = { ...map(), meta: { ...map().meta, params: { ...PARAMS, leverageSpread: 1 } } };
    expect(forcedFlowOf(other, CAL)).toEqual({ unavailable: 'calibration hand-made was fitted with other model parameters' });
  });

  it('adds asked levels to a built map, and keeps the levels when it cannot answer them', () => {
    const built = { ...map(), forcedFlow: forcedFlowOf(map(), CAL) };
    const withLevel = withForcedFlowLevels(built, CAL, [60_250]);
    expect(withLevel.forcedFlow && 'levels' in withLevel.forcedFlow && withLevel.forcedFlow.levels[0]!.usd).toBeCloseTo(4.6e6, 3);
    expect(withForcedFlowLevels(map('ETHUSDT'), CAL, [3000]).forcedFlow).toEqual({ unavailable: 'calibration hand-made was fitted on BTCUSDT only', askedLevels: [3000] });
    expect(withForcedFlowLevels(map(), undefined, [61_000]).forcedFlow).toEqual({ unavailable: 'no calibration is configured', askedLevels: [61_000] });
    expect(withForcedFlowLevels(map(), CAL, [])).toEqual(map());
  });
});

describe('the summary', () => {
  it('labels the modelled book and adds the calibrated forced flow on a second line, asked levels first', () => {
    const m = withForcedFlowLevels({ ...map(), forcedFlow: forcedFlowOf(map(), CAL) }, CAL, [69_000]);
    const [first, second] = summarize(m).split('\n');
    expect(first).toBe(
      'BTC 60,050 · modelled: shorts $660M above (to 60,250) vs longs $350M below (to 59,750) · 1.9:1 short-heavy · nearest short cluster 60,250 (+0.3%) $200M · estimated from Binance, 7d',
    );
    // 69,000: all 460M of shorts = 7.7% of OI → $4.6M; 59,850: 250M → $2.5M; 60,250: 460M → $4.6M.
    expect(second).toBe(
      'calibrated forced flow · to 69,000 (+14.9%): ≈ $4.6M of shorts would be force-closed (80% band $2.3M–$9.2M) · ' +
        'to 59,850 (−0.3%): ≈ $2.5M of longs would be force-closed (80% band $1.3M–$5.0M) · ' +
        'to 60,250 (+0.3%): ≈ $4.6M of shorts would be force-closed (80% band $2.3M–$9.2M)',
    );
  });

  it('says when the map is beyond the fitted range, and when an asked level cannot be answered', () => {
    const small = { ...CAL, long: { ...side, maxFitted: 0.01 } };
    const m = { ...map(), forcedFlow: forcedFlowOf(map(), small) };
    expect(summarize(m)).toContain('to 59,850 (−0.3%): ≈ $2.5M of longs would be force-closed (80% band $1.3M–$5.0M, beyond the fitted range)');
    expect(summarize(withForcedFlowLevels(map('ETHUSDT'), CAL, [3000])).split('\n')[1]).toBe('no calibrated forced flow: calibration hand-made was fitted on BTCUSDT only');
    // Nothing asked and nothing calibrated: one line, as before.
    expect(summarize(map()).split('\n')).toHaveLength(1);
  });
});
