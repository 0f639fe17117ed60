// `liqmap calibrate`: fit what the model's swept USD means in realized liquidations on the intervals
// before --to, score it on those and on the ones after, and write the calibration file.
import { calibrationRows, runBacktest } from '../analysis/backtest.js';
import { CalibrationError, fitCalibration, type Calibration, type CalibrationScore, type SideCalibration, type SideScore } from '../analysis/calibration.js';
import { baseAsset, formatUsd, venueName } from '../analysis/format.js';
import { formatUtcIso, formatUtcMinute } from '../analysis/utc-time.js';
import { UserError } from '../errors.js';
import { writeCalibrationFile } from '../maps/calibration-file.js';
import { parseTime, parseVenues } from '../maps/map-query.js';
import { msToInterval } from '../market/intervals.js';
import { parseArgs, stringOption, UsageError } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { modelOptions, modelParamsFromArgs } from './model-options.js';
import { asUserErrors, loadInput, loadRealized } from './recorded-input.js';

const USAGE = [
  'usage: liqmap calibrate [symbol] --realized <file> --to <ISO time> [--from <ISO time>] [--source sample|<file|dir>] [--venues binance]',
  '         [--oi-share <%>] [--realized-venues binance,bybit,okx] [--id <name>] [--out <file.json>] [model options as in backtest]',
].join('\n');

const options = {
  source: { type: 'string', description: 'sample, a recording directory or a bars CSV file (default sample)' },
  realized: { type: 'string', description: 'realized liquidations in the bars format (realized_long_usd, realized_short_usd)' },
  from: { type: 'string', description: 'fit on intervals from this time (default: the first)' },
  to: { type: 'string', description: 'fit on intervals before this time; the ones after are held out and scored' },
  venues: { type: 'string', description: 'venues whose bars the model runs on (default: all the source holds)' },
  'oi-share': { type: 'string', description: 'share of the realized venues\' open interest the modelled venues hold, in % (default 50)' },
  'realized-venues': { type: 'string', description: 'venues the realized file sums (default binance,bybit,okx)' },
  id: { type: 'string', description: 'the calibration\'s name (default <coin>-<date of --to>)' },
  out: { type: 'string', description: 'write the calibration here (JSON)' },
  ...modelOptions,
} as const;

const DEFAULT_OI_SHARE = 0.5;

/** The arguments without --out: where a copy is written does not change what is in it. */
function withoutOut(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') i++;
    else if (!argv[i]!.startsWith('--out=')) out.push(argv[i]!);
  }
  return out;
}

const ratioText = (r: number | null) => (r === null ? 'n/a' : r === 0 ? '0' : r.toFixed(2));

function sideLine(label: string, s: SideScore): string {
  const groups = s.groups.map((g) => ratioText(g.ratio)).join(' ');
  const worst = s.worstFactor === null ? 'n/a' : Number.isFinite(s.worstFactor) ? `×${s.worstFactor.toFixed(2)}` : '∞';
  return `  ${label.padEnd(6)} ${groups} · overall ${ratioText(s.ratio)} · worst ${worst} · in band ${(100 * s.coverage).toFixed(0)}%`;
}

/** Realized ÷ calibrated per group of prediction and the band's coverage, one line per side. */
export function formatCalibrationScore(title: string, score: CalibrationScore): string[] {
  return [`${title}: ${score.intervals} intervals ${score.from} → ${score.to}`, sideLine('long', score.long), sideLine('short', score.short)];
}

function fitLine(label: string, s: SideCalibration): string {
  const pct = (v: number) => `${+(v * 100).toPrecision(3)}%`;
  return (
    `  ${label.padEnd(6)} ${pct(s.power.a)} × (modelled share of OI)^${s.power.b.toFixed(3)}, at least ${pct(s.floor)} of OI; ` +
    `from ${pct(s.topFrom)} of OI (top decile) at least ${pct(s.topRatio)} of the modelled sweep; fitted up to ${pct(s.maxFitted)} of OI`
  );
}

/** What a calibration is, in a few lines: its fit, its venues, and its scores when it has them. */
export function formatCalibration(cal: Calibration): string[] {
  const v = cal.venues;
  const lines = [
    `calibration ${cal.id} · ${cal.symbols.join(', ')} · ${cal.intervalMinutes}-minute intervals · fitted ${cal.origin.from} → ${cal.origin.to}`,
    `venues: model on ${v.modelled.map(venueName).join('+')}, realized on ${v.realized.map(venueName).join('+')}; ${v.modelled.map(venueName).join('+')} assumed to hold ${+(v.modelledOiShare * 100).toFixed(2)}% of their open interest`,
    'realized share of open interest per interval:',
    fitLine('long', cal.long),
    fitLine('short', cal.short),
    'realized ÷ calibrated, intervals the model left empty first, then deciles of prediction (1 = right on):',
    ...formatCalibrationScore('tuning', cal.scores.tuning),
  ];
  if (cal.scores.heldOut) lines.push(...formatCalibrationScore('held out', cal.scores.heldOut));
  return lines;
}

function shareOption(text: string | undefined): number {
  if (text === undefined) return DEFAULT_OI_SHARE;
  const v = Number(text.trim().replace(/%$/, ''));
  if (text.trim() === '' || !Number.isFinite(v) || !(v > 0 && v <= 100)) throw new UserError(`--oi-share "${text.slice(0, 20)}" must be a percentage above 0 and at most 100`);
  return v / 100;
}

export const calibrateCommand: CliCommand = {
  usage: USAGE,
  async run(argv: string[], io: CliIo) {
    const args = parseArgs(argv, options, USAGE);
    if (args.positionals.length > 1) throw new UsageError(`unexpected argument "${args.positionals[1]}"\n${USAGE}`);
    const realizedPath = stringOption(args, 'realized');
    const toText = stringOption(args, 'to');
    if (realizedPath === undefined || toText === undefined) throw new UsageError(`--realized and --to are needed: fit on the intervals before --to, check on the ones after\n${USAGE}`);
    const to = parseTime(toText);
    const fromText = stringOption(args, 'from');
    const from = fromText !== undefined ? parseTime(fromText) : undefined;
    const share = shareOption(stringOption(args, 'oi-share'));
    const realizedVenues = parseVenues(stringOption(args, 'realized-venues') ?? 'binance,bybit,okx');
    const source = stringOption(args, 'source') ?? 'sample';
    const venuesText = stringOption(args, 'venues');
    const input = await loadInput(source, args.positionals[0], venuesText !== undefined ? parseVenues(venuesText) : undefined);
    const realized = await loadRealized(realizedPath);
    const params = modelParamsFromArgs(args.options);
    const result = asUserErrors(() => runBacktest({ venues: input.venues, params, realized }));
    const rows = calibrationRows(result.rows);
    const tuning = rows.filter((r) => (from === undefined || r.ts >= from) && r.ts < to);
    const heldOut = rows.filter((r) => r.ts >= to);
    if (tuning.length === 0) throw new UserError(`no interval with realized values before ${formatUtcMinute(to)}: nothing to fit on`);
    const span = (rs: typeof rows) => ({ from: formatUtcIso(rs[0]!.ts), to: formatUtcIso(rs[rs.length - 1]!.ts + result.intervalMs) });
    const modelled = input.venues.map((v) => v.series.venue);
    const bars = input.venues[0]!.series;
    const shareText = `${+(share * 100).toFixed(2)}%`;
    let cal: Calibration;
    try {
      cal = fitCalibration({
        id: stringOption(args, 'id') ?? `${baseAsset(input.symbol).toLowerCase()}-${formatUtcIso(to).slice(0, 10)}`,
        symbols: [input.symbol],
        intervalMinutes: result.intervalMs / 60_000,
        params: result.params,
        venues: {
          realized: realizedVenues,
          modelled,
          modelledOiShare: share,
          note:
            `The realized liquidations are summed over ${realizedVenues.map(venueName).join('+')}; the model ran on ${modelled.map(venueName).join('+')} bars. ` +
            `${modelled.map(venueName).join('+')} is assumed to hold ${shareText} of those venues' open interest and to see the same share of their liquidations, ` +
            `so realized × ${shareText} is compared with the model. Every calibrated figure scales with this share.`,
        },
        tuning: { rows: tuning, ...span(tuning) },
        ...(heldOut.length > 0 ? { heldOut: { rows: heldOut, ...span(heldOut) } } : {}),
        origin: {
          command: ['liqmap calibrate', ...withoutOut(argv)].join(' '),
          bars: `${source}: ${modelled.join('+')} ${bars.symbol} ${msToInterval(bars.intervalMs)} bars, ${formatUtcMinute(bars.bars[0]!.ts)} → ${formatUtcMinute(bars.bars[bars.bars.length - 1]!.ts + bars.intervalMs)}`,
          realized: realizedPath,
        },
      });
    } catch (err) {
      if (err instanceof CalibrationError) throw new UserError(err.message);
      throw err;
    }
    for (const line of formatCalibration(cal)) io.out(line);
    io.out(`realized over the fitted intervals: longs ${formatUsd(tuning.reduce((s, r) => s + r.realizedLongUsd, 0))}, shorts ${formatUsd(tuning.reduce((s, r) => s + r.realizedShortUsd, 0))}`);
    const out = stringOption(args, 'out');
    if (out !== undefined) {
      await writeCalibrationFile(out, cal);
      io.err(`wrote ${out}`);
    } else {
      io.err('nothing written: give --out <file.json>');
    }
    return 0;
  },
};
