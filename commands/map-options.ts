// Options shared by /liqmap and /heatmap, declared once for both platforms, the help and validation.
import { VENUES, WINDOWS, type Venue, type WindowName } from '../src/analysis/types.js';
import type { OptionSpec, OptionValues } from '../src/core/command.js';
import type { MapQuery } from '../src/core/services.js';

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
  default: '7d',
};

export const rangeOption: OptionSpec = {
  name: 'range',
  description: 'display range in % of price, e.g. 10',
  type: 'number',
  minValue: 1,
  maxValue: 50,
  default: 15,
};

export function mapQueryOf(options: OptionValues): MapQuery {
  const venue = String(options.venue ?? 'all');
  return {
    symbol: String(options.symbol),
    venues: venue === 'all' ? undefined : [venue as Venue],
    window: String(options.window ?? '7d') as WindowName,
    range: typeof options.range === 'number' ? options.range / 100 : undefined,
  };
}

/** liqmap-BTCUSDT-7d.png */
export function pictureName(kind: string, symbol: string, window: string): string {
  return `${kind}-${symbol}-${window}.png`;
}
