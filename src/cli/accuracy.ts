// `liqmap accuracy --source <recording>`: the report the bot keeps while it serves (issue 14, part 3),
// computed from a directory `liqmap record` wrote: its bars, its liquidation events and the marks of when
// each venue's stream listened.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  ACCURACY_BAR_MS,
  formatAccuracyReport,
  listened,
  predictBars,
  realizedByBar,
  scoreAccuracy,
  SCORE_INTERVAL_MS,
  type AccuracyBar,
  type ListeningSpan,
} from '../analysis/accuracy.js';
import { formatUtcMinute } from '../analysis/utc-time.js';
import { UserError } from '../errors.js';
import { defaultCalibration, readCalibrationFile } from '../maps/calibration-file.js';
import { parseTime, parseVenues } from '../maps/map-query.js';
import type { LiquidationEvent } from '../market/liquidation-events.js';
import { listeningSpans, parseLiquidationEvents, parseListeningMarks, RecordingFormatError } from '../market/recorder.js';
import { parseArgs, stringOption, UsageError } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { asUserErrors, loadInput } from './recorded-input.js';

const USAGE = 'usage: liqmap accuracy [symbol] --source <recording dir> [--venues binance,bybit,okx] [--calibration <file>|none] [--at <ISO time>] [--json]';

const options = {
  source: { type: 'string', description: 'a directory liqmap record wrote (bars, liquidations-<SYMBOL>.ndjson, listening-<SYMBOL>.ndjson)' },
  venues: { type: 'string', description: 'venues to score (default: every venue the recording holds)' },
  calibration: { type: 'string', description: 'calibration for realized ÷ calibrated (default: the shipped one; none: without)' },
  at: { type: 'string', description: 'end the 1-, 7- and 30-day spans here (ISO 8601; default: the last half-hour recorded)' },
  json: { type: 'flag', description: 'print the report as JSON' },
} as const;

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The recording's events and when each venue listened; without marks, the span of the events, said so. */
export async function loadListening(dir: string, symbol: string): Promise<{ events: LiquidationEvent[]; spans: Map<string, ListeningSpan[]>; notes: string[] }> {
  const eventsPath = join(dir, `liquidations-${symbol}.ndjson`);
  const eventsText = await readOptional(eventsPath);
  if (eventsText === undefined) {
    throw new UserError(`${eventsPath}: no such file: the recording holds no liquidation events`, `Record them with: liqmap record ${symbol} --out ${dir} (without --no-stream).`);
  }
  const marksPath = join(dir, `listening-${symbol}.ndjson`);
  const marksText = await readOptional(marksPath);
  try {
    const events = parseLiquidationEvents(eventsText, eventsPath).filter((e) => e.symbol === symbol);
    if (marksText !== undefined) return { events, spans: listeningSpans(parseListeningMarks(marksText, marksPath)), notes: [] };
    // A recording made before the marks existed: only the span of its events is known to have been heard.
    if (events.length === 0) throw new UserError(`${eventsPath} holds no event and ${marksPath} is missing: when the streams listened is unknown, so nothing can be scored`);
    const from = Math.min(...events.map((e) => e.ts));
    const to = Math.max(...events.map((e) => e.ts));
    const venues = [...new Set(events.map((e) => e.venue))];
    return {
      events,
      spans: new Map(venues.map((v) => [v, [{ from, to }]])),
      notes: [`${marksPath} is missing (recorded by an older liqmap): the streams are taken to have listened from the first event to the last (${formatUtcMinute(from)} → ${formatUtcMinute(to)}), with no gap`],
    };
  } catch (err) {
    if (err instanceof RecordingFormatError) throw new UserError(err.message);
    throw err;
  }
}

export const accuracyCommand: CliCommand = {
  usage: USAGE,
  async run(argv: string[], io: CliIo) {
    const args = parseArgs(argv, options, USAGE);
    if (args.positionals.length > 1) throw new UsageError(`unexpected argument "${args.positionals[1]}"\n${USAGE}`);
    const source = stringOption(args, 'source');
    if (source === undefined) throw new UsageError(`--source <recording dir> is needed: a directory liqmap record wrote\n${USAGE}`);
    if (source === 'sample') throw new UserError('the bundled sample holds bars only, no liquidation events to score against', 'Record some with: liqmap record btc --out rec/, then liqmap accuracy --source rec/.');
    const venuesText = stringOption(args, 'venues');
    const input = await loadInput(source, args.positionals[0], venuesText !== undefined ? parseVenues(venuesText) : undefined);
    const { events, spans, notes } = await loadListening(resolve(source), input.symbol);
    const calibrationPath = stringOption(args, 'calibration');
    const calibration = calibrationPath === 'none' ? undefined : calibrationPath !== undefined ? readCalibrationFile(calibrationPath) : defaultCalibration();

    const listenedTo = Math.max(...[...spans.values()].flat().map((s) => s.to), -Infinity);
    const barsEnd = Math.max(...input.venues.map((v) => v.series.bars[v.series.bars.length - 1]!.ts + v.series.intervalMs));
    const at = stringOption(args, 'at');
    const through = at !== undefined ? parseTime(at) : Math.floor(Math.min(barsEnd, listenedTo) / SCORE_INTERVAL_MS) * SCORE_INTERVAL_MS;
    if (!Number.isFinite(through)) throw new UserError('no venue of the recording has a listening span: nothing can be scored');

    const venues = input.venues.map(({ series, spec }) => {
      const mine = spans.get(series.venue) ?? [];
      if (mine.length === 0) notes.push(`${series.venue}: its stream never listened in this recording; left out`);
      const realized = realizedByBar(events.filter((e) => e.venue === series.venue), ACCURACY_BAR_MS);
      const wanted = (ts: number) => ts + ACCURACY_BAR_MS <= through && listened(mine, ts, ACCURACY_BAR_MS);
      const bars: AccuracyBar[] = asUserErrors(() => predictBars(series, spec, wanted)).map((p) => {
        const r = realized.get(p.ts);
        return { ...p, realizedLongUsd: r?.long ?? 0, realizedShortUsd: r?.short ?? 0 };
      });
      return { venue: series.venue, bars };
    });
    const report = scoreAccuracy({ symbol: input.symbol, venues: venues.filter((v) => v.bars.length > 0), through, ...(calibration ? { calibration } : {}) });
    if (args.options.json === true) io.out(JSON.stringify(report, null, 2));
    else {
      const { title, lines } = formatAccuracyReport(report);
      io.out(`liqmap accuracy · ${title}`);
      for (const line of lines) io.out(line);
    }
    for (const note of notes) io.err(`note: ${note}`);
    return 0;
  },
};
