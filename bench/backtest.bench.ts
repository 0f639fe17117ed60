// Backtest and cascade-watch cost on the development set: the bundled sample's 8,015 5-minute bars
// scored against 30-minute realized liquidations (test/fixtures/dev), and the cascade watch over the
// same bars at 15 minutes, as `liqmap backtest` and `liqmap cascades` run them; fitting a calibration on
// the backtest's rows (`liqmap calibrate`) and the forced flow of a map.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calibrationRows, runBacktest } from '../src/analysis/backtest.js';
import { buildMap } from '../src/analysis/build-map.js';
import { fitCalibration } from '../src/analysis/calibration.js';
import { forcedFlowOf } from '../src/analysis/forced-flow.js';
import { DEFAULT_CASCADE_OPTIONS, findCrossings } from '../src/analysis/cascades.js';
import { formatUsd } from '../src/analysis/format.js';
import { DEFAULT_VENUE_SPEC, defaultParams } from '../src/analysis/params.js';
import { defaultCalibration } from '../src/maps/calibration-file.js';
import { resample } from '../src/analysis/resample.js';
import type { BarSeries } from '../src/analysis/types.js';
import { parseBarsCsv } from '../src/market/bars-csv.js';
import { PROJECT_ROOT, SAMPLE_DIR } from '../src/paths.js';
import { medianTime } from './stats.js';

const sample: BarSeries = {
  venue: 'binance',
  symbol: 'BTCUSDT',
  intervalMs: 300_000,
  bars: parseBarsCsv(readFileSync(join(SAMPLE_DIR, 'binance-BTCUSDT-5m.csv'), 'utf8')).bars,
};
const realizedPath = join(PROJECT_ROOT, 'test', 'fixtures', 'dev', 'realized-BTCUSDT-30m.csv');
const realized = { intervalMs: 1_800_000, bars: parseBarsCsv(readFileSync(realizedPath, 'utf8')).bars };

const venues = [{ series: sample, spec: DEFAULT_VENUE_SPEC }];
const result = runBacktest({ venues, realized });
const backtestMs = medianTime(() => runBacktest({ venues, realized }), 9);
const quarter = resample(sample, 900_000);
const input = { bars: quarter.bars, intervalMs: quarter.intervalMs, spec: DEFAULT_VENUE_SPEC };
const crossings = findCrossings(input);
const cascadesMs = medianTime(() => findCrossings(input), 9);
console.log('median of 9 runs after 2 warm-ups');
console.log(`backtest: ${sample.bars.length} 5m bars → ${result.scores?.intervals} scored 30m intervals: ${backtestMs.toFixed(1)} ms`);
console.log(`cascades: ${quarter.bars.length} 15m bars, ${crossings.length} crossings of clusters ≥ ${formatUsd(DEFAULT_CASCADE_OPTIONS.minClusterUsd)}: ${cascadesMs.toFixed(1)} ms (a snapshot of the book per bar)`);

const rows = calibrationRows(result.rows);
const split = Date.parse('2026-06-01T16:00Z');
const fit = () =>
  fitCalibration({
    id: 'bench',
    symbols: ['BTCUSDT'],
    intervalMinutes: 30,
    params: defaultParams('7d'),
    venues: { realized: ['binance', 'bybit', 'okx'], modelled: ['binance'], modelledOiShare: 0.5, note: '' },
    tuning: { rows: rows.filter((r) => r.ts < split), from: '', to: '' },
    heldOut: { rows: rows.filter((r) => r.ts >= split), from: '', to: '' },
    origin: { command: '', bars: '', realized: '' },
  });
const fitMs = medianTime(fit, 9);
const map = buildMap({ symbol: 'BTCUSDT', window: '7d', venues });
const calibration = defaultCalibration();
const flowMs = medianTime(() => forcedFlowOf(map, calibration, [70_000, 58_000]), 9);
console.log(`calibrate: fit and score on ${rows.length} intervals: ${fitMs.toFixed(1)} ms`);
console.log(`forced flow of a 7d map (2 clusters, 2 levels): ${flowMs.toFixed(3)} ms`);
