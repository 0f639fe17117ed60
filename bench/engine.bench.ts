// Engine cost: the cohort ledger over 30 days of 5-minute bars (8,640) for one venue and three, and at
// 4× and 16× the bars; plus buildMap as the product calls it (30d window, resampled to 1h).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gridFor, runLedger } from '../src/analysis/ledger.js';
import { buildMap } from '../src/analysis/build-map.js';
import { defaultParams, DEFAULT_VENUE_SPEC } from '../src/analysis/params.js';
import type { Bar, BarSeries } from '../src/analysis/types.js';
import { parseBarsCsv } from '../src/market/bars-csv.js';
import { SAMPLE_DIR } from '../src/paths.js';
import { median } from './stats.js';

const sample = parseBarsCsv(readFileSync(join(SAMPLE_DIR, 'binance-BTCUSDT-5m.csv'), 'utf8')).bars;

/** The real sample repeated end to end, each repeat rescaled to start where the last one ended. */
function bars(count: number): Bar[] {
  const out: Bar[] = [];
  let scale = 1;
  let oiScale = 1;
  const step = 300_000;
  while (out.length < count) {
    const prev = out[out.length - 1];
    if (prev) {
      scale = prev.close / sample[0]!.open;
      oiScale = prev.oiUsd! / sample[0]!.oiUsd!;
    }
    for (const b of sample) {
      if (out.length >= count) break;
      out.push({
        ts: sample[0]!.ts + out.length * step,
        open: b.open * scale,
        high: b.high * scale,
        low: b.low * scale,
        close: b.close * scale,
        netTakerVolume: b.netTakerVolume,
        oiUsd: b.oiUsd! * oiScale,
      });
    }
  }
  return out;
}

/** Median wall time; the median CPU time of this thread is kept in lastCpuMs (steadier on a busy machine). */
let lastCpuMs = 0;
function time(fn: () => void, runs: number): number {
  for (let i = 0; i < 3; i++) fn(); // warm-up
  const t: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  lastCpuMs = median(cpu);
  return median(t);
}

const params = defaultParams('30d');
function ledgerRun(b: Bar[], venues: number): void {
  const grid = gridFor([{ bars: b, spec: DEFAULT_VENUE_SPEC }], params);
  for (let v = 0; v < venues; v++) runLedger(b, 300_000, DEFAULT_VENUE_SPEC, params, grid);
}

const gc = (globalThis as { gc?: () => void }).gc;
console.log('cohort ledger, 5-minute bars, median of runs after 3 warm-ups');
console.log('bars      venues  median ms   cpu ms   ms per 1k bars·venue');
const base = 8_640;
for (const mult of [1, 4, 16]) {
  const b = bars(base * mult);
  for (const venues of [1, 3]) {
    gc?.();
    const ms = time(() => ledgerRun(b, venues), mult === 16 ? 5 : 15);
    console.log(
      `${String(b.length).padEnd(9)} ${String(venues).padEnd(7)} ${ms.toFixed(2).padStart(9)} ${lastCpuMs.toFixed(2).padStart(8)}   ${((ms / (b.length * venues)) * 1000).toFixed(3)}`,
    );
  }
}

// buildMap as the bot calls it: three venues, 30d window → resampled to 720 hourly bars each.
const month = bars(base);
const series = (venue: string): BarSeries => ({ venue, symbol: 'BTCUSDT', intervalMs: 300_000, bars: month });
const req = { symbol: 'BTCUSDT', window: '30d' as const, venues: ['binance', 'bybit', 'okx'].map((v) => ({ series: series(v), spec: DEFAULT_VENUE_SPEC })) };
gc?.();
const heapBefore = process.memoryUsage().heapUsed;
let peakHeap = heapBefore;
const mapMs = time(() => {
  buildMap(req);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}, 15);
const mapCpu = lastCpuMs;
const req7 = { ...req, window: '7d' as const };
const map7Ms = time(() => buildMap(req7), 15);
console.log(`\nbuildMap 3 venues, 30d window from 5m bars (resample + ledger on 720 1h bars + map): median ${mapMs.toFixed(2)} ms (cpu ${mapCpu.toFixed(2)} ms)`);
console.log(`buildMap 3 venues, 7d window from 5m bars (resample + ledger on 672 15m bars + map): median ${map7Ms.toFixed(2)} ms (cpu ${lastCpuMs.toFixed(2)} ms)`);
console.log(`heap: ${(heapBefore / 1e6).toFixed(1)} MB before, peak ${(peakHeap / 1e6).toFixed(1)} MB while building maps`);

gc?.();
const before = process.memoryUsage();
let peakRss = before.rss;
let peakLedgerHeap = before.heapUsed;
const big = bars(base * 16);
for (let i = 0; i < 3; i++) {
  ledgerRun(big, 3);
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakLedgerHeap = Math.max(peakLedgerHeap, m.heapUsed);
}
console.log(`ledger at 16× (138,240 bars × 3 venues): peak heap ${(peakLedgerHeap / 1e6).toFixed(1)} MB, peak RSS ${(peakRss / 1e6).toFixed(1)} MB (the bars themselves included)`);
