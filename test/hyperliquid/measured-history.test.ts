// The measured map's history: what the recorder writes from a hand-built tracker snapshot, how long it
// keeps it, that a restart on the same SQLite file keeps it, and the loop's 15-minute cadence.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MeasuredSnapshot } from '../../src/maps/map-pipeline.js';
import { MeasuredHistory } from '../../src/hyperliquid/measured-history.js';
import { MemoryBackend } from '../../src/store/memory-backend.js';
import { SqliteBackend } from '../../src/store/sqlite-backend.js';
import { createStore, type Store } from '../../src/store/store.js';
import { SimClock } from '../fake-hyperliquid/clock.js';

const quiet = { warn: () => undefined };
const T0 = Date.UTC(2026, 10, 1, 10, 0);
const DAY = 86_400_000;

/** Mark 100,000: the 1d grid is 0.1% of it, 100 wide; ±30% keeps 70,000–130,000. */
const snapshot: MeasuredSnapshot = {
  markPx: 100_000,
  accounts: 4,
  oldestMs: T0,
  newestMs: T0,
  coverage: 'longs 3%, shorts 2%',
  positions: [
    { side: 'long', usd: 1_000_000, liquidationPx: 95_050 },
    { side: 'long', usd: 2_000_000, liquidationPx: 95_099.99 },
    { side: 'long', usd: 500_000, liquidationPx: null },
    { side: 'short', usd: 4_000_000, liquidationPx: 103_210 },
    { side: 'short', usd: 250_000, liquidationPx: 103_299 },
    { side: 'short', usd: 1_000_000, liquidationPx: 140_000 },
  ],
};

function historyOver(store: Store, clock = new SimClock(T0), source: { snapshot(symbol: string): MeasuredSnapshot | undefined } = { snapshot: (s) => (s === 'BTCUSDT' ? snapshot : undefined) }) {
  return new MeasuredHistory({ source, markets: [{ symbol: 'BTCUSDT', coin: 'BTC' }, { symbol: 'ETHUSDT', coin: 'ETH' }], days: () => store.hyperliquidMeasured, clock, log: quiet });
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('measured history', () => {
  it('records the buckets of the tracked positions, within ±30% of the mark, per coin and day', async () => {
    const store = createStore(new MemoryBackend(), quiet);
    const written = await historyOver(store).record(T0);
    expect(written).toBe(1); // ETH has no snapshot
    const day = await store.hyperliquidMeasured.get('BTC/2026-11-01');
    expect(day?.samples).toEqual([
      {
        ts: T0,
        markPx: 100_000,
        bucketSize: 100,
        coverage: 'longs 3%, shorts 2%',
        levels: [
          [95_000, 3_000_000, 0],
          [103_200, 0, 4_250_000],
        ],
      },
    ]);
    expect(await store.hyperliquidMeasured.list('ETH/')).toEqual([]);
  });

  it('reads back the samples of a span, across days, and only those', async () => {
    const store = createStore(new MemoryBackend(), quiet);
    const h = historyOver(store);
    for (const t of [T0, T0 + 15 * 60_000, T0 + DAY, T0 + 2 * DAY]) await h.record(t);
    const read = await h.history('BTCUSDT', T0 + 60_000, T0 + DAY);
    expect(read.samples.map((s) => s.ts)).toEqual([T0 + 15 * 60_000, T0 + DAY]);
    expect(read.everyMs).toBe(15 * 60_000);
    expect(read.recordingSinceMs).toBeUndefined();
    expect((await h.history('ETHUSDT', T0, T0 + 3 * DAY)).samples).toEqual([]);
  });

  it('keeps 30 days: older days are deleted when a new day starts', async () => {
    const store = createStore(new MemoryBackend(), quiet);
    const h = historyOver(store);
    await h.record(T0); // 2026-11-01
    await h.record(T0 + 10 * DAY); // 11-11
    await h.record(T0 + 29 * DAY); // 11-30: 11-01 is the 30th day back, kept
    expect((await store.hyperliquidMeasured.list('BTC/')).map((d) => d.day).sort()).toEqual(['2026-11-01', '2026-11-11', '2026-11-30']);
    await h.record(T0 + 30 * DAY); // 12-01: 11-01 falls out
    expect((await store.hyperliquidMeasured.list('BTC/')).map((d) => d.day).sort()).toEqual(['2026-11-11', '2026-11-30', '2026-12-01']);
  });

  it('a restart on the same SQLite file keeps the history', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liqmap-hlmeas-'));
    dirs.push(dir);
    const path = join(dir, 'store.db');
    const first = createStore(new SqliteBackend(path), quiet);
    await historyOver(first).record(T0);
    await first.close();
    const second = createStore(new SqliteBackend(path), quiet);
    const read = await historyOver(second).history('BTCUSDT', T0 - DAY, T0 + DAY);
    expect(read.samples.map((s) => [s.ts, s.levels])).toEqual([
      [
        T0,
        [
          [95_000, 3_000_000, 0],
          [103_200, 0, 4_250_000],
        ],
      ],
    ]);
    await second.close();
  });

  it('while running, samples on every quarter hour and says since when it records', async () => {
    const store = createStore(new MemoryBackend(), quiet);
    const clock = new SimClock(T0 + 7 * 60_000);
    const h = historyOver(store, clock);
    h.start();
    while (clock.now() < T0 + 46 * 60_000) await new Promise((r) => setImmediate(r));
    await h.stop();
    const read = await h.history('BTCUSDT', T0, T0 + DAY);
    expect(read.samples.map((s) => (s.ts - T0) / 60_000)).toEqual([15, 30, 45]);
    expect(read.recordingSinceMs).toBe(T0 + 7 * 60_000);
  });
});
