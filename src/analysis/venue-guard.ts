// Runtime guard on live venues: a venue whose open interest or price is implausible against the others
// is left out of the aggregate and named with a reason, instead of silently distorting the map (a venue
// that changes a unit, counts both sides, or serves a stale price). Pure: the same series give the same
// verdicts.
import type { Bar } from './types.js';
import { formatPrice, formatUsd } from './format.js';

export interface GuardedVenue {
  venue: string;
  /** Oldest first; the newest bar is the one judged. */
  bars: readonly Bar[];
}

export interface VenueGuardOptions {
  /** Open interest (against the other venues' sum) more than this many times its usual level, or less than its inverse, is implausible. */
  oiFactor: number;
  /** A last close further than this fraction from the venues' median is implausible. */
  priceDeviation: number;
  /** Bars with open interest on every venue needed before open interest is judged. */
  minHistoryBars: number;
}

export const DEFAULT_GUARD: VenueGuardOptions = { oiFactor: 3, priceDeviation: 0.02, minHistoryBars: 12 };

export interface GuardVerdict {
  venue: string;
  /** Written for a person: what was implausible and against what. */
  reason: string;
}

/**
 * The venues to leave out, each with its reason. Price: at least three venues, each last close against
 * their median (the median venue itself always stays). Open interest: at least three venues, each
 * venue's OI in USD over the sum of the others' at the newest common bar, against its median over the
 * window's common bars; the worst offender goes first and the rest are judged again without it, while
 * three venues remain. Never leaves out all venues.
 */
export function guardVenues(venues: readonly GuardedVenue[], options: VenueGuardOptions = DEFAULT_GUARD): GuardVerdict[] {
  const verdicts: GuardVerdict[] = [];
  const priced = venues.filter((v) => v.bars.length > 0);
  if (priced.length >= 3) {
    const median = medianOf(priced.map((v) => v.bars[v.bars.length - 1]!.close));
    for (const v of priced) {
      const close = v.bars[v.bars.length - 1]!.close;
      const off = close / median - 1;
      if (Math.abs(off) > options.priceDeviation) {
        verdicts.push({ venue: v.venue, reason: `left out: its price ${formatPrice(close)} is ${(Math.abs(off) * 100).toFixed(1)}% ${off > 0 ? 'above' : 'below'} the venues' median ${formatPrice(median)}` });
      }
    }
  }
  let remaining = priced.filter((v) => !verdicts.some((x) => x.venue === v.venue));
  for (;;) {
    if (remaining.length < 3) break;
    const worst = worstOpenInterest(remaining, options);
    if (!worst) break;
    verdicts.push(worst);
    remaining = remaining.filter((v) => v.venue !== worst.venue);
  }
  return verdicts.length >= venues.length ? [] : verdicts;
}

function usdOi(bar: Bar): number | undefined {
  if (bar.oiUsd !== undefined) return bar.oiUsd;
  return bar.oi !== undefined ? bar.oi * bar.close : undefined;
}

/** The venue whose OI relative to the others moved furthest beyond the factor, or none. */
function worstOpenInterest(venues: readonly GuardedVenue[], options: VenueGuardOptions): GuardVerdict | undefined {
  // Bar times where every venue has open interest, oldest first.
  const byVenue = venues.map((v) => new Map(v.bars.flatMap((b) => {
    const usd = usdOi(b);
    return usd === undefined ? [] : [[b.ts, usd] as const];
  })));
  const common = [...byVenue[0]!.keys()].filter((ts) => byVenue.every((m) => m.has(ts))).sort((a, b) => a - b);
  if (common.length < options.minHistoryBars) return undefined;
  let worst: { venue: string; beyond: number; factor: number; now: number; usual: number; usd: number } | undefined;
  for (let i = 0; i < venues.length; i++) {
    const relative = common.map((ts) => {
      const others = byVenue.reduce((sum, m, j) => (j === i ? sum : sum + m.get(ts)!), 0);
      return others > 0 ? byVenue[i]!.get(ts)! / others : Number.NaN;
    });
    const now = relative[relative.length - 1]!;
    const usual = medianOf(relative.slice(0, -1).filter((r) => Number.isFinite(r)));
    if (!Number.isFinite(now) || !(usual > 0)) continue;
    const factor = now / usual;
    const beyond = factor > 0 ? Math.max(factor, 1 / factor) : Infinity;
    if (beyond > options.oiFactor && (!worst || beyond > worst.beyond)) {
      worst = { venue: venues[i]!.venue, beyond, factor, now, usual, usd: byVenue[i]!.get(common[common.length - 1]!)! };
    }
  }
  if (!worst) return undefined;
  const times = worst.factor >= 1 ? `${worst.factor.toFixed(1)}×` : worst.factor > 0 ? `1/${(1 / worst.factor).toFixed(1)} of` : 'none of';
  return {
    venue: worst.venue,
    reason: `left out: its open interest ${formatUsd(worst.usd)} is ${times} its usual size against the other venues (${(worst.now * 100).toFixed(0)}% of theirs now, ${(worst.usual * 100).toFixed(0)}% over the window), likely a data error at the venue`,
  };
}

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
