// What the fake's venue routes share: the request and answer shapes, number formatting, and the
// open-interest rows of the fake market.
import type { FakeBar } from './market.js';

export interface RouteRequest {
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  now: number;
}

export interface RouteAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export const ok = (body: unknown, headers?: Record<string, string>): RouteAnswer => ({ status: 200, body, ...(headers ? { headers } : {}) });

/** Decimal strings as venues send them. */
export function s(n: number): string {
  return String(Number(n.toPrecision(12)));
}

export const INTERVALS: Record<string, number> = { '5m': 300_000, '15m': 900_000, '30m': 1_800_000, '1h': 3_600_000, '1H': 3_600_000 };

/** Open-interest snapshots at interval boundaries in [start, end] that exist by `now`: the row at T is the close of the bar opening at T − interval. */
export function snapshots(bars: FakeBar[], intervalMs: number, start: number, end: number, now: number, gaps: Set<number>): { ts: number; bar: FakeBar }[] {
  const out: { ts: number; bar: FakeBar }[] = [];
  if (!intervalMs || bars.length === 0) return out;
  const first = Math.max(start, bars[0]!.ts + intervalMs);
  const index = new Map(bars.map((b, i) => [b.ts, i]));
  for (let ts = Math.ceil(first / intervalMs) * intervalMs; ts <= Math.min(end, now); ts += intervalMs) {
    if (gaps.has(ts)) continue;
    const i = index.get(ts - intervalMs);
    if (i !== undefined) out.push({ ts, bar: bars[i]! });
  }
  return out;
}

/** A query number, or the fallback when absent. */
export function num(q: Record<string, string>, name: string, fallback: number): number {
  return q[name] === undefined || q[name] === '' ? fallback : Number(q[name]);
}
