// The bot's CPU work off the event loop: model runs and pictures in a pool of worker threads.
// node-canvas must be loaded by the main thread too: when a worker that loaded it exits first, the
// native module's teardown takes the whole process down.
import 'canvas';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { ModelInputError, type ModelRequest } from '../analysis/build-map.js';
import type { Crossing } from '../analysis/cascades.js';
import type { MapComparison } from '../analysis/compare.js';
import type { MeasuredMap, MeasuredOverlay } from '../analysis/measured-map.js';
import type { BarSeries, Heatmap, LiquidationMap } from '../analysis/types.js';
import type { ModelRunner } from '../maps/model-runner.js';
import type { Renderer } from '../maps/map-pipeline.js';
import { PROJECT_ROOT } from '../paths.js';
import type { PictureOptions } from '../render/map-picture.js';
import { packSeries, type PackedSeries } from './packed-bars.js';
import { createPool, WorkFailedError, type PoolStats } from './pool.js';
import type { PackedModelRequest } from './protocol.js';

export interface WorkPool extends Renderer, ModelRunner {
  renderMap(map: LiquidationMap, opts?: PictureOptions): Promise<Buffer>;
  renderHeatmap(heatmap: Heatmap, overlay?: MeasuredOverlay, opts?: PictureOptions): Promise<Buffer>;
  renderCompare(comparison: MapComparison, map: LiquidationMap, opts?: PictureOptions): Promise<Buffer>;
  renderMeasured(estimate: LiquidationMap, measured: MeasuredMap, measuredFacts: string, opts?: PictureOptions): Promise<Buffer>;
  stats(): PoolStats;
  /** Rejects queued work, lets running jobs finish, then stops the workers. */
  close(): Promise<void>;
}

export interface WorkPoolOptions {
  /** Worker threads; default min(2, available cores). */
  size?: number;
  /** Jobs waiting for a worker beyond which callers get WorkBusyError; default 32. */
  maxQueue?: number;
  /** A job running longer is abandoned and its worker replaced; default 20 s. */
  timeoutMs?: number;
  /** The compiled worker file; default: found next to this module or under dist/ (see workerFile()). */
  workerFile?: string;
  log?: Pick<Logger, 'warn' | 'error'>;
}

/**
 * The worker's compiled JavaScript. From dist/ it sits next to this file; under vitest this module is
 * TypeScript and Node cannot run a .ts worker, so the build's copy (dist/src/workers/worker.js, made by
 * `npm run build`, which `npm test` runs first) is used.
 */
export function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) {
    const sibling = join(dirname(here), 'worker.js');
    if (existsSync(sibling)) return sibling;
  }
  const built = join(PROJECT_ROOT, 'dist', 'src', 'workers', 'worker.js');
  if (existsSync(built)) return built;
  throw new Error(`liqmap: the worker ${built} is not built; run npm run build`);
}

/**
 * Packs each series once: the maps of one series key (several ranges, the heatmap, the crossings) get
 * the same BarSeries from the pipeline, so the packed copy is kept beside it and cloned (a memcpy) per
 * job rather than transferred.
 */
function packer(): (series: BarSeries) => PackedSeries {
  const packed = new WeakMap<BarSeries, PackedSeries>();
  return (series) => {
    let p = packed.get(series);
    if (!p) packed.set(series, (p = packSeries(series)));
    return p;
  };
}

/** A failure the model explained (the data cannot answer) comes back as the ModelInputError it was. */
function modelError(err: unknown): never {
  if (err instanceof WorkFailedError && err.cause?.name === 'ModelInputError') throw new ModelInputError(err.cause.message);
  throw err;
}

export function createWorkPool(options: WorkPoolOptions = {}): WorkPool {
  const pool = createPool({
    file: options.workerFile ?? workerFile(),
    size: Math.max(1, options.size ?? Math.min(2, availableParallelism())),
    maxQueue: Math.max(0, options.maxQueue ?? 32),
    timeoutMs: options.timeoutMs ?? 20_000,
    log: options.log,
  });
  const png = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pack = packer();
  const packRequest = (r: ModelRequest): PackedModelRequest => ({ ...r, venues: r.venues.map((v) => ({ series: pack(v.series), spec: v.spec })) });
  return {
    renderMap: async (map, opts = {}) => png(await pool.submit<Uint8Array>('render-map', { map, opts })),
    renderHeatmap: async (heatmap, overlay, opts = {}) => png(await pool.submit<Uint8Array>('render-heatmap', { heatmap, opts, ...(overlay ? { overlay } : {}) })),
    renderCompare: async (comparison, map, opts = {}) => png(await pool.submit<Uint8Array>('render-compare', { comparison, map, opts })),
    renderMeasured: async (estimate, measured, measuredFacts, opts = {}) => png(await pool.submit<Uint8Array>('render-measured', { estimate, measured, measuredFacts, opts })),
    buildMap: (r) => pool.submit<LiquidationMap>('model-map', { request: packRequest(r) }).catch(modelError),
    buildHeatmap: (r) => pool.submit<Heatmap>('model-heatmap', { request: packRequest(r) }).catch(modelError),
    recentCrossings: (series, spec, at) => pool.submit<Crossing[]>('model-crossings', { series: pack(series), spec, at }).catch(modelError),
    stats: () => pool.stats(),
    close: () => pool.close(),
  };
}
