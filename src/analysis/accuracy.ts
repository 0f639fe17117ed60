// A map that scores itself (issue 14, part 3). Per symbol and venue, each closed bar's predicted sweep —
// the 7d map's own model as of that bar's close, never a later bar —, the naive baseline and the realized
// liquidations the live streams saw while they listened, lined up per half-hour and scored over the last
// 1, 7 and 30 days with the backtest's measures. Pure: the bot's recorder (src/schedule) and
// `liqmap accuracy` (a recording) feed it the same way.
import { runBacktest, scoreRows, type BacktestRow, type BacktestScores } from './backtest.js';
import { selectWindow } from './build-map.js';
import { calibrationMismatch, fitCalibration, scoreCalibration, type Calibration, type CalibrationRow, type CalibrationScore, type CalibrationVenues } from './calibration.js';
import { baseAsset, formatUsd, venueName } from './format.js';
import { defaultParams, WINDOW_INTERVAL_MS } from './params.js';
import { resample } from './resample.js';
import type { BarSeries, ModelParams, Side, VenueSpec, WindowName } from './types.js';
import { formatUtcIso, formatUtcMinute } from './utc-time.js';

/** The map whose model is scored: the default one people ask for. */
export const ACCURACY_WINDOW: WindowName = '7d';
/** Its bars (15 minutes): each is predicted when it closes. */
export const ACCURACY_BAR_MS = WINDOW_INTERVAL_MS[ACCURACY_WINDOW];
/** Scored per half-hour: the interval the shipped calibration and the README's backtest use. */
export const SCORE_INTERVAL_MS = 30 * 60_000;
/** The spans every report scores, in days back from its end. */
export const REPORT_DAYS: readonly number[] = [1, 7, 30];
const DAY_MS = 86_400_000;

/** The model's and the baseline's view of one closed bar of one venue. */
export interface BarPrediction {
  /** Bar open, Unix ms. */
  ts: number;
  predLongUsd: number;
  predShortUsd: number;
  naiveLongUsd: number;
  naiveShortUsd: number;
  /** The venue's open interest at the bar's open, USD; null when unknown. */
  oiUsd: number | null;
}

/** A recorded bar: its prediction and what the venue's stream saw liquidated during it. */
export interface AccuracyBar extends BarPrediction {
  realizedLongUsd: number;
  realizedShortUsd: number;
}

/** [from, to) when a venue's stream was connected (Unix ms). */
export interface ListeningSpan {
  from: number;
  to: number;
}

/** The series at the scored bar interval (a 5-minute recording is resampled; coarser bars cannot be). */
export function accuracyBars(series: BarSeries): BarSeries {
  if (series.intervalMs === ACCURACY_BAR_MS) return series;
  if (series.intervalMs > ACCURACY_BAR_MS || ACCURACY_BAR_MS % series.intervalMs !== 0) {
    throw new RangeError(`${series.venue}: ${series.intervalMs / 60_000}-minute bars cannot make the ${ACCURACY_BAR_MS / 60_000}-minute bars the ${ACCURACY_WINDOW} map uses`);
  }
  return resample(series, ACCURACY_BAR_MS);
}

/**
 * The prediction for every bar `wanted` accepts: the ledger over the 7d window that closes with that bar
 * (exactly the bars the 7d map of that moment runs on), its last bar's sweep. One model run per bar, so a
 * prediction never sees a later bar.
 */
export function predictBars(series: BarSeries, spec: VenueSpec, wanted: (ts: number) => boolean, params: Partial<ModelParams> = {}): BarPrediction[] {
  const s = accuracyBars(series);
  const out: BarPrediction[] = [];
  for (const bar of s.bars) {
    if (!wanted(bar.ts)) continue;
    const window = selectWindow(s, ACCURACY_WINDOW, bar.ts + s.intervalMs);
    const result = runBacktest({ venues: [{ series: { ...s, bars: window.bars }, spec }], params });
    const row = result.rows[result.rows.length - 1]!;
    out.push({ ts: row.ts, predLongUsd: row.predLongUsd, predShortUsd: row.predShortUsd, naiveLongUsd: row.naiveLongUsd, naiveShortUsd: row.naiveShortUsd, oiUsd: row.oiUsd });
  }
  return out;
}

/** Whether [ts, ts + intervalMs) lies wholly inside one listening span: only then is "no event" a known 0. */
export function listened(spans: readonly ListeningSpan[], ts: number, intervalMs: number): boolean {
  return spans.some((s) => s.from <= ts && s.to >= ts + intervalMs);
}

/** Realized USD per bar open from individual events (the caller keeps only the bars that were listened). */
export function realizedByBar(events: readonly { ts: number; side: Side; usd: number }[], intervalMs: number): Map<number, { long: number; short: number }> {
  const out = new Map<number, { long: number; short: number }>();
  for (const e of events) {
    const key = Math.floor(e.ts / intervalMs) * intervalMs;
    let sums = out.get(key);
    if (!sums) out.set(key, (sums = { long: 0, short: 0 }));
    sums[e.side] += e.usd;
  }
  return out;
}

/**
 * Bars → scoring rows of `rowMs` (half-hours): a row needs every bar of it (a half-hour the stream heard
 * only half of is not a half-hour with half the liquidations). Open interest is the first bar's.
 */
export function accuracyRows(bars: readonly AccuracyBar[], barMs = ACCURACY_BAR_MS, rowMs = SCORE_INTERVAL_MS): BacktestRow[] {
  const perRow = rowMs / barMs;
  const groups = new Map<number, AccuracyBar[]>();
  for (const b of bars) {
    const key = Math.floor(b.ts / rowMs) * rowMs;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(b);
  }
  const rows: BacktestRow[] = [];
  for (const [ts, g] of [...groups].sort((a, b) => a[0] - b[0])) {
    if (new Set(g.map((b) => b.ts)).size !== perRow) continue;
    const sum = (f: (b: AccuracyBar) => number) => g.reduce((s, b) => s + f(b), 0);
    const first = g.find((b) => b.ts === ts);
    rows.push({
      ts,
      predLongUsd: sum((b) => b.predLongUsd),
      predShortUsd: sum((b) => b.predShortUsd),
      naiveLongUsd: sum((b) => b.naiveLongUsd),
      naiveShortUsd: sum((b) => b.naiveShortUsd),
      realizedLongUsd: sum((b) => b.realizedLongUsd),
      realizedShortUsd: sum((b) => b.realizedShortUsd),
      oiUsd: first?.oiUsd ?? null,
      calibratedLongUsd: null,
      calibratedShortUsd: null,
    });
  }
  return rows;
}

/** Every venue summed, for the rows all of them have: what the map of all venues says. */
export function combinedRows(byVenue: readonly (readonly BacktestRow[])[]): BacktestRow[] {
  if (byVenue.length === 0) return [];
  const maps = byVenue.map((rows) => new Map(rows.map((r) => [r.ts, r])));
  const out: BacktestRow[] = [];
  for (const r0 of byVenue[0]!) {
    const all = maps.map((m) => m.get(r0.ts));
    if (all.some((r) => r === undefined)) continue;
    const rows = all as BacktestRow[];
    const sum = (f: (r: BacktestRow) => number) => rows.reduce((s, r) => s + f(r), 0);
    const oi = rows.some((r) => r.oiUsd === null) ? null : sum((r) => r.oiUsd!);
    out.push({
      ts: r0.ts,
      predLongUsd: sum((r) => r.predLongUsd),
      predShortUsd: sum((r) => r.predShortUsd),
      naiveLongUsd: sum((r) => r.naiveLongUsd),
      naiveShortUsd: sum((r) => r.naiveShortUsd),
      realizedLongUsd: sum((r) => r.realizedLongUsd ?? 0),
      realizedShortUsd: sum((r) => r.realizedShortUsd ?? 0),
      oiUsd: oi,
      calibratedLongUsd: null,
      calibratedShortUsd: null,
    });
  }
  return out;
}

/** A calibration read for the rows' own venues: the modelled venues are the realized ones (share 1). */
export function ownVenuesCalibration(cal: Calibration): Calibration {
  return { ...cal, venues: { ...cal.venues, modelledOiShare: 1 } };
}

/** The rows a calibration can be fitted or scored on: open interest known. */
export function calibrationRowsOf(rows: readonly BacktestRow[]): CalibrationRow[] {
  return rows
    .filter((r) => r.oiUsd !== null && r.oiUsd > 0 && r.realizedLongUsd !== null && r.realizedShortUsd !== null)
    .map((r) => ({ ts: r.ts, oiUsd: r.oiUsd!, predLongUsd: r.predLongUsd, predShortUsd: r.predShortUsd, realizedLongUsd: r.realizedLongUsd!, realizedShortUsd: r.realizedShortUsd! }));
}

export interface SideCalibrationScore {
  /** Realized ÷ calibrated over the span (1 = right on); null when nothing was calibrated. */
  ratio: number | null;
  /** Share of the half-hours whose realized value fell within the calibrated 80% band. */
  coverage: number;
  /** The group of prediction furthest off, as a factor ≥ 1 (the target: within 2 everywhere). */
  worstFactor: number | null;
}

export type AccuracyCalibration = { id: string; long: SideCalibrationScore; short: SideCalibrationScore } | { id: string | null; unavailable: string };

export interface VenueAccuracy {
  /** A venue, or `all` (every venue summed, the half-hours all of them have). */
  venue: string;
  intervals: number;
  /** Span of the scored half-hours, [from, to) Unix ms; null without any. */
  from: number | null;
  to: number | null;
  /** The model and the naive baseline: Spearman and top-10% capture per side; null without a row. */
  scores: BacktestScores | null;
  calibration: AccuracyCalibration;
}

export interface AccuracySpan {
  days: number;
  venues: VenueAccuracy[];
}

export interface AccuracyReport {
  symbol: string;
  /** The spans end here (Unix ms). */
  through: number;
  barMinutes: number;
  intervalMinutes: number;
  /** The first recorded bar (Unix ms); null when nothing is recorded. */
  recordedFrom: number | null;
  spans: AccuracySpan[];
}

export interface AccuracyInput {
  symbol: string;
  venues: readonly { venue: string; bars: readonly AccuracyBar[] }[];
  /** End of the spans (Unix ms); bars opening at or after it are left out. */
  through: number;
  calibration?: Calibration;
  /** The parameters the predictions were made with (the calibration must hold for them). */
  params?: ModelParams;
  days?: readonly number[];
}

function calibrationScoreOf(cal: Calibration | undefined, symbol: string, params: ModelParams, rows: readonly BacktestRow[]): AccuracyCalibration {
  if (!cal) return { id: null, unavailable: 'no calibration is configured' };
  const mismatch = calibrationMismatch(cal, symbol, params);
  if (mismatch) return { id: cal.id, unavailable: mismatch };
  if (cal.intervalMinutes * 60_000 !== SCORE_INTERVAL_MS) return { id: cal.id, unavailable: `calibration ${cal.id} was fitted on ${cal.intervalMinutes}-minute intervals, these are ${SCORE_INTERVAL_MS / 60_000}-minute` };
  const scored = calibrationRowsOf(rows);
  if (scored.length === 0) return { id: cal.id, unavailable: 'no half-hour with open interest to score it on' };
  const s = scoreCalibration(ownVenuesCalibration(cal), scored, { from: '', to: '' });
  const side = (x: CalibrationScore['long']): SideCalibrationScore => ({ ratio: x.ratio, coverage: x.coverage, worstFactor: x.worstFactor });
  return { id: cal.id, long: side(s.long), short: side(s.short) };
}

function venueAccuracy(venue: string, rows: readonly BacktestRow[], input: AccuracyInput, params: ModelParams): VenueAccuracy {
  return {
    venue,
    intervals: rows.length,
    from: rows[0]?.ts ?? null,
    to: rows.length > 0 ? rows[rows.length - 1]!.ts + SCORE_INTERVAL_MS : null,
    scores: scoreRows([...rows]),
    calibration: calibrationScoreOf(input.calibration, input.symbol, params, rows),
  };
}

/**
 * Scores the recorded bars over each span ending at `through`, per venue and for all venues together:
 * Spearman and top-10% capture of the model beside the naive baseline, and realized ÷ calibrated with the
 * calibration read on each venue's own open interest (as a map of that venue reads it).
 */
export function scoreAccuracy(input: AccuracyInput): AccuracyReport {
  const params = input.params ?? defaultParams(ACCURACY_WINDOW);
  const rowsByVenue = input.venues.map((v) => ({ venue: v.venue, rows: accuracyRows(v.bars.filter((b) => b.ts + ACCURACY_BAR_MS <= input.through)) }));
  const firsts = input.venues.flatMap((v) => v.bars.map((b) => b.ts));
  const spans = (input.days ?? REPORT_DAYS).map((days): AccuracySpan => {
    const from = input.through - days * DAY_MS;
    const within = (rows: readonly BacktestRow[]) => rows.filter((r) => r.ts >= from);
    const venues = rowsByVenue.map((v) => venueAccuracy(v.venue, within(v.rows), input, params));
    const all = input.venues.length > 1 ? [venueAccuracy('all', combinedRows(rowsByVenue.map((v) => within(v.rows))), input, params)] : [];
    return { days, venues: [...all, ...venues] };
  });
  return {
    symbol: input.symbol,
    through: input.through,
    barMinutes: ACCURACY_BAR_MS / 60_000,
    intervalMinutes: SCORE_INTERVAL_MS / 60_000,
    recordedFrom: firsts.length > 0 ? Math.min(...firsts) : null,
    spans,
  };
}

// ---- the report as text (chat replies, the CLI, the digest) ----

const num = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(2));
const pct = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : `${(100 * v).toFixed(0)}%`);
const ratio = (v: number | null) => (v === null ? 'n/a' : v === 0 ? '0' : v >= 10 ? v.toFixed(0) : v.toFixed(1));

function spanLabel(days: number): string {
  return days === 1 ? 'last day' : `last ${days} days`;
}

function venueLabel(venue: string): string {
  return venue === 'all' ? 'all venues' : venueName(venue);
}

/** "model: Spearman long 0.81, short 0.77 · top-10% long 62%, short 55%" and the same for the baseline. */
function scoreLines(v: VenueAccuracy): string[] {
  const s = v.scores;
  if (!s) return ['nothing recorded yet'];
  const line = (label: string, p: BacktestScores['model']) =>
    `${label}: Spearman long ${num(p.long.spearman)}, short ${num(p.short.spearman)} · top-10% capture long ${pct(p.long.topShare)}, short ${pct(p.short.topShare)}`;
  const lines = [line('model', s.model), line('naive', s.naive), `realized: longs ${formatUsd(s.realizedLongUsd)}, shorts ${formatUsd(s.realizedShortUsd)}`];
  const c = v.calibration;
  if ('unavailable' in c) lines.push(`calibrated: n/a (${c.unavailable})`);
  else lines.push(`realized ÷ calibrated: longs ${ratio(c.long.ratio)}, shorts ${ratio(c.short.ratio)} (1 = right on; in the 80% band ${pct(c.long.coverage)} / ${pct(c.short.coverage)})`);
  return lines;
}

function compactLine(v: VenueAccuracy): string {
  const s = v.scores;
  if (!s) return `${venueLabel(v.venue)}: nothing recorded`;
  const c = v.calibration;
  const cal = 'unavailable' in c ? '' : ` · realized÷calibrated ${ratio(c.long.ratio)}/${ratio(c.short.ratio)}`;
  return `${venueLabel(v.venue)} (${v.intervals}): Spearman ${num(s.model.long.spearman)}/${num(s.model.short.spearman)} (naive ${num(s.naive.long.spearman)}/${num(s.naive.short.spearman)}) · top-10% ${pct(s.model.long.topShare)}/${pct(s.model.short.topShare)} (naive ${pct(s.naive.long.topShare)}/${pct(s.naive.short.topShare)})${cal}`;
}

export const ACCURACY_LIMITS =
  'Realized = what the venues\' liquidation streams pushed while they were heard: lower bounds (Binance pushes at most one liquidation per symbol per second). A half-hour counts only when the stream listened through all of it (for all venues together, every venue\'s stream).';

/**
 * The report as a title and lines: per span the headline venue (all venues, or the only one) in full,
 * then one compact line per venue for the 7-day span.
 */
export function formatAccuracyReport(report: AccuracyReport): { title: string; lines: string[] } {
  const title = `${baseAsset(report.symbol)} map accuracy · the ${ACCURACY_WINDOW} map's model, scored per half-hour`;
  const lines: string[] = [];
  if (report.recordedFrom === null) {
    return { title, lines: ['Nothing recorded yet: the bot records each closed bar while it listens to the live liquidation streams; the first scores come after a half-hour.'] };
  }
  lines.push(`recorded since ${formatUtcMinute(report.recordedFrom)}, scored through ${formatUtcMinute(report.through)}`);
  let previous: VenueAccuracy | undefined;
  for (const span of report.spans) {
    const head = span.venues[0]!;
    // A longer span holding no more than the one before (the bot has recorded less than it) says so in a line.
    if (previous && head.intervals === previous.intervals) {
      lines.push('', `${spanLabel(span.days)}: the same ${head.intervals} half-hours`);
      continue;
    }
    previous = head;
    const days = head.from !== null && head.to !== null ? (head.to - head.from) / DAY_MS : 0;
    const have = head.intervals > 0 && days < span.days - 0.01 ? `, ${head.intervals} half-hours over ${days.toFixed(1)} days` : `, ${head.intervals} half-hours`;
    lines.push('', `${spanLabel(span.days)} · ${venueLabel(head.venue)}${have}`, ...scoreLines(head));
  }
  const week = report.spans.find((s) => s.days === 7) ?? report.spans[report.spans.length - 1];
  const perVenue = week?.venues.filter((v) => v.venue !== 'all') ?? [];
  if (week && perVenue.length > 1) lines.push('', `per venue, ${spanLabel(week.days)} (long/short):`, ...perVenue.map(compactLine));
  const cal = report.spans[0]?.venues[0]?.calibration;
  if (cal && !('unavailable' in cal)) lines.push('', `Calibrated with ${cal.id}, read on each venue's own open interest.`);
  lines.push(ACCURACY_LIMITS);
  return { title, lines };
}

/** The weekly line of a digest: the 7-day span of all venues, compactly. */
export function accuracyDigestLine(report: AccuracyReport): string {
  const week = report.spans.find((s) => s.days === 7);
  const head = week?.venues[0];
  if (!head || !head.scores) return `map accuracy (7 days): nothing recorded yet`;
  return `map accuracy, ${compactLine(head).replace(/^[^(]*\(/, '7 days (')}`;
}

// ---- recalibration from the bot's own data ----

/**
 * How far a calibration misses on a span, as one factor ≥ 1: the geometric mean, over both sides and
 * every group of prediction weighted by its half-hours, of how far realized ÷ calibrated is from 1.
 * A group that realized nothing counts as a miss of 1000×.
 */
export function missFactor(score: CalibrationScore): number {
  let sum = 0;
  let weight = 0;
  for (const side of [score.long, score.short]) {
    for (const g of side.groups) {
      if (g.ratio === null) continue;
      sum += g.intervals * Math.abs(Math.log(Math.max(g.ratio, 1e-3)));
      weight += g.intervals;
    }
  }
  return weight > 0 ? Math.exp(sum / weight) : Infinity;
}

export interface RecalibrationRequest {
  symbol: string;
  /** All venues' half-hours (combinedRows), oldest first. */
  rows: readonly BacktestRow[];
  /** The calibration in use for this symbol. */
  current: Calibration;
  /** Half-hours from here on are held out: the candidate is fitted before, both are scored after. */
  heldOutFrom: number;
  id: string;
  venues: string[];
  params?: ModelParams;
  /** What made the rows (for the calibration's origin). */
  origin: { command: string; bars: string; realized: string };
}

export interface RecalibrationOutcome {
  /** The candidate fitted on the bot's data; null when it could not be fitted (error says why). */
  candidate: Calibration | null;
  error?: string;
  /** The current calibration and the candidate on the held-out half-hours (both read on the rows' own venues). */
  before: CalibrationScore | null;
  after: CalibrationScore | null;
  beforeMiss: number | null;
  afterMiss: number | null;
  /** True only when the candidate misses the held-out half-hours by less than the current one. */
  adopt: boolean;
}

/**
 * Fits a calibration on the bot's own half-hours before `heldOutFrom` and scores it and the current one on
 * the half-hours after. Refused (adopt false) unless the candidate misses the held-out span by less.
 */
export function recalibrate(req: RecalibrationRequest): RecalibrationOutcome {
  const params = req.params ?? defaultParams(ACCURACY_WINDOW);
  const rows = calibrationRowsOf(req.rows);
  const tuning = rows.filter((r) => r.ts < req.heldOutFrom);
  const heldOut = rows.filter((r) => r.ts >= req.heldOutFrom);
  const span = (rs: CalibrationRow[]) => ({ from: formatUtcIso(rs[0]!.ts), to: formatUtcIso(rs[rs.length - 1]!.ts + SCORE_INTERVAL_MS) });
  const none = { candidate: null, before: null, after: null, beforeMiss: null, afterMiss: null, adopt: false };
  if (tuning.length === 0 || heldOut.length === 0) return { ...none, error: `${tuning.length} half-hours to fit on and ${heldOut.length} to check on: both are needed` };
  const mismatch = calibrationMismatch(req.current, req.symbol, params);
  const before = mismatch ? null : scoreCalibration(ownVenuesCalibration(req.current), heldOut, span(heldOut));
  const venues: CalibrationVenues = {
    realized: req.venues,
    modelled: req.venues,
    modelledOiShare: 1,
    note: `Fitted by the bot on its own predictions and the realized liquidations its live streams saw on ${req.venues.map(venueName).join('+')}, the same venues: no share assumed. Binance pushes at most one liquidation per symbol per second, so the realized sums it was fitted on are lower bounds.`,
  };
  let candidate: Calibration;
  try {
    candidate = fitCalibration({
      id: req.id,
      symbols: [req.symbol],
      intervalMinutes: SCORE_INTERVAL_MS / 60_000,
      params,
      venues,
      tuning: { rows: tuning, ...span(tuning) },
      heldOut: { rows: heldOut, ...span(heldOut) },
      origin: req.origin,
    });
  } catch (err) {
    return { ...none, before, beforeMiss: before ? missFactor(before) : null, error: err instanceof Error ? err.message : String(err) };
  }
  const after = candidate.scores.heldOut!;
  const beforeMiss = before ? missFactor(before) : null;
  const afterMiss = missFactor(after);
  // A calibration that does not hold for this model any more is replaced by any candidate that scores.
  const adopt = Number.isFinite(afterMiss) && (beforeMiss === null || afterMiss < beforeMiss);
  return { candidate, before, after, beforeMiss, afterMiss, adopt };
}
