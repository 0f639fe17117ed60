import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { BACKTEST_CSV_HEADER, formatBacktestCsv, naiveBaseline, runBacktest, type BacktestRequest } from '../src/analysis/backtest.js';
import { ModelInputError } from '../src/analysis/build-map.js';
import { DEFAULT_VENUE_SPEC } from '../src/analysis/params.js';
import { averageRanks, spearman, topShare } from '../src/analysis/rank-stats.js';
import type { Bar, ModelParams } from '../src/analysis/types.js';
import { parseBarsCsv } from '../src/market/bars-csv.js';
import { runCli } from '../src/cli.js';
import { modelParamsFromArgs, parseLeverageTiers } from '../src/cli/model-options.js';
import { expectGoldenText } from './helpers/golden.js';
import { DEFAULT_CALIBRATION_FILE } from '../src/maps/calibration-file.js';
import { sampleSeries } from './helpers/sample.js';

const FIVE_MIN = 300_000;
const DEV_REALIZED = join(import.meta.dirname, 'fixtures', 'dev', 'realized-BTCUSDT-30m.csv');

function devRealized() {
  return { intervalMs: 1_800_000, bars: parseBarsCsv(readFileSync(DEV_REALIZED, 'utf8'), DEV_REALIZED).bars, name: 'realized-BTCUSDT-30m.csv' };
}

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** One tier, one entry price, no churn, no seed, even sides: every prediction can be worked out by hand. */
const HAND: Partial<ModelParams> = {
  leverageTiers: [{ leverage: 10, weight: 1 }],
  entryPoints: 1,
  entrySpread: 0,
  leverageSpread: 1,
  churnPerHour: 0,
  seed: 'empty',
  sideAttribution: 'neutral',
};

const bar = (i: number, open: number, high: number, low: number, close: number, oi: number, extra: Partial<Bar> = {}): Bar => ({
  ts: 1_780_000_200_000 + i * FIVE_MIN,
  open,
  high,
  low,
  close,
  oi,
  ...extra,
});

describe('rank statistics', () => {
  it('ranks ties by their mean rank and computes Spearman by hand', () => {
    expect(Array.from(averageRanks([10, 20, 20, 30]))).toEqual([1, 2.5, 2.5, 4]);
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // Ranks [1, 2.5, 2.5, 4] against [1, 2, 3, 4]: 4.5 / sqrt(4.5 × 5).
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(4.5 / Math.sqrt(22.5), 12);
    expect(spearman([5, 5, 5], [1, 2, 3])).toBeNull();
  });

  it('top share: the realized USD in the predictor’s top tenth, ties credited at their mean', () => {
    const realized = [1, 1, 1, 1, 1, 1, 1, 1, 1, 11];
    expect(topShare([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], realized)).toBeCloseTo(11 / 20, 12);
    expect(topShare([9, 8, 7, 6, 5, 4, 3, 2, 1, 0], realized)).toBeCloseTo(1 / 20, 12);
    // All predictions equal: any order is as good as any other, so the share is the fraction itself.
    expect(topShare(new Array(10).fill(0), realized)).toBeCloseTo(0.1, 12);
    // Two tied at the top for one slot: half of their sum.
    expect(topShare([5, 5, 0, 0, 0, 0, 0, 0, 0, 0], [10, 0, 0, 0, 0, 0, 0, 0, 0, 10])).toBeCloseTo(0.25, 12);
    expect(topShare([1, 2], [0, 0])).toBeNull();
  });
});

describe('backtest on a hand-made series', () => {
  // Bar 1 opens 100 BTC at 100: $5,000 long (liquidated at 100·0.9/0.996 = 90.36) and $5,000 short
  // (at 100·1.1/1.004 = 109.56). Bar 2 dips to 90: the longs go. Bar 3 spikes to 110: the shorts go.
  const bars = [
    bar(0, 100, 100, 100, 100, 1000),
    bar(1, 100, 100, 100, 100, 1100),
    bar(2, 100, 100, 90, 95, 1100),
    bar(3, 95, 110, 95, 105, 1100),
    bar(4, 105, 106, 104, 105, 1100),
  ];
  const request = (b: Bar[] = bars, extra: Partial<BacktestRequest> = {}): BacktestRequest => ({
    venues: [{ series: { venue: 'binance', symbol: 'BTCUSDT', intervalMs: FIVE_MIN, bars: b }, spec: DEFAULT_VENUE_SPEC }],
    params: HAND,
    ...extra,
  });

  it('predicts each sweep in the bar that reaches it, and nothing elsewhere', () => {
    const r = runBacktest(request());
    expect(r.rows.map((x) => Math.round(x.predLongUsd))).toEqual([0, 0, 5000, 0, 0]);
    expect(r.rows.map((x) => Math.round(x.predShortUsd))).toEqual([0, 0, 0, 5000, 0]);
    expect(r.scores).toBeNull();
  });

  it('naive baseline: OI at the bar’s open × the adverse move', () => {
    const naive = naiveBaseline(bars);
    // Bar 2: 1,100 BTC × 100 × 10%; bar 3: 1,100 BTC × 95 × (15/95); bar 4: 1,100 × 105 × (1/105).
    expect(Array.from(naive.long).map(Math.round)).toEqual([0, 0, 11000, 0, 1100]);
    expect(Array.from(naive.short).map(Math.round)).toEqual([0, 0, 0, 16500, 1100]);
  });

  it('scores realized columns carried by the bars', () => {
    const withRealized = bars.map((b, i) => ({ ...b, realizedLongUsd: [0, 0, 900, 10, 1][i]!, realizedShortUsd: [1, 0, 0, 700, 20][i]! }));
    const r = runBacktest(request(withRealized));
    expect(r.scores!.intervals).toBe(5);
    expect(r.scores!.model.long.spearman).toBeCloseTo(spearman([0, 0, 5000, 0, 0], [0, 0, 900, 10, 1])!, 9);
    // Top 10% of 5 intervals is half a slot: half of the model's top interval, which holds 900 of 911.
    expect(r.scores!.model.long.topShare).toBeCloseTo((0.5 * 900) / 911, 9);
    expect(r.scores!.realizedShortUsd).toBe(721);
  });

  it('aggregates 5-minute predictions to 30-minute realized intervals and drops partial ones', () => {
    // 14 bars from 00:05: the 00:00 interval lacks its first bar, 00:30 is complete, 01:00 holds one bar only.
    const start = 1_780_000_200_000 + FIVE_MIN; // 00:05 within a 30-minute boundary (1_780_000_200_000 is one)
    expect(1_780_000_200_000 % 1_800_000).toBe(0);
    const series: Bar[] = [];
    let p = 100;
    for (let i = 0; i < 14; i++) {
      const next = p * (i % 3 === 0 ? 0.98 : 1.021);
      series.push({ ts: start + i * FIVE_MIN, open: p, high: Math.max(p, next) * 1.002, low: Math.min(p, next) * 0.998, close: next, oi: 1000 + 37 * i });
      p = next;
    }
    const base = 1_780_000_200_000;
    const realized = { intervalMs: 1_800_000, bars: [0, 1, 2].map((k) => ({ ts: base + k * 1_800_000, open: 1, high: 1, low: 1, close: 1, realizedLongUsd: 10 + k, realizedShortUsd: 20 + k })) };
    const perBar = runBacktest(request(series, { params: { ...HAND, churnPerHour: 0.05, entryPoints: 5 } }));
    const agg = runBacktest(request(series, { params: { ...HAND, churnPerHour: 0.05, entryPoints: 5 }, realized }));
    expect(agg.intervalMs).toBe(1_800_000);
    expect(agg.rows.map((r) => r.ts)).toEqual([base + 1_800_000]);
    const inInterval = perBar.rows.filter((r) => r.ts >= base + 1_800_000 && r.ts < base + 3_600_000);
    expect(inInterval).toHaveLength(6);
    const sum = (f: (r: (typeof inInterval)[number]) => number) => inInterval.reduce((s, r) => s + f(r), 0);
    const row = agg.rows[0]!;
    expect(row.predLongUsd).toBeCloseTo(sum((r) => r.predLongUsd), 6);
    expect(row.predShortUsd).toBeCloseTo(sum((r) => r.predShortUsd), 6);
    expect(row.naiveLongUsd).toBeCloseTo(sum((r) => r.naiveLongUsd), 6);
    expect(row.naiveShortUsd).toBeCloseTo(sum((r) => r.naiveShortUsd), 6);
    expect(row.realizedLongUsd).toBe(11);
    expect(row.realizedShortUsd).toBe(21);
  });

  it('refuses realized data that do not overlap the bars, and bars without open interest', () => {
    const far = { intervalMs: 1_800_000, bars: [{ ts: 1_700_000_000_000 - (1_700_000_000_000 % 1_800_000), open: 1, high: 1, low: 1, close: 1, realizedLongUsd: 1, realizedShortUsd: 1 }], name: 'old.csv' };
    expect(() => runBacktest(request(bars, { realized: far }))).toThrow(ModelInputError);
    expect(() => runBacktest(request(bars, { realized: far }))).toThrow(/old\.csv \(2023-11-14 .* UTC\) does not overlap the bars \(2026-/);
    const noOi = bars.map(({ oi: _oi, ...rest }) => rest);
    expect(() => runBacktest(request(noOi))).toThrow(/carry no open interest/);
    const finer = { intervalMs: 60_000, bars: far.bars, name: 'finer.csv' };
    expect(() => runBacktest(request(bars, { realized: finer }))).toThrow(/not a whole multiple of the 5m bars/);
  });
});

describe('backtest across venues and on the command line', () => {
  it('sums the venues’ predictions and baselines per interval', () => {
    const sample = sampleSeries();
    const bars = sample.bars.slice(0, 600);
    const other = bars.map((b) => ({ ...b, oiUsd: b.oiUsd! * 0.5 }));
    const one = (series: typeof sample) => runBacktest({ venues: [{ series, spec: DEFAULT_VENUE_SPEC }] });
    const a = one({ ...sample, bars });
    const b = one({ ...sample, venue: 'bybit', bars: other });
    const both = runBacktest({
      venues: [
        { series: { ...sample, bars }, spec: DEFAULT_VENUE_SPEC },
        { series: { ...sample, venue: 'bybit', bars: other }, spec: DEFAULT_VENUE_SPEC },
      ],
    });
    expect(both.rows).toHaveLength(a.rows.length);
    for (let i = 0; i < both.rows.length; i += 37) {
      expect(both.rows[i]!.predLongUsd).toBeCloseTo(a.rows[i]!.predLongUsd + b.rows[i]!.predLongUsd, 3);
      expect(both.rows[i]!.naiveShortUsd).toBeCloseTo(a.rows[i]!.naiveShortUsd + b.rows[i]!.naiveShortUsd, 3);
    }
  });

  it('writes unknown values as empty cells', () => {
    const row = { ts: 1, predLongUsd: 1.234, predShortUsd: 0, naiveLongUsd: 2, naiveShortUsd: 3, realizedLongUsd: null, realizedShortUsd: null, oiUsd: 5e9, calibratedLongUsd: null, calibratedShortUsd: null };
    expect(formatBacktestCsv([row])).toBe(`${BACKTEST_CSV_HEADER}\n1,1.23,0,2,3,,,5000000000,,\n`);
    expect(formatBacktestCsv([{ ...row, oiUsd: null, calibratedLongUsd: 0.456, calibratedShortUsd: 7 }])).toBe(`${BACKTEST_CSV_HEADER}\n1,1.23,0,2,3,,,,0.46,7\n`);
  });

  it('reads model parameters from options', () => {
    expect(parseLeverageTiers('5:15, 10x:30%,125:5')).toEqual([
      { leverage: 5, weight: 0.15 },
      { leverage: 10, weight: 0.3 },
      { leverage: 125, weight: 0.05 },
    ]);
    expect(
      modelParamsFromArgs({ churn: '3', seed: 'empty', 'seed-spread': '2%', 'entry-points': '9', 'entry-spread': '0.2', 'leverage-spread': '1.25x', side: 'candle' }),
    ).toEqual({
      churnPerHour: 0.03,
      seed: 'empty',
      seedSpread: 0.02,
      entryPoints: 9,
      entrySpread: 0.002,
      leverageSpread: 1.25,
      sideAttribution: 'candle',
    });
    expect(() => parseLeverageTiers('ten:30')).toThrow(/leverage:weight/);
    expect(() => modelParamsFromArgs({ seed: 'full' })).toThrow(/not one of oi, empty/);
    expect(() => modelParamsFromArgs({ side: 'maker' })).toThrow(/not one of taker, candle, neutral/);
  });
});

describe('backtest on the development set', () => {
  const request = (): BacktestRequest => ({ venues: [{ series: sampleSeries(), spec: DEFAULT_VENUE_SPEC }], realized: devRealized() });

  it('is deterministic: the same input gives byte-identical CSV', () => {
    const a = formatBacktestCsv(runBacktest(request()).rows);
    const b = formatBacktestCsv(runBacktest(request()).rows);
    expect(a).toBe(b);
    expect(a.split('\n')[0]).toBe(BACKTEST_CSV_HEADER);
  });

  it('scores the 672 half-hours of the overlap, and the model beats the naive baseline on all four measures', () => {
    const r = runBacktest(request());
    const s = r.scores!;
    expect(s.intervals).toBe(672);
    expect(r.rows[0]!.ts).toBe(Date.parse('2026-05-25T16:00:00Z'));
    expect(r.rows[r.rows.length - 1]!.ts).toBe(Date.parse('2026-06-08T15:30:00Z'));
    for (const side of ['long', 'short'] as const) {
      expect(s.model[side].spearman!).toBeGreaterThan(s.naive[side].spearman!);
      expect(s.model[side].topShare!).toBeGreaterThan(s.naive[side].topShare!);
    }
  });

  it('liqmap backtest prints the README figures (golden) and writes the CSV', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liqmap-bt-'));
    const out = join(dir, 'bt.csv');
    const r = await cli('backtest', '--source', 'sample', '--realized', DEV_REALIZED, '--out', out);
    expect(r.code).toBe(0);
    const { expected, actual } = expectGoldenText(join(import.meta.dirname, 'golden', 'backtest-btc-dev.txt'), `${r.out}\n`);
    expect(actual).toBe(expected);
    const csv = readFileSync(out, 'utf8').trim().split('\n');
    expect(csv[0]).toBe(BACKTEST_CSV_HEADER);
    expect(csv).toHaveLength(673);
  });

  it('liqmap backtest explains bad input', async () => {
    expect((await cli('backtest', '--source', 'sample', '--realized', '/nonexistent.csv')).err).toMatch(/--realized \/nonexistent\.csv: no such file/);
    expect((await cli('backtest', '--source', 'sample', '--churn', 'lots')).err).toMatch(/--churn "lots" is not a number/);
    expect((await cli('backtest', '--source', 'sample', '--leverage', '10:0')).code).toBe(2);
    const r = await cli('backtest', '--source', 'sample');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/no realized liquidations in the input/);
  });

  it('liqmap backtest --out carries the calibrated columns of the shipped calibration, and none without it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liqmap-bt-'));
    const out = join(dir, 'bt.csv');
    expect((await cli('backtest', '--source', 'sample', '--realized', DEV_REALIZED, '--out', out)).code).toBe(0);
    const header = BACKTEST_CSV_HEADER.split(',');
    const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const col = (name: string) => rows.map((r) => Number(r[header.indexOf(name)]));
    expect(header.slice(-3)).toEqual(['oi_usd', 'calibrated_long_usd', 'calibrated_short_usd']);
    // Calibrated from the prediction: more predicted (as a share of OI), more calibrated, never less
    // (up to the CSV's rounding to the cent).
    const share = (i: number, side: 'long' | 'short') => col(`pred_${side}_usd`)[i]! / col('oi_usd')[i]!;
    for (const side of ['long', 'short'] as const) {
      const cal = col(`calibrated_${side}_usd`);
      expect(cal.every((v) => v > 0)).toBe(true);
      const order = rows.map((_, i) => i).sort((a, b) => share(a, side) - share(b, side));
      for (let k = 1; k < order.length; k++) expect(cal[order[k]!]! / col('oi_usd')[order[k]!]!).toBeGreaterThanOrEqual((cal[order[k - 1]!]! / col('oi_usd')[order[k - 1]!]!) * (1 - 1e-6));
      // Far below the model's own dollars: the point of calibrating.
      expect(cal.reduce((s, v) => s + v, 0)).toBeLessThan(col(`pred_${side}_usd`).reduce((s, v) => s + v, 0) / 2);
    }
    const none = join(dir, 'none.csv');
    expect((await cli('backtest', '--source', 'sample', '--realized', DEV_REALIZED, '--calibration', 'none', '--out', none)).code).toBe(0);
    expect(readFileSync(none, 'utf8').split('\n')[1]).toMatch(/,$/);
    // Other model parameters: the calibration does not hold and says so; the columns stay empty.
    const other = await cli('backtest', '--source', 'sample', '--realized', DEV_REALIZED, '--churn', '4');
    expect(other.out).toMatch(/calibration btc-dev-2026-06: not applied \(calibration btc-dev-2026-06 was fitted with other model parameters\)/);
  });

  it('liqmap backtest --reliability draws calibrated against realized, and explains when it cannot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liqmap-bt-'));
    const png = join(dir, 'rel.png');
    const r = await cli('backtest', '--source', 'sample', '--realized', DEV_REALIZED, '--from', '2026-06-01T16:00Z', '--reliability', png);
    expect(r.code).toBe(0);
    expect(readFileSync(png).subarray(1, 4).toString('latin1')).toBe('PNG');
    const refused = await cli('backtest', '--source', 'sample', '--reliability', png, '--calibration', 'none');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--reliability needs realized liquidations and a calibration that holds/);
    const missing = await cli('backtest', '--source', 'sample', '--calibration', '/nonexistent.json');
    expect(missing.err).toMatch(/calibration \/nonexistent.json: no such file/);
  });

  it('liqmap calibrate, run as the shipped file says it was, writes the shipped file byte for byte', async () => {
    const shipped = readFileSync(DEFAULT_CALIBRATION_FILE, 'utf8');
    const command = (JSON.parse(shipped) as { origin: { command: string } }).origin.command.split(' ');
    expect(command.slice(0, 2)).toEqual(['liqmap', 'calibrate']);
    const out = join(mkdtempSync(join(tmpdir(), 'liqmap-cal-')), 'cal.json');
    const r = await cli(...command.slice(1), '--out', out);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(shipped);
    // What it prints: the fit, then realized ÷ calibrated on the tuning and the held-out week.
    expect(r.out).toMatch(/^calibration btc-dev-2026-06 · BTCUSDT · 30-minute intervals · fitted 2026-05-25T16:00Z → 2026-06-01T16:00Z$/m);
    expect(r.out).toMatch(/^tuning: 336 intervals 2026-05-25T16:00Z → 2026-06-01T16:00Z$/m);
    expect(r.out).toMatch(/^held out: 336 intervals 2026-06-01T16:00Z → 2026-06-08T16:00Z$/m);
  });

  it('liqmap calibrate explains bad input', async () => {
    expect((await cli('calibrate', '--source', 'sample', '--realized', DEV_REALIZED)).err).toMatch(/--realized and --to are needed/);
    expect((await cli('calibrate', '--source', 'sample', '--realized', DEV_REALIZED, '--to', '2020-01-01T00:00Z')).err).toMatch(/no interval with realized values before 2020-01-01 00:00 UTC/);
    expect((await cli('calibrate', '--source', 'sample', '--realized', DEV_REALIZED, '--to', '2026-06-01T16:00Z', '--oi-share', '150')).err).toMatch(/--oi-share "150" must be a percentage above 0 and at most 100/);
  });

  it('liqmap backtest --plot draws a PNG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liqmap-bt-'));
    const png = join(dir, 'bt.png');
    const r = await cli('backtest', '--source', 'sample', '--realized', DEV_REALIZED, '--plot', png, '--from', '2026-06-01T00:00Z');
    expect(r.code).toBe(0);
    expect(readFileSync(png).subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});
