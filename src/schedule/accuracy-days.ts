// The accuracy recorder's per-day records (store: `acc:<SYMBOL>/<venue>/<YYYY-MM-DD>`) ↔ recorded bars.
// One record per symbol, venue and UTC day, each bar a slot of seven numbers, so thirty days of three
// venues are 90 records, not 8,640.
import { ACCURACY_BAR_MS, type AccuracyBar } from '../analysis/accuracy.js';
import type { AccuracyDay, AccuracySlot } from '../store/records.js';
import type { Store } from '../store/store.js';

export const DAY_MS = 86_400_000;
/** Recorded days kept: the 30-day span and a few more for the daily score's margin. */
export const KEEP_DAYS = 35;

export function dayStart(ts: number): number {
  return Math.floor(ts / DAY_MS) * DAY_MS;
}

export function dayName(ts: number): string {
  return new Date(dayStart(ts)).toISOString().slice(0, 10);
}

export function dayId(symbol: string, venue: string, ts: number): string {
  return `${symbol}/${venue}/${dayName(ts)}`;
}

export function emptyDay(symbol: string, venue: string, ts: number): AccuracyDay {
  return { v: 1, symbol, venue, day: dayName(ts), dayMs: dayStart(ts), intervalMs: ACCURACY_BAR_MS, bars: Array.from({ length: DAY_MS / ACCURACY_BAR_MS }, () => null) };
}

/** Whole dollars: cents carry nothing in a score, and the records stay small. */
export function toSlot(b: AccuracyBar): AccuracySlot {
  const usd = Math.round;
  return [usd(b.predLongUsd), usd(b.predShortUsd), usd(b.naiveLongUsd), usd(b.naiveShortUsd), b.oiUsd === null ? null : usd(b.oiUsd), usd(b.realizedLongUsd), usd(b.realizedShortUsd)];
}

export function fromSlot(ts: number, s: AccuracySlot): AccuracyBar {
  return { ts, predLongUsd: s[0], predShortUsd: s[1], naiveLongUsd: s[2], naiveShortUsd: s[3], oiUsd: s[4], realizedLongUsd: s[5], realizedShortUsd: s[6] };
}

/** A day record's bars, oldest first. */
export function barsOfDay(day: AccuracyDay): AccuracyBar[] {
  const out: AccuracyBar[] = [];
  day.bars.forEach((slot, i) => {
    if (slot) out.push(fromSlot(day.dayMs + i * day.intervalMs, slot));
  });
  return out;
}

/** Every recorded bar of a symbol since `fromMs`, per venue (venues in the order first seen). */
export async function recordedBars(store: Store, symbol: string, fromMs: number): Promise<{ venue: string; bars: AccuracyBar[] }[]> {
  const days = (await store.accuracyDays.list(`${symbol}/`)).filter((d) => d.symbol === symbol && d.dayMs + DAY_MS > fromMs).sort((a, b) => a.dayMs - b.dayMs || a.venue.localeCompare(b.venue));
  const byVenue = new Map<string, AccuracyBar[]>();
  for (const d of days) {
    let bars = byVenue.get(d.venue);
    if (!bars) byVenue.set(d.venue, (bars = []));
    bars.push(...barsOfDay(d).filter((b) => b.ts >= fromMs));
  }
  return [...byVenue].map(([venue, bars]) => ({ venue, bars }));
}
