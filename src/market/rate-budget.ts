// A token bucket per venue, sized from the venue's published request limits, so a burst of users
// never gets the bot's IP rate-limited or banned.
import type { Clock } from './clock.js';

export interface RateBudgetOptions {
  /** Requests that may go out at once. */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
  /** A request that would wait longer than this fails instead (the reply must not hang). */
  maxWaitMs: number;
}

export class RateBudgetExceeded extends Error {
  override name = 'RateBudgetExceeded';
}

export class RateBudget {
  private tokens: number;
  private updatedAt: number;
  /** Set by a 429/418 with Retry-After: nothing goes out before then. */
  private blockedUntil = 0;
  /** Why, in words, when the venue said more than "wait". */
  private blockedWhy: string | undefined;

  constructor(
    private readonly options: RateBudgetOptions,
    private readonly clock: Clock,
  ) {
    this.tokens = options.capacity;
    this.updatedAt = clock.now();
  }

  /** Waits for `cost` tokens (at most maxWaitMs), then takes them. */
  async take(cost = 1): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      this.refill(now);
      const blockedMs = this.blockedUntil - now;
      const missing = cost - this.tokens;
      const waitMs = Math.max(blockedMs, missing > 0 ? (missing / this.options.refillPerSecond) * 1000 : 0);
      if (waitMs <= 0) {
        this.tokens -= cost;
        return;
      }
      if (waitMs > this.options.maxWaitMs) {
        throw new RateBudgetExceeded(
          blockedMs > 0
            ? this.blockedWhy
              ? `${this.blockedWhy}; next request in ${Math.ceil(blockedMs / 1000)} s`
              : `told to wait ${Math.ceil(blockedMs / 1000)} s by the venue`
            : `request budget spent (would wait ${Math.ceil(waitMs / 1000)} s)`,
        );
      }
      await this.clock.sleep(Math.ceil(waitMs));
    }
  }

  /** No request before `untilMs` (Retry-After, 418 bans, a venue's used-weight header), `why` in words. */
  block(untilMs: number, why?: string): void {
    if (untilMs >= this.blockedUntil) this.blockedWhy = why;
    this.blockedUntil = Math.max(this.blockedUntil, untilMs);
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.options.capacity, this.tokens + (elapsed / 1000) * this.options.refillPerSecond);
    this.updatedAt = now;
  }
}
