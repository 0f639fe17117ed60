// The repositories the bot uses, over the backend chosen by configuration.
import type { StoreBackend } from './backend.js';
import { Collection } from './collection.js';
import {
  accuracyDaySchema,
  accuracyReportSchema,
  alertRuleSchema,
  calibrationVersionSchema,
  chatStateSchema,
  snapshotSchema,
  subscriptionSchema,
  watchRuleSchema,
  type AccuracyDay,
  type AccuracyReportRecord,
  type AlertRule,
  type CalibrationVersion,
  type ChatState,
  type DigestSnapshot,
  type Subscription,
  type WatchRule,
} from './records.js';
import { hyperliquidDaySchema, measuredDaySchema, trackedAddressSchema, type HyperliquidDay, type MeasuredDay, type TrackedAddress } from './hyperliquid-records.js';
import { RedisBackend } from './redis-backend.js';
import type { StoreLogger } from './schema.js';
import { SqliteBackend } from './sqlite-backend.js';

export interface Store {
  readonly backend: StoreBackend;
  /** id = destination. */
  readonly subscriptions: Collection<Subscription>;
  /** id = `<destination>/<rule id>`; list(`<destination>/`) gives one chat's rules. */
  readonly alertRules: Collection<AlertRule>;
  /** id = `<destination>/<symbol>`. */
  readonly snapshots: Collection<DigestSnapshot>;
  /** id = destination. */
  readonly chats: Collection<ChatState>;
  /** id = `<destination>/<watch id>`; list(`<destination>/`) gives one chat's watches. */
  readonly watches: Collection<WatchRule>;
  /** id = `<SYMBOL>/<venue>/<YYYY-MM-DD>`; list(`<SYMBOL>/`) gives a symbol's recorded days. */
  readonly accuracyDays: Collection<AccuracyDay>;
  /** id = symbol: the latest daily score. */
  readonly accuracyReports: Collection<AccuracyReportRecord>;
  /** id = `<SYMBOL>/<version, 6 digits>`: every recalibration attempt. */
  readonly calibrations: Collection<CalibrationVersion>;
  /** id = address (0x…, lower case): accounts the Hyperliquid position tracker follows. */
  readonly hyperliquidAddresses: Collection<TrackedAddress>;
  /** id = `<coin>/<YYYY-MM-DD>`: Hyperliquid open interest and taker flow recorded forward. */
  readonly hyperliquidDays: Collection<HyperliquidDay>;
  /** id = `<coin>/<YYYY-MM-DD>`: the measured map sampled through the day (the heatmap's overlay). */
  readonly hyperliquidMeasured: Collection<MeasuredDay>;
  close(): Promise<void>;
}

export function createStore(backend: StoreBackend, log: StoreLogger): Store {
  return {
    backend,
    subscriptions: new Collection(backend, 'sub', subscriptionSchema, log),
    alertRules: new Collection(backend, 'rule', alertRuleSchema, log),
    snapshots: new Collection(backend, 'snap', snapshotSchema, log),
    chats: new Collection(backend, 'chat', chatStateSchema, log),
    watches: new Collection(backend, 'watch', watchRuleSchema, log),
    accuracyDays: new Collection(backend, 'acc', accuracyDaySchema, log),
    accuracyReports: new Collection(backend, 'accrep', accuracyReportSchema, log),
    calibrations: new Collection(backend, 'calv', calibrationVersionSchema, log),
    hyperliquidAddresses: new Collection(backend, 'hladdr', trackedAddressSchema, log),
    hyperliquidDays: new Collection(backend, 'hlday', hyperliquidDaySchema, log),
    hyperliquidMeasured: new Collection(backend, 'hlmeas', measuredDaySchema, log),
    close: () => backend.close(),
  };
}

export interface StoreOptions {
  /** When set, Redis; else SQLite at `path`. */
  redisUrl: string | undefined;
  path: string;
}

export interface StoreLogSink extends StoreLogger {
  error(obj: object, msg: string): void;
}

export function openStore(options: StoreOptions, log: StoreLogSink, nowMs: () => number = () => Date.now()): Store {
  const backend = options.redisUrl
    ? new RedisBackend(options.redisUrl, (err) => log.error({ err: err.message }, 'store: redis connection error'))
    : new SqliteBackend(options.path, nowMs);
  return createStore(backend, log);
}
