// Fake CoinGlass API v4 `GET /api/futures/liquidation/aggregated-map`, in its documented shape
// (test/fixtures/exchange/docs/coinglass-aggregated-map.json): `data.data` keyed by liquidation price,
// each holding [[price, USD, null, null]]. Key "pro-key" has the Professional plan; any other key is
// refused the map endpoints. The levels are a deterministic landscape around the fake market's price.
import { barsFor } from './market.js';
import { latestClosed } from './binance.js';
import type { RouteAnswer, RouteRequest } from './routes.js';

export const COINGLASS_PRO_KEY = 'pro-key';

/** Every aggregated-map level of `base` at `now`: price → USD. */
export function coinglassLevels(base: string, now: number): Map<number, number> {
  const price = latestClosed(barsFor('binance', base, 300_000), now)?.close ?? 100;
  const step = Number((price * 0.002).toPrecision(2));
  const out = new Map<number, number>();
  for (let i = -100; i <= 100; i++) {
    if (i === 0) continue;
    const level = Number((Math.round(price / step) * step + i * step).toPrecision(8));
    const distance = Math.abs(i) / 100;
    // Denser near the price, with bumps at round leverage distances, a little heavier above.
    const bumps = Math.exp(-(((distance - 0.2) / 0.03) ** 2)) + 0.8 * Math.exp(-(((distance - 0.5) / 0.05) ** 2));
    const usd = (4e6 * Math.exp(-distance * 3) + 6e6 * bumps) * (i > 0 ? 1.3 : 1) * (1 + 0.25 * Math.sin(i * 1.7));
    out.set(level, Math.round(usd * 100) / 100);
  }
  return out;
}

export function coinglassRoute(req: RouteRequest): RouteAnswer {
  const key = req.headers['cg-api-key'];
  if (req.path !== '/api/futures/liquidation/aggregated-map') return { status: 200, body: { code: '404', msg: 'Not Found' } };
  if (key !== COINGLASS_PRO_KEY) return { status: 200, body: { code: '401', msg: 'Upgrade plan', success: false } };
  const symbol = req.query.symbol ?? '';
  if (!['1d', '7d', '30d'].includes(req.query.range ?? '')) return { status: 200, body: { code: '400', msg: 'range must be 1d, 7d or 30d' } };
  const data: Record<string, [number, number, null, null][]> = {};
  for (const [price, usd] of coinglassLevels(symbol, req.now)) data[String(price)] = [[price, usd, null, null]];
  return { status: 200, body: { code: '0', msg: 'success', data: { data } }, headers: { 'api-key-max-limit': '1200', 'api-key-use-limit': '1' } };
}
