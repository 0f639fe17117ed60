import { gridFor, runLedger, type LedgerRun, type PriceGrid } from './ledger.js';
import { defaultParams, validateParams, WINDOW_INTERVAL_MS, WINDOW_MS } from './params.js';
import { resample } from './resample.js';
import { findClusters, type ClusterBucket } from './clusters.js';
import type { Calibration } from './calibration.js';
import { forcedFlowOf } from './forced-flow.js';
import type {
  Bar,
  BarSeries,
  Heatmap,
  LiquidationMap,
  MapBucket,
  MapMeta,
  ModelParams,
  RatioKind,
  VenueMeta,
  VenueSpec,
  WindowName,
} from './types.js';

/** A failure the caller can explain to a person: the data cannot answer the question asked. */
export class ModelInputError extends Error {
  override name = 'ModelInputError';
}

export interface VenueInput {
  series: BarSeries;
  spec: VenueSpec;
}

export interface ModelRequest {
  symbol: string;
  window: WindowName;
  /** The first venue is the reference for the current price. */
  venues: VenueInput[];
  params?: Partial<ModelParams>;
  /** Show the map as of this time (Unix ms): only bars closed by then are used. */
  at?: number;
  venuesFailed?: { venue: string; reason: string }[];
  /** Notes from the data source, carried into meta.sourceNotes. */
  sourceNotes?: string[];
  /** Adds the calibrated forced flow to the nearest clusters (map.forcedFlow). */
  calibration?: Calibration;
}

interface PreparedVenue {
  venue: string;
  spec: VenueSpec;
  bars: Bar[];
  intervalMs: number;
}

interface Prepared {
  params: ModelParams;
  price: number;
  grid: PriceGrid;
  venues: PreparedVenue[];
  venuesFailed: { venue: string; reason: string }[];
  notes: string[];
}

/** Bars of the window ending at the last bar closed by `at`, at the window's bar interval. */
export function selectWindow(series: BarSeries, window: WindowName, at?: number): { bars: Bar[]; intervalMs: number; notes: string[] } {
  const notes: string[] = [];
  const target = WINDOW_INTERVAL_MS[window];
  let s = series;
  if (series.intervalMs < target && target % series.intervalMs === 0) {
    s = resample(series, target);
  } else if (series.intervalMs !== target) {
    notes.push(`${series.venue}: ${series.intervalMs / 60000}m bars used as given (the ${window} window prefers ${target / 60000}m)`);
  }
  let bars = s.bars;
  if (at !== undefined) bars = bars.filter((b) => b.ts + s.intervalMs <= at);
  if (bars.length === 0) return { bars, intervalMs: s.intervalMs, notes };
  const lastClose = bars[bars.length - 1]!.ts + s.intervalMs;
  const start = lastClose - WINDOW_MS[window];
  const inWindow = bars.filter((b) => b.ts >= start);
  const covered = inWindow.length * s.intervalMs;
  if (covered < WINDOW_MS[window] * 0.98) {
    notes.push(`${series.venue}: data covers ${(covered / 86_400_000).toFixed(1)} of the ${window} window`);
  }
  return { bars: inWindow, intervalMs: s.intervalMs, notes };
}

/**
 * The bars `selectWindow` can use for this window and time, and no more: a 28-day recording asked for a
 * 1-day map becomes a day and a bar, so less is copied to the workers. Same map, fewer bars.
 */
export function trimToWindow(series: BarSeries, window: WindowName, at?: number): BarSeries {
  const target = WINDOW_INTERVAL_MS[window];
  const bars = at === undefined ? series.bars : series.bars.filter((b) => b.ts + series.intervalMs <= at);
  if (bars.length === 0) return bars === series.bars ? series : { ...series, bars };
  const lastClose = bars[bars.length - 1]!.ts + series.intervalMs;
  // From a boundary of the window's interval one bar before the window: resampling sees whole groups.
  const from = Math.floor((lastClose - WINDOW_MS[window]) / target) * target - target;
  let lo = 0;
  let hi = bars.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bars[mid]!.ts < from) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0 && bars === series.bars) return series;
  return { ...series, bars: bars.slice(lo) };
}

function missingColumns(bars: Bar[]): string[] {
  const columns: [keyof Bar, string][] = [
    ['volume', 'volume'],
    ['takerBuyVolume', 'taker_buy_volume'],
    ['netTakerVolume', 'net_taker_volume'],
    ['oi', 'oi'],
    ['oiUsd', 'oi_usd'],
  ];
  return columns.filter(([key]) => !bars.some((b) => b[key] !== undefined)).map(([, name]) => name);
}

function prepare(req: ModelRequest): Prepared {
  const params: ModelParams = { ...defaultParams(req.window), ...req.params };
  validateParams(params);
  if (req.venues.length === 0) throw new ModelInputError(`no venue has data for ${req.symbol}`);

  const notes: string[] = [];
  const venues: PreparedVenue[] = [];
  const venuesFailed = [...(req.venuesFailed ?? [])];
  for (const v of req.venues) {
    const w = selectWindow(v.series, req.window, req.at);
    notes.push(...w.notes);
    if (w.bars.length === 0) {
      venuesFailed.push({ venue: v.series.venue, reason: req.at !== undefined ? 'no bars closed before the requested time' : 'no bars' });
      continue;
    }
    if (!w.bars.some((b) => b.oi !== undefined || b.oiUsd !== undefined)) {
      venuesFailed.push({ venue: v.series.venue, reason: 'no open interest in the data' });
      continue;
    }
    venues.push({ venue: v.series.venue, spec: v.spec, bars: w.bars, intervalMs: w.intervalMs });
  }
  if (venues.length === 0) {
    const why = venuesFailed.map((f) => `${f.venue}: ${f.reason}`).join('; ');
    throw new ModelInputError(`no usable data for ${req.symbol} ${req.window}${why ? ` (${why})` : ''}`);
  }

  const primary = venues[0]!;
  const lastBar = primary.bars[primary.bars.length - 1]!;
  const price = lastBar.close;
  if (!(price > 0)) throw new ModelInputError(`${primary.venue}: last close ${price} is not a price`);
  const grid = gridFor(venues, params);

  return { params, price, grid, venues, venuesFailed, notes };
}

function describe(req: ModelRequest, prepared: Prepared, runs: LedgerRun[]): MapMeta {
  const { params, venues, venuesFailed } = prepared;
  const notes = [...prepared.notes];
  const primary = venues[0]!;
  const lastBar = primary.bars[primary.bars.length - 1]!;
  const venueMeta: VenueMeta[] = venues.map((v, i) => {
    const run = runs[i]!;
    if (run.clampedCohorts > 0) notes.push(`${v.venue}: ${run.clampedCohorts} cohorts fell outside the price grid and were clamped`);
    return {
      venue: v.venue,
      bars: v.bars.length,
      firstTs: v.bars[0]!.ts,
      lastTs: v.bars[v.bars.length - 1]!.ts,
      missing: missingColumns(v.bars),
      oiCoverage: run.lastOiUsd ? run.liveUsd / run.lastOiUsd : null,
      oiUsd: run.lastOiUsd,
      maintenanceMarginRate: v.spec.maintenanceMarginRate,
      maxLeverage: v.spec.maxLeverage,
      oiGaps: run.oiGaps,
    };
  });
  const totalOi = runs.reduce((s, r) => s + (r.lastOiUsd ?? 0), 0);
  const totalLive = runs.reduce((s, r) => s + r.liveUsd, 0);
  if (params.seed === 'oi') notes.push('positions open before the window are seeded around its start price (lower confidence)');

  const meta: MapMeta = {
    label: 'estimated',
    symbol: req.symbol,
    window: req.window,
    intervalMs: primary.intervalMs,
    venues: venueMeta,
    venuesFailed,
    dataTime: lastBar.ts + primary.intervalMs,
    windowStart: primary.bars[0]!.ts,
    bars: primary.bars.length,
    params,
    oiCoverage: totalOi > 0 ? totalLive / totalOi : null,
    notes,
    sourceNotes: [...(req.sourceNotes ?? [])],
  };
  return meta;
}

/** The above/below ratio, and what it means when a side is empty. */
export function ratioOf(shortAbove: number, longBelow: number): { ratio: number | null; ratioKind: RatioKind } {
  if (longBelow > 0 && shortAbove > 0) return { ratio: shortAbove / longBelow, ratioKind: 'finite' };
  if (longBelow > 0) return { ratio: 0, ratioKind: 'no-shorts' };
  if (shortAbove > 0) return { ratio: null, ratioKind: 'no-longs' };
  return { ratio: null, ratioKind: 'empty' };
}

/** The liquidation map at the last closed bar: every venue's ledger summed on one bucket grid. */
export function buildMap(req: ModelRequest): LiquidationMap {
  const prepared = prepare(req);
  const { params, price, grid } = prepared;
  const runs = prepared.venues.map((v) => runLedger(v.bars, v.intervalMs, v.spec, params, grid));
  const meta = describe(req, prepared, runs);
  const tierIndex = new Map(params.leverageTiers.map((t, i) => [t.leverage, i]));
  const nTiers = params.leverageTiers.length;
  const nBuckets = grid.cells / grid.cellsPerBucket;
  const firstBucket = grid.firstCell / grid.cellsPerBucket;
  const longTier = new Float64Array(nBuckets * nTiers);
  const shortTier = new Float64Array(nBuckets * nTiers);

  for (const run of runs) {
    const nT = run.tiers.length;
    const global = run.tiers.map((t) => tierIndex.get(t.leverage)!);
    for (const [book, out] of [[run.longs, longTier], [run.shorts, shortTier]] as const) {
      for (let c = 0; c < grid.cells; c++) {
        if (book.cellRaw[c] === 0) continue;
        const b = Math.floor(c / grid.cellsPerBucket);
        for (let t = 0; t < nT; t++) {
          const v = book.raw[c * nT + t]!;
          if (v !== 0) out[b * nTiers + global[t]!]! += v * book.scale;
        }
      }
    }
  }

  const buckets: MapBucket[] = [];
  for (let b = 0; b < nBuckets; b++) {
    const longByTier = Array.from(longTier.subarray(b * nTiers, (b + 1) * nTiers));
    const shortByTier = Array.from(shortTier.subarray(b * nTiers, (b + 1) * nTiers));
    const longUsd = longByTier.reduce((s, v) => s + v, 0);
    const shortUsd = shortByTier.reduce((s, v) => s + v, 0);
    if (longUsd === 0 && shortUsd === 0) continue;
    const priceLow = (firstBucket + b) * grid.bucketSize;
    buckets.push({
      priceLow,
      priceHigh: priceLow + grid.bucketSize,
      longUsd,
      shortUsd,
      longByTier,
      shortByTier,
      longCumulativeUsd: 0,
      shortCumulativeUsd: 0,
    });
  }
  addCumulativeCurves(buckets, price);

  const map: LiquidationMap = {
    price,
    bucketSize: grid.bucketSize,
    buckets,
    ...rangeFigures(buckets, price, params.range, params.clusterCount),
    meta,
  };
  if (req.calibration) map.forcedFlow = forcedFlowOf(map, req.calibration);
  return map;
}

/** Time × price matrix of live USD over the window, with the price path and sweep events. */
export function buildHeatmap(req: ModelRequest): Heatmap {
  const prepared = prepare(req);
  const { params, price, grid, venues } = prepared;
  const primary = venues[0]!;
  const columns = primary.bars.map((b) => b.ts);
  const columnOf = new Map(columns.map((ts, i) => [ts, i]));

  // Rows cover the traded range padded by half the display range: the levels price could reach
  // next, without a day's chart drowning in levels a month away.
  let low = price;
  let high = price;
  for (const b of primary.bars) {
    low = Math.min(low, b.low);
    high = Math.max(high, b.high);
  }
  low *= 1 - params.range / 2;
  high *= 1 + params.range / 2;
  const firstRowBucket = Math.floor(low / grid.bucketSize);
  const rows = Math.ceil(high / grid.bucketSize) - firstRowBucket + 1;
  const usd = new Float64Array(columns.length * rows);

  const runs = venues.map((v) =>
    runLedger(v.bars, v.intervalMs, v.spec, params, grid, {
      recordSweeps: true,
      onSnapshot: (barIndex, read) => {
        const col = columnOf.get(v.bars[barIndex]!.ts);
        if (col !== undefined) read(usd.subarray(col * rows, (col + 1) * rows), firstRowBucket);
      },
    }),
  );
  let maxUsd = 0;
  for (let i = 0; i < usd.length; i++) if (usd[i]! > maxUsd) maxUsd = usd[i]!;
  const sweeps = runs.flatMap((r) => r.sweeps).sort((a, b) => a.ts - b.ts || a.side.localeCompare(b.side));
  return {
    symbol: req.symbol,
    window: req.window,
    intervalMs: primary.intervalMs,
    ts: columns,
    priceLow: firstRowBucket * grid.bucketSize,
    bucketSize: grid.bucketSize,
    rows,
    usd,
    maxUsd,
    open: primary.bars.map((b) => b.open),
    high: primary.bars.map((b) => b.high),
    low: primary.bars.map((b) => b.low),
    close: primary.bars.map((b) => b.close),
    sweeps,
    meta: describe(req, prepared, runs),
  };
}

/** Fills the cumulative curves, which run outward from the price: longs downward, shorts upward. */
export function addCumulativeCurves(buckets: readonly Pick<MapBucket, 'priceLow' | 'priceHigh' | 'longUsd' | 'shortUsd' | 'longCumulativeUsd' | 'shortCumulativeUsd'>[], price: number): void {
  let acc = 0;
  for (let i = buckets.length - 1; i >= 0; i--) {
    const b = buckets[i]!;
    if (b.priceLow > price) continue;
    acc += b.longUsd;
    b.longCumulativeUsd = acc;
  }
  acc = 0;
  for (const b of buckets) {
    if (b.priceHigh < price) continue;
    acc += b.shortUsd;
    b.shortCumulativeUsd = acc;
  }
}

/**
 * The headline figures of a map within its display range (± `range` of the price, by bucket centre):
 * the sides' USD and ratio, how far each reaches, the largest clusters. The estimate and the measured
 * map read them the same way.
 */
export function rangeFigures(buckets: readonly ClusterBucket[], price: number, range: number, clusterCount: number) {
  const rangeLow = price * (1 - range);
  const rangeHigh = price * (1 + range);
  const centre = (b: ClusterBucket) => (b.priceLow + b.priceHigh) / 2;
  const inRange = buckets.filter((b) => centre(b) >= rangeLow && centre(b) <= rangeHigh);
  let shortAbove = 0;
  let longBelow = 0;
  let shortReach: number | null = null;
  let longReach: number | null = null;
  for (const b of inRange) {
    const c = centre(b);
    if (b.shortUsd > 0) {
      shortAbove += b.shortUsd;
      shortReach = shortReach === null ? c : Math.max(shortReach, c);
    }
    if (b.longUsd > 0) {
      longBelow += b.longUsd;
      longReach = longReach === null ? c : Math.min(longReach, c);
    }
  }
  return {
    rangeLow,
    rangeHigh,
    shortAbove,
    longBelow,
    ...ratioOf(shortAbove, longBelow),
    shortReach,
    longReach,
    shortClusters: findClusters(inRange, 'short', price, clusterCount),
    longClusters: findClusters(inRange, 'long', price, clusterCount),
  };
}
