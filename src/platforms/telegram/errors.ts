// Telegram's errors, read once: what a scheduler should do (SendResult), whether an answer is worth
// another try (AttemptFailure), and whether the Bot API itself is failing (health).
import { GrammyError, HttpError } from 'grammy';
import type { SendResult } from '../../core/command.js';
import type { AttemptFailure } from '../../core/delivery.js';

/** Telegram errors → what a scheduler should do next. */
export function sendResultOf(err: unknown): SendResult {
  if (err instanceof GrammyError) {
    if (err.error_code === 403) return { gone: err.description };
    if (err.error_code === 400 && /chat not found|group chat was deactivated|need administrator rights/i.test(err.description)) return { gone: err.description };
    if (err.error_code === 429) return { retryAfterMs: (err.parameters.retry_after ?? 30) * 1000 };
    if (err.error_code >= 500) return { retryAfterMs: 30_000 };
  }
  // A connection never made cannot have posted: try again later. Any other network failure (reset,
  // timeout, hang-up) may have reached Telegram; thrown, so the scheduler does not post the digest twice.
  if (err instanceof HttpError && neverConnected(err)) return { retryAfterMs: 30_000 };
  throw err;
}

const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

function neverConnected(err: HttpError): boolean {
  const cause = err.error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = cause?.code ?? cause?.cause?.code;
  return typeof code === 'string' && NOT_CONNECTED.has(code);
}

/** Whether an answer is worth another try, and when. */
export function attemptFailureOf(err: unknown): AttemptFailure {
  if (err instanceof GrammyError) {
    if (err.error_code === 429) return { kind: 'rate_limited', retryAfterMs: (err.parameters.retry_after ?? 5) * 1000 };
    if (err.error_code >= 500) return { kind: 'unavailable' };
    return { kind: 'permanent' };
  }
  // Network errors (socket hang up, refused, reset, timeout): Telegram most likely never saw the request.
  if (err instanceof HttpError) return { kind: 'unavailable' };
  return { kind: 'permanent' };
}

/** True when the error says the Bot API is not working (rather than refusing one request). */
export function apiIsFailing(err: unknown): boolean {
  if (err instanceof GrammyError) return err.error_code >= 500 || err.error_code === 401;
  return err instanceof HttpError;
}

/** True when the bot can no longer post in that chat: no apology can reach it either. */
export function isGone(err: unknown): boolean {
  try {
    const result = sendResultOf(err);
    return typeof result === 'object' && 'gone' in result;
  } catch {
    return false;
  }
}

/** A short form for logs: the method, code and description, not the whole request. */
export function describeError(err: unknown): unknown {
  if (err instanceof GrammyError) return { method: err.method, code: err.error_code, description: err.description };
  return err;
}
