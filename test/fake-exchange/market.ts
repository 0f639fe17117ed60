// The fake exchange's market: the bundled real sample (Binance BTCUSDT perpetual, 5-minute bars with
// open interest in USD and net taker flow) served as every venue's BTC, other symbols as scaled copies.
// Volume is not in the sample: the fake derives it from the net taker flow (see volumeOf).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bar } from '../../src/analysis/types.js';
import { parseBarsCsv } from '../../src/market/bars-csv.js';
import { SAMPLE_DIR } from '../../src/paths.js';

export const BASE_MS = 300_000;

let sample: Bar[] | undefined;

export function sampleBars(): Bar[] {
  sample ??= parseBarsCsv(readFileSync(join(SAMPLE_DIR, 'binance-BTCUSDT-5m.csv'), 'utf8'), 'sample').bars;
  return sample;
}

/** Price scale of each base asset against the sample's BTC, so every symbol has its own plausible price. */
const PRICE_SCALE: Record<string, number> = { BTC: 1, ETH: 1 / 25, SOL: 1 / 450, DOGE: 1 / 400_000, AVAX: 1 / 3000, SUSHI: 1 / 60_000, '0G': 1 / 50_000, '1000PEPE': 1 / 6_000_000, '1000SHIB': 1 / 4_000_000 };
/** Each venue's share of the sample's (Binance) open interest. */
const OI_SCALE: Record<string, number> = { binance: 1, bybit: 0.6, okx: 0.4 };

export interface FakeBar extends Bar {
  volume: number;
  takerBuyVolume: number;
  /** Open interest in base units and USD at the bar's close. */
  oi: number;
  oiUsd: number;
}

/** Deterministic volume: the sample keeps only net flow, so total = |net| · 3 + a floor. */
function volumeOf(b: Bar): { volume: number; takerBuy: number } {
  const net = b.netTakerVolume ?? 0;
  const volume = Math.abs(net) * 3 + 40;
  return { volume, takerBuy: (volume + net) / 2 };
}

const cache = new Map<string, FakeBar[]>();

/** Bars of `base` on `venue` at `intervalMs`, complete groups only, oldest first. */
export function barsFor(venue: string, base: string, intervalMs: number): FakeBar[] {
  const key = `${venue}:${base}:${intervalMs}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const scale = PRICE_SCALE[base] ?? 1 / 1000;
  const oiScale = (OI_SCALE[venue] ?? 0.5) * (base === 'BTC' ? 1 : 0.2);
  const five: FakeBar[] = sampleBars().map((b) => {
    const { volume, takerBuy } = volumeOf(b);
    const oiUsd = (b.oiUsd ?? 0) * oiScale;
    const close = b.close * scale;
    return {
      ts: b.ts,
      open: b.open * scale,
      high: b.high * scale,
      low: b.low * scale,
      close,
      volume: volume / scale,
      takerBuyVolume: takerBuy / scale,
      oi: oiUsd / close,
      oiUsd,
    };
  });
  const out: FakeBar[] = [];
  if (intervalMs === BASE_MS) out.push(...five);
  else {
    const per = intervalMs / BASE_MS;
    for (let i = 0; i < five.length; ) {
      const start = Math.floor(five[i]!.ts / intervalMs) * intervalMs;
      const group: FakeBar[] = [];
      while (i < five.length && five[i]!.ts < start + intervalMs) group.push(five[i++]!);
      if (group.length !== per) continue;
      const last = group[group.length - 1]!;
      out.push({
        ts: start,
        open: group[0]!.open,
        high: Math.max(...group.map((g) => g.high)),
        low: Math.min(...group.map((g) => g.low)),
        close: last.close,
        volume: group.reduce((s, g) => s + g.volume, 0),
        takerBuyVolume: group.reduce((s, g) => s + g.takerBuyVolume, 0),
        oi: last.oi,
        oiUsd: last.oiUsd,
      });
    }
  }
  cache.set(key, out);
  return out;
}
