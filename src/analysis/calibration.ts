// Calibration (issue 14): what the model's swept USD means in realized liquidations. Per side, a power
// law in the modelled sweep as a share of open interest, a floor for intervals the model leaves empty,
// and an 80% band per quintile of prediction from the residuals of the intervals it was fitted on. Fitting,
// applying and scoring are pure functions of plain data, so the backtest, the map and a bot that scores
// itself all use the same ones.
import type { ModelParams, Side } from './types.js';

/** Version of the file format; a file of a newer format is refused, never half-read. */
export const CALIBRATION_FORMAT = 1;
/** The band the calibration reports: from its 10th to its 90th percentile. */
export const BAND_QUANTILES = [0.1, 0.9] as const;
/**
 * Bands are read per quintile of prediction (about 30 intervals each in a week of half-hours): per
 * decile, 15 intervals made the 10th and 90th percentiles jump from one decile to the next.
 */
export const BAND_GROUPS = 5;

/** realized share of open interest = a × (modelled share of open interest)^b. */
export interface PowerLaw {
  a: number;
  b: number;
}

/** One group of the fitted intervals (the model predicted nothing, or a quintile of what it predicted). */
export interface BandGroup {
  /** Modelled sweeps up to this share of open interest fall in the group; null = no upper bound. */
  upTo: number | null;
  /** Realized ÷ calibrated at the band's lower and upper quantile among the group's intervals. */
  low: number;
  high: number;
  intervals: number;
}

export interface SideCalibration {
  /** Realized share of open interest per interval when the model predicts nothing. */
  floor: number;
  power: PowerLaw;
  /**
   * From `topFrom` (the smallest sweep of the top decile it was fitted on) up, the figure is this share of
   * the modelled sweep, the top decile's realized ÷ modelled (never below the power law): fitted over four
   * decades of sweeps, the power law bends too far for the largest, which are what a move to a cluster sweeps.
   */
  topFrom: number;
  topRatio: number;
  /** The largest modelled share of open interest it was fitted on: beyond it the figure grows in proportion. */
  maxFitted: number;
  /** Ascending by upTo; the first is the group the model predicted nothing for (upTo 0). */
  bands: BandGroup[];
}

/** The model parameters that shape the book: a calibration holds only for the model it was fitted on. */
export type ModelFingerprint = Pick<
  ModelParams,
  'leverageTiers' | 'leverageSpread' | 'leverageSpreadPoints' | 'entrySpread' | 'entryPoints' | 'churnPerHour' | 'seed' | 'seedSpread' | 'sideAttribution'
>;

export interface CalibrationVenues {
  /** Venues the realized liquidations were summed over. */
  realized: string[];
  /** Venues whose bars the model ran on. */
  modelled: string[];
  /** Assumed share of the realized venues' open interest that the modelled venues hold. */
  modelledOiShare: number;
  /** Why that share, and what it assumes. */
  note: string;
}

export interface CalibrationScores {
  tuning: CalibrationScore;
  heldOut: CalibrationScore | null;
}

export interface Calibration {
  format: typeof CALIBRATION_FORMAT;
  /** Names this calibration wherever a figure made with it is shown (e.g. btc-dev-2026-06). */
  id: string;
  /** Canonical symbols it was fitted on; other symbols get no calibrated figure. */
  symbols: string[];
  /** Length of the intervals it was fitted on, in minutes. */
  intervalMinutes: number;
  model: ModelFingerprint;
  venues: CalibrationVenues;
  long: SideCalibration;
  short: SideCalibration;
  origin: {
    /** The command that made it, without its --out (run it again with one to get the same bytes). */
    command: string;
    bars: string;
    realized: string;
    /** Intervals fitted on: [from, to), ISO UTC. */
    from: string;
    to: string;
    method: string;
  };
  scores: CalibrationScores;
}

/** One interval of a backtest, what fitting and scoring take. */
export interface CalibrationRow {
  ts: number;
  /** Open interest of the modelled venues at the interval's open, USD. */
  oiUsd: number;
  predLongUsd: number;
  predShortUsd: number;
  realizedLongUsd: number;
  realizedShortUsd: number;
}

export interface CalibratedUsd {
  usd: number;
  lowUsd: number;
  highUsd: number;
  /** The modelled sweep is larger than any the calibration was fitted on. */
  extrapolated: boolean;
}

/** A calibration that cannot be used as given: the message says what and where. */
export class CalibrationError extends Error {
  override name = 'CalibrationError';
}

const pred = (r: CalibrationRow, side: Side) => (side === 'long' ? r.predLongUsd : r.predShortUsd);
const real = (r: CalibrationRow, side: Side) => (side === 'long' ? r.realizedLongUsd : r.realizedShortUsd);

export function fingerprintOf(params: ModelParams): ModelFingerprint {
  return {
    leverageTiers: params.leverageTiers.map((t) => ({ leverage: t.leverage, weight: t.weight })),
    leverageSpread: params.leverageSpread,
    leverageSpreadPoints: params.leverageSpreadPoints,
    entrySpread: params.entrySpread,
    entryPoints: params.entryPoints,
    churnPerHour: params.churnPerHour,
    seed: params.seed,
    seedSpread: params.seedSpread,
    sideAttribution: params.sideAttribution,
  };
}

/** Why a calibration does not hold for a map of this symbol and these parameters, or null when it does. */
export function calibrationMismatch(cal: Calibration, symbol: string, params: ModelParams): string | null {
  if (!cal.symbols.includes(symbol)) return `calibration ${cal.id} was fitted on ${cal.symbols.join(', ')} only`;
  if (JSON.stringify(fingerprintOf(params)) !== JSON.stringify(cal.model)) return `calibration ${cal.id} was fitted with other model parameters`;
  return null;
}

/**
 * Realized share of open interest the side's calibration expects for a modelled share x: the floor or the
 * power law, and from the top decile up the top decile's ratio (never below the power law). Beyond the
 * largest sweep it was fitted on, in proportion to the sweep: nothing observed says the curve keeps bending.
 */
function expectedShare(side: SideCalibration, x: number): number {
  if (!(x > 0)) return side.floor;
  const fit = (v: number) => Math.max(side.floor, side.power.a * v ** side.power.b, v >= side.topFrom ? side.topRatio * v : 0);
  return x > side.maxFitted ? fit(side.maxFitted) * (x / side.maxFitted) : fit(x);
}

function bandFor(side: SideCalibration, x: number): BandGroup {
  if (!(x > 0)) return side.bands[0]!;
  for (const g of side.bands) if (g.upTo !== null && g.upTo > 0 && x <= g.upTo) return g;
  return side.bands[side.bands.length - 1]!;
}

/**
 * The calibrated figure for a modelled sweep of `modelledUsd` on venues holding `oiUsd` of open interest:
 * what would be force-closed on those venues, with its band.
 */
export function calibrateUsd(cal: Calibration, side: Side, modelledUsd: number, oiUsd: number): CalibratedUsd {
  const s = cal[side];
  const x = oiUsd > 0 ? modelledUsd / oiUsd : 0;
  const usd = oiUsd * expectedShare(s, x);
  const band = bandFor(s, x);
  return { usd, lowUsd: usd * band.low, highUsd: usd * band.high, extrapolated: x > s.maxFitted };
}

/** The same for the realized data's venues (the modelled venues' figure over their share). */
export function calibrateForRealizedVenues(cal: Calibration, side: Side, modelledUsd: number, oiUsd: number): number {
  return calibrateUsd(cal, side, modelledUsd, oiUsd).usd / cal.venues.modelledOiShare;
}

/** Quantile with linear interpolation between order statistics (R's type 7). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * The groups intervals are judged in: those the model predicted nothing for, then deciles of the
 * modelled share of open interest (ties broken by time, so the split never depends on input order).
 */
export function predictionGroups(rows: readonly CalibrationRow[], side: Side, count = 10): CalibrationRow[][] {
  const none = rows.filter((r) => !(pred(r, side) > 0)).sort((p, q) => p.ts - q.ts);
  const some = rows.filter((r) => pred(r, side) > 0).sort((p, q) => pred(p, side) / p.oiUsd - pred(q, side) / q.oiUsd || p.ts - q.ts);
  const groups: CalibrationRow[][] = [none];
  for (let d = 0; d < count; d++) {
    const g = some.slice(Math.round((d * some.length) / count), Math.round(((d + 1) * some.length) / count));
    if (g.length > 0) groups.push(g);
  }
  return groups;
}

/** Least squares of log y on log x. */
function logLogFit(xs: number[], ys: number[]): PowerLaw {
  const n = xs.length;
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const mx = lx.reduce((s, v) => s + v, 0) / n;
  const my = ly.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    sxx += (lx[i]! - mx) ** 2;
  }
  if (!(sxx > 0)) throw new CalibrationError('every interval predicts the same share of open interest: nothing to fit a curve to');
  const b = sxy / sxx;
  return { a: Math.exp(my - b * mx), b };
}

/**
 * Fits one side on intervals of the modelled venues (x = modelled sweep ÷ their OI) against realized
 * liquidations scaled to those venues (y = realized × share ÷ their OI):
 * - floor: the realized share of OI over the intervals the model predicted nothing for;
 * - power law: least squares on the logarithms of the intervals where both are above zero, then scaled
 *   so the intervals with a prediction below the top decile add up to what was realized in them (a fit
 *   on logarithms finds the median; a figure in dollars should be the expected value);
 * - top: from the top decile's smallest sweep up, its realized ÷ modelled (never below the power law);
 * - bands: per group (nothing predicted, quintiles of prediction), the 10th and 90th percentiles of
 *   realized ÷ calibrated.
 */
export function fitSide(rows: readonly CalibrationRow[], side: Side, modelledOiShare: number): SideCalibration {
  const usable = rows.filter((r) => r.oiUsd > 0);
  const y = (r: CalibrationRow) => (real(r, side) * modelledOiShare) / r.oiUsd;
  const x = (r: CalibrationRow) => pred(r, side) / r.oiUsd;
  const none = usable.filter((r) => !(x(r) > 0));
  const some = usable.filter((r) => x(r) > 0);
  const both = some.filter((r) => y(r) > 0);
  if (both.length < 10) throw new CalibrationError(`${side}s: ${both.length} intervals with both a prediction and a realized value; at least 10 are needed`);
  const oiNone = none.reduce((s, r) => s + r.oiUsd, 0);
  const floor = oiNone > 0 ? none.reduce((s, r) => s + real(r, side) * modelledOiShare, 0) / oiNone : 0;
  const shape = logLogFit(
    both.map(x),
    both.map((r) => y(r)),
  );
  // The top decile by its own ratio: a power law fitted over four decades of sweeps under-calls the
  // largest (realized 1.5× calibrated in the development set's tuning week, longs).
  const ranked = [...some].sort((p, q) => x(p) - x(q) || p.ts - q.ts);
  const top = ranked.slice(Math.floor(ranked.length * 0.9));
  const topRatio = top.reduce((s, r) => s + y(r) * r.oiUsd, 0) / top.reduce((s, r) => s + x(r) * r.oiUsd, 0);
  // Scale a so that Σ OI × max(floor, a·x^b) over the other intervals with a prediction equals what
  // they realized.
  const rest = ranked.slice(0, ranked.length - top.length);
  const target = rest.reduce((s, r) => s + real(r, side) * modelledOiShare, 0);
  const total = (a: number) => rest.reduce((s, r) => s + r.oiUsd * Math.max(floor, a * x(r) ** shape.b), 0);
  if (total(0) >= target) throw new CalibrationError(`${side}s: the floor alone accounts for more than was realized; nothing is left to fit`);
  let lo = 0;
  let hi = shape.a;
  while (total(hi) < target) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (total(mid) < target) lo = mid;
    else hi = mid;
  }
  const partial: SideCalibration = { floor, power: { a: (lo + hi) / 2, b: shape.b }, topFrom: x(top[0]!), topRatio, maxFitted: Math.max(...some.map(x)), bands: [] };
  const groups = predictionGroups(usable, side, BAND_GROUPS);
  partial.bands = groups.map((g, i) => {
    if (g.length === 0) return { upTo: 0, low: 0, high: 0, intervals: 0 };
    const ratios = g.map((r) => y(r) / expectedShare(partial, x(r))).sort((p, q) => p - q);
    const last = i === groups.length - 1;
    return {
      upTo: i === 0 ? 0 : last ? null : Math.max(...g.map(x)),
      low: quantile(ratios, BAND_QUANTILES[0]),
      high: quantile(ratios, BAND_QUANTILES[1]),
      intervals: g.length,
    };
  });
  return partial;
}

export interface GroupScore {
  /** 'none' for the intervals the model predicted nothing for, else the decile, 1 to 10. */
  group: 'none' | number;
  intervals: number;
  modelledUsd: number;
  calibratedUsd: number;
  realizedUsd: number;
  /** Realized ÷ calibrated over the group; null when nothing was calibrated. */
  ratio: number | null;
  /** Intervals whose realized value fell within the calibrated band. */
  withinBand: number;
}

export interface SideScore {
  groups: GroupScore[];
  /** Realized ÷ calibrated over all the intervals. */
  ratio: number | null;
  /** Share of the intervals whose realized value fell within the band. */
  coverage: number;
  /** The group ratio furthest from 1 (on a log scale), as a factor ≥ 1. */
  worstFactor: number | null;
}

export interface CalibrationScore {
  /** Intervals scored: [from, to), ISO UTC. */
  from: string;
  to: string;
  intervals: number;
  long: SideScore;
  short: SideScore;
}

function scoreSide(cal: Calibration, rows: readonly CalibrationRow[], side: Side): SideScore {
  const share = cal.venues.modelledOiShare;
  let inBand = 0;
  let calTotal = 0;
  let realTotal = 0;
  const groups = predictionGroups(rows, side).map((g, i): GroupScore => {
    let modelledUsd = 0;
    let calibratedUsd = 0;
    let realizedUsd = 0;
    let withinBand = 0;
    for (const r of g) {
      const c = calibrateUsd(cal, side, pred(r, side), r.oiUsd);
      const realized = real(r, side);
      modelledUsd += pred(r, side);
      calibratedUsd += c.usd / share;
      realizedUsd += realized;
      // The band's edges are quantiles of fitted intervals: one sitting on an edge is inside, rounding aside.
      if (realized >= (c.lowUsd / share) * (1 - 1e-9) && realized <= (c.highUsd / share) * (1 + 1e-9)) withinBand++;
    }
    inBand += withinBand;
    calTotal += calibratedUsd;
    realTotal += realizedUsd;
    return { group: i === 0 ? 'none' : i, intervals: g.length, modelledUsd, calibratedUsd, realizedUsd, ratio: calibratedUsd > 0 ? realizedUsd / calibratedUsd : null, withinBand };
  });
  const factors = groups.filter((g) => g.intervals > 0 && g.ratio !== null && g.ratio > 0).map((g) => Math.exp(Math.abs(Math.log(g.ratio!))));
  const zeroRatio = groups.some((g) => g.intervals > 0 && g.ratio === 0);
  return {
    groups: groups.filter((g) => g.intervals > 0),
    ratio: calTotal > 0 ? realTotal / calTotal : null,
    coverage: rows.length > 0 ? inBand / rows.length : 0,
    worstFactor: zeroRatio ? Infinity : factors.length > 0 ? Math.max(...factors) : null,
  };
}

/**
 * How well a calibration holds on intervals with realized values: per group of prediction, realized ÷
 * calibrated (both for the realized data's venues) and how many fell inside the band.
 */
export function scoreCalibration(cal: Calibration, rows: readonly CalibrationRow[], span: { from: string; to: string }): CalibrationScore {
  const usable = rows.filter((r) => r.oiUsd > 0);
  return { ...span, intervals: usable.length, long: scoreSide(cal, usable, 'long'), short: scoreSide(cal, usable, 'short') };
}

export interface FitRequest {
  id: string;
  symbols: string[];
  intervalMinutes: number;
  params: ModelParams;
  venues: CalibrationVenues;
  /** The intervals to fit on, and their span ([from, to), ISO UTC). */
  tuning: { rows: CalibrationRow[]; from: string; to: string };
  /** Intervals kept out of the fit, scored for the record. */
  heldOut?: { rows: CalibrationRow[]; from: string; to: string };
  origin: { command: string; bars: string; realized: string };
}

export const FIT_METHOD =
  'per side: floor = realized share of OI where the model predicted nothing; realized share = a × (modelled share)^b, b by least squares on logarithms, a scaled so the intervals below the top decile add up; from the top decile up, its realized ÷ modelled ratio (never below the power law); beyond the largest fitted sweep, proportional to the sweep; 80% band = 10th–90th percentile of realized ÷ calibrated among the intervals left empty and per quintile of prediction';

/** Fits both sides on the tuning rows and scores the result on them and on the held-out rows. */
export function fitCalibration(req: FitRequest): Calibration {
  if (!(req.venues.modelledOiShare > 0 && req.venues.modelledOiShare <= 1)) throw new CalibrationError('the modelled venues\' share of open interest must be above 0 and at most 1');
  const share = req.venues.modelledOiShare;
  const partial: Omit<Calibration, 'scores'> = {
    format: CALIBRATION_FORMAT,
    id: req.id,
    symbols: req.symbols,
    intervalMinutes: req.intervalMinutes,
    model: fingerprintOf(req.params),
    venues: req.venues,
    long: fitSide(req.tuning.rows, 'long', share),
    short: fitSide(req.tuning.rows, 'short', share),
    origin: { ...req.origin, from: req.tuning.from, to: req.tuning.to, method: FIT_METHOD },
  };
  const cal = { ...partial, scores: { tuning: null, heldOut: null } } as unknown as Calibration;
  const span = (s: { from: string; to: string }) => ({ from: s.from, to: s.to });
  const tuning = scoreCalibration(cal, req.tuning.rows, span(req.tuning));
  const heldOut = req.heldOut && req.heldOut.rows.length > 0 ? scoreCalibration(cal, req.heldOut.rows, span(req.heldOut)) : null;
  return { ...partial, scores: { tuning, heldOut } };
}

// ---- reading a calibration file (the caller reads the bytes; this checks them) ----

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a parsed calibration file field by field; every problem is named with its path. */
export function parseCalibration(value: unknown, source: string): Calibration {
  const problems: string[] = [];
  const num = (v: unknown, path: string, ok: (n: number) => boolean, what: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) problems.push(`${path} must be ${what}`);
  };
  if (!isObject(value)) throw new CalibrationError(`${source}: not a calibration (expected a JSON object)`);
  if (value.format !== CALIBRATION_FORMAT) {
    const newer = typeof value.format === 'number' && value.format > CALIBRATION_FORMAT;
    throw new CalibrationError(
      newer
        ? `${source}: calibration format ${String(value.format)} is newer than this liqmap reads (${CALIBRATION_FORMAT}); upgrade liqmap`
        : `${source}: not a calibration of format ${CALIBRATION_FORMAT} (field "format")`,
    );
  }
  if (typeof value.id !== 'string' || !/^[\w.-]{1,64}$/.test(value.id)) problems.push('id must be 1–64 letters, digits, dots, dashes or underscores');
  if (!Array.isArray(value.symbols) || value.symbols.length === 0 || !value.symbols.every((s) => typeof s === 'string')) problems.push('symbols must be a non-empty list of symbols');
  num(value.intervalMinutes, 'intervalMinutes', (n) => n > 0, 'a positive number');
  if (!isObject(value.model)) problems.push('model must hold the model parameters it was fitted with');
  const venues = value.venues;
  if (!isObject(venues)) problems.push('venues must say which venues were realized and modelled');
  else num(venues.modelledOiShare, 'venues.modelledOiShare', (n) => n > 0 && n <= 1, 'a share above 0 and at most 1');
  for (const side of ['long', 'short'] as const) {
    const s = value[side];
    if (!isObject(s)) {
      problems.push(`${side} is missing`);
      continue;
    }
    num(s.floor, `${side}.floor`, (n) => n >= 0, 'a number ≥ 0');
    num(s.maxFitted, `${side}.maxFitted`, (n) => n > 0, 'a positive number');
    num(s.topRatio, `${side}.topRatio`, (n) => n >= 0 && n <= 10, 'a number from 0 to 10');
    num(s.topFrom, `${side}.topFrom`, (n) => n >= 0, 'a number ≥ 0');
    const p = s.power;
    if (!isObject(p)) problems.push(`${side}.power is missing`);
    else {
      num(p.a, `${side}.power.a`, (n) => n > 0, 'a positive number');
      num(p.b, `${side}.power.b`, (n) => n > 0 && n <= 3, 'a number above 0 and at most 3');
    }
    const bands = s.bands;
    if (!Array.isArray(bands) || bands.length < 2) problems.push(`${side}.bands must list at least two groups`);
    else
      bands.forEach((g: unknown, i) => {
        if (!isObject(g)) return problems.push(`${side}.bands[${i}] is not an object`);
        num(g.low, `${side}.bands[${i}].low`, (n) => n >= 0, 'a number ≥ 0');
        num(g.high, `${side}.bands[${i}].high`, (n) => n >= (typeof g.low === 'number' ? g.low : 0), 'a number ≥ low');
        if (g.upTo !== null) num(g.upTo, `${side}.bands[${i}].upTo`, (n) => n >= 0, 'null or a number ≥ 0');
        return undefined;
      });
  }
  if (problems.length > 0) throw new CalibrationError(`${source}: ${problems.join('; ')}`);
  return value as unknown as Calibration;
}
