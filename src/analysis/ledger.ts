import { liquidationPrice } from './liquidation-price.js';
import { bucketSizeFor, effectiveTiers } from './params.js';
import { longShare, netFlowScale } from './side-share.js';
import type { Bar, LeverageTier, ModelParams, Side, SweepEvent, VenueSpec } from './types.js';

/**
 * The price grid every ledger of one map shares. Liquidation prices are kept in cells of
 * `cellSize` (a fraction of a display bucket), so cohorts that would be liquidated at the same price
 * merge, inserts cost O(1) and a sweep walks only the cells it empties: a sorted structure without
 * a tree, at the cost of a price resolution of one cell (1/8 of a bucket by default).
 */
export interface PriceGrid {
  bucketSize: number;
  cellsPerBucket: number;
  cellSize: number;
  /** Global index of cell 0; a multiple of cellsPerBucket so buckets line up across ledgers. */
  firstCell: number;
  cells: number;
}

export function makeGrid(minPrice: number, maxPrice: number, bucketSize: number, cellsPerBucket: number): PriceGrid {
  const cellSize = bucketSize / cellsPerBucket;
  const firstBucket = Math.max(0, Math.floor(minPrice / bucketSize));
  const lastBucket = Math.ceil(maxPrice / bucketSize);
  return {
    bucketSize,
    cellsPerBucket,
    cellSize,
    firstCell: firstBucket * cellsPerBucket,
    cells: Math.max(1, (lastBucket - firstBucket + 1) * cellsPerBucket),
  };
}

/** One price grid wide enough for every liquidation price the venues' bars and seed can produce. */
export function gridFor(venues: { bars: Bar[]; spec: VenueSpec }[], params: ModelParams): PriceGrid {
  let minPrice = Infinity;
  let maxPrice = -Infinity;
  let minLeverage = Infinity;
  for (const v of venues) {
    for (const b of v.bars) {
      if (b.low < minPrice) minPrice = b.low;
      if (b.high > maxPrice) maxPrice = b.high;
    }
    for (const k of cohortKinds(effectiveTiers(params.leverageTiers, v.spec), v.spec, params)) minLeverage = Math.min(minLeverage, k.leverage);
    const p0 = v.bars[0]!.open;
    minPrice = Math.min(minPrice, p0 * (1 - params.seedSpread));
    maxPrice = Math.max(maxPrice, p0 * (1 + params.seedSpread));
  }
  const first = venues[0]!.bars;
  const bucketSize = bucketSizeFor(first[first.length - 1]!.close, params.bucketFraction);
  const reach = 1 / minLeverage;
  return makeGrid(minPrice * (1 - reach) * 0.98, maxPrice * (1 + reach) * 1.02, bucketSize, params.cellsPerBucket);
}

export function cellCenter(grid: PriceGrid, cell: number): number {
  return (grid.firstCell + cell + 0.5) * grid.cellSize;
}

/** Cohorts of one side: USD per (cell, tier), stored scaled so a proportional close is O(1). */
class SideBook {
  readonly raw: Float64Array;
  readonly cellRaw: Float64Array;
  scale = 1;
  /** Sum of cellRaw, kept incrementally so the book's USD costs O(1) per bar. */
  rawTotal = 0;
  /** Longs: no occupied cell above it (−1 when empty). Shorts: none below it (cells when empty). */
  edge: number;

  constructor(
    readonly side: Side,
    readonly cells: number,
    readonly tiers: number,
  ) {
    this.raw = new Float64Array(cells * tiers);
    this.cellRaw = new Float64Array(cells);
    this.edge = side === 'long' ? -1 : cells;
  }

  /** Multiplies every cohort by `keep` (0..1). */
  shrink(keep: number): void {
    this.scale *= keep;
    // Renormalize long before doubles underflow; O(cells) and rare.
    if (this.scale < 1e-150 && this.scale > 0) {
      for (let i = 0; i < this.raw.length; i++) this.raw[i]! *= this.scale;
      for (let i = 0; i < this.cellRaw.length; i++) this.cellRaw[i]! *= this.scale;
      this.rawTotal *= this.scale;
      this.scale = 1;
    }
  }

  /** Empties one cell and returns its USD. */
  take(cell: number): number {
    const r = this.cellRaw[cell]!;
    const usd = r * this.scale;
    this.cellRaw[cell] = 0;
    this.rawTotal -= r;
    const base = cell * this.tiers;
    for (let t = 0; t < this.tiers; t++) this.raw[base + t] = 0;
    return usd;
  }

  liveUsd(): number {
    return Math.max(0, this.rawTotal) * this.scale;
  }

  /** Exact sum, for the end of a run (the running total drifts by rounding). */
  exactUsd(): number {
    let sum = 0;
    for (let i = 0; i < this.cellRaw.length; i++) sum += this.cellRaw[i]!;
    return sum * this.scale;
  }
}

export interface LedgerTotals {
  openedUsd: number;
  sweptUsd: number;
  closedUsd: number;
  /** USD of would-be cohorts dropped because they were liquidated at the bar's close already. */
  droppedUsd: number;
}

export interface LedgerRun {
  grid: PriceGrid;
  tiers: LeverageTier[];
  longs: { raw: Float64Array; cellRaw: Float64Array; scale: number };
  shorts: { raw: Float64Array; cellRaw: Float64Array; scale: number };
  /** Predicted liquidations per bar (USD removed by that bar's sweep). */
  sweptLongUsd: Float64Array;
  sweptShortUsd: Float64Array;
  sweeps: SweepEvent[];
  totals: LedgerTotals;
  liveUsd: number;
  lastOiUsd: number | null;
  oiGaps: number;
  clampedCohorts: number;
}

export interface LedgerOptions {
  /** Called after each bar with the bar index and a reader of live USD per bucket. */
  onSnapshot?: (barIndex: number, readBucketUsd: (out: Float64Array, firstBucket: number) => void) => void;
  /** Bars before this index update the book but are not reported in sweeps (warm-up). */
  reportFrom?: number;
  /** Keep a SweepEvent per bar and side (the heatmap draws them; the map does not need them). */
  recordSweeps?: boolean;
}

/** Open interest of a bar in base units: the oi column, else oi_usd over the close. */
function oiBase(bar: Bar): number | undefined {
  if (bar.oi !== undefined) return bar.oi;
  if (bar.oiUsd !== undefined && bar.close > 0) return bar.oiUsd / bar.close;
  return undefined;
}

interface CohortKind {
  tier: number;
  leverage: number;
  weight: number;
}

/**
 * The leverages new positions open at: each tier spread evenly on a log scale over
 * [L / leverageSpread, L × leverageSpread] in `leverageSpreadPoints` steps (capped at the venue's
 * maximum), sharing the tier's weight; one point per tier when the spread is 1.
 */
function cohortKinds(tiers: LeverageTier[], spec: VenueSpec, params: ModelParams): CohortKind[] {
  const points = params.leverageSpread > 1 ? params.leverageSpreadPoints : 1;
  const out: CohortKind[] = [];
  tiers.forEach((t, tier) => {
    for (let j = 0; j < points; j++) {
      const exponent = points === 1 ? 0 : (2 * j) / (points - 1) - 1;
      const leverage = Math.min(spec.maxLeverage, t.leverage * params.leverageSpread ** exponent);
      // Points capped to the same leverage merge: one cohort less to place per entry.
      const same = out.find((k) => k.tier === tier && k.leverage === leverage);
      if (same) same.weight += t.weight / points;
      else out.push({ tier, leverage, weight: t.weight / points });
    }
  });
  return out;
}

/** Triangular weights for `n` points across [low, high], peaking at `centre`. */
function entryWeights(low: number, high: number, centre: number, n: number, prices: Float64Array, weights: Float64Array): void {
  if (n === 1 || high <= low) {
    prices.fill(centre, 0, n);
    weights.fill(1 / n, 0, n);
    return;
  }
  const span = high - low;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const p = low + ((i + 0.5) / n) * span;
    const halfWidth = p < centre ? centre - low : high - centre;
    const w = halfWidth > 0 ? Math.max(0, 1 - Math.abs(p - centre) / (halfWidth + span / n)) : 1;
    prices[i] = p;
    weights[i] = w;
    total += w;
  }
  for (let i = 0; i < n; i++) weights[i] = total > 0 ? weights[i]! / total : 1 / n;
}

/**
 * Runs the cohort ledger of one venue over its bars (DESIGN.md §4): per bar sweep, close, open,
 * snapshot. Pure and deterministic.
 */
export function runLedger(bars: Bar[], intervalMs: number, spec: VenueSpec, params: ModelParams, grid: PriceGrid, options: LedgerOptions = {}): LedgerRun {
  const tiers = effectiveTiers(params.leverageTiers, spec);
  const nT = tiers.length;
  const mmr = spec.maintenanceMarginRate;
  const longs = new SideBook('long', grid.cells, nT);
  const shorts = new SideBook('short', grid.cells, nT);
  const sweptLongUsd = new Float64Array(bars.length);
  const sweptShortUsd = new Float64Array(bars.length);
  const sweeps: SweepEvent[] = [];
  const totals: LedgerTotals = { openedUsd: 0, sweptUsd: 0, closedUsd: 0, droppedUsd: 0 };
  const flowScale = netFlowScale(bars);
  const churnPerBar = 1 - Math.exp(-params.churnPerHour * (intervalMs / 3_600_000));
  const reportFrom = options.reportFrom ?? 0;
  const recordSweeps = options.recordSweeps ?? false;
  let clampedCohorts = 0;
  let oiGaps = 0;

  // Hot loop state in locals and typed arrays: this runs ~50 times per bar per venue.
  const kinds = cohortKinds(tiers, spec, params);
  const nK = kinds.length;
  const kindTier = Int32Array.from(kinds, (k) => k.tier);
  const longFactor = Float64Array.from(kinds, (k) => liquidationPrice('long', 1, k.leverage, mmr));
  const shortFactor = Float64Array.from(kinds, (k) => liquidationPrice('short', 1, k.leverage, mmr));
  const kindWeight = Float64Array.from(kinds, (k) => k.weight);
  const invCell = 1 / grid.cellSize;
  const firstCell = grid.firstCell;
  const cellSize = grid.cellSize;
  const cells = grid.cells;

  const n = Math.max(params.entryPoints, 1);
  // Seeded entries two per bucket (buckets are rounded, so one per bucket would alias): coarser
  // spacing draws the seeded book as separate stripes.
  const seedPoints = Math.min(401, Math.max(2 * n + 1, Math.ceil((4 * params.seedSpread) / params.bucketFraction)));
  const prices = new Float64Array(Math.max(seedPoints, n));
  const weights = new Float64Array(Math.max(seedPoints, n));

  // Liquidation price in cells per unit of entry price: cell = floor(entry × factor) − firstCell.
  const longCellFactor = longFactor.map((f) => f * invCell);
  const shortCellFactor = shortFactor.map((f) => f * invCell);

  const place = (book: SideBook, isLong: boolean, usd: number, entryCount: number, closeRef: number): void => {
    if (!(usd > 0)) return;
    const factors = isLong ? longCellFactor : shortCellFactor;
    // A cohort already past its liquidation price at the reference is never opened: for longs the
    // cells whose centre is ≥ the reference, for shorts those ≤ it.
    const refCell = closeRef * invCell - firstCell - 0.5;
    // book.add inlined (this loop runs entries × cohort kinds times per side per bar).
    const raw = book.raw;
    const cellRaw = book.cellRaw;
    const invScale = 1 / book.scale;
    let opened = 0;
    let dropped = 0;
    let clamped = 0;
    let minCell = cells;
    let maxCell = -1;
    for (let e = 0; e < entryCount; e++) {
      const entryUsd = usd * weights[e]!;
      const entry = prices[e]!;
      for (let k = 0; k < nK; k++) {
        const cohortUsd = entryUsd * kindWeight[k]!;
        if (!(cohortUsd > 0)) continue;
        // Prices are positive and a grid spans a few thousand cells, so truncation is floor.
        let cell = ((entry * factors[k]!) | 0) - firstCell;
        if (cell < 0) {
          cell = 0;
          clamped++;
        } else if (cell >= cells) {
          cell = cells - 1;
          clamped++;
        }
        if (isLong ? cell >= refCell : cell <= refCell) {
          dropped += cohortUsd;
          continue;
        }
        const r = cohortUsd * invScale;
        raw[cell * nT + kindTier[k]!]! += r;
        cellRaw[cell]! += r;
        if (cell < minCell) minCell = cell;
        if (cell > maxCell) maxCell = cell;
        opened += cohortUsd;
      }
    }
    if (isLong ? maxCell > book.edge : minCell < book.edge) book.edge = isLong ? maxCell : minCell;
    book.rawTotal += opened * invScale;
    totals.openedUsd += opened;
    totals.droppedUsd += dropped;
    clampedCohorts += clamped;
  };

  // Seed: the open interest at the start, spread around the start price (lower confidence).
  let prevOi: number | undefined;
  const first = bars[0];
  if (first) {
    prevOi = oiBase(first);
    if (params.seed === 'oi' && prevOi !== undefined && prevOi > 0) {
      const p0 = first.open;
      const points = seedPoints;
      entryWeights(p0 * (1 - params.seedSpread), p0 * (1 + params.seedSpread), p0, points, prices, weights);
      const usd = prevOi * p0;
      place(longs, true, usd / 2, points, p0);
      place(shorts, false, usd / 2, points, p0);
    }
  }

  let lastOiUsd: number | null = null;
  for (let i = 0; i < bars.length; i++) {
    const bar = bars[i]!;
    const report = i >= reportFrom;

    // 1. Sweep.
    let sweptL = 0;
    let lowCell = Infinity;
    let highCell = -Infinity;
    while (longs.edge >= 0 && (firstCell + longs.edge + 0.5) * cellSize >= bar.low) {
      const usd = longs.take(longs.edge);
      if (usd > 0) {
        sweptL += usd;
        lowCell = Math.min(lowCell, longs.edge);
        highCell = Math.max(highCell, longs.edge);
      }
      // The edge stays an upper bound: empty cells below it are walked only when a low reaches them.
      longs.edge--;
    }
    if (longs.edge < 0) longs.rawTotal = 0;
    if (sweptL > 0 && report && recordSweeps) {
      sweeps.push({ ts: bar.ts, side: 'long', usd: sweptL, priceLow: cellCenter(grid, lowCell), priceHigh: cellCenter(grid, highCell) });
    }
    let sweptS = 0;
    lowCell = Infinity;
    highCell = -Infinity;
    while (shorts.edge < cells && (firstCell + shorts.edge + 0.5) * cellSize <= bar.high) {
      const usd = shorts.take(shorts.edge);
      if (usd > 0) {
        sweptS += usd;
        lowCell = Math.min(lowCell, shorts.edge);
        highCell = Math.max(highCell, shorts.edge);
      }
      shorts.edge++;
    }
    if (shorts.edge >= grid.cells) shorts.rawTotal = 0;
    if (sweptS > 0 && report && recordSweeps) {
      sweeps.push({ ts: bar.ts, side: 'short', usd: sweptS, priceLow: cellCenter(grid, lowCell), priceHigh: cellCenter(grid, highCell) });
    }
    sweptLongUsd[i] = sweptL;
    sweptShortUsd[i] = sweptS;
    totals.sweptUsd += sweptL + sweptS;

    // 2. Close. ΔOI is differenced in base units: a USD difference would count price moves as flow.
    const oi = oiBase(bar);
    let deltaOi = 0;
    if (oi === undefined) {
      oiGaps++;
    } else {
      if (prevOi !== undefined) deltaOi = oi - prevOi;
      prevOi = oi;
      lastOiUsd = oi * bar.close;
    }
    const liveL = longs.liveUsd();
    const liveS = shorts.liveUsd();
    const live = liveL + liveS;
    let keep = 1 - churnPerBar;
    if (deltaOi < 0 && oi !== undefined) {
      // The share of open interest that closed, less the share of the book this bar's sweeps removed,
      // applied to what is left: the book shrinks as the market's OI does, never faster.
      const oiBefore = oi - deltaOi;
      const closedShare = -deltaOi / oiBefore;
      const bookBefore = live + sweptL + sweptS;
      const sweptShare = bookBefore > 0 ? (sweptL + sweptS) / bookBefore : 0;
      const rest = sweptShare < 1 ? Math.max(0, closedShare - sweptShare) / (1 - sweptShare) : 0;
      keep *= 1 - Math.min(1, rest);
    }
    if (keep < 1 && live > 0) {
      totals.closedUsd += live * (1 - keep);
      longs.shrink(keep);
      shorts.shrink(keep);
    }

    // 3. Open: new open interest plus churn re-opened at this bar's prices, spread over its range.
    const typical = (bar.high + bar.low + bar.close) / 3;
    let openUsd = 0;
    if (deltaOi > 0) openUsd += deltaOi * typical;
    // Churn re-opens a share of open interest; across an OI gap the last known value stands in,
    // so a gap does not drain the book through closes that are never re-opened.
    const oiNow = oi ?? prevOi;
    if (oiNow !== undefined && churnPerBar > 0) openUsd += churnPerBar * oiNow * typical;
    if (openUsd > 0) {
      const share = longShare(bar, params.sideAttribution, flowScale);
      const pad = params.entrySpread * typical;
      entryWeights(bar.low - pad, bar.high + pad, typical, n, prices, weights);
      place(longs, true, openUsd * share, n, bar.close);
      place(shorts, false, openUsd * (1 - share), n, bar.close);
    }

    // 4. Snapshot.
    if (options.onSnapshot) {
      options.onSnapshot(i, (out, firstBucket) => readBuckets(grid, [longs, shorts], out, firstBucket));
    }
  }

  return {
    grid,
    tiers,
    longs: { raw: longs.raw, cellRaw: longs.cellRaw, scale: longs.scale },
    shorts: { raw: shorts.raw, cellRaw: shorts.cellRaw, scale: shorts.scale },
    sweptLongUsd,
    sweptShortUsd,
    sweeps,
    totals,
    liveUsd: longs.exactUsd() + shorts.exactUsd(),
    lastOiUsd,
    oiGaps,
    clampedCohorts,
  };
}

/** Adds live USD per display bucket into `out`, whose index 0 is global bucket `firstBucket`. */
function readBuckets(grid: PriceGrid, books: SideBook[], out: Float64Array, firstBucket: number): void {
  const gridFirstBucket = grid.firstCell / grid.cellsPerBucket;
  for (const book of books) {
    const s = book.scale;
    for (let c = 0; c < grid.cells; c++) {
      const v = book.cellRaw[c]!;
      if (v === 0) continue;
      const b = gridFirstBucket + Math.floor(c / grid.cellsPerBucket) - firstBucket;
      if (b >= 0 && b < out.length) out[b]! += v * s;
    }
  }
}
