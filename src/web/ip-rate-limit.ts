// Per-client token buckets for the web API: a burst of a page's reloads passes, a scraper gets 429s.
// In memory: each instance limits what reaches it, which is what protects its model runs.
import type { Clock } from '../clock.js';

export interface IpRateLimitOptions {
  /** Sustained requests per minute per client; also the burst a full bucket allows. */
  perMinute: number;
  /** Clients remembered at most; the idlest are forgotten first (a full bucket is no state worth keeping). */
  maxClients?: number;
}

export class IpRateLimit {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(
    private readonly options: IpRateLimitOptions,
    private readonly clock: Clock,
  ) {}

  /** Takes one token: 0 when allowed, else the seconds until one is available (for Retry-After). */
  take(client: string): number {
    const now = this.clock.now();
    const capacity = this.options.perMinute;
    const perMs = capacity / 60_000;
    const bucket = this.buckets.get(client) ?? { tokens: capacity, atMs: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.atMs) * perMs);
    bucket.atMs = now;
    // Re-inserted so the Map's order is least recently seen first.
    this.buckets.delete(client);
    this.buckets.set(client, bucket);
    this.forgetIdle();
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
  }

  private forgetIdle(): void {
    const max = this.options.maxClients ?? 10_000;
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= max) break;
      this.buckets.delete(key);
    }
  }
}
