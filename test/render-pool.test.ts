// The render pool: pictures come back from worker threads, a full queue says "busy", a crashed or
// stuck worker is replaced and the next render works. The workers run the build's
// dist/src/render/worker.js (`npm test` builds first).
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createRenderPool, RenderBusyError, RenderFailedError, type RenderPool } from '../src/render/render-pool.js';
import { fixtureHeatmap, fixtureMap, readPng } from './render-fixtures.js';

const crashWorker = fileURLToPath(new URL('./fixtures/render-crash-worker.mjs', import.meta.url));
const pools: RenderPool[] = [];
function pool(options: Parameters<typeof createRenderPool>[0]): RenderPool {
  const p = createRenderPool(options);
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

describe('render pool', () => {
  it('renders maps and heatmaps in worker threads', async () => {
    const p = pool({ size: 2 });
    const [map, heat] = await Promise.all([p.renderMap(fixtureMap()), p.renderHeatmap(fixtureHeatmap(), { width: 800, height: 450 })]);
    expect([readPng(map).width, readPng(map).height]).toEqual([1200, 675]);
    expect([readPng(heat).width, readPng(heat).height]).toEqual([800, 450]);
    expect(p.stats()).toMatchObject({ rendered: 2, failed: 0, workers: 2 });
  });

  it('rejects work with RenderBusyError when the queue is full, and serves the rest', async () => {
    const p = pool({ size: 1, maxQueue: 1 });
    const first = p.renderMap(fixtureMap());
    const second = p.renderMap(fixtureMap());
    const third = p.renderMap(fixtureMap());
    await expect(third).rejects.toBeInstanceOf(RenderBusyError);
    await expect(third).rejects.toThrow(/busy/);
    expect((await first).length).toBeGreaterThan(1000);
    expect((await second).length).toBeGreaterThan(1000);
    expect(p.stats().rejectedBusy).toBe(1);
    // Room again once the queue drained.
    expect((await p.renderMap(fixtureMap())).length).toBeGreaterThan(1000);
  });

  it('survives a worker that crashes: the job fails, the next render works', async () => {
    const p = pool({ size: 1, workerFile: crashWorker });
    await expect(p.renderMap(withSymbol('CRASH'))).rejects.toBeInstanceOf(RenderFailedError);
    const png = await p.renderMap(fixtureMap());
    expect(readPng(png).width).toBe(1200);
    expect(p.stats().workerRestarts).toBeGreaterThanOrEqual(1);
  });

  it('abandons a stuck render after its timeout and replaces the worker', async () => {
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
    await expect(p.renderMap(fixtureMap())).rejects.toBeInstanceOf(RenderFailedError);
  });
});
