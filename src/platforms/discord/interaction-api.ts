// The REST calls that answer an interaction: the initial response (callback), editing or deleting the
// original response, and follow-ups. Interaction tokens authenticate these routes and Discord exempts
// them from the global rate limit, so they go out directly, without discord.js's queue: errors come back
// to the answer's own retry policy (429 with its retry_after, 5xx, network errors). node:http with a
// keep-alive agent and the multipart body built as one buffer: with fetch, streaming FormData through web
// streams cost more CPU than everything else an answer does (bench/bot.bench.ts).
import { randomBytes } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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
  private readonly base: URL;
  private readonly agent: HttpAgent;

  constructor(private readonly o: InteractionApiOptions) {
    this.base = new URL(`${o.apiUrl.replace(/\/+$/, '')}/v10`);
    const agentOptions = { keepAlive: true, maxSockets: 64 };
    this.agent = this.base.protocol === 'https:' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
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

  /** Closes the idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private async request(method: string, route: string, body: unknown, files: MessageFile[], signal: AbortSignal | undefined): Promise<unknown> {
    const { payload, contentType } = encodeBody(body, files);
    let res: { status: number; headers: IncomingMessage['headers']; text: string };
    try {
      res = await this.send(method, route, payload, contentType, signal);
    } catch (err) {
      const cause = err as { code?: string; message?: string };
      const failure = new DiscordNetworkError(`${method} ${routeName(route)}: ${cause.code ?? cause.message ?? String(err)}`);
      if (!this.o.closing.aborted) this.o.health.failed(failure);
      throw failure;
    }
    if (res.status >= 200 && res.status < 300) {
      this.o.health.succeeded();
      return res.text ? safeJson(res.text) : undefined;
    }
    const json = safeJson(res.text) as { code?: number; message?: string; retry_after?: number } | undefined;
    const retryAfterS = json?.retry_after ?? Number(res.headers['retry-after'] ?? NaN);
    const error = new DiscordHttpError(
      method,
      routeName(route),
      res.status,
      typeof json?.code === 'number' ? json.code : undefined,
      json?.message ?? `HTTP ${res.status}`,
      Number.isFinite(retryAfterS) ? Math.ceil(retryAfterS * 1000) : undefined,
    );
    if (res.status >= 500 || res.status === 401) this.o.health.failed(error);
    else this.o.health.succeeded();
    throw error;
  }

  private send(method: string, route: string, payload: Buffer | undefined, contentType: string | undefined, signal: AbortSignal | undefined) {
    const url = new URL(`${this.base.pathname}${route}`, this.base);
    const signals = [this.o.closing, AbortSignal.timeout(this.o.timeoutMs ?? 15_000), ...(signal ? [signal] : [])];
    const make = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<{ status: number; headers: IncomingMessage['headers']; text: string }>((resolve, reject) => {
      const req = make(
        url,
        {
          method,
          agent: this.agent,
          signal: AbortSignal.any(signals),
          headers: {
            'user-agent': 'DiscordBot (https://github.com/liqmap, 0.1)',
            ...(payload ? { 'content-type': contentType, 'content-length': String(payload.length) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
}

/** JSON, or multipart/form-data with payload_json and files[n] (Discord's "Uploading Files"), as one buffer. */
function encodeBody(body: unknown, files: MessageFile[]): { payload: Buffer | undefined; contentType: string | undefined } {
  if (files.length === 0) return body === undefined ? { payload: undefined, contentType: undefined } : { payload: Buffer.from(JSON.stringify(body)), contentType: 'application/json' };
  const boundary = `liqmap${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="payload_json"\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(body)}\r\n`),
  ];
  files.forEach((f, n) => {
    const name = f.name.replace(/["\r\n]/g, '_');
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files[${n}]"; filename="${name}"\r\nContent-Type: image/png\r\n\r\n`), f.data, Buffer.from('\r\n'));
  });
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
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
