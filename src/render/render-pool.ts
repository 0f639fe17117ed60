// Renders off the event loop: a fixed set of worker threads, a bounded FIFO queue in front of them,
// a clear "busy" error when it is full, and a fresh worker when one crashes or hangs.
// node-canvas must be loaded by the main thread too: when a worker that loaded it exits first, the
// native module's teardown takes the whole process down.
import 'canvas';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Heatmap, LiquidationMap } from '../analysis/types.js';
import { PROJECT_ROOT } from '../paths.js';
import { renderHeatmapPng } from './heatmap-picture.js';
import { renderMapPng, type PictureOptions } from './map-picture.js';
import type { RenderJob, RenderResult, WorkerReady } from './worker-protocol.js';

/** What commands and schedulers need: a map or a heatmap in, PNG bytes out. */
export interface PictureRenderer {
  renderMap(map: LiquidationMap, opts?: PictureOptions): Promise<Buffer>;
  renderHeatmap(heatmap: Heatmap, opts?: PictureOptions): Promise<Buffer>;
}

export interface RenderPoolStats {
  workers: number;
  busy: number;
  queued: number;
  rendered: number;
  failed: number;
  rejectedBusy: number;
  workerRestarts: number;
}

export interface RenderPool extends PictureRenderer {
  stats(): RenderPoolStats;
  /** Rejects queued work, lets running renders finish, then stops the workers. */
  close(): Promise<void>;
}

export interface RenderPoolOptions {
  /** Worker threads; default min(2, available cores). */
  size?: number;
  /** Renders waiting for a worker beyond which callers get RenderBusyError; default 32. */
  maxQueue?: number;
  /** A render running longer is abandoned and its worker replaced; default 20 s. */
  timeoutMs?: number;
  /** The compiled worker file; default: found next to this module or under dist/ (see workerFile()). */
  workerFile?: string;
  log?: Pick<Logger, 'warn' | 'error'>;
}

/** The queue is full: the caller should say "busy, try again" rather than wait. */
export class RenderBusyError extends Error {
  override name = 'RenderBusyError';
  readonly code = 'RENDER_BUSY';
  constructor(readonly queued: number) {
    super(`the picture renderer is busy (${queued} renders waiting); try again in a few seconds`);
  }
}

/** A render did not produce a picture: its worker crashed or hung, the pool closed, or drawing threw. */
export class RenderFailedError extends Error {
  override name = 'RenderFailedError';
  readonly code = 'RENDER_FAILED';
}

/**
 * The worker's compiled JavaScript. From dist/ it sits next to this file; under vitest this module is
 * TypeScript and Node cannot run a .ts worker, so the build's copy (dist/src/render/worker.js, made by
 * `npm run build`, which `npm test` runs first) is used.
 */
export function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) {
    const sibling = join(dirname(here), 'worker.js');
    if (existsSync(sibling)) return sibling;
  }
  const built = join(PROJECT_ROOT, 'dist', 'src', 'render', 'worker.js');
  if (existsSync(built)) return built;
  throw new Error(`liqmap: the render worker ${built} is not built; run npm run build`);
}

type JobInput = { kind: 'map'; map: LiquidationMap; opts: PictureOptions } | { kind: 'heatmap'; heatmap: Heatmap; opts: PictureOptions };

interface PendingJob {
  job: RenderJob;
  resolve(png: Buffer): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  current?: PendingJob;
  timer?: NodeJS.Timeout;
  lastError?: Error;
}

export function createRenderPool(options: RenderPoolOptions = {}): RenderPool {
  const size = Math.max(1, options.size ?? Math.min(2, availableParallelism()));
  const maxQueue = Math.max(0, options.maxQueue ?? 32);
  const timeoutMs = options.timeoutMs ?? 20_000;
  const file = options.workerFile ?? workerFile();
  const log = options.log;
  const slots = new Set<Slot>();
  const queue: PendingJob[] = [];
  const counts = { rendered: 0, failed: 0, rejectedBusy: 0, workerRestarts: 0 };
  let nextId = 1;
  let closing = false;
  const unsettled = new Set<Promise<Buffer>>();

  function spawn(): Slot {
    const slot: Slot = { worker: new Worker(file), ready: false };
    slots.add(slot);
    slot.worker.on('message', (msg: RenderResult | WorkerReady) => {
      if ('ready' in msg) {
        slot.ready = true;
        return;
      }
      const pending = slot.current;
      if (!pending || pending.job.id !== msg.id) return;
      finish(slot);
      if (msg.ok) {
        counts.rendered++;
        pending.resolve(Buffer.from(msg.png.buffer, msg.png.byteOffset, msg.png.byteLength));
      } else {
        counts.failed++;
        pending.reject(new RenderFailedError(`render failed: ${msg.error.name}: ${msg.error.message}`));
      }
      dispatch();
    });
    slot.worker.on('error', (err) => {
      slot.lastError = err;
    });
    slot.worker.on('exit', (code) => {
      slots.delete(slot);
      const pending = slot.current;
      finish(slot);
      if (pending) {
        counts.failed++;
        const why = slot.lastError ? `: ${slot.lastError.message}` : '';
        pending.reject(new RenderFailedError(`render worker exited with code ${code}${why}`));
      }
      if (closing) return;
      log?.warn({ code, err: slot.lastError, hadJob: pending !== undefined }, 'render worker exited; replacing it');
      counts.workerRestarts++;
      // A worker that never got ready is not respawned eagerly (a broken build would loop); queued
      // work still gets a fresh one through dispatch().
      if (slot.ready) spawn();
      dispatch();
    });
    return slot;
  }

  function finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.current = undefined;
  }

  function busyCount(): number {
    let n = 0;
    for (const s of slots) if (s.current) n++;
    return n;
  }

  function dispatch(): void {
    if (closing) return;
    while (queue.length > 0) {
      let free: Slot | undefined;
      for (const s of slots) if (!s.current) free = s;
      if (!free && slots.size < size) free = spawn();
      if (!free) return;
      const pending = queue.shift()!;
      const slot = free;
      slot.current = pending;
      slot.timer = setTimeout(() => {
        if (slot.current !== pending) return;
        finish(slot);
        counts.failed++;
        pending.reject(new RenderFailedError(`render timed out after ${timeoutMs} ms`));
        log?.error({ timeoutMs, kind: pending.job.kind }, 'render timed out; replacing its worker');
        void slot.worker.terminate();
      }, timeoutMs);
      try {
        slot.worker.postMessage(pending.job);
      } catch (err) {
        // Data that cannot be cloned: the caller's mistake, the worker is fine.
        finish(slot);
        counts.failed++;
        pending.reject(new RenderFailedError(`render input cannot be sent to a worker: ${(err as Error).message}`));
      }
    }
  }

  function submit(input: JobInput): Promise<Buffer> {
    if (closing) return Promise.reject(new RenderFailedError('the render pool is closed'));
    const idle = [...slots].some((s) => !s.current) || slots.size < size;
    if (!idle && queue.length >= maxQueue) {
      counts.rejectedBusy++;
      return Promise.reject(new RenderBusyError(queue.length));
    }
    const promise = new Promise<Buffer>((resolve, reject) => {
      queue.push({ job: { id: nextId++, ...input } as RenderJob, resolve, reject });
      dispatch();
    });
    unsettled.add(promise);
    const forget = () => unsettled.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  for (let i = 0; i < size; i++) spawn();

  return {
    renderMap: (map, opts = {}) => submit({ kind: 'map', map, opts }),
    renderHeatmap: (heatmap, opts = {}) => submit({ kind: 'heatmap', heatmap, opts }),
    stats: () => ({ workers: slots.size, busy: busyCount(), queued: queue.length, ...counts }),
    async close() {
      if (closing) return;
      closing = true;
      for (const pending of queue.splice(0)) pending.reject(new RenderFailedError('the render pool is closed'));
      // Running renders settle through their result, their worker's exit or their timeout.
      await Promise.allSettled([...unsettled]);
      await Promise.all([...slots].map((s) => s.worker.terminate()));
      slots.clear();
    },
  };
}

/** The same interface drawn in the calling thread: for the CLI and for tests of callers. */
export function createInlineRenderer(): PictureRenderer {
  return {
    renderMap: async (map, opts = {}) => renderMapPng(map, opts),
    renderHeatmap: async (heatmap, opts = {}) => renderHeatmapPng(heatmap, opts),
  };
}
