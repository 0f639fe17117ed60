// /liqmap btc [venue] [window] [range]: the estimated liquidation map as a picture and a one-line verdict.
import { baseAsset, summarize } from '../src/analysis/format.js';
import type { CommandDefinition } from '../src/core/command.js';
import { summarizeComparison } from '../src/analysis/compare.js';
import { compareOption, mapQueryOf, pictureName, rangeOption, symbolOption, venueOption, windowOption } from './map-options.js';

export const liqmapCommand: CommandDefinition = {
  name: 'liqmap',
  description: 'Estimated liquidation map: where leveraged positions would be force-closed',
  options: [symbolOption, venueOption, windowOption, rangeOption, compareOption],
  produces: 'picture',
  examples: ['/liqmap btc', '/liqmap eth 1d bybit', '/liqmap sol 14d 10', '/liqmap btc compare'],
  async handler({ options, services }) {
    const query = mapQueryOf(options);
    if (options.compare !== undefined) {
      const { id, map, comparison, png } = await services.maps.comparePicture(query);
      const notes = [...map.meta.venuesFailed.map((f) => `${f.venue}: ${f.reason}`), ...(map.meta.sourceNotes ?? [])];
      return {
        title: `${baseAsset(map.meta.symbol)} liquidation map beside CoinGlass · ${map.meta.window}`,
        text: [summarize(map), summarizeComparison(comparison), ...notes, 'Both are estimates, not financial advice.'].join('\n'),
        images: [{ png, name: pictureName('compare', map.meta.symbol, map.meta.window), cacheKey: id }],
      };
    }
    const { id, map, png } = await services.maps.mapPicture(query);
    const notes = [...map.meta.venuesFailed.map((f) => `${f.venue}: ${f.reason}`), ...(map.meta.sourceNotes ?? [])];
    return {
      title: `${baseAsset(map.meta.symbol)} liquidation map · ${map.meta.window}`,
      text: [summarize(map), ...notes, 'Estimated levels, not financial advice.'].join('\n'),
      images: [{ png, name: pictureName('liqmap', map.meta.symbol, map.meta.window), cacheKey: id }],
    };
  },
};
