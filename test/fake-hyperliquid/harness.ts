// Test wiring: the fake Hyperliquid, a simulated clock both share, and a tracker pointed at the fake.
import { pino } from 'pino';
import { HyperliquidInfoClient } from '../../src/market/hyperliquid/info-client.js';
import { WeightBudget } from '../../src/market/hyperliquid/weight-budget.js';
import { PositionTracker, type AddressStore, type TrackerSettings } from '../../src/hyperliquid/tracker.js';
import type { SimClock } from './clock.js';
import { FakeHyperliquid } from './server.js';

export async function startFakeHyperliquid(clock: SimClock, limit = 1200): Promise<FakeHyperliquid> {
  return new FakeHyperliquid({ now: clock.now, limit }).start();
}

export interface TrackerRig {
  tracker: PositionTracker;
  budget: WeightBudget;
  client: HyperliquidInfoClient;
  logs: { level: number; msg: string; [k: string]: unknown }[];
}

export function trackerAgainst(
  fake: FakeHyperliquid,
  clock: SimClock,
  store: AddressStore,
  options: { share?: number; wsUrl?: string | null; settings?: Partial<TrackerSettings> } = {},
): TrackerRig {
  const logs: TrackerRig['logs'] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void logs.push(JSON.parse(s)) });
  const budget = new WeightBudget({ clock });
  const client = new HyperliquidInfoClient({ clock, lane: budget.lane('tracker', options.share ?? 0.75), url: fake.url, timeoutMs: 5000 });
  const tracker = new PositionTracker({ client, store, clock, wsUrl: options.wsUrl ?? null, log, settings: options.settings });
  return { tracker, budget, client, logs };
}

/** Lets the tracker's loop run (in real time) until the simulated clock reaches `t`. */
export async function runUntil(clock: SimClock, t: number, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (clock.now() < t) {
    if (Date.now() - started > timeoutMs) throw new Error(`simulated clock stuck at ${clock.now()} (wanted ${t})`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
