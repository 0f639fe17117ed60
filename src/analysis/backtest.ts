// Backtest (DESIGN.md §4): replay bars through the cohort ledger and score its per-bar predicted
// liquidations against realized ones, beside the naive "open interest × adverse move" baseline. Pure.
import { ModelInputError } from './build-map.js';
import { calibrateForRealizedVenues, calibrationMismatch, scoreCalibration, type Calibration, type CalibrationRow, type CalibrationScore } from './calibration.js';
import { gridFor, runLedger } from './ledger.js';
import { defaultParams, validateParams } from './params.js';
import { spearman, topShare } from './rank-stats.js';
import { resample } from './resample.js';
import type { Bar, BarSeries, ModelParams, VenueSpec } from './types.js';
import { formatUtcIso, formatUtcMinute } from './utc-time.js';

export interface BacktestVenue {
  series: BarSeries;
  spec: VenueSpec;
}

export interface BacktestRequest {
  /** Venues whose predictions are summed (like the map); each needs open interest. */
  venues: BacktestVenue[];
  params?: Partial<ModelParams>;
  /** Realized liquidations in a separate series; without it, the bars' own realized columns are used. */
  realized?: { intervalMs: number; bars: Bar[]; name?: string };
  /** Resample the bars to this interval first (a whole multiple of theirs). */
  intervalMs?: number;
  /** Score only intervals opening in [from, to) (Unix ms); the ledger still runs from the first bar. */
  from?: number;
  to?: number;
  /** Share of intervals the top-share score looks at (0.1 = top decile). */
  topFraction?: number;
  /** Adds calibrated columns and scores when it holds for this symbol and these parameters. */
  calibration?: Calibration;
}

export interface BacktestRow {
  /** Interval open, Unix ms. */
  ts: number;
  predLongUsd: number;
  predShortUsd: number;
  naiveLongUsd: number;
  naiveShortUsd: number;
  realizedLongUsd: number | null;
  realizedShortUsd: number | null;
  /** Open interest of the venues at the interval's open, USD; null when a venue's is unknown. */
  oiUsd: number | null;
  /** The calibrated prediction for the realized data's venues; null without a calibration that holds. */
  calibratedLongUsd: number | null;
  calibratedShortUsd: number | null;
}

export interface SideScores {
  spearman: number | null;
  /** Share of the side's realized USD in the predictor's top intervals. */
  topShare: number | null;
}

export interface PredictorScores {
  long: SideScores;
  short: SideScores;
}

export interface BacktestScores {
  /** Intervals scored (those with realized values). */
  intervals: number;
  topFraction: number;
  model: PredictorScores;
  naive: PredictorScores;
  realizedLongUsd: number;
  realizedShortUsd: number;
  predLongUsd: number;
  predShortUsd: number;
}

export interface BacktestResult {
  /** Interval of the rows: the realized interval when realized data are coarser than the bars. */
  intervalMs: number;
  /** Interval the ledger ran on. */
  barIntervalMs: number;
  rows: BacktestRow[];
  /** Null when no row carries realized values. */
  scores: BacktestScores | null;
  params: ModelParams;
  notes: string[];
  /** The calibration's score on the scored rows, or why it does not hold. */
  calibration?: { id: string; score: CalibrationScore } | { id: string; unavailable: string };
}

/** Open interest in base units: the oi column, else oi_usd over the close. */
function oiBase(bar: Bar): number | undefined {
  if (bar.oi !== undefined) return bar.oi;
  if (bar.oiUsd !== undefined && bar.close > 0) return bar.oiUsd / bar.close;
  return undefined;
}

/**
 * The naive baseline per bar: open interest at the bar's open (the previous bar's, in base units, × open)
 * times the adverse move of each side. Bars without any open interest yet predict 0.
 */
export function naiveBaseline(bars: Bar[]): { long: Float64Array; short: Float64Array } {
  const long = new Float64Array(bars.length);
  const short = new Float64Array(bars.length);
  let prev: number | undefined;
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i]!;
    const oi = prev ?? oiBase(b);
    if (oi !== undefined && b.open > 0) {
      const oiUsd = oi * b.open;
      long[i] = oiUsd * Math.max(0, (b.open - b.low) / b.open);
      short[i] = oiUsd * Math.max(0, (b.high - b.open) / b.open);
    }
    prev = oiBase(b) ?? prev;
  }
  return { long, short };
}


interface Acc {
  predL: number;
  predS: number;
  naiveL: number;
  naiveS: number;
  realL: number | undefined;
  realS: number | undefined;
  /** Venues' open interest at the interval's open (USD); NaN once a venue's is unknown. */
  oi: number;
  /** Bars of the first venue summed into this interval (completeness check). */
  bars: number;
}

const addDefined = (a: number | undefined, b: number | undefined) => (b === undefined ? a : (a ?? 0) + b);

function scoreSide(pred: number[], real: number[], fraction: number): SideScores {
  return { spearman: spearman(pred, real), topShare: topShare(pred, real, fraction) };
}


/** Replays the bars and lines up predictions, baseline and realized liquidations per interval. */
export function runBacktest(req: BacktestRequest): BacktestResult {
  const params: ModelParams = { ...defaultParams('7d'), ...req.params };
  validateParams(params);
  const topFraction = req.topFraction ?? 0.1;
  if (req.venues.length === 0) throw new ModelInputError('backtest: no venue has bars');
  const notes: string[] = [];

  const venues = req.venues.map((v) => {
    const series = req.intervalMs !== undefined ? resample(v.series, req.intervalMs) : v.series;
    if (series.bars.length === 0) throw new ModelInputError(`${v.series.venue}: no bars to replay`);
    if (!series.bars.some((b) => oiBase(b) !== undefined)) {
      throw new ModelInputError(`${v.series.venue}: the bars carry no open interest (oi or oi_usd): the model and the baseline both need it`);
    }
    return { venue: series.venue, bars: series.bars, intervalMs: series.intervalMs, spec: v.spec };
  });
  const barIntervalMs = venues[0]!.intervalMs;
  if (venues.some((v) => v.intervalMs !== barIntervalMs)) throw new ModelInputError('backtest: all venues need bars of the same interval');

  const realized = req.realized;
  let rowIntervalMs = barIntervalMs;
  if (realized) {
    if (realized.bars.length === 0) throw new ModelInputError(`${realized.name ?? 'realized data'}: no rows`);
    if (realized.intervalMs < barIntervalMs || realized.intervalMs % barIntervalMs !== 0) {
      throw new ModelInputError(
        `${realized.name ?? 'realized data'}: its ${realized.intervalMs / 60000}m interval is not a whole multiple of the ${barIntervalMs / 60000}m bars`,
      );
    }
    rowIntervalMs = realized.intervalMs;
  }
  const keyOf = (ts: number) => Math.floor(ts / rowIntervalMs) * rowIntervalMs;
  const perRow = rowIntervalMs / barIntervalMs;

  const grid = gridFor(venues, params);
  const acc = new Map<number, Acc>();
  venues.forEach((v, vi) => {
    const run = runLedger(v.bars, v.intervalMs, v.spec, params, grid);
    const naive = naiveBaseline(v.bars);
    if (run.clampedCohorts > 0) notes.push(`${v.venue}: ${run.clampedCohorts} cohorts fell outside the price grid and were clamped`);
    let prevOi: number | undefined;
    for (let i = 0; i < v.bars.length; i++) {
      const bar = v.bars[i]!;
      const key = keyOf(bar.ts);
      let a = acc.get(key);
      if (!a) {
        a = { predL: 0, predS: 0, naiveL: 0, naiveS: 0, realL: undefined, realS: undefined, oi: 0, bars: 0 };
        acc.set(key, a);
      }
      // Open interest at the interval's open: the close of the bar before (the first bar's own at the start).
      const oiNow = oiBase(bar);
      if (bar.ts === key) {
        const open = prevOi ?? oiNow;
        a.oi += open !== undefined ? open * bar.open : NaN;
      }
      if (oiNow !== undefined) prevOi = oiNow;
      a.predL += run.sweptLongUsd[i]!;
      a.predS += run.sweptShortUsd[i]!;
      a.naiveL += naive.long[i]!;
      a.naiveS += naive.short[i]!;
      if (!realized) {
        a.realL = addDefined(a.realL, bar.realizedLongUsd);
        a.realS = addDefined(a.realS, bar.realizedShortUsd);
      }
      if (vi === 0) a.bars++;
    }
  });

  if (realized) {
    const first = venues[0]!.bars;
    const barsFrom = first[0]!.ts;
    const barsTo = first[first.length - 1]!.ts + barIntervalMs;
    let matched = 0;
    for (const r of realized.bars) {
      const a = acc.get(r.ts);
      if (!a || a.bars !== perRow) continue;
      a.realL = r.realizedLongUsd;
      a.realS = r.realizedShortUsd;
      if (a.realL !== undefined || a.realS !== undefined) matched++;
    }
    if (matched === 0) {
      const rFirst = realized.bars[0]!.ts;
      const rLast = realized.bars[realized.bars.length - 1]!.ts + realized.intervalMs;
      throw new ModelInputError(
        `${realized.name ?? 'realized data'} (${formatUtcMinute(rFirst)} → ${formatUtcMinute(rLast)}) does not overlap the bars (${formatUtcMinute(barsFrom)} → ${formatUtcMinute(barsTo)}) in any complete ${rowIntervalMs / 60000}m interval with realized values`,
      );
    }
  }

  // With a separate realized series, rows cover its span only: bars beyond it have nothing to score.
  const spanFrom = realized ? realized.bars[0]!.ts : -Infinity;
  const spanTo = realized ? realized.bars[realized.bars.length - 1]!.ts + realized.intervalMs : Infinity;
  const rows: BacktestRow[] = [];
  for (const [ts, a] of [...acc.entries()].sort((x, y) => x[0] - y[0])) {
    // A partial interval at either end would compare part of the predictions with all of the realized.
    if (a.bars !== perRow || ts < spanFrom || ts >= spanTo) continue;
    if (req.from !== undefined && ts < req.from) continue;
    if (req.to !== undefined && ts >= req.to) continue;
    rows.push({
      ts,
      predLongUsd: a.predL,
      predShortUsd: a.predS,
      naiveLongUsd: a.naiveL,
      naiveShortUsd: a.naiveS,
      realizedLongUsd: a.realL ?? null,
      realizedShortUsd: a.realS ?? null,
      oiUsd: Number.isFinite(a.oi) && a.oi > 0 ? a.oi : null,
      calibratedLongUsd: null,
      calibratedShortUsd: null,
    });
  }
  if (rows.length === 0) throw new ModelInputError('backtest: no complete interval in the requested time range');
  const symbol = req.venues[0]!.series.symbol;
  const calibration = req.calibration ? applyCalibration(req.calibration, symbol, params, rows, rowIntervalMs) : undefined;

  const scored = rows.filter((r) => r.realizedLongUsd !== null && r.realizedShortUsd !== null);
  if (realized && scored.length < rows.length) {
    notes.push(`${rows.length - scored.length} of ${rows.length} intervals have no realized values and are not scored`);
  }
  return { intervalMs: rowIntervalMs, barIntervalMs, rows, scores: scoreRows(scored, topFraction), params, notes, ...(calibration ? { calibration } : {}) };
}

/** Fills the calibrated columns and scores the calibration on the rows with realized values. */
function applyCalibration(cal: Calibration, symbol: string, params: ModelParams, rows: BacktestRow[], intervalMs: number): NonNullable<BacktestResult['calibration']> {
  const mismatch = calibrationMismatch(cal, symbol, params);
  if (mismatch) return { id: cal.id, unavailable: mismatch };
  if (intervalMs !== cal.intervalMinutes * 60_000) return { id: cal.id, unavailable: `calibration ${cal.id} was fitted on ${cal.intervalMinutes}-minute intervals, these are ${intervalMs / 60_000}-minute` };
  for (const r of rows) {
    if (r.oiUsd === null) continue;
    r.calibratedLongUsd = calibrateForRealizedVenues(cal, 'long', r.predLongUsd, r.oiUsd);
    r.calibratedShortUsd = calibrateForRealizedVenues(cal, 'short', r.predShortUsd, r.oiUsd);
  }
  const scored = calibrationRows(rows);
  if (scored.length === 0) return { id: cal.id, unavailable: 'no interval with realized values and open interest to score it on' };
  const from = formatUtcIso(scored[0]!.ts);
  const to = formatUtcIso(scored[scored.length - 1]!.ts + intervalMs);
  return { id: cal.id, score: scoreCalibration(cal, scored, { from, to }) };
}

/** The rows a calibration is fitted or scored on: realized values and open interest known. */
export function calibrationRows(rows: readonly BacktestRow[]): CalibrationRow[] {
  const out: CalibrationRow[] = [];
  for (const r of rows) {
    if (r.realizedLongUsd === null || r.realizedShortUsd === null || r.oiUsd === null) continue;
    out.push({ ts: r.ts, oiUsd: r.oiUsd, predLongUsd: r.predLongUsd, predShortUsd: r.predShortUsd, realizedLongUsd: r.realizedLongUsd, realizedShortUsd: r.realizedShortUsd });
  }
  return out;
}

/** Skill scores of the model and the baseline over rows that carry realized values. */
export function scoreRows(rows: BacktestRow[], topFraction = 0.1): BacktestScores | null {
  const scored = rows.filter((r) => r.realizedLongUsd !== null && r.realizedShortUsd !== null);
  if (scored.length === 0) return null;
  const col = (f: (r: BacktestRow) => number) => scored.map(f);
  const realL = col((r) => r.realizedLongUsd!);
  const realS = col((r) => r.realizedShortUsd!);
  const predL = col((r) => r.predLongUsd);
  const predS = col((r) => r.predShortUsd);
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  return {
    intervals: scored.length,
    topFraction,
    model: { long: scoreSide(predL, realL, topFraction), short: scoreSide(predS, realS, topFraction) },
    naive: {
      long: scoreSide(col((r) => r.naiveLongUsd), realL, topFraction),
      short: scoreSide(col((r) => r.naiveShortUsd), realS, topFraction),
    },
    realizedLongUsd: sum(realL),
    realizedShortUsd: sum(realS),
    predLongUsd: sum(predL),
    predShortUsd: sum(predS),
  };
}

export const BACKTEST_CSV_HEADER =
  'ts,pred_long_usd,pred_short_usd,naive_long_usd,naive_short_usd,realized_long_usd,realized_short_usd,oi_usd,calibrated_long_usd,calibrated_short_usd';

/** The rows as CSV (USD to the cent; an unknown value is an empty cell). */
export function formatBacktestCsv(rows: BacktestRow[]): string {
  const usd = (v: number | null) => (v === null ? '' : String(Math.round(v * 100) / 100));
  const lines = rows.map((r) =>
    [
      r.ts,
      usd(r.predLongUsd),
      usd(r.predShortUsd),
      usd(r.naiveLongUsd),
      usd(r.naiveShortUsd),
      usd(r.realizedLongUsd),
      usd(r.realizedShortUsd),
      usd(r.oiUsd),
      usd(r.calibratedLongUsd),
      usd(r.calibratedShortUsd),
    ].join(','),
  );
  return [BACKTEST_CSV_HEADER, ...lines].join('\n') + '\n';
}
