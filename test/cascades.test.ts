import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crossingsOfLastDay, findCrossings, realizedFromEvents, type CascadeInput } from '../src/analysis/cascades.js';
import { DEFAULT_VENUE_SPEC } from '../src/analysis/params.js';
import { resample } from '../src/analysis/resample.js';
import type { Bar, ModelParams } from '../src/analysis/types.js';
import { runCli } from '../src/cli.js';
import { parseBarsCsv } from '../src/market/bars-csv.js';
import { sampleSeries } from './helpers/sample.js';

const FIVE_MIN = 300_000;
const T0 = 1_780_000_200_000;

/** One tier, one entry price, no churn, no seed, even sides: the book is known by hand. */
const HAND: Partial<ModelParams> = {
  leverageTiers: [{ leverage: 10, weight: 1 }],
  entryPoints: 1,
  entrySpread: 0,
  leverageSpread: 1,
  churnPerHour: 0,
  seed: 'empty',
  sideAttribution: 'neutral',
};

const bar = (i: number, open: number, high: number, low: number, close: number, extra: Partial<Bar> = {}): Bar => ({
  ts: T0 + i * FIVE_MIN,
  open,
  high,
  low,
  close,
  oi: i === 0 ? 1000 : 1100,
  ...extra,
});

/**
 * Bar 1 opens $5,000 of longs liquidated at 90.36 and $5,000 of shorts at 109.56; bar 3 falls through
 * the long cluster to 90 and closes at 91; `after` gives the closes of the two bars that follow.
 */
function scenario(after: number[], extra: (i: number) => Partial<Bar> = () => ({})): CascadeInput {
  const bars = [bar(0, 100, 100, 100, 100, extra(0)), bar(1, 100, 100, 100, 100, extra(1)), bar(2, 100, 100, 100, 100, extra(2)), bar(3, 100, 100, 90, 91, extra(3))];
  let prev = 91;
  after.forEach((close, k) => {
    const i = 4 + k;
    bars.push(bar(i, prev, Math.max(prev, close), Math.min(prev, close), close, extra(i)));
    prev = close;
  });
  return { bars, intervalMs: FIVE_MIN, spec: DEFAULT_VENUE_SPEC, params: HAND };
}

const OPTS = { minClusterUsd: 1000, followBars: 2, activationRatio: 1 };

describe('cascade watch on hand-made bars', () => {
  it('a fall that runs on through the long cluster is activated', () => {
    const crossings = findCrossings(scenario([88, 85]), OPTS);
    expect(crossings).toHaveLength(1);
    const c = crossings[0]!;
    expect(c.side).toBe('long');
    expect(c.ts).toBe(T0 + 3 * FIVE_MIN);
    expect(c.price).toBeGreaterThan(90);
    expect(c.price).toBeLessThan(90.7);
    expect(c.clusterUsd).toBeCloseTo(5000, 6);
    expect(c.sweptUsd).toBeCloseTo(5000, 6);
    expect(c.paceAfterPct).toBeCloseTo((100 * (91 - 85)) / 91 / 2, 9);
    expect(c.verdict).toBe('activated');
  });

  it('a fall that turns back is absorbed', () => {
    const [c] = findCrossings(scenario([93, 95]), OPTS);
    expect(c!.paceAfterPct!).toBeLessThan(0);
    expect(c!.verdict).toBe('absorbed');
  });

  it('a crossing whose follow window has not closed is pending', () => {
    const [c] = findCrossings(scenario([88]), OPTS);
    expect(c!.verdict).toBe('pending');
    expect(c!.paceAfterPct).toBeNull();
  });

  it('realized liquidations that dry up after the crossing mean absorbed, even when price runs on', () => {
    const realized = (i: number): Partial<Bar> => ({ realizedLongUsd: i === 1 || i === 2 ? 100 : 10, realizedShortUsd: 0 });
    const [c] = findCrossings(scenario([88, 85], realized), OPTS);
    expect(c!.realizedBeforeUsd).toBe(200);
    expect(c!.realizedAfterUsd).toBe(20);
    expect(c!.verdict).toBe('absorbed');
    const rising = (i: number): Partial<Bar> => ({ realizedLongUsd: i >= 4 ? 500 : 10, realizedShortUsd: 0 });
    expect(findCrossings(scenario([88, 85], rising), OPTS)[0]!.verdict).toBe('activated');
  });

  it('judges by live-stream events turned into realized rows', () => {
    const from = T0;
    const to = T0 + 6 * FIVE_MIN;
    const events = [
      { ts: T0 + FIVE_MIN + 1, side: 'long' as const, usd: 300 },
      { ts: T0 + 4 * FIVE_MIN + 9, side: 'long' as const, usd: 50 },
      { ts: T0 + 4 * FIVE_MIN + 10, side: 'short' as const, usd: 7 },
      { ts: to + 1, side: 'long' as const, usd: 1e9 },
    ];
    const rows = realizedFromEvents(events, FIVE_MIN, from, to);
    expect(rows).toHaveLength(6);
    expect(rows[1]).toEqual({ ts: T0 + FIVE_MIN, realizedLongUsd: 300, realizedShortUsd: 0 });
    expect(rows[4]).toEqual({ ts: T0 + 4 * FIVE_MIN, realizedLongUsd: 50, realizedShortUsd: 7 });
    const [c] = findCrossings({ ...scenario([88, 85]), realized: { intervalMs: FIVE_MIN, bars: rows } }, OPTS);
    expect(c!.realizedBeforeUsd).toBe(300);
    expect(c!.realizedAfterUsd).toBe(50);
    expect(c!.verdict).toBe('absorbed');
  });

  it('clusters below the minimum size are not watched', () => {
    expect(findCrossings(scenario([88, 85]), { ...OPTS, minClusterUsd: 6000 })).toEqual([]);
  });

  it('refuses bad options', () => {
    expect(() => findCrossings(scenario([88]), { ...OPTS, followBars: 0 })).toThrow(/follow window/);
    expect(() => findCrossings(scenario([88]), { ...OPTS, minClusterUsd: -1 })).toThrow(/minimum cluster size/);
  });
});

describe('cascade watch on the bundled sample', () => {
  const series = resample(sampleSeries(), 900_000);
  const input: CascadeInput = { bars: series.bars, intervalMs: series.intervalMs, spec: DEFAULT_VENUE_SPEC };

  it('finds crossings in time order, each of a cluster at least the minimum, each with a verdict', () => {
    const crossings = findCrossings(input, { minClusterUsd: 25e6 });
    expect(crossings.length).toBeGreaterThan(5);
    expect(crossings.every((c, i) => i === 0 || c.ts >= crossings[i - 1]!.ts)).toBe(true);
    expect(crossings.every((c) => c.clusterUsd >= 25e6)).toBe(true);
    expect(new Set(crossings.map((c) => c.verdict)).size).toBeGreaterThan(1);
    expect(crossings.every((c) => ['activated', 'absorbed', 'pending'].includes(c.verdict))).toBe(true);
    // Deterministic.
    expect(findCrossings(input, { minClusterUsd: 25e6 })).toEqual(crossings);
  });

  it('gives a digest the last day’s crossings from bars closed by then', () => {
    const at = Date.parse('2026-06-02T20:00:00Z');
    const lastDay = crossingsOfLastDay(input, at, { minClusterUsd: 25e6 });
    expect(lastDay.length).toBeGreaterThan(0);
    expect(lastDay.every((c) => c.ts >= at - 86_400_000 && c.ts < at)).toBe(true);
    const closed = { ...input, bars: input.bars.filter((b) => b.ts + input.intervalMs <= at) };
    expect(lastDay).toEqual(findCrossings(closed, { minClusterUsd: 25e6 }).filter((c) => c.ts >= at - 86_400_000));
  });

  it('price-only verdicts mean something: activated crossings are followed by more realized liquidations', () => {
    // The development overlap (test/fixtures/README.md); verdicts judged on price alone, then compared
    // with what was realized on the crossed side afterwards (README "Cascade watch" quotes these medians).
    const end = Date.parse('2026-06-08T16:00:00Z');
    const dev = resample({ ...sampleSeries(), bars: sampleSeries().bars.filter((b) => b.ts < end) }, 900_000);
    const path = join(import.meta.dirname, 'fixtures', 'dev', 'realized-BTCUSDT-30m.csv');
    const realized = { intervalMs: 1_800_000, bars: parseBarsCsv(readFileSync(path, 'utf8'), path).bars };
    const base: CascadeInput = { bars: dev.bars, intervalMs: dev.intervalMs, spec: DEFAULT_VENUE_SPEC };
    const opts = { minClusterUsd: 12.5e6, followBars: 4 };
    const byPrice = findCrossings(base, opts);
    const withRealized = findCrossings({ ...base, realized }, opts);
    expect(withRealized.map((c) => [c.ts, c.side])).toEqual(byPrice.map((c) => [c.ts, c.side]));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const after = (verdict: string) => median(byPrice.flatMap((c, i) => (c.verdict === verdict ? [withRealized[i]!.realizedAfterUsd ?? 0] : [])));
    expect(byPrice.filter((c) => c.verdict === 'activated').length).toBeGreaterThanOrEqual(3);
    expect(after('activated')).toBeGreaterThan(5 * after('absorbed'));
  });

  it('liqmap cascades lists the crossings with verdicts', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['cascades', '--source', 'sample'], { out: (t) => out.push(t), err: (t) => err.push(t) });
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^liqmap cascades · BTCUSDT · binance 15m bars .* clusters ≥ \$25M per bucket · judged over 4 bars \(1h\)$/);
    expect(out.slice(1, -1).every((l) => / → (activated|absorbed|pending)$/.test(l))).toBe(true);
    expect(out[out.length - 1]).toMatch(/^\d+ crossings: \d+ activated, \d+ absorbed/);
    const bad = await runCli(['cascades', '--min', 'lots'], { out: () => {}, err: (t) => err.push(t) });
    expect(bad).toBe(2);
    expect(err.join('\n')).toMatch(/"lots" is not an amount/);
  });
});
