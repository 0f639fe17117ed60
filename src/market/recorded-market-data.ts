// MarketData over files: the bundled sample (`sample`), a recording directory or one bars CSV file.
// Never touches the network.
import { UserError } from '../errors.js';
import type { MarketData, MarketSeries, SeriesQuery } from './market-data.js';
import { cachedBarsReader, DataNotFoundError, listRecorded, loadRecorded } from './recorded-source.js';
import { SymbolCatalogue, type SymbolListing, type VenueMarket } from './symbol-catalogue.js';
import { venueSpecFor } from './venue-specs.js';

export class RecordedMarketData implements MarketData {
  private catalogue?: Promise<SymbolCatalogue>;
  private readonly read = cachedBarsReader();

  constructor(readonly source: string) {}

  async getSeries(query: SeriesQuery): Promise<MarketSeries> {
    let loaded;
    try {
      loaded = await loadRecorded(this.source, query.symbol, query.venues ? [...query.venues] : undefined, this.read);
    } catch (err) {
      if (err instanceof DataNotFoundError) throw new UserError(err.message);
      throw err;
    }
    return {
      symbol: loaded.series[0]!.symbol,
      venues: loaded.series.map((series) => ({ series, spec: venueSpecFor(series.venue, series.symbol) })),
      failed: loaded.missingVenues.map((venue) => ({ venue, reason: `not in source ${this.source}` })),
      notes: [],
      source: this.source,
    };
  }

  async searchSymbols(prefix: string, limit?: number): Promise<SymbolListing[]> {
    return (await this.symbols()).search(prefix, limit);
  }

  async resolveSymbol(input: string): Promise<SymbolListing> {
    return (await this.symbols()).resolve(input);
  }

  async close(): Promise<void> {}

  private symbols(): Promise<SymbolCatalogue> {
    this.catalogue ??= (async () => {
      let files;
      try {
        files = await listRecorded(this.source);
      } catch (err) {
        if (err instanceof DataNotFoundError) throw new UserError(err.message);
        throw err;
      }
      const byVenue = new Map<string, VenueMarket[]>();
      for (const f of files) {
        const list = byVenue.get(f.venue) ?? [];
        list.push({ symbol: f.symbol, base: f.symbol.replace(/(USDT|USDC|USD)$/, ''), nativeId: f.symbol });
        byVenue.set(f.venue, list);
      }
      return new SymbolCatalogue(byVenue, `in source ${this.source}`);
    })();
    this.catalogue.catch(() => {
      this.catalogue = undefined;
    });
    return this.catalogue;
  }
}
