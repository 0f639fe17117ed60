// Hyperliquid inside the fake exchange: the fake Hyperliquid (test/fake-hyperliquid/, documented shapes,
// weights enforced) serving the fake market's bars as candles and its BTC, ETH and SOL as perpetuals, so
// a live map over every venue finds Hyperliquid like the others.
import { FakeHyperliquid, type FakeCandle, type FakeMarket } from '../fake-hyperliquid/server.js';
import { barsFor } from './market.js';

const COINS = ['BTC', 'ETH', 'SOL'];
/** Hyperliquid's maximum leverage per coin (BTC 40x, the others 25x on the venue in 2026). */
const MAX_LEVERAGE: Record<string, number> = { BTC: 40, ETH: 25, SOL: 20 };

export function hyperliquidOfMarket(now: () => number): FakeHyperliquid {
  const lastBefore = (coin: string, t: number) => {
    const bars = barsFor('hyperliquid', coin, 300_000);
    let last = bars[0]!;
    for (const b of bars) if (b.ts + 300_000 <= t) last = b;
    return last;
  };
  return new FakeHyperliquid({
    now,
    marketsAt: (t) =>
      new Map<string, FakeMarket>(
        COINS.map((coin) => {
          const bar = lastBefore(coin, t);
          return [coin, { markPx: bar.close, openInterest: bar.oi, maxLeverage: MAX_LEVERAGE[coin] }];
        }),
      ),
    candles: (coin, intervalMs): FakeCandle[] | undefined =>
      COINS.includes(coin) ? barsFor('hyperliquid', coin, intervalMs).map((b) => ({ t: b.ts, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume })) : undefined,
  });
}
