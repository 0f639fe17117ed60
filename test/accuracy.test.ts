// The map that scores itself, on hand-built series: which half-hours each span scores, and the
// recalibration that is refused when it would score worse than the calibration in use.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  ACCURACY_BAR_MS,
  accuracyRows,
  combinedRows,
  missFactor,
  recalibrate,
  scoreAccuracy,
  SCORE_INTERVAL_MS,
  type AccuracyBar,
} from '../src/analysis/accuracy.js';
import type { BacktestRow } from '../src/analysis/backtest.js';
import { fitCalibration, type Calibration, type CalibrationRow } from '../src/analysis/calibration.js';
import { defaultParams } from '../src/analysis/params.js';
import { spearman, topShare } from '../src/analysis/rank-stats.js';
import { AccuracyService } from '../src/schedule/accuracy-service.js';
import { dayId, emptyDay, toSlot } from '../src/schedule/accuracy-days.js';
import { MemoryBackend } from '../src/store/memory-backend.js';
import { createStore } from '../src/store/store.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 5, 1);

/** A deterministic wobble, so ranks are not trivially ordered. */
const wobble = (i: number) => 1 + 0.5 * Math.sin(i * 1.7) + 0.3 * Math.cos(i * 0.37);

/** 15-minute bars over `days`, the bars in `skip` left out (the stream was not heard through them). */
function bars(days: number, skip: (ts: number) => boolean = () => false): AccuracyBar[] {
  const out: AccuracyBar[] = [];
  for (let ts = START, i = 0; ts < START + days * DAY; ts += ACCURACY_BAR_MS, i++) {
    if (skip(ts)) continue;
    const pred = 1e6 * wobble(i);
    out.push({ ts, predLongUsd: pred, predShortUsd: 2 * pred, naiveLongUsd: 1e6, naiveShortUsd: 1e6 * wobble(i + 3), oiUsd: 1e9, realizedLongUsd: 0.1 * pred * wobble(i + 1), realizedShortUsd: 0.05 * pred });
  }
  return out;
}

describe('scoring windows', () => {
  const through = START + 40 * DAY;
  const all = bars(41); // one day past `through`: never scored
  // A gap of one bar at day 35 12:15: its half-hour is not scored (the stream missed part of it).
  const gap = START + 35 * DAY + 12 * 3_600_000 + 15 * 60_000;
  const binance = all.filter((b) => b.ts !== gap);
  const report = scoreAccuracy({ symbol: 'BTCUSDT', venues: [{ venue: 'binance', bars: binance }], through });

  it('each span holds the whole half-hours of its last 1, 7 and 30 days, and nothing at or after its end', () => {
    expect(report.spans.map((s) => s.days)).toEqual([1, 7, 30]);
    const [day, week, month] = report.spans.map((s) => s.venues[0]!);
    expect(day!.intervals).toBe(48);
    expect(week!.intervals).toBe(7 * 48 - 1);
    expect(month!.intervals).toBe(30 * 48 - 1);
    expect(month!.from).toBe(through - 30 * DAY);
    expect(month!.to).toBe(through);
  });

  it("a span's scores are the rank statistics of exactly its half-hours", () => {
    const week = report.spans[1]!.venues[0]!;
    // The rows the week should hold, built here from the bars: pairs of bars per half-hour, the gap's dropped.
    const rows: { pred: number; real: number; naive: number }[] = [];
    for (let ts = through - 7 * DAY; ts < through; ts += SCORE_INTERVAL_MS) {
      const pair = binance.filter((b) => b.ts >= ts && b.ts < ts + SCORE_INTERVAL_MS);
      if (pair.length !== 2) continue;
      rows.push({ pred: pair[0]!.predLongUsd + pair[1]!.predLongUsd, real: pair[0]!.realizedLongUsd + pair[1]!.realizedLongUsd, naive: pair[0]!.naiveLongUsd + pair[1]!.naiveLongUsd });
    }
    expect(rows).toHaveLength(week.intervals);
    expect(week.scores!.model.long.spearman).toBeCloseTo(spearman(rows.map((r) => r.pred), rows.map((r) => r.real))!, 12);
    expect(week.scores!.model.long.topShare).toBeCloseTo(topShare(rows.map((r) => r.pred), rows.map((r) => r.real))!, 12);
    expect(week.scores!.realizedLongUsd).toBeCloseTo(rows.reduce((s, r) => s + r.real, 0), 3);
  });

  it('all venues together score only the half-hours every venue has', () => {
    const bybit = all.filter((b) => b.ts < START + 38 * DAY);
    const two = scoreAccuracy({ symbol: 'BTCUSDT', venues: [{ venue: 'binance', bars: binance }, { venue: 'bybit', bars: bybit }], through });
    const week = two.spans[1]!;
    expect(week.venues.map((v) => v.venue)).toEqual(['all', 'binance', 'bybit']);
    const [combined, b, y] = week.venues;
    // Bybit stops two days before the end; Binance misses one half-hour before that.
    expect(y!.intervals).toBe(5 * 48);
    expect(combined!.intervals).toBe(5 * 48 - 1);
    expect(b!.intervals).toBe(7 * 48 - 1);
  });

  it('a venue that recorded nothing yet says so instead of scoring', () => {
    const empty = scoreAccuracy({ symbol: 'BTCUSDT', venues: [], through });
    expect(empty.recordedFrom).toBeNull();
    expect(empty.spans.every((s) => s.venues.length === 0)).toBe(true);
  });
});

// ---- recalibration ----

const params = defaultParams('7d');
const venues = { realized: ['binance'], modelled: ['binance'], modelledOiShare: 1, note: 'test' };
const origin = { command: 'test', bars: 'synthetic', realized: 'synthetic' };

/** Half-hour rows where realized = `factor` × predicted (with a wobble), open interest 1B. */
function calRows(from: number, count: number, factor: number): BacktestRow[] {
  return Array.from({ length: count }, (_, i) => {
    const pred = 2e6 * wobble(i);
    return {
      ts: from + i * SCORE_INTERVAL_MS,
      predLongUsd: pred,
      predShortUsd: pred,
      naiveLongUsd: 0,
      naiveShortUsd: 0,
      realizedLongUsd: factor * pred * wobble(i + 2),
      realizedShortUsd: factor * pred * wobble(i + 5),
      oiUsd: 1e9,
      calibratedLongUsd: null,
      calibratedShortUsd: null,
    };
  });
}

function calibrationAt(factor: number, id: string): Calibration {
  const rows = calRows(START, 400, factor).map((r): CalibrationRow => ({ ts: r.ts, oiUsd: r.oiUsd!, predLongUsd: r.predLongUsd, predShortUsd: r.predShortUsd, realizedLongUsd: r.realizedLongUsd!, realizedShortUsd: r.realizedShortUsd! }));
  return fitCalibration({ id, symbols: ['BTCUSDT'], intervalMinutes: 30, params, venues, tuning: { rows, from: 'a', to: 'b' }, origin });
}

describe('recalibration from the bot’s own data', () => {
  const heldOutFrom = START + 10 * DAY;
  // The market changed: before the held-out week realized was 0.02× the prediction, in it 0.2×.
  const rows = [...calRows(START, 480, 0.02), ...calRows(heldOutFrom, 336, 0.2)];

  it('is refused when the candidate misses the held-out week by more than the calibration in use', () => {
    const current = calibrationAt(0.2, 'current');
    const outcome = recalibrate({ symbol: 'BTCUSDT', rows, current, heldOutFrom, id: 'candidate', venues: ['binance'], origin });
    expect(outcome.candidate?.id).toBe('candidate');
    expect(outcome.beforeMiss!).toBeLessThan(outcome.afterMiss!);
    expect(outcome.adopt).toBe(false);
    // Both scored on the same held-out half-hours, the before/after figures a log line carries.
    expect(outcome.before!.intervals).toBe(336);
    expect(outcome.after!.intervals).toBe(336);
    expect(missFactor(outcome.after!)).toBe(outcome.afterMiss);
  });

  it('is adopted when the candidate misses by less', () => {
    const current = calibrationAt(5, 'current');
    const steady = [...calRows(START, 480, 0.2), ...calRows(heldOutFrom, 336, 0.2)];
    const outcome = recalibrate({ symbol: 'BTCUSDT', rows: steady, current, heldOutFrom, id: 'candidate', venues: ['binance'], origin });
    expect(outcome.afterMiss!).toBeLessThan(outcome.beforeMiss!);
    expect(outcome.adopt).toBe(true);
  });

  it('the service stores every attempt as a numbered version and keeps the calibration in use when refused', async () => {
    const store = createStore(new MemoryBackend(() => START), pino({ level: 'silent' }));
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const current = calibrationAt(0.2, 'current');
    // Seventeen days of 15-minute bars, a half of each half-hour's figures per bar.
    const through = START + 17 * DAY;
    const history = [...calRows(START, 10 * 48, 0.02), ...calRows(START + 10 * DAY, 7 * 48, 0.2)];
    const days = new Map<string, ReturnType<typeof emptyDay>>();
    for (const r of history) {
      for (const ts of [r.ts, r.ts + ACCURACY_BAR_MS]) {
        const id = dayId('BTCUSDT', 'binance', ts);
        const day = days.get(id) ?? emptyDay('BTCUSDT', 'binance', ts);
        days.set(id, day);
        const half = (v: number | null) => v! / 2;
        day.bars[(ts - day.dayMs) / ACCURACY_BAR_MS] = toSlot({ ts, predLongUsd: half(r.predLongUsd), predShortUsd: half(r.predShortUsd), naiveLongUsd: 0, naiveShortUsd: 0, oiUsd: 1e9, realizedLongUsd: half(r.realizedLongUsd), realizedShortUsd: half(r.realizedShortUsd) });
      }
    }
    for (const [id, day] of days) await store.accuracyDays.put(id, day);
    const service = new AccuracyService({ store, clock: { now: () => through + 600_000 }, log, instanceId: 'test', symbols: ['BTCUSDT'], calibration: current, recalibrate: true });
    const version = await service.recalibrate('BTCUSDT', through);
    expect(version?.outcome).toBe('refused');
    expect(version?.version).toBe(1);
    expect(service.calibrationFor('BTCUSDT')?.id).toBe('current');
    expect((await store.calibrations.get('BTCUSDT/000001'))?.outcome).toBe('refused');
    const logged = lines.find((l) => l.msg === 'accuracy: recalibration')!;
    expect(logged.outcome).toBe('refused');
    expect(logged.beforeMiss).toBe(version!.beforeMiss);
    expect(logged.afterMiss).toBe(version!.afterMiss);
    expect(version!.afterMiss!).toBeGreaterThan(version!.beforeMiss!);
  });
});

describe('rows', () => {
  it('a half-hour needs both of its bars; all venues sum only shared half-hours', () => {
    const b = bars(1);
    const rows = accuracyRows(b.filter((x) => x.ts !== START + ACCURACY_BAR_MS));
    expect(rows).toHaveLength(47);
    expect(rows[0]!.ts).toBe(START + SCORE_INTERVAL_MS);
    const combined = combinedRows([accuracyRows(b), rows]);
    expect(combined).toHaveLength(47);
    expect(combined[0]!.predLongUsd).toBeCloseTo(2 * (b[2]!.predLongUsd + b[3]!.predLongUsd), 6);
  });
});
