// Bars from interchange CSV files on disk: the bundled sample, a recording directory, or one file.
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { SAMPLE_DIR } from '../paths.js';
import type { Bar, BarSeries } from '../analysis/types.js';
import { parseBarsCsv } from './bars-csv.js';
import { canonicalSymbol, closestSymbols } from './symbols.js';
import { intervalToMs } from './intervals.js';

/** A request the data cannot answer; the message is written for the person who asked. */
export class DataNotFoundError extends Error {
  override name = 'DataNotFoundError';
}

/** `<venue>-<SYMBOL>-<interval>.csv`, e.g. binance-BTCUSDT-5m.csv. */
const FILE_NAME = /^([a-z0-9]+)-([A-Za-z0-9]+)-(\d+[mhd])\.csv$/;

export interface RecordedFile {
  path: string;
  venue: string;
  symbol: string;
  intervalMs: number;
}

export function describeFile(path: string): RecordedFile | undefined {
  const m = FILE_NAME.exec(basename(path));
  if (!m) return undefined;
  return { path, venue: m[1]!, symbol: canonicalSymbol(m[2]!), intervalMs: intervalToMs(m[3]!) };
}

/** Resolves `sample`, a directory or a file to the recorded files it holds. */
export async function listRecorded(source: string): Promise<RecordedFile[]> {
  const path = source === 'sample' ? SAMPLE_DIR : resolve(source);
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new DataNotFoundError(`source ${source}: no such file or directory`);
  }
  if (info.isFile()) {
    const d = describeFile(path);
    if (!d) throw new DataNotFoundError(`source ${source}: file names must look like binance-BTCUSDT-5m.csv (venue-symbol-interval)`);
    return [d];
  }
  const files = (await readdir(path)).sort().map((f) => describeFile(join(path, f))).filter((f): f is RecordedFile => f !== undefined);
  if (files.length === 0) throw new DataNotFoundError(`source ${source}: no bar files (venue-SYMBOL-interval.csv) in it`);
  return files;
}

export interface LoadedSeries {
  series: BarSeries[];
  /** Venues asked for that the source does not hold for this symbol. */
  missingVenues: string[];
}

/**
 * Loads every venue's bars of one symbol, at the finest interval recorded for each venue.
 * An unknown symbol lists what the source holds.
 */
/** Reads and parses one bars file. */
export type BarsFileReader = (path: string) => Promise<Bar[]>;

export const readBarsFile: BarsFileReader = async (path) => parseBarsCsv(await readFile(path, 'utf8'), path).bars;

/**
 * A reader that parses a file again only when it changed (size or modification time): a recording that
 * grows is re-read, the bundled sample is parsed once per process.
 */
export function cachedBarsReader(): BarsFileReader {
  const parsed = new Map<string, { size: number; mtimeMs: number; bars: Promise<Bar[]> }>();
  return async (path) => {
    const { size, mtimeMs } = await stat(path);
    const hit = parsed.get(path);
    if (hit && hit.size === size && hit.mtimeMs === mtimeMs) return hit.bars;
    const bars = readBarsFile(path);
    parsed.set(path, { size, mtimeMs, bars });
    bars.catch(() => parsed.delete(path));
    return bars;
  };
}

export async function loadRecorded(source: string, symbolInput: string, venues?: string[], read: BarsFileReader = readBarsFile): Promise<LoadedSeries> {
  const files = await listRecorded(source);
  const symbol = canonicalSymbol(symbolInput);
  const mine = files.filter((f) => f.symbol === symbol);
  if (mine.length === 0) {
    const known = [...new Set(files.map((f) => f.symbol))];
    const hint = closestSymbols(symbolInput, known, 3);
    throw new DataNotFoundError(`${symbolInput}: not in source ${source}. It holds ${known.join(', ')}${hint.length ? ` (closest: ${hint.join(', ')})` : ''}`);
  }
  const wanted = venues && venues.length > 0 ? venues : [...new Set(mine.map((f) => f.venue))];
  const series: BarSeries[] = [];
  const missingVenues: string[] = [];
  for (const venue of wanted) {
    const candidates = mine.filter((f) => f.venue === venue).sort((a, b) => a.intervalMs - b.intervalMs);
    const file = candidates[0];
    if (!file) {
      missingVenues.push(venue);
      continue;
    }
    series.push({ venue, symbol, intervalMs: file.intervalMs, bars: await read(file.path) });
  }
  if (series.length === 0) {
    const have = [...new Set(mine.map((f) => f.venue))].join(', ');
    throw new DataNotFoundError(`${symbol}: source ${source} has no data from ${wanted.join(', ')} (it has ${have})`);
  }
  return { series, missingVenues };
}
