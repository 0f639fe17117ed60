// Hyperliquid as a venue of the estimate, against the fake exchange (which mounts the fake Hyperliquid):
// candles, open interest recorded forward and carried back before the record starts, taker flow from
// recorded trades, the maintenance tier, the symbol mapping, and the weights the fake counted.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildMap } from '../../src/analysis/build-map.js';
import { toModelRequest } from '../../src/market/market-data.js';
import { FLOW_BAR_MS, ForwardSeries } from '../../src/market/hyperliquid/forward-series.js';
import { hyperliquidSymbol } from '../../src/market/hyperliquid/venue-client.js';
import { liveAgainst, startFake, T0, TestClock } from '../fake-exchange/harness.js';
import type { FakeExchange } from '../fake-exchange/server.js';
import { barsFor } from '../fake-exchange/market.js';

const M15 = 900_000;
let clock: TestClock;
let fake: FakeExchange;

beforeEach(async () => {
  clock = new TestClock();
  fake = await startFake(clock);
});
afterEach(() => fake.stop());

describe('Hyperliquid venue', () => {
  it('maps coins to the symbols of the other venues (kPEPE is 1000PEPE)', () => {
    expect(hyperliquidSymbol('BTC')).toEqual({ symbol: 'BTCUSDT', base: 'BTC' });
    expect(hyperliquidSymbol('kPEPE')).toEqual({ symbol: '1000PEPEUSDT', base: '1000PEPE' });
  });

  it('joins recorded open interest and taker flow onto its candles, carrying the first record back', async () => {
    const forward = new ForwardSeries();
    const recordFrom = Math.floor(T0 / M15) * M15 - 24 * 3_600_000;
    const hlBars = barsFor('hyperliquid', 'BTC', M15);
    // A sample a few seconds after each 15-minute close since a day ago, and the trades stream heard
    // whole since then: 1 coin bought and 2 sold every 5 minutes.
    for (const b of hlBars) {
      if (b.ts < recordFrom || b.ts + M15 > T0) continue;
      forward.sampleOi('BTC', b.oi, b.close, b.ts + M15 + 5_000);
    }
    forward.streamState(true, recordFrom);
    for (let t = recordFrom; t + FLOW_BAR_MS <= T0; t += FLOW_BAR_MS) {
      forward.onTrades([{ coin: 'BTC', side: 'B', px: 1, sz: 1, time: t, tid: t, buyer: '0x' + '1'.repeat(40), seller: '0x' + '2'.repeat(40) }, { coin: 'BTC', side: 'A', px: 1, sz: 2, time: t + 1, tid: t + 1, buyer: '0x' + '1'.repeat(40), seller: '0x' + '2'.repeat(40) }], t + FLOW_BAR_MS);
    }
    const market = liveAgainst(fake, clock, { hyperliquidForward: forward });
    const data = await market.getSeries({ symbol: 'btc', window: '7d', venues: ['hyperliquid'] });
    expect(data.failed).toEqual([]);
    const bars = data.venues[0]!.series.bars;
    expect(bars).toHaveLength(672);
    const recorded = bars.filter((b) => b.ts >= recordFrom);
    const byTs = new Map(hlBars.map((b) => [b.ts, b]));
    for (const b of recorded) {
      expect(b.oi).toBeCloseTo(byTs.get(b.ts)!.oi, 6);
      expect(b.takerBuyVolume).toBe(3);
      expect(b.volume).toBeCloseTo(byTs.get(b.ts)!.volume, 6);
    }
    const first = recorded[0]!.oi;
    expect(bars.filter((b) => b.ts < recordFrom).every((b) => b.oi === first && b.takerBuyVolume === undefined)).toBe(true);
    expect(data.notes).toContain(`hyperliquid: open interest recorded since ${new Date(recordFrom).toISOString().slice(0, 16).replace('T', ' ')} UTC (the venue keeps no history); earlier bars carry that first value`);
    expect(data.venues[0]!.spec).toEqual({ maxLeverage: 40, maintenanceMarginRate: 0.0125 });
    const map = buildMap(toModelRequest(data, { window: '7d' }));
    expect(map.meta.venues.map((v) => v.venue)).toEqual(['hyperliquid']);
    expect(map.shortAbove + map.longBelow).toBeGreaterThan(0);
    // The market once, candles in two pages of 500 and 172 rows: the weights the fake counted.
    expect(fake.hyperliquid.requests.map((r) => [r.type, r.weight])).toEqual([
      ['metaAndAssetCtxs', 20],
      ['candleSnapshot', 29],
      ['candleSnapshot', 23],
    ]);
  });

  it('without any record, reads the open interest once and says it keeps no history and no flow', async () => {
    const market = liveAgainst(fake, clock);
    const data = await market.getSeries({ symbol: 'eth', window: '1d', venues: ['hyperliquid'] });
    const bars = data.venues[0]!.series.bars;
    expect(bars.every((b) => b.oi !== undefined)).toBe(true);
    expect(new Set(bars.map((b) => b.oi)).size).toBe(1);
    expect(data.notes).toContain('hyperliquid: no taker flow recorded for this window (it comes from the trades stream while the bot runs)');
    expect(data.notes.some((n) => /open interest recorded since .* earlier bars carry that first value/.test(n))).toBe(true);
  });
});
