// Readiness: every injected probe must answer "ok" in time for the instance to take traffic.
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
