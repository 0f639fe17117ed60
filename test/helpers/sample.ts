import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBarsCsv } from '../../src/market/bars-csv.js';
import { SAMPLE_DIR } from '../../src/paths.js';
import type { BarSeries } from '../../src/analysis/types.js';

let cached: BarSeries | undefined;

/** The bundled real sample: Binance BTCUSDT perpetual, 5-minute bars (assets/sample/SOURCE.md). */
export function sampleSeries(): BarSeries {
  cached ??= {
    venue: 'binance',
    symbol: 'BTCUSDT',
    intervalMs: 300_000,
    bars: parseBarsCsv(readFileSync(join(SAMPLE_DIR, 'binance-BTCUSDT-5m.csv'), 'utf8'), 'sample').bars,
  };
  return cached;
}
