// Which accounts to ask about next. The budget of one IP allows a few hundred `clearinghouseState`
// calls a minute, far fewer than the accounts that trade, so each account's priority is its value
// times the time since it was last asked: an account worth 100× more is asked about 100× as often.
// Value = recent traded notional + open notional, positions whose liquidation price sits near the
// mark counting up to 5× (they are what the measured map is about).
import type { TrackedAddress } from '../store/hyperliquid-records.js';

/** Floor of an account's value, so that one with nothing known is still asked now and then. */
export const MIN_VALUE_USD = 1_000;
/** A newly found account counts as asked this long before it was found: first polls come soon. */
export const NEW_ADDRESS_HEAD_START_MS = 10 * 60_000;
/** Positions liquidated within this distance of the mark weigh more, the nearer the more. */
const NEAR_FRACTION = 0.15;
const NEAR_BONUS = 4;

/** Traded notional decayed to `nowMs` with a half-life. */
export function decayedNotional(a: Pick<TrackedAddress, 'tradeNotionalUsd' | 'tradeNotionalAtMs'>, nowMs: number, halfLifeMs: number): number {
  const age = Math.max(0, nowMs - a.tradeNotionalAtMs);
  return a.tradeNotionalUsd * 2 ** (-age / halfLifeMs);
}

export function addressValue(a: TrackedAddress, nowMs: number, marks: ReadonlyMap<string, number>, halfLifeMs: number): number {
  let held = 0;
  for (const p of a.positions) {
    const mark = marks.get(p.coin);
    let weight = 1;
    if (p.liquidationPx !== null && mark !== undefined) {
      const distance = Math.abs(p.liquidationPx - mark) / mark;
      weight += NEAR_BONUS * Math.max(0, 1 - distance / NEAR_FRACTION);
    }
    held += p.positionValue * weight;
  }
  return Math.max(MIN_VALUE_USD, decayedNotional(a, nowMs, halfLifeMs) + held);
}

export function pollPriority(a: TrackedAddress, nowMs: number, marks: ReadonlyMap<string, number>, halfLifeMs: number): number {
  const since = nowMs - (a.lastPolledMs ?? a.firstSeenMs - NEW_ADDRESS_HEAD_START_MS);
  return addressValue(a, nowMs, marks, halfLifeMs) * Math.max(1, since);
}

/** The `count` accounts of highest priority, highest first, skipping `busy` ones. One pass, O(n·count). */
export function pickDue(
  addresses: Iterable<TrackedAddress>,
  count: number,
  nowMs: number,
  marks: ReadonlyMap<string, number>,
  halfLifeMs: number,
  busy: ReadonlySet<string> = new Set(),
): TrackedAddress[] {
  const top: { a: TrackedAddress; p: number }[] = [];
  for (const a of addresses) {
    if (busy.has(a.address)) continue;
    const p = pollPriority(a, nowMs, marks, halfLifeMs);
    if (top.length === count && p <= top[top.length - 1]!.p) continue;
    let i = top.length;
    while (i > 0 && top[i - 1]!.p < p) i--;
    top.splice(i, 0, { a, p });
    if (top.length > count) top.pop();
  }
  return top.map((t) => t.a);
}
