// A render worker thread: one job at a time, each answered in its own event-loop turn so node-canvas
// finalizers run between renders and native memory stays flat.
import { parentPort } from 'node:worker_threads';
import { setupChartJs } from './chartjs.js';
import { renderHeatmapPng } from './heatmap-picture.js';
import { renderMapPng } from './map-picture.js';
import type { RenderJob, RenderResult, WorkerReady } from './worker-protocol.js';

if (!parentPort) throw new Error('src/render/worker.ts runs only as a worker thread (see render-pool.ts)');
const port = parentPort;

setupChartJs();
port.postMessage({ ready: true } satisfies WorkerReady);

port.on('message', (job: RenderJob) => {
  let result: RenderResult;
  try {
    const png = job.kind === 'map' ? renderMapPng(job.map, job.opts) : renderHeatmapPng(job.heatmap, job.opts);
    // A copy with its own ArrayBuffer can be transferred instead of cloned.
    const bytes = new Uint8Array(png.length);
    bytes.set(png);
    result = { id: job.id, ok: true, png: bytes };
    port.postMessage(result, [bytes.buffer]);
    return;
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    result = { id: job.id, ok: false, error: { name: e.name, message: e.message } };
  }
  port.postMessage(result);
});
