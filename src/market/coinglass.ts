// CoinGlass's own aggregated liquidation map (optional, with the user's COINGLASS_API_KEY), so the bot
// can show it beside ours. Its map endpoints need the Professional plan: a refusal becomes a clear
// UserError, never a crash.
import { UserError } from '../errors.js';
import type { Clock } from './clock.js';
import { DEFAULT_COINGLASS_URL } from './market-config.js';
import type { MarketObserver } from './market-data.js';
import { asArray, asNonNegative, asObject, asPositive } from './payload.js';
import { VenueError, VenueHttp } from './venue-http.js';

export interface CoinglassLevel {
  price: number;
  usd: number;
  /** Leverage CoinGlass attributes the level to, when it says. */
  leverage?: number;
}

export type CoinglassRange = '1d' | '7d' | '30d';

export interface CoinglassMap {
  /** Base asset as CoinGlass names it (BTC). */
  symbol: string;
  range: CoinglassRange;
  /** Ascending by price; CoinGlass calls these intensities, not exact contracts. */
  levels: CoinglassLevel[];
}

export interface CoinglassOptions {
  apiKey?: string;
  baseUrl?: string;
  clock: Clock;
  observer?: MarketObserver;
  timeoutMs?: number;
}

export class CoinglassClient {
  private readonly http: VenueHttp;

  constructor(private readonly options: CoinglassOptions) {
    this.http = new VenueHttp({
      venue: 'coinglass',
      baseUrl: options.baseUrl ?? DEFAULT_COINGLASS_URL,
      clock: options.clock,
      timeoutMs: options.timeoutMs ?? 6000,
      retries: 1,
      // Hobbyist plans allow 30 requests a minute.
      budget: { capacity: 5, refillPerSecond: 0.5, maxWaitMs: 3000 },
      observer: options.observer,
      headers: options.apiKey ? { 'CG-API-KEY': options.apiKey } : {},
    });
  }

  get configured(): boolean {
    return Boolean(this.options.apiKey);
  }

  /** The aggregated map over all exchanges for a base asset (BTC) and range. */
  async aggregatedMap(base: string, range: CoinglassRange = '7d'): Promise<CoinglassMap> {
    if (!this.options.apiKey) throw new UserError('CoinGlass comparison is off: set COINGLASS_API_KEY to show CoinGlass\'s map beside ours.');
    const symbol = base.toUpperCase();
    try {
      const levels = await this.http.getJson('aggregated-map', '/api/futures/liquidation/aggregated-map', { symbol, range }, readCoinglassMap);
      return { symbol, range, levels };
    } catch (err) {
      if (err instanceof VenueError && (err.kind === 'venue' || err.status === 401 || err.status === 403)) {
        throw new UserError(
          `CoinGlass refused its liquidation map (${err.detail}).`,
          'CoinGlass serves map endpoints on its Professional plan only; our own estimate is unaffected.',
        );
      }
      throw err;
    }
  }
}

/**
 * The documented body: `{ code: "0", data: { data: { "<price>": [[price, usd, null, null], …] } } }`
 * (the per-pair map puts a leverage where the aggregated one has null). Levels carry no side: above the
 * price they liquidate shorts, below it longs.
 */
export function readCoinglassMap(body: unknown): CoinglassLevel[] {
  const env = asObject(body, 'body');
  if (String(env.code) !== '0') throw new VenueError('coinglass', 'aggregated-map', 'venue', `code ${String(env.code)}: ${String(env.msg ?? '').slice(0, 160)}`);
  return readLevels(env.data);
}

function readLevels(data: unknown): CoinglassLevel[] {
  let obj = asObject(data, 'data');
  if (obj.data !== undefined && typeof obj.data === 'object' && !Array.isArray(obj.data)) obj = asObject(obj.data, 'data.data');
  const byPrice = new Map<number, CoinglassLevel>();
  for (const [key, value] of Object.entries(obj)) {
    for (const [i, raw] of asArray(value, `data.${key}`).entries()) {
      const row = asArray(raw, `data.${key}[${i}]`);
      const price = asPositive(row[0], `data.${key}[${i}] price`);
      const usd = asNonNegative(row[1], `data.${key}[${i}] usd`);
      const leverage = row[2] === null || row[2] === undefined ? undefined : asPositive(row[2], `data.${key}[${i}] leverage`);
      const level = byPrice.get(price) ?? { price, usd: 0 };
      level.usd += usd;
      if (leverage !== undefined) level.leverage = leverage;
      byPrice.set(price, level);
    }
  }
  return [...byPrice.values()].sort((a, b) => a.price - b.price);
}
