import { GrammyError, HttpError } from 'grammy';
import { describe, expect, it } from 'vitest';
import { sendResultOf } from '../src/platforms/telegram/errors.js';

function networkError(code: string): HttpError {
  return new HttpError(`Network request failed: ${code}`, Object.assign(new Error(code), { code }));
}

describe('Telegram send results for digests and alerts', () => {
  it('retries later when the connection was never made (nothing can have been posted)', () => {
    expect(sendResultOf(networkError('ECONNREFUSED'))).toEqual({ retryAfterMs: 30_000 });
    expect(sendResultOf(networkError('ENOTFOUND'))).toEqual({ retryAfterMs: 30_000 });
  });

  it('throws on a reset or timeout, which may have reached Telegram: the scheduler records it unconfirmed, never resends', () => {
    expect(() => sendResultOf(networkError('ECONNRESET'))).toThrow(HttpError);
    expect(() => sendResultOf(networkError('ETIMEDOUT'))).toThrow(HttpError);
    expect(() => sendResultOf(new HttpError('socket hang up', new Error('socket hang up')))).toThrow(HttpError);
  });

  it('reads the Bot API answers: 403 gone, 429 after its retry_after, 5xx later', () => {
    const api = (code: number, description: string, parameters = {}) =>
      new GrammyError('call failed', { ok: false, error_code: code, description, parameters }, 'sendPhoto', {});
    expect(sendResultOf(api(403, 'Forbidden: bot was kicked'))).toEqual({ gone: 'Forbidden: bot was kicked' });
    expect(sendResultOf(api(429, 'Too Many Requests', { retry_after: 12 }))).toEqual({ retryAfterMs: 12_000 });
    expect(sendResultOf(api(502, 'Bad Gateway'))).toEqual({ retryAfterMs: 30_000 });
  });
});
