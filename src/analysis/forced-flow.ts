// Calibrated forced flow (issue 14): "to 70,000: ≈ $180M of shorts would be force-closed (80% band
// $90M–$310M)". The modelled USD between the current price and a level, read through a calibration.
// Pure: a function of the map and the calibration.
import { calibrateUsd, calibrationMismatch, type Calibration } from './calibration.js';
import { nearestCluster } from './clusters.js';
import type { ForcedFlow, ForcedFlowEstimate, ForcedFlowUnavailable, LiquidationMap, Side } from './types.js';

/** Open interest of the map's venues at its last bar, USD; null when a venue's is unknown. */
export function mapOiUsd(map: LiquidationMap): number | null {
  let total = 0;
  for (const v of map.meta.venues) {
    if (v.oiUsd === null || !(v.oiUsd > 0)) return null;
    total += v.oiUsd;
  }
  return total > 0 ? total : null;
}

/**
 * Modelled USD of the side a move from the current price to `level` would liquidate: longs in every
 * bucket from the price down to the bucket holding the level, shorts from the price up to it.
 */
export function modelledUsdTo(map: LiquidationMap, level: number): { side: Side; usd: number } {
  const side: Side = level < map.price ? 'long' : 'short';
  let usd = 0;
  for (const b of map.buckets) {
    if (side === 'long' ? b.priceHigh > level && b.priceLow <= map.price : b.priceLow <= level && b.priceHigh >= map.price) {
      usd += side === 'long' ? b.longUsd : b.shortUsd;
    }
  }
  return { side, usd };
}

/** The calibrated forced flow of a move to `level`; null when the map's open interest is unknown. */
export function forcedFlowTo(map: LiquidationMap, cal: Calibration, level: number): ForcedFlowEstimate | null {
  const oi = mapOiUsd(map);
  if (oi === null || !(level > 0) || level === map.price) return null;
  const { side, usd: modelledUsd } = modelledUsdTo(map, level);
  const c = calibrateUsd(cal, side, modelledUsd, oi);
  return {
    side,
    price: level,
    distancePct: ((level - map.price) / map.price) * 100,
    modelledUsd,
    usd: c.usd,
    lowUsd: c.lowUsd,
    highUsd: c.highUsd,
    extrapolated: c.extrapolated,
  };
}

/**
 * Forced flow to the nearest cluster each side and to the given levels, or why there is none (the
 * calibration does not hold for this symbol or these parameters; the venues' open interest is unknown).
 */
export function forcedFlowOf(map: LiquidationMap, cal: Calibration, levels: readonly number[] = []): ForcedFlow | ForcedFlowUnavailable {
  const mismatch = calibrationMismatch(cal, map.meta.symbol, map.meta.params);
  if (mismatch) return { unavailable: mismatch };
  if (mapOiUsd(map) === null) return { unavailable: 'the open interest of a venue is unknown' };
  const nearest = [nearestCluster(map.longClusters), nearestCluster(map.shortClusters)]
    .filter((c) => c !== undefined)
    .map((c) => forcedFlowTo(map, cal, c.price)!);
  const at = levels.map((l) => forcedFlowTo(map, cal, l)).filter((e) => e !== null);
  return { calibration: cal.id, nearest, levels: at };
}

/**
 * The map with the forced flow to `levels` added (one model run serves every level; only this differs).
 * Without a calibration, or one that does not hold, the map says why.
 */
export function withForcedFlowLevels(map: LiquidationMap, cal: Calibration | undefined, levels: readonly number[]): LiquidationMap {
  if (levels.length === 0) return map;
  if (!cal) return { ...map, forcedFlow: { unavailable: 'no calibration is configured', askedLevels: [...levels] } };
  const flow = map.forcedFlow && 'calibration' in map.forcedFlow ? map.forcedFlow : forcedFlowOf(map, cal);
  if ('unavailable' in flow) return { ...map, forcedFlow: { unavailable: flow.unavailable, askedLevels: [...levels] } };
  const at = levels.map((l) => forcedFlowTo(map, cal, l)).filter((e) => e !== null);
  return { ...map, forcedFlow: { ...flow, levels: at } };
}
