// /liqmap btc [venue] [window] [range] [level] [compare] [accuracy]: the estimated liquidation map as a
// picture and its summary, or how well the map has scored against the liquidations the bot heard.
import { formatAccuracyReport } from '../src/analysis/accuracy.js';
import { baseAsset, formatUsd, summarize } from '../src/analysis/format.js';
import type { CommandDefinition, CommandRequest, OptionSpec, Reply } from '../src/core/command.js';
import { UserError } from '../src/errors.js';
import { scheduleOf } from '../src/schedule/services.js';
import { summarizeComparison } from '../src/analysis/compare.js';
import type { MeasuredMap } from '../src/analysis/measured-map.js';
import type { MeasuredComparison } from '../src/analysis/measured-score.js';
import { MeasuredUnavailableError, type MeasuredSnapshot } from '../src/maps/map-pipeline.js';
import { compareOption, levelOption, mapPictureKey, mapQueryOf, pictureName, rangeOption, symbolOption, venueOption, windowOption } from './map-options.js';

/** `/liqmap accuracy btc`: the word is the value, like `compare`, so it reads the same in any order. */
const accuracyOption: OptionSpec = {
  name: 'accuracy',
  description: 'instead of the map: how well it predicted the liquidations the bot heard (last 1, 7, 30 days)',
  type: 'string',
  choices: ['accuracy'],
};

/** The map that scores itself (issue 14 part 3): the report the bot keeps while it hears the live streams. */
async function accuracyReply({ options, services }: CommandRequest): Promise<Reply> {
  const port = scheduleOf(services).accuracy;
  if (!port) {
    throw new UserError('This bot does not score its map: it needs the live liquidation streams (LIQMAP_SOURCE=live), which are off here.', 'The operator can run liqmap accuracy --source <recording> instead.');
  }
  const { symbol } = await services.maps.resolve(mapQueryOf(options));
  if (!port.symbols.includes(symbol)) {
    throw new UserError(`The map's accuracy is recorded for ${port.symbols.map(baseAsset).join(' and ')}, not ${baseAsset(symbol)}.`, `Try /liqmap accuracy ${baseAsset(port.symbols[0]!).toLowerCase()}`);
  }
  const { title, lines } = formatAccuracyReport(await port.report(symbol));
  return { title, text: [...lines, 'A measure of the model, not financial advice.'].join('\n') };
}

export const liqmapCommand: CommandDefinition = {
  name: 'liqmap',
  description: 'Estimated liquidation map: where leveraged positions would be force-closed',
  options: [symbolOption, venueOption, windowOption, rangeOption, levelOption, compareOption, accuracyOption],
  // The accuracy report is text (scored once per half-hour and cached): free, like /help.
  produces: (options) => (options.accuracy !== undefined ? 'text' : 'picture'),
  pictureKey: mapPictureKey('map'),
  examples: ['/liqmap btc', '/liqmap eth 1d bybit', '/liqmap sol 14d 10', '/liqmap btc level:90000', '/liqmap btc compare', '/liqmap btc hyperliquid', '/liqmap accuracy btc'],
  async handler(request) {
    const { options, services } = request;
    if (options.accuracy !== undefined) return accuracyReply(request);
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
    // Hyperliquid alone: its estimate beside the measured map of the positions the tracker follows.
    let unavailable: string | undefined;
    if (query.venues === 'hyperliquid' && services.maps.measuredPicture) {
      try {
        const { id, map, measured, comparison, snapshot, png } = await services.maps.measuredPicture(query);
        const notes = [...map.meta.venuesFailed.map((f) => `${f.venue}: ${f.reason}`), ...(map.meta.sourceNotes ?? [])];
        return {
          title: `${baseAsset(map.meta.symbol)} estimated vs measured · Hyperliquid · ${map.meta.window}`,
          text: [summarize(map), measuredLine(measured, comparison, snapshot), ...notes, 'Estimated levels beside a measured sample, not financial advice.'].join('\n'),
          images: [{ png, name: pictureName('measured', map.meta.symbol, map.meta.window), cacheKey: id }],
        };
      } catch (err) {
        if (!(err instanceof MeasuredUnavailableError)) throw err;
        unavailable = `measured map: ${err.message}`;
      }
    }
    const { id, query: resolved, map, png } = await services.maps.mapPicture(query);
    const links = services.links;
    const notes = [...map.meta.venuesFailed.map((f) => `${f.venue}: ${f.reason}`), ...(map.meta.sourceNotes ?? []), ...(unavailable ? [unavailable] : [])];
    return {
      title: `${baseAsset(map.meta.symbol)} liquidation map · ${map.meta.window}`,
      text: [summarize(map), ...notes, 'Estimated levels, not financial advice.'].join('\n'),
      images: [{ png, name: pictureName('liqmap', map.meta.symbol, map.meta.window), cacheKey: id, ...(links ? { url: links.picture('map', resolved, id) } : {}) }],
      ...(links ? { link: { label: 'Open interactive map', url: links.page('map', resolved) } } : {}),
    };
  },
};

/** "Measured: shorts $41M above vs longs $22M below · within ±15%: 12% of the tracked book, estimated 73% · coverage …" */
function measuredLine(measured: MeasuredMap, comparison: MeasuredComparison, snapshot: MeasuredSnapshot): string {
  const pct = Math.round(comparison.range * 100);
  const within = comparison.scores.bookWithin.find((w) => w.pct === pct) ?? comparison.scores.bookWithin[comparison.scores.bookWithin.length - 1];
  const share = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${Math.round(x * 100)}%`);
  return [
    `Measured (Hyperliquid positions' own liquidation prices): shorts ${formatUsd(measured.shortAbove)} above vs longs ${formatUsd(measured.longBelow)} below`,
    `within ±${within?.pct ?? pct}%: ${share(within?.measured)} of the tracked book, estimated ${share(within?.estimated)}`,
    `coverage ${snapshot.coverage}`,
  ].join(' · ');
}
