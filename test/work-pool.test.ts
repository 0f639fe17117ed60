// The work pool: model runs and pictures come back from worker threads with the same answers as in the
// calling thread; a full queue says "busy"; a crashed or stuck worker is replaced and the next job works.
// The workers run the build's dist/src/workers/worker.js (`npm test` builds first).
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHeatmap, buildMap, ModelInputError, type ModelRequest } from '../src/analysis/build-map.js';
import { recentCrossings } from '../src/analysis/cascades.js';
import { venueSpecFor } from '../src/market/venue-specs.js';
import { packSeries, unpackSeries } from '../src/workers/packed-bars.js';
import { WorkBusyError, WorkFailedError } from '../src/workers/pool.js';
import { createWorkPool, type WorkPool } from '../src/workers/work-pool.js';
import { sampleSeries } from './helpers/sample.js';
import { fixtureHeatmap, fixtureMap, readPng } from './render-fixtures.js';

const crashWorker = fileURLToPath(new URL('./fixtures/crash-worker.mjs', import.meta.url));
const pools: WorkPool[] = [];
function pool(options: Parameters<typeof createWorkPool>[0]): WorkPool {
  const p = createWorkPool(options);
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function withSymbol(symbol: string) {
  const m = fixtureMap();
  return { ...m, meta: { ...m.meta, symbol } };
}

const request = (window: ModelRequest['window'] = '7d'): ModelRequest => ({
  symbol: 'BTCUSDT',
  window,
  venues: [{ series: sampleSeries(), spec: venueSpecFor('binance', 'BTCUSDT') }],
  params: { range: 0.1 },
  venuesFailed: [{ venue: 'okx', reason: 'not in source sample' }],
  sourceNotes: ['a note'],
});

describe('packed bars', () => {
  it('round-trip the real sample exactly, unknown fields staying unknown', () => {
    const series = sampleSeries();
    const back = unpackSeries(packSeries(series));
    expect(back).toEqual(series);
    expect(back.bars[0]).not.toHaveProperty('volume');
  });
});

describe('work pool', () => {
  it('runs the model in a worker with the same answer as in this thread', async () => {
    const p = pool({ size: 2 });
    const [map, heatmap] = await Promise.all([p.buildMap(request()), p.buildHeatmap(request('1d'))]);
    expect(map).toEqual(buildMap(request()));
    const here = buildHeatmap(request('1d'));
    expect(heatmap.usd).toBeInstanceOf(Float64Array);
    expect(Array.from(heatmap.usd)).toEqual(Array.from(here.usd));
    expect({ ...heatmap, usd: null }).toEqual({ ...here, usd: null });
    const at = Date.parse('2026-06-19T12:00:00Z');
    expect(await p.recentCrossings(sampleSeries(), venueSpecFor('binance', 'BTCUSDT'), at)).toEqual(recentCrossings(sampleSeries(), venueSpecFor('binance', 'BTCUSDT'), at));
  });

  it('brings back a ModelInputError as itself, so the pipeline can explain it', async () => {
    const p = pool({ size: 1 });
    const empty = { ...request(), venues: [] };
    await expect(p.buildMap(empty)).rejects.toBeInstanceOf(ModelInputError);
    await expect(p.buildMap(empty)).rejects.toThrow(/no venue has data for BTCUSDT/);
  });

  it('renders maps and heatmaps in worker threads', async () => {
    const p = pool({ size: 2 });
    const [map, heat] = await Promise.all([p.renderMap(fixtureMap()), p.renderHeatmap(fixtureHeatmap(), undefined, { width: 800, height: 450 })]);
    expect([readPng(map).width, readPng(map).height]).toEqual([1200, 675]);
    expect([readPng(heat).width, readPng(heat).height]).toEqual([800, 450]);
    expect(p.stats()).toMatchObject({ done: 2, failed: 0, workers: 2 });
  });

  it('rejects work with WorkBusyError when the queue is full, and serves the rest', async () => {
    const p = pool({ size: 1, maxQueue: 1 });
    const first = p.renderMap(fixtureMap());
    const second = p.buildMap(request());
    const third = p.renderMap(fixtureMap());
    await expect(third).rejects.toBeInstanceOf(WorkBusyError);
    await expect(third).rejects.toThrow(/busy/);
    expect((await first).length).toBeGreaterThan(1000);
    expect((await second).meta.symbol).toBe('BTCUSDT');
    expect(p.stats().rejectedBusy).toBe(1);
    // Room again once the queue drained.
    expect((await p.renderMap(fixtureMap())).length).toBeGreaterThan(1000);
  });

  it('survives a worker that crashes: the job fails, the next one works', async () => {
    const p = pool({ size: 1, workerFile: crashWorker });
    await expect(p.renderMap(withSymbol('CRASH'))).rejects.toBeInstanceOf(WorkFailedError);
    const png = await p.renderMap(fixtureMap());
    expect(readPng(png).width).toBe(1200);
    expect(p.stats().workerRestarts).toBeGreaterThanOrEqual(1);
  });

  it('abandons a stuck job after its timeout and replaces the worker', async () => {
    const p = pool({ size: 1, workerFile: crashWorker, timeoutMs: 3000 });
    const stuck = p.renderMap(withSymbol('HANG'));
    const queued = p.renderMap(fixtureMap());
    await expect(stuck).rejects.toThrow(/timed out/);
    expect(readPng(await queued).width).toBe(1200);
  });

  it('rejects queued work on close and refuses new work after it', async () => {
    const p = pool({ size: 1, maxQueue: 4 });
    const running = p.renderMap(fixtureMap());
    const queued = p.renderMap(fixtureMap());
    const closed = p.close();
    await expect(queued).rejects.toThrow(/closed/);
    expect((await running).length).toBeGreaterThan(1000);
    await closed;
    await expect(p.renderMap(fixtureMap())).rejects.toBeInstanceOf(WorkFailedError);
  });
});
