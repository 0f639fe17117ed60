// The venues' documented rate limits, counted the way the venues count them, on the fake's clock.
// Binance: request weight per IP per calendar minute (2,400; klines weigh 1/2/5/10 by limit) reported in
// X-MBX-USED-WEIGHT-1m, futures/data 1,000 requests per 5 min. Bybit: 600 requests per 5 s per IP.
// OKX: per endpoint, per IP or per IP and instrument (docs/README.md table).

/** N requests in any window of W ms. */
export class SlidingCounter {
  private readonly times: number[] = [];
  constructor(
    readonly max: number,
    readonly perMs: number,
  ) {}

  /** Counts the request when under the limit; false when over it (the request is refused, not counted). */
  allow(now: number): boolean {
    while (this.times.length > 0 && this.times[0]! <= now - this.perMs) this.times.shift();
    if (this.times.length >= this.max) return false;
    this.times.push(now);
    return true;
  }

  /** When the oldest counted request leaves the window. */
  freeAt(now: number): number {
    return this.times.length < this.max ? now : this.times[0]! + this.perMs;
  }
}

/** Binance's weight per calendar minute, shared by every client of the IP. */
export class MinuteWeight {
  private minute = -1;
  private used = 0;
  /** Weight other programs on the same IP spend in every minute (tests set it). */
  others = 0;
  readonly limit = 2400;

  private roll(now: number): void {
    const minute = Math.floor(now / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.used = this.others;
    }
  }

  /** Adds the request's weight; over the limit the request is refused (and still counted, as Binance does). */
  spend(now: number, weight: number): { ok: boolean; used: number; retryAfterS: number } {
    this.roll(now);
    this.used += weight;
    return { ok: this.used <= this.limit, used: this.used, retryAfterS: Math.max(1, Math.ceil(((this.minute + 1) * 60_000 - now) / 1000)) };
  }

  usedNow(now: number): number {
    this.roll(now);
    return this.used;
  }
}

/** Documented weight of GET /fapi/v1/klines by limit (the fake's own copy: it must not trust the client's). */
export function klinesWeight(limit: number): number {
  return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
}

/** OKX: requests per 2 s, and whether the limit is per instrument as well as per IP. */
export const OKX_LIMITS: Record<string, { max: number; perInstrument: boolean }> = {
  '/api/v5/market/candles': { max: 40, perInstrument: false },
  '/api/v5/market/history-candles': { max: 20, perInstrument: false },
  '/api/v5/rubik/stat/contracts/open-interest-history': { max: 10, perInstrument: true },
  '/api/v5/rubik/stat/taker-volume-contract': { max: 5, perInstrument: true },
  '/api/v5/public/instruments': { max: 20, perInstrument: false },
  '/api/v5/public/position-tiers': { max: 10, perInstrument: false },
  '/api/v5/public/open-interest': { max: 20, perInstrument: true },
  '/api/v5/public/mark-price': { max: 10, perInstrument: true },
};
