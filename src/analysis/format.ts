// Number and text formats shared by the summary, the pictures and the chat replies.
import { nearestCluster } from './clusters.js';
import type { ForcedFlowEstimate, LiquidationMap } from './types.js';

/** $14.0B, $840M, $95K, $512. */
export function formatUsd(usd: number): string {
  const abs = Math.abs(usd);
  const sign = usd < 0 ? '-' : '';
  if (abs >= 1e12) return `${sign}$${(abs / 1e12).toFixed(1)}T`;
  if (abs >= 1e9) return `${sign}$${(abs / 1e9).toFixed(abs >= 1e11 ? 0 : 1)}B`;
  if (abs >= 1e6) return `${sign}$${(abs / 1e6).toFixed(abs >= 1e8 ? 0 : abs >= 1e7 ? 0 : 1)}M`;
  if (abs >= 1e3) return `${sign}$${(abs / 1e3).toFixed(abs >= 1e4 ? 0 : 1)}K`;
  return `${sign}$${abs.toFixed(0)}`;
}

/** Decimals that keep about five significant digits: 71,450 · 3,512.4 · 1.2345 · 0.071234. */
export function priceDecimals(price: number): number {
  if (!(price > 0) || !Number.isFinite(price)) return 2;
  return Math.min(10, Math.max(0, 4 - Math.floor(Math.log10(price))));
}

// One formatter per number of decimals: toLocaleString builds a new Intl.NumberFormat on every call,
// which was the largest cost of a warm /liqmap answer (bench/bot.bench.ts).
const PRICE_FORMATS = new Map<number, Intl.NumberFormat>();

export function formatPrice(price: number, decimals = priceDecimals(price)): string {
  let format = PRICE_FORMATS.get(decimals);
  if (!format) {
    format = new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    PRICE_FORMATS.set(decimals, format);
  }
  return format.format(price);
}

export function formatPct(pct: number): string {
  const sign = pct > 0 ? '+' : pct < 0 ? '−' : '';
  return `${sign}${Math.abs(pct).toFixed(1)}%`;
}

function trimRatio(x: number): string {
  return x >= 10 ? x.toFixed(0) : x.toFixed(1).replace(/\.0$/, '');
}

/** "14:1 short-heavy", "1:3.2 long-heavy", "1:1 balanced", or words when a side is empty. */
export function formatRatio(map: Pick<LiquidationMap, 'ratio' | 'ratioKind'>): string {
  switch (map.ratioKind) {
    case 'empty':
      return 'no estimated liquidations in range';
    case 'no-longs':
      return 'shorts only (no longs below)';
    case 'no-shorts':
      return 'longs only (no shorts above)';
    case 'finite': {
      const r = map.ratio!;
      if (r >= 0.95 && r <= 1.05) return '1:1 balanced';
      return r > 1 ? `${trimRatio(r)}:1 short-heavy` : `1:${trimRatio(1 / r)} long-heavy`;
    }
  }
}

/** BTCUSDT → BTC; BTC-USDT-SWAP → BTC. */
export function baseAsset(symbol: string): string {
  return symbol.replace(/-?(USDT|USDC|USD)(-SWAP)?$/i, '').replace(/-$/, '').toUpperCase() || symbol.toUpperCase();
}

const VENUE_NAMES: Record<string, string> = { binance: 'Binance', bybit: 'Bybit', okx: 'OKX', hyperliquid: 'Hyperliquid' };
export const venueName = (venue: string) => VENUE_NAMES[venue] ?? venue;

/** "to 63,100 (−2.3%): ≈ $25M of longs would be force-closed (80% band $8M–$60M)". */
export function formatForcedFlow(e: ForcedFlowEstimate, decimals = priceDecimals(e.price)): string {
  const band = `80% band ${formatUsd(e.lowUsd)}–${formatUsd(e.highUsd)}${e.extrapolated ? ', beyond the fitted range' : ''}`;
  return `to ${formatPrice(e.price, decimals)} (${formatPct(e.distancePct)}): ≈ ${formatUsd(e.usd)} of ${e.side}s would be force-closed (${band})`;
}

/** The forced-flow estimates a map carries: the asked levels first, then the nearest clusters. */
export function forcedFlowEstimates(map: LiquidationMap): ForcedFlowEstimate[] {
  const flow = map.forcedFlow;
  if (!flow || 'unavailable' in flow) return [];
  return [...flow.levels, ...flow.nearest];
}

/**
 * Summary (DESIGN.md §1), the modelled book on the first line and, when the map is calibrated, the
 * calibrated forced flow on the second:
 * BTC 71,450 · modelled: shorts $14.0B above (to 100,000) vs longs $870M below (to 57,160) · 14:1 short-heavy ·
 * nearest short cluster 88,000 (+23.2%) $1.2B · estimated from Binance+Bybit+OKX, 7d
 * calibrated forced flow · to 70,300 (−1.6%): ≈ $21M of longs would be force-closed (80% band $6M–$52M) · …
 */
export function summarize(map: LiquidationMap): string {
  const d = priceDecimals(map.price);
  const parts: string[] = [`${baseAsset(map.meta.symbol)} ${formatPrice(map.price, d)}`];
  const shorts = `shorts ${formatUsd(map.shortAbove)} above${map.shortReach !== null ? ` (to ${formatPrice(map.shortReach, d)})` : ''}`;
  const longs = `longs ${formatUsd(map.longBelow)} below${map.longReach !== null ? ` (to ${formatPrice(map.longReach, d)})` : ''}`;
  parts.push(`modelled: ${shorts} vs ${longs}`);
  parts.push(formatRatio(map));
  const heavier = map.ratioKind === 'no-shorts' || (map.ratio !== null && map.ratio < 1) ? 'long' : 'short';
  const nearest = nearestCluster(heavier === 'long' ? map.longClusters : map.shortClusters);
  if (nearest) {
    parts.push(`nearest ${heavier} cluster ${formatPrice(nearest.price, d)} (${formatPct(nearest.distancePct)}) ${formatUsd(nearest.usd)}`);
  }
  const venues = map.meta.venues.map((v) => venueName(v.venue)).join('+');
  parts.push(`estimated from ${venues}, ${map.meta.window}`);
  const flow = map.forcedFlow;
  if (flow && 'unavailable' in flow && flow.askedLevels?.length) return `${parts.join(' · ')}\nno calibrated forced flow: ${flow.unavailable}`;
  const flows = forcedFlowEstimates(map);
  if (flows.length === 0) return parts.join(' · ');
  return `${parts.join(' · ')}\ncalibrated forced flow · ${flows.map((e) => formatForcedFlow(e, d)).join(' · ')}`;
}
