import { buildMap, ModelInputError } from '../analysis/build-map.js';
import { defaultParams } from '../analysis/params.js';
import { summarize } from '../analysis/format.js';
import { UserError } from '../core/errors.js';
import { parseRangePct, parseTime, parseVenues, parseWindow } from '../core/map-query.js';
import { liveOptionsFromEnv } from '../market/market-config.js';
import { toModelRequest } from '../market/market-data.js';
import { MarketUnavailableError } from '../market/live-market-data.js';
import { openMarketData } from '../market/open-market-data.js';
import type { ModelRequest } from '../analysis/build-map.js';
import type { CliCommand, CliIo } from './command.js';
import { parseArgs, stringOption, UsageError } from './args.js';
import { renderMapPng } from '../render/map-picture.js';
import { describePicture, writePicture } from '../render/picture-file.js';

const USAGE = 'usage: liqmap map <symbol> [--window 1d|3d|7d|14d|30d] [--range <pct>] [--venues all|binance,bybit,okx] [--source live|sample|<file|dir>] [--at <ISO time>] [--json] [--out <file.png>]';

export const mapOptions = {
  window: { type: 'string', description: 'window: 1d, 3d, 7d, 14d or 30d (default 7d)' },
  range: { type: 'string', description: 'display range in % of price (default 15)' },
  venues: { type: 'string', description: 'all or a list such as binance,bybit' },
  source: { type: 'string', description: 'live (default), sample, a recording directory or a bars CSV file' },
  at: { type: 'string', description: 'show the map as of this time (ISO 8601)' },
} as const;

/** Turns the shared map options into a model request over recorded data. */
export async function requestFromArgs(symbol: string | undefined, options: Record<string, string | true>): Promise<ModelRequest> {
  if (!symbol) throw new UsageError(`a symbol is needed, e.g. btc\n${USAGE}`);
  const get = (k: string) => (typeof options[k] === 'string' ? (options[k] as string) : undefined);
  const window = parseWindow(get('window') ?? '7d');
  const range = get('range') !== undefined ? parseRangePct(get('range')!) : defaultParams(window).range;
  const venues = get('venues') !== undefined ? parseVenues(get('venues')!) : undefined;
  const at = get('at') !== undefined ? parseTime(get('at')!) : undefined;
  const source = get('source') ?? 'live';
  const market = openMarketData(source, liveOptionsFromEnv(process.env));
  try {
    const data = await market.getSeries({ symbol, venues, window, at });
    return toModelRequest(data, { window, at, params: { range } });
  } catch (err) {
    if (err instanceof MarketUnavailableError) throw new UserError(err.message, 'Use --source sample for the bundled data, or --source <dir> for a recording.');
    throw err;
  } finally {
    await market.close();
  }
}

export function buildMapForUser(req: ModelRequest) {
  try {
    return buildMap(req);
  } catch (err) {
    if (err instanceof ModelInputError) throw new UserError(err.message);
    throw err;
  }
}

export const mapCommand: CliCommand = {
  name: 'map',
  summary: 'print the estimated liquidation map of a symbol',
  usage: USAGE,
  async run(argv: string[], io: CliIo) {
    const args = parseArgs(
      argv,
      { ...mapOptions, json: { type: 'flag', description: 'print the map as JSON' }, out: { type: 'string', description: 'also write the map picture to this PNG file' } },
      USAGE,
    );
    const req = await requestFromArgs(args.positionals[0], args.options);
    if (args.positionals.length > 1) throw new UsageError(`unexpected argument "${args.positionals[1]}"\n${USAGE}`);
    const map = buildMapForUser(req);
    io.out(args.options.json ? JSON.stringify(map, null, 2) : summarize(map));
    const out = stringOption(args, 'out');
    if (out !== undefined) {
      const png = renderMapPng(map);
      io.err(describePicture(writePicture(out, png), png));
    }
    if (!args.options.json) {
      // What the source said and which venue failed always matter; the model's own notes only for a current map.
      for (const f of map.meta.venuesFailed) io.err(`note: ${f.venue} left out: ${f.reason}`);
      for (const note of map.meta.sourceNotes ?? []) io.err(`note: ${note}`);
      if (stringOption(args, 'at') === undefined) for (const note of map.meta.notes) io.err(`note: ${note}`);
    }
    return 0;
  },
};
