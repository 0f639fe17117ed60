// MarketData from the live venues: catalogue → per-venue cached bars → one answer that says which
// venues failed and why. One venue's failure never fails the whole request.
import { WINDOW_INTERVAL_MS, WINDOW_MS } from '../analysis/params.js';
import { guardVenues } from '../analysis/venue-guard.js';
import type { Venue, VenueSpec } from '../analysis/types.js';
import { UserError } from '../errors.js';
import { BarCache } from './bar-cache.js';
import { systemClock, type Clock } from './clock.js';
import { DEFAULT_URLS, type VenueUrls } from './market-config.js';
import { NO_OBSERVER, type MarketData, type MarketObserver, type MarketSeries, type SeriesQuery, type VenueSeries } from './market-data.js';
import { SymbolCatalogue, type SymbolListing, type VenueMarket } from './symbol-catalogue.js';
import { canonicalSymbol } from './symbols.js';
import { VenueError, VenueHttp, type VenueHttpOptions } from './venue-http.js';
import { venueSpecFor } from './venue-specs.js';
import { BinanceClient } from './venues/binance.js';
import { BybitClient } from './venues/bybit.js';
import { OkxClient } from './venues/okx.js';
import { ForwardSeries } from './hyperliquid/forward-series.js';
import { HyperliquidVenueClient } from './hyperliquid/venue-client.js';
import type { VenueClient } from './venues/venue-client.js';

/** No venue could answer: names each one and why. A UserError, so chats and the CLI show it as is. */
export class MarketUnavailableError extends UserError {
  override name = 'MarketUnavailableError';
  constructor(
    readonly symbol: string,
    readonly failed: { venue: string; reason: string }[],
  ) {
    super(`no market data for ${symbol}: ${failed.map((f) => `${f.venue} (${f.reason})`).join('; ')}`);
  }
}

export interface LiveMarketOptions {
  clock?: Clock;
  observer?: MarketObserver;
  urls?: Partial<VenueUrls>;
  binanceApiKey?: string;
  binanceApiSecret?: string;
  /** Per request attempt (default 4 s). */
  timeoutMs?: number;
  retries?: number;
  backoffBaseMs?: number;
  maxRetryAfterMs?: number;
  /** Serve cached bars this old at most when a refresh fails (default 30 min). */
  maxStaleMs?: number;
  /** How long a venue's market list is trusted (default 1 h). */
  catalogueTtlMs?: number;
  breaker?: VenueHttpOptions['breaker'];
  /** Jitter source (tests pin it). */
  random?: () => number;
  /** Replace the venue clients (tests). */
  clients?: VenueClient[];
  /** The fetch the venue clients use (tests). */
  fetch?: typeof fetch;
  /** Hyperliquid's open interest and taker flow recorded so far (the bot's recorder fills it); default empty. */
  hyperliquidForward?: ForwardSeries;
}

/** Request budgets from the venues' published limits, with headroom for other users of the IP. */
const BUDGETS: Record<Venue, VenueHttpOptions['budget']> = {
  // In request WEIGHT: 2,400 a minute per IP (klines with limit=1500 weigh 10); half of it for us.
  // futures/data weighs 0 and has its own 1,000 requests / 5 min (binance.ts).
  binance: { capacity: 200, refillPerSecond: 20, maxWaitMs: 3000 },
  // 600 requests / 5 s per IP.
  bybit: { capacity: 50, refillPerSecond: 50, maxWaitMs: 3000 },
  // rubik endpoints: 10 requests / 2 s each (open interest and taker volume are two), candles 40 / 2 s.
  okx: { capacity: 20, refillPerSecond: 5, maxWaitMs: 3000 },
  // In request WEIGHT: 1,200 a minute per IP (candles 20 + 1 per 60 rows, the market 20). At most 300
  // in any minute (100 at once + 200 a minute): the 25% the position tracker leaves (HYPERLIQUID_RESERVE_PCT).
  hyperliquid: { capacity: 100, refillPerSecond: 200 / 60, maxWaitMs: 5000 },
};

export class LiveMarketData implements MarketData {
  readonly source = 'live';
  readonly clients: ReadonlyMap<string, VenueClient>;
  private readonly clock: Clock;
  private readonly observer: MarketObserver;
  private readonly cache: BarCache;
  private readonly venueLists = new Map<string, VenueList>();
  private catalogue?: { signature: string; lists: Map<string, VenueMarket>[]; state: CatalogueState };
  private readonly specs = new Map<string, Promise<VenueSpec>>();

  constructor(private readonly options: LiveMarketOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.observer = options.observer ?? NO_OBSERVER;
    this.cache = new BarCache({ clock: this.clock, observer: this.observer, maxStaleMs: options.maxStaleMs });
    const clients = options.clients ?? this.defaultClients();
    this.clients = new Map(clients.map((c) => [c.venue, c]));
  }

  private defaultClients(): VenueClient[] {
    const o = this.options;
    const http = (venue: Venue) =>
      new VenueHttp({
        venue,
        baseUrl: o.urls?.[venue] ?? DEFAULT_URLS[venue],
        clock: this.clock,
        timeoutMs: o.timeoutMs,
        retries: o.retries,
        backoffBaseMs: o.backoffBaseMs,
        maxRetryAfterMs: o.maxRetryAfterMs,
        budget: BUDGETS[venue],
        forbiddenBlockMs: venue === 'bybit' ? 600_000 : undefined,
        // What the IP used this minute, whoever spent it: past 80% nothing more goes out until the next minute.
        usedWeight: venue === 'binance' ? { header: 'x-mbx-used-weight-1m', limit: 2400, windowMs: 60_000, headroom: 0.8 } : undefined,
        breaker: o.breaker,
        random: o.random,
        observer: this.observer,
        fetch: o.fetch,
      });
    return [
      new BinanceClient({ http: http('binance'), clock: this.clock, apiKey: o.binanceApiKey, apiSecret: o.binanceApiSecret }),
      new BybitClient(http('bybit')),
      new OkxClient(http('okx'), this.clock),
      new HyperliquidVenueClient({ http: http('hyperliquid'), clock: this.clock, forward: o.hyperliquidForward ?? new ForwardSeries() }),
    ];
  }

  /** Requests sent so far, per venue (benchmarks, tests). */
  requestCounts(): Record<string, number> {
    return Object.fromEntries([...this.clients].map(([v, c]) => [v, c.http.requestCount]));
  }

  async getSeries(query: SeriesQuery): Promise<MarketSeries> {
    const wanted = (query.venues && query.venues.length > 0 ? [...query.venues] : [...this.clients.keys()]).filter((v, i, a) => a.indexOf(v) === i);
    const { symbol, usable, failed } = await this.marketsFor(query.symbol, wanted);

    const intervalMs = WINDOW_INTERVAL_MS[query.window];
    const endMs = Math.floor((query.at ?? this.clock.now()) / intervalMs) * intervalMs;
    const fromMs = endMs - WINDOW_MS[query.window];
    const notes: string[] = [];
    const results = await Promise.all(
      usable.map(async ({ venue, client, market }) => {
        try {
          const key = `${venue}:${symbol}:${intervalMs}`;
          const read = await this.cache.read(key, intervalMs, fromMs, endMs, (from, to) => client.fetchBars(market, intervalMs, from, to));
          if (read.bars.length === 0) {
            failed.push({ venue, reason: `no closed bars in the ${query.window} window` });
            return undefined;
          }
          notes.push(...read.notes);
          const spec = await this.spec(client, market, notes);
          const v: VenueSeries = { series: { venue, symbol, intervalMs, bars: read.bars }, spec };
          if (read.staleMs !== undefined) {
            v.staleMs = read.staleMs;
            notes.push(`${venue}: refresh failed, showing data ${formatAge(read.staleMs)} old`);
          }
          return v;
        } catch (err) {
          failed.push({ venue, reason: describeFailure(err) });
          return undefined;
        }
      }),
    );
    const answered = results.filter((v): v is VenueSeries => v !== undefined);
    // A venue implausible against the others (its OI unit changed, a stale price) is left out and named.
    const implausible = guardVenues(answered.map((v) => ({ venue: v.series.venue, bars: v.series.bars })));
    failed.push(...implausible);
    const venues = answered.filter((v) => !implausible.some((x) => x.venue === v.series.venue));
    if (venues.length === 0) throw new MarketUnavailableError(symbol, failed);
    const stale = venues.map((v) => v.staleMs).filter((s): s is number => s !== undefined);
    const answer: MarketSeries = { symbol, venues, failed: sortByVenue(failed, wanted), notes: [...new Set(notes)], source: 'live' };
    if (stale.length > 0) answer.staleMs = Math.max(...stale);
    return answer;
  }

  async searchSymbols(prefix: string, limit?: number): Promise<SymbolListing[]> {
    return (await this.catalogueState()).catalogue.search(prefix, limit);
  }

  async resolveSymbol(input: string): Promise<SymbolListing> {
    const state = await this.catalogueState();
    const listing = state.catalogue.get(canonicalSymbol(input));
    if (!listing && state.errors.size === this.clients.size) {
      throw new MarketUnavailableError(canonicalSymbol(input), [...state.errors].map(([venue, reason]) => ({ venue, reason })));
    }
    return listing ?? state.catalogue.resolve(input);
  }

  async close(): Promise<void> {
    this.cache.clear();
  }

  /** The venues' clients and markets for a symbol (the recorder fetches through them), and the venues lacking it. */
  async marketsFor(input: string, venues?: readonly string[]): Promise<{ symbol: string; usable: { venue: string; client: VenueClient; market: VenueMarket }[]; failed: { venue: string; reason: string }[] }> {
    const state = await this.catalogueState();
    const symbol = canonicalSymbol(input);
    const wanted = venues && venues.length > 0 ? [...venues] : [...this.clients.keys()];
    if (!state.catalogue.get(symbol)) {
      if (wanted.every((v) => state.errors.has(v))) throw new MarketUnavailableError(symbol, wanted.map((v) => ({ venue: v, reason: state.errors.get(v)! })));
      state.catalogue.resolve(input);
    }
    const usable: { venue: string; client: VenueClient; market: VenueMarket }[] = [];
    const failed: { venue: string; reason: string }[] = [];
    for (const venue of wanted) {
      const client = this.clients.get(venue);
      const market = state.markets.get(venue)?.get(symbol);
      if (!client) failed.push({ venue, reason: 'not a known venue' });
      else if (state.errors.has(venue)) failed.push({ venue, reason: state.errors.get(venue)! });
      else if (!market) failed.push({ venue, reason: `does not list ${symbol}` });
      else usable.push({ venue, client, market });
    }
    return { symbol, usable, failed };
  }

  /** OKX contract sizes by instId, for its liquidation stream (sizes come in contracts). */
  async contractSizes(): Promise<Map<string, number>> {
    const state = await this.catalogueState();
    const out = new Map<string, number>();
    for (const m of state.markets.get('okx')?.values() ?? []) if (m.contractSize !== undefined) out.set(m.nativeId, m.contractSize);
    return out;
  }

  /** The first maintenance tier; a venue that cannot say gets the known defaults and a note. */
  private spec(client: VenueClient, market: VenueMarket, notes: string[]): Promise<VenueSpec> {
    const key = `${client.venue}:${market.symbol}`;
    let p = this.specs.get(key);
    if (!p) {
      p = client.fetchSpec(market).catch((err: unknown) => {
        this.specs.delete(key);
        notes.push(`${client.venue}: maintenance margin tier unavailable (${describeFailure(err)}), default used`);
        return venueSpecFor(client.venue, market.symbol);
      });
      this.specs.set(key, p);
    }
    return p;
  }

  /**
   * Market lists of every venue, each cached for the TTL. A venue whose list failed is asked again after
   * a few seconds; a list fetched earlier stays in use while a refresh fails.
   */
  private async catalogueState(): Promise<CatalogueState> {
    const now = this.clock.now();
    const ttl = this.options.catalogueTtlMs ?? 3_600_000;
    await Promise.all(
      [...this.clients].map(async ([venue, client]) => {
        // Decided without awaiting, so concurrent callers share one request per venue.
        const entry = this.venueLists.get(venue);
        if (entry && (entry.pending || (entry.result?.markets ? now - entry.at < ttl : now - entry.at < 5000))) return;
        const previous = entry?.result?.markets;
        const next: VenueList = { at: now, pending: true, value: Promise.resolve({}) };
        next.value = client
          .listMarkets()
          .then(
            (list) => ({ markets: new Map(list.map((m) => [m.symbol, m])) }),
            (err: unknown) => ({ markets: previous, error: previous ? undefined : describeFailure(err) }),
          )
          .then((result) => {
            next.result = result;
            next.pending = false;
            return result;
          });
        this.venueLists.set(venue, next);
      }),
    );
    const markets = new Map<string, Map<string, VenueMarket>>();
    const errors = new Map<string, string>();
    for (const venue of this.clients.keys()) {
      const settled = await this.venueLists.get(venue)!.value;
      if (settled.markets) markets.set(venue, settled.markets);
      else errors.set(venue, settled.error ?? 'no market list');
    }
    const signature = [...markets.values()].map((m) => m.size).join(',') + '|' + [...errors.keys()].join(',');
    if (!this.catalogue || this.catalogue.signature !== signature || this.catalogue.lists.some((l, i) => l !== [...markets.values()][i])) {
      const ordered = new Map([...markets].map(([v, m]) => [v, [...m.values()]]));
      this.catalogue = { signature, lists: [...markets.values()], state: { markets, errors, catalogue: new SymbolCatalogue(ordered) } };
    }
    return this.catalogue.state;
  }
}

interface VenueListResult {
  markets?: Map<string, VenueMarket>;
  error?: string;
}

interface VenueList {
  at: number;
  pending: boolean;
  value: Promise<VenueListResult>;
  result?: VenueListResult;
}

interface CatalogueState {
  markets: Map<string, Map<string, VenueMarket>>;
  errors: Map<string, string>;
  catalogue: SymbolCatalogue;
}

function describeFailure(err: unknown): string {
  if (err instanceof VenueError) return `${err.endpoint}: ${err.detail}`;
  return err instanceof Error ? err.message : String(err);
}

function sortByVenue<T extends { venue: string }>(items: T[], order: string[]): T[] {
  return [...items].sort((a, b) => order.indexOf(a.venue) - order.indexOf(b.venue));
}

export function formatAge(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 1) return 'under a minute';
  if (min < 120) return `${min} min`;
  return `${Math.round(min / 60)} h`;
}
