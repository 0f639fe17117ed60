// /heatmap btc [venue] [window]: estimated liquidation levels over time, swept levels ending where price crossed.
import { baseAsset, formatPct, formatPrice, formatUsd, priceDecimals, venueName } from '../src/analysis/format.js';
import type { Heatmap } from '../src/analysis/types.js';
import { formatUtcMinute } from '../src/analysis/utc-time.js';
import type { CommandDefinition } from '../src/core/command.js';
import type { HeatmapPicture } from '../src/maps/map-pipeline.js';
import { mapPictureKey, mapQueryOf, pictureName, symbolOption, venueOption, windowOption } from './map-options.js';

export const heatmapCommand: CommandDefinition = {
  name: 'heatmap',
  description: 'Estimated liquidation levels over time (price × time)',
  options: [symbolOption, venueOption, windowOption],
  produces: 'picture',
  pictureKey: mapPictureKey('heatmap'),
  examples: ['/heatmap btc', '/heatmap eth 7d', '/heatmap btc 30d binance'],
  async handler({ options, services }) {
    const { id, query, heatmap, png, measured } = await services.maps.heatmapPicture(mapQueryOf(options));
    const links = services.links;
    return {
      title: `${baseAsset(heatmap.symbol)} liquidation heatmap · ${heatmap.window}`,
      text: [
        describeHeatmap(heatmap),
        ...heatmap.meta.venuesFailed.map((f) => `${f.venue}: ${f.reason}`),
        ...(heatmap.meta.sourceNotes ?? []),
        ...(measured ? [measuredOverlayLine(measured)] : []),
        'Estimated levels, not financial advice.',
      ].join('\n'),
      images: [{ png, name: pictureName('heatmap', heatmap.symbol, heatmap.window), cacheKey: id, ...(links ? { url: links.picture('heatmap', query, id) } : {}) }],
      ...(links ? { link: { label: 'Open interactive heatmap', url: links.page('heatmap', query) } } : {}),
    };
  },
};

/** The measured overlay in words: the span it covers, or when it starts. */
function measuredOverlayLine(m: NonNullable<HeatmapPicture['measured']>): string {
  if ('note' in m) return m.note;
  return `Dots: measured levels of the Hyperliquid positions the bot tracks (${m.samples} samples, ${formatUtcMinute(m.fromMs)} → ${formatUtcMinute(m.toMs)}).`;
}

/** "BTC 64,592 · densest level above 66,100 (+2.3%) $310M · below 62,900 (−2.6%) $280M · 41 sweeps · estimated from Binance, 7d" */
export function describeHeatmap(h: Heatmap): string {
  const last = h.ts.length - 1;
  const price = h.close[last] ?? 0;
  const d = priceDecimals(price);
  const parts = [`${baseAsset(h.symbol)} ${formatPrice(price, d)}`];
  let above = { usd: 0, price: 0 };
  let below = { usd: 0, price: 0 };
  for (let r = 0; r < h.rows && last >= 0; r++) {
    const usd = h.usd[last * h.rows + r] ?? 0;
    const mid = h.priceLow + (r + 0.5) * h.bucketSize;
    if (mid > price && usd > above.usd) above = { usd, price: mid };
    if (mid < price && usd > below.usd) below = { usd, price: mid };
  }
  const level = (side: string, x: { usd: number; price: number }) =>
    `${side} ${formatPrice(x.price, d)} (${formatPct(((x.price - price) / price) * 100)}) ${formatUsd(x.usd)}`;
  if (above.usd > 0) parts.push(level('densest level above', above));
  if (below.usd > 0) parts.push(level(above.usd > 0 ? 'below' : 'densest level below', below));
  parts.push(`${h.sweeps.length} sweeps`);
  parts.push(`estimated from ${h.meta.venues.map((v) => venueName(v.venue)).join('+')}, ${h.window}`);
  return parts.join(' · ');
}
