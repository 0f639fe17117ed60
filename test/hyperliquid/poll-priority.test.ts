// Which accounts the tracker asks about first: value × time since last asked.
import { describe, expect, it } from 'vitest';
import { addressValue, decayedNotional, MIN_VALUE_USD, pickDue, pollPriority } from '../../src/hyperliquid/poll-priority.js';
import type { TrackedAddress, TrackedPosition } from '../../src/store/hyperliquid-records.js';
import { addressOf } from '../fake-hyperliquid/server.js';

const NOW = 1_770_000_000_000;
const HOUR = 3_600_000;
const marks = new Map([['BTC', 100_000]]);

function account(i: number, extra: Partial<TrackedAddress> = {}): TrackedAddress {
  return { v: 1, address: addressOf(i), source: 'trades', firstSeenMs: NOW - HOUR, lastSeenMs: NOW, tradeNotionalUsd: 0, tradeNotionalAtMs: NOW, positions: [], ...extra };
}

const position = (liquidationPx: number | null, positionValue = 1_000_000): TrackedPosition => ({ coin: 'BTC', szi: 10, entryPx: 100_000, positionValue, liquidationPx, marginMode: 'cross', leverage: 10, marginUsed: 1 });

describe('poll priority', () => {
  it('decays traded notional with its half-life', () => {
    expect(decayedNotional({ tradeNotionalUsd: 1_000, tradeNotionalAtMs: NOW - HOUR }, NOW, HOUR)).toBeCloseTo(500, 9);
  });

  it('values positions near the mark up to 5×, far or without a liquidation price 1×, and floors the value', () => {
    expect(addressValue(account(1, { positions: [position(null)] }), NOW, marks, HOUR)).toBe(1_000_000);
    expect(addressValue(account(1, { positions: [position(100_000)] }), NOW, marks, HOUR)).toBe(5_000_000);
    // 7.5% away: half of the bonus.
    expect(addressValue(account(1, { positions: [position(92_500)] }), NOW, marks, HOUR)).toBeCloseTo(3_000_000, 6);
    expect(addressValue(account(1, { positions: [position(50_000)] }), NOW, marks, HOUR)).toBe(1_000_000);
    expect(addressValue(account(1), NOW, marks, HOUR)).toBe(MIN_VALUE_USD);
  });

  it('asks the most valuable first, then the longest unasked; new accounts get a head start; busy ones are skipped', () => {
    const whale = account(1, { lastPolledMs: NOW - 60_000, positions: [position(99_000, 10_000_000)] });
    const minnow = account(2, { lastPolledMs: NOW - 60_000, positions: [position(null, 10_000)] });
    const forgotten = account(3, { lastPolledMs: NOW - 100 * HOUR, positions: [position(null, 10_000)] });
    const fresh = account(4, { firstSeenMs: NOW, tradeNotionalUsd: 500_000 });
    expect(pollPriority(fresh, NOW, marks, HOUR)).toBe(500_000 * 600_000);
    const order = pickDue([minnow, whale, forgotten, fresh], 4, NOW, marks, HOUR).map((a) => a.address);
    expect(order).toEqual([forgotten, whale, fresh, minnow].map((a) => a.address));
    expect(pickDue([minnow, whale, forgotten, fresh], 2, NOW, marks, HOUR, new Set([forgotten.address])).map((a) => a.address)).toEqual([whale.address, fresh.address]);
  });
});
