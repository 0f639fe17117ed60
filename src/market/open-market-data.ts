// Source name → MarketData: `live` (the venues), `sample` (the bundled data) or a recording path.
import { LiveMarketData, type LiveMarketOptions } from './live-market-data.js';
import type { MarketData } from './market-data.js';
import { RecordedMarketData } from './recorded-market-data.js';

export function openMarketData(source: string, live: LiveMarketOptions = {}): MarketData {
  return source === 'live' ? new LiveMarketData(live) : new RecordedMarketData(source);
}
