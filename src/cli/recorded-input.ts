// Loading recorded bars and a realized-liquidation file for `backtest` and `cascades`, with user errors.
import { readFile } from 'node:fs/promises';
import { ModelInputError } from '../analysis/build-map.js';
import type { Bar, BarSeries } from '../analysis/types.js';
import { UserError } from '../errors.js';
import { parseBarsCsv } from '../market/bars-csv.js';
import { intervalToMs } from '../market/intervals.js';
import { DataNotFoundError, describeFile, listRecorded, loadRecorded } from '../market/recorded-source.js';
import { venueSpecFor } from '../market/venue-specs.js';
import type { VenueSpec } from '../analysis/types.js';

export interface RecordedInput {
  symbol: string;
  venues: { series: BarSeries; spec: VenueSpec }[];
}

/** The source's bars of one symbol; without a symbol, the only one the source holds. */
export async function loadInput(source: string, symbol: string | undefined, venues?: string[]): Promise<RecordedInput> {
  try {
    let wanted = symbol;
    if (wanted === undefined) {
      const symbols = [...new Set((await listRecorded(source)).map((f) => f.symbol))];
      if (symbols.length !== 1) throw new UserError(`source ${source} holds ${symbols.join(', ')}: name the symbol, e.g. btc`);
      wanted = symbols[0]!;
    }
    const loaded = await loadRecorded(source, wanted, venues);
    return { symbol: loaded.series[0]!.symbol, venues: loaded.series.map((series) => ({ series, spec: venueSpecFor(series.venue, series.symbol) })) };
  } catch (err) {
    if (err instanceof DataNotFoundError) throw new UserError(err.message);
    throw err;
  }
}

/** The most common step between consecutive bars: the interval of a file whose name does not say it. */
function inferInterval(bars: Bar[]): number | undefined {
  const counts = new Map<number, number>();
  for (let i = 1; i < bars.length; i++) {
    const step = bars[i]!.ts - bars[i - 1]!.ts;
    counts.set(step, (counts.get(step) ?? 0) + 1);
  }
  let best: number | undefined;
  let bestCount = 0;
  for (const [step, count] of counts) if (count > bestCount || (count === bestCount && step < best!)) [best, bestCount] = [step, count];
  return best;
}

/** A realized-liquidation file in the bars interchange format (realized_long_usd, realized_short_usd). */
export async function loadRealized(path: string): Promise<{ intervalMs: number; bars: Bar[]; name: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UserError(`--realized ${path}: no such file`);
  }
  const parsed = parseBarsCsv(text, path);
  if (!parsed.columns.includes('realized_long_usd') || !parsed.columns.includes('realized_short_usd')) {
    throw new UserError(`--realized ${path}: needs the columns realized_long_usd and realized_short_usd`);
  }
  const named = describeFile(path);
  const intervalMs = named?.intervalMs ?? inferInterval(parsed.bars);
  if (intervalMs === undefined) throw new UserError(`--realized ${path}: one row is not enough to know its interval; name the file like realized-BTCUSDT-30m.csv`);
  return { intervalMs, bars: parsed.bars, name: path };
}

export function parseIntervalOption(text: string): number {
  try {
    return intervalToMs(text);
  } catch (err) {
    throw new UserError(err instanceof Error ? err.message : String(err));
  }
}

/** Runs a model step, turning data problems and bad parameters into messages for the person. */
export function asUserErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ModelInputError) throw new UserError(err.message);
    if (err instanceof RangeError) throw new UserError(err.message);
    throw err;
  }
}
