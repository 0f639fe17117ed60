// Readiness: every injected probe must answer "ok" in time for the instance to take traffic.
import { randomUUID } from 'node:crypto';
import { scrub } from '../log.js';

/**
 * One thing that must work for the bot to serve: a platform connection, the store. Returns true when ready;
 * false or a thrown error (its message becomes the reason) when not. Built in main.ts, e.g.
 * `{ discord: () => client.isReady(), telegram: () => polling, store: () => store.ping() }`.
 */
export type ReadinessProbe = () => boolean | Promise<boolean>;

export interface ProbeResult {
  ok: boolean;
  /** Why not, for the operator reading /healthz (scrubbed of secrets). */
  reason?: string;
}

export interface Readiness {
  ready: boolean;
  /** Names of the probes that failed, in the order they were given. */
  notReady: string[];
  checks: Record<string, ProbeResult>;
}

/** Runs all probes at once; one that does not answer within `timeoutMs` counts as not ready. */
export async function checkReadiness(
  probes: Readonly<Record<string, ReadinessProbe>>,
  options: { timeoutMs?: number; secrets?: readonly string[] } = {},
): Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const entries = Object.entries(probes);
  const results = await Promise.all(entries.map(([, probe]) => runProbe(probe, timeoutMs, options.secrets ?? [])));
  const checks: Record<string, ProbeResult> = {};
  const notReady: string[] = [];
  entries.forEach(([name], i) => {
    const result = results[i]!;
    checks[name] = result;
    if (!result.ok) notReady.push(name);
  });
  return { ready: notReady.length === 0, notReady, checks };
}

async function runProbe(probe: ReadinessProbe, timeoutMs: number, secrets: readonly string[]): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  const answer = (async (): Promise<ProbeResult> => {
    try {
      return (await probe()) ? { ok: true } : { ok: false, reason: 'not connected' };
    } catch (err) {
      return { ok: false, reason: scrub(err instanceof Error ? err.message : String(err), secrets).slice(0, 300) };
    }
  })();
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What storeProbe needs of a store backend (src/store's StoreBackend fits). */
export interface ProbedStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<unknown>;
  delete(key: string): Promise<unknown>;
}

/**
 * The store answers when a value written can be read back. A round trip, not a read alone: keyv turns a
 * failing adapter into `undefined` rather than an error, and a Redis client queues commands while
 * disconnected (a store that is down then shows up as the probe timeout).
 */
export function storeProbe(store: ProbedStore): ReadinessProbe {
  // One key per process, so instances sharing a Redis do not read each other's value.
  const key = `readiness:${randomUUID()}`;
  let counter = 0;
  return async () => {
    const value = `${process.pid}:${++counter}`;
    await store.set(key, value);
    const read = await store.get(key);
    await store.delete(key);
    if (read !== value) throw new Error('the store did not return what was written');
    return true;
  };
}
