// `liqmap score-measured`: recorded Hyperliquid positions (with their own liquidation prices) against
// the model's estimate as of each snapshot, per snapshot and in summary.
import { readFile } from 'node:fs/promises';
import { formatPrice, formatUsd } from '../analysis/format.js';
import { defaultParams } from '../analysis/params.js';
import { summarizeComparisons, type ComparisonSummary, type Spread } from '../analysis/measured-score.js';
import { WINDOWS, type WindowName } from '../analysis/types.js';
import { formatUtcMinute } from '../analysis/utc-time.js';
import { UserError } from '../errors.js';
import { parsePositionsCsv } from '../hyperliquid/positions-csv.js';
import { scoreSnapshots, type ScoredSnapshot } from '../hyperliquid/score-snapshots.js';
import { parseArgs, stringOption, UsageError } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { describeTiers, modelOptions, modelParamsFromArgs } from './model-options.js';
import { asUserErrors, loadInput } from './recorded-input.js';

const USAGE = [
  'usage: liqmap score-measured --positions <csv> --bars <dir|file> [--coin BTC] [--range 15] [--window 7d] [--json]',
  '         [--leverage 5:15,10:30,...] [--churn <%/h>] [--seed oi|empty] [--seed-spread <%>] [--entry-points <n>] [--side taker|candle|neutral]',
].join('\n');

const options = {
  positions: { type: 'string', description: 'recorded positions: snapshot_ts,user,coin,szi,entry_px,leverage,liquidation_px,position_value' },
  bars: { type: 'string', description: 'bars to build the estimate from: a recording directory or a bars file (venue-SYMBOL-interval.csv)' },
  coin: { type: 'string', description: 'the coin of the positions to score (default BTC); the bars symbol is <coin>USDT' },
  range: { type: 'string', description: 'range around the mark, in % (1 to 50, default 15)' },
  window: { type: 'string', description: `the estimate's window: ${WINDOWS.join(', ')} (default 7d)` },
  json: { type: 'flag', description: 'an array, one object per snapshot' },
  ...modelOptions,
} as const;

const pct = (x: number | null | undefined, digits = 0) => (x === null || x === undefined ? 'n/a' : `${(100 * x).toFixed(digits)}%`);
const fixed = (x: number | null | undefined, digits = 2) => (x === null || x === undefined ? 'n/a' : x.toFixed(digits));
const signedPct = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}%`);
const ratio = (x: number | null) => (x === null ? 'n/a' : x >= 1 ? `${x.toFixed(1)}:1` : `1:${(1 / x).toFixed(1)}`);

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
}

const WIDTHS = [20, 8, 7, 13, 13, 12, 12, 13, 15, 15];

export function formatSnapshotTable(scored: readonly ScoredSnapshot[], range: number): string[] {
  const r = Math.round(range * 100);
  const lines = [
    row(['snapshot', 'mark', 'book', `±${r}% meas/est`, 'Spearman L/S', 'top-10% L/S', 'shape dist L/S', 'ratio meas/est', 'nearest L m/e', 'nearest S m/e'], WIDTHS),
  ];
  for (const s of scored) {
    const c = s.comparison.scores;
    const within = c.bookWithin.find((w) => w.pct === r) ?? c.bookWithin[c.bookWithin.length - 1];
    lines.push(
      row(
        [
          formatUtcMinute(s.ts).replace(' UTC', ''),
          formatPrice(s.mark, 0),
          formatUsd(s.comparison.measured.bookUsd),
          `${pct(within?.measured)}/${pct(within?.estimated)}`,
          `${fixed(c.long.spearman)}/${fixed(c.short.spearman)}`,
          `${pct(c.long.topDecileShare)}/${pct(c.short.topDecileShare)}`,
          `${fixed(c.long.shapeDistance)}/${fixed(c.short.shapeDistance)}`,
          `${ratio(c.ratio.measured)}/${ratio(c.ratio.estimated)}`,
          `${signedPct(c.nearestCluster.long.measured?.distancePct)}/${signedPct(c.nearestCluster.long.estimated?.distancePct)}`,
          `${signedPct(c.nearestCluster.short.measured?.distancePct)}/${signedPct(c.nearestCluster.short.estimated?.distancePct)}`,
        ],
        WIDTHS,
      ),
    );
  }
  return lines;
}

export function formatSummary(s: ComparisonSummary): string[] {
  const m = (x: Spread, f: (v: number | null) => string) => `${f(x.median)} (mean ${f(x.mean)}, n ${x.n})`;
  const p = (v: number | null) => pct(v, 1);
  const f = (v: number | null) => fixed(v, 3);
  const lines = [`summary over ${s.snapshots} snapshots: median (mean, n)`];
  for (const w of s.bookWithin) lines.push(`  book within ±${w.pct}% of the mark: measured ${m(w.measured, p)} · estimated ${m(w.estimated, p)}`);
  lines.push(`  Spearman of bucket USD: longs ${m(s.spearmanLong, f)} · shorts ${m(s.spearmanShort, f)}`);
  lines.push(`  Spearman over 1% bands of distance from the mark: longs ${m(s.bandSpearmanLong, f)} · shorts ${m(s.bandSpearmanShort, f)}`);
  lines.push(`  measured USD in the estimate's top-10% buckets: longs ${m(s.topDecileLong, p)} · shorts ${m(s.topDecileShort, p)}`);
  lines.push(`  shape distance (0 same, 1 disjoint): longs ${m(s.shapeDistanceLong, f)} · shorts ${m(s.shapeDistanceShort, f)}`);
  lines.push(`  |ln(estimated ratio ÷ measured ratio)|: ${m(s.absRatioLogError, f)}`);
  lines.push(`  nearest cluster, |estimated − measured| distance in points of %: longs ${m(s.absNearestClusterErrorLong, (v) => fixed(v, 2))} · shorts ${m(s.absNearestClusterErrorShort, (v) => fixed(v, 2))}`);
  return lines;
}

function snapshotJson(s: ScoredSnapshot) {
  const c = s.comparison;
  return {
    ts: new Date(s.ts).toISOString(),
    tsMs: s.ts,
    mark: s.mark,
    positions: s.positions,
    range: c.range,
    bucketSize: c.bucketSize,
    measured: {
      shortAbove: c.measured.shortAbove,
      longBelow: c.measured.longBelow,
      ratio: c.scores.ratio.measured,
      bookUsd: c.measured.bookUsd,
      withoutLiquidationUsd: s.measured.book.longWithoutLiquidationUsd + s.measured.book.shortWithoutLiquidationUsd,
      longClusters: s.measured.longClusters,
      shortClusters: s.measured.shortClusters,
    },
    estimated: {
      price: s.estimatePrice,
      dataTime: new Date(s.dataTime).toISOString(),
      shortAbove: c.estimated.shortAbove,
      longBelow: c.estimated.longBelow,
      ratio: c.scores.ratio.estimated,
      bookUsd: c.estimated.bookUsd,
    },
    scores: c.scores,
  };
}

function parseRange(text: string | undefined): number {
  if (text === undefined) return 0.15;
  const v = Number(text.trim().replace(/%$/, ''));
  if (!Number.isFinite(v) || v < 1 || v > 50) throw new UserError(`--range "${text.slice(0, 20)}" must be a number of % from 1 to 50`);
  return v / 100;
}

export const scoreMeasuredCommand: CliCommand = {
  usage: USAGE,
  async run(argv: string[], io: CliIo) {
    const args = parseArgs(argv, options, USAGE);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"\n${USAGE}`);
    const positionsPath = stringOption(args, 'positions');
    const barsPath = stringOption(args, 'bars');
    if (!positionsPath || !barsPath) throw new UsageError(`--positions <csv> and --bars <dir|file> are both needed\n${USAGE}`);
    const coin = (stringOption(args, 'coin') ?? 'BTC').toUpperCase();
    const range = parseRange(stringOption(args, 'range'));
    const window = (stringOption(args, 'window') ?? '7d') as WindowName;
    if (!WINDOWS.includes(window)) throw new UserError(`--window "${window.slice(0, 10)}" is not one of ${WINDOWS.join(', ')}`);
    const params = modelParamsFromArgs(args.options);

    let text: string;
    try {
      text = await readFile(positionsPath, 'utf8');
    } catch {
      throw new UserError(`--positions ${positionsPath}: no such file`);
    }
    const snapshots = parsePositionsCsv(text, positionsPath, coin);
    if (snapshots.length === 0) throw new UserError(`--positions ${positionsPath}: no ${coin} positions in it (give --coin)`);
    const input = await loadInput(barsPath, `${coin}USDT`);
    const result = asUserErrors(() => scoreSnapshots({ snapshots, symbol: input.symbol, venues: input.venues, window, range, params }));
    for (const s of result.skipped) io.err(`note: ${formatUtcMinute(s.ts)} not scored: ${s.reason}`);
    if (result.scored.length === 0) throw new UserError(`no snapshot could be scored: the bars in ${barsPath} do not reach the snapshots' times`);

    if (args.options.json) {
      io.out(JSON.stringify(result.scored.map(snapshotJson), null, 2));
      return 0;
    }
    const venues = input.venues.map((v) => v.series.venue).join('+');
    io.out(`liqmap score-measured · ${coin} · measured: ${positionsPath} · estimated from ${venues} ${input.symbol}, ${window} window, leverage ${describeTiers({ ...defaultParams(window), ...params })}`);
    io.out(`range ±${Math.round(range * 100)}% of each snapshot's mark; L = longs (below), S = shorts (above); m/e = measured/estimated distance of the nearest cluster`);
    io.out('');
    for (const line of formatSnapshotTable(result.scored, range)) io.out(line);
    io.out('');
    for (const line of formatSummary(summarizeComparisons(result.scored.map((s) => s.comparison)))) io.out(line);
    return 0;
  },
};
