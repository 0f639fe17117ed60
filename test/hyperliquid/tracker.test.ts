// The position tracker against the fake Hyperliquid (real HTTP and websocket on loopback, a simulated
// clock shared with the fake): the budget counted at the fake, coverage, the measured map, restarts,
// positions closing between polls, malformed answers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildMeasuredMap } from '../../src/analysis/measured-map.js';
import { HyperliquidError } from '../../src/market/hyperliquid/info-client.js';
import { HyperliquidTradesStream } from '../../src/market/hyperliquid/trades-stream.js';
import { MemoryBackend } from '../../src/store/memory-backend.js';
import { SqliteBackend } from '../../src/store/sqlite-backend.js';
import { createStore, type Store } from '../../src/store/store.js';
import type { HlTrade } from '../../src/market/hyperliquid/types.js';
import { HL_T0, SimClock } from '../fake-hyperliquid/clock.js';
import { runUntil, startFakeHyperliquid, trackerAgainst } from '../fake-hyperliquid/harness.js';
import { addressOf, type FakeHyperliquid, type FakeTrade } from '../fake-hyperliquid/server.js';

const quiet = { warn: () => {} };
const MINUTE = 60_000;

let clock: SimClock;
let fake: FakeHyperliquid;
let store: Store;

beforeEach(async () => {
  clock = new SimClock();
  fake = await startFakeHyperliquid(clock);
  store = createStore(new MemoryBackend(clock.now), quiet);
});

afterEach(async () => {
  await fake.stop();
  await store.close();
});

/** Four accounts: cross and isolated, longs and shorts, one without a liquidation price, plus an ETH position. */
function seedUsers(f: FakeHyperliquid): string[] {
  const users = [addressOf(1), addressOf(2), addressOf(3), addressOf(4)];
  f.markets.set('ETH', { markPx: 2_500, openInterest: 300_000 });
  f.users.set(users[0]!, { positions: [{ coin: 'BTC', szi: 3, entryPx: 95_000, liquidationPx: null, mode: 'cross', leverage: 5 }] });
  f.users.set(users[1]!, { positions: [{ coin: 'BTC', szi: 1, entryPx: 99_000, liquidationPx: 90_000, mode: 'isolated', leverage: 10 }] });
  f.users.set(users[2]!, { positions: [{ coin: 'BTC', szi: -2, entryPx: 101_000, liquidationPx: 110_000, mode: 'cross', leverage: 20 }] });
  f.users.set(users[3]!, {
    positions: [
      { coin: 'BTC', szi: -0.5, entryPx: 100_500, liquidationPx: 104_000, mode: 'isolated', leverage: 25 },
      { coin: 'ETH', szi: 10, entryPx: 2_400, liquidationPx: 2_000, mode: 'cross', leverage: 10 },
    ],
  });
  return users;
}

describe('weight budget, counted at the fake', () => {
  it('never lets the tracker pass its share of 1200 per minute, and uses it', async () => {
    const seed = Array.from({ length: 500 }, (_, i) => addressOf(1_000 + i));
    for (let i = 0; i < 200; i++) {
      fake.users.set(seed[i]!, { positions: [{ coin: 'BTC', szi: i % 2 ? 1 : -1, entryPx: 100_000, liquidationPx: i % 2 ? 90_000 + i : 110_000 - i, mode: i % 3 ? 'cross' : 'isolated', leverage: 10 }] });
    }
    // A 10% share (120 per minute) keeps the run short; the rule is the same at any share.
    const { tracker } = trackerAgainst(fake, clock, store.hyperliquidAddresses, { share: 0.1 });
    await tracker.start(seed);
    await runUntil(clock, HL_T0 + 10 * MINUTE, 60_000);
    await tracker.stop();

    expect(fake.rejected).toBe(0);
    // Counted by the fake over its own sliding minute.
    expect(fake.maxWindowWeight).toBeLessThanOrEqual(120);
    expect(fake.maxWindowWeight).toBeGreaterThan(110);
    expect(fake.count('metaAndAssetCtxs')).toBeGreaterThanOrEqual(10);
    expect(fake.count('recentTrades')).toBeGreaterThanOrEqual(10);
    // What is left after the market (20) and recentTrades (21) each minute goes to clearinghouseState at 2 each.
    expect(fake.count('clearinghouseState')).toBeGreaterThan(9 * 35);
  });

  it('answers 429 beyond the limit; the client names it and pauses the whole budget', async () => {
    const tight = await startFakeHyperliquid(clock, 30);
    try {
      const { client, budget } = trackerAgainst(tight, clock, store.hyperliquidAddresses);
      await client.metaAndAssetCtxs();
      const err = await client.metaAndAssetCtxs().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HyperliquidError);
      expect((err as HyperliquidError).kind).toBe('rate-limited');
      expect((err as Error).message).toMatch(/hyperliquid metaAndAssetCtxs: rate limited \(HTTP 429\)/);
      expect(tight.rejected).toBe(1);
      const before = clock.now();
      await budget.lane('market').acquire(2);
      expect(clock.now() - before).toBeGreaterThanOrEqual(MINUTE);
    } finally {
      await tight.stop();
    }
  });
});

describe('positions, coverage and the measured map', () => {
  it('tracks cross and isolated positions, null liquidation prices included, and computes coverage', async () => {
    const users = seedUsers(fake);
    const { tracker } = trackerAgainst(fake, clock, store.hyperliquidAddresses);
    await tracker.start(users);
    await runUntil(clock, HL_T0 + 30_000);
    await tracker.stop();

    const fresh = tracker.freshPositions('BTC');
    expect(fresh.map((p) => [p.address, p.position.szi, p.position.liquidationPx, p.position.marginMode]).sort()).toEqual(
      [
        [users[0], 3, null, 'cross'],
        [users[1], 1, 90_000, 'isolated'],
        [users[2], -2, 110_000, 'cross'],
        [users[3], -0.5, 104_000, 'isolated'],
      ].sort(),
    );
    const c = tracker.coverage('BTC')!;
    expect(c.long.trackedCoins).toBe(4);
    expect(c.short.trackedCoins).toBe(2.5);
    expect(c.long.trackedUsd).toBe(400_000);
    // OI 20,000 BTC: tracked longs 4 are 0.02% of it one-sided, 0.04% two-sided; nothing proves either.
    expect(c.sidedness.sidedness).toBe('unknown');
    expect(c.long.ifOneSided).toBeCloseTo(4 / 20_000, 15);
    expect(c.long.ifTwoSided).toBeCloseTo(4 / 10_000, 15);
    expect(c.short.ifOneSided).toBeCloseTo(2.5 / 20_000, 15);
    expect(c.long.coverage).toBeNull();
  });

  it('proves OI one-sided when tracked longs alone pass half of it', async () => {
    const users = seedUsers(fake);
    fake.markets.set('BTC', { markPx: 100_000, openInterest: 6 });
    const { tracker } = trackerAgainst(fake, clock, store.hyperliquidAddresses);
    await tracker.start(users);
    await runUntil(clock, HL_T0 + 30_000);
    await tracker.stop();
    const c = tracker.coverage('BTC')!;
    expect(c.sidedness).toMatchObject({ sidedness: 'one-sided', basis: 'measured' });
    expect(c.long.coverage).toBeCloseTo(4 / 6, 12);
    expect(c.short.coverage).toBeCloseTo(2.5 / 6, 12);
  });

  it('builds the measured map a hand would', async () => {
    const users = seedUsers(fake);
    const { tracker } = trackerAgainst(fake, clock, store.hyperliquidAddresses);
    await tracker.start(users);
    await runUntil(clock, HL_T0 + 30_000);
    await tracker.stop();
    const map = buildMeasuredMap({ positions: tracker.measuredPositions('BTC'), price: tracker.market('BTC')!.markPx, bucketSize: 250, range: 0.15 });
    // 1 BTC long liquidated at 90,000; 2 BTC short at 110,000 and 0.5 at 104,000; 3 BTC long without one.
    expect(map.buckets.map((b) => [b.priceLow, b.longUsd, b.shortUsd])).toEqual([
      [90_000, 100_000, 0],
      [104_000, 0, 50_000],
      [110_000, 0, 200_000],
    ]);
    expect([map.longBelow, map.shortAbove, map.ratio]).toEqual([100_000, 250_000, 2.5]);
    expect(map.book).toMatchObject({ positions: 4, longUsd: 400_000, shortUsd: 250_000, longWithoutLiquidationUsd: 300_000 });
  });

  it('drops a user whose positions closed between two polls', async () => {
    const users = seedUsers(fake);
    fake.users.get(users[2]!)!.closeAfterPolls = 1;
    const { tracker } = trackerAgainst(fake, clock, store.hyperliquidAddresses);
    await tracker.start(users);
    await runUntil(clock, HL_T0 + 30_000);
    expect(tracker.freshPositions('BTC').some((p) => p.address === users[2])).toBe(true);
    await runUntil(clock, HL_T0 + 3 * MINUTE);
    await tracker.stop();
    expect(fake.users.get(users[2]!)!.polls).toBeGreaterThanOrEqual(2);
    expect(tracker.freshPositions('BTC').some((p) => p.address === users[2])).toBe(false);
    expect(tracker.stats.positionsClosed).toBe(1);
    expect((await store.hyperliquidAddresses.get(users[2]!))?.positions).toEqual([]);
  });

  it('leaves positions polled longer ago than the TTL out of maps and coverage', async () => {
    const users = seedUsers(fake);
    const { tracker } = trackerAgainst(fake, clock, store.hyperliquidAddresses, { settings: { positionTtlMs: 10 * MINUTE } });
    await tracker.start(users);
    await runUntil(clock, HL_T0 + 30_000);
    await tracker.stop();
    expect(tracker.freshPositions('BTC')).toHaveLength(4);
    clock.advance(11 * MINUTE);
    expect(tracker.freshPositions('BTC')).toHaveLength(0);
    expect(tracker.coverage('BTC')!.long.trackedCoins).toBe(0);
    expect(tracker.status()).toMatchObject({ freshPositions: 0, stalePositions: 4 });
  });

  it('names a malformed answer in the log and skips it; the other accounts are read', async () => {
    const users = seedUsers(fake);
    fake.malformedUsers.add(users[1]!);
    const { tracker, logs } = trackerAgainst(fake, clock, store.hyperliquidAddresses);
    await tracker.start(users);
    await runUntil(clock, HL_T0 + 30_000);
    await tracker.stop();
    expect(tracker.stats.malformed).toBe(1);
    const warning = logs.find((l) => l.msg === 'hyperliquid answer skipped');
    expect(warning).toMatchObject({ address: users[1], kind: 'malformed' });
    expect(String(warning!.err)).toMatch(/clearinghouseState: unexpected response: assetPositions\[0\]\.position\.szi: expected a number, got "not-a-size"/);
    expect(tracker.freshPositions('BTC').map((p) => p.address).sort()).toEqual([users[0], users[2], users[3]].sort());
  });
});

describe('discovery and restarts', () => {
  const trade = (buyer: number, seller: number, coin = 'BTC', px = 100_000, sz = 0.5): FakeTrade => ({ coin, side: 'B', px, sz, time: HL_T0, buyer: addressOf(buyer), seller: addressOf(seller) });

  it('finds accounts in the websocket trades and recentTrades; a restart on the same store loses none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liqmap-hl-'));
    const path = join(dir, 'store.sqlite');
    try {
      const first = createStore(new SqliteBackend(path, clock.now), quiet);
      fake.recent.set('BTC', [trade(10, 11), trade(12, 11)]);
      fake.users.set(addressOf(21), { positions: [{ coin: 'BTC', szi: -1, entryPx: 100_000, liquidationPx: 120_000, mode: 'cross', leverage: 10 }] });
      const { tracker } = trackerAgainst(fake, clock, first.hyperliquidAddresses, { wsUrl: fake.wsUrl });
      await tracker.start();
      await vi.waitFor(() => expect(fake.subscribers('BTC')).toBe(1), { timeout: 5000 });
      expect(fake.pushTrades([trade(20, 21), trade(22, 23, 'ETH')])).toBe(1);
      await vi.waitFor(() => expect([...tracker.addresses()].map((a) => a.address)).toContain(addressOf(21)), { timeout: 5000 });
      await runUntil(clock, clock.now() + 2 * MINUTE);
      await tracker.stop();
      await first.close();

      const known = [...tracker.addresses()].map((a) => a.address).sort();
      expect(known).toEqual([10, 11, 12, 20, 21].map(addressOf).sort());
      expect([...tracker.addresses()].find((a) => a.address === addressOf(20))).toMatchObject({ source: 'trades', tradeNotionalUsd: 50_000 });
      expect([...tracker.addresses()].find((a) => a.address === addressOf(10))?.source).toBe('recent-trades');

      const second = createStore(new SqliteBackend(path, clock.now), quiet);
      const { tracker: again } = trackerAgainst(fake, clock, second.hyperliquidAddresses);
      const started = await again.start();
      await again.stop();
      await second.close();
      expect(started.loaded).toBe(5);
      expect([...again.addresses()].map((a) => a.address).sort()).toEqual(known);
      expect([...again.addresses()].find((a) => a.address === addressOf(21))?.positions).toEqual([
        { coin: 'BTC', szi: -1, entryPx: 100_000, positionValue: 100_000, liquidationPx: 120_000, marginMode: 'cross', leverage: 10, marginUsed: 10_000 },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('forgets accounts neither seen nor polled for the address TTL', async () => {
    fake.recent.set('BTC', [trade(10, 11)]);
    const { tracker } = trackerAgainst(fake, clock, store.hyperliquidAddresses, { settings: { addressTtlMs: 5 * MINUTE, minRepollMs: 60 * MINUTE, recentTradesEveryMs: 60 * MINUTE } });
    await tracker.start();
    await runUntil(clock, HL_T0 + 30_000);
    expect(await store.hyperliquidAddresses.get(addressOf(10))).toBeDefined();
    await runUntil(clock, HL_T0 + 8 * MINUTE);
    await tracker.stop();
    expect([...tracker.addresses()]).toHaveLength(0);
    expect(tracker.stats.forgotten).toBe(2);
    expect(await store.hyperliquidAddresses.list()).toEqual([]);
  });
});

describe('trades stream', () => {
  it('subscribes, hands on trades of its coins, skips a malformed frame, pings when quiet and reconnects', async () => {
    const seen: HlTrade[] = [];
    const stream = new HyperliquidTradesStream({ url: fake.wsUrl, coins: ['BTC'], onTrades: (t) => seen.push(...t), pingMs: 100, backoffBaseMs: 10 });
    stream.start();
    try {
      await vi.waitFor(() => expect(fake.subscribers('BTC')).toBe(1), { timeout: 5000 });
      fake.pushRaw('{"channel":"trades","data":[{"coin":"BTC"}]}');
      fake.pushRaw('not json');
      fake.pushTrades([{ coin: 'BTC', side: 'A', px: 100_000, sz: 2, time: HL_T0, buyer: addressOf(1), seller: addressOf(2) }]);
      await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 5000 });
      expect(seen[0]).toMatchObject({ side: 'A', buyer: addressOf(1), seller: addressOf(2), sz: 2 });
      expect(stream.malformed).toBe(2);
      await vi.waitFor(() => expect(fake.wsReceived).toContain('{"method":"ping"}'), { timeout: 5000 });
      const connections = stream.connections;
      fake.dropSockets();
      await vi.waitFor(() => expect(stream.connections).toBe(connections + 1), { timeout: 5000 });
      await vi.waitFor(() => expect(fake.subscribers('BTC')).toBe(1), { timeout: 5000 });
    } finally {
      stream.stop();
    }
  });
});
