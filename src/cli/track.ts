// `liqmap track`: follows Hyperliquid accounts and their positions into the store until stopped,
// printing what it holds and spends once a minute.
import { appendFile, readFile, stat } from 'node:fs/promises';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../config.js';
import { UserError } from '../errors.js';
import { parseAddressList } from '../hyperliquid/address-list.js';
import { formatPositionRows, POSITIONS_CSV_HEADER } from '../hyperliquid/positions-csv.js';
import type { OiSidedness } from '../hyperliquid/coverage.js';
import { PositionTracker } from '../hyperliquid/tracker.js';
import { formatTrackerStatus } from '../hyperliquid/tracker-status.js';
import { systemClock, type Clock } from '../market/clock.js';
import { DEFAULT_HL_API_URL, DEFAULT_HL_WS_URL, HyperliquidInfoClient } from '../market/hyperliquid/info-client.js';
import { WeightBudget } from '../market/hyperliquid/weight-budget.js';
import { intervalToMs } from '../market/intervals.js';
import { openStore } from '../store/store.js';
import { parseArgs, stringOption, UsageError } from './args.js';
import type { CliCommand, CliIo } from './command.js';

const USAGE = [
  'usage: liqmap track [--coins BTC,ETH] [--seed <file>] [--reserve 25] [--for <duration>] [--every 1m] [--no-stream]',
  '         [--record <csv>] [--record-every 1h] [--oi one-sided|two-sided] [--api-url <url>] [--ws-url <url>]',
  '  the store is STORE_PATH (SQLite) or REDIS_URL, as for the bot',
].join('\n');

const options = {
  coins: { type: 'string', description: 'Hyperliquid coins whose traders are followed (default BTC)' },
  seed: { type: 'string', description: 'a file of addresses to follow from the start, one 0x address per line' },
  reserve: { type: 'string', description: 'share of the IP weight budget (1200/min) left for the rest of the bot, in % (default 25)' },
  for: { type: 'string', description: 'stop after this long, e.g. 30m or 2h (default: until Ctrl-C)' },
  every: { type: 'string', description: 'how often to print the status (default 1m)' },
  record: { type: 'string', description: 'append a snapshot of the fresh positions to this CSV (the format liqmap score-measured reads)' },
  'record-every': { type: 'string', description: 'how often to append a snapshot with --record (default 1h)' },
  'no-stream': { type: 'flag', description: 'find accounts through recentTrades and the seed only, without the websocket' },
  oi: { type: 'string', description: 'how Hyperliquid counts open interest, when known: one-sided or two-sided (default: measured)' },
  'api-url': { type: 'string', description: `info API base (default ${DEFAULT_HL_API_URL})` },
  'ws-url': { type: 'string', description: `websocket URL (default ${DEFAULT_HL_WS_URL})` },
} as const;

export interface TrackDeps {
  clock?: Clock;
  /** Stops the run (tests); SIGINT / SIGTERM otherwise. */
  signal?: AbortSignal;
  env?: Record<string, string | undefined>;
}

function duration(name: string, text: string | undefined, fallback: number | undefined): number | undefined {
  if (text === undefined) return fallback;
  try {
    return intervalToMs(text);
  } catch (err) {
    throw new UserError(`--${name}: ${(err as Error).message}`);
  }
}

export async function runTrack(argv: string[], io: CliIo, deps: TrackDeps = {}): Promise<number> {
  const args = parseArgs(argv, options, USAGE);
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"\n${USAGE}`);
  const coins = (stringOption(args, 'coins') ?? 'BTC').split(',').map((c) => c.trim().toUpperCase()).filter((c) => c !== '');
  if (coins.length === 0 || coins.some((c) => !/^[A-Z0-9:]{1,20}$/i.test(c))) throw new UserError(`--coins "${(stringOption(args, 'coins') ?? '').slice(0, 30)}": give Hyperliquid coin names such as BTC,ETH`);
  const reserveText = stringOption(args, 'reserve') ?? '25';
  const reserve = Number(reserveText.replace(/%$/, ''));
  if (!Number.isFinite(reserve) || reserve < 0 || reserve > 90) throw new UserError(`--reserve "${reserveText.slice(0, 10)}" must be a % from 0 to 90`);
  const oi = stringOption(args, 'oi');
  if (oi !== undefined && oi !== 'one-sided' && oi !== 'two-sided') throw new UserError(`--oi "${oi.slice(0, 20)}" is not one of one-sided, two-sided`);
  const forMs = duration('for', stringOption(args, 'for'), undefined);
  const everyMs = duration('every', stringOption(args, 'every'), 60_000)!;
  const recordPath = stringOption(args, 'record');
  const recordEveryMs = duration('record-every', stringOption(args, 'record-every'), 3_600_000)!;
  const seedPath = stringOption(args, 'seed');
  let seed: string[] = [];
  if (seedPath !== undefined) {
    let text: string;
    try {
      text = await readFile(seedPath, 'utf8');
    } catch {
      throw new UserError(`--seed ${seedPath}: no such file`);
    }
    seed = parseAddressList(text, seedPath);
  }

  let config;
  try {
    config = loadConfig(deps.env ?? process.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UserError(err.message);
    throw err;
  }
  const clock = deps.clock ?? systemClock;
  const log = pino({ level: 'warn' }, pino.destination(2));
  const store = openStore(config.store, log, clock.now);
  const budget = new WeightBudget({ clock });
  const client = new HyperliquidInfoClient({ clock, lane: budget.lane('tracker', 1 - reserve / 100), url: stringOption(args, 'api-url') });
  const tracker = new PositionTracker({
    client,
    store: store.hyperliquidAddresses,
    clock,
    wsUrl: args.options['no-stream'] ? null : (stringOption(args, 'ws-url') ?? DEFAULT_HL_WS_URL),
    log,
    settings: { coins, sidedness: oi as OiSidedness | undefined },
  });

  const controller = new AbortController();
  const signal = deps.signal ?? controller.signal;
  const onSignal = () => controller.abort();
  if (!deps.signal) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  try {
    const started = await tracker.start(seed);
    io.out(`tracking ${coins.join(', ')} traders on Hyperliquid: ${started.loaded} addresses from the store, ${started.seeded} new from the seed; ${Math.round(100 - reserve)}% of the IP's weight budget (Ctrl-C to stop)`);
    const until = forMs === undefined ? Infinity : clock.now() + forMs;
    let nextStatus = clock.now() + everyMs;
    let nextRecord = clock.now() + recordEveryMs;
    while (!signal.aborted && clock.now() < until) {
      await clock.sleep(Math.max(1, Math.min(1000, nextStatus - clock.now(), until - clock.now())));
      if (clock.now() >= nextStatus) {
        nextStatus += everyMs;
        io.out(formatTrackerStatus(tracker));
      }
      if (recordPath !== undefined && clock.now() >= nextRecord) {
        nextRecord += recordEveryMs;
        await recordSnapshot(recordPath, tracker, clock.now());
      }
    }
    await tracker.stop();
    io.out(formatTrackerStatus(tracker));
    return 0;
  } finally {
    await tracker.stop();
    await store.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Appends the fresh positions of every tracked coin as one snapshot (the header first in a new file). */
async function recordSnapshot(path: string, tracker: PositionTracker, nowMs: number): Promise<void> {
  let fresh = false;
  try {
    fresh = (await stat(path)).size === 0;
  } catch {
    fresh = true;
  }
  const rows = tracker.settings.coins.flatMap((coin) =>
    tracker.freshPositions(coin, nowMs).map(({ address, position: p }) => ({
      user: address,
      coin: p.coin,
      szi: p.szi,
      entryPx: p.entryPx,
      leverage: p.leverage,
      liquidationPx: p.liquidationPx,
      positionValue: p.positionValue,
    })),
  );
  await appendFile(path, (fresh ? `${POSITIONS_CSV_HEADER}\n` : '') + formatPositionRows(nowMs, rows));
}

export const trackCommand: CliCommand = {
  usage: USAGE,
  run: (argv, io) => runTrack(argv, io),
};
