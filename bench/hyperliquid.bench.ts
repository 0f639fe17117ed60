// Hyperliquid tracker costs: accounts polled per minute at the budget (against the fake Hyperliquid on
// loopback, with a SIMULATED clock shared by the tracker and the fake, so a minute of budget is a
// minute as the fake counts it), the measured map from 10,000 tracked positions, and the memory of
// 10,000 tracked accounts.
import { buildMeasuredMap, type MeasuredPosition } from '../src/analysis/measured-map.js';
import { pickDue } from '../src/hyperliquid/poll-priority.js';
import { PositionTracker } from '../src/hyperliquid/tracker.js';
import { HyperliquidInfoClient } from '../src/market/hyperliquid/info-client.js';
import { WeightBudget } from '../src/market/hyperliquid/weight-budget.js';
import type { TrackedAddress } from '../src/store/hyperliquid-records.js';
import { MemoryBackend } from '../src/store/memory-backend.js';
import { createStore } from '../src/store/store.js';
import { HL_T0, SimClock } from '../test/fake-hyperliquid/clock.js';
import { runUntil, startFakeHyperliquid, trackerAgainst } from '../test/fake-hyperliquid/harness.js';
import { addressOf } from '../test/fake-hyperliquid/server.js';
import { median } from './stats.js';

const MINUTE = 60_000;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function pollsPerMinute(share: number, minutes: number): Promise<void> {
  const clock = new SimClock();
  const fake = await startFakeHyperliquid(clock);
  const store = createStore(new MemoryBackend(clock.now), { warn: () => {} });
  const seed = Array.from({ length: 5_000 }, (_, i) => addressOf(10_000 + i));
  for (let i = 0; i < 1_000; i++) {
    fake.users.set(seed[i]!, { positions: [{ coin: 'BTC', szi: i % 2 ? 1 : -1, entryPx: 100_000, liquidationPx: i % 2 ? 85_000 + 10 * i : 115_000 - 10 * i, mode: 'cross', leverage: 10 }] });
  }
  const { tracker } = trackerAgainst(fake, clock, store.hyperliquidAddresses, { share });
  const t0 = performance.now();
  await tracker.start(seed);
  await runUntil(clock, HL_T0 + minutes * MINUTE, 600_000);
  await tracker.stop();
  const realS = (performance.now() - t0) / 1000;
  // Whole minutes after the first (which starts with a full budget).
  const perMinute: number[] = [];
  for (let m = 1; m < minutes; m++) {
    perMinute.push(fake.requests.filter((r) => r.type === 'clearinghouseState' && r.status === 200 && r.at >= HL_T0 + m * MINUTE && r.at < HL_T0 + (m + 1) * MINUTE).length);
  }
  const cap = Math.floor(1200 * share);
  console.log(
    `share ${Math.round(share * 100)}% (cap ${cap}/min): ${median(perMinute)} accounts polled per simulated minute (min ${Math.min(...perMinute)}, max ${Math.max(...perMinute)} over ${perMinute.length} minutes); ` +
      `the budget allows (${cap} − 20 market − 21 recentTrades) / 2 = ${Math.floor((cap - 41) / 2)}; fake's highest weight in a minute ${fake.maxWindowWeight}, 429s ${fake.rejected}; ${realS.toFixed(1)} s real on loopback`,
  );
  await fake.stop();
  await store.close();
}

function trackedAddresses(n: number, withPosition: boolean, now: number): TrackedAddress[] {
  return Array.from({ length: n }, (_, i) => ({
    v: 1,
    address: addressOf(i + 1),
    source: 'trades',
    firstSeenMs: now - i,
    lastSeenMs: now,
    tradeNotionalUsd: 1000 + i,
    tradeNotionalAtMs: now,
    lastPolledMs: withPosition ? now : undefined,
    positionsAtMs: withPosition ? now : undefined,
    positions: withPosition
      ? [{ coin: 'BTC', szi: i % 2 ? 0.5 + (i % 7) : -(0.5 + (i % 5)), entryPx: 100_000 + (i % 1000), positionValue: 100_000 * (0.5 + (i % 7)), liquidationPx: i % 5 === 0 ? null : i % 2 ? 70_000 + (i % 3000) * 10 : 101_000 + (i % 4000) * 10, marginMode: i % 3 ? 'cross' : 'isolated', leverage: 10, marginUsed: 10_000 }]
      : [],
  }));
}

async function measuredMapCost(): Promise<void> {
  const now = HL_T0;
  const positions: MeasuredPosition[] = trackedAddresses(10_000, true, now).map((a) => {
    const p = a.positions[0]!;
    return { side: p.szi > 0 ? 'long' : 'short', usd: p.positionValue, liquidationPx: p.liquidationPx };
  });
  for (let i = 0; i < 20; i++) buildMeasuredMap({ positions, price: 100_000, bucketSize: 250, range: 0.15 });
  const runs: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    buildMeasuredMap({ positions, price: 100_000, bucketSize: 250, range: 0.15 });
    runs.push(performance.now() - t0);
  }
  console.log(`measured map from 10,000 positions: median ${median(runs).toFixed(2)} ms, p95 ${[...runs].sort((a, b) => a - b)[189]!.toFixed(2)} ms (200 runs)`);

  // The same through the tracker: fresh positions of 10,000 accounts, valued at the mark, then the map.
  const clock = new SimClock(now);
  const records = trackedAddresses(10_000, true, now);
  const store = { list: async () => records, put: async () => {}, delete: async () => true };
  const client = new HyperliquidInfoClient({ clock, lane: new WeightBudget({ clock }).lane('tracker'), url: 'http://127.0.0.1:1' });
  const tracker = new PositionTracker({ client, store, clock, wsUrl: null });
  // Loaded from the store as at a restart; nothing answers at port 1, so the loop only fails and stops.
  await tracker.start();
  await tracker.stop();
  const viaTracker: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    buildMeasuredMap({ positions: tracker.measuredPositions('BTC', now), price: 100_000, bucketSize: 250, range: 0.15 });
    viaTracker.push(performance.now() - t0);
  }
  console.log(`  the same from the tracker's 10,000 accounts (collect fresh positions + map): median ${median(viaTracker).toFixed(2)} ms`);
}

/** One ranking pass (the tracker makes one per 16 batches of 4, about every 9 s at the default budget). */
function rankingCost(): void {
  const records = [...trackedAddresses(50_000, true, HL_T0), ...trackedAddresses(50_000, false, HL_T0).map((r, i) => ({ ...r, address: addressOf(100_000 + i) }))];
  const marks = new Map([['BTC', 100_000]]);
  for (let i = 0; i < 3; i++) pickDue(records, 64, HL_T0 + MINUTE, marks, 3_600_000);
  const runs: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    pickDue(records, 64, HL_T0 + MINUTE, marks, 3_600_000);
    runs.push(performance.now() - t0);
  }
  console.log(`ranking 100,000 accounts (half with a position) for the next 16 batches: median ${median(runs).toFixed(1)} ms`);
}

function memoryPer10k(withPosition: boolean): void {
  const n = 100_000;
  gc();
  const before = process.memoryUsage().heapUsed;
  const book = new Map<string, TrackedAddress>();
  for (const r of trackedAddresses(n, withPosition, HL_T0)) book.set(r.address, r);
  gc();
  const after = process.memoryUsage().heapUsed;
  console.log(`memory per 10,000 accounts ${withPosition ? 'with one BTC position each' : 'without positions'}: ${(((after - before) / n) * 10_000 / 1e6).toFixed(2)} MB of heap (measured over ${n.toLocaleString('en-US')} in the tracker's map)`);
  if (book.size !== n) throw new Error('lost records');
}

await pollsPerMinute(0.75, 6);
await measuredMapCost();
rankingCost();
memoryPer10k(false);
memoryPer10k(true);
