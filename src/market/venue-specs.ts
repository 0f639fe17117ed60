import { DEFAULT_VENUE_SPEC } from '../analysis/params.js';
import type { VenueSpec } from '../analysis/types.js';

/**
 * First maintenance-margin tier and maximum leverage per venue and symbol, for sources that do not
 * carry them (recorded files). Binance BTCUSDT tier 1 as of the 2024-10 bracket table: 125x, 0.004.
 */
const KNOWN: Record<string, VenueSpec> = {
  'binance:BTCUSDT': { maintenanceMarginRate: 0.004, maxLeverage: 125 },
  'binance:ETHUSDT': { maintenanceMarginRate: 0.004, maxLeverage: 125 },
  'bybit:BTCUSDT': { maintenanceMarginRate: 0.005, maxLeverage: 100 },
  'bybit:ETHUSDT': { maintenanceMarginRate: 0.005, maxLeverage: 100 },
  'okx:BTCUSDT': { maintenanceMarginRate: 0.004, maxLeverage: 100 },
  'okx:ETHUSDT': { maintenanceMarginRate: 0.004, maxLeverage: 100 },
};

export function venueSpecFor(venue: string, symbol: string): VenueSpec {
  return KNOWN[`${venue}:${symbol}`] ?? DEFAULT_VENUE_SPEC;
}
