// How long an answer is worth trying to deliver, and how: the one retry policy both adapters apply to
// the answers of commands. A chart asked for in a group is still useful a minute and a half later (then
// it says it was delayed); after REPLY_USEFUL_MS the person has moved on and it is given up, with an
// apology if one can still be sent. Digests and alerts have the scheduler's own policy (SendResult).
import type { Reply } from './command.js';

/** An answer later than this is stale: it is given up. Discord's interaction token lasts 15 minutes. */
export const REPLY_USEFUL_MS = 5 * 60_000;
/** An answer held back longer than this by the platform says so. */
export const DELAYED_NOTE_AFTER_MS = 20_000;
/** Waits between attempts while the platform's API is unreachable or failing. */
const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000];

/** What a failed attempt means, as the adapter reads its platform's error. */
export type AttemptFailure =
  /** 429: the platform says when to come back. */
  | { kind: 'rate_limited'; retryAfterMs: number }
  /** Network error, 5xx: the API is down or overloaded, try again soon. */
  | { kind: 'unavailable' }
  /** Anything else (400, 403…): trying again would fail the same way. */
  | { kind: 'permanent' };

export interface RetryOptions {
  classify(err: unknown): AttemptFailure;
  /** Unix ms after which no attempt starts. */
  deadlineMs: number;
  now(): number;
  /** Waits; rejects when the signal aborts (the adapter is stopping). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  signal?: AbortSignal;
  /** Retries at most this many times (default: as many as fit before the deadline). */
  maxRetries?: number;
  /** Told before each wait (logs, metrics). */
  onRetry?(failure: AttemptFailure, waitMs: number, err: unknown): void;
}

/** Why and how long the answer was held back, for the note it carries. */
export interface Hold {
  waitedMs: number;
  /** The last reason: the platform's rate limit, or its API being unreachable. */
  reason: 'rate_limited' | 'unavailable';
}

/**
 * Runs `attempt` until it succeeds, a failure is permanent, or the next try would start after the
 * deadline; then the last error is thrown. `attempt` learns how long the answer has been held back so far.
 */
export async function retryWithinDeadline<T>(attempt: (hold: Hold | undefined) => Promise<T>, o: RetryOptions): Promise<T> {
  let hold: Hold | undefined;
  for (let tries = 0; ; tries++) {
    try {
      return await attempt(hold);
    } catch (err) {
      const failure = o.classify(err);
      if (failure.kind === 'permanent') throw err;
      const waitMs = failure.kind === 'rate_limited' ? failure.retryAfterMs : BACKOFF_MS[Math.min(tries, BACKOFF_MS.length - 1)]!;
      if (tries >= (o.maxRetries ?? Infinity) || o.now() + waitMs > o.deadlineMs || o.signal?.aborted) throw err;
      o.onRetry?.(failure, waitMs, err);
      await o.sleep(waitMs, o.signal).catch(() => {
        throw err;
      });
      hold = { waitedMs: (hold?.waitedMs ?? 0) + waitMs, reason: failure.kind };
    }
  }
}

/** The line an answer held back for long carries ("Delayed by 1 min 30 s: Telegram asked me to wait."), or undefined. */
export function delayNote(hold: Hold | undefined, platformName: string): string | undefined {
  if (!hold || hold.waitedMs < DELAYED_NOTE_AFTER_MS) return undefined;
  const why = hold.reason === 'rate_limited' ? `${platformName} asked me to wait` : `${platformName} could not be reached`;
  return `Delayed by ${describeWait(hold.waitedMs)}: ${why}.`;
}

/** The answer with its delay note, when it was held back for long. */
export function withDelayNote(reply: Reply, hold: Hold | undefined, platformName: string): Reply {
  const note = delayNote(hold, platformName);
  return note ? { ...reply, text: `${reply.text}\n${note}` } : reply;
}

/** What the person gets when their answer could not be delivered (when even this can be sent). */
export function lostAnswerText(command: string): string {
  return `Sorry, my answer to /${command} could not be delivered. Please try again.`;
}

/** 95 s → "1 min 35 s". */
export function describeWait(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
}

/** setTimeout as a promise that an AbortSignal cancels (and that never holds the process open). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref?.();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
