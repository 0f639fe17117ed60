// `liqmap record`: keeps appending a symbol's live bars (one CSV per venue) and its liquidation events
// (NDJSON) to a directory until stopped; restarts resume where the files end.
import { pino } from 'pino';
import { parseVenues } from '../maps/map-query.js';
import { UserError } from '../errors.js';
import { systemClock, type Clock } from '../market/clock.js';
import { intervalToMs } from '../market/intervals.js';
import { LiquidationFeed } from '../market/liquidation-feed.js';
import { LiveMarketData, MarketUnavailableError } from '../market/live-market-data.js';
import { liveOptionsFromEnv, marketOptionsFromEnv } from '../market/market-config.js';
import { Recorder } from '../market/recorder.js';
import type { CliCommand, CliIo } from './command.js';
import { parseArgs, stringOption, UsageError } from './args.js';

const USAGE = 'usage: liqmap record <symbol> --out <dir> [--venues binance,bybit,okx] [--interval 5m|15m|30m|1h] [--backfill 1d] [--no-stream]';
const INTERVALS = ['5m', '15m', '30m', '1h'];

export interface RecordDeps {
  clock?: Clock;
  /** Stops the loop (tests); SIGINT / SIGTERM otherwise. */
  signal?: AbortSignal;
  env?: Record<string, string | undefined>;
  /** Seconds after a bar's close before asking for it (venues publish OI a little late). */
  settleMs?: number;
}

export async function runRecord(argv: string[], io: CliIo, deps: RecordDeps = {}): Promise<number> {
  const args = parseArgs(
    argv,
    {
      out: { type: 'string', description: 'directory to write to (created if missing)' },
      venues: { type: 'string', description: 'all or a list such as binance,bybit' },
      interval: { type: 'string', description: `bar interval: ${INTERVALS.join(', ')} (default 5m)` },
      backfill: { type: 'string', description: 'how far back a new recording starts, e.g. 1d or 12h (default 1d)' },
      'no-stream': { type: 'flag', description: 'record bars only, not liquidation events' },
    },
    USAGE,
  );
  const symbol = args.positionals[0];
  if (!symbol) throw new UsageError(`a symbol is needed, e.g. btc\n${USAGE}`);
  const out = stringOption(args, 'out');
  if (!out) throw new UsageError(`--out <dir> is needed\n${USAGE}`);
  const intervalText = stringOption(args, 'interval') ?? '5m';
  if (!INTERVALS.includes(intervalText)) throw new UserError(`interval "${intervalText.slice(0, 10)}" is not one of ${INTERVALS.join(', ')}`);
  let backfillMs: number;
  try {
    backfillMs = intervalToMs(stringOption(args, 'backfill') ?? '1d');
  } catch (err) {
    throw new UserError(`--backfill: ${(err as Error).message}`);
  }
  const venues = stringOption(args, 'venues') ? parseVenues(stringOption(args, 'venues')!) : undefined;
  const env = deps.env ?? process.env;
  const clock = deps.clock ?? systemClock;
  const intervalMs = intervalToMs(intervalText);
  const market = new LiveMarketData({ ...liveOptionsFromEnv(env), clock });
  const recorder = new Recorder({ market, symbol, venues, intervalMs, outDir: out, clock, backfillMs });

  const controller = new AbortController();
  const signal = deps.signal ?? controller.signal;
  const onSignal = () => controller.abort();
  if (!deps.signal) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  let feed: LiquidationFeed | undefined;
  try {
    let first;
    try {
      first = await recorder.step();
    } catch (err) {
      if (err instanceof MarketUnavailableError) throw new UserError(err.message, 'Recording needs the venues; check the network or the *_API_URL settings.');
      throw err;
    }
    report(io, recorder.symbol!, first);
    if (!args.options['no-stream']) {
      const sizes = await market.contractSizes();
      feed = new LiquidationFeed({
        venues: (venues ?? ['binance', 'bybit', 'okx']) as ('binance' | 'bybit' | 'okx')[],
        wsUrls: marketOptionsFromEnv(env).wsUrls,
        symbols: [recorder.symbol!],
        contractSize: (id) => sizes.get(id),
        log: pino({ level: 'warn' }, pino.destination(2)),
      });
      feed.onEvent((e) => void recorder.recordEvent(e));
      feed.start();
    }
    io.out(`recording ${recorder.symbol} every ${intervalText} into ${out} (Ctrl-C to stop)`);
    const settleMs = deps.settleMs ?? 20_000;
    while (!signal.aborted) {
      const nextClose = (Math.floor(clock.now() / intervalMs) + 1) * intervalMs + settleMs;
      await sleepUntil(clock, nextClose, signal);
      if (signal.aborted) break;
      report(io, recorder.symbol!, await recorder.step());
    }
    return 0;
  } finally {
    feed?.stop();
    await recorder.flush();
    await market.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function report(io: CliIo, symbol: string, step: { appended: Record<string, number>; failed: { venue: string; reason: string }[]; notes: string[] }): void {
  const parts = Object.entries(step.appended).map(([v, n]) => `${v} +${n}`);
  const failed = step.failed.map((f) => `${f.venue} failed (${f.reason})`);
  io.out(`${symbol}: ${[...parts, ...failed].join(', ')}`);
  for (const note of step.notes) io.out(`  note: ${note}`);
}

/** Sleeps in short steps so a stop signal ends the wait promptly. */
async function sleepUntil(clock: Clock, at: number, signal: AbortSignal): Promise<void> {
  while (!signal.aborted && clock.now() < at) await clock.sleep(Math.min(1000, at - clock.now()));
}

export const recordCommand: CliCommand = {
  usage: USAGE,
  run: (argv, io) => runRecord(argv, io),
};
