// What /digest asks of the schedules: turn a chat's digest on or off, read its state, post it now. The
// records (subscription, gone state) are built and written here; the command only reads words and
// writes sentences.
import type { Reply } from '../core/command.js';
import { encodeDestination, type Destination } from '../core/destination.js';
import type { Clock } from '../clock.js';
import { UserError } from '../errors.js';
import type { MapService } from '../maps/map-pipeline.js';
import type { DigestDays, Subscription } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { DigestScheduler } from './digest-scheduler.js';
import { digestStatus } from './digest-status.js';
import { clearDestinationGone } from './gone.js';
import { nextSlot, parseTimeOfDay, parseTimezone } from './slots.js';

/** Several pictures and their lines must fit one Telegram caption (1,024 characters). */
export const MAX_DIGEST_SYMBOLS = 4;

/** A moderator's /digest on, as typed (validated here). */
export interface DigestRequest {
  time: string;
  timezone: string;
  /** Coins, comma- or space-separated: "btc,eth". */
  symbols: string;
  window: string;
  days: DigestDays;
  /** weekly: Monday's digest carries the map's accuracy (default off). */
  accuracy?: 'weekly' | 'off';
}

/** The port /digest calls. */
export interface DigestSettingsPort {
  turnOn(destination: Destination, by: string, request: DigestRequest): Promise<{ subscription: Subscription; nextSlotMs?: number }>;
  /** False when there was none. */
  turnOff(destination: Destination): Promise<boolean>;
  /** /digest status: when, what, next and last digest, a send not confirmed, or why it stopped. */
  status(destination: Destination): Promise<Reply>;
  /** This chat's digest (or BTC's when none is set up) as a Reply, not recorded as a slot. */
  preview(destination: Destination, by: string): Promise<Reply>;
}

export interface DigestSettingsOptions {
  store: Store;
  maps: MapService;
  scheduler: Pick<DigestScheduler, 'buildDigest'>;
  clock: Clock;
}

export class DigestSettings implements DigestSettingsPort {
  constructor(private readonly o: DigestSettingsOptions) {}

  async turnOn(destination: Destination, by: string, request: DigestRequest) {
    const time = parseTimeOfDay(request.time);
    const timezone = parseTimezone(request.timezone);
    const symbols = await this.symbols(request.symbols);
    const key = encodeDestination(destination);
    const previous = await this.o.store.subscriptions.get(key);
    const subscription: Subscription = {
      v: 1,
      destination: key,
      platform: destination.platform,
      time,
      timezone,
      days: request.days,
      symbols,
      window: request.window,
      createdBy: by,
      updatedAtMs: this.o.clock.now(),
      enabled: true,
      ...(request.accuracy === 'weekly' ? { accuracy: 'weekly' as const } : {}),
      // The slots already handled stay handled: turning it on again never resends today's digest.
      ...(previous?.lastSlotMs !== undefined ? { lastSlotMs: previous.lastSlotMs } : {}),
      ...(previous?.lastSentAtMs !== undefined ? { lastSentAtMs: previous.lastSentAtMs } : {}),
    };
    await this.o.store.subscriptions.put(key, subscription);
    // A moderator acting in the chat shows the bot can post there again.
    await clearDestinationGone(this.o.store, key);
    const next = nextSlot(subscription, subscription.updatedAtMs);
    return { subscription, ...(next !== undefined ? { nextSlotMs: next } : {}) };
  }

  turnOff(destination: Destination): Promise<boolean> {
    return this.o.store.subscriptions.delete(encodeDestination(destination));
  }

  status(destination: Destination): Promise<Reply> {
    return digestStatus(this.o.store, encodeDestination(destination), this.o.clock.now());
  }

  async preview(destination: Destination, by: string): Promise<Reply> {
    const key = encodeDestination(destination);
    const subscription: Subscription = (await this.o.store.subscriptions.get(key)) ?? {
      v: 1,
      destination: key,
      platform: destination.platform,
      time: '00:00',
      timezone: 'UTC',
      days: 'daily',
      symbols: ['BTCUSDT'],
      window: '7d',
      createdBy: by,
      updatedAtMs: this.o.clock.now(),
      enabled: false,
    };
    return (await this.o.scheduler.buildDigest(subscription)).reply;
  }

  /** "btc,eth" → canonical symbols the market lists (a UserError names an unknown one). */
  private async symbols(text: string): Promise<string[]> {
    const words = text.split(/[,+\s]+/).filter(Boolean);
    if (words.length === 0) throw new UserError('Give at least one symbol, e.g. btc or btc,eth.');
    if (new Set(words.map((w) => w.toLowerCase())).size > MAX_DIGEST_SYMBOLS) throw new UserError(`At most ${MAX_DIGEST_SYMBOLS} symbols per digest.`);
    const resolved = await Promise.all(words.map((symbol) => this.o.maps.resolve({ symbol })));
    return [...new Set(resolved.map((q) => q.symbol))];
  }
}
