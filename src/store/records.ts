// What the bot remembers, one record type per thing a user configured or the scheduler needs next time.
// Destinations are keys like `tg:<chatId>` and `dc:<guildId>:<channelId>` (DESIGN.md §8).
import type { AccuracyReport } from '../analysis/accuracy.js';
import type { Calibration, CalibrationScore } from '../analysis/calibration.js';
import { is, type RecordSchema } from './schema.js';

export type Platform = 'telegram' | 'discord';
export type DigestDays = 'daily' | 'weekdays';

/** One chat's digest: at most one per destination. */
export interface Subscription {
  v: 1;
  destination: string;
  platform: Platform;
  /** Local wall-clock time, HH:MM. */
  time: string;
  /** IANA time zone. */
  timezone: string;
  days: DigestDays;
  /** Canonical symbols (BTCUSDT). */
  symbols: string[];
  window: string;
  createdBy: string;
  updatedAtMs: number;
  enabled: boolean;
  /** Why it stopped by itself (bot removed, no permission), for /digest status. */
  disabledReason?: string;
  disabledAtMs?: number;
  /** The last slot handled (sent, skipped or given up), Unix ms of the slot. */
  lastSlotMs?: number;
  lastSentAtMs?: number;
  /** The latest send whose outcome is not known: written before the platform call, dropped once it answers. */
  attempt?: DigestAttempt;
  /**
   * `weekly`: the first digest of each week (Monday, the chat's time zone) carries the map's accuracy
   * report. Added to version 1 as an optional field: older records are valid without it.
   */
  accuracy?: 'weekly';
}

/**
 * One send of a digest slot, recorded before the platform call: Telegram has no idempotency key, so a send
 * that started and was never answered may have been posted, and is not repeated blind.
 * Added to version 1 as an optional field: every older record is a valid record without it.
 */
export interface DigestAttempt {
  slotMs: number;
  /** When the platform call started. */
  startedAtMs: number;
  /** The instance that made the call (start-schedule.ts's instance id). */
  instance: string;
  /**
   * `sending`: the call started, its answer is not recorded yet. `unconfirmed`: no answer will come (the
   * instance stopped mid-send, or the call failed without saying whether the post went out); the slot
   * counts as possibly delivered.
   */
  state: 'sending' | 'unconfirmed';
}

export type AlertCondition =
  | { kind: 'ratio'; op: '>' | '<'; threshold: number }
  | { kind: 'cluster'; minUsd: number; withinPct: number }
  | { kind: 'liquidations'; minUsd: number; periodMs: number };

export interface AlertRule {
  v: 1;
  /** Short id shown in /alerts list, unique within the destination (a1, a2, …). */
  id: string;
  destination: string;
  platform: Platform;
  symbol: string;
  condition: AlertCondition;
  createdBy: string;
  createdAtMs: number;
  /** False after firing until the value falls back (hysteresis). */
  armed: boolean;
  lastFiredMs?: number;
}

/** The figures of the last digest per destination and symbol: "14:1 ↑ from 9:1". */
export interface DigestSnapshot {
  v: 1;
  destination: string;
  symbol: string;
  ratio: number | null;
  ratioKind: string;
  atMs: number;
}

/** Per-destination state that is not a digest or a rule. */
export interface ChatState {
  v: 1;
  destination: string;
  /** Set when the platform said the bot can no longer post there; cleared by a moderator's /digest on. */
  gone?: { reason: string; atMs: number };
  /** The highest alert rule number handed out here, so a removed rule's id (and its cooldown) is never reused. */
  lastRuleNumber?: number;
  /** The same for level watches (w1, w2, …). */
  lastWatchNumber?: number;
}

/** One level a watch follows, and what the chat was told about it (restart safety; claims guard instances). */
export interface WatchLevel {
  price: number;
  /** The approach (its bar's open, Unix ms) the chat was last told about, or chose not to be (cooldown). */
  approachTs?: number;
  /** Set once the verdict of that approach was handled. */
  verdictDone?: boolean;
}

/** A moderator's level watch (`/watch add btc 85000 90000 95000`, issue 14 part 4). */
export interface WatchRule {
  v: 1;
  /** Short id shown in /watch list, unique within the destination (w1, w2, …). */
  id: string;
  destination: string;
  platform: Platform;
  symbol: string;
  levels: WatchLevel[];
  /** `levels`: named by the moderator; `clusters`: the map's clusters when the watch was added. */
  origin: 'levels' | 'clusters';
  /** Price within this % of a level is an approach. */
  nearPct: number;
  createdBy: string;
  createdAtMs: number;
}

/** [predLong, predShort, naiveLong, naiveShort, oiUsd | null, realizedLong, realizedShort], whole USD. */
export type AccuracySlot = [number, number, number, number, number | null, number, number];

/**
 * One UTC day of one venue's recorded bars (issue 14 part 3): one record per day, not per bar. A bar is
 * recorded only when the venue's live stream listened through all of it.
 */
export interface AccuracyDay {
  v: 1;
  symbol: string;
  venue: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
  /** The day's start, Unix ms. */
  dayMs: number;
  intervalMs: number;
  /** By bar index from dayMs; null = not recorded. */
  bars: (AccuracySlot | null)[];
}

/** The daily score of one symbol (the weekly digest quotes it, the log keeps it). */
export interface AccuracyReportRecord {
  v: 1;
  symbol: string;
  atMs: number;
  report: AccuracyReport;
}

/**
 * One recalibration attempt from the bot's own data (ACCURACY_RECALIBRATE), adopted or not: the versions
 * are numbered 1, 2, … per symbol; the maps use the latest adopted one.
 */
export interface CalibrationVersion {
  v: 1;
  symbol: string;
  version: number;
  atMs: number;
  outcome: 'adopted' | 'refused' | 'failed';
  reason: string;
  /** Id of the calibration in use before (the one it would replace). */
  replaces: string;
  /** How far each misses the held-out half-hours (analysis/accuracy.ts missFactor; lower is better). */
  beforeMiss: number | null;
  afterMiss: number | null;
  before: CalibrationScore | null;
  after: CalibrationScore | null;
  calibration: Calibration | null;
}

const PLATFORMS = ['telegram', 'discord'];

export const subscriptionSchema: RecordSchema<Subscription> = {
  name: 'subscription',
  version: 1,
  migrations: {},
  check(r) {
    if (!is.string(r.destination) || !PLATFORMS.includes(r.platform as string)) return 'bad destination';
    if (!is.string(r.time) || !/^\d{2}:\d{2}$/.test(r.time)) return 'bad time';
    if (!is.string(r.timezone) || !is.string(r.window) || !is.string(r.createdBy)) return 'bad fields';
    if (r.days !== 'daily' && r.days !== 'weekdays') return 'bad days';
    if (!is.stringArray(r.symbols) || r.symbols.length === 0) return 'bad symbols';
    if (typeof r.enabled !== 'boolean' || !is.number(r.updatedAtMs)) return 'bad state';
    if (!is.optionalNumber(r.lastSlotMs) || !is.optionalNumber(r.lastSentAtMs)) return 'bad slot';
    if (r.accuracy !== undefined && r.accuracy !== 'weekly') return 'bad accuracy option';
    return r.attempt === undefined ? undefined : checkAttempt(r.attempt);
  },
};

function checkAttempt(a: unknown): string | undefined {
  if (typeof a !== 'object' || a === null) return 'bad attempt';
  const x = a as Record<string, unknown>;
  if (!is.number(x.slotMs) || !is.number(x.startedAtMs) || !is.string(x.instance)) return 'bad attempt';
  return x.state === 'sending' || x.state === 'unconfirmed' ? undefined : 'bad attempt state';
}

function checkCondition(c: unknown): string | undefined {
  if (typeof c !== 'object' || c === null) return 'no condition';
  const x = c as Record<string, unknown>;
  if (x.kind === 'ratio') return (x.op === '>' || x.op === '<') && is.number(x.threshold) ? undefined : 'bad ratio condition';
  if (x.kind === 'cluster') return is.number(x.minUsd) && is.number(x.withinPct) ? undefined : 'bad cluster condition';
  if (x.kind === 'liquidations') return is.number(x.minUsd) && is.number(x.periodMs) ? undefined : 'bad liquidations condition';
  return 'unknown condition kind';
}

export const alertRuleSchema: RecordSchema<AlertRule> = {
  name: 'alert rule',
  version: 1,
  migrations: {},
  check(r) {
    if (!is.string(r.id) || !is.string(r.destination) || !PLATFORMS.includes(r.platform as string)) return 'bad id';
    if (!is.string(r.symbol) || !is.string(r.createdBy) || !is.number(r.createdAtMs)) return 'bad fields';
    if (typeof r.armed !== 'boolean' || !is.optionalNumber(r.lastFiredMs)) return 'bad state';
    return checkCondition(r.condition);
  },
};

export const snapshotSchema: RecordSchema<DigestSnapshot> = {
  name: 'digest snapshot',
  version: 1,
  migrations: {},
  check(r) {
    if (!is.string(r.destination) || !is.string(r.symbol) || !is.string(r.ratioKind) || !is.number(r.atMs)) return 'bad fields';
    if (r.ratio !== null && !is.number(r.ratio)) return 'bad ratio';
    return undefined;
  },
};

export const chatStateSchema: RecordSchema<ChatState> = {
  name: 'chat state',
  version: 1,
  migrations: {},
  check(r) {
    if (!is.string(r.destination)) return 'bad destination';
    if (!is.optionalNumber(r.lastRuleNumber) || !is.optionalNumber(r.lastWatchNumber)) return 'bad rule number';
    if (r.gone !== undefined) {
      const g = r.gone as Record<string, unknown>;
      if (typeof g !== 'object' || g === null || !is.string(g.reason) || !is.number(g.atMs)) return 'bad gone';
    }
    return undefined;
  },
};

export const watchRuleSchema: RecordSchema<WatchRule> = {
  name: 'watch rule',
  version: 1,
  migrations: {},
  check(r) {
    if (!is.string(r.id) || !is.string(r.destination) || !PLATFORMS.includes(r.platform as string)) return 'bad id';
    if (!is.string(r.symbol) || !is.string(r.createdBy) || !is.number(r.createdAtMs) || !is.number(r.nearPct)) return 'bad fields';
    if (r.origin !== 'levels' && r.origin !== 'clusters') return 'bad origin';
    if (!Array.isArray(r.levels) || r.levels.length === 0) return 'bad levels';
    for (const l of r.levels as unknown[]) {
      const x = l as Record<string, unknown>;
      if (typeof l !== 'object' || l === null || !is.number(x.price) || !is.optionalNumber(x.approachTs)) return 'bad level';
      if (x.verdictDone !== undefined && typeof x.verdictDone !== 'boolean') return 'bad level';
    }
    return undefined;
  },
};

const slotOk = (s: unknown) =>
  s === null || (Array.isArray(s) && s.length === 7 && s.every((v, i) => (i === 4 && v === null) || is.number(v)));

export const accuracyDaySchema: RecordSchema<AccuracyDay> = {
  name: 'accuracy day',
  version: 1,
  migrations: {},
  check(r) {
    if (!is.string(r.symbol) || !is.string(r.venue) || !is.string(r.day) || !is.number(r.dayMs) || !is.number(r.intervalMs)) return 'bad fields';
    if (!Array.isArray(r.bars) || !r.bars.every(slotOk)) return 'bad bars';
    return undefined;
  },
};

export const accuracyReportSchema: RecordSchema<AccuracyReportRecord> = {
  name: 'accuracy report',
  version: 1,
  migrations: {},
  check(r) {
    if (!is.string(r.symbol) || !is.number(r.atMs)) return 'bad fields';
    const report = r.report as Record<string, unknown> | null;
    if (typeof report !== 'object' || report === null || !Array.isArray(report.spans) || !is.number(report.through)) return 'bad report';
    return undefined;
  },
};

export const calibrationVersionSchema: RecordSchema<CalibrationVersion> = {
  name: 'calibration version',
  version: 1,
  migrations: {},
  check(r) {
    if (!is.string(r.symbol) || !is.number(r.version) || !is.number(r.atMs) || !is.string(r.reason) || !is.string(r.replaces)) return 'bad fields';
    if (r.outcome !== 'adopted' && r.outcome !== 'refused' && r.outcome !== 'failed') return 'bad outcome';
    // An adopted version must carry its calibration, checked again where it is used (parseCalibration).
    if (r.outcome === 'adopted' && (typeof r.calibration !== 'object' || r.calibration === null)) return 'adopted without a calibration';
    return undefined;
  },
};
