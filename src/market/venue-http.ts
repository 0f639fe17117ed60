// HTTP to one venue: timeouts, retries with exponential backoff and jitter, Retry-After honoured, a
// request budget (in the venue's own units: Binance counts weight), per-endpoint limits, a circuit
// breaker, geo-blocks named as such, and every body parsed by the endpoint's own reader. The only place
// the market layer calls fetch.
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import type { Clock } from './clock.js';
import { NO_OBSERVER, type MarketObserver, type RequestOutcome } from './market-data.js';
import { PayloadError } from './payload.js';
import { RateBudget, RateBudgetExceeded, type RateBudgetOptions } from './rate-budget.js';
import type { WindowLimit } from './window-limit.js';

/** `offline`: the name did not resolve or no route (nothing to retry); `geo-blocked`: the venue refuses this country. */
export type VenueErrorKind = 'timeout' | 'offline' | 'network' | 'http' | 'geo-blocked' | 'rate-limited' | 'banned' | 'invalid' | 'venue' | 'circuit-open';

/** A venue call that failed, named by venue and endpoint, with a reason a person can read. */
export class VenueError extends Error {
  override name = 'VenueError';
  constructor(
    readonly venue: string,
    readonly endpoint: string,
    readonly kind: VenueErrorKind,
    readonly detail: string,
    readonly status?: number,
  ) {
    super(`${venue} ${endpoint}: ${detail}`);
  }
}

export interface VenueHttpOptions {
  venue: string;
  baseUrl: string;
  clock: Clock;
  /** Per attempt. */
  timeoutMs?: number;
  /** Extra attempts after the first, on timeouts, 5xx, dropped connections and truncated bodies. */
  retries?: number;
  backoffBaseMs?: number;
  /** A Retry-After longer than this is not waited for: the call fails (and the venue stays blocked). */
  maxRetryAfterMs?: number;
  /** How long a 418 (IP ban) without Retry-After blocks the venue. */
  banMs?: number;
  /** Bybit answers "403 access too frequent" and asks for 10 minutes of silence: set, 403 blocks that long. */
  forbiddenBlockMs?: number;
  /** How long a geo-block (HTTP 451, CloudFront's country 403) keeps the venue from being asked again. */
  geoBlockMs?: number;
  /**
   * A response header carrying the weight this IP used in the venue's current window (Binance
   * `X-MBX-USED-WEIGHT-1m`, limit 2400 a minute): past `headroom` of the limit, nothing more goes out
   * until the next window, whoever else on the IP spent it.
   */
  usedWeight?: { header: string; limit: number; windowMs: number; headroom: number };
  budget: RateBudgetOptions;
  breaker?: CircuitBreakerOptions;
  observer?: MarketObserver;
  headers?: Record<string, string>;
  random?: () => number;
  /** The fetch to use (tests pass one their clock can see in flight). */
  fetch?: typeof fetch;
}

export type QueryParams = Record<string, string | number | undefined>;

export interface RequestOptions {
  /** Units of the venue budget this request costs (Binance: its weight). Default 1. */
  cost?: number;
  headers?: Record<string, string>;
  /** The endpoint's own limits (OKX rubik: 5 per 2 s per instrument), waited for before sending. */
  limits?: WindowLimit[];
  /** A JSON body: the request is a POST (see postJson). */
  body?: unknown;
}

interface Attempt {
  retry: boolean;
  error: VenueError;
  waitMs?: number;
}

/** No name resolution or no route: this machine is offline (or its DNS is). */
const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH']);
/** Refused connections: retrying in the same second will not help. */
const HOPELESS_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH']);

export class VenueHttp {
  readonly venue: string;
  readonly baseUrl: string;
  private readonly budget: RateBudget;
  private readonly breaker: CircuitBreaker;
  private readonly observer: MarketObserver;
  /** Requests sent (attempts), for benchmarks and tests. */
  requestCount = 0;
  /** Budget units spent by requests sent (Binance: weight), for tests. */
  spent = 0;
  /** A geo-block answers every call the same way until it expires: asking again from here will not help. */
  private geoBlock: { until: number; status: number; detail: string } | undefined;

  constructor(private readonly options: VenueHttpOptions) {
    this.venue = options.venue;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.budget = new RateBudget(options.budget, options.clock);
    this.breaker = new CircuitBreaker(options.breaker ?? { failureThreshold: 3, cooldownMs: 30_000 }, options.clock);
    this.observer = options.observer ?? NO_OBSERVER;
  }

  get circuitState() {
    return this.breaker.state;
  }

  /** POST a JSON body to `path` (Hyperliquid's info API) and read the answer like getJson. */
  postJson<T>(endpoint: string, path: string, body: unknown, read: (body: unknown, headers: Headers) => T, request: RequestOptions = {}): Promise<T> {
    return this.getJson(endpoint, path, {}, read, { ...request, body });
  }

  /** GET `path` and read the JSON body (and the response headers) with `read`; throws VenueError. */
  async getJson<T>(endpoint: string, path: string, params: QueryParams, read: (body: unknown, headers: Headers) => T, request: RequestOptions = {}): Promise<T> {
    if (!(await this.breaker.allow())) {
      this.observer.request(this.venue, endpoint, 'circuit-open');
      throw new VenueError(this.venue, endpoint, 'circuit-open', `skipped after repeated failures; next try in ${Math.ceil(this.breaker.retryInMs() / 1000)} s`);
    }
    const retries = this.options.retries ?? 2;
    const base = this.options.backoffBaseMs ?? 250;
    const random = this.options.random ?? Math.random;
    let last: VenueError | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      const result = await this.attempt(endpoint, path, params, read, request);
      if (result.ok) {
        this.breaker.success();
        return result.value;
      }
      last = result.error;
      if (!result.retry || attempt === retries) break;
      // Full jitter: concurrent callers that failed together do not retry together.
      const backoff = Math.round(base * 2 ** attempt * (0.5 + random() * 0.5));
      await this.options.clock.sleep(Math.max(backoff, result.waitMs ?? 0));
    }
    // A 4xx about the request itself (unknown symbol, bad parameter) says nothing about the venue's health,
    // and a geo-block answers for itself (an open circuit would hide why).
    if ((last!.kind === 'http' && last!.status !== undefined && last!.status < 500) || last!.kind === 'geo-blocked') this.breaker.success();
    else this.breaker.failure();
    throw last!;
  }

  /** Binance tells the weight this IP used in its current minute: past the headroom, wait for the next one. */
  private noteUsedWeight(headers: Headers): void {
    const spec = this.options.usedWeight;
    if (!spec) return;
    const used = Number(headers.get(spec.header));
    if (!Number.isFinite(used) || used < spec.limit * spec.headroom) return;
    const now = this.options.clock.now();
    this.budget.block(Math.ceil((now + 1) / spec.windowMs) * spec.windowMs, `rate limited: this IP has used ${used} of ${this.venue}'s ${spec.limit} request weight this minute`);
  }

  private async attempt<T>(
    endpoint: string,
    path: string,
    params: QueryParams,
    read: (body: unknown, headers: Headers) => T,
    request: RequestOptions,
  ): Promise<({ ok: true; value: T } | ({ ok: false } & Attempt))> {
    const cost = request.cost ?? 1;
    const fail = (outcome: RequestOutcome, kind: VenueErrorKind, detail: string, retry: boolean, status?: number, waitMs?: number) => {
      this.observer.request(this.venue, endpoint, outcome);
      return { ok: false as const, retry, waitMs, error: new VenueError(this.venue, endpoint, kind, detail, status) };
    };
    if (this.geoBlock && this.options.clock.now() < this.geoBlock.until) {
      return fail('http-error', 'geo-blocked', this.geoBlock.detail, false, this.geoBlock.status);
    }
    try {
      await this.budget.take(cost);
      // Last before sending: the endpoint's window counts the moment the request leaves.
      for (const limit of request.limits ?? []) await limit.take();
    } catch (err) {
      if (err instanceof RateBudgetExceeded) return fail('rate-limited', 'rate-limited', err.message, false);
      throw err;
    }
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, String(v));
    const timeoutMs = this.options.timeoutMs ?? 4000;
    this.requestCount++;
    this.spent += cost;
    let response: Response;
    let text: string;
    try {
      // The signal covers the body too: a venue that sends headers and then stalls still times out.
      const signal = AbortSignal.timeout(timeoutMs);
      const post = request.body !== undefined;
      response = await (this.options.fetch ?? fetch)(url, {
        method: post ? 'POST' : 'GET',
        headers: { accept: 'application/json', ...(post ? { 'content-type': 'application/json' } : {}), ...this.options.headers, ...request.headers },
        ...(post ? { body: JSON.stringify(request.body) } : {}),
        signal,
      });
      text = await response.text();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') return fail('timeout', 'timeout', `no answer within ${timeoutMs} ms`, true);
      const code = e.cause?.code;
      if (code !== undefined && OFFLINE_CODES.has(code)) {
        return fail('network', 'offline', code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `cannot resolve ${url.hostname} (offline?)` : `no route to ${url.hostname} (offline?)`, false);
      }
      const hopeless = code !== undefined && HOPELESS_CODES.has(code);
      return fail('network', 'network', `unreachable (${code ?? e.message})`, !hopeless);
    }
    const status = response.status;
    this.noteUsedWeight(response.headers);
    const geoBlock = geoBlockOf(status, response.headers, text);
    if (geoBlock) {
      const detail = `geo-blocked: ${this.venue} refuses requests from this country (${geoBlock})`;
      this.geoBlock = { until: this.options.clock.now() + (this.options.geoBlockMs ?? 600_000), status, detail };
      return fail('http-error', 'geo-blocked', detail, false, status);
    }
    if (status === 429 || status === 418) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.options.clock.now());
      const now = this.options.clock.now();
      if (status === 418) {
        this.budget.block(now + (retryAfterMs ?? this.options.banMs ?? 120_000));
        return fail('rate-limited', 'banned', `IP temporarily banned by the venue (HTTP 418)${retryAfterMs ? `, retry after ${Math.ceil(retryAfterMs / 1000)} s` : ''}`, false, status);
      }
      const waitMs = retryAfterMs ?? 1000;
      this.budget.block(now + waitMs);
      const canWait = waitMs <= (this.options.maxRetryAfterMs ?? 5000);
      return fail('rate-limited', 'rate-limited', `rate limited (HTTP 429), retry after ${Math.ceil(waitMs / 1000)} s`, canWait, status, waitMs);
    }
    if (status === 403 && this.options.forbiddenBlockMs) {
      this.budget.block(this.options.clock.now() + this.options.forbiddenBlockMs);
      return fail('rate-limited', 'rate-limited', `access too frequent (HTTP 403), pausing ${Math.round(this.options.forbiddenBlockMs / 60_000)} min`, false, status);
    }
    if (status >= 500) return fail('http-error', 'http', `HTTP ${status}`, true, status);
    if (status >= 400) return fail('http-error', 'http', `HTTP ${status}: ${text.slice(0, 120)}`, false, status);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // A cut-off body is usually a dropped connection: worth another try.
      return fail('invalid', 'invalid', `malformed JSON (${text.length} bytes${text.length > 0 ? `, ends "${text.slice(-20)}"` : ''})`, true, status);
    }
    try {
      const value = read(body, response.headers);
      this.observer.request(this.venue, endpoint, 'ok');
      return { ok: true, value };
    } catch (err) {
      if (err instanceof VenueError) {
        this.observer.request(this.venue, endpoint, 'venue-error');
        return { ok: false, retry: false, error: err };
      }
      if (err instanceof PayloadError) return fail('invalid', 'invalid', `unexpected response: ${err.message}`, false, status);
      throw err;
    }
  }
}

/**
 * Binance answers 451 to countries it does not serve; Bybit's CloudFront answers 403 with "configured to
 * block access from your country". A rate-limit 403 ("access too frequent") is not a geo-block.
 */
export function geoBlockOf(status: number, headers: Headers, text: string): string | undefined {
  if (status === 451) return 'HTTP 451';
  if (status === 403 && /block access from your country|not available in your (country|region)/i.test(text)) {
    return /cloudfront/i.test(`${headers.get('server') ?? ''} ${headers.get('x-cache') ?? ''} ${text}`) ? 'HTTP 403 from CloudFront' : 'HTTP 403';
  }
  return undefined;
}

/** Retry-After as seconds or an HTTP date → milliseconds from now. */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}
