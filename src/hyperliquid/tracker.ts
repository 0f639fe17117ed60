// The Hyperliquid position tracker: finds accounts in the trades they make (websocket `trades` and
// `recentTrades`, both naming buyer and seller; optionally a seed list), asks `clearinghouseState` for
// their positions within its share of the IP's weight budget, most valuable first
// (poll-priority.ts), keeps every account and its positions in the store (a restart loses no address)
// and reports coverage of Hyperliquid's open interest (coverage.ts). With a forward series it also
// records what Hyperliquid keeps no history of — open interest (each market read) and taker flow (the
// trades stream) — for Hyperliquid as a venue of the estimate; with `followAccounts` off it does only that.
//
// One loop does everything that costs weight, one request batch at a time, so no request is in flight
// while the budget waits: what the budget counts is what the venue sees.
import type { MeasuredPosition } from '../analysis/measured-map.js';
import type { Clock } from '../market/clock.js';
import { HyperliquidError, type HyperliquidInfoClient } from '../market/hyperliquid/info-client.js';
import { HyperliquidTradesStream } from '../market/hyperliquid/trades-stream.js';
import type { HlClearinghouseState, HlTrade } from '../market/hyperliquid/types.js';
import { WeightBudgetAborted } from '../market/hyperliquid/weight-budget.js';
import type { ForwardSeries } from '../market/hyperliquid/forward-series.js';
import type { AddressSource, TrackedAddress, TrackedPosition } from '../store/hyperliquid-records.js';
import { coverageOf, type CoverageReport, type OiSidedness } from './coverage.js';
import { decayedNotional, pickDue } from './poll-priority.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Batches picked by one ranking pass over every account. */
const QUEUED_BATCHES = 16;

export interface TrackerSettings {
  /** Coins whose traders are found and whose positions are kept, e.g. ['BTC']. */
  coins: string[];
  /** `clearinghouseState` calls sent together (weight 2 each). */
  batchSize: number;
  /** An account is not asked again sooner than this. */
  minRepollMs: number;
  /** Mark and open interest (`metaAndAssetCtxs`, weight 20). */
  marketEveryMs: number;
  /** `recentTrades` per coin (weight 20 + 1 per 20 rows); the websocket finds far more. */
  recentTradesEveryMs: number;
  /** Changed accounts are written to the store this often (and at stop). */
  flushEveryMs: number;
  expireEveryMs: number;
  /** Positions polled longer ago are stale: left out of maps and coverage. */
  positionTtlMs: number;
  /** An account neither seen trading nor polled for this long is forgotten. */
  addressTtlMs: number;
  notionalHalfLifeMs: number;
  /** Beyond this many accounts the least valuable without positions are forgotten. */
  maxAddresses: number;
  /** Set when known; else measured from the positions held (coverage.ts). */
  sidedness?: OiSidedness;
  /** Off: no accounts, only the market read and the trades stream for the forward series. */
  followAccounts: boolean;
}

export const DEFAULT_TRACKER_SETTINGS: TrackerSettings = {
  coins: ['BTC'],
  batchSize: 4,
  minRepollMs: MINUTE,
  marketEveryMs: MINUTE,
  recentTradesEveryMs: MINUTE,
  flushEveryMs: 5_000,
  expireEveryMs: MINUTE,
  positionTtlMs: 30 * MINUTE,
  addressTtlMs: 7 * DAY,
  notionalHalfLifeMs: HOUR,
  maxAddresses: 200_000,
  followAccounts: true,
};

/** The tracker's records: the store's collection, or anything with the same three calls. */
export interface AddressStore {
  list(): Promise<TrackedAddress[]>;
  put(id: string, record: TrackedAddress): Promise<void>;
  delete(id: string): Promise<boolean>;
}

export interface TrackerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface TrackerDeps {
  client: HyperliquidInfoClient;
  store: AddressStore;
  clock: Clock;
  /** The trades websocket; null = none (recentTrades and the seed only). */
  wsUrl: string | null;
  log?: TrackerLog;
  settings?: Partial<TrackerSettings>;
  /** Open interest and taker flow recorded forward (forward-series.ts), flushed with the accounts. */
  forward?: ForwardSeries;
}

export interface MarketSample {
  markPx: number;
  openInterestCoins: number;
  atMs: number;
}

export interface FreshPosition {
  address: string;
  position: TrackedPosition;
  atMs: number;
}

export interface TrackerStatus {
  addresses: number;
  polledEver: number;
  withPositions: number;
  freshPositions: number;
  stalePositions: number;
  pollsLastMinute: number;
  weightUsedByTracker: number;
  weightCap: number;
  weightUsedByAll: number;
  weightLimit: number;
  stats: PositionTracker['stats'];
  streamOpen: boolean;
}

export class PositionTracker {
  readonly settings: TrackerSettings;
  private readonly book = new Map<string, TrackedAddress>();
  private readonly dirty = new Set<string>();
  private readonly markets = new Map<string, MarketSample>();
  private readonly pollTimes: number[] = [];
  /** Accounts ranked for the next batches (see due()). */
  private queue: TrackedAddress[] = [];
  private stream: HyperliquidTradesStream | undefined;
  private controller: AbortController | undefined;
  private loop: Promise<void> | undefined;
  readonly stats = { polls: 0, pollErrors: 0, malformed: 0, rateLimited: 0, discovered: 0, forgotten: 0, positionsClosed: 0, storeErrors: 0 };

  constructor(private readonly deps: TrackerDeps) {
    this.settings = { ...DEFAULT_TRACKER_SETTINGS, ...deps.settings };
    if (this.settings.coins.length === 0) throw new RangeError('tracker: no coin to track');
    if (!(this.settings.batchSize >= 1)) throw new RangeError('tracker: batchSize must be at least 1');
  }

  /** Loads the stored accounts, adds the seed, starts the stream and the loop. */
  async start(seed: readonly string[] = []): Promise<{ loaded: number; seeded: number }> {
    if (this.loop) throw new Error('tracker already started');
    for (const record of await this.deps.store.list()) this.book.set(record.address, record);
    const loaded = this.book.size;
    let seeded = 0;
    const now = this.deps.clock.now();
    for (const address of seed) {
      const known = this.book.get(address);
      if (known) known.lastSeenMs = Math.max(known.lastSeenMs, now);
      else {
        this.book.set(address, newRecord(address, 'seed', now));
        seeded++;
      }
      this.dirty.add(address);
    }
    await this.flush();
    if (this.deps.wsUrl !== null) {
      const forward = this.deps.forward;
      this.stream = new HyperliquidTradesStream({
        url: this.deps.wsUrl,
        coins: this.settings.coins,
        onTrades: (t) => {
          forward?.onTrades(t, this.deps.clock.now());
          if (this.settings.followAccounts) this.observeTrades(t, 'trades');
        },
        onState: (open) => forward?.streamState(open, this.deps.clock.now()),
        log: this.deps.log,
      });
      this.stream.start();
    }
    this.controller = new AbortController();
    this.loop = this.run(this.controller.signal);
    this.deps.log?.info({ loaded, seeded, coins: this.settings.coins }, 'hyperliquid tracker started');
    return { loaded, seeded };
  }

  /** Stops the loop and the stream, then writes every change. */
  async stop(): Promise<void> {
    this.stream?.stop();
    this.controller?.abort();
    await this.loop;
    this.loop = undefined;
    await this.flush();
  }

  /** Accounts named by trades: new ones are added, known ones seen again; traded notional accrues to both sides. */
  observeTrades(trades: readonly HlTrade[], source: AddressSource): void {
    const now = this.deps.clock.now();
    const halfLife = this.settings.notionalHalfLifeMs;
    for (const t of trades) {
      const usd = t.px * t.sz;
      for (const address of [t.buyer, t.seller]) {
        let record = this.book.get(address);
        if (!record) {
          record = newRecord(address, source, now);
          this.book.set(address, record);
          this.stats.discovered++;
        }
        record.tradeNotionalUsd = decayedNotional(record, now, halfLife) + usd;
        record.tradeNotionalAtMs = now;
        record.lastSeenMs = Math.max(record.lastSeenMs, now);
        this.dirty.add(address);
      }
    }
  }

  market(coin: string): MarketSample | undefined {
    return this.markets.get(coin);
  }

  /** Positions of `coin` polled within the position TTL. */
  freshPositions(coin: string, nowMs = this.deps.clock.now()): FreshPosition[] {
    const out: FreshPosition[] = [];
    const oldest = nowMs - this.settings.positionTtlMs;
    for (const record of this.book.values()) {
      const at = record.positionsAtMs;
      if (at === undefined || at < oldest) continue;
      for (const position of record.positions) if (position.coin === coin) out.push({ address: record.address, position, atMs: at });
    }
    return out;
  }

  /** Fresh positions as the measured map takes them, valued at the current mark. */
  measuredPositions(coin: string, nowMs?: number): MeasuredPosition[] {
    const mark = this.markets.get(coin)?.markPx;
    return this.freshPositions(coin, nowMs).map(({ position: p }) => ({
      side: p.szi > 0 ? 'long' : 'short',
      usd: mark !== undefined ? Math.abs(p.szi) * mark : p.positionValue,
      liquidationPx: p.liquidationPx,
    }));
  }

  /** Tracked size ÷ open interest per side; undefined until the market has been read once. */
  coverage(coin: string, nowMs?: number): CoverageReport | undefined {
    const market = this.markets.get(coin);
    if (!market) return undefined;
    let longCoins = 0;
    let shortCoins = 0;
    for (const { position } of this.freshPositions(coin, nowMs)) {
      if (position.szi > 0) longCoins += position.szi;
      else shortCoins -= position.szi;
    }
    return coverageOf({ coin, markPx: market.markPx, openInterestCoins: market.openInterestCoins, longCoins, shortCoins, sidedness: this.settings.sidedness });
  }

  status(nowMs = this.deps.clock.now()): TrackerStatus {
    let polledEver = 0;
    let withPositions = 0;
    let fresh = 0;
    let stale = 0;
    const oldest = nowMs - this.settings.positionTtlMs;
    for (const r of this.book.values()) {
      if (r.lastPolledMs !== undefined) polledEver++;
      if (r.positions.length === 0) continue;
      withPositions++;
      if (r.positionsAtMs !== undefined && r.positionsAtMs >= oldest) fresh += r.positions.length;
      else stale += r.positions.length;
    }
    while (this.pollTimes.length > 0 && this.pollTimes[0]! <= nowMs - MINUTE) this.pollTimes.shift();
    const lane = this.deps.client.lane;
    return {
      addresses: this.book.size,
      polledEver,
      withPositions,
      freshPositions: fresh,
      stalePositions: stale,
      pollsLastMinute: this.pollTimes.length,
      weightUsedByTracker: lane.used(),
      weightCap: lane.cap,
      weightUsedByAll: lane.budget.used(),
      weightLimit: lane.budget.perWindow,
      stats: this.stats,
      streamOpen: this.stream?.open ?? false,
    };
  }

  /** Every account known (for tests and benchmarks). */
  addresses(): IterableIterator<TrackedAddress> {
    return this.book.values();
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { clock } = this.deps;
    const s = this.settings;
    let nextMarket = 0;
    let nextTrades = 0;
    let nextFlush = clock.now() + s.flushEveryMs;
    let nextExpire = clock.now() + s.expireEveryMs;
    while (!signal.aborted) {
      try {
        if (clock.now() >= nextMarket) {
          nextMarket = clock.now() + s.marketEveryMs;
          await this.refreshMarkets(signal);
        }
        if (s.followAccounts && clock.now() >= nextTrades) {
          nextTrades = clock.now() + s.recentTradesEveryMs;
          for (const coin of s.coins) this.observeTrades(await this.deps.client.recentTrades(coin, signal), 'recent-trades');
        }
        if (clock.now() >= nextExpire) {
          nextExpire = clock.now() + s.expireEveryMs;
          this.expire(clock.now());
        }
        if (clock.now() >= nextFlush) {
          nextFlush = clock.now() + s.flushEveryMs;
          await this.flush();
        }
        const batch = s.followAccounts ? this.due(clock.now()) : [];
        if (batch.length > 0) await this.pollBatch(batch, signal);
        else await clock.sleep(Math.max(1, Math.min(1000, nextMarket - clock.now(), nextTrades - clock.now(), nextFlush - clock.now())));
      } catch (err) {
        if (signal.aborted || err instanceof WeightBudgetAborted) break;
        this.noteFailure(err, undefined);
        await clock.sleep(1000);
      }
    }
  }

  /**
   * The next batch. Ranking every account costs a pass over all of them (about 50 ms for 100,000 on the
   * development machine), so one pass picks the next `QUEUED_BATCHES` batches; priorities move slowly
   * against the seconds those take.
   */
  private due(nowMs: number): TrackedAddress[] {
    const batch = this.settings.batchSize;
    this.queue = this.queue.filter((r) => this.book.get(r.address) === r);
    if (this.queue.length < batch) {
      const marks = new Map([...this.markets].map(([coin, m]) => [coin, m.markPx]));
      const latest = nowMs - this.settings.minRepollMs;
      const book = this.book;
      const queued = new Set(this.queue.map((r) => r.address));
      function* candidates() {
        for (const r of book.values()) if ((r.lastPolledMs === undefined || r.lastPolledMs <= latest) && !queued.has(r.address)) yield r;
      }
      this.queue.push(...pickDue(candidates(), batch * QUEUED_BATCHES, nowMs, marks, this.settings.notionalHalfLifeMs));
    }
    return this.queue.splice(0, batch);
  }

  private async refreshMarkets(signal: AbortSignal): Promise<void> {
    const contexts = await this.deps.client.metaAndAssetCtxs(signal);
    const now = this.deps.clock.now();
    for (const ctx of contexts) {
      if (!this.settings.coins.includes(ctx.coin)) continue;
      this.markets.set(ctx.coin, { markPx: ctx.markPx, openInterestCoins: ctx.openInterest, atMs: now });
      this.deps.forward?.sampleOi(ctx.coin, ctx.openInterest, ctx.markPx, now);
    }
  }

  private async pollBatch(batch: TrackedAddress[], signal: AbortSignal): Promise<void> {
    const results = await this.deps.client.clearinghouseStates(
      batch.map((r) => r.address),
      signal,
    );
    const now = this.deps.clock.now();
    results.forEach((result, i) => {
      const record = batch[i]!;
      if (result.status === 'fulfilled') {
        this.apply(record, result.value, now);
        return;
      }
      this.noteFailure(result.reason, record.address);
      // A malformed answer is skipped until the account's next turn, not asked again at once.
      if (result.reason instanceof HyperliquidError && result.reason.kind === 'malformed') {
        record.lastPolledMs = now;
        this.dirty.add(record.address);
      }
    });
  }

  private apply(record: TrackedAddress, state: HlClearinghouseState, now: number): void {
    const coins = this.settings.coins;
    const positions: TrackedPosition[] = state.positions
      .filter((p) => coins.includes(p.coin))
      .map((p) => ({
        coin: p.coin,
        szi: p.szi,
        entryPx: p.entryPx,
        positionValue: p.positionValue,
        liquidationPx: p.liquidationPx,
        marginMode: p.marginMode,
        leverage: p.leverage,
        marginUsed: p.marginUsed,
      }));
    if (record.positions.length > 0 && positions.length === 0) this.stats.positionsClosed++;
    record.positions = positions;
    record.positionsAtMs = state.time ?? now;
    record.lastPolledMs = now;
    this.dirty.add(record.address);
    this.stats.polls++;
    this.pollTimes.push(now);
  }

  private noteFailure(err: unknown, address: string | undefined): void {
    if (err instanceof HyperliquidError) {
      if (err.kind === 'malformed') this.stats.malformed++;
      else if (err.kind === 'rate-limited') this.stats.rateLimited++;
      else this.stats.pollErrors++;
      this.deps.log?.warn({ venue: 'hyperliquid', address, kind: err.kind, err: err.message }, err.kind === 'malformed' ? 'hyperliquid answer skipped' : 'hyperliquid request failed');
      return;
    }
    this.stats.pollErrors++;
    this.deps.log?.warn({ venue: 'hyperliquid', address, err: err instanceof Error ? err.message : String(err) }, 'hyperliquid tracker step failed');
  }

  /** Forgets accounts gone quiet (neither seen nor polled within the TTL), then the least valuable beyond the cap. */
  private expire(nowMs: number): void {
    const oldest = nowMs - this.settings.addressTtlMs;
    for (const [address, r] of this.book) {
      const lastKnown = Math.max(r.lastSeenMs, r.lastPolledMs ?? 0);
      if (lastKnown < oldest) this.forget(address);
    }
    const excess = this.book.size - this.settings.maxAddresses;
    if (excess <= 0) return;
    const idle = [...this.book.values()]
      .filter((r) => r.positions.length === 0)
      .map((r) => ({ address: r.address, value: decayedNotional(r, nowMs, this.settings.notionalHalfLifeMs) }))
      .sort((a, b) => a.value - b.value);
    for (const { address } of idle.slice(0, excess)) this.forget(address);
  }

  private forget(address: string): void {
    this.book.delete(address);
    this.dirty.add(address);
    this.stats.forgotten++;
  }

  /** Writes every changed account (deletes forgotten ones); a failed write stays pending for the next flush. */
  async flush(): Promise<void> {
    // Flow bars that ended while the stream was quiet are closed here too.
    this.deps.forward?.closeBars(this.deps.clock.now());
    await this.deps.forward?.flush().catch((err: unknown) => {
      this.stats.storeErrors++;
      this.deps.log?.warn({ err: err instanceof Error ? err.message : String(err) }, 'hyperliquid tracker: forward series write failed, retried at the next flush');
    });
    const ids = [...this.dirty];
    this.dirty.clear();
    for (const id of ids) {
      const record = this.book.get(id);
      try {
        if (record) await this.deps.store.put(id, record);
        else await this.deps.store.delete(id);
      } catch (err) {
        this.dirty.add(id);
        this.stats.storeErrors++;
        this.deps.log?.warn({ address: id, err: err instanceof Error ? err.message : String(err) }, 'hyperliquid tracker: store write failed, retried at the next flush');
      }
    }
  }
}

function newRecord(address: string, source: AddressSource, nowMs: number): TrackedAddress {
  return { v: 1, address, source, firstSeenMs: nowMs, lastSeenMs: nowMs, tradeNotionalUsd: 0, tradeNotionalAtMs: nowMs, positions: [] };
}
