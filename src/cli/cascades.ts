import { findCrossings, DEFAULT_CASCADE_OPTIONS, type Crossing } from '../analysis/cascades.js';
import { formatPrice, formatUsd } from '../analysis/format.js';
import { resample } from '../analysis/resample.js';
import { formatUtcMinute } from '../analysis/utc-time.js';
import { parseTime } from '../maps/map-query.js';
import { UserError } from '../errors.js';
import { msToInterval } from '../market/intervals.js';
import { parseArgs, stringOption, UsageError } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { modelOptions, modelParamsFromArgs } from './model-options.js';
import { asUserErrors, loadInput, loadRealized, parseIntervalOption } from './recorded-input.js';

const USAGE = [
  'usage: liqmap cascades [symbol] [--source sample|<file|dir>] [--venue binance] [--interval 15m] [--min <USD, e.g. 100M>]',
  '         [--bars <n>] [--ratio <x>] [--realized <file>] [--since <ISO time>] [--at <ISO time>] [model options as in backtest]',
].join('\n');

const options = {
  source: { type: 'string', description: 'sample, a recording directory or a bars CSV file (default sample)' },
  venue: { type: 'string', description: 'the venue whose book is watched (default: the first the source holds)' },
  interval: { type: 'string', description: 'bar interval the ledger runs on (default 15m, the 7-day map\'s)' },
  min: { type: 'string', description: `smallest cluster watched, in USD per bucket (default ${formatUsd(DEFAULT_CASCADE_OPTIONS.minClusterUsd)})` },
  bars: { type: 'string', description: `bars judged after a crossing, and before it for the pace (default ${DEFAULT_CASCADE_OPTIONS.followBars})` },
  ratio: { type: 'string', description: `activated when the move runs on at this multiple of the pace before (default ${DEFAULT_CASCADE_OPTIONS.activationRatio})` },
  realized: { type: 'string', description: 'realized liquidations in the bars format, to judge by as well' },
  since: { type: 'string', description: 'list crossings from this time on (ISO 8601)' },
  at: { type: 'string', description: 'use only bars closed by this time (ISO 8601)' },
  ...modelOptions,
} as const;

/** "100M", "1.5B", "250k", "$2,000,000" → USD. */
export function parseUsdAmount(text: string): number {
  const m = /^\$?\s*([\d,]*\.?\d+)\s*([kmbt]?)$/i.exec(text.trim());
  if (!m) throw new UserError(`"${text.slice(0, 20)}" is not an amount such as 100M or 1.5B`);
  const unit = { '': 1, k: 1e3, m: 1e6, b: 1e9, t: 1e12 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'b' | 't'];
  return Number(m[1]!.replace(/,/g, '')) * unit;
}

function positiveNumber(name: string, text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !(v > 0)) throw new UserError(`--${name} "${text.slice(0, 20)}" must be a number above 0`);
  return v;
}

const signedPct = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)}%`;

export function formatCrossing(c: Crossing): string {
  const what = c.side === 'long' ? 'long cluster below' : 'short cluster above';
  const realized =
    c.realizedBeforeUsd === null && c.realizedAfterUsd === null ? '' : ` · realized ${c.realizedBeforeUsd === null ? 'n/a' : formatUsd(c.realizedBeforeUsd)} → ${c.realizedAfterUsd === null ? 'n/a' : formatUsd(c.realizedAfterUsd)}`;
  const after = c.paceAfterPct === null ? 'after: not yet' : `after ${signedPct(c.paceAfterPct)}/bar`;
  return (
    `${formatUtcMinute(c.ts)}  ${what} ${formatPrice(c.price)} ${formatUsd(c.clusterUsd)}${c.clusters > 1 ? ` (+${c.clusters - 1} more)` : ''}` +
    ` · pace before ${c.paceBeforePct.toFixed(2)}%/bar, ${after} · swept ${formatUsd(c.sweptUsd)}${realized} → ${c.verdict}`
  );
}

export const cascadesCommand: CliCommand = {
  usage: USAGE,
  async run(argv: string[], io: CliIo) {
    const args = parseArgs(argv, options, USAGE);
    if (args.positionals.length > 1) throw new UsageError(`unexpected argument "${args.positionals[1]}"\n${USAGE}`);
    const source = stringOption(args, 'source') ?? 'sample';
    const venue = stringOption(args, 'venue');
    const input = await loadInput(source, args.positionals[0], venue !== undefined ? [venue.toLowerCase()] : undefined);
    const { series, spec } = input.venues[0]!;
    const intervalMs = parseIntervalOption(stringOption(args, 'interval') ?? '15m');
    const bars = asUserErrors(() => (intervalMs === series.intervalMs ? series : resample(series, intervalMs)));
    const realizedPath = stringOption(args, 'realized');
    const realized = realizedPath !== undefined ? await loadRealized(realizedPath) : undefined;
    const at = stringOption(args, 'at');
    const since = stringOption(args, 'since');
    const atMs = at !== undefined ? parseTime(at) : undefined;
    const sinceMs = since !== undefined ? parseTime(since) : undefined;
    const minText = stringOption(args, 'min');
    const barsText = stringOption(args, 'bars');
    const ratioText = stringOption(args, 'ratio');
    const opts = {
      minClusterUsd: minText !== undefined ? parseUsdAmount(minText) : DEFAULT_CASCADE_OPTIONS.minClusterUsd,
      followBars: barsText !== undefined ? positiveNumber('bars', barsText) : DEFAULT_CASCADE_OPTIONS.followBars,
      activationRatio: ratioText !== undefined ? positiveNumber('ratio', ratioText) : DEFAULT_CASCADE_OPTIONS.activationRatio,
    };
    const closed = atMs !== undefined ? bars.bars.filter((b) => b.ts + bars.intervalMs <= atMs) : bars.bars;
    if (closed.length === 0) throw new UserError('no bars closed before the requested time');
    const params = modelParamsFromArgs(args.options);
    const crossings = asUserErrors(() =>
      findCrossings({ bars: closed, intervalMs: bars.intervalMs, spec, params, realized: realized ? { intervalMs: realized.intervalMs, bars: realized.bars } : undefined }, opts),
    ).filter((c) => sinceMs === undefined || c.ts >= sinceMs);

    io.out(
      `liqmap cascades · ${input.symbol} · ${series.venue} ${msToInterval(bars.intervalMs)} bars ${formatUtcMinute(closed[0]!.ts)} → ${formatUtcMinute(closed[closed.length - 1]!.ts + bars.intervalMs)}` +
        ` · clusters ≥ ${formatUsd(opts.minClusterUsd)} per bucket · judged over ${opts.followBars} bars (${msToInterval(opts.followBars * bars.intervalMs)})`,
    );
    for (const c of crossings) io.out(formatCrossing(c));
    const count = (v: string) => crossings.filter((c) => c.verdict === v).length;
    io.out(
      crossings.length === 0
        ? 'no crossing of a cluster that size: try a smaller --min'
        : `${crossings.length} crossings: ${count('activated')} activated, ${count('absorbed')} absorbed${count('pending') ? `, ${count('pending')} pending` : ''} (estimates, not advice)`,
    );
    return 0;
  },
};
