// Hyperliquid inside `liqmap serve` (live source): the tracker records open interest and taker flow
// forward for Hyperliquid as a venue of the estimate, and, with HYPERLIQUID_TRACKER=on, follows
// accounts and their positions for the measured map. Its weight is the IP budget's share the market
// data does not keep (HYPERLIQUID_RESERVE_PCT).
import type { Config } from '../config.js';
import type { Clock } from '../market/clock.js';
import type { ForwardSeries } from '../market/hyperliquid/forward-series.js';
import { HyperliquidInfoClient } from '../market/hyperliquid/info-client.js';
import { WeightBudget } from '../market/hyperliquid/weight-budget.js';
import type { Store } from '../store/store.js';
import { hyperliquidSymbol } from '../market/hyperliquid/venue-client.js';
import type { MeasuredPort } from '../maps/map-pipeline.js';
import { MeasuredHistory } from './measured-history.js';
import { measuredSourceOf } from './measured-source.js';
import { PositionTracker, type TrackerLog } from './tracker.js';

export interface HyperliquidService {
  tracker: PositionTracker;
  /** The measured map's source and its recorded history, when accounts are followed. */
  measured: MeasuredPort | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createHyperliquid(o: { config: Pick<Config, 'hyperliquid'>; store: () => Store; forward: ForwardSeries; clock: Clock; log: TrackerLog }): HyperliquidService {
  const hl = o.config.hyperliquid;
  const budget = new WeightBudget({ clock: o.clock });
  const client = new HyperliquidInfoClient({ clock: o.clock, lane: budget.lane('tracker', Math.max(0.1, 1 - hl.reservePct / 100)), url: hl.apiUrl });
  // The store opens after the market: its collection is read when the tracker starts.
  const addresses = {
    list: () => o.store().hyperliquidAddresses.list(),
    put: (id: string, r: Parameters<Store['hyperliquidAddresses']['put']>[1]) => o.store().hyperliquidAddresses.put(id, r),
    delete: (id: string) => o.store().hyperliquidAddresses.delete(id),
  };
  const tracker = new PositionTracker({
    client,
    store: addresses,
    clock: o.clock,
    wsUrl: hl.wsUrl,
    log: o.log,
    forward: o.forward,
    settings: { coins: [...hl.coins], followAccounts: hl.tracker },
  });
  const source = measuredSourceOf(tracker);
  const history = hl.tracker
    ? new MeasuredHistory({
        source,
        markets: hl.coins.map((coin) => ({ coin, symbol: hyperliquidSymbol(coin).symbol })),
        days: () => o.store().hyperliquidMeasured,
        clock: o.clock,
        log: o.log,
      })
    : undefined;
  return {
    tracker,
    measured: history ? { snapshot: (symbol) => source.snapshot(symbol), history: (symbol, fromMs, toMs) => history.history(symbol, fromMs, toMs) } : undefined,
    start: async () => {
      await tracker.start();
      history?.start();
    },
    stop: async () => {
      await history?.stop();
      await tracker.stop();
    },
  };
}
