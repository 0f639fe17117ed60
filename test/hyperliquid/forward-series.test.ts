// Open interest and taker flow recorded forward (Hyperliquid keeps neither): joins onto candles, flow
// bars heard whole only, and a restart that continues the stored day.
import { describe, expect, it } from 'vitest';
import { FLOW_BAR_MS, ForwardSeries, joinFlow, joinOi, type ForwardDay, type ForwardSeriesStore } from '../../src/market/hyperliquid/forward-series.js';
import type { HlTrade } from '../../src/market/hyperliquid/types.js';
import { forwardStoreOf } from '../../src/hyperliquid/forward-store.js';
import { MemoryBackend } from '../../src/store/memory-backend.js';
import { createStore } from '../../src/store/store.js';
import { addressOf } from '../fake-hyperliquid/server.js';

const T0 = Date.UTC(2026, 1, 4, 6, 0);
const HOUR = 3_600_000;
const bar = (ts: number, close = 100) => ({ ts, open: 100, high: 101, low: 99, close });

class MemoryDays implements ForwardSeriesStore {
  readonly days = new Map<string, ForwardDay>();
  async load(coin: string, day: string) {
    const d = this.days.get(`${coin}/${day}`);
    return d ? structuredClone(d) : undefined;
  }
  async save(record: ForwardDay) {
    this.days.set(`${record.coin}/${record.day}`, structuredClone(record));
  }
}

const trade = (time: number, side: 'B' | 'A', sz: number): HlTrade => ({ coin: 'BTC', side, px: 100, sz, time, tid: time, buyer: addressOf(1), seller: addressOf(2) });

describe('joins onto candles', () => {
  it('takes the sample nearest each close within the tolerance, else none', () => {
    const bars = [bar(T0), bar(T0 + HOUR, 200), bar(T0 + 2 * HOUR)];
    const joined = joinOi(bars, [{ ts: T0 + HOUR + 20_000, oi: 10, markPx: 1 }, { ts: T0 + 2 * HOUR - 5_000, oi: 12, markPx: 1 }, { ts: T0 + 2 * HOUR + 50_000, oi: 13, markPx: 1 }], HOUR);
    expect(joined.map((b) => b.oi)).toEqual([10, 12, undefined]);
    expect(joined[1]!.oiUsd).toBe(2400);
  });

  it('sums 5-minute flow into a bar only when every 5 minutes of it were heard', () => {
    const flow = [0, 1, 2].map((k) => ({ ts: T0 + k * FLOW_BAR_MS, buy: 1, sell: 2 }));
    const joined = joinFlow([bar(T0), bar(T0 + 15 * 60_000)], flow, 15 * 60_000);
    expect(joined[0]).toMatchObject({ takerBuyVolume: 3, volume: 9 });
    expect(joined[1]!.takerBuyVolume).toBeUndefined();
  });
});

describe('ForwardSeries', () => {
  it('keeps flow bars the stream heard whole, and continues a stored day after a restart', async () => {
    const store = new MemoryDays();
    const first = new ForwardSeries(store);
    first.sampleOi('BTC', 20_000, 76_000, T0 + 30_000);
    // Listening from 06:02: the 06:00 bar was not heard whole, the 06:05 bar was.
    first.streamState(true, T0 + 2 * 60_000);
    first.onTrades([trade(T0 + 3 * 60_000, 'B', 1)], T0 + 3 * 60_000);
    first.onTrades([trade(T0 + 6 * 60_000, 'B', 2), trade(T0 + 7 * 60_000, 'A', 0.5)], T0 + 7 * 60_000);
    first.onTrades([trade(T0 + 11 * 60_000, 'A', 4)], T0 + 11 * 60_000);
    await first.flush();
    expect(store.days.get('BTC/2026-02-04')).toEqual({ coin: 'BTC', day: '2026-02-04', oi: [{ ts: T0 + 30_000, oi: 20_000, markPx: 76_000 }], flow: [{ ts: T0 + FLOW_BAR_MS, buy: 2, sell: 0.5 }] });

    // A dropped stream loses the bar in progress.
    first.streamState(false, T0 + 12 * 60_000);
    first.closeBars(T0 + 16 * 60_000);
    await first.flush();

    const second = new ForwardSeries(store);
    second.sampleOi('BTC', 20_100, 76_100, T0 + HOUR);
    await second.flush();
    const range = await second.range('BTC', T0, T0 + 2 * HOUR);
    expect(range.oi.map((s) => s.oi)).toEqual([20_000, 20_100]);
    expect(range.flow).toEqual([{ ts: T0 + FLOW_BAR_MS, buy: 2, sell: 0.5 }]);
    expect(store.days.get('BTC/2026-02-04')!.oi).toHaveLength(2);
  });
});

describe('in the store', () => {
  it('round-trips a day through the store, and a damaged day is skipped, not thrown', async () => {
    const warnings: object[] = [];
    const backend = new MemoryBackend();
    const store = createStore(backend, { warn: (o) => void warnings.push(o) });
    const series = new ForwardSeries(forwardStoreOf(store.hyperliquidDays));
    series.sampleOi('BTC', 20_000, 76_000, T0);
    await series.flush();
    const again = new ForwardSeries(forwardStoreOf(store.hyperliquidDays));
    expect((await again.range('BTC', T0 - HOUR, T0 + HOUR)).oi).toEqual([{ ts: T0, oi: 20_000, markPx: 76_000 }]);
    backend.setRaw('hlday:ETH/2026-02-04', '{"value":{"v":1,"coin":"ETH","day":"2026-02-04","oi":[{"ts":"soon"}],"flow":[]}}');
    expect((await new ForwardSeries(forwardStoreOf(store.hyperliquidDays)).range('ETH', T0 - HOUR, T0 + HOUR)).oi).toEqual([]);
    expect(warnings).toEqual([expect.objectContaining({ key: 'hlday:ETH/2026-02-04', reason: 'bad open interest samples' })]);
  });
});
