// While `serve` runs with the live source: after each closed 15-minute bar, per followed symbol and venue,
// the bar's predicted sweep (the 7d map's model as of its close), the naive baseline and the realized
// liquidations the venue's stream pushed during it, into one store record per day. A bar is recorded only
// when that venue's stream was connected through all of it: only then is "no event" a known 0.
import { Cron } from 'croner';
import type { Logger } from 'pino';
import { ACCURACY_BAR_MS, ACCURACY_WINDOW, listened, predictBars, type AccuracyBar, type ListeningSpan } from '../analysis/accuracy.js';
import type { BarSeries, VenueSpec, WindowName } from '../analysis/types.js';
import type { Clock } from '../clock.js';
import type { AccuracyDay } from '../store/records.js';
import type { Store } from '../store/store.js';
import { dayId, emptyDay, toSlot } from './accuracy-days.js';

/** Bars per venue, as the map pipeline's market gives them (src/market/market-data.ts fits). */
export interface AccuracyMarket {
  getSeries(query: { symbol: string; window: WindowName; at?: number }): Promise<{ symbol: string; venues: { series: BarSeries; spec: VenueSpec }[] }>;
}

/** A live liquidation, as the feed hands it on (src/market/liquidation-events.ts). */
export interface LiveLiquidation {
  venue: string;
  symbol: string;
  side: 'long' | 'short';
  usd: number;
  ts: number;
}

export interface AccuracyRecorderOptions {
  store: Store;
  market: AccuracyMarket;
  clock: Clock;
  log: Logger;
  instanceId: string;
  /** Canonical symbols recorded (ACCURACY_SYMBOLS); the feed must follow them. */
  symbols: readonly string[];
}

/** Bars older than this are not predicted any more (their realized sums are dropped from memory too). */
const MEMORY_MS = 86_400_000;
/** One instance records a symbol at a time: the writer's lease, renewed every bar. */
const WRITER_LEASE_MS = 20 * 60_000;

export class AccuracyRecorder {
  /** Per venue: closed listening spans and the open one's start. */
  private readonly spans = new Map<string, ListeningSpan[]>();
  private readonly openSince = new Map<string, number>();
  /** Realized USD by `symbol|venue|bar open`. */
  private readonly realized = new Map<string, { long: number; short: number }>();
  private readonly symbols: Set<string>;
  private job: Cron | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly o: AccuracyRecorderOptions) {
    this.symbols = new Set(o.symbols);
  }

  /** The feed's connection reports (a StreamObserver): when each venue's stream listened. */
  readonly streams = {
    streamConnected: (venue: string, up: boolean): void => {
      const now = this.o.clock.now();
      const since = this.openSince.get(venue);
      if (up) {
        if (since === undefined) this.openSince.set(venue, now);
        return;
      }
      if (since === undefined) return;
      this.openSince.delete(venue);
      const list = this.spans.get(venue) ?? [];
      list.push({ from: since, to: now });
      this.spans.set(venue, list.filter((s) => s.to > now - MEMORY_MS));
    },
    streamMessage: (): void => undefined,
    streamReconnect: (): void => undefined,
  };

  /** When the venue's stream listened, up to now. */
  listeningOf(venue: string): ListeningSpan[] {
    const since = this.openSince.get(venue);
    const closed = this.spans.get(venue) ?? [];
    return since === undefined ? closed : [...closed, { from: since, to: this.o.clock.now() }];
  }

  /** A live event: summed into its bar when its symbol is recorded. */
  add(event: LiveLiquidation): void {
    if (!this.symbols.has(event.symbol)) return;
    const bar = Math.floor(event.ts / ACCURACY_BAR_MS) * ACCURACY_BAR_MS;
    const key = `${event.symbol}|${event.venue}|${bar}`;
    let sums = this.realized.get(key);
    if (!sums) this.realized.set(key, (sums = { long: 0, short: 0 }));
    sums[event.side] += event.usd;
  }

  /** 45 s after each 15-minute bar closes (after the alerts' map rules; venues publish open interest late). */
  start(): void {
    this.job = new Cron('45 */15 * * * *', { timezone: 'UTC', protect: true }, () => {
      this.tick().catch((err: unknown) => this.o.log.error({ err }, 'accuracy: recording failed'));
    });
  }

  async stop(): Promise<void> {
    this.job?.stop();
    await this.running;
  }

  /** Records every closed, listened bar not on record yet; returns how many bars were written. Calls share one run. */
  tick(): Promise<number> {
    this.running ??= this.record().finally(() => (this.running = undefined));
    return this.running;
  }

  private async record(): Promise<number> {
    const now = this.o.clock.now();
    const closedBy = Math.floor(now / ACCURACY_BAR_MS) * ACCURACY_BAR_MS;
    this.prune(now);
    let written = 0;
    for (const symbol of this.symbols) {
      try {
        if (!(await this.isWriter(symbol))) continue;
        written += await this.recordSymbol(symbol, closedBy, now);
      } catch (err) {
        this.o.log.warn({ err, symbol }, 'accuracy: could not record this bar');
      }
    }
    return written;
  }

  /** One instance writes a symbol's records; another takes over when its lease runs out. */
  private async isWriter(symbol: string): Promise<boolean> {
    const key = `accuracy:writer:${symbol}`;
    const { backend } = this.o.store;
    return (await backend.extendClaim(key, this.o.instanceId, WRITER_LEASE_MS)) || backend.claim(key, this.o.instanceId, WRITER_LEASE_MS);
  }

  private async recordSymbol(symbol: string, closedBy: number, now: number): Promise<number> {
    const series = await this.o.market.getSeries({ symbol, window: ACCURACY_WINDOW, at: closedBy });
    let written = 0;
    for (const { series: s, spec } of series.venues) {
      const venue = s.venue;
      const spans = this.listeningOf(venue);
      if (spans.length === 0) continue;
      const days = new Map<string, AccuracyDay>();
      const dayOf = async (ts: number) => {
        const id = dayId(symbol, venue, ts);
        let day = days.get(id);
        if (!day) days.set(id, (day = (await this.o.store.accuracyDays.get(id)) ?? emptyDay(symbol, venue, ts)));
        return day;
      };
      // The bars of the last day the stream heard through that are not on record yet.
      const candidates = new Set<number>();
      for (let ts = closedBy - ACCURACY_BAR_MS; ts >= now - MEMORY_MS; ts -= ACCURACY_BAR_MS) {
        if (!listened(spans, ts, ACCURACY_BAR_MS)) continue;
        const day = await dayOf(ts);
        if (day.bars[(ts - day.dayMs) / ACCURACY_BAR_MS] === null) candidates.add(ts);
      }
      if (candidates.size === 0) continue;
      // One model run per bar (about 10 ms on 7 days of 15-minute bars): yield between venues so replies go on.
      await new Promise<void>((resolve) => setImmediate(resolve));
      let predictions;
      try {
        predictions = predictBars(s, spec, (ts) => candidates.has(ts));
      } catch (err) {
        this.o.log.warn({ err, symbol, venue }, 'accuracy: no prediction for this venue now');
        continue;
      }
      const touched = new Set<AccuracyDay>();
      for (const p of predictions) {
        const r = this.realized.get(`${symbol}|${venue}|${p.ts}`);
        const bar: AccuracyBar = { ...p, realizedLongUsd: r?.long ?? 0, realizedShortUsd: r?.short ?? 0 };
        const day = await dayOf(p.ts);
        day.bars[(p.ts - day.dayMs) / ACCURACY_BAR_MS] = toSlot(bar);
        touched.add(day);
      }
      for (const day of touched) await this.o.store.accuracyDays.put(`${symbol}/${venue}/${day.day}`, day);
      written += predictions.length;
    }
    if (written > 0) this.o.log.debug({ symbol, bars: written }, 'accuracy: bars recorded');
    return written;
  }

  private prune(now: number): void {
    const oldest = now - MEMORY_MS - ACCURACY_BAR_MS;
    for (const key of this.realized.keys()) if (Number(key.slice(key.lastIndexOf('|') + 1)) < oldest) this.realized.delete(key);
  }
}
