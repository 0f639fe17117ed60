// "One render serves many": a map is named by its id (symbol, venues, window, range, last closed bar);
// concurrent and repeated requests of one id share one fetch, one model run and one render.
import type { Logger } from 'pino';
import { buildHeatmap, buildMap, ModelInputError, selectWindow, type ModelRequest } from '../analysis/build-map.js';
import { crossingsOfLastDay, type Crossing } from '../analysis/cascades.js';
import { WINDOW_INTERVAL_MS } from '../analysis/params.js';
import type { Heatmap, LiquidationMap } from '../analysis/types.js';
import { canonicalSymbol, isPlausibleSymbol } from '../market/symbols.js';
import { UserError } from './errors.js';
import { showInput } from './option-values.js';
import { PromiseCache } from './promise-cache.js';
import type { Clock, HeatmapPicture, MapPicture, MapQuery, MapService, MarketPort, MarketSeries, Renderer } from './services.js';

export interface MapServiceOptions {
  market: MarketPort;
  renderer: Renderer;
  clock: Clock;
  log: Logger;
  /** Pictures kept (a map PNG is ~100–300 KB). */
  cachedPictures?: number;
  metrics?: MapServiceMetrics;
}

/** The part of src/metrics.ts this service reports to. */
export interface MapServiceMetrics {
  cacheLookup(cache: string, hit: boolean): void;
  renderSeconds(kind: string, seconds: number): void;
}

export interface MapServiceStats {
  fetches: number;
  modelRuns: number;
  renders: number;
}

/** The symbol as a person typed it → canonical, or a UserError for text that cannot be a symbol. */
export function symbolOf(input: string): string {
  if (!isPlausibleSymbol(input)) {
    throw new UserError(`"${showInput(input)}" is not a symbol.`, 'Give a coin such as btc, eth or SOLUSDT.');
  }
  return canonicalSymbol(input);
}

export class CachedMapService implements MapService {
  readonly stats: MapServiceStats = { fetches: 0, modelRuns: 0, renders: 0 };
  private readonly series: PromiseCache<MarketSeries>;
  private readonly maps: PromiseCache<LiquidationMap>;
  private readonly heatmaps: PromiseCache<Heatmap>;
  private readonly pictures: PromiseCache<Buffer>;

  constructor(private readonly options: MapServiceOptions) {
    const n = options.cachedPictures ?? 64;
    const lookup = (cache: string) => (hit: boolean) => options.metrics?.cacheLookup(cache, hit);
    this.series = new PromiseCache(16, lookup('bars'));
    this.maps = new PromiseCache(n, lookup('map'));
    this.heatmaps = new PromiseCache(8, lookup('heatmap'));
    this.pictures = new PromiseCache(n, lookup('render'));
  }

  /** The map id: the same id always means the same picture. */
  idOf(kind: 'map' | 'heatmap', query: MapQuery): string {
    const symbol = symbolOf(query.symbol);
    const venues = query.venues?.length ? [...query.venues].sort().join('+') : 'all';
    const interval = WINDOW_INTERVAL_MS[query.window];
    const lastClosedBar = Math.floor(this.options.clock.now() / interval) * interval;
    return `${kind}:${symbol}:${venues}:${query.window}:${query.range ?? 'default'}:${lastClosedBar}`;
  }

  map(query: MapQuery): Promise<LiquidationMap> {
    const id = this.idOf('map', query);
    return this.maps.get(id, async () => {
      const req = await this.request(query);
      this.stats.modelRuns++;
      return modelRun(() => buildMap(req));
    });
  }

  async mapPicture(query: MapQuery): Promise<MapPicture> {
    const id = this.idOf('map', query);
    const map = await this.map(query);
    const png = await this.pictures.get(id, () => this.render('map', () => this.options.renderer.renderMap(map)));
    return { id, map, png };
  }

  async heatmapPicture(query: MapQuery): Promise<HeatmapPicture> {
    const id = this.idOf('heatmap', query);
    const heatmap = await this.heatmaps.get(id, async () => {
      const req = await this.request(query);
      this.stats.modelRuns++;
      return modelRun(() => buildHeatmap(req));
    });
    const png = await this.pictures.get(id, () => this.render('heatmap', () => this.options.renderer.renderHeatmap(heatmap)));
    return { id, heatmap, png };
  }

  /**
   * The last day's crossings of clusters on the primary venue (cascade watch). A cluster counts from
   * 1.5% of that venue's open interest (about $100M for BTC on Binance), so smaller coins get crossings too.
   */
  async crossings(query: MapQuery): Promise<Crossing[]> {
    const req = await this.request(query);
    const primary = req.venues[0];
    if (!primary) return [];
    const w = selectWindow(primary.series, '7d');
    const last = w.bars[w.bars.length - 1];
    const oi = last?.oiUsd ?? (last?.oi !== undefined ? last.oi * last.close : undefined);
    if (!last || !(oi && oi > 0)) return [];
    return modelRun(() =>
      crossingsOfLastDay({ bars: w.bars, intervalMs: w.intervalMs, spec: primary.spec }, this.options.clock.now(), { minClusterUsd: 0.015 * oi }),
    );
  }

  private async request(query: MapQuery): Promise<ModelRequest> {
    const symbol = symbolOf(query.symbol);
    const key = this.idOf('map', { ...query, range: undefined }).replace(/^map:/, '');
    const data = await this.series.get(key, () => {
      this.stats.fetches++;
      return this.options.market.getSeries({ symbol, venues: query.venues, window: query.window });
    });
    return {
      symbol: data.symbol,
      window: query.window,
      venues: data.venues.map((v) => ({ series: v.series, spec: v.spec })),
      params: query.range !== undefined ? { range: query.range } : undefined,
      venuesFailed: data.failed,
      sourceNotes: data.notes,
    };
  }

  private async render(kind: string, draw: () => Promise<Buffer>): Promise<Buffer> {
    this.stats.renders++;
    const started = performance.now();
    try {
      const png = await draw();
      this.options.metrics?.renderSeconds(kind, (performance.now() - started) / 1000);
      return png;
    } catch (err) {
      // The pool refuses work when its queue is full: that is load, not a bug; the person may retry.
      if (err instanceof Error && /busy|queue.*full|overload/i.test(`${err.name} ${err.message}`)) {
        throw new UserError('I am drawing many pictures right now: please try again in a minute.');
      }
      throw err;
    } finally {
      this.options.log.debug({ kind, ms: Math.round(performance.now() - started) }, 'rendered');
    }
  }
}

function modelRun<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof ModelInputError) throw new UserError(err.message);
    throw err;
  }
}
