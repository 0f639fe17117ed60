// Picture costs (issue 3 targets): map render + PNG encode; a 7-day heatmap at 15 minutes with ~300 price
// rows; throughput through the worker pool; resident memory over 2,000 pooled renders; event-loop delay on
// the main thread while 20 renders run. Inputs are built from the bundled sample.
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildHeatmap, buildMap } from '../src/analysis/build-map.js';
import { toModelRequest } from '../src/market/market-data.js';
import { RecordedMarketData } from '../src/market/recorded-market-data.js';
import { withHeatmapPicture } from '../src/render/heatmap-picture.js';
import { withMapPicture } from '../src/render/map-picture.js';
import { encodePng } from '../src/render/png.js';
import { createWorkPool } from '../src/workers/work-pool.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;
const mb = (bytes: number) => `${Math.round(bytes / 1e6) + 0} MB`;

const req7 = toModelRequest(await new RecordedMarketData('sample').getSeries({ symbol: 'btc', window: '7d' }), { window: '7d' });
const map = buildMap(req7);
// A finer bucket than the default (0.25%) gives the ~300 price rows of the target.
const heatmap = buildHeatmap({ ...req7, params: { ...req7.params, bucketFraction: 0.001 } });

/** In-thread renders, one per event-loop turn (as a worker does), split into draw and encode. */
async function inThread(label: string, runs: number, draw: (use: (c: Parameters<typeof encodePng>[0]) => number) => number) {
  const total: number[] = [];
  const encode: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs + 5; i++) {
    const t0 = performance.now();
    const enc = draw((canvas) => {
      const e0 = performance.now();
      bytes = encodePng(canvas).length;
      return performance.now() - e0;
    });
    const t = performance.now() - t0;
    if (i >= 5) {
      total.push(t);
      encode.push(enc);
    }
    await tick();
  }
  console.log(
    `${label.padEnd(44)} median ${ms(quantile(total, 0.5))} (draw ${ms(quantile(total, 0.5) - quantile(encode, 0.5))}, encode ${ms(quantile(encode, 0.5))}), p95 ${ms(quantile(total, 0.95))}, PNG ${Math.round(bytes / 1024)} KB`,
  );
  return quantile(total, 0.5);
}

// Other work on the machine slows every figure here: say how busy it was.
console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at start`);
console.log(`inputs: map of ${map.buckets.length} buckets; heatmap ${heatmap.ts.length} columns × ${heatmap.rows} rows`);
const pool = createWorkPool({ size: 2, maxQueue: 64 });
// Warm the workers (fonts, chart.js) before measuring.
await Promise.all(Array.from({ length: 4 }, () => pool.renderMap(map)));

async function throughput(count: number, inFlight: number): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next++;
      await pool.renderMap(map);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return count / ((performance.now() - t0) / 1000);
}
const rate = await throughput(400, 8);
console.log(`pool of 2 workers, 400 maps, 8 in flight: ${rate.toFixed(1)} maps/s`);

const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 4 === 3 ? pool.renderHeatmap(heatmap) : pool.renderMap(map))));
delay.disable();
const p99 = delay.percentile(99) / 1e6;
console.log(`event-loop delay on the main thread while 20 renders run (15 maps, 5 heatmaps): p99 ${ms(p99)}, max ${ms(delay.max / 1e6)}`);

const gc = (globalThis as { gc?: () => void }).gc;
const rssAt: Record<number, number> = {};
const t0 = performance.now();
let done = 0;
const lane = async () => {
  while (done < 2000) {
    const n = ++done;
    await (n % 10 === 0 ? pool.renderHeatmap(heatmap) : pool.renderMap(map));
    if (n % 250 === 0 || n === 200) {
      gc?.();
      rssAt[n] = process.memoryUsage().rss;
    }
  }
};
await Promise.all(Array.from({ length: 8 }, lane));
const growth = rssAt[2000]! - rssAt[200]!;
console.log(
  `2,000 pooled renders (1 in 10 a heatmap) in ${((performance.now() - t0) / 1000).toFixed(1)} s; process RSS (main + workers) after n renders: ${Object.entries(rssAt)
    .map(([n, rss]) => `${n}: ${mb(rss)}`)
    .join(', ')}; growth ${mb(growth)} from 200 to 2,000`,
);
await pool.close();

// In-thread last, so its garbage does not sit in the pool's memory figures.
const mapMedian = await inThread('map 1200×675, in thread, incl. PNG', 100, (use) => withMapPicture(map, {}, use));
const heatMedian = await inThread('heatmap 7d/15m 1200×675, in thread, incl. PNG', 40, (use) => withHeatmapPicture(heatmap, {}, use));


console.log(`load average at end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('\ntargets: map ≤ 35 ms; heatmap ≤ 80 ms; pool ≥ 40 maps/s; RSS growth < 50 MB over 2,000; p99 delay < 30 ms');
console.log(
  `result:  map ${ms(mapMedian)}; heatmap ${ms(heatMedian)}; pool ${rate.toFixed(1)} maps/s; RSS growth ${mb(growth)}; p99 ${ms(p99)}`,
);
