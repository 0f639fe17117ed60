// The whole bot's services with fakes, in a few lines (STYLE.md: one context, passed in): a market over
// the bundled real sample, a renderer that counts its calls and draws a small real PNG, a silent logger.
import { PNG } from 'pngjs';
import { pino } from 'pino';
import type { VenueInput } from '../../src/analysis/build-map.js';
import type { BarSeries, Heatmap, LiquidationMap } from '../../src/analysis/types.js';
import { UserError } from '../../src/errors.js';
import type { Clock } from '../../src/clock.js';
import type { Services } from '../../src/core/command.js';
import { MapPipeline, type MarketPort, type MarketSeries, type Renderer } from '../../src/maps/map-pipeline.js';
import { inlineModelRunner } from '../../src/maps/model-runner.js';
import { closestSymbols, canonicalSymbol } from '../../src/market/symbols.js';
import { venueSpecFor } from '../../src/market/venue-specs.js';
import { BOT_COMMANDS } from '../../commands/index.js';
import type { CommandDefinition } from '../../src/core/command.js';
import { sampleSeries } from '../helpers/sample.js';

/**
 * BTCUSDT is the bundled real sample (Binance, 5-minute bars). ETHUSDT is the same bars with prices
 * divided by 20: a stand-in that lets /heatmap eth run the whole pipeline, not ETH market data.
 */
export class FakeMarket implements MarketPort {
  fetches = 0;
  readonly series: Record<string, BarSeries>;

  constructor() {
    const btc = sampleSeries();
    const eth: BarSeries = {
      ...btc,
      symbol: 'ETHUSDT',
      bars: btc.bars.map((b) => ({ ...b, open: b.open / 20, high: b.high / 20, low: b.low / 20, close: b.close / 20 })),
    };
    this.series = { BTCUSDT: btc, ETHUSDT: eth };
  }

  resolves = 0;

  async resolveSymbol(input: string): Promise<{ symbol: string; base: string }> {
    this.resolves++;
    const symbol = canonicalSymbol(input);
    if (!this.series[symbol]) {
      throw new UserError(`I don't know the symbol ${symbol}.`, `Did you mean ${closestSymbols(symbol, Object.keys(this.series), 1)[0]}?`);
    }
    return { symbol, base: symbol.replace(/USDT$/, '') };
  }

  async getSeries(query: { symbol: string; venues?: readonly string[] }): Promise<MarketSeries> {
    this.fetches++;
    const symbol = canonicalSymbol(query.symbol);
    const series = this.series[symbol];
    if (!series) throw new Error(`getSeries of ${symbol}, which resolveSymbol never gave`);
    const wanted = query.venues?.length ? query.venues : ['binance'];
    const venues: VenueInput[] = wanted.includes('binance') ? [{ series, spec: venueSpecFor('binance', symbol) }] : [];
    const failed = wanted.filter((v) => v !== 'binance').map((venue) => ({ venue, reason: 'not in the test data' }));
    if (venues.length === 0) throw new UserError(`No venue could answer for ${symbol}: ${failed.map((f) => f.venue).join(', ')} have no data.`);
    return { symbol, venues, failed };
  }

  async searchSymbols(prefix: string, limit = 25) {
    const p = prefix.trim().toUpperCase();
    return Object.keys(this.series)
      .filter((s) => s.startsWith(p))
      .slice(0, limit)
      .map((symbol) => ({ symbol, base: symbol.replace(/USDT$/, '') }));
  }
}

/** A tiny valid PNG, different per picture kind; counts renders; optional delay to widen the race window. */
export class FakeRenderer implements Renderer {
  maps = 0;
  heatmaps = 0;
  constructor(private readonly delayMs = 0) {}

  async renderMap(_map: LiquidationMap): Promise<Buffer> {
    this.maps++;
    return this.draw(40);
  }

  async renderHeatmap(_heatmap: Heatmap): Promise<Buffer> {
    this.heatmaps++;
    return this.draw(200);
  }

  private async draw(shade: number): Promise<Buffer> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const png = new PNG({ width: 12, height: 8 });
    png.data.fill(shade);
    return PNG.sync.write(png);
  }
}

export interface TestBot {
  services: Services;
  market: FakeMarket;
  renderer: FakeRenderer;
  maps: MapPipeline;
}

export function testServices(opts: { renderDelayMs?: number; clock?: Clock; commands?: readonly CommandDefinition[] } = {}): TestBot {
  const market = new FakeMarket();
  const renderer = new FakeRenderer(opts.renderDelayMs ?? 0);
  const log = pino({ level: 'silent' });
  const clock = opts.clock ?? { now: () => Date.now() };
  const maps = new MapPipeline({ market, renderer, models: inlineModelRunner, clock, log });
  return { services: { maps, clock, log, commands: opts.commands ?? BOT_COMMANDS }, market, renderer, maps };
}

/** A reply with a web link and a picture served from a public URL (what PUBLIC_URL gives): the adapters' seams. */
export const linkedCommand: CommandDefinition = {
  name: 'linked',
  description: 'a map with a page (test)',
  async handler() {
    return {
      title: 'BTC liquidation map · 7d',
      text: 'summary',
      images: [{ png: Buffer.from('not uploaded'), name: 'map.png', url: 'https://liqmap.example/p/map-BTCUSDT.png' }],
      link: { label: 'Open the interactive map', url: 'https://liqmap.example/m/btc?window=7d' },
    };
  },
};
