// Test wiring: a fake exchange, a clock the test moves, and LiveMarketData pointed at the fake.
import { LiveMarketData, type LiveMarketOptions } from '../../src/market/live-market-data.js';
import type { Clock } from '../../src/market/clock.js';
import { FakeExchange, type FakeExchangeOptions } from './server.js';

/** 2026-06-20 12:00:01 UTC: inside the sample, with two days of bars after it for refreshes. */
export const T0 = Date.UTC(2026, 5, 20, 12, 0, 1);

/**
 * A clock whose sleep advances time instead of waiting, and remembers every wait asked for. Requests
 * made through `fetch` are seen in flight: a sleep moves time only once they have reached the fake, so
 * the fake sees each request at the time it was sent (as with real time, where a loopback request takes
 * a millisecond), not after some other waiter jumped the clock.
 */
export class TestClock implements Clock {
  readonly sleeps: number[] = [];
  private readonly inflight = new Set<Promise<unknown>>();
  constructor(public t = T0) {}
  now = () => this.t;
  sleep = async (ms: number) => {
    this.sleeps.push(ms);
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    this.t += ms;
    await new Promise((r) => setImmediate(r));
  };
  advance(ms: number): void {
    this.t += ms;
  }
  fetch: typeof fetch = (input, init) => {
    const request = fetch(input, init);
    this.inflight.add(request);
    void request.finally(() => this.inflight.delete(request)).catch(() => undefined);
    return request;
  };
}

export async function startFake(clock: TestClock, options: Omit<FakeExchangeOptions, 'now'> = {}): Promise<FakeExchange> {
  return new FakeExchange({ now: clock.now, ...options }).start();
}

export function liveAgainst(fake: FakeExchange, clock: TestClock, options: LiveMarketOptions = {}): LiveMarketData {
  return new LiveMarketData({ clock, urls: fake.urls, timeoutMs: 2000, backoffBaseMs: 10, random: () => 0.5, fetch: clock.fetch, ...options });
}
