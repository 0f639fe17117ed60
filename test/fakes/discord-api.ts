// A fake Discord REST API + gateway on 127.0.0.1 that the real @discordjs/ws and @discordjs/rest talk to
// (REFERENCE.md): GET /gateway/bot, HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, INTERACTION_CREATE
// dispatch, interaction callbacks (204, no JSON type), multipart `@original` edits, follow-ups, channel
// messages, command registration, and errors on demand. In HTTP mode it plays Discord's outgoing webhook:
// it signs each interaction with its own Ed25519 key (X-Signature-Ed25519 over X-Signature-Timestamp +
// body, as Discord's "Security and Authorization" describes) and posts it to the bot's endpoint. Records
// everything for the tests. The INTERACTION_CREATE fields follow a real dispatch
// (shared/data/discord/L0343, from DiscordBM's test suite, Apache-2.0).
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';
import { WebSocketServer, type WebSocket } from 'ws';

export const APP_ID = '1016612301262041098';
export const BOT_ID = '1016612301262041098';
export const GUILD_ID = '808638139785936919';
export const CHANNEL_ID = '1016614538398937098';

export interface RestCall {
  method: string;
  /** Decoded path after /api/v10, e.g. /webhooks/<app>/<token>/messages/@original. */
  path: string;
  body: Record<string, unknown> | undefined;
  files: { field: string; filename: string; bytes: Buffer }[];
  /** performance.now() when the request arrived (the benchmark measures with it). */
  at: number;
  failed?: number;
}

export interface Failure {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  /** Drop the connection without an answer ("socket hang up") instead of answering. */
  hangUp?: boolean;
}

/** The answer an interaction got: the initial response (inline over HTTP, or by callback), an edit, a follow-up. */
export interface Answer {
  kind: 'inline' | 'callback' | 'edit' | 'followUp';
  /** The message (callback data, edit or follow-up body). */
  body: Record<string, unknown> | undefined;
  files: RestCall['files'];
  at: number;
}

/** What postInteraction sent, to replay it byte for byte. */
export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

interface RouteFailure {
  match: RegExp;
  failure: Failure;
}

export class FakeDiscord {
  readonly calls: RestCall[] = [];
  readonly identifies: unknown[] = [];
  heartbeats = 0;
  url = '';
  /** While set, every REST request's connection is dropped without an answer (the API gone); the gateway stays. */
  down = false;
  /** While set, GET /gateway/bot gets no answer (a start that hangs before connecting). */
  holdGatewayBot = false;
  /** While set, IDENTIFY gets no READY (a start that hangs while connecting). */
  holdReady = false;
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private seq = 0;
  private readonly sent: { s: number; frame: string }[] = [];
  /** RESUMEs (op 6) received: reconnections of an existing session. */
  resumes = 0;
  private nextId = 1_200_000_000_000_000_000n;
  private failures: RouteFailure[] = [];
  private readonly listeners = new Set<(call: RestCall) => void>();
  private readonly answerIndex = new Map<string, Answer[]>();
  private readonly answerWaiters = new Map<string, ((a: Answer) => void)[]>();
  /** Discord's signing key for the interactions endpoint; the bot gets `publicKeyHex`. */
  private readonly keys = generateKeyPairSync('ed25519');

  constructor(
    readonly token = 'MTAxNjYxMjMwMTI2MjA0MTA5OA.GfakeX.fake-token-for-tests-only-0000000000',
    /** HELLO's heartbeat_interval; Discord's is about 41 s, a test may ask for a short one. */
    readonly heartbeatMs = 41_250,
  ) {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.wss = new WebSocketServer({ server: this.server, path: '/gateway' });
    this.wss.on('connection', (ws) => this.onSocket(ws));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** discord.js `rest.api`. */
  get apiUrl(): string {
    return `${this.url}/api`;
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next request whose "METHOD path" matches fails as given. */
  failNext(match: RegExp, failure: Failure): void {
    this.failures.push({ match, failure });
  }

  onCall(listener: (call: RestCall) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  callsTo(method: string, path: RegExp): RestCall[] {
    return this.calls.filter((c) => c.method === method && path.test(c.path) && c.failed === undefined);
  }

  /** Resolves with the first call (past or future) matching. */
  waitForCall(method: string, path: RegExp, timeoutMs = 20_000): Promise<RestCall> {
    const seen = this.callsTo(method, path)[0];
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`fake Discord: no ${method} ${path} in ${timeoutMs} ms; calls: ${this.calls.map((c) => `${c.method} ${c.path}`).join(', ')}`));
      }, timeoutMs);
      const off = this.onCall((call) => {
        if (call.method !== method || !path.test(call.path) || call.failed !== undefined) return;
        clearTimeout(timer);
        off();
        resolve(call);
      });
    });
  }

  /** Sends an INTERACTION_CREATE to every connected client; returns the interaction's id and token. */
  dispatchInteraction(d: Record<string, unknown>): void {
    this.dispatch('INTERACTION_CREATE', d);
  }

  /** The application's public key as the Developer Portal shows it: 64 hex characters. */
  get publicKeyHex(): string {
    return Buffer.from(this.keys.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');
  }

  /**
   * Posts an interaction to an interactions endpoint as Discord does: signed timestamp + raw body.
   * `forge` signs with another key; `timestampS` dates the signature (stale ones).
   */
  async postInteraction(url: string, payload: Record<string, unknown>, opts: { forge?: boolean; timestampS?: number } = {}): Promise<{ status: number; body: Record<string, unknown> | undefined; sent: SignedRequest }> {
    const body = JSON.stringify(payload);
    const timestamp = String(opts.timestampS ?? Math.floor(Date.now() / 1000));
    const key: KeyObject = opts.forge ? generateKeyPairSync('ed25519').privateKey : this.keys.privateKey;
    const signature = sign(null, Buffer.from(timestamp + body), key).toString('hex');
    const sent = { body, headers: { 'content-type': 'application/json', 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp, 'user-agent': 'Discord-Interactions/1.0 (+https://discord.com)' } };
    return this.post(url, sent, String(payload.token));
  }

  /** The same bytes and headers again: a replay. */
  replay(url: string, sent: SignedRequest, token: string): Promise<{ status: number; body: Record<string, unknown> | undefined; sent: SignedRequest }> {
    return this.post(url, sent, token);
  }

  private async post(url: string, sent: SignedRequest, token: string) {
    const res = await fetch(url, { method: 'POST', headers: sent.headers, body: sent.body });
    const text = await res.text();
    let body: Record<string, unknown> | undefined;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    if (res.status === 200 && (body?.type === 4 || body?.type === 8)) {
      this.recordAnswer(token, { kind: 'inline', body: (body.data as Record<string, unknown>) ?? undefined, files: [], at: performance.now() });
    }
    return { status: res.status, body, sent };
  }

  /**
   * Every answer an interaction got, in order: initial responses with a message or choices (type 4 or 8,
   * inline or by callback; a deferral is no answer), edits of @original and follow-ups.
   */
  answers(token: string): Answer[] {
    return [...(this.answerIndex.get(token) ?? [])];
  }

  /** Resolves with the first answer of an interaction (past or future). */
  waitForAnswer(token: string, timeoutMs = 20_000): Promise<Answer> {
    const seen = this.answerIndex.get(token)?.[0];
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.answerWaiters.set(token, (this.answerWaiters.get(token) ?? []).filter((w) => w !== waiter));
        reject(new Error(`fake Discord: no answer to ${token} in ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (answer: Answer) => {
        clearTimeout(timer);
        resolve(answer);
      };
      this.answerWaiters.set(token, [...(this.answerWaiters.get(token) ?? []), waiter]);
    });
  }

  /** Files an answer under its interaction token (indexed: a benchmark sends thousands). */
  private recordAnswer(token: string, answer: Answer): void {
    const list = this.answerIndex.get(token) ?? [];
    list.push(answer);
    this.answerIndex.set(token, list);
    const waiters = this.answerWaiters.get(token);
    this.answerWaiters.delete(token);
    for (const w of waiters ?? []) w(answer);
  }

  /** The answer a successful REST call is, if it is one. */
  private answerOf(call: RestCall): { token: string; answer: Answer } | undefined {
    if (call.failed !== undefined) return undefined;
    let m = /^\/interactions\/\d+\/([^/]+)\/callback$/.exec(call.path);
    if (m && call.method === 'POST' && (call.body?.type === 4 || call.body?.type === 8)) {
      return { token: m[1]!, answer: { kind: 'callback', body: call.body.data as Record<string, unknown>, files: call.files, at: call.at } };
    }
    m = /^\/webhooks\/\d+\/([^/]+)\/messages\/@original$/.exec(call.path);
    if (m && call.method === 'PATCH') return { token: m[1]!, answer: { kind: 'edit', body: call.body, files: call.files, at: call.at } };
    m = /^\/webhooks\/\d+\/([^/]+)$/.exec(call.path);
    if (m && call.method === 'POST') return { token: m[1]!, answer: { kind: 'followUp', body: call.body, files: call.files, at: call.at } };
    return undefined;
  }

  /** A slash command as Discord sends it, dispatched over the gateway; `guild: false` = a DM. */
  chatInput(opts: Parameters<FakeDiscord['interactionPayload']>[0]): { id: string; token: string; payload: Record<string, unknown> } {
    const built = this.interactionPayload(opts);
    this.dispatchInteraction(built.payload);
    return built;
  }

  /** A slash command (or its autocomplete) as Discord sends it, without sending it. */
  interactionPayload(opts: {
    name: string;
    options?: { name: string; type: number; value?: unknown; options?: unknown[]; focused?: boolean }[];
    userId?: string;
    guild?: boolean;
    /** Member permissions bitfield (default: Send Messages etc., no Manage Server). */
    permissions?: string;
    autocomplete?: boolean;
  }): { id: string; token: string; payload: Record<string, unknown> } {
    const id = String(this.nextId++);
    const token = `itoken-${id}`;
    const user = { id: opts.userId ?? '290483761559240704', username: 'trader', discriminator: '0', global_name: null, avatar: null, public_flags: 0 };
    const guild = opts.guild !== false;
    const payload: Record<string, unknown> = {
      version: 1,
      type: opts.autocomplete ? 4 : 2,
      id,
      token,
      application_id: APP_ID,
      data: { id: '1100000000000000001', name: opts.name, type: 1, options: opts.options ?? [] },
      locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': GUILD_ID },
      app_permissions: '70368744177663',
      ...(guild
        ? {
            guild_id: GUILD_ID,
            guild_locale: 'en-US',
            channel_id: CHANNEL_ID,
            channel: { type: 0, id: CHANNEL_ID, guild_id: GUILD_ID, name: 'trading', position: 3, permissions: '70368744177663', flags: 0, nsfw: false, parent_id: null, topic: null, rate_limit_per_user: 0, last_message_id: null },
            member: { user, roles: [], permissions: opts.permissions ?? '2248473465835073', pending: false, nick: null, mute: false, deaf: false, joined_at: '2021-02-09T09:59:16.364000+00:00', flags: 0, premium_since: null, avatar: null, communication_disabled_until: null },
            context: 0,
          }
        : {
            channel_id: '1200000000000000999',
            channel: { type: 1, id: '1200000000000000999', flags: 0, last_message_id: null, recipients: [user] },
            user,
            context: 1,
          }),
    };
    return { id, token, payload };
  }

  /**
   * Any dispatch (op 0) to every connected client, e.g. a recorded real payload. Kept, so a client that
   * reconnects and RESUMEs gets what it missed, as the real gateway replays.
   */
  dispatch(t: string, d: unknown): void {
    const s = ++this.seq;
    const frame = JSON.stringify({ op: 0, t, s, d });
    this.sent.push({ s, frame });
    for (const ws of this.sockets) ws.send(frame);
  }

  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.heartbeatMs }, s: null, t: null }));
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { op: number; d: unknown };
      if (msg.op === 1) {
        this.heartbeats++;
        ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
      } else if (msg.op === 6) {
        // RESUME: the missed dispatches after the client's last sequence, then RESUMED.
        this.resumes++;
        const after = Number((msg.d as { seq?: number }).seq ?? 0);
        for (const f of this.sent) if (f.s > after) ws.send(f.frame);
        ws.send(JSON.stringify({ op: 0, t: 'RESUMED', s: ++this.seq, d: {} }));
      } else if (msg.op === 2) {
        this.identifies.push(msg.d);
        if (this.holdReady) return;
        const send = (t: string, d: unknown) => ws.send(JSON.stringify({ op: 0, t, s: ++this.seq, d }));
        send('READY', {
          v: 10,
          user: { id: BOT_ID, username: 'liqmap', discriminator: '0', global_name: null, avatar: null, bot: true, flags: 0, verified: true, mfa_enabled: false },
          guilds: [{ id: GUILD_ID, unavailable: true }],
          session_id: 'fake-session',
          resume_gateway_url: `${this.url.replace('http', 'ws')}/gateway`,
          application: { id: APP_ID, flags: 0 },
          private_channels: [],
          relationships: [],
          presences: [],
          guild_join_requests: [],
          geo_ordered_rtc_regions: [],
          shard: [0, 1],
        });
        send('GUILD_CREATE', {
          id: GUILD_ID,
          name: 'Traders',
          icon: null,
          owner_id: '1',
          afk_timeout: 300,
          verification_level: 0,
          default_message_notifications: 0,
          explicit_content_filter: 0,
          features: [],
          mfa_level: 0,
          system_channel_flags: 0,
          premium_tier: 0,
          preferred_locale: 'en-US',
          nsfw_level: 0,
          premium_progress_bar_enabled: false,
          roles: [{ id: GUILD_ID, name: '@everyone', permissions: '2248473465835073', position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 }],
          emojis: [],
          stickers: [],
          channels: [{ id: CHANNEL_ID, type: 0, name: 'trading', position: 3, permission_overwrites: [], guild_id: GUILD_ID, parent_id: null, nsfw: false, topic: null, rate_limit_per_user: 0, flags: 0, last_message_id: null }],
          threads: [],
          members: [],
          voice_states: [],
          presences: [],
          stage_instances: [],
          guild_scheduled_events: [],
          member_count: 2,
          large: false,
          joined_at: '2023-01-01T00:00:00.000000+00:00',
          unavailable: false,
        });
      }
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.down) {
      req.socket.destroy();
      return;
    }
    const at = performance.now();
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname.replace(/^\/api\/v10/, ''));
    const { body, files } = await readBody(req);
    const call: RestCall = { method: req.method ?? 'GET', path, body, files, at };
    const key = `${call.method} ${path}`;
    const i = this.failures.findIndex((f) => f.match.test(key));
    const failure = i >= 0 ? this.failures.splice(i, 1)[0]!.failure : undefined;
    if (failure) call.failed = failure.status;
    this.calls.push(call);
    const answer = this.answerOf(call);
    if (answer) this.recordAnswer(answer.token, answer.answer);
    for (const l of [...this.listeners]) l(call);
    if (failure?.hangUp) {
      req.socket.destroy();
      return;
    }
    if (failure) return json(res, failure.status, failure.body, failure.headers);

    const auth = req.headers.authorization;
    const needsAuth = !/^\/(interactions|webhooks)\//.test(path);
    if (needsAuth && auth !== `Bot ${this.token}`) return json(res, 401, { message: '401: Unauthorized', code: 0 });

    if (call.method === 'GET' && path === '/gateway/bot' && this.holdGatewayBot) return;
    if (call.method === 'GET' && path === '/gateway/bot') {
      return json(res, 200, { url: `${this.url.replace('http', 'ws')}/gateway`, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } });
    }
    if (call.method === 'GET' && path === '/applications/@me') return json(res, 200, { id: APP_ID, name: 'liqmap', description: '', flags: 0, bot_public: true });
    let m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path);
    if (m && call.method === 'PUT') {
      const list = (body as unknown as Record<string, unknown>[] | undefined) ?? [];
      return json(res, 200, list.map((c, n) => ({ ...c, id: String(1100000000000000001n + BigInt(n)), application_id: m![1], version: '1', ...(m![2] ? { guild_id: m![2] } : {}) })));
    }
    if (/^\/interactions\/\d+\/[^/]+\/callback$/.test(path) && call.method === 'POST') {
      // 204 without a JSON content type (discord.js would try to parse it).
      res.writeHead(204).end();
      return;
    }
    m = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(@original|\d+)$/.exec(path);
    if (m && call.method === 'PATCH') return json(res, 200, this.message(body, files, CHANNEL_ID));
    if (m && call.method === 'DELETE') {
      res.writeHead(204).end();
      return;
    }
    if (/^\/webhooks\/\d+\/[^/]+$/.test(path) && call.method === 'POST') return json(res, 200, this.message(body, files, CHANNEL_ID));
    m = /^\/channels\/(\d+)\/messages$/.exec(path);
    if (m && call.method === 'POST') return json(res, 200, this.message(body, files, m[1]!));
    return json(res, 404, { message: '404: Not Found', code: 0 });
  }

  private message(body: Record<string, unknown> | undefined, files: RestCall['files'], channelId: string) {
    const id = String(this.nextId++);
    return {
      id,
      type: 0,
      channel_id: channelId,
      content: body?.content ?? '',
      embeds: body?.embeds ?? [],
      attachments: files.map((f, n) => ({ id: String(n), filename: f.filename, size: f.bytes.length, url: `https://cdn.example/${f.filename}`, proxy_url: `https://cdn.example/${f.filename}` })),
      author: { id: BOT_ID, username: 'liqmap', discriminator: '0', avatar: null, bot: true, global_name: null },
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      pinned: false,
      flags: Number(body?.flags ?? 0),
      components: [],
      webhook_id: APP_ID,
      application_id: APP_ID,
    };
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<{ body: Record<string, unknown> | undefined; files: RestCall['files'] }> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    // discord.js sends files as multipart: payload_json plus files[n].
    return new Promise((resolve, reject) => {
      let body: Record<string, unknown> | undefined;
      const files: RestCall['files'] = [];
      const bb = busboy({ headers: req.headers });
      bb.on('field', (name, value) => {
        if (name === 'payload_json') body = JSON.parse(value) as Record<string, unknown>;
      });
      bb.on('file', (field, stream, info) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => files.push({ field, filename: info.filename, bytes: Buffer.concat(chunks) }));
      });
      bb.on('close', () => resolve({ body, files }));
      bb.on('error', reject);
      req.pipe(bb);
    });
  }
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return { body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined, files: [] };
}
