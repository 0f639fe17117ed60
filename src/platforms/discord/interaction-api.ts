// The REST calls that answer an interaction: the initial response (callback), editing or deleting the
// original response, and follow-ups. Interaction tokens authenticate these routes and Discord exempts
// them from the global rate limit, so they go straight through fetch, without discord.js's queue:
// errors come back to the answer's own retry policy (429 with its retry_after, 5xx, network errors).
import type { AttemptFailure } from '../../core/delivery.js';
import type { ApiHealth } from '../api-health.js';
import type { MessageFile } from './message.js';

/** A request Discord answered with an error. */
export class DiscordHttpError extends Error {
  override name = 'DiscordHttpError';
  constructor(
    readonly method: string,
    readonly route: string,
    readonly status: number,
    /** Discord's JSON error code (10062 Unknown interaction, 50013 Missing Permissions…). */
    readonly code: number | undefined,
    message: string,
    /** From a 429's body (seconds, fractional) or its Retry-After header. */
    readonly retryAfterMs?: number,
  ) {
    super(`${method} ${route}: ${status}${code !== undefined ? ` (${code})` : ''} ${message}`);
  }
}

/** The request never got an answer (refused, reset, "socket hang up", timeout). */
export class DiscordNetworkError extends Error {
  override name = 'DiscordNetworkError';
}

/** Whether an interaction's answer is worth another try. */
export function attemptFailureOf(err: unknown): AttemptFailure {
  if (err instanceof DiscordHttpError) {
    if (err.status === 429) return { kind: 'rate_limited', retryAfterMs: err.retryAfterMs ?? 1_000 };
    if (err.status >= 500) return { kind: 'unavailable' };
    return { kind: 'permanent' };
  }
  if (err instanceof DiscordNetworkError) return { kind: 'unavailable' };
  return { kind: 'permanent' };
}

export interface InteractionApiOptions {
  /** e.g. https://discord.com/api (the version is added). */
  apiUrl: string;
  health: ApiHealth;
  /** Aborts every request under way (the adapter stops). */
  closing: AbortSignal;
  /** Per request; an upload of a picture takes well under this. */
  timeoutMs?: number;
}

export interface InteractionResponse {
  type: number;
  data?: Record<string, unknown>;
}

export class InteractionApi {
  private readonly base: string;

  constructor(private readonly o: InteractionApiOptions) {
    this.base = `${o.apiUrl.replace(/\/+$/, '')}/v10`;
  }

  /** The initial response (within 3 s of the interaction); files only here or in edits, never inline over HTTP. */
  callback(id: string, token: string, response: InteractionResponse, files: MessageFile[] = [], signal?: AbortSignal): Promise<unknown> {
    // With files, payload_json holds the whole response ({type, data}); the files go beside it.
    return this.request('POST', `/interactions/${id}/${token}/callback`, response, files, signal);
  }

  editOriginal(applicationId: string, token: string, body: Record<string, unknown>, files: MessageFile[] = [], signal?: AbortSignal): Promise<unknown> {
    return this.request('PATCH', `/webhooks/${applicationId}/${token}/messages/@original`, body, files, signal);
  }

  deleteOriginal(applicationId: string, token: string, signal?: AbortSignal): Promise<unknown> {
    return this.request('DELETE', `/webhooks/${applicationId}/${token}/messages/@original`, undefined, [], signal);
  }

  followUp(applicationId: string, token: string, body: Record<string, unknown>, files: MessageFile[] = [], signal?: AbortSignal): Promise<unknown> {
    return this.request('POST', `/webhooks/${applicationId}/${token}`, body, files, signal);
  }

  private async request(method: string, route: string, body: unknown, files: MessageFile[], signal: AbortSignal | undefined): Promise<unknown> {
    const signals = [this.o.closing, AbortSignal.timeout(this.o.timeoutMs ?? 15_000), ...(signal ? [signal] : [])];
    const headers: Record<string, string> = { 'user-agent': 'DiscordBot (https://github.com/liqmap, 0.1)' };
    let payload: string | FormData | undefined;
    if (files.length > 0) {
      const form = new FormData();
      form.append('payload_json', JSON.stringify(body));
      files.forEach((f, n) => form.append(`files[${n}]`, new Blob([f.data], { type: 'image/png' }), f.name));
      payload = form;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    // A route with a token is no secret for the logs' sake: interaction tokens are scrubbed like any token.
    const url = `${this.base}${route.replace('@original', '%40original')}`;
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: payload ?? null, signal: AbortSignal.any(signals) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const failure = new DiscordNetworkError(`${method} ${routeName(route)}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
      if (!this.o.closing.aborted) this.o.health.failed(failure);
      throw failure;
    }
    const text = await res.text().catch(() => '');
    if (res.ok) {
      this.o.health.succeeded();
      return text ? safeJson(text) : undefined;
    }
    const json = safeJson(text) as { code?: number; message?: string; retry_after?: number } | undefined;
    const retryAfterS = json?.retry_after ?? Number(res.headers.get('retry-after') ?? NaN);
    const error = new DiscordHttpError(
      method,
      routeName(route),
      res.status,
      typeof json?.code === 'number' ? json.code : undefined,
      json?.message ?? res.statusText,
      Number.isFinite(retryAfterS) ? Math.ceil(retryAfterS * 1000) : undefined,
    );
    if (res.status >= 500 || res.status === 401) this.o.health.failed(error);
    else this.o.health.succeeded();
    throw error;
  }
}

/** The route without its token, for messages and logs. */
function routeName(route: string): string {
  return route.replace(/\/(interactions\/\d+|webhooks\/\d+)\/[^/]+/, '/$1/:token');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
