// Options shared by /liqmap and /heatmap, declared once for both platforms, the help and validation.
import { VENUES, WINDOWS } from '../src/analysis/types.js';
import type { CommandRequest, OptionSpec, OptionValues } from '../src/core/command.js';
import { DEFAULT_WINDOW, RANGE_PCT, type MapQueryInput } from '../src/maps/map-query.js';

export const symbolOption: OptionSpec = {
  name: 'symbol',
  description: 'coin or perpetual, e.g. btc, eth, SOLUSDT',
  type: 'string',
  required: true,
  autocomplete: 'symbol',
  maxLength: 30,
};

export const venueOption: OptionSpec = {
  name: 'venue',
  description: 'exchange whose positions are estimated',
  type: 'string',
  choices: ['all', ...VENUES],
  default: 'all',
};

export const windowOption: OptionSpec = {
  name: 'window',
  description: 'how far back positions are followed',
  type: 'string',
  choices: WINDOWS,
  default: DEFAULT_WINDOW,
};

export const rangeOption: OptionSpec = {
  name: 'range',
  description: 'display range in % of price, e.g. 10',
  type: 'number',
  // Shown by Discord's picker; the map pipeline checks the same bounds for every surface.
  minValue: RANGE_PCT.min,
  maxValue: RANGE_PCT.max,
  default: RANGE_PCT.default,
};

export const levelOption: OptionSpec = {
  name: 'level',
  description: 'a price to get the calibrated forced flow of, e.g. 90000 or 90k',
  type: 'string',
  // 90000, 90,000, $90k, @90000: the pipeline parses it (maps/map-query.ts: parseLevel).
  pattern: /^[$@]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?[kKmM]?$/,
  maxLength: 20,
};

/** `/liqmap btc compare`: CoinGlass's aggregated map beside ours (the word is the value, so Telegram text reads naturally). */
export const compareOption: OptionSpec = {
  name: 'compare',
  description: "show CoinGlass's aggregated map beside ours (needs COINGLASS_API_KEY on the bot)",
  type: 'string',
  choices: ['compare'],
};

/** The command's options as the map pipeline's input; the pipeline validates them. */
export function mapQueryOf(options: OptionValues): MapQueryInput {
  return {
    symbol: String(options.symbol),
    ...(options.venue !== undefined ? { venues: String(options.venue) } : {}),
    ...(options.window !== undefined ? { window: String(options.window) } : {}),
    ...(typeof options.range === 'number' ? { range: options.range } : {}),
    ...(options.level !== undefined ? { level: String(options.level).replace(/^@/, '') } : {}),
  };
}

/** liqmap-BTCUSDT-7d.png */
export function pictureName(kind: string, symbol: string, window: string): string {
  return `${kind}-${symbol}-${window}.png`;
}

/** The map id a request would draw, so the runtime can tell a picture already shown in the chat (free). */
export function mapPictureKey(kind: 'map' | 'heatmap') {
  return async ({ options, services }: CommandRequest): Promise<string> => {
    const id = services.maps.idOf(kind, await services.maps.resolve(mapQueryOf(options)));
    // The comparison with CoinGlass is a picture of its own (the pipeline names it compare:<map id>).
    return options.compare !== undefined ? `compare:${id}` : id;
  };
}
