// The one map pipeline: the CLI, the chat commands, the digests, the alerts and the web page all ask it.
// A request is validated once (map-query.ts), its symbol resolved against the market once, and the map
// named by its id (symbol, venues, window, range, last closed bar); concurrent and repeated requests of
// one id share one fetch, one model run and one picture.
import type { Logger } from 'pino';
import { ModelInputError, trimToWindow, type ModelRequest, type VenueInput } from '../analysis/build-map.js';
import type { Calibration } from '../analysis/calibration.js';
import { compareMaps, type ExternalLevel, type MapComparison } from '../analysis/compare.js';
import { buildMeasuredMap, type MeasuredHistorySample, type MeasuredMap, type MeasuredOverlay, type MeasuredPosition } from '../analysis/measured-map.js';
import { compareWithMeasured, type MeasuredComparison } from '../analysis/measured-score.js';
import { withForcedFlowLevels } from '../analysis/forced-flow.js';
import { baseAsset } from '../analysis/format.js';
import type { Crossing } from '../analysis/cascades.js';
import { WINDOW_INTERVAL_MS } from '../analysis/params.js';
import { formatUtcMinute } from '../analysis/utc-time.js';
import type { Heatmap, LiquidationMap, Venue, WindowName } from '../analysis/types.js';
import type { Clock } from '../clock.js';
import { BusyError, UserError } from '../errors.js';
import { parseMapQuery, type MapQuery, type MapQueryInput } from './map-query.js';
import type { ModelRunner } from './model-runner.js';
import { PromiseCache } from './promise-cache.js';

/** Bars for the model, from the live venues, the bundled sample or a recording (src/market's MarketData fits). */
export interface MarketPort {
  /** Throws a UserError when no venue could answer. */
  getSeries(query: { symbol: string; venues?: readonly Venue[]; window: WindowName; at?: number }): Promise<MarketSeries>;
  /** Symbols whose canonical name or base asset starts with the prefix, for autocomplete. */
  searchSymbols(prefix: string, limit?: number): Promise<{ symbol: string; base: string }[]>;
  /** The market a person means (btc → BTCUSDT); a UserError with the closest matches when none. */
  resolveSymbol(input: string): Promise<{ symbol: string; base: string }>;
}

export interface MarketSeries {
  /** Canonical symbol, e.g. BTCUSDT. */
  symbol: string;
  venues: VenueInput[];
  failed: { venue: string; reason: string }[];
  /** Things the reply should say (stale data, limits hit). */
  notes?: string[];
}

/** PNG bytes from a map or a heatmap (the work pool, the calling thread, or a test fake). */
export interface Renderer {
  renderMap(map: LiquidationMap): Promise<Buffer>;
  /** With `overlay`: the measured levels recorded over the heatmap's span, drawn over its cells. */
  renderHeatmap(heatmap: Heatmap, overlay?: MeasuredOverlay): Promise<Buffer>;
  /** Our map and CoinGlass's on one price axis (render/compare-picture.ts). */
  renderCompare?(comparison: MapComparison, map: LiquidationMap): Promise<Buffer>;
  /** The estimate and the measured map mirrored on one price axis (render/measured-picture.ts). */
  renderMeasured?(estimate: LiquidationMap, measured: MeasuredMap, measuredFacts: string): Promise<Buffer>;
}

/** Positions with their own liquidation prices, as the Hyperliquid tracker holds them now. */
export interface MeasuredSnapshot {
  positions: MeasuredPosition[];
  markPx: number;
  accounts: number;
  /** When the oldest and the newest of these positions were read. */
  oldestMs: number;
  newestMs: number;
  /** Coverage of the venue's open interest, in words ("longs 2.1–4.2%, shorts …"). */
  coverage: string;
}

/** The Hyperliquid tracker (src/hyperliquid/measured-source.ts); undefined when it follows no such coin. */
export interface MeasuredPort {
  snapshot(symbol: string): MeasuredSnapshot | undefined;
  /** The measured map as recorded while the tracker ran (hyperliquid/measured-history.ts). */
  history?(symbol: string, fromMs: number, toMs: number): Promise<MeasuredHistoryRead>;
}

/** Recorded samples in a span, how often they are taken, and since when this process records them. */
export interface MeasuredHistoryRead {
  samples: MeasuredHistorySample[];
  everyMs: number;
  recordingSinceMs: number | undefined;
}

/** The measured map cannot be shown (tracker off, nothing tracked yet): the estimate alone is. */
export class MeasuredUnavailableError extends UserError {
  override name = 'MeasuredUnavailableError';
}

/** CoinGlass's aggregated map (src/market/coinglass.ts); refusals and a missing key are UserErrors. */
export interface CoinglassPort {
  aggregatedMap(base: string, range: '1d' | '7d' | '30d'): Promise<{ levels: ExternalLevel[] }>;
}

/** A validated query whose symbol the market has resolved: what every step after the first takes. */
export interface ResolvedQuery extends MapQuery {
  readonly resolved: true;
}

export interface MapResult {
  /** Same id = same numbers (and the same picture): symbol, venues, window, range, last closed bar. */
  id: string;
  query: ResolvedQuery;
  map: LiquidationMap;
}

export interface MapPicture extends MapResult {
  png: Buffer;
}

export interface ComparePicture extends MapResult {
  comparison: MapComparison;
  png: Buffer;
}

export interface MeasuredPicture extends MapResult {
  measured: MeasuredMap;
  comparison: MeasuredComparison;
  snapshot: MeasuredSnapshot;
  png: Buffer;
}

export interface HeatmapResult {
  id: string;
  query: ResolvedQuery;
  heatmap: Heatmap;
}

export interface HeatmapPicture extends HeatmapResult {
  png: Buffer;
  /** Hyperliquid alone with the tracker on: what the measured overlay shows, or why it is absent. */
  measured?: { samples: number; fromMs: number; toMs: number } | { samples: 0; note: string };
}

export type MapInput = MapQueryInput | ResolvedQuery;

/** What commands, schedulers and the web page use. */
export interface MapService {
  resolve(input: MapInput): Promise<ResolvedQuery>;
  idOf(kind: 'map' | 'heatmap', query: ResolvedQuery): string;
  map(input: MapInput): Promise<MapResult>;
  mapPicture(input: MapInput): Promise<MapPicture>;
  heatmap(input: MapInput): Promise<HeatmapResult>;
  heatmapPicture(input: MapInput): Promise<HeatmapPicture>;
  /** Our map beside CoinGlass's aggregated one, in one picture, with both ratios and their rank correlation. */
  comparePicture(input: MapInput): Promise<ComparePicture>;
  /** Hyperliquid's estimate beside its measured map (positions' own liquidation prices), when the tracker runs. */
  measuredPicture?(input: MapInput): Promise<MeasuredPicture>;
  /** The last day's crossings of predicted clusters on the primary venue, with the cascade watch's verdicts. */
  crossings(input: MapInput): Promise<Crossing[]>;
  /** Autocomplete. */
  searchSymbols(prefix: string, limit?: number): Promise<{ symbol: string; base: string }[]>;
}

export interface MapPipelineOptions {
  market: MarketPort;
  renderer: Renderer;
  models: ModelRunner;
  clock: Clock;
  log: Logger;
  /** Maps and pictures kept (a map PNG is ~100–300 KB). */
  cachedPictures?: number;
  /** Calibrates the maps' dollars (map.forcedFlow); without it maps carry the modelled book only. */
  calibration?: Calibration;
  metrics?: MapPipelineMetrics;
  /** Where `comparePicture` gets CoinGlass's map; absent, it explains how to turn it on. */
  coinglass?: CoinglassPort;
  /** Where `measuredPicture` gets Hyperliquid's tracked positions; absent, it says how to turn it on. */
  measured?: MeasuredPort;
}

/** The part of src/metrics.ts this service reports to. */
export interface MapPipelineMetrics {
  cacheLookup(cache: string, hit: boolean): void;
  renderSeconds(kind: string, seconds: number): void;
}

export interface MapPipelineStats {
  fetches: number;
  modelRuns: number;
  renders: number;
}

export class MapPipeline implements MapService {
  readonly stats: MapPipelineStats = { fetches: 0, modelRuns: 0, renders: 0 };
  private readonly series: PromiseCache<MarketSeries>;
  private readonly maps: PromiseCache<LiquidationMap>;
  private readonly heatmaps: PromiseCache<Heatmap>;
  private readonly pictures: PromiseCache<Buffer>;
  private readonly comparisons: PromiseCache<MapComparison>;

  constructor(private readonly options: MapPipelineOptions) {
    const n = options.cachedPictures ?? 64;
    const lookup = (cache: string) => (hit: boolean) => options.metrics?.cacheLookup(cache, hit);
    this.series = new PromiseCache(16, lookup('bars'));
    this.maps = new PromiseCache(n, lookup('map'));
    this.heatmaps = new PromiseCache(8, lookup('heatmap'));
    this.pictures = new PromiseCache(n, lookup('render'));
    this.comparisons = new PromiseCache(8, lookup('compare'));
  }

  async resolve(input: MapInput): Promise<ResolvedQuery> {
    if ('resolved' in input) return input;
    const query = parseMapQuery(input);
    const listing = await this.options.market.resolveSymbol(query.symbol);
    return { ...query, symbol: listing.symbol, resolved: true };
  }

  /** The map id: the same id always means the same numbers (a level changes only the forced-flow figures). */
  idOf(kind: 'map' | 'heatmap', q: ResolvedQuery): string {
    const id = `${kind}:${this.seriesKey(q)}:${q.rangePct}`;
    return kind === 'map' && q.level !== undefined ? `${id}:level:${q.level}` : id;
  }

  async map(input: MapInput): Promise<MapResult> {
    const query = await this.resolve(input);
    // One model run per map whatever the level: the level's figures are read off the built map.
    const modelId = this.idOf('map', { ...query, level: undefined });
    const built = await this.maps.get(modelId, () => this.model(async () => this.options.models.buildMap(await this.request(query))));
    const map = query.level !== undefined ? withForcedFlowLevels(built, this.options.calibration, [query.level]) : built;
    return { id: this.idOf('map', query), query, map };
  }

  async mapPicture(input: MapInput): Promise<MapPicture> {
    const result = await this.map(input);
    const png = await this.pictures.get(result.id, () => this.render('map', () => this.options.renderer.renderMap(result.map)));
    return { ...result, png };
  }

  async heatmap(input: MapInput): Promise<HeatmapResult> {
    const query = await this.resolve(input);
    const id = this.idOf('heatmap', query);
    const heatmap = await this.heatmaps.get(id, () => this.model(async () => this.options.models.buildHeatmap(await this.request(query))));
    return { id, query, heatmap };
  }

  async heatmapPicture(input: MapInput): Promise<HeatmapPicture> {
    const result = await this.heatmap(input);
    const overlay = await this.measuredOverlay(result);
    const renderer = this.options.renderer;
    if (!overlay || overlay.samples.length === 0) {
      const png = await this.pictures.get(result.id, () => this.render('heatmap', () => renderer.renderHeatmap(result.heatmap)));
      return { ...result, png, ...(overlay ? { measured: { samples: 0 as const, note: overlayStartNote(overlay) } } : {}) };
    }
    const samples = overlay.samples;
    // A new sample is a new picture: the id names the last one drawn.
    const id = `${result.id}:measured:${samples[samples.length - 1]!.ts}`;
    const png = await this.pictures.get(id, () => this.render('heatmap', () => renderer.renderHeatmap(result.heatmap, { samples })));
    return { ...result, id, png, measured: { samples: samples.length, fromMs: samples[0]!.ts, toMs: samples[samples.length - 1]!.ts } };
  }

  /** Hyperliquid alone, with a recording tracker: its history over the heatmap's columns. */
  private async measuredOverlay(result: HeatmapResult): Promise<MeasuredHistoryRead | undefined> {
    const port = this.options.measured;
    const h = result.heatmap;
    if (result.query.venues?.length !== 1 || result.query.venues[0] !== 'hyperliquid' || !port?.history || h.ts.length === 0) return undefined;
    const read = await port.history(h.symbol, h.ts[0]!, h.ts[h.ts.length - 1]! + h.intervalMs);
    return { ...read, samples: [...read.samples].sort((a, b) => a.ts - b.ts) };
  }

  async comparePicture(input: MapInput): Promise<ComparePicture> {
    const { coinglass, renderer } = this.options;
    if (!coinglass) throw new UserError("CoinGlass comparison is off: set COINGLASS_API_KEY to show CoinGlass's map beside ours.");
    const result = await this.map(input);
    const id = `compare:${result.id}`;
    // One CoinGlass request per map id: its map is compared with ours as of the same bar.
    const comparison = await this.comparisons.get(id, async () => {
      const theirs = await coinglass.aggregatedMap(baseAsset(result.map.meta.symbol), coinglassRange(result.query.window));
      return compareMaps(result.map, theirs.levels);
    });
    const draw = renderer.renderCompare?.bind(renderer);
    if (!draw) throw new Error('this renderer draws no comparison picture');
    const png = await this.pictures.get(id, () => this.render('compare', () => draw(comparison, result.map)));
    return { ...result, id, comparison, png };
  }

  async measuredPicture(input: MapInput): Promise<MeasuredPicture> {
    const { measured: port, renderer } = this.options;
    if (!port) throw new MeasuredUnavailableError('the measured map is off: the bot follows Hyperliquid accounts when HYPERLIQUID_TRACKER=on');
    const query = await this.resolve(input);
    const result = await this.map({ ...query, venues: ['hyperliquid'] });
    const snapshot = port.snapshot(result.map.meta.symbol);
    if (!snapshot) throw new MeasuredUnavailableError(`the tracker does not follow ${baseAsset(result.map.meta.symbol)} traders (HYPERLIQUID_COINS)`);
    if (snapshot.positions.length === 0) throw new MeasuredUnavailableError(`no ${baseAsset(result.map.meta.symbol)} positions tracked yet: the tracker finds accounts as they trade`);
    const measured = buildMeasuredMap({
      positions: snapshot.positions,
      price: snapshot.markPx,
      bucketSize: result.map.bucketSize,
      range: query.rangePct / 100,
      clusterCount: result.map.meta.params.clusterCount,
    });
    const comparison = compareWithMeasured(result.map, measured, { clusterCount: result.map.meta.params.clusterCount });
    const id = `measured:${result.id}`;
    const draw = renderer.renderMeasured?.bind(renderer);
    if (!draw) throw new Error('this renderer draws no measured picture');
    const facts = measuredFacts(snapshot, this.options.clock.now());
    const png = await this.pictures.get(id, () => this.render('measured', () => draw(result.map, measured, facts)));
    return { ...result, id, measured, comparison, snapshot, png };
  }

  async crossings(input: MapInput): Promise<Crossing[]> {
    const query = await this.resolve(input);
    const primary = (await this.request(query)).venues[0];
    if (!primary) return [];
    return this.model(() => this.options.models.recentCrossings(primary.series, primary.spec, query.at ?? this.options.clock.now()));
  }

  searchSymbols(prefix: string, limit?: number): Promise<{ symbol: string; base: string }[]> {
    return this.options.market.searchSymbols(prefix, limit);
  }

  /** symbol:venues:window:bar — the data a map is built from, whatever its range. */
  private seriesKey(q: ResolvedQuery): string {
    const interval = WINDOW_INTERVAL_MS[q.window];
    const bar = Math.floor((q.at ?? this.options.clock.now()) / interval) * interval;
    return `${q.symbol}:${q.venues?.join('+') ?? 'all'}:${q.window}:${bar}`;
  }

  /** The model request for a query: its bars fetched once per series key. */
  private async request(q: ResolvedQuery): Promise<ModelRequest> {
    const data = await this.series.get(this.seriesKey(q), async () => {
      this.stats.fetches++;
      const fetched = await this.options.market.getSeries({ symbol: q.symbol, venues: q.venues, window: q.window, at: q.at });
      // Cut once here: every map of this key (seven ranges, a heatmap) then shares the same small series.
      return { ...fetched, venues: fetched.venues.map((v) => ({ ...v, series: trimToWindow(v.series, q.window, q.at) })) };
    });
    return {
      symbol: data.symbol,
      window: q.window,
      venues: data.venues.map((v) => ({ series: v.series, spec: v.spec })),
      params: { range: q.rangePct / 100 },
      at: q.at,
      venuesFailed: data.failed,
      sourceNotes: data.notes ?? [],
      ...(this.options.calibration ? { calibration: this.options.calibration } : {}),
    };
  }

  /** One model run; data that cannot answer the question is the person's to hear, as a UserError. */
  private async model<T>(run: () => Promise<T>): Promise<T> {
    this.stats.modelRuns++;
    try {
      return await run();
    } catch (err) {
      if (err instanceof ModelInputError) throw new UserError(err.message);
      throw busyAsUserError(err);
    }
  }

  private async render(kind: string, draw: () => Promise<Buffer>): Promise<Buffer> {
    this.stats.renders++;
    const started = performance.now();
    try {
      const png = await draw();
      this.options.metrics?.renderSeconds(kind, (performance.now() - started) / 1000);
      return png;
    } catch (err) {
      throw busyAsUserError(err);
    } finally {
      this.options.log.debug({ kind, ms: Math.round(performance.now() - started) }, 'rendered');
    }
  }
}

/** CoinGlass builds its map over 1, 7 or 30 days: the one nearest our window. */
export function coinglassRange(window: WindowName): '1d' | '7d' | '30d' {
  return window === '1d' ? '1d' : window === '14d' || window === '30d' ? '30d' : '7d';
}

/** A full work queue is load, not a bug: the person may retry (workers/pool.ts WorkBusyError). */
function busyAsUserError(err: unknown): unknown {
  if (err instanceof Error && (err as { code?: string }).code === 'WORK_BUSY') {
    return new BusyError('I am drawing many maps right now: please try again in a minute.');
  }
  return err;
}

/** Why the heatmap has no measured overlay yet, and when it will. */
export function overlayStartNote(read: MeasuredHistoryRead): string {
  const every = `every ${Math.round(read.everyMs / 60_000)} min`;
  if (read.recordingSinceMs === undefined) return `measured overlay: none yet, it starts when the tracker has recorded (${every} while it runs)`;
  return `measured overlay: none yet in this window, it starts when the tracker has recorded; recording ${every} since ${formatUtcMinute(read.recordingSinceMs)} (coins with tracked positions only)`;
}

/** "312 positions of 1,204 accounts, read 0–4 min ago · coverage …" */
export function measuredFacts(s: MeasuredSnapshot, nowMs: number): string {
  const minutes = (ms: number) => Math.max(0, Math.round((nowMs - ms) / 60_000));
  const fresh = minutes(s.newestMs);
  const old = minutes(s.oldestMs);
  const age = fresh === old ? `${old} min` : `${fresh}–${old} min`;
  return `${s.positions.length.toLocaleString('en-US')} positions of ${s.accounts.toLocaleString('en-US')} Hyperliquid accounts, read ${age} ago · coverage ${s.coverage}`;
}
