// Canonical symbols: what a person types (btc, BTC, btcusdt, BTC-USDT-SWAP, btc/usdt) → BTCUSDT.

const QUOTES = ['USDT', 'USDC', 'USD'];

export function canonicalSymbol(input: string): string {
  const s = input.trim().toUpperCase().replace(/[-_/ ]/g, '').replace(/SWAP$/, '').replace(/PERP$/, '');
  if (s === '') return s;
  return QUOTES.some((q) => s.endsWith(q) && s.length > q.length) ? s : `${s}USDT`;
}

/** Plausible symbol text: letters and digits, 2–20 characters after cleaning. */
export function isPlausibleSymbol(input: string): boolean {
  return /^[A-Z0-9]{2,24}$/.test(canonicalSymbol(input));
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** Up to `count` known symbols closest to the input. */
export function closestSymbols(input: string, known: string[], count = 3): string[] {
  const target = canonicalSymbol(input);
  return [...new Set(known)]
    .map((k) => ({ k, d: editDistance(target, k) }))
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, count)
    .map((x) => x.k);
}
