// One breaker per venue: after repeated failures the venue is skipped for a cool-down, so a dead venue
// costs an instant "unavailable" instead of a timeout on every request; one trial request then probes it.
import type { Clock } from './clock.js';

export interface CircuitBreakerOptions {
  /** Consecutive failed calls that open the circuit. */
  failureThreshold: number;
  cooldownMs: number;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trial: Promise<void> | undefined;
  private settleTrial: (() => void) | undefined;

  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly clock: Clock,
  ) {}

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openedAt === undefined) return 'closed';
    return this.clock.now() - this.openedAt >= this.options.cooldownMs ? 'half-open' : 'open';
  }

  /** Milliseconds until a trial request is allowed; 0 when a call may go ahead now. */
  retryInMs(): number {
    const state = this.state;
    if (state === 'closed') return 0;
    if (state === 'half-open') return 0;
    return this.options.cooldownMs - (this.clock.now() - this.openedAt!);
  }

  /**
   * True when the call may go ahead. In half-open state one trial call goes first; calls arriving
   * meanwhile wait for its outcome instead of being refused (a fetch sends several requests at once).
   */
  async allow(): Promise<boolean> {
    for (;;) {
      const state = this.state;
      if (state === 'closed') return true;
      if (state === 'open') return false;
      if (!this.trial) {
        let settle!: () => void;
        this.trial = new Promise<void>((resolve) => (settle = resolve));
        this.settleTrial = settle;
        return true;
      }
      await this.trial;
    }
  }

  success(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.endTrial();
  }

  failure(): void {
    this.failures++;
    if (this.trial || this.failures >= this.options.failureThreshold) this.openedAt = this.clock.now();
    this.endTrial();
  }

  private endTrial(): void {
    const settle = this.settleTrial;
    this.trial = undefined;
    this.settleTrial = undefined;
    settle?.();
  }
}
