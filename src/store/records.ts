// What the bot remembers, one record type per thing a user configured or the scheduler needs next time.
// Destinations are keys like `tg:<chatId>` and `dc:<guildId>:<channelId>` (DESIGN.md §8).
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
    if (!is.optionalNumber(r.lastRuleNumber)) return 'bad rule number';
    if (r.gone !== undefined) {
      const g = r.gone as Record<string, unknown>;
      if (typeof g !== 'object' || g === null || !is.string(g.reason) || !is.number(g.atMs)) return 'bad gone';
    }
    return undefined;
  },
};
