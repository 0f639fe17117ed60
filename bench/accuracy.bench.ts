// What the map that scores itself costs the bot: predicting one closed 15-minute bar of one venue (the
// recorder does this per venue after each bar: one backtest run over the 7d window that closes with it),
// the bars a recorder catches up after a restart (a day of one venue), and scoring 30 days of three
// venues per half-hour (a /liqmap accuracy after the half-hour's cache is cold; the daily score).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCURACY_BAR_MS, predictBars, scoreAccuracy, type AccuracyBar } from '../src/analysis/accuracy.js';
import { DEFAULT_VENUE_SPEC } from '../src/analysis/params.js';
import type { BarSeries } from '../src/analysis/types.js';
import { parseBarsCsv } from '../src/market/bars-csv.js';
import { SAMPLE_DIR } from '../src/paths.js';
import { medianTime } from './stats.js';

const sample: BarSeries = {
  venue: 'binance',
  symbol: 'BTCUSDT',
  intervalMs: 300_000,
  bars: parseBarsCsv(readFileSync(join(SAMPLE_DIR, 'binance-BTCUSDT-5m.csv'), 'utf8')).bars,
};

// The recorder's input: 7 days and a bit of 15-minute bars, like the 7d window's fetch.
const end = sample.bars[sample.bars.length - 1]!.ts + sample.intervalMs;
const week: BarSeries = { ...sample, bars: sample.bars.filter((b) => b.ts >= end - 8 * 86_400_000) };
const lastBar = Math.floor(end / ACCURACY_BAR_MS) * ACCURACY_BAR_MS - ACCURACY_BAR_MS;
const oneMs = medianTime(() => predictBars(week, DEFAULT_VENUE_SPEC, (ts) => ts === lastBar), 9);
const dayMs = medianTime(() => predictBars(week, DEFAULT_VENUE_SPEC, (ts) => ts >= lastBar - 86_400_000 + ACCURACY_BAR_MS), 3);

// Thirty days of three venues, 2,880 bars each.
const from = end - 30 * 86_400_000;
const bars: AccuracyBar[] = [];
for (let ts = Math.ceil(from / ACCURACY_BAR_MS) * ACCURACY_BAR_MS, i = 0; ts < end; ts += ACCURACY_BAR_MS, i++) {
  const pred = 1e6 * (1 + Math.sin(i * 1.7));
  bars.push({ ts, predLongUsd: pred, predShortUsd: pred / 2, naiveLongUsd: 1e6, naiveShortUsd: 1e6, oiUsd: 5e9, realizedLongUsd: pred / 10, realizedShortUsd: pred / 20 });
}
const venues = ['binance', 'bybit', 'okx'].map((venue) => ({ venue, bars }));
const scoreMs = medianTime(() => scoreAccuracy({ symbol: 'BTCUSDT', venues, through: Math.floor(end / 1_800_000) * 1_800_000 }), 9);

console.log('median of the runs after 2 warm-ups');
console.log(`predict one closed 15m bar of one venue (7d window, ${week.bars.length} 5m bars in): ${oneMs.toFixed(1)} ms`);
console.log(`predict a day of one venue's bars (96, a catch-up after a restart): ${dayMs.toFixed(0)} ms`);
console.log(`score 30 days of 3 venues (${bars.length} bars each) over 1, 7 and 30 days: ${scoreMs.toFixed(1)} ms`);
