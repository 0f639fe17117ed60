// The seed's level watch: "watch how Bitcoin behaves when it approaches $85K, then $90K, then $95K. Does
// each level trigger a noticeable acceleration, or does momentum flatten and reverse?" Over bars, each
// approach of a named level ends in a verdict: accelerated, absorbed, rejected (or pending). Pure.
import { paceAfterPct, paceBeforePct, realizedBetween, type RealizedRow } from './cascades.js';
import { formatPrice, formatUsd } from './format.js';
import type { Bar, Side } from './types.js';
import { formatUtcMinute } from './utc-time.js';

export interface LevelWatchOptions {
  /** Price within this fraction of a level is approaching it (0.01 = 1%). */
  nearFraction: number;
  /** Bars judged after a crossing, and before it for the pace (the cascade watch's measure). */
  followBars: number;
  /** Accelerated when the move runs on at this multiple of its pace before, or faster. */
  activationRatio: number;
  /** Rejections of one level are counted over this span (ms). */
  rejectionLookbackMs: number;
}

export const DEFAULT_LEVEL_WATCH: LevelWatchOptions = { nearFraction: 0.01, followBars: 4, activationRatio: 1, rejectionLookbackMs: 5 * 86_400_000 };

/**
 * accelerated: crossed and ran on faster than before (realized liquidations of the crossed side not
 * drying up, when known); absorbed: crossed, then stalled or turned; rejected: approached and turned back
 * without crossing; pending: not decided yet.
 */
export type LevelVerdict = 'accelerated' | 'absorbed' | 'rejected' | 'pending';

export interface LevelEvent {
  level: number;
  /** Open of the bar that came within reach of the level. */
  approachTs: number;
  /** up: price came from below (shorts above are at stake); down: from above (longs below). */
  direction: 'up' | 'down';
  /** Open of the bar that crossed the level; null while it has not (rejected, or pending). */
  crossTs: number | null;
  verdict: LevelVerdict;
  /** Closest distance to the level before the verdict, in % of the level (0 when crossed). */
  closestPct: number;
  /** Pace before the crossing and move per bar after it (the cascade watch's measure), in %. */
  paceBeforePct: number | null;
  paceAfterPct: number | null;
  /** Realized liquidations of the side at stake around the crossing, when the input has them. */
  realizedBeforeUsd: number | null;
  realizedAfterUsd: number | null;
  /** For a rejection: how many times this level turned price back from this direction within the lookback, this one included. */
  rejectionCount: number;
}

export interface LevelWatchInput {
  /** Closed bars of one interval, oldest first. */
  bars: readonly Bar[];
  intervalMs: number;
  levels: readonly number[];
  /** Realized liquidations at any interval; without it, the bars' own realized columns are used. */
  realized?: readonly RealizedRow[];
}

/** Relative distance from the bar's range to the level (0 when the range holds it). */
function rangeDistance(bar: Bar, level: number): number {
  if (bar.low <= level && level <= bar.high) return 0;
  return Math.min(Math.abs(bar.high - level), Math.abs(bar.low - level)) / level;
}

type State = { kind: 'armed' } | { kind: 'cooling' } | { kind: 'watching'; bar: number; direction: 'up' | 'down'; closest: number };

/** Every approach of every level in the bars, oldest first, with its verdict. */
export function watchLevels(input: LevelWatchInput, options: Partial<LevelWatchOptions> = {}): LevelEvent[] {
  const o: LevelWatchOptions = { ...DEFAULT_LEVEL_WATCH, ...options };
  if (!(o.nearFraction > 0 && o.nearFraction < 0.5)) throw new RangeError('levels: the approach distance must be above 0% and below 50%');
  if (!Number.isInteger(o.followBars) || o.followBars < 1) throw new RangeError('levels: the follow window must be a whole number of bars, at least 1');
  if (!(o.activationRatio > 0)) throw new RangeError('levels: the activation ratio must be above 0');
  for (const level of input.levels) if (!(level > 0) || !Number.isFinite(level)) throw new RangeError(`levels: ${level} is not a price`);
  const { bars } = input;
  const realized = input.realized ?? bars;
  const events: LevelEvent[] = [];

  for (const level of [...new Set(input.levels)].sort((a, b) => a - b)) {
    // A level price already sits at when the data starts is not an approach: wait until price leaves it.
    let state: State = bars.length > 0 && rangeDistance(bars[0]!, level) <= o.nearFraction ? { kind: 'cooling' } : { kind: 'armed' };
    // Per direction: a level that keeps turning price down (resistance) is a different story from support.
    const rejections: Record<'up' | 'down', number[]> = { up: [], down: [] };
    for (let i = 1; i < bars.length; i++) {
      const bar = bars[i]!;
      const distance = rangeDistance(bar, level);
      if (state.kind === 'cooling') {
        if (distance > o.nearFraction) state = { kind: 'armed' };
        continue;
      }
      if (state.kind === 'armed') {
        if (distance > o.nearFraction) continue;
        state = { kind: 'watching', bar: i, direction: bars[i - 1]!.close < level ? 'up' : 'down', closest: distance };
      }
      const watch = state;
      watch.closest = Math.min(watch.closest, distance);
      const crossed = watch.direction === 'up' ? bar.high >= level : bar.low <= level;
      if (crossed) {
        events.push(judgeCrossing(level, bars, input.intervalMs, realized, watch.bar, i, watch.direction, o));
        state = { kind: 'cooling' };
        continue;
      }
      // Turned back: the close is twice the approach distance away on the side it came from.
      const closeAway = watch.direction === 'up' ? (level - bar.close) / level : (bar.close - level) / level;
      if (closeAway > 2 * o.nearFraction) {
        const ts = bars[watch.bar]!.ts;
        const mine = rejections[watch.direction];
        mine.push(ts);
        const count = mine.filter((t) => t > ts - o.rejectionLookbackMs).length;
        events.push({
          level,
          approachTs: ts,
          direction: watch.direction,
          crossTs: null,
          verdict: 'rejected',
          closestPct: 100 * watch.closest,
          paceBeforePct: null,
          paceAfterPct: null,
          realizedBeforeUsd: null,
          realizedAfterUsd: null,
          rejectionCount: count,
        });
        state = { kind: 'armed' };
      }
    }
    if (state.kind === 'watching') {
      events.push({
        level,
        approachTs: bars[state.bar]!.ts,
        direction: state.direction,
        crossTs: null,
        verdict: 'pending',
        closestPct: 100 * state.closest,
        paceBeforePct: null,
        paceAfterPct: null,
        realizedBeforeUsd: null,
        realizedAfterUsd: null,
        rejectionCount: 0,
      });
    }
  }
  return events.sort((a, b) => a.approachTs - b.approachTs || a.level - b.level);
}

function judgeCrossing(
  level: number,
  bars: readonly Bar[],
  intervalMs: number,
  realized: readonly RealizedRow[],
  approachBar: number,
  i: number,
  direction: 'up' | 'down',
  o: LevelWatchOptions,
): LevelEvent {
  const n = o.followBars;
  const side: Side = direction === 'up' ? 'short' : 'long';
  const before = paceBeforePct(bars, i, n);
  const after = paceAfterPct(bars, i, n, direction === 'up' ? 1 : -1);
  const ts = bars[i]!.ts;
  const end = ts + intervalMs;
  const realizedBeforeUsd = realizedBetween(realized, side, ts - n * intervalMs, ts);
  const realizedAfterUsd = after !== null ? realizedBetween(realized, side, end, end + n * intervalMs) : null;
  let verdict: LevelVerdict = 'pending';
  if (after !== null) {
    const ran = after > 0 && after >= o.activationRatio * before;
    const fed = realizedBeforeUsd === null || realizedAfterUsd === null || realizedAfterUsd >= realizedBeforeUsd;
    verdict = ran && fed ? 'accelerated' : 'absorbed';
  }
  return {
    level,
    approachTs: bars[approachBar]!.ts,
    direction,
    crossTs: ts,
    verdict,
    closestPct: 0,
    paceBeforePct: before,
    paceAfterPct: after,
    realizedBeforeUsd,
    realizedAfterUsd,
    rejectionCount: 0,
  };
}

const ORDINAL = ['', 'first', 'second', 'third', 'fourth', 'fifth'];

function signedPct(v: number): string {
  const text = Math.abs(v).toFixed(2);
  return Number(text) === 0 ? `${text}%` : `${v > 0 ? '+' : '−'}${text}%`;
}

/** One line per event: "90,000 ↑ crossed 2026-06-10 14:15 UTC · pace 0.12%/bar before, +0.40%/bar after → accelerated". */
export function describeLevelEvent(e: LevelEvent, lookbackDays = DEFAULT_LEVEL_WATCH.rejectionLookbackMs / 86_400_000): string {
  const level = `${formatPrice(e.level)} ${e.direction === 'up' ? '↑' : '↓'}`;
  if (e.verdict === 'rejected') {
    const nth = e.rejectionCount > 1 ? ` · ${ORDINAL[e.rejectionCount] ?? `${e.rejectionCount}th`} rejection at ${formatPrice(e.level)} in ${lookbackDays} days` : '';
    return `${level} approached ${formatUtcMinute(e.approachTs)}, turned back ${e.closestPct.toFixed(2)}% short of it → rejected${nth}`;
  }
  if (e.crossTs === null) return `${level} approached ${formatUtcMinute(e.approachTs)}, ${e.closestPct.toFixed(2)}% away → pending`;
  const after = e.paceAfterPct === null ? 'after: not yet' : `${signedPct(e.paceAfterPct)}/bar after`;
  const realized =
    e.realizedBeforeUsd === null && e.realizedAfterUsd === null
      ? ''
      : ` · ${e.direction === 'up' ? 'short' : 'long'} liquidations ${e.realizedBeforeUsd === null ? 'n/a' : formatUsd(e.realizedBeforeUsd)} → ${e.realizedAfterUsd === null ? 'n/a' : formatUsd(e.realizedAfterUsd)}`;
  return `${level} crossed ${formatUtcMinute(e.crossTs)} · pace ${(e.paceBeforePct ?? 0).toFixed(2)}%/bar before, ${after}${realized} → ${e.verdict}`;
}
