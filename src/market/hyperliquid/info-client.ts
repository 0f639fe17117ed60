// Hyperliquid's info API: every call is `POST <base>/info` with a JSON body. Each call first takes its
// weight from the budget (weight-budget.ts), then settles it to what the answer really cost (rows
// returned). A 429 blocks the whole budget for a while; an answer our parsers reject is a
// HyperliquidError naming the request and the field.
import type { Clock } from '../clock.js';
import { PayloadError } from '../payload.js';
import { CANDLES_PER_ANSWER } from './candles.js';
import { parseCandles, parseClearinghouseState, parseMetaAndAssetCtxs, parseTrades } from './payloads.js';
import type { HlAssetContext, HlCandle, HlClearinghouseState, HlTrade } from './types.js';
import type { WeightLane } from './weight-budget.js';
import { infoWeight } from './weights.js';

export const DEFAULT_HL_API_URL = 'https://api.hyperliquid.xyz';
export const DEFAULT_HL_WS_URL = 'wss://api.hyperliquid.xyz/ws';

export type HlErrorKind = 'http' | 'rate-limited' | 'network' | 'timeout' | 'malformed';

export class HyperliquidError extends Error {
  override name = 'HyperliquidError';
  constructor(
    readonly request: string,
    readonly kind: HlErrorKind,
    message: string,
  ) {
    super(`hyperliquid ${request}: ${message}`);
  }
}

export interface InfoClientOptions {
  clock: Clock;
  lane: WeightLane;
  /** Base URL, without /info. */
  url?: string;
  timeoutMs?: number;
  /** How long a 429 stops every request of the budget when the venue gives no Retry-After. */
  rateLimitPauseMs?: number;
  /** Every answer's outcome, for metrics. */
  observe?: (request: string, outcome: 'ok' | HlErrorKind) => void;
}

export class HyperliquidInfoClient {
  private readonly url: string;

  constructor(private readonly options: InfoClientOptions) {
    this.url = `${(options.url ?? DEFAULT_HL_API_URL).replace(/\/+$/, '')}/info`;
  }

  get lane(): WeightLane {
    return this.options.lane;
  }

  /** Every perpetual of the first perp dex with its mark, oracle price and open interest. */
  metaAndAssetCtxs(signal?: AbortSignal): Promise<HlAssetContext[]> {
    return this.call('metaAndAssetCtxs', { type: 'metaAndAssetCtxs' }, parseMetaAndAssetCtxs, 0, signal);
  }

  /** One user's perpetual positions (weight 2). */
  clearinghouseState(user: string, signal?: AbortSignal): Promise<HlClearinghouseState> {
    return this.call('clearinghouseState', { type: 'clearinghouseState', user }, parseClearinghouseState, 0, signal);
  }

  /**
   * Several users' states for one spend of weight (2 each), asked in parallel: the budget wait comes
   * before any of them is sent, so none is in flight while the budget waits.
   */
  async clearinghouseStates(users: string[], signal?: AbortSignal): Promise<PromiseSettledResult<HlClearinghouseState>[]> {
    if (users.length === 0) return [];
    await this.options.lane.acquire(infoWeight('clearinghouseState') * users.length, signal);
    return Promise.allSettled(users.map((user) => this.send('clearinghouseState', { type: 'clearinghouseState', user }, parseClearinghouseState, undefined, signal)));
  }

  /** The last trades of a coin (about 10, newest first), each naming buyer and seller. */
  recentTrades(coin: string, signal?: AbortSignal): Promise<HlTrade[]> {
    return this.call('recentTrades', { type: 'recentTrades', coin }, parseTrades, 20, signal);
  }

  /** One answer of candles overlapping [startTime, endTime] (at most 500; candles.ts pages). */
  candleSnapshot(coin: string, interval: string, startTime: number, endTime: number, signal?: AbortSignal): Promise<HlCandle[]> {
    return this.call('candleSnapshot', { type: 'candleSnapshot', req: { coin, interval, startTime, endTime } }, parseCandles, CANDLES_PER_ANSWER, signal);
  }

  private async call<T>(type: string, body: unknown, parse: (body: unknown) => T, expectedRows: number, signal?: AbortSignal): Promise<T> {
    const spend = await this.options.lane.acquire(infoWeight(type, expectedRows), signal);
    // Rows returned change the weight of some requests: settle the spend to what the answer cost.
    const settle = expectedRows > 0 ? (rows: number) => this.options.lane.budget.settle(spend, infoWeight(type, rows)) : undefined;
    return this.send(type, body, parse, settle, signal);
  }

  private async send<T>(type: string, body: unknown, parse: (body: unknown) => T, settle: ((rows: number) => void) | undefined, signal?: AbortSignal): Promise<T> {
    const { lane, clock } = this.options;
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs ?? 5000)]) : AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
    } catch (err) {
      throw this.fail(type, isTimeout(err) ? 'timeout' : 'network', describeNetworkError(err));
    }
    if (response.status === 429) {
      await response.body?.cancel();
      const retryAfterS = Number(response.headers.get('retry-after'));
      const pauseMs = Number.isFinite(retryAfterS) && retryAfterS > 0 ? retryAfterS * 1000 : (this.options.rateLimitPauseMs ?? 60_000);
      lane.budget.block(clock.now() + pauseMs);
      throw this.fail(type, 'rate-limited', `rate limited (HTTP 429); every request paused ${Math.round(pauseMs / 1000)} s`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      throw this.fail(type, isTimeout(err) ? 'timeout' : 'network', describeNetworkError(err));
    }
    if (!response.ok) throw this.fail(type, 'http', `HTTP ${response.status}${text ? `: ${text.slice(0, 120)}` : ''}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw this.fail(type, 'malformed', `malformed JSON (${text.length} bytes)`);
    }
    try {
      const parsed = parse(json);
      if (settle && Array.isArray(parsed)) settle(parsed.length);
      this.options.observe?.(type, 'ok');
      return parsed;
    } catch (err) {
      if (err instanceof PayloadError) throw this.fail(type, 'malformed', `unexpected response: ${err.message}`);
      throw err;
    }
  }

  private fail(type: string, kind: HlErrorKind, message: string): HyperliquidError {
    this.options.observe?.(type, kind);
    return new HyperliquidError(type, kind, message);
  }
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || (err.cause instanceof Error && err.cause.name === 'TimeoutError'));
}

function describeNetworkError(err: unknown): string {
  if (isTimeout(err)) return 'timed out';
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: string } | undefined)?.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'cannot resolve the host (offline?)';
  if (code === 'ECONNREFUSED') return 'connection refused';
  return cause instanceof Error ? cause.message : String(cause);
}
