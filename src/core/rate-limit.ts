// Per-user cooldown and per-chat burst limit, in memory (one instance answers a given interaction or
// update, so a shared store buys nothing here).
import type { Clock } from '../clock.js';
import { UserError } from '../errors.js';

export interface RateLimitOptions {
  /** Per user and command. */
  cooldownMs: number;
  /** At most `burstCount` commands per chat in `burstWindowMs` (Telegram allows a group 20 messages a minute). */
  burstCount: number;
  burstWindowMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitOptions = { cooldownMs: 10_000, burstCount: 20, burstWindowMs: 60_000 };

/** Refused by a cooldown or the burst limit (a UserError: the message says when to try again). */
export class RateLimitedError extends UserError {
  override name = 'RateLimitedError';
}

/** Releases what `take` counted, when the request turned out to be the person's mistake. */
export type Release = () => void;

export class RateLimiter {
  private readonly lastByUser = new Map<string, number>();
  private readonly recentByChat = new Map<string, number[]>();

  constructor(
    private readonly options: RateLimitOptions,
    private readonly clock: Clock,
  ) {}

  /** Counts one command or throws a UserError saying when to try again. */
  take(userKey: string, chatKey: string, cooldownMs = this.options.cooldownMs): Release {
    const now = this.clock.now();
    const last = this.lastByUser.get(userKey);
    if (cooldownMs > 0 && last !== undefined && now - last < cooldownMs) {
      const seconds = Math.ceil((cooldownMs - (now - last)) / 1000);
      throw new RateLimitedError(`Slow down a little: try again in ${seconds} s.`);
    }
    const recent = (this.recentByChat.get(chatKey) ?? []).filter((t) => now - t < this.options.burstWindowMs);
    if (recent.length >= this.options.burstCount) {
      const seconds = Math.ceil((this.options.burstWindowMs - (now - recent[0]!)) / 1000);
      throw new RateLimitedError(`This chat is asking faster than I may answer: try again in ${seconds} s.`);
    }
    recent.push(now);
    this.recentByChat.set(chatKey, recent);
    if (cooldownMs > 0) this.lastByUser.set(userKey, now);
    this.prune(now);
    return () => {
      if (this.lastByUser.get(userKey) === now) this.lastByUser.delete(userKey);
      const list = this.recentByChat.get(chatKey);
      const i = list?.lastIndexOf(now) ?? -1;
      if (list && i >= 0) list.splice(i, 1);
    };
  }

  // Bounded memory: forget users and chats whose limits have long expired.
  private prune(now: number): void {
    if (this.lastByUser.size + this.recentByChat.size < 10_000) return;
    const horizon = Math.max(this.options.cooldownMs, this.options.burstWindowMs);
    for (const [k, t] of this.lastByUser) if (now - t > horizon) this.lastByUser.delete(k);
    for (const [k, list] of this.recentByChat) if (list.every((t) => now - t > horizon)) this.recentByChat.delete(k);
  }
}
