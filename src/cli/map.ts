import { summarizeComparison } from '../analysis/compare.js';
import { summarize } from '../analysis/format.js';
import { loadConfig, type Config } from '../config.js';
import { UserError } from '../errors.js';
import { createLogger } from '../log.js';
import { systemClock } from '../clock.js';
import { MarketUnavailableError } from '../market/live-market-data.js';
import type { MapQueryInput } from '../maps/map-query.js';
import { inlineModelRunner } from '../maps/model-runner.js';
import { openMaps, type OpenMaps } from '../maps/open-maps.js';
import { inlineRenderer } from '../render/inline-renderer.js';
import { describePicture, writePicture } from '../render/picture-file.js';
import type { CliCommand, CliIo } from './command.js';
import { parseArgs, stringOption, UsageError, type ParsedArgs } from './args.js';

const USAGE =
  'usage: liqmap map <symbol> [--window 1d|3d|7d|14d|30d] [--range <pct>] [--venues all|binance,bybit,okx] [--source live|sample|<file|dir>] [--at <ISO time>] [--level <price>] [--json] [--out <file.png>] [--compare coinglass]';

export const mapOptions = {
  window: { type: 'string', description: 'window: 1d, 3d, 7d, 14d or 30d (default 7d)' },
  range: { type: 'string', description: 'display range in % of price, 1 to 50 (default 15)' },
  venues: { type: 'string', description: 'all or a list such as binance,bybit' },
  source: { type: 'string', description: 'live (default: LIQMAP_SOURCE or live), sample, a recording directory or a bars CSV file' },
  at: { type: 'string', description: 'show the map as of this time (ISO 8601)' },
} as const;

/** The shared map options as the pipeline's input (it validates them). */
export function mapInputOf(args: ParsedArgs, usage: string): MapQueryInput {
  const symbol = args.positionals[0];
  if (!symbol) throw new UsageError(`a symbol is needed, e.g. btc\n${usage}`);
  if (args.positionals.length > 1) throw new UsageError(`unexpected argument "${args.positionals[1]}"\n${usage}`);
  return {
    symbol,
    venues: stringOption(args, 'venues'),
    window: stringOption(args, 'window'),
    range: stringOption(args, 'range'),
    at: stringOption(args, 'at'),
    level: stringOption(args, 'level'),
  };
}

/** The map pipeline for one CLI run: the configuration (environment, .env), `--source` over it, work in this thread. */
export function openCliMaps(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): OpenMaps {
  const config = loadConfig(env);
  const source = stringOption(args, 'source');
  const withSource: Pick<Config, 'source' | 'venues' | 'hyperliquid'> = {
    venues: config.venues,
    hyperliquid: config.hyperliquid,
    source: source === undefined ? config.source : source === 'live' || source === 'sample' ? { kind: source } : { kind: 'dir', path: source },
  };
  return openMaps({ config: withSource, renderer: inlineRenderer, models: inlineModelRunner, clock: systemClock, log: createLogger({ level: 'silent' }) });
}

/** Runs `work` on the pipeline, closes the market after, and says what to try when no venue answers. */
export async function withCliMaps<T>(args: ParsedArgs, work: (maps: OpenMaps['maps']) => Promise<T>): Promise<T> {
  const { maps, market } = openCliMaps(args);
  try {
    return await work(maps);
  } catch (err) {
    if (err instanceof MarketUnavailableError) throw new UserError(err.message, 'Use --source sample for the bundled data, or --source <dir> for a recording.');
    throw err;
  } finally {
    await market.close();
  }
}

export const mapCommand: CliCommand = {
  usage: USAGE,
  async run(argv: string[], io: CliIo) {
    const args = parseArgs(
      argv,
      {
        ...mapOptions,
        level: { type: 'string', description: 'a price to get the calibrated forced flow of, e.g. 90000' },
        json: { type: 'flag', description: 'print the map as JSON' },
        out: { type: 'string', description: 'also write the map picture to this PNG file' },
        compare: { type: 'string', description: "coinglass: CoinGlass's aggregated map beside ours in one picture (needs COINGLASS_API_KEY)" },
      },
      USAGE,
    );
    const input = mapInputOf(args, USAGE);
    const out = stringOption(args, 'out');
    const compare = stringOption(args, 'compare');
    if (compare !== undefined) {
      if (compare.toLowerCase() !== 'coinglass') throw new UsageError(`--compare: only coinglass is known\n${USAGE}`);
      await withCliMaps(args, async (maps) => {
        const { map, comparison, png } = await maps.comparePicture(input);
        io.out(summarize(map));
        io.out(summarizeComparison(comparison));
        io.err(describePicture(writePicture(out ?? `compare-${map.meta.symbol}-${map.meta.window}.png`, png), png));
        for (const f of map.meta.venuesFailed) io.err(`note: ${f.venue} left out: ${f.reason}`);
        for (const note of map.meta.sourceNotes ?? []) io.err(`note: ${note}`);
      });
      return 0;
    }
    await withCliMaps(args, async (maps) => {
      const { map, png } = out !== undefined ? await maps.mapPicture(input) : { ...(await maps.map(input)), png: undefined };
      io.out(args.options.json ? JSON.stringify(map, null, 2) : summarize(map));
      if (out !== undefined && png) io.err(describePicture(writePicture(out, png), png));
      if (!args.options.json) {
        // What the source said and which venue failed always matter; the model's own notes only for a current map.
        for (const f of map.meta.venuesFailed) io.err(`note: ${f.venue} left out: ${f.reason}`);
        for (const note of map.meta.sourceNotes ?? []) io.err(`note: ${note}`);
        if (input.at === undefined) for (const note of map.meta.notes) io.err(`note: ${note}`);
      }
    });
    return 0;
  },
};
