// trimToWindow hands the model fewer bars and changes nothing it draws: every window, now and at past times.
import { describe, expect, it } from 'vitest';
import { buildHeatmap, buildMap, trimToWindow, type ModelRequest } from '../../src/analysis/build-map.js';
import { WINDOWS } from '../../src/analysis/types.js';
import { venueSpecFor } from '../../src/market/venue-specs.js';
import { sampleSeries } from '../helpers/sample.js';

describe('trimToWindow', () => {
  const series = sampleSeries();
  const spec = venueSpecFor('binance', 'BTCUSDT');
  const request = (window: ModelRequest['window'], s: typeof series, at?: number): ModelRequest => ({ symbol: 'BTCUSDT', window, venues: [{ series: s, spec }], ...(at !== undefined ? { at } : {}) });

  for (const window of WINDOWS) {
    for (const at of [undefined, Date.parse('2026-06-08T12:07:00Z'), Date.parse('2026-06-15T00:00:00Z')]) {
      it(`${window} at ${at === undefined ? 'the end' : new Date(at).toISOString()}: the same map and heatmap from fewer bars`, () => {
        const trimmed = trimToWindow(series, window, at);
        expect(trimmed.bars.length).toBeLessThanOrEqual(series.bars.length);
        expect(buildMap(request(window, trimmed, at))).toEqual(buildMap(request(window, series, at)));
        if (window === '1d' || window === '7d') {
          const a = buildHeatmap(request(window, trimmed, at));
          const b = buildHeatmap(request(window, series, at));
          expect(Array.from(a.usd)).toEqual(Array.from(b.usd));
          expect({ ...a, usd: null }).toEqual({ ...b, usd: null });
        }
      });
    }
  }

  it('cuts a 28-day series to the window and a bar or two, and keeps one that holds only that as it is', () => {
    const day = trimToWindow(series, '1d');
    // 288 five-minute bars in a day, plus the bar or two before it.
    expect(day.bars.length).toBeGreaterThanOrEqual(288);
    expect(day.bars.length).toBeLessThanOrEqual(290);
    expect(trimToWindow(series, '7d').bars.length).toBeLessThanOrEqual(7 * 288 + 5); // up to one 15-minute interval and a partial one before
    expect(trimToWindow(day, '1d')).toBe(day);
    expect(trimToWindow(series, '1d', Date.parse('2020-01-01T00:00Z')).bars).toEqual([]);
  });
});
