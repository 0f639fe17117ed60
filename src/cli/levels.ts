import { DEFAULT_LEVEL_WATCH, describeLevelEvent, watchLevels } from '../analysis/level-watch.js';
import { resample } from '../analysis/resample.js';
import { formatUtcMinute } from '../analysis/utc-time.js';
import { showInput, UserError } from '../errors.js';
import { parseTime } from '../maps/map-query.js';
import { msToInterval } from '../market/intervals.js';
import { parseArgs, stringOption, UsageError } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { asUserErrors, loadInput, loadRealized, parseIntervalOption } from './recorded-input.js';

const USAGE =
  'usage: liqmap levels <symbol> <level,level,…> [--source sample|<file|dir>] [--venue binance] [--interval 15m] [--near 1%] [--bars 4] [--realized <file>] [--since <ISO time>] [--at <ISO time>]';

const options = {
  source: { type: 'string', description: 'sample, a recording directory or a bars CSV file (default sample)' },
  venue: { type: 'string', description: 'the venue whose price is watched (default: the first the source holds)' },
  interval: { type: 'string', description: 'bar interval (default 15m)' },
  near: { type: 'string', description: `within this % of a level price is approaching it (default ${100 * DEFAULT_LEVEL_WATCH.nearFraction}%)` },
  bars: { type: 'string', description: `bars judged after a crossing, and before it for the pace (default ${DEFAULT_LEVEL_WATCH.followBars})` },
  realized: { type: 'string', description: 'realized liquidations in the bars format, to judge by as well' },
  since: { type: 'string', description: 'list approaches from this time on (ISO 8601)' },
  at: { type: 'string', description: 'use only bars closed by this time (ISO 8601)' },
} as const;

/** "85000,90000,95K" → prices. */
export function parseLevels(text: string): number[] {
  const levels = text
    .split(/[,\s]+/)
    .filter(Boolean)
    .map((word) => {
      const m = /^\$?([\d_]*\.?\d+)([k]?)$/i.exec(word.replace(/_/g, ''));
      const value = m ? Number(m[1]) * (m[2] ? 1000 : 1) : NaN;
      if (!(value > 0) || !Number.isFinite(value)) throw new UserError(`"${showInput(word)}" is not a price level`, 'Give levels such as 85000,90000,95000 or 85k,90k.');
      return value;
    });
  if (levels.length === 0) throw new UserError('Give at least one level, e.g. 85000,90000,95000');
  if (levels.length > 10) throw new UserError('At most 10 levels at once.');
  return levels;
}

function numberOption(name: string, text: string, min: number, max: number): number {
  const v = Number(text.trim().replace(/%$/, ''));
  if (text.trim() === '' || !Number.isFinite(v) || v < min || v > max) throw new UserError(`--${name} "${showInput(text)}" must be a number from ${min} to ${max}`);
  return v;
}

/** `liqmap levels btc 85000,90000,95000`: how price behaved at each approach of the named levels. */
export const levelsCommand: CliCommand = {
  usage: USAGE,
  async run(argv: string[], io: CliIo) {
    const args = parseArgs(argv, options, USAGE);
    const [symbol, levelText, extra] = args.positionals;
    if (!symbol || !levelText) throw new UsageError(`a symbol and levels are needed, e.g. liqmap levels btc 85000,90000\n${USAGE}`);
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"\n${USAGE}`);
    const levels = parseLevels(levelText);
    const venue = stringOption(args, 'venue');
    const input = await loadInput(stringOption(args, 'source') ?? 'sample', symbol, venue !== undefined ? [venue.toLowerCase()] : undefined);
    const { series } = input.venues[0]!;
    const intervalMs = parseIntervalOption(stringOption(args, 'interval') ?? '15m');
    const bars = asUserErrors(() => (intervalMs === series.intervalMs ? series : resample(series, intervalMs)));
    const at = stringOption(args, 'at');
    const since = stringOption(args, 'since');
    const atMs = at !== undefined ? parseTime(at) : undefined;
    const sinceMs = since !== undefined ? parseTime(since) : undefined;
    const closed = atMs !== undefined ? bars.bars.filter((b) => b.ts + bars.intervalMs <= atMs) : bars.bars;
    if (closed.length === 0) throw new UserError('no bars closed before the requested time');
    const realizedPath = stringOption(args, 'realized');
    const realized = realizedPath !== undefined ? (await loadRealized(realizedPath)).bars : undefined;
    const near = stringOption(args, 'near');
    const followBars = stringOption(args, 'bars');
    const opts = {
      ...(near !== undefined ? { nearFraction: numberOption('near', near, 0.05, 20) / 100 } : {}),
      ...(followBars !== undefined ? { followBars: numberOption('bars', followBars, 1, 96) } : {}),
    };
    const events = asUserErrors(() => watchLevels({ bars: closed, intervalMs: bars.intervalMs, levels, ...(realized ? { realized } : {}) }, opts)).filter(
      (e) => sinceMs === undefined || e.approachTs >= sinceMs,
    );
    io.out(
      `liqmap levels · ${input.symbol} · ${series.venue} ${msToInterval(bars.intervalMs)} bars ${formatUtcMinute(closed[0]!.ts)} → ${formatUtcMinute(closed[closed.length - 1]!.ts + bars.intervalMs)}`,
    );
    for (const e of events) io.out(describeLevelEvent(e));
    const count = (v: string) => events.filter((e) => e.verdict === v).length;
    io.out(
      events.length === 0
        ? 'price never came within reach of these levels: try others, or a wider --near'
        : `${events.length} approaches: ${count('accelerated')} accelerated, ${count('absorbed')} absorbed, ${count('rejected')} rejected${count('pending') ? `, ${count('pending')} pending` : ''} (a description of what happened, not advice)`,
    );
    return 0;
  },
};
