// The weight budget on its own, and the info client's candle paging against the fake Hyperliquid.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchCandleBars } from '../../src/market/hyperliquid/candles.js';
import { HyperliquidError, HyperliquidInfoClient } from '../../src/market/hyperliquid/info-client.js';
import { WeightBudget } from '../../src/market/hyperliquid/weight-budget.js';
import { HL_T0, SimClock } from '../fake-hyperliquid/clock.js';
import { startFakeHyperliquid } from '../fake-hyperliquid/harness.js';
import type { FakeHyperliquid } from '../fake-hyperliquid/server.js';

const HOUR = 3_600_000;

describe('WeightBudget', () => {
  it('caps a lane at its share and every lane together at the limit, over a sliding window', async () => {
    const clock = new SimClock();
    const budget = new WeightBudget({ clock, perWindow: 1200, windowMs: 61_000 });
    const tracker = budget.lane('tracker', 0.75);
    const market = budget.lane('market');
    for (let i = 0; i < 450; i++) await tracker.acquire(2);
    expect(clock.now()).toBe(HL_T0);
    expect(tracker.used()).toBe(900);
    await market.acquire(300);
    expect(clock.now()).toBe(HL_T0);
    expect(budget.used()).toBe(1200);
    // Nothing fits now: the next spend waits for the first ones to leave the window.
    await tracker.acquire(2);
    expect(clock.now()).toBe(HL_T0 + 61_000);
    expect(budget.used()).toBeLessThanOrEqual(1200);
  });

  it('settles a spend to what the answer cost, and waits out a block', async () => {
    const clock = new SimClock();
    const budget = new WeightBudget({ clock });
    const lane = budget.lane('market');
    const spend = await lane.acquire(29);
    budget.settle(spend, 21);
    expect(lane.used()).toBe(21);
    budget.block(HL_T0 + 5_000);
    await lane.acquire(2);
    expect(clock.now()).toBeGreaterThanOrEqual(HL_T0 + 5_000);
    expect(() => budget.lane('x', 0)).toThrow(RangeError);
    await expect(budget.lane('small', 0.01).acquire(20)).rejects.toThrow(/exceeds lane small's cap of 12/);
  });
});

describe('candles against the fake', () => {
  let clock: SimClock;
  let fake: FakeHyperliquid;
  beforeEach(async () => {
    clock = new SimClock(HL_T0 + 30 * 60_000);
    fake = await startFakeHyperliquid(clock);
  });
  afterEach(() => fake.stop());

  it('pages by the last candle returned, drops the repeat and the unfinished bar, and pays per rows', async () => {
    const budget = new WeightBudget({ clock });
    const client = new HyperliquidInfoClient({ clock, lane: budget.lane('market'), url: fake.url });
    const end = Math.floor(clock.now() / HOUR) * HOUR + HOUR;
    const range = await fetchCandleBars((from, to) => client.candleSnapshot('BTC', '1h', from, to), HOUR, end - 30 * 24 * HOUR, end, clock.now());
    expect(range.calls).toBe(2);
    expect(range.horizonMs).toBeUndefined();
    // 30 days of hours, of which the last is still open at 06:30.
    expect(range.bars).toHaveLength(719);
    expect(range.bars[0]!.ts).toBe(end - 30 * 24 * HOUR);
    expect(range.bars[718]!.ts).toBe(end - 2 * HOUR);
    for (let i = 1; i < range.bars.length; i++) expect(range.bars[i]!.ts - range.bars[i - 1]!.ts).toBe(HOUR);
    // 500 rows cost 20 + 9; the second page 221 rows (the repeated one included) 20 + 4: the same at both ends.
    expect(fake.requests.map((r) => r.weight)).toEqual([29, 24]);
    expect(budget.used()).toBe(53);
  });

  it('stops at the 5000 candles the venue keeps and says where', async () => {
    const budget = new WeightBudget({ clock });
    const client = new HyperliquidInfoClient({ clock, lane: budget.lane('market'), url: fake.url });
    const now = clock.now();
    const range = await fetchCandleBars((from, to) => client.candleSnapshot('BTC', '5m', from, to), 300_000, now - 30 * 24 * HOUR, now, now);
    expect(range.horizonMs).toBe((Math.floor(now / 300_000) - 4999) * 300_000);
    expect(range.bars[0]!.ts).toBe(range.horizonMs);
    expect(range.bars).toHaveLength(4999);
    // Each page after the first repeats one candle: 500 + 9 × 499 < 5000 needs an eleventh.
    expect(range.calls).toBe(11);
  });

  it('names an HTTP error and a refused connection', async () => {
    const budget = new WeightBudget({ clock });
    const client = new HyperliquidInfoClient({ clock, lane: budget.lane('market'), url: `${fake.url}/nowhere` });
    await expect(client.metaAndAssetCtxs()).rejects.toThrow(/hyperliquid metaAndAssetCtxs: HTTP 404/);
    const offline = new HyperliquidInfoClient({ clock, lane: budget.lane('market'), url: 'http://127.0.0.1:1' });
    const err = await offline.recentTrades('BTC').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HyperliquidError);
    expect((err as HyperliquidError).kind).toBe('network');
  });
});
