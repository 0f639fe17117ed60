// Level watches, evaluated after each closed 15-minute bar (40 s after, behind the alerts' map rules): per
// watch, analysis/level-watch.ts over the primary venue's bars of the last days says which level price
// approached and how each approach ended. A new approach is told to the chat (modelled and calibrated
// USD at the level), at most once per level per cooldown — the claim is the cooldown, as for alerts —;
// the verdict of an approach that was told follows once decided. What was told is kept on the watch, and
// one instance at a time evaluates (a lease), so a restart or a second instance never tells it twice.
import { Cron } from 'croner';
import type { Logger } from 'pino';
import { accuracyBars } from '../analysis/accuracy.js';
import { DEFAULT_LEVEL_WATCH, watchLevels, type LevelEvent } from '../analysis/level-watch.js';
import { forcedFlowEstimates } from '../analysis/format.js';
import type { RealizedRow } from '../analysis/cascades.js';
import type { Bar, BarSeries } from '../analysis/types.js';
import type { DestinationSender, Reply, SendResult } from '../core/command.js';
import type { Platform } from '../core/caller.js';
import type { Clock } from '../clock.js';
import type { MapService } from '../maps/map-pipeline.js';
import type { WatchLevel, WatchRule } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { AccuracyMarket } from './accuracy-recorder.js';
import type { ScheduleMetrics } from './digest-scheduler.js';
import { decodeDestination } from '../core/destination.js';
import { markDestinationGone } from './gone.js';
import { approachText, verdictText } from './watch-rules.js';

/** Realized rows of the last day from the live feed (realized-liquidations.ts), when it runs. */
export interface RealizedRows {
  rows(symbol: string, intervalMs: number): RealizedRow[] | undefined;
}

export interface WatchEvaluatorOptions {
  store: Store;
  maps: MapService;
  market: AccuracyMarket;
  senders: Partial<Record<Platform, DestinationSender>>;
  clock: Clock;
  log: Logger;
  instanceId: string;
  /** Minimum time between two approach messages of one level of one watch (ALERT_COOLDOWN_HOURS). */
  cooldownMs: number;
  liquidations?: RealizedRows;
  metrics?: ScheduleMetrics;
}

/** The bars a watch is judged on: the rejection lookback and a day for the pace before it. */
const LOOKBACK_MS = DEFAULT_LEVEL_WATCH.rejectionLookbackMs + 86_400_000;
const LOOKBACK_DAYS = DEFAULT_LEVEL_WATCH.rejectionLookbackMs / 86_400_000;
const EVALUATOR_KEY = 'watches:evaluator';
/** Renewed every bar (15 minutes). */
const EVALUATOR_LEASE_MS = 20 * 60_000;

/** sent: the chat got it; cooldown: the claim was held (told within the cooldown); failed: try again next bar. */
type Told = 'sent' | 'cooldown' | 'failed';

/** The closed 15-minute bars of the lookback a watch is judged on. */
export function watchBarsOf(series: BarSeries, now: number): { bars: Bar[]; intervalMs: number } {
  const s = accuracyBars(series);
  return { bars: s.bars.filter((b) => b.ts + s.intervalMs <= now && b.ts >= now - LOOKBACK_MS), intervalMs: s.intervalMs };
}

export class WatchEvaluator {
  private job: Cron | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly o: WatchEvaluatorOptions) {}

  start(): void {
    this.job = new Cron('40 */15 * * * *', { timezone: 'UTC', protect: true }, () => {
      this.evaluate().catch((err: unknown) => this.o.log.error({ err }, 'watches: evaluation failed'));
    });
  }

  async stop(): Promise<void> {
    this.job?.stop();
    await this.running;
  }

  /** Every watch once; returns how many messages were sent. Overlapping calls share one run. */
  evaluate(): Promise<number> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<number> {
    if (!(await this.isEvaluator())) return 0;
    const watches = await this.o.store.watches.list();
    const bars = new Map<string, Promise<{ bars: Bar[]; intervalMs: number } | undefined>>();
    let sent = 0;
    for (const watch of watches) {
      try {
        if ((await this.o.store.chats.get(watch.destination))?.gone) continue;
        // One fetch per symbol for all of its watches; a symbol whose data fails is skipped this bar.
        if (!bars.has(watch.symbol)) bars.set(watch.symbol, this.barsOf(watch.symbol));
        const series = await bars.get(watch.symbol);
        if (series) sent += await this.apply(watch, series.bars, series.intervalMs);
      } catch (err) {
        this.o.log.error({ err, destination: watch.destination, watch: watch.id }, 'watches: watch failed');
      }
    }
    return sent;
  }

  /** One instance evaluates the watches; another takes over when its lease runs out. */
  private async isEvaluator(): Promise<boolean> {
    const { backend } = this.o.store;
    return (await backend.extendClaim(EVALUATOR_KEY, this.o.instanceId, EVALUATOR_LEASE_MS)) || backend.claim(EVALUATOR_KEY, this.o.instanceId, EVALUATOR_LEASE_MS);
  }

  private async barsOf(symbol: string): Promise<{ bars: Bar[]; intervalMs: number } | undefined> {
    try {
      const now = this.o.clock.now();
      const { venues } = await this.o.market.getSeries({ symbol, window: '7d' });
      // The primary venue's price, as the digest's cascade watch reads it.
      const primary = venues[0];
      if (!primary) return undefined;
      return watchBarsOf(primary.series, now);
    } catch (err) {
      this.o.log.warn({ err, symbol }, 'watches: no bars for this symbol now');
      return undefined;
    }
  }

  /** One watch over the bars: messages for new approaches and decided verdicts; returns how many were sent. */
  async apply(watch: WatchRule, bars: readonly Bar[], intervalMs: number): Promise<number> {
    const realized = this.o.liquidations?.rows(watch.symbol, intervalMs);
    const events = watchLevels({ bars, intervalMs, levels: watch.levels.map((l) => l.price), ...(realized ? { realized } : {}) }, { nearFraction: watch.nearPct / 100 });
    let sent = 0;
    for (const level of watch.levels) {
      // Approaches of this level whose bar closed after the watch was made: history is not news.
      const mine = events.filter((e) => e.level === level.price && e.approachTs + intervalMs > watch.createdAtMs);
      // The verdict of the approach told last, once decided (even when a newer approach followed it).
      const told = mine.find((e) => e.approachTs === level.approachTs);
      if (told && !level.verdictDone && told.verdict !== 'pending') {
        const verdict = await this.tellVerdict(watch, told);
        if (verdict === 'failed') continue;
        await this.saveLevel(watch, level.price, { verdictDone: true });
        sent += Number(verdict === 'sent');
      }
      const event = mine[mine.length - 1];
      if (!event || event.approachTs === level.approachTs) continue;
      // A new approach: told once per cooldown; one already decided (after downtime) is told with its verdict.
      const approach = await this.tell(watch, `watch:${watch.destination}/${watch.id}/${level.price}`, this.o.cooldownMs, () => this.approachReply(watch, event));
      if (approach === 'failed') continue;
      const decided = event.verdict !== 'pending';
      const verdict = approach === 'sent' && decided ? await this.tellVerdict(watch, event) : 'cooldown';
      // Silenced by the cooldown: its verdict is not told either.
      await this.saveLevel(watch, level.price, { approachTs: event.approachTs, verdictDone: approach === 'cooldown' || (decided && verdict !== 'failed') });
      sent += Number(approach === 'sent') + Number(verdict === 'sent');
    }
    return sent;
  }

  private tellVerdict(watch: WatchRule, event: LevelEvent): Promise<Told> {
    // Claimed per approach for two days: one instance tells it, once.
    return this.tell(watch, `watchv:${watch.destination}/${watch.id}/${event.level}/${event.approachTs}`, 2 * 86_400_000, async () => verdictText(watch, event, LOOKBACK_DAYS));
  }

  private async approachReply(watch: WatchRule, event: LevelEvent): Promise<Reply> {
    const { map } = await this.o.maps.map({ symbol: watch.symbol, window: '7d', level: String(event.level) });
    const flow = forcedFlowEstimates(map).find((e) => e.price === event.level);
    return approachText(watch, event, map, flow);
  }

  /** Claims `claimKey` for `ttlMs`, then sends. */
  private async tell(watch: WatchRule, claimKey: string, ttlMs: number, reply: () => Promise<Reply>): Promise<Told> {
    const sender = this.o.senders[watch.platform];
    const destination = decodeDestination(watch.destination);
    if (!sender || !destination) {
      this.o.log.error({ destination: watch.destination, platform: watch.platform }, 'watches: no sender for this destination in this instance');
      return 'failed';
    }
    if (!(await this.o.store.backend.claim(claimKey, this.o.instanceId, ttlMs))) return 'cooldown';
    let result: SendResult;
    try {
      result = await sender.send(destination, await reply());
    } catch (err) {
      await this.o.store.backend.releaseClaim(claimKey, this.o.instanceId);
      this.o.metrics?.alertSent(false);
      throw err;
    }
    if (result === 'ok') {
      this.o.metrics?.alertSent(true);
      this.o.log.info({ destination: watch.destination, watch: watch.id, claim: claimKey }, 'watch message sent');
      return 'sent';
    }
    this.o.metrics?.alertSent(false);
    if ('gone' in result) await markDestinationGone(this.o.store, this.o.log, watch.destination, result.gone, this.o.clock.now());
    else await this.o.store.backend.releaseClaim(claimKey, this.o.instanceId);
    return 'failed';
  }

  /** Re-reads the watch so a concurrent removal is not undone. */
  private async saveLevel(watch: WatchRule, price: number, patch: Partial<WatchLevel>): Promise<void> {
    const id = `${watch.destination}/${watch.id}`;
    const current = await this.o.store.watches.get(id);
    if (!current) return;
    const levels = current.levels.map((l) => (l.price === price ? { ...l, ...patch } : l));
    await this.o.store.watches.put(id, { ...current, levels });
    // The caller's copy follows, so the next level of this run sees the same record.
    watch.levels = levels;
  }
}
