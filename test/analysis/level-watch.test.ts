// The level watch on hand-built bars: every verdict, the rejection count, the realized check, bad options.
import { describe, expect, it } from 'vitest';
import { watchLevels } from '../../src/analysis/level-watch.js';
import type { Bar } from '../../src/analysis/types.js';

const H = 3_600_000;
/** Bars from closes: each bar opens at the previous close and spans both, plus `wick` around them. */
function barsOf(closes: number[], wick = 0): Bar[] {
  return closes.map((close, i) => {
    const open = i === 0 ? close : closes[i - 1]!;
    return { ts: i * H, open, high: Math.max(open, close) + wick, low: Math.min(open, close) - wick, close };
  });
}

describe('level watch', () => {
  it('accelerated: price crosses a level above and runs on faster than before', () => {
    // Creeping up by 0.2% a bar, then through 90,000 and 1% a bar after it.
    const closes = [88_500, 88_700, 88_900, 89_100, 89_300, 89_500, 89_800, 90_200, 91_100, 92_000, 92_900, 93_800];
    const [e, ...rest] = watchLevels({ bars: barsOf(closes), intervalMs: H, levels: [90_000] });
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ level: 90_000, direction: 'up', approachTs: 3 * H, crossTs: 7 * H, verdict: 'accelerated', closestPct: 0 });
    expect(e!.paceAfterPct!).toBeGreaterThan(e!.paceBeforePct!);
  });

  it('absorbed: it crosses, then stalls', () => {
    const closes = [88_500, 88_900, 89_300, 89_700, 90_100, 90_150, 90_100, 90_120, 90_110, 90_100];
    const [e] = watchLevels({ bars: barsOf(closes), intervalMs: H, levels: [90_000] });
    expect(e).toMatchObject({ direction: 'up', crossTs: 4 * H, verdict: 'absorbed' });
  });

  it('accelerated downwards through a level below: longs at stake', () => {
    const closes = [61_000, 60_900, 60_800, 60_700, 60_600, 60_500, 59_900, 59_000, 58_100, 57_200, 56_300];
    const [e] = watchLevels({ bars: barsOf(closes), intervalMs: H, levels: [60_000] });
    expect(e).toMatchObject({ direction: 'down', crossTs: 6 * H, verdict: 'accelerated' });
  });

  it('a run that realized liquidations do not feed is absorbed, not accelerated', () => {
    const bars = barsOf([88_500, 88_700, 88_900, 89_100, 89_300, 89_500, 89_800, 90_200, 91_100, 92_000, 92_900, 93_800]);
    // Shorts were liquidated before the crossing and almost none after: the run was not a squeeze.
    const realized = bars.map((b, i) => ({ ts: b.ts, realizedLongUsd: 0, realizedShortUsd: i < 7 ? 5e6 : 1e5 }));
    expect(watchLevels({ bars, intervalMs: H, levels: [90_000], realized })[0]!.verdict).toBe('absorbed');
    const fed = bars.map((b, i) => ({ ts: b.ts, realizedLongUsd: 0, realizedShortUsd: i < 7 ? 1e6 : 9e6 }));
    const e = watchLevels({ bars, intervalMs: H, levels: [90_000], realized: fed })[0]!;
    expect(e.verdict).toBe('accelerated');
    expect(e.realizedBeforeUsd).toBe(4e6);
    expect(e.realizedAfterUsd).toBe(36e6);
  });

  it('rejected: approaches within 1% and turns back; the third rejection in five days is counted as such', () => {
    const swing = [87_000, 88_500, 89_400, 88_400, 87_000];
    const closes = [...swing, ...swing, ...swing];
    const events = watchLevels({ bars: barsOf(closes), intervalMs: H, levels: [90_000] });
    expect(events.map((e) => [e.verdict, e.rejectionCount, e.crossTs])).toEqual([
      ['rejected', 1, null],
      ['rejected', 2, null],
      ['rejected', 3, null],
    ]);
    expect(events[0]!.closestPct).toBeCloseTo((100 * 600) / 90_000, 6);
    // Spaced beyond the lookback, each rejection is the first again.
    const spaced = watchLevels({ bars: barsOf(closes), intervalMs: H, levels: [90_000] }, { rejectionLookbackMs: 2 * H });
    expect(spaced.map((e) => e.rejectionCount)).toEqual([1, 1, 1]);
  });

  it('pending while the follow window is open or price hovers near the level', () => {
    const crossing = watchLevels({ bars: barsOf([88_500, 89_200, 89_700, 90_300, 90_600]), intervalMs: H, levels: [90_000] });
    expect(crossing).toMatchObject([{ verdict: 'pending', crossTs: 3 * H, paceAfterPct: null }]);
    const hovering = watchLevels({ bars: barsOf([87_000, 89_300, 89_400, 89_350]), intervalMs: H, levels: [90_000] });
    expect(hovering).toMatchObject([{ verdict: 'pending', crossTs: null }]);
  });

  it('several levels in time order; a level price starts at is not an approach until price left it', () => {
    const closes = [84_900, 85_300, 86_200, 87_500, 88_700, 89_600, 90_400, 91_800, 93_000, 94_200, 95_300, 96_500, 97_800, 99_000];
    const events = watchLevels({ bars: barsOf(closes), intervalMs: H, levels: [95_000, 85_000, 90_000] });
    expect(events.map((e) => e.level)).toEqual([90_000, 95_000]);
    expect(events.every((e) => e.direction === 'up' && e.crossTs !== null)).toBe(true);
  });

  it('refuses options and levels that make no sense', () => {
    const bars = barsOf([1, 2]);
    expect(() => watchLevels({ bars, intervalMs: H, levels: [0] })).toThrow(/is not a price/);
    expect(() => watchLevels({ bars, intervalMs: H, levels: [1] }, { nearFraction: 0 })).toThrow(/approach distance/);
    expect(() => watchLevels({ bars, intervalMs: H, levels: [1] }, { followBars: 1.5 })).toThrow(/whole number/);
  });
});

describe('level watch, one line per event', () => {
  it('says the verdict, the pace and which rejection it is', async () => {
    const { describeLevelEvent } = await import('../../src/analysis/level-watch.js');
    const swing = [87_000, 88_500, 89_400, 88_400, 87_000];
    const events = watchLevels({ bars: barsOf([...swing, ...swing, ...swing]), intervalMs: H, levels: [90_000] });
    expect(describeLevelEvent(events[2]!)).toBe('90,000 ↑ approached 1970-01-01 12:00 UTC, turned back 0.67% short of it → rejected · third rejection at 90,000 in 5 days');
    const crossed = watchLevels({ bars: barsOf([88_500, 88_700, 88_900, 89_100, 89_300, 89_500, 89_800, 90_200, 91_100, 92_000, 92_900, 93_800]), intervalMs: H, levels: [90_000] });
    expect(describeLevelEvent(crossed[0]!)).toMatch(/^90,000 ↑ crossed 1970-01-01 07:00 UTC · pace 0\.\d\d%\/bar before, \+\d\.\d\d%\/bar after → accelerated$/);
  });

  it('counts rejections from above and from below apart', () => {
    // Turned back from below; crossed up; turned back from above; crossed down; turned back from below again.
    const closes = [87_000, 89_400, 87_000, 93_000, 94_000, 90_500, 93_500, 94_000, 86_000, 85_000, 89_400, 87_000];
    const events = watchLevels({ bars: barsOf(closes), intervalMs: H, levels: [90_000] });
    expect(events.filter((e) => e.verdict === 'rejected').map((e) => [e.direction, e.rejectionCount])).toEqual([
      ['up', 1],
      ['down', 1],
      ['up', 2],
    ]);
  });
});
