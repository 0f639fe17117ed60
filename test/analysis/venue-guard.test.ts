import { describe, expect, it } from 'vitest';
import { guardVenues, type GuardedVenue } from '../../src/analysis/venue-guard.js';
import type { Bar } from '../../src/analysis/types.js';

const M15 = 900_000;

/** 48 bars of a venue: a gently moving price and open interest `oiUsd` (times `lastOi` on the newest bar). */
function venue(name: string, oiUsd: number, options: { lastOi?: number; lastClose?: number } = {}): GuardedVenue {
  const bars: Bar[] = Array.from({ length: 48 }, (_, i) => {
    const close = 60_000 * (1 + 0.001 * Math.sin(i / 3));
    return { ts: i * M15, open: close, high: close * 1.001, low: close * 0.999, close, oiUsd: oiUsd * (1 + 0.02 * Math.cos(i / 5)) };
  });
  const last = bars[bars.length - 1]!;
  if (options.lastOi !== undefined) last.oiUsd = last.oiUsd! * options.lastOi;
  if (options.lastClose !== undefined) last.close = options.lastClose;
  return { venue: name, bars };
}

describe('venue guard', () => {
  it('keeps venues that agree', () => {
    expect(guardVenues([venue('binance', 8e9), venue('bybit', 5e9), venue('okx', 3e9)])).toEqual([]);
  });

  it('leaves out a venue whose open interest jumped beyond 3× its usual size against the others', () => {
    expect(guardVenues([venue('binance', 8e9), venue('bybit', 5e9, { lastOi: 2 }), venue('okx', 3e9)])).toEqual([]);
    expect(guardVenues([venue('binance', 8e9), venue('bybit', 5e9, { lastOi: 4 }), venue('okx', 3e9)])).toEqual([
      { venue: 'bybit', reason: expect.stringMatching(/^left out: its open interest \$19\.\dB is 4\.\d× its usual size against the other venues \(\d+% of theirs now, \d+% over the window\), likely a data error at the venue$/) as string },
    ]);
  });

  it('names only the venue at fault when a large error drags the others down too', () => {
    // Binance ×10: against it, Bybit and OKX look small as well; the worst goes first, then there are two left.
    const verdicts = guardVenues([venue('binance', 8e9, { lastOi: 10 }), venue('bybit', 5e9), venue('okx', 3e9), venue('bitget', 2e9)]);
    expect(verdicts.map((v) => v.venue)).toEqual(['binance']);
  });

  it('leaves out a venue whose open interest collapsed below a third', () => {
    const verdicts = guardVenues([venue('binance', 8e9), venue('bybit', 5e9), venue('okx', 3e9, { lastOi: 0.2 })]);
    expect(verdicts).toEqual([{ venue: 'okx', reason: expect.stringMatching(/is 1\/5\.0 of its usual size/) as string }]);
  });

  it('leaves out a price more than 2% from the median of the venues, and keeps the median venue', () => {
    expect(guardVenues([venue('binance', 8e9), venue('bybit', 5e9, { lastClose: 61_000 }), venue('okx', 3e9)])).toEqual([]);
    expect(guardVenues([venue('binance', 8e9), venue('bybit', 5e9, { lastClose: 62_000 }), venue('okx', 3e9)])).toEqual([
      { venue: 'bybit', reason: expect.stringMatching(/^left out: its price 62,000 is 3\.\d% above the venues' median 60,0\d\d$/) as string },
    ]);
    const split = guardVenues([venue('binance', 8e9, { lastClose: 58_000 }), venue('bybit', 5e9, { lastClose: 62_000 }), venue('okx', 3e9)]);
    expect(split.map((v) => v.venue)).toEqual(['binance', 'bybit']);
  });

  it('judges nothing it cannot: two venues, or too little common history', () => {
    expect(guardVenues([venue('binance', 8e9, { lastClose: 70_000, lastOi: 10 }), venue('bybit', 5e9)])).toEqual([]);
    const short = [venue('binance', 8e9), venue('bybit', 5e9, { lastOi: 10 }), venue('okx', 3e9)].map((v) => ({ ...v, bars: v.bars.slice(-5) }));
    expect(guardVenues(short)).toEqual([]);
  });
});
