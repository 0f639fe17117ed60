// Test wiring: a fake exchange, a clock the test moves, and LiveMarketData pointed at the fake.
import { LiveMarketData, type LiveMarketOptions } from '../../src/market/live-market-data.js';
import type { Clock } from '../../src/market/clock.js';
import { FakeExchange } from './server.js';

/** 2026-06-20 12:00:01 UTC: inside the sample, with two days of bars after it for refreshes. */
export const T0 = Date.UTC(2026, 5, 20, 12, 0, 1);

/** A clock whose sleep advances time instead of waiting, and remembers every wait asked for. */
export class TestClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public t = T0) {}
  now = () => this.t;
  sleep = async (ms: number) => {
    this.sleeps.push(ms);
    this.t += ms;
    await new Promise((r) => setImmediate(r));
  };
  advance(ms: number): void {
    this.t += ms;
  }
}

export async function startFake(clock: TestClock): Promise<FakeExchange> {
  return new FakeExchange({ now: clock.now }).start();
}

export function liveAgainst(fake: FakeExchange, clock: TestClock, options: LiveMarketOptions = {}): LiveMarketData {
  return new LiveMarketData({ clock, urls: fake.urls, timeoutMs: 2000, backoffBaseMs: 10, random: () => 0.5, ...options });
}
