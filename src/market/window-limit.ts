// A venue's per-endpoint limit written as "N requests per W ms" (OKX rubik taker volume: 5 per 2 s per
// IP and instrument): at most N sends in any window of W ms. Unlike a token bucket, which lets 2N through
// in the first W (a full bucket plus its refill), this is exact, so paging never trips the venue's limit.
import type { Clock } from './clock.js';
import { RateBudgetExceeded } from './rate-budget.js';

export interface WindowLimitOptions {
  max: number;
  perMs: number;
  /** A send that would wait longer than this fails instead (a reply must not hang). */
  maxWaitMs: number;
}

export class WindowLimit {
  /** Send times of the last `max` sends, oldest first. */
  private readonly sent: number[] = [];
  /** Waiters queue in order, so concurrent pages go out oldest-asked first and one sleep runs at a time. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly options: WindowLimitOptions,
    private readonly clock: Clock,
  ) {}

  /** Waits for a free slot (FIFO), then records the send. RateBudgetExceeded past maxWaitMs. */
  take(): Promise<void> {
    const asked = this.clock.now();
    const turn = this.queue.then(() => this.wait(asked));
    // The next waiter starts after this one, whether it got its slot or gave up.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async wait(asked: number): Promise<void> {
    const { max, perMs, maxWaitMs } = this.options;
    for (;;) {
      const now = this.clock.now();
      while (this.sent.length > 0 && this.sent[0]! <= now - perMs) this.sent.shift();
      if (this.sent.length < max) {
        this.sent.push(now);
        return;
      }
      const until = this.sent[0]! + perMs;
      if (until - asked > maxWaitMs) {
        throw new RateBudgetExceeded(`venue limit of ${max} requests per ${perMs / 1000} s reached (would wait ${Math.ceil((until - asked) / 1000)} s)`);
      }
      await this.clock.sleep(until - now);
    }
  }
}
