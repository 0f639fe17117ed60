import { writeFile } from 'node:fs/promises';
import { formatBacktestCsv, runBacktest, type BacktestResult, type SideScores } from '../analysis/backtest.js';
import { formatUsd } from '../analysis/format.js';
import { formatUtcMinute } from '../analysis/utc-time.js';
import { parseTime, parseVenues } from '../maps/map-query.js';
import { UserError } from '../errors.js';
import { msToInterval } from '../market/intervals.js';
import { parseArgs, stringOption, UsageError } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { describeTiers, modelOptions, modelParamsFromArgs } from './model-options.js';
import { asUserErrors, loadInput, loadRealized, parseIntervalOption } from './recorded-input.js';
import { defaultCalibration, readCalibrationFile } from '../maps/calibration-file.js';
import { formatCalibrationScore } from './calibrate.js';

const USAGE = [
  'usage: liqmap backtest [symbol] [--source sample|<file|dir>] [--realized <file>] [--out <csv>] [--plot <png>] [--reliability <png>]',
  '         [--calibration <file>|none]',
  '         [--interval 15m] [--from <ISO time>] [--to <ISO time>] [--venues binance,...]',
  '         [--leverage 5:15,10:30,...] [--leverage-spread <x>] [--churn <%/h>] [--seed oi|empty] [--seed-spread <%>]',
  '         [--entry-points <n>] [--entry-spread <%>] [--side taker|candle|neutral]',
].join('\n');

const options = {
  source: { type: 'string', description: 'sample, a recording directory or a bars CSV file (default sample)' },
  realized: { type: 'string', description: 'realized liquidations in the bars format (realized_long_usd, realized_short_usd)' },
  out: { type: 'string', description: 'write the per-interval CSV here' },
  plot: { type: 'string', description: 'draw predicted against realized over time into this PNG' },
  reliability: { type: 'string', description: 'draw calibrated against realized by decile of prediction into this PNG' },
  calibration: { type: 'string', description: 'calibration file for the calibrated columns and scores (default: the shipped one; none: without)' },
  interval: { type: 'string', description: 'resample the bars to this interval first (e.g. 15m)' },
  from: { type: 'string', description: 'score intervals from this time (ISO 8601)' },
  to: { type: 'string', description: 'score intervals before this time (ISO 8601)' },
  venues: { type: 'string', description: 'venues to sum, e.g. binance,bybit (default: all the source holds)' },
  ...modelOptions,
} as const;

const fixed = (v: number | null) => (v === null ? '  n/a' : v.toFixed(3));
const pct = (v: number | null) => (v === null ? '  n/a' : `${(100 * v).toFixed(1)}%`);

function scoreLine(label: string, s: { long: SideScores; short: SideScores }): string {
  return `${label.padEnd(16)}${fixed(s.long.spearman).padStart(8)}${fixed(s.short.spearman).padStart(8)}${pct(s.long.topShare).padStart(10)}${pct(s.short.topShare).padStart(9)}`;
}

/** Measures on which the model beats the baseline; a tie or a missing score is not a win. */
export function wins(result: BacktestResult): { won: number; of: number } {
  const s = result.scores;
  if (!s) return { won: 0, of: 0 };
  let won = 0;
  for (const side of ['long', 'short'] as const) {
    for (const m of ['spearman', 'topShare'] as const) {
      const a = s.model[side][m];
      const b = s.naive[side][m];
      if (a !== null && b !== null && a > b) won++;
    }
  }
  return { won, of: 4 };
}

/** The printed report: what was compared, the two predictors side by side, and the parameters. */
export function formatReport(symbol: string, venues: string[], result: BacktestResult): string[] {
  const { scores, params } = result;
  const lines: string[] = [];
  const rows = result.rows;
  const to = rows[rows.length - 1]!.ts + result.intervalMs;
  lines.push(`liqmap backtest · ${symbol} · ${venues.join('+')} ${msToInterval(result.barIntervalMs)} bars → ${msToInterval(result.intervalMs)} intervals`);
  lines.push(`parameters: leverage ${describeTiers(params)} · churn ${+(params.churnPerHour * 100).toFixed(4)}%/h · seed ${params.seed}${params.seed === 'oi' ? ` ±${+(params.seedSpread * 100).toFixed(4)}%` : ''} · entry points ${params.entryPoints} ±${+(params.entrySpread * 100).toFixed(4)}% · leverage spread ${params.leverageSpread === 1 ? 'off' : `×${params.leverageSpread} in ${params.leverageSpreadPoints}`} · side ${params.sideAttribution}`);
  if (!scores) {
    lines.push(`${rows.length} intervals ${formatUtcMinute(rows[0]!.ts)} → ${formatUtcMinute(to)}; no realized liquidations in the input, so nothing is scored (give --realized <file>)`);
    return lines;
  }
  const scored = rows.filter((r) => r.realizedLongUsd !== null && r.realizedShortUsd !== null);
  lines.push(`scored: ${scores.intervals} intervals, ${formatUtcMinute(scored[0]!.ts)} → ${formatUtcMinute(scored[scored.length - 1]!.ts + result.intervalMs)}`);
  lines.push(`realized: longs ${formatUsd(scores.realizedLongUsd)}, shorts ${formatUsd(scores.realizedShortUsd)} · predicted by the model: longs ${formatUsd(scores.predLongUsd)}, shorts ${formatUsd(scores.predShortUsd)}`);
  lines.push('');
  const top = `top-${+(scores.topFraction * 100).toFixed(1)}% share`;
  const centre = (text: string, width: number) => text.padStart(Math.floor((width + text.length) / 2)).padEnd(width);
  lines.push(`${''.padEnd(16)}${centre('Spearman', 17)}${centre(top, 19)}`.trimEnd());
  lines.push(`${''.padEnd(16)}${'long'.padStart(8)}${'short'.padStart(8)}${'long'.padStart(10)}${'short'.padStart(9)}`);
  lines.push(scoreLine('model', scores.model));
  lines.push(scoreLine('naive baseline', scores.naive));
  const w = wins(result);
  lines.push('');
  lines.push(w.won === w.of ? `the model beats the naive baseline on all ${w.of} measures` : `the model beats the naive baseline on ${w.won} of ${w.of} measures`);
  const cal = result.calibration;
  if (cal) {
    lines.push('');
    if ('unavailable' in cal) lines.push(`calibration ${cal.id}: not applied (${cal.unavailable})`);
    else {
      lines.push(`calibration ${cal.id}: realized ÷ calibrated, intervals the model left empty first, then deciles of prediction (1 = right on)`);
      lines.push(...formatCalibrationScore('scored', cal.score));
    }
  }
  return lines;
}

export const backtestCommand: CliCommand = {
  usage: USAGE,
  async run(argv: string[], io: CliIo) {
    const args = parseArgs(argv, options, USAGE);
    if (args.positionals.length > 1) throw new UsageError(`unexpected argument "${args.positionals[1]}"\n${USAGE}`);
    const source = stringOption(args, 'source') ?? 'sample';
    const venuesText = stringOption(args, 'venues');
    const input = await loadInput(source, args.positionals[0], venuesText !== undefined ? parseVenues(venuesText) : undefined);
    const realizedPath = stringOption(args, 'realized');
    const realized = realizedPath !== undefined ? await loadRealized(realizedPath) : undefined;
    const interval = stringOption(args, 'interval');
    const from = stringOption(args, 'from');
    const to = stringOption(args, 'to');
    const params = modelParamsFromArgs(args.options);
    const calibrationPath = stringOption(args, 'calibration');
    const calibration = calibrationPath === 'none' ? undefined : calibrationPath !== undefined ? readCalibrationFile(calibrationPath) : defaultCalibration();
    const result = asUserErrors(() =>
      runBacktest({
        venues: input.venues,
        params,
        realized,
        intervalMs: interval !== undefined ? parseIntervalOption(interval) : undefined,
        from: from !== undefined ? parseTime(from) : undefined,
        to: to !== undefined ? parseTime(to) : undefined,
        calibration,
      }),
    );
    for (const line of formatReport(input.symbol, input.venues.map((v) => v.series.venue), result)) io.out(line);
    for (const note of result.notes) io.err(`note: ${note}`);
    const out = stringOption(args, 'out');
    if (out !== undefined) {
      await writeFile(out, formatBacktestCsv(result.rows));
      io.err(`wrote ${result.rows.length} intervals to ${out}`);
    }
    const plot = stringOption(args, 'plot');
    if (plot !== undefined) {
      if (!result.scores) throw new UserError('--plot needs realized liquidations to draw against (give --realized <file>)');
      // Loaded only when asked: canvas is a native module the rest of the command does not need.
      const { drawBacktestPlot } = await import('./backtest-plot.js');
      await writeFile(plot, await drawBacktestPlot(input.symbol, result));
      io.err(`wrote ${plot}`);
    }
    const reliability = stringOption(args, 'reliability');
    if (reliability !== undefined) {
      const cal = result.calibration;
      if (!cal || 'unavailable' in cal) throw new UserError(`--reliability needs realized liquidations and a calibration that holds${cal && 'unavailable' in cal ? ` (${cal.unavailable})` : ''}`);
      const { drawReliabilityPlot } = await import('./backtest-plot.js');
      await writeFile(reliability, await drawReliabilityPlot(input.symbol, cal.id, cal.score));
      io.err(`wrote ${reliability}`);
    }
    return 0;
  },
};
