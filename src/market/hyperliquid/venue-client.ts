// Hyperliquid as a venue of the estimate: its perpetuals (`metaAndAssetCtxs`), candles
// (`candleSnapshot`, the last 5000 per interval), open interest and taker flow recorded forward
// (forward-series.ts: Hyperliquid serves neither as history), the first maintenance tier (half the
// initial margin at the asset's maximum leverage) and the mark. Every call is a POST to /info through
// VenueHttp, costed in Hyperliquid's request weight.
import type { Bar, VenueSpec } from '../../analysis/types.js';
import type { Clock } from '../clock.js';
import type { VenueMarket } from '../symbol-catalogue.js';
import { VenueError, type VenueHttp } from '../venue-http.js';
import type { FetchedBars, VenueClient } from '../venues/venue-client.js';
import { CANDLES_PER_ANSWER, fetchCandleBars } from './candles.js';
import { joinFlow, joinOi, type ForwardSeries } from './forward-series.js';
import { parseCandles, parseMetaAndAssetCtxs } from './payloads.js';
import type { HlAssetContext } from './types.js';
import { infoWeight } from './weights.js';

export const HL_VENUE = 'hyperliquid';

const INTERVAL: Record<number, string> = { 60_000: '1m', 300_000: '5m', 900_000: '15m', 1_800_000: '30m', 3_600_000: '1h', 14_400_000: '4h', 86_400_000: '1d' };

/** A market read is reused this long (every fetch of bars, mark and spec asks for one). */
const MARKETS_TTL_MS = 30_000;

/**
 * Hyperliquid names coins alone (BTC), settled in USDC; elsewhere the same market is BTCUSDT, so that
 * is its symbol here. `k`-prefixed coins are thousands (kPEPE = 1000 PEPE), as Binance's 1000PEPEUSDT.
 */
export function hyperliquidSymbol(coin: string): { symbol: string; base: string } {
  const thousands = /^k[A-Z0-9]/.exec(coin) ? `1000${coin.slice(1)}` : coin;
  const base = thousands.toUpperCase();
  return { symbol: `${base}USDT`, base };
}

export interface HyperliquidVenueOptions {
  http: VenueHttp;
  clock: Clock;
  /** Open interest and taker flow recorded so far (shared with the bot's recorder). */
  forward: ForwardSeries;
}

export class HyperliquidVenueClient implements VenueClient {
  readonly venue = HL_VENUE;
  readonly http: VenueHttp;
  private markets: { at: number; value: Promise<HlAssetContext[]> } | undefined;

  constructor(private readonly options: HyperliquidVenueOptions) {
    this.http = options.http;
  }

  /** Every perpetual of the first perp dex; each read also records the open interest (forward series). */
  async assets(): Promise<HlAssetContext[]> {
    const now = this.options.clock.now();
    if (!this.markets || now - this.markets.at > MARKETS_TTL_MS) {
      const value = this.http.postJson('metaAndAssetCtxs', '/info', { type: 'metaAndAssetCtxs' }, parseMetaAndAssetCtxs, { cost: infoWeight('metaAndAssetCtxs') });
      this.markets = { at: now, value };
      value.then(
        (assets) => {
          for (const a of assets) this.options.forward.sampleOi(a.coin, a.openInterest, a.markPx, now);
        },
        () => {
          if (this.markets?.value === value) this.markets = undefined;
        },
      );
    }
    return this.markets.value;
  }

  async listMarkets(): Promise<VenueMarket[]> {
    return (await this.assets()).map((a) => ({ ...hyperliquidSymbol(a.coin), nativeId: a.coin, maxLeverage: a.maxLeverage }));
  }

  async fetchBars(market: VenueMarket, intervalMs: number, fromMs: number, toMs: number): Promise<FetchedBars> {
    const interval = INTERVAL[intervalMs];
    if (!interval) throw new VenueError(HL_VENUE, 'candleSnapshot', 'invalid', `no ${intervalMs / 60_000}m candles`);
    const coin = market.nativeId;
    await this.assets();
    const page = (startTime: number, endTime: number) =>
      this.http.postJson('candleSnapshot', '/info', { type: 'candleSnapshot', req: { coin, interval, startTime, endTime } }, parseCandles, {
        cost: infoWeight('candleSnapshot', CANDLES_PER_ANSWER),
      });
    const candles = await fetchCandleBars(page, intervalMs, fromMs, toMs, this.options.clock.now());
    const notes = [`hyperliquid: ${market.base} perpetual settled in USDC (shown as ${market.symbol})`];
    if (candles.horizonMs !== undefined) notes.push(`hyperliquid: candles reach back only to ${iso(candles.horizonMs)} (the venue keeps the last 5000)`);
    const recorded = await this.options.forward.range(coin, fromMs, toMs + intervalMs);
    const bars = carryBack(withNewestOi(joinFlow(joinOi(candles.bars, recorded.oi, intervalMs), recorded.flow, intervalMs), recorded.oi, intervalMs));
    if (bars.firstRecordedTs !== undefined && bars.firstRecordedTs > (bars.bars[0]?.ts ?? Infinity)) {
      notes.push(`hyperliquid: open interest recorded since ${iso(bars.firstRecordedTs)} (the venue keeps no history); earlier bars carry that first value`);
    }
    if (!bars.bars.some((b) => b.takerBuyVolume !== undefined)) notes.push('hyperliquid: no taker flow recorded for this window (it comes from the trades stream while the bot runs)');
    return { bars: bars.bars, notes };
  }

  async fetchSpec(market: VenueMarket): Promise<VenueSpec> {
    const asset = (await this.assets()).find((a) => a.coin === market.nativeId);
    if (!asset) throw new VenueError(HL_VENUE, 'metaAndAssetCtxs', 'invalid', `${market.nativeId} is no longer listed`);
    // Hyperliquid's maintenance margin is half the initial margin at the asset's maximum leverage.
    return { maintenanceMarginRate: 1 / (2 * asset.maxLeverage), maxLeverage: asset.maxLeverage };
  }

  async fetchMarkPrice(market: VenueMarket): Promise<number> {
    const asset = (await this.assets()).find((a) => a.coin === market.nativeId);
    if (!asset) throw new VenueError(HL_VENUE, 'metaAndAssetCtxs', 'invalid', `${market.nativeId} is no longer listed`);
    return asset.markPx;
  }
}

/**
 * Bars before the first recorded open interest carry that first value, so the model seeds the book at
 * the window's start (Hyperliquid keeps no history to do better); the note says so.
 */
function carryBack(bars: Bar[]): { bars: Bar[]; firstRecordedTs: number | undefined } {
  const first = bars.find((b) => b.oi !== undefined);
  if (!first) return { bars, firstRecordedTs: undefined };
  return {
    bars: bars.map((b) => (b.ts < first.ts ? { ...b, oi: first.oi, oiUsd: first.oi! * b.close } : b)),
    firstRecordedTs: first.ts,
  };
}

/**
 * When no sample lies near any bar's close (nothing recorded before this request), the newest sample,
 * taken within one interval after the last bar closed, stands for that bar's close.
 */
function withNewestOi(bars: Bar[], samples: readonly { ts: number; oi: number }[], intervalMs: number): Bar[] {
  const last = bars[bars.length - 1];
  if (!last || bars.some((b) => b.oi !== undefined)) return bars;
  const close = last.ts + intervalMs;
  const newest = samples.filter((s) => s.ts >= close && s.ts <= close + intervalMs).sort((a, b) => b.ts - a.ts)[0];
  if (!newest) return bars;
  return [...bars.slice(0, -1), { ...last, oi: newest.oi, oiUsd: newest.oi * last.close }];
}

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
