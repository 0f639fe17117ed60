// Which markets exist where: canonical symbol → the venues that list it, for autocomplete and
// "did you mean" hints. Built from venue listings (exchangeInfo / instruments) or a recording's files.
import { UserError } from '../errors.js';
import { canonicalSymbol, editDistance } from './symbols.js';

export interface SymbolListing {
  /** Canonical symbol, e.g. BTCUSDT. */
  symbol: string;
  /** Base asset, e.g. BTC. */
  base: string;
  /** Venues listing it, in the catalogue's venue order. */
  venues: string[];
}

/** One venue's market as the venue names it. */
export interface VenueMarket {
  symbol: string;
  base: string;
  /** The venue's own id (BTCUSDT, BTC-USDT-SWAP). */
  nativeId: string;
  /** Base units per contract where sizes are in contracts (OKX ctVal). */
  contractSize?: number;
  maxLeverage?: number;
}

export class UnknownSymbolError extends UserError {
  override name = 'UnknownSymbolError';
  constructor(
    readonly input: string,
    readonly suggestions: string[],
    where: string,
  ) {
    super(
      `${input.slice(0, 30)}: no such market ${where}`,
      suggestions.length > 0 ? `closest: ${suggestions.join(', ')}` : undefined,
    );
  }
}

export class SymbolCatalogue {
  private readonly listings = new Map<string, SymbolListing>();
  private readonly sorted: SymbolListing[];

  constructor(
    byVenue: ReadonlyMap<string, readonly VenueMarket[]>,
    private readonly where = 'on the venues',
  ) {
    for (const [venue, markets] of byVenue) {
      for (const m of markets) {
        const entry = this.listings.get(m.symbol) ?? { symbol: m.symbol, base: m.base, venues: [] };
        if (!entry.venues.includes(venue)) entry.venues.push(venue);
        this.listings.set(m.symbol, entry);
      }
    }
    this.sorted = [...this.listings.values()].sort((a, b) => a.symbol.localeCompare(b.symbol));
  }

  get size(): number {
    return this.listings.size;
  }

  get(symbol: string): SymbolListing | undefined {
    return this.listings.get(symbol);
  }

  /** Prefix match on the canonical symbol or the base asset; exact base matches first, then by length. */
  search(prefix: string, limit = 25): SymbolListing[] {
    const p = prefix.trim().toUpperCase().replace(/[-_/ ]/g, '');
    const hits = p === '' ? this.sorted : this.sorted.filter((l) => l.symbol.startsWith(p) || l.base.startsWith(p));
    return [...hits]
      .sort((a, b) => Number(b.base === p) - Number(a.base === p) || a.symbol.length - b.symbol.length || a.symbol.localeCompare(b.symbol))
      .slice(0, limit);
  }

  /** The listing for btc / BTCUSDT / BTC-USDT-SWAP; UnknownSymbolError with the three closest otherwise. */
  resolve(input: string): SymbolListing {
    const symbol = canonicalSymbol(input);
    const hit = this.listings.get(symbol);
    if (hit) return hit;
    throw new UnknownSymbolError(input, closest(symbol, [...this.listings.keys()], 3), this.where);
  }
}

/** Nearest by edit distance; ties go to the longer shared prefix (etc → ETHUSDT before BTCUSDT). */
function closest(target: string, known: string[], count: number): string[] {
  const prefix = (k: string) => {
    let n = 0;
    while (n < k.length && n < target.length && k[n] === target[n]) n++;
    return n;
  };
  return known
    .map((k) => ({ k, d: editDistance(target, k), p: prefix(k) }))
    .sort((a, b) => a.d - b.d || b.p - a.p || a.k.localeCompare(b.k))
    .slice(0, count)
    .map((x) => x.k);
}
