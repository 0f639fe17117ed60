// A fixed set of worker threads behind a bounded FIFO queue: a clear "busy" error when the queue is
// full, and a fresh worker when one crashes or hangs. What a job does is the worker file's business.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { JobFailure, JobResult, WorkerReady } from './protocol.js';

export interface PoolOptions {
  /** The compiled worker file. */
  file: string;
  size: number;
  /** Jobs waiting for a worker beyond which callers get WorkBusyError. */
  maxQueue: number;
  /** A job running longer is abandoned and its worker replaced. */
  timeoutMs: number;
  log?: Pick<Logger, 'warn' | 'error'>;
}

export interface PoolStats {
  workers: number;
  busy: number;
  queued: number;
  done: number;
  failed: number;
  rejectedBusy: number;
  workerRestarts: number;
}

/** The queue is full: the caller should say "busy, try again" rather than wait. */
export class WorkBusyError extends Error {
  override name = 'WorkBusyError';
  readonly code = 'WORK_BUSY';
  constructor(readonly queued: number) {
    super(`the workers are busy (${queued} jobs waiting); try again in a few seconds`);
  }
}

/** A job did not produce its result: its worker crashed or hung, the pool closed, or the job threw. */
export class WorkFailedError extends Error {
  override name = 'WorkFailedError';
  readonly code = 'WORK_FAILED';
  constructor(
    message: string,
    /** The error the worker's job threw, when it threw one (e.g. a ModelInputError the caller explains). */
    override readonly cause?: { name: string; message: string },
  ) {
    super(message);
  }
}

interface PendingJob {
  message: { id: number; kind: string };
  transfer: ArrayBuffer[];
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  current?: PendingJob;
  timer?: NodeJS.Timeout;
  lastError?: Error;
}

export interface Pool {
  /** Sends `{ id, kind, ...payload }` to a worker; resolves with the worker's `value`. */
  submit<T>(kind: string, payload: object, transfer?: ArrayBuffer[]): Promise<T>;
  stats(): PoolStats;
  /** Rejects queued work, lets running jobs finish, then stops the workers. */
  close(): Promise<void>;
}

export function createPool(options: PoolOptions): Pool {
  const { file, size, maxQueue, timeoutMs, log } = options;
  const slots = new Set<Slot>();
  const queue: PendingJob[] = [];
  const counts = { done: 0, failed: 0, rejectedBusy: 0, workerRestarts: 0 };
  let nextId = 1;
  let closing = false;
  const unsettled = new Set<Promise<unknown>>();

  function spawn(): Slot {
    const slot: Slot = { worker: new Worker(file), ready: false };
    slots.add(slot);
    slot.worker.on('message', (msg: JobResult | JobFailure | WorkerReady) => {
      if ('ready' in msg) {
        slot.ready = true;
        return;
      }
      const pending = slot.current;
      if (!pending || pending.message.id !== msg.id) return;
      finish(slot);
      if (msg.ok) {
        counts.done++;
        pending.resolve(msg.value);
      } else {
        counts.failed++;
        pending.reject(new WorkFailedError(`${pending.message.kind} failed: ${msg.error.name}: ${msg.error.message}`, msg.error));
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
        pending.reject(new WorkFailedError(`worker exited with code ${code}${why}`));
      }
      if (closing) return;
      log?.warn({ code, err: slot.lastError, hadJob: pending !== undefined }, 'worker exited; replacing it');
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
        pending.reject(new WorkFailedError(`${pending.message.kind} timed out after ${timeoutMs} ms`));
        log?.error({ timeoutMs, kind: pending.message.kind }, 'job timed out; replacing its worker');
        void slot.worker.terminate();
      }, timeoutMs);
      try {
        slot.worker.postMessage(pending.message, pending.transfer);
      } catch (err) {
        // Data that cannot be cloned: the caller's mistake, the worker is fine.
        finish(slot);
        counts.failed++;
        pending.reject(new WorkFailedError(`${pending.message.kind}: input cannot be sent to a worker: ${(err as Error).message}`));
      }
    }
  }

  function submit<T>(kind: string, payload: object, transfer: ArrayBuffer[] = []): Promise<T> {
    if (closing) return Promise.reject(new WorkFailedError('the worker pool is closed'));
    const idle = [...slots].some((s) => !s.current) || slots.size < size;
    if (!idle && queue.length >= maxQueue) {
      counts.rejectedBusy++;
      return Promise.reject(new WorkBusyError(queue.length));
    }
    const promise = new Promise<T>((resolve, reject) => {
      queue.push({ message: { ...payload, id: nextId++, kind }, transfer, resolve: resolve as (v: unknown) => void, reject });
      dispatch();
    });
    unsettled.add(promise);
    const forget = () => unsettled.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  for (let i = 0; i < size; i++) spawn();

  return {
    submit,
    stats: () => ({ workers: slots.size, busy: [...slots].filter((s) => s.current).length, queued: queue.length, ...counts }),
    async close() {
      if (closing) return;
      closing = true;
      for (const pending of queue.splice(0)) pending.reject(new WorkFailedError('the worker pool is closed'));
      // Running jobs settle through their result, their worker's exit or their timeout.
      await Promise.allSettled([...unsettled]);
      await Promise.all([...slots].map((s) => s.worker.terminate()));
      slots.clear();
    },
  };
}
