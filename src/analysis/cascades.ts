// Cascade watch: when price crosses a predicted cluster, did liquidations beget more liquidations
// ("activated") or did the market take the level and stall or turn ("absorbed")? Pure.
import { gridFor, runLedger } from './ledger.js';
import { defaultParams, validateParams } from './params.js';
import { selectWindow } from './build-map.js';
import type { Bar, BarSeries, ModelParams, Side, VenueSpec } from './types.js';

export interface CascadeOptions {
  /** A display bucket holding at least this much USD before the bar counts as a cluster. */
  minClusterUsd: number;
  /** Bars after the crossing that are judged, and bars before it that set the pace to beat. */
  followBars: number;
  /** Activated when the price runs on through the level at this multiple of its pace before, or faster. */
  activationRatio: number;
}

// $25M: since three quarters of the modelled book is well margined (params.ts), a quarter of the $100M
// of before finds the same 23 crossings of the bundled sample, with the same verdicts.
export const DEFAULT_CASCADE_OPTIONS: CascadeOptions = { minClusterUsd: 25e6, followBars: 4, activationRatio: 1 };

export type CascadeVerdict = 'activated' | 'absorbed' | 'pending';

export interface Crossing {
  /** Open of the bar that crossed the cluster, Unix ms. */
  ts: number;
  /** long: a long cluster below the price was crossed by a fall; short: a short cluster above, by a rise. */
  side: Side;
  /** Centre of the largest cluster bucket crossed. */
  price: number;
  clusterUsd: number;
  /** Cluster buckets crossed, including later ones folded into this crossing while it was followed. */
  clusters: number;
  /** USD the model swept on this side from the crossing bar to the end of the follow window. */
  sweptUsd: number;
  /** Close of the crossing bar: the price the follow-through is measured from. */
  closeAtCross: number;
  /** Mean absolute close-to-close move per bar over the bars before, in % of price. */
  paceBeforePct: number;
  /** Move per bar in the crossing's direction over the bars after (negative = turned back), in %. */
  paceAfterPct: number | null;
  /** Realized liquidations of the crossed side over the bars before and after, when the input has them. */
  realizedBeforeUsd: number | null;
  realizedAfterUsd: number | null;
  verdict: CascadeVerdict;
}

export interface CascadeInput {
  bars: Bar[];
  intervalMs: number;
  spec: VenueSpec;
  params?: Partial<ModelParams>;
  /** Realized liquidations at any interval; without it, the bars' own realized columns are used. */
  realized?: { intervalMs: number; bars: RealizedRow[] };
}

/** A realized-liquidation row: a bar of the interchange format, or one built from live events. */
export type RealizedRow = Pick<Bar, 'ts' | 'realizedLongUsd' | 'realizedShortUsd'>;

/**
 * Realized rows from individual liquidations (a live stream's events), one per interval over
 * [from, to): an interval without events is a known 0, so only give the span the stream was listening.
 */
export function realizedFromEvents(events: readonly { ts: number; side: Side; usd: number }[], intervalMs: number, from: number, to: number): RealizedRow[] {
  const start = Math.floor(from / intervalMs) * intervalMs;
  const rows: RealizedRow[] = [];
  for (let ts = start; ts < to; ts += intervalMs) rows.push({ ts, realizedLongUsd: 0, realizedShortUsd: 0 });
  for (const e of events) {
    if (e.ts < start || e.ts >= to) continue;
    const row = rows[Math.floor((e.ts - start) / intervalMs)]!;
    if (e.side === 'long') row.realizedLongUsd! += e.usd;
    else row.realizedShortUsd! += e.usd;
  }
  return rows;
}

/** Mean absolute close-to-close move over the `n` bars before bar `i`, in % of price: the pace to beat. */
export function paceBeforePct(bars: readonly Bar[], i: number, n: number): number {
  let pace = 0;
  let count = 0;
  for (let j = Math.max(1, i - n); j < i; j++) {
    pace += Math.abs(bars[j]!.close - bars[j - 1]!.close) / bars[j - 1]!.close;
    count++;
  }
  return count > 0 ? (100 * pace) / count : 0;
}

/** Move per bar in direction `dir` (+1 up, −1 down) from bar i's close over the next `n` bars, in %; null until they closed. */
export function paceAfterPct(bars: readonly Bar[], i: number, n: number, dir: 1 | -1): number | null {
  if (i + n >= bars.length) return null;
  return (100 * dir * (bars[i + n]!.close - bars[i]!.close)) / bars[i]!.close / n;
}

/** Realized USD of one side summed over rows opening in [from, to); null when none of them is known. */
export function realizedBetween(rows: readonly RealizedRow[], side: Side, from: number, to: number): number | null {
  let sum = 0;
  let seen = false;
  for (const r of rows) {
    if (r.ts < from || r.ts >= to) continue;
    const v = side === 'long' ? r.realizedLongUsd : r.realizedShortUsd;
    if (v === undefined) continue;
    sum += v;
    seen = true;
  }
  return seen ? sum : null;
}

/** Every crossing of a cluster of at least `minClusterUsd` in the bars, oldest first, with its verdict. */
export function findCrossings(input: CascadeInput, options: Partial<CascadeOptions> = {}): Crossing[] {
  const opts: CascadeOptions = { ...DEFAULT_CASCADE_OPTIONS, ...options };
  if (!(opts.minClusterUsd > 0)) throw new RangeError('cascades: the minimum cluster size must be above 0');
  if (!Number.isInteger(opts.followBars) || opts.followBars < 1) throw new RangeError('cascades: the follow window must be a whole number of bars, at least 1');
  if (!(opts.activationRatio > 0)) throw new RangeError('cascades: the activation ratio must be above 0');
  const params: ModelParams = { ...defaultParams('7d'), ...input.params };
  validateParams(params);
  const { bars, intervalMs } = input;
  if (bars.length === 0) return [];
  if (!bars.some((b) => b.oi !== undefined || b.oiUsd !== undefined)) throw new RangeError('cascades: the bars carry no open interest');

  const grid = gridFor([{ bars, spec: input.spec }], params);
  const nBuckets = grid.cells / grid.cellsPerBucket;
  const firstBucket = grid.firstCell / grid.cellsPerBucket;
  let before = new Float64Array(nBuckets);
  let after = new Float64Array(nBuckets);
  const hits: { bar: number; side: Side; price: number; usd: number; clusters: number }[] = [];

  const run = runLedger(bars, intervalMs, input.spec, params, grid, {
    onSnapshot: (i, read) => {
      // `before` is the book after bar i − 1. Its longs all lie below that bar's close and its shorts
      // above (the sweep and the drop rule guarantee it); the bucket holding the close mixes both sides
      // and is left out.
      if (i > 0) {
        const bar = bars[i]!;
        const prevClose = bars[i - 1]!.close;
        const closeBucket = Math.floor(prevClose / grid.bucketSize) - firstBucket;
        let long = { price: 0, usd: 0, clusters: 0 };
        for (let b = closeBucket - 1; b >= 0; b--) {
          const centre = (firstBucket + b + 0.5) * grid.bucketSize;
          if (centre < bar.low) break;
          if (before[b]! >= opts.minClusterUsd) {
            long.clusters++;
            if (before[b]! > long.usd) long = { ...long, price: centre, usd: before[b]! };
          }
        }
        if (long.clusters > 0) hits.push({ bar: i, side: 'long', ...long });
        let short = { price: 0, usd: 0, clusters: 0 };
        for (let b = closeBucket + 1; b < nBuckets; b++) {
          const centre = (firstBucket + b + 0.5) * grid.bucketSize;
          if (centre > bar.high) break;
          if (before[b]! >= opts.minClusterUsd) {
            short.clusters++;
            if (before[b]! > short.usd) short = { ...short, price: centre, usd: before[b]! };
          }
        }
        if (short.clusters > 0) hits.push({ bar: i, side: 'short', ...short });
      }
      after.fill(0);
      read(after, firstBucket);
      [before, after] = [after, before];
    },
  });

  const realizedRows: readonly RealizedRow[] = input.realized?.bars ?? bars;
  const crossings: Crossing[] = [];
  const open: Partial<Record<Side, { crossing: Crossing; untilBar: number }>> = {};
  for (const hit of hits) {
    const current = open[hit.side];
    // A level crossed while an earlier crossing on the same side is still followed is the same move.
    if (current && hit.bar <= current.untilBar) {
      current.crossing.clusters += hit.clusters;
      if (hit.usd > current.crossing.clusterUsd) {
        current.crossing.clusterUsd = hit.usd;
        current.crossing.price = hit.price;
      }
      continue;
    }
    const i = hit.bar;
    const bar = bars[i]!;
    const n = opts.followBars;
    const dir = hit.side === 'long' ? -1 : 1;
    const paceBefore = paceBeforePct(bars, i, n);
    const paceAfter = paceAfterPct(bars, i, n, dir);
    const complete = paceAfter !== null;
    const crossEnd = bar.ts + intervalMs;
    const realizedBeforeUsd = realizedBetween(realizedRows, hit.side, bar.ts - n * intervalMs, bar.ts);
    const realizedAfterUsd = complete ? realizedBetween(realizedRows, hit.side, crossEnd, crossEnd + n * intervalMs) : null;
    let verdict: CascadeVerdict = 'pending';
    if (paceAfter !== null) {
      const ran = paceAfter > 0 && paceAfter >= opts.activationRatio * paceBefore;
      const fed = realizedBeforeUsd === null || realizedAfterUsd === null || realizedAfterUsd >= realizedBeforeUsd;
      verdict = ran && fed ? 'activated' : 'absorbed';
    }
    const crossing: Crossing = {
      ts: bar.ts,
      side: hit.side,
      price: hit.price,
      clusterUsd: hit.usd,
      clusters: hit.clusters,
      sweptUsd: 0,
      closeAtCross: bar.close,
      paceBeforePct: paceBefore,
      paceAfterPct: paceAfter,
      realizedBeforeUsd,
      realizedAfterUsd,
      verdict,
    };
    crossings.push(crossing);
    open[hit.side] = { crossing, untilBar: i + n };
  }
  // Swept USD over each crossing's span, from the ledger's per-bar sweeps.
  for (const c of crossings) {
    const i = bars.findIndex((b) => b.ts === c.ts);
    const swept = c.side === 'long' ? run.sweptLongUsd : run.sweptShortUsd;
    for (let j = i; j <= Math.min(bars.length - 1, i + opts.followBars); j++) c.sweptUsd += swept[j]!;
  }
  return crossings;
}

/**
 * The crossings of the day before `at` (Unix ms), from bars closed by then: what a digest mentions.
 * The last crossings may still be `pending` (their follow window has not closed).
 */
export function crossingsOfLastDay(input: CascadeInput, at: number, options: Partial<CascadeOptions> = {}, dayMs = 86_400_000): Crossing[] {
  const closed = input.bars.filter((b) => b.ts + input.intervalMs <= at);
  return findCrossings({ ...input, bars: closed }, options).filter((c) => c.ts >= at - dayMs);
}

/**
 * The digest's view on a venue's bars: the last day's crossings on the 7d window's bars, a cluster
 * counting from `clusterShareOfOi` of the venue's open interest (0.375% ≈ $25M for BTC on Binance), so
 * smaller coins get crossings too. Empty when the bars carry no open interest.
 */
export function recentCrossings(series: BarSeries, spec: VenueSpec, at: number, clusterShareOfOi = 0.00375): Crossing[] {
  const w = selectWindow(series, '7d');
  const last = w.bars[w.bars.length - 1];
  const oi = last?.oiUsd ?? (last?.oi !== undefined ? last.oi * last.close : undefined);
  if (!last || !(oi && oi > 0)) return [];
  return crossingsOfLastDay({ bars: w.bars, intervalMs: w.intervalMs, spec }, at, { minClusterUsd: clusterShareOfOi * oi });
}
