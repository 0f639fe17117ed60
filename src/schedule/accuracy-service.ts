// The accuracy report from what the recorder kept (accuracy-recorder.ts): on demand for /liqmap accuracy
// and the web page, and once a day under a claim (one instance scores, logs and stores it; the weekly
// digest quotes that). With ACCURACY_RECALIBRATE on, the daily run also fits a calibration on the bot's
// own half-hours and adopts it only if it misses the last week by less than the one in use; every attempt
// is a numbered version in the store, logged with both scores.
import { Cron } from 'croner';
import type { Logger } from 'pino';
import { combinedRows, accuracyRows, missFactor, recalibrate, scoreAccuracy, SCORE_INTERVAL_MS, type AccuracyReport } from '../analysis/accuracy.js';
import { parseCalibration, type Calibration, type CalibrationScore } from '../analysis/calibration.js';
import { baseAsset } from '../analysis/format.js';
import type { Clock } from '../clock.js';
import type { CalibrationVersion } from '../store/records.js';
import type { Store } from '../store/store.js';
import { dayName, DAY_MS, dayStart, KEEP_DAYS, recordedBars } from './accuracy-days.js';

export interface AccuracyServiceOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  instanceId: string;
  /** Canonical symbols recorded (ACCURACY_SYMBOLS). */
  symbols: readonly string[];
  /** The shipped calibration; a symbol the bot recalibrated uses its own adopted version instead. */
  calibration?: Calibration;
  /** ACCURACY_RECALIBRATE. */
  recalibrate: boolean;
}

/** Recalibration needs a week to fit on and most of a week to check on (half-hours). */
export const MIN_TUNING_HALF_HOURS = 7 * 48;
export const MIN_HELD_OUT_HALF_HOURS = 5 * 48;
/** The held-out span: the last week before the daily run. */
const HELD_OUT_MS = 7 * DAY_MS;
/** Reports kept in memory per symbol (until the next half-hour closes). */
const REPORT_SPAN_DAYS = 30;

export class AccuracyService {
  private readonly adopted = new Map<string, Calibration>();
  private readonly cached = new Map<string, { through: number; report: Promise<AccuracyReport> }>();
  private readonly jobs: Cron[] = [];
  private running: Promise<unknown> | undefined;

  constructor(private readonly o: AccuracyServiceOptions) {}

  get symbols(): readonly string[] {
    return this.o.symbols;
  }

  /** The calibration maps of this symbol use: the latest the bot adopted for it, else the shipped one. */
  calibrationFor(symbol: string): Calibration | undefined {
    return this.adopted.get(symbol) ?? this.o.calibration;
  }

  /** Daily at 00:10 UTC; the adopted calibrations are re-read every hour (another instance may adopt one). */
  start(): void {
    const guard = (what: string, run: () => Promise<unknown>) => () => {
      this.running = run().catch((err: unknown) => this.o.log.error({ err }, `accuracy: ${what} failed`));
    };
    this.jobs.push(new Cron('0 10 0 * * *', { timezone: 'UTC', protect: true }, guard('daily score', () => this.daily())));
    this.jobs.push(new Cron('0 5 * * * *', { timezone: 'UTC', protect: true }, guard('reading calibrations', () => this.loadCalibrations())));
    guard('reading calibrations', () => this.loadCalibrations())();
  }

  async stop(): Promise<void> {
    for (const job of this.jobs.splice(0)) job.stop();
    await this.running;
  }

  /** The report through the last closed half-hour (cached until the next one closes). */
  report(symbol: string, through = Math.floor(this.o.clock.now() / SCORE_INTERVAL_MS) * SCORE_INTERVAL_MS): Promise<AccuracyReport> {
    const hit = this.cached.get(symbol);
    if (hit && hit.through === through) return hit.report;
    const report = (async () => {
      const venues = await recordedBars(this.o.store, symbol, through - REPORT_SPAN_DAYS * DAY_MS);
      const calibration = this.calibrationFor(symbol);
      return scoreAccuracy({ symbol, venues, through, ...(calibration ? { calibration } : {}) });
    })();
    this.cached.set(symbol, { through, report });
    report.catch(() => this.cached.delete(symbol));
    return report;
  }

  /** The latest daily report, or the report now when no day has been scored yet. */
  async dailyReport(symbol: string): Promise<AccuracyReport> {
    return (await this.o.store.accuracyReports.get(symbol))?.report ?? this.report(symbol);
  }

  /**
   * Once a day, by whichever instance claims the day: scores every symbol through midnight UTC, logs and
   * stores it, drops recorded days past KEEP_DAYS, and recalibrates when enabled. Returns the reports.
   */
  async daily(): Promise<AccuracyReport[]> {
    const now = this.o.clock.now();
    const through = dayStart(now);
    if (!(await this.o.store.backend.claim(`accuracy:daily:${dayName(through)}`, this.o.instanceId, 2 * DAY_MS))) return [];
    const reports: AccuracyReport[] = [];
    for (const symbol of this.o.symbols) {
      try {
        const report = await this.report(symbol, through);
        reports.push(report);
        await this.o.store.accuracyReports.put(symbol, { v: 1, symbol, atMs: now, report });
        for (const span of report.spans) {
          for (const v of span.venues) {
            this.o.log.info(
              {
                symbol,
                days: span.days,
                venue: v.venue,
                halfHours: v.intervals,
                model: v.scores?.model,
                naive: v.scores?.naive,
                calibration: 'unavailable' in v.calibration ? v.calibration.unavailable : { long: v.calibration.long.ratio, short: v.calibration.short.ratio },
              },
              'accuracy: daily score',
            );
          }
        }
        await this.prune(symbol, through);
        if (this.o.recalibrate) await this.recalibrate(symbol, through);
      } catch (err) {
        this.o.log.error({ err, symbol }, 'accuracy: daily score failed for this symbol');
      }
    }
    return reports;
  }

  /**
   * Fits a calibration on the half-hours before the last week and scores it and the one in use on that
   * week; adopts it only when it misses by less. Every attempt is stored as the next version and logged.
   */
  async recalibrate(symbol: string, through: number): Promise<CalibrationVersion | undefined> {
    const venues = await recordedBars(this.o.store, symbol, through - REPORT_SPAN_DAYS * DAY_MS);
    const rows = combinedRows(venues.map((v) => accuracyRows(v.bars.filter((b) => b.ts < through))));
    const heldOutFrom = through - HELD_OUT_MS;
    const tuning = rows.filter((r) => r.ts < heldOutFrom).length;
    const heldOut = rows.length - tuning;
    if (tuning < MIN_TUNING_HALF_HOURS || heldOut < MIN_HELD_OUT_HALF_HOURS) {
      this.o.log.info({ symbol, tuning, heldOut, needed: { tuning: MIN_TUNING_HALF_HOURS, heldOut: MIN_HELD_OUT_HALF_HOURS } }, 'accuracy: not enough half-hours of all venues to recalibrate yet');
      return undefined;
    }
    const current = this.calibrationFor(symbol);
    const versions = await this.o.store.calibrations.list(`${symbol}/`);
    const version = Math.max(0, ...versions.map((v) => v.version)) + 1;
    const id = `${baseAsset(symbol).toLowerCase()}-bot-${dayName(through)}-v${version}`;
    const venueNames = venues.map((v) => v.venue);
    const outcome = current
      ? recalibrate({
          symbol,
          rows,
          current,
          heldOutFrom,
          id,
          venues: venueNames,
          origin: { command: `liqmap serve (ACCURACY_RECALIBRATE), instance ${this.o.instanceId}`, bars: `live ${venueNames.join('+')} ${symbol} 15m bars (the 7d map's)`, realized: `live liquidation streams of ${venueNames.join('+')}` },
        })
      : undefined;
    const record: CalibrationVersion = {
      v: 1,
      symbol,
      version,
      atMs: this.o.clock.now(),
      outcome: !outcome || !outcome.candidate ? 'failed' : outcome.adopt ? 'adopted' : 'refused',
      reason: !outcome
        ? 'no calibration in use to compare with'
        : !outcome.candidate
          ? (outcome.error ?? 'could not fit')
          : outcome.adopt
            ? outcome.beforeMiss === null
              ? `the one in use does not hold for this model; the candidate misses the held-out week by ×${outcome.afterMiss!.toFixed(2)}`
              : `misses the held-out week by ×${outcome.afterMiss!.toFixed(2)} against ×${outcome.beforeMiss.toFixed(2)} for ${current!.id}`
            : `refused: misses the held-out week by ×${outcome.afterMiss!.toFixed(2)}, ${current!.id} by ×${outcome.beforeMiss!.toFixed(2)}; ${current!.id} stays`,
      replaces: current?.id ?? 'none',
      beforeMiss: outcome?.beforeMiss ?? null,
      afterMiss: outcome?.afterMiss ?? null,
      before: outcome?.before ?? null,
      after: outcome?.after ?? null,
      calibration: outcome?.candidate ?? null,
    };
    await this.o.store.calibrations.put(`${symbol}/${String(version).padStart(6, '0')}`, record);
    if (record.outcome === 'adopted') this.adopted.set(symbol, record.calibration!);
    this.o.log.info(
      {
        symbol,
        version,
        outcome: record.outcome,
        candidate: record.calibration?.id,
        replaces: record.replaces,
        beforeMiss: record.beforeMiss,
        afterMiss: record.afterMiss,
        before: ratiosOf(record.before),
        after: ratiosOf(record.after),
        reason: record.reason,
      },
      'accuracy: recalibration',
    );
    return record;
  }

  /** The latest adopted version of each symbol (checked again as a calibration file would be). */
  async loadCalibrations(): Promise<void> {
    for (const symbol of this.o.symbols) {
      const adopted = (await this.o.store.calibrations.list(`${symbol}/`)).filter((v) => v.outcome === 'adopted').sort((a, b) => b.version - a.version)[0];
      if (!adopted) continue;
      try {
        this.adopted.set(symbol, parseCalibration(adopted.calibration, `stored calibration ${symbol} v${adopted.version}`));
      } catch (err) {
        this.o.log.error({ err, symbol, version: adopted.version }, 'accuracy: a stored calibration is unreadable; keeping the one in use');
      }
    }
  }

  /** Recorded days past KEEP_DAYS, and refused or failed versions older than that, are dropped. */
  private async prune(symbol: string, through: number): Promise<void> {
    const oldest = through - KEEP_DAYS * DAY_MS;
    for (const d of await this.o.store.accuracyDays.list(`${symbol}/`)) {
      if (d.dayMs < oldest) await this.o.store.accuracyDays.delete(`${symbol}/${d.venue}/${d.day}`);
    }
    for (const v of await this.o.store.calibrations.list(`${symbol}/`)) {
      if (v.outcome !== 'adopted' && v.atMs < oldest) await this.o.store.calibrations.delete(`${symbol}/${String(v.version).padStart(6, '0')}`);
    }
  }
}

function ratiosOf(score: CalibrationScore | null): { long: number | null; short: number | null; miss: number } | null {
  return score ? { long: score.long.ratio, short: score.short.ratio, miss: missFactor(score) } : null;
}
