// `liqmap doctor`: the first command to run with internet. One small live request to every endpoint and
// stream the bot uses, each checked against what the client expects; a table of ok / mismatch /
// unreachable; exit 0 only when every row is ok.
import type { LookupFunction } from 'node:net';
import type { Clock } from '../market/clock.js';
import { runDoctor, type DoctorRow } from '../market/doctor.js';
import { marketOptionsFromEnv } from '../market/market-config.js';
import type { CliCommand, CliIo } from './command.js';
import { parseArgs, stringOption, UsageError } from './args.js';

const USAGE = 'usage: liqmap doctor [--symbol btc]';

export interface DoctorDeps {
  env?: Record<string, string | undefined>;
  clock?: Clock;
  fetch?: typeof fetch;
  lookup?: LookupFunction;
}

export async function runDoctorCommand(argv: string[], io: CliIo, deps: DoctorDeps = {}): Promise<number> {
  const args = parseArgs(argv, { symbol: { type: 'string', description: 'the base asset to check with (default btc)' } }, USAGE);
  if (args.positionals.length > 0) throw new UsageError(`doctor takes no arguments\n${USAGE}`);
  const base = (stringOption(args, 'symbol') ?? 'btc').replace(/[-_/]?usdt?(-swap)?$/i, '');
  if (!/^[a-z0-9]{1,20}$/i.test(base)) throw new UsageError(`--symbol: a coin such as btc or eth\n${USAGE}`);
  const env = marketOptionsFromEnv(deps.env ?? process.env);
  const rows = await runDoctor({ urls: env.urls, wsUrls: env.wsUrls, base, clock: deps.clock, fetch: deps.fetch, lookup: deps.lookup });
  for (const line of formatTable(rows)) io.out(line);
  const bad = rows.filter((r) => r.status !== 'ok').length;
  io.out(bad === 0 ? `all ${rows.length} checks ok` : `${bad} of ${rows.length} checks not ok`);
  return bad === 0 ? 0 : 1;
}

/** venue · check · result, aligned; the result carries the detail. */
export function formatTable(rows: DoctorRow[]): string[] {
  const venueWidth = Math.max(5, ...rows.map((r) => r.venue.length));
  const checkWidth = Math.max(5, ...rows.map((r) => r.check.length));
  const line = (venue: string, check: string, result: string) => `${venue.padEnd(venueWidth)}  ${check.padEnd(checkWidth)}  ${result}`;
  return [
    line('venue', 'check', 'result'),
    ...rows.map((r) => line(r.venue, r.check, r.status === 'ok' ? `ok${r.detail ? ` (${r.detail})` : ''}` : r.status === 'unreachable' ? `unreachable (${r.detail})` : `mismatch: ${r.detail}`)),
  ];
}

export const doctorCommand: CliCommand = {
  usage: USAGE,
  run: (argv, io) => runDoctorCommand(argv, io),
};
