// A clock whose sleep advances time instead of waiting: the tracker's one loop and the fake share it,
// so a minute of polling runs in well under a second and both count the same minute.
import type { Clock } from '../../src/market/clock.js';

/** 2026-02-04 06:00 UTC, inside the real whale snapshots' week. */
export const HL_T0 = Date.UTC(2026, 1, 4, 6, 0, 0);

export class SimClock implements Clock {
  constructor(public t = HL_T0) {}
  now = () => this.t;
  sleep = async (ms: number) => {
    this.t += ms;
    await new Promise((r) => setImmediate(r));
  };
  advance(ms: number): void {
    this.t += ms;
  }
}
