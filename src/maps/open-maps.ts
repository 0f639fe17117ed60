// The map pipeline over a configured source: what `liqmap map/heatmap/web/demo` and `liqmap serve` build.
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { systemClock as marketClock } from '../market/clock.js';
import { CoinglassClient } from '../market/coinglass.js';
import type { LiveMarketOptions } from '../market/live-market-data.js';
import type { MarketData } from '../market/market-data.js';
import { openMarketData } from '../market/open-market-data.js';
import type { Calibration } from '../analysis/calibration.js';
import type { ForwardSeries } from '../market/hyperliquid/forward-series.js';
import { defaultCalibration } from './calibration-file.js';
import { MapPipeline, type MapPipelineMetrics, type MeasuredPort, type Renderer } from './map-pipeline.js';
import type { ModelRunner } from './model-runner.js';

/** `live`, `sample` or the configured directory. */
export function sourceName(config: Pick<Config, 'source'>): string {
  return config.source.kind === 'dir' ? config.source.path : config.source.kind;
}

/** The live market's options that come from the configuration. */
export function liveOptionsOf(config: Pick<Config, 'venues' | 'hyperliquid'>): LiveMarketOptions {
  const v = config.venues;
  return {
    urls: { binance: v.binanceFapiUrl, bybit: v.bybitApiUrl, okx: v.okxApiUrl, hyperliquid: config.hyperliquid.apiUrl },
    binanceApiKey: v.binanceApiKey,
    binanceApiSecret: v.binanceApiSecret,
  };
}

export interface OpenMapsOptions {
  config: Pick<Config, 'source' | 'venues' | 'hyperliquid'>;
  renderer: Renderer;
  models: ModelRunner;
  clock: Clock;
  log: Logger;
  metrics?: MapPipelineMetrics;
  /** Requests and cache outcomes of the live venues (metrics). */
  observer?: LiveMarketOptions['observer'];
  /** Replaces the configured source (tests, benchmarks). */
  market?: MarketData;
  /** Hyperliquid's open interest and taker flow as the bot records them (live source). */
  hyperliquidForward?: ForwardSeries;
  /** Hyperliquid's tracked positions, for the measured picture. */
  measured?: MeasuredPort;
  /** Replaces the shipped calibration (assets/calibration/); null = maps without calibrated figures. */
  calibration?: Calibration | null;
}

export interface OpenMaps {
  maps: MapPipeline;
  market: MarketData;
}

export function openMaps(o: OpenMapsOptions): OpenMaps {
  const market =
    o.market ??
    openMarketData(sourceName(o.config), {
      ...liveOptionsOf(o.config),
      // The pipeline's clock tells the market what "now" is too (a retry's wait stays real).
      clock: { now: () => o.clock.now(), sleep: marketClock.sleep },
      ...(o.observer ? { observer: o.observer } : {}),
      ...(o.hyperliquidForward ? { hyperliquidForward: o.hyperliquidForward } : {}),
    });
  // Without COINGLASS_API_KEY the client answers a comparison with how to turn it on.
  const coinglass = new CoinglassClient({
    apiKey: o.config.venues.coinglassApiKey,
    baseUrl: o.config.venues.coinglassApiUrl || undefined,
    // The pipeline's clock tells the time; a retry's wait is real.
    clock: { now: () => o.clock.now(), sleep: marketClock.sleep },
  });
  const calibration = o.calibration === undefined ? defaultCalibration() : o.calibration;
  const maps = new MapPipeline({
    market,
    renderer: o.renderer,
    models: o.models,
    clock: o.clock,
    log: o.log,
    metrics: o.metrics,
    coinglass,
    ...(calibration ? { calibration } : {}),
    ...(o.measured ? { measured: o.measured } : {}),
  });
  return { maps, market };
}
