// A worker thread of the work pool: model runs and pictures, one job at a time, each answered in its own
// event-loop turn so node-canvas finalizers run between renders and native memory stays flat.
import { parentPort } from 'node:worker_threads';
import { buildHeatmap, buildMap, type ModelRequest } from '../analysis/build-map.js';
import { recentCrossings } from '../analysis/cascades.js';
import { setupChartJs } from '../render/chartjs.js';
import { renderComparePng } from '../render/compare-picture.js';
import { renderHeatmapPng } from '../render/heatmap-picture.js';
import { renderMapPng } from '../render/map-picture.js';
import { renderMeasuredPng } from '../render/measured-picture.js';
import { unpackSeries } from './packed-bars.js';
import type { Job, JobFailure, JobResult, PackedModelRequest, WorkerReady } from './protocol.js';

if (!parentPort) throw new Error('src/workers/worker.ts runs only as a worker thread (see work-pool.ts)');
const port = parentPort;

setupChartJs();
port.postMessage({ ready: true } satisfies WorkerReady);

function unpackRequest(r: PackedModelRequest): ModelRequest {
  return { ...r, venues: r.venues.map((v) => ({ series: unpackSeries(v.series), spec: v.spec })) };
}

/** A copy with its own ArrayBuffer, so it can be transferred instead of cloned. */
function ownBytes(png: Buffer): Uint8Array {
  const bytes = new Uint8Array(png.length);
  bytes.set(png);
  return bytes;
}

function run(job: Job): { value: unknown; transfer: ArrayBuffer[] } {
  switch (job.kind) {
    case 'render-map': {
      const bytes = ownBytes(renderMapPng(job.map, job.opts));
      return { value: bytes, transfer: [bytes.buffer as ArrayBuffer] };
    }
    case 'render-heatmap': {
      const bytes = ownBytes(renderHeatmapPng(job.heatmap, job.opts, job.overlay));
      return { value: bytes, transfer: [bytes.buffer as ArrayBuffer] };
    }
    case 'render-compare': {
      const bytes = ownBytes(renderComparePng(job.comparison, job.map, job.opts));
      return { value: bytes, transfer: [bytes.buffer as ArrayBuffer] };
    }
    case 'render-measured': {
      const bytes = ownBytes(renderMeasuredPng({ estimate: job.estimate, measured: job.measured, measuredFacts: job.measuredFacts }, job.opts));
      return { value: bytes, transfer: [bytes.buffer as ArrayBuffer] };
    }
    case 'model-map':
      return { value: buildMap(unpackRequest(job.request)), transfer: [] };
    case 'model-heatmap': {
      const heatmap = buildHeatmap(unpackRequest(job.request));
      return { value: heatmap, transfer: [heatmap.usd.buffer as ArrayBuffer] };
    }
    case 'model-crossings':
      return { value: recentCrossings(unpackSeries(job.series), job.spec, job.at), transfer: [] };
  }
}

port.on('message', (job: Job) => {
  try {
    const { value, transfer } = run(job);
    port.postMessage({ id: job.id, ok: true, value } satisfies JobResult, transfer);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    port.postMessage({ id: job.id, ok: false, error: { name: e.name, message: e.message } } satisfies JobFailure);
  }
});
