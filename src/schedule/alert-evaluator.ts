// Alerts: map rules (ratio, cluster) are evaluated after each newly closed bar, liquidation rules on the
// live stream's sums. Firing takes a claim that lives for the cooldown, so two instances (or a restart)
// never send one alert twice and a rule fires at most once per cooldown.
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { WindowName } from '../analysis/types.js';
import type { DestinationSender, SendResult } from '../core/command.js';
import type { Platform } from '../core/caller.js';
import type { Clock } from '../clock.js';
import type { MapService } from '../maps/map-pipeline.js';
import type { AlertRule } from '../store/records.js';
import type { Store } from '../store/store.js';
import { alertText, stepRule, type AlertInputs } from './alert-rules.js';
import type { RealizedLiquidations, ScheduleMetrics } from './digest-scheduler.js';
import { decodeDestination } from '../core/destination.js';
import { markDestinationGone } from './gone.js';

export interface AlertEvaluatorOptions {
  store: Store;
  maps: MapService;
  senders: Partial<Record<Platform, DestinationSender>>;
  clock: Clock;
  log: Logger;
  instanceId: string;
  /** Minimum time between two firings of one rule (default 4 h). */
  cooldownMs?: number;
  liquidations?: RealizedLiquidations;
  metrics?: ScheduleMetrics;
  /** The window the map rules look at (default 7d, whose bars close every 15 minutes). */
  window?: WindowName;
}

export type RuleGroup = 'map' | 'liquidations';

export class AlertEvaluator {
  readonly cooldownMs: number;
  private readonly jobs: Cron[] = [];
  private running = new Map<RuleGroup, Promise<number>>();
  private pending: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: AlertEvaluatorOptions) {
    this.cooldownMs = o.cooldownMs ?? 4 * 3_600_000;
  }

  /** Map rules 30 s after each 15-minute bar closes (venues publish late); liquidation rules every minute. */
  start(): void {
    const run = (group: RuleGroup) => () => {
      this.evaluate(group).catch((err: unknown) => this.o.log.error({ err, group }, 'alerts: evaluation failed'));
    };
    this.jobs.push(new Cron('30 */15 * * * *', { timezone: 'UTC', protect: true }, run('map')));
    if (this.o.liquidations) this.jobs.push(new Cron('15 * * * * *', { timezone: 'UTC', protect: true }, run('liquidations')));
  }

  /**
   * A live liquidation arrived: evaluate the liquidation rules soon, at most once per `throttleMs`
   * (a cascade pushes hundreds of events a second).
   */
  notifyLiquidation(throttleMs = 10_000): void {
    if (this.pending || this.stopped) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.evaluate('liquidations').catch((err: unknown) => this.o.log.error({ err }, 'alerts: evaluation failed'));
    }, throttleMs);
    this.pending.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pending) clearTimeout(this.pending);
    for (const job of this.jobs.splice(0)) job.stop();
    await Promise.all(this.running.values());
  }

  /** Evaluates every rule of the group once; returns how many alerts were sent. Overlapping calls share one run. */
  evaluate(group: RuleGroup): Promise<number> {
    let run = this.running.get(group);
    if (!run) {
      run = this.runGroup(group).finally(() => this.running.delete(group));
      this.running.set(group, run);
    }
    return run;
  }

  private async runGroup(group: RuleGroup): Promise<number> {
    const rules = (await this.o.store.alertRules.list()).filter((r) => (r.condition.kind === 'liquidations') === (group === 'liquidations'));
    const gone = new Map<string, boolean>();
    const maps = new Map<string, Promise<AlertInputs['map']>>();
    let sent = 0;
    for (const rule of rules) {
      if (!gone.has(rule.destination)) gone.set(rule.destination, Boolean((await this.o.store.chats.get(rule.destination))?.gone));
      if (gone.get(rule.destination)) continue;
      try {
        const inputs: AlertInputs = {};
        if (rule.condition.kind === 'liquidations') {
          const r = this.o.liquidations?.sum(rule.symbol, rule.condition.periodMs);
          if (r) inputs.realized = r;
        } else {
          // One model run per symbol for all of its rules; a symbol whose data fails is skipped this bar.
          if (!maps.has(rule.symbol)) {
            maps.set(rule.symbol, this.o.maps.map({ symbol: rule.symbol, window: this.window }).then((r) => r.map, (err: unknown) => {
              this.o.log.warn({ err, symbol: rule.symbol }, 'alerts: no map for this symbol now');
              return undefined;
            }));
          }
          const map = await maps.get(rule.symbol);
          if (map) inputs.map = map;
        }
        if (await this.apply(rule, inputs)) sent++;
      } catch (err) {
        this.o.log.error({ err, destination: rule.destination, rule: rule.id }, 'alerts: rule failed');
      }
    }
    return sent;
  }

  private get window(): WindowName {
    return this.o.window ?? '7d';
  }

  /** One rule, one evaluation: state changes saved, the alert sent when it fires. True when sent. */
  async apply(rule: AlertRule, inputs: AlertInputs): Promise<boolean> {
    const step = stepRule(rule, inputs);
    if (!step.fire) {
      if (step.armed !== rule.armed) await this.saveState(rule, { armed: step.armed });
      return false;
    }
    if (!this.o.senders[rule.platform] || !decodeDestination(rule.destination)) {
      // Another instance with this platform's token sends it; local configuration never pauses a chat.
      this.o.log.error({ destination: rule.destination, platform: rule.platform }, 'alerts: no sender for this destination in this instance');
      return false;
    }
    const claimKey = `alert:${rule.destination}/${rule.id}`;
    // Held for the cooldown: the claim is the cooldown, shared by every instance.
    if (!(await this.o.store.backend.claim(claimKey, this.o.instanceId, this.cooldownMs))) return false;
    let result: SendResult;
    try {
      result = await this.send(rule, step.evaluation);
    } catch (err) {
      await this.o.store.backend.releaseClaim(claimKey, this.o.instanceId);
      this.o.metrics?.alertSent(false);
      throw err;
    }
    if (result === 'ok') {
      await this.saveState(rule, { armed: false, lastFiredMs: this.o.clock.now() });
      this.o.metrics?.alertSent(true);
      this.o.log.info({ destination: rule.destination, rule: rule.id }, 'alert sent');
      return true;
    }
    this.o.metrics?.alertSent(false);
    if ('gone' in result) {
      await markDestinationGone(this.o.store, this.o.log, rule.destination, result.gone, this.o.clock.now());
      return false;
    }
    // Rate-limited: give the claim back so the next evaluation may try again.
    await this.o.store.backend.releaseClaim(claimKey, this.o.instanceId);
    return false;
  }

  private async send(rule: AlertRule, evaluation: ReturnType<typeof stepRule>['evaluation']): Promise<SendResult> {
    const destination = decodeDestination(rule.destination);
    const sender = this.o.senders[rule.platform];
    if (!destination || !sender) throw new Error(`alerts: no ${rule.platform} sender for ${rule.destination}`);
    const { title, text } = alertText(rule, evaluation);
    const picture = await this.o.maps.mapPicture({ symbol: rule.symbol, window: this.window });
    return sender.send(destination, {
      title,
      text,
      images: [{ png: picture.png, name: `liqmap-${picture.map.meta.symbol}-${this.window}.png`, cacheKey: picture.id }],
    });
  }

  /** Re-reads the rule so a concurrent removal is not undone. */
  private async saveState(rule: AlertRule, patch: Partial<Pick<AlertRule, 'armed' | 'lastFiredMs'>>): Promise<void> {
    const id = `${rule.destination}/${rule.id}`;
    const current = await this.o.store.alertRules.get(id);
    if (!current) return;
    await this.o.store.alertRules.put(id, { ...current, ...patch });
  }
}
