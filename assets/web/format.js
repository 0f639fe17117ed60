// Number and time formats of the page, the same as the chat replies' and pictures' (src/analysis/format.ts).

/** $14.0B, $840M, $95K, $512. */
export function formatUsd(usd) {
  const abs = Math.abs(usd);
  const sign = usd < 0 ? '-' : '';
  if (abs >= 1e12) return `${sign}$${(abs / 1e12).toFixed(1)}T`;
  if (abs >= 1e9) return `${sign}$${(abs / 1e9).toFixed(abs >= 1e11 ? 0 : 1)}B`;
  if (abs >= 1e6) return `${sign}$${(abs / 1e6).toFixed(abs >= 1e7 ? 0 : 1)}M`;
  if (abs >= 1e3) return `${sign}$${(abs / 1e3).toFixed(abs >= 1e4 ? 0 : 1)}K`;
  return `${sign}$${abs.toFixed(0)}`;
}

/** Decimals that keep about five significant digits: 71,450 · 3,512.4 · 1.2345. */
export function priceDecimals(price) {
  if (!(price > 0) || !Number.isFinite(price)) return 2;
  return Math.min(10, Math.max(0, 4 - Math.floor(Math.log10(price))));
}

export function formatPrice(price, decimals = priceDecimals(price)) {
  return price.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export function formatPct(pct) {
  const sign = pct > 0 ? '+' : pct < 0 ? '−' : '';
  return `${sign}${Math.abs(pct).toFixed(1)}%`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n) => String(n).padStart(2, '0');

/** "Jun 08 14:15 UTC": the pictures and replies speak UTC. */
export function formatTime(ms) {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())} UTC`;
}

/** "250M" → 250e6; "" → null (auto); anything else → NaN. */
export function parseUsdScale(text) {
  const t = String(text ?? '').trim().replace(/^\$/, '').toUpperCase();
  if (t === '' || t === 'AUTO') return null;
  const m = /^(\d+(?:\.\d+)?)([KMBT]?)$/.exec(t);
  if (!m) return Number.NaN;
  const value = Number(m[1]) * { '': 1, K: 1e3, M: 1e6, B: 1e9, T: 1e12 }[m[2]];
  return value > 0 ? value : Number.NaN;
}

/** 250e6 → "250M", the way parseUsdScale reads it back. */
export function scaleText(usd) {
  for (const [unit, size] of [['T', 1e12], ['B', 1e9], ['M', 1e6], ['K', 1e3]]) {
    if (usd >= size) return `${+(usd / size).toPrecision(4)}${unit}`;
  }
  return String(usd);
}

export const VENUE_NAMES = { binance: 'Binance', bybit: 'Bybit', okx: 'OKX', hyperliquid: 'Hyperliquid' };
