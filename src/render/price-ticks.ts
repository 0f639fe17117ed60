import type { ScaleOptionsByType } from 'chart.js';
import { formatPrice } from '../analysis/format.js';
import { fontSize, theme } from './theme.js';

/** Decimals that show a tick step exactly: 5,000 → 0; 2.5 → 1; 0.0005 → 4. */
export function stepDecimals(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 2;
  for (let d = 0; d <= 10; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return 10;
}

// toLocaleString is slow and chart.js asks for the same tick labels several times per draw.
const cache = new Map<string, string>();

/** Axis label for a price tick, with as many decimals as the step between ticks needs. */
export function formatPriceTick(value: number, step: number): string {
  const decimals = stepDecimals(step);
  const key = `${value}|${decimals}`;
  let text = cache.get(key);
  if (text === undefined) {
    if (cache.size > 4096) cache.clear();
    text = formatPrice(value, decimals);
    cache.set(key, text);
  }
  return text;
}

/** The price axis of the map pictures: exactly the display range, ticks with the decimals their step needs. */
export function priceScale(min: number, max: number, bucketSize: number): Partial<ScaleOptionsByType<'linear'>> {
  return {
    type: 'linear',
    min,
    max,
    grid: { color: theme.grid, drawTicks: false },
    border: { color: theme.axis },
    ticks: {
      color: theme.muted,
      font: { size: fontSize.tick + 1 },
      padding: 8,
      maxTicksLimit: 10,
      maxRotation: 0,
      includeBounds: false,
      callback: (value, _index, ticks) => formatPriceTick(Number(value), ticks.length > 1 ? Math.abs(ticks[1]!.value - ticks[0]!.value) : bucketSize),
    },
  } as Partial<ScaleOptionsByType<'linear'>>;
}
