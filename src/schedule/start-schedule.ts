// Builds the store, the digest scheduler and the alert evaluator for src/main.ts, so the composition
// root needs only a few lines: create, put `schedule` into the services, start, stop.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { DestinationSender } from '../core/command.js';
import type { Platform } from '../core/caller.js';
import type { Clock } from '../clock.js';
import type { MapService } from '../maps/map-pipeline.js';
import { openStore, type Store } from '../store/store.js';
import { AlertEvaluator } from './alert-evaluator.js';
import { AlertSettings } from './alert-settings.js';
import { DigestScheduler, type ScheduleMetrics } from './digest-scheduler.js';
import { DigestSettings } from './digest-settings.js';
import { RealizedWindow, type LiquidationEventSource } from './realized-liquidations.js';
import type { AccuracyPort, ScheduleServices } from './services.js';
import { AccuracyRecorder, type AccuracyMarket } from './accuracy-recorder.js';
import { AccuracyService } from './accuracy-service.js';
import { WatchEvaluator } from './watch-evaluator.js';
import { WatchSettings } from './watch-settings.js';
import type { Calibration } from '../analysis/calibration.js';
import { BASE_SYMBOLS as ACCURACY_SYMBOLS } from '../market/liquidation-feed.js';
import type { PageLinks } from '../core/command.js';

export interface ScheduleConfig {
  store: { redisUrl: string | undefined; path: string };
  schedule: { digestGraceMinutes: number; alertCooldownHours: number; accuracyRecalibrate?: boolean };
}

export interface ScheduleDeps {
  config: ScheduleConfig;
  maps: MapService;
  /** Filled in as the adapters start; read at send time. */
  senders: Partial<Record<Platform, DestinationSender>>;
  clock: Clock;
  log: Logger;
  metrics?: ScheduleMetrics;
  /** The live liquidation feed, when it runs (src/market/liquidation-feed.ts). */
  liquidationFeed?: LiquidationEventSource;
  /** Web view links for digests (PUBLIC_URL set). */
  links?: PageLinks;
  /** Bars per venue: with the live feed, the accuracy recorder predicts each closed bar from them. */
  market?: AccuracyMarket;
  /** The calibration the maps use (the accuracy report scores it). */
  calibration?: Calibration;
}

export interface RunningSchedule {
  /** The ports /digest and /alerts call. */
  services: ScheduleServices;
  store: Store;
  scheduler: DigestScheduler;
  evaluator: AlertEvaluator;
  /** Names this process in the store's claims. */
  instanceId: string;
  /** Realized liquidations from the live streams, when they run. */
  liquidations?: RealizedWindow;
  /** The map that scores itself (issue 14 part 3): with the live feed and a market. */
  accuracy?: { recorder: AccuracyRecorder; service: AccuracyService };
  /** Level watches (/watch): with a market. */
  watches?: WatchEvaluator;
  start(): void;
  /** Stops the timers, waits for sends in flight, closes the store. */
  stop(): Promise<void>;
}

export function createSchedule(deps: ScheduleDeps): RunningSchedule {
  const log = deps.log.child({ component: 'schedule' });
  const store = openStore(deps.config.store, log, deps.clock.now);
  // Distinct per process, so claims tell instances (and a restarted process) apart.
  const instanceId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const common = { store, maps: deps.maps, senders: deps.senders, clock: deps.clock, log, instanceId, ...(deps.metrics ? { metrics: deps.metrics } : {}) };
  const liquidations = deps.liquidationFeed ? new RealizedWindow(deps.clock) : undefined;
  // What the map predicted for each closed bar beside what the streams saw liquidated, scored daily.
  const accuracy =
    deps.liquidationFeed && deps.market
      ? {
          recorder: new AccuracyRecorder({ store, market: deps.market, clock: deps.clock, log, instanceId, symbols: ACCURACY_SYMBOLS }),
          service: new AccuracyService({
            store,
            clock: deps.clock,
            log,
            instanceId,
            symbols: ACCURACY_SYMBOLS,
            recalibrate: deps.config.schedule.accuracyRecalibrate ?? false,
            ...(deps.calibration ? { calibration: deps.calibration } : {}),
          }),
        }
      : undefined;
  const digests = new DigestScheduler({ ...common, graceMs: deps.config.schedule.digestGraceMinutes * 60_000, ...(liquidations ? { liquidations } : {}), ...(deps.links ? { links: deps.links } : {}), ...(accuracy ? { accuracy: accuracy.service } : {}) });
  const alerts = new AlertEvaluator({ ...common, cooldownMs: deps.config.schedule.alertCooldownHours * 3_600_000, ...(liquidations ? { liquidations } : {}) });
  const watches = deps.market
    ? new WatchEvaluator({ ...common, market: deps.market, cooldownMs: alerts.cooldownMs, ...(liquidations ? { liquidations } : {}) })
    : undefined;
  const services = scheduleServicesOf({
    store,
    maps: deps.maps,
    clock: deps.clock,
    scheduler: digests,
    evaluator: alerts,
    liquidationsAvailable: Boolean(liquidations),
    ...(accuracy ? { accuracy: accuracy.service } : {}),
    watches: Boolean(watches),
  });
  let unsubscribe: (() => void) | undefined;
  return {
    services,
    store,
    scheduler: digests,
    evaluator: alerts,
    instanceId,
    ...(liquidations ? { liquidations } : {}),
    ...(accuracy ? { accuracy } : {}),
    ...(watches ? { watches } : {}),
    start() {
      if (deps.liquidationFeed && liquidations) {
        unsubscribe = deps.liquidationFeed.onEvent((event) => {
          liquidations.add(event);
          accuracy?.recorder.add(event);
          alerts.notifyLiquidation();
        });
      }
      digests.start();
      alerts.start();
      watches?.start();
      accuracy?.recorder.start();
      accuracy?.service.start();
      log.info({ store: store.backend.kind, instanceId }, 'digests and alerts running');
    },
    async stop() {
      unsubscribe?.();
      await Promise.allSettled([digests.stop(), alerts.stop(), watches?.stop(), accuracy?.recorder.stop(), accuracy?.service.stop()]);
      await store.close();
    },
  };
}

/** The ports /digest and /alerts call, over a store, a scheduler and an evaluator (also for tests). */
export function scheduleServicesOf(o: {
  store: Store;
  maps: MapService;
  clock: Clock;
  scheduler: DigestScheduler;
  evaluator: AlertEvaluator;
  liquidationsAvailable: boolean;
  accuracy?: AccuracyPort;
  /** Whether level watches are evaluated (a market to read bars from). */
  watches?: boolean;
}): ScheduleServices {
  return {
    digests: new DigestSettings({ store: o.store, maps: o.maps, scheduler: o.scheduler, clock: o.clock }),
    alerts: new AlertSettings({ store: o.store, maps: o.maps, clock: o.clock, cooldownMs: o.evaluator.cooldownMs, liquidationsAvailable: o.liquidationsAvailable }),
    ...(o.accuracy ? { accuracy: o.accuracy } : {}),
    ...(o.watches ? { watches: new WatchSettings({ store: o.store, maps: o.maps, clock: o.clock, cooldownMs: o.evaluator.cooldownMs }) } : {}),
  };
}
