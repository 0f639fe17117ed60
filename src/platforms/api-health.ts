// Whether a platform's API answers, as seen from the calls the adapter makes: /healthz shows a platform
// whose API is failing (unreachable, 5xx, token refused) instead of "ready" while every answer is lost.
import type { PlatformHealth } from '../core/platform.js';

/** Failures in a row before the platform counts as failing, or this long failing without a success. */
const FAILURES_IN_A_ROW = 2;
const FAILING_FOR_MS = 5_000;

export class ApiHealth {
  private failures = 0;
  private failingSinceMs: number | undefined;
  private lastError = '';

  constructor(
    /** "Bot API", "Discord API". */
    private readonly name: string,
    private readonly now: () => number = Date.now,
  ) {}

  succeeded(): void {
    this.failures = 0;
    this.failingSinceMs = undefined;
  }

  /** A call failed in a way that says the API is not working (network, 5xx, 401); not a 400 about one request. */
  failed(err: unknown): void {
    this.failures++;
    this.failingSinceMs ??= this.now();
    this.lastError = err instanceof Error ? err.message : String(err);
  }

  health(): PlatformHealth {
    if (this.failingSinceMs === undefined) return { ready: true };
    if (this.failures < FAILURES_IN_A_ROW && this.now() - this.failingSinceMs < FAILING_FOR_MS) return { ready: true };
    const since = new Date(this.failingSinceMs).toISOString();
    return { ready: false, reason: `${this.name} failing since ${since} (${this.failures} calls in a row): ${this.lastError.slice(0, 200)}` };
  }
}
