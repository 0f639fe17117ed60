// A fake Telegram Bot API on 127.0.0.1 that the real grammY client talks to: getUpdates held with offset
// and timeout, sendMessage, multipart sendPhoto, sendChatAction, setMyCommands, getChatMember, and 429
// (with retry_after) or 403 on demand. Records every call for the tests to inspect.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';

export interface ApiCall {
  method: string;
  /** JSON or multipart fields (JSON-decoded where they parse). */
  params: Record<string, unknown>;
  /** Uploaded files by field name. */
  files: Record<string, { filename: string; bytes: Buffer }>;
  /** Answered with an error (429, 403…) on demand. */
  failed?: number | string;
}

/**
 * 429 with retry_after; an error Telegram describes; a proxy's 502 page (HTML, as nginx sends it in front
 * of the Bot API); or the connection dropped without an answer ("socket hang up").
 */
export type Failure = { code: 429; retryAfter: number } | { code: 403 | 400 | 409; description: string } | { code: 502 } | { code: 'hang-up' };

/** Telegram's fake senders: messages on behalf of a channel, and a linked channel's automatic forwards. */
export const CHANNEL_BOT = { id: 136817688, is_bot: true, first_name: 'Channel', username: 'Channel_Bot' };
export const TELEGRAM_SERVICE = { id: 777000, is_bot: false, first_name: 'Telegram' };

export const BOT_USER = { id: 7000001, is_bot: true, first_name: 'Liqmap', username: 'TheBot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false };

interface Waiter {
  offset: number;
  respond: (updates: unknown[]) => void;
}

export class FakeTelegramApi {
  readonly calls: ApiCall[] = [];
  /** `${chatId}:${userId}` → chat member status (default member). */
  readonly memberStatus = new Map<string, string>();
  /** getChatMember answers 400 "user not found" for these ids, as Telegram does for its fake senders. */
  readonly unknownUsers = new Set<number>([CHANNEL_BOT.id, TELEGRAM_SERVICE.id]);
  /** While set, every request's connection is dropped without an answer (the Bot API gone). */
  down = false;
  private readonly server: Server;
  private readonly updates: { update_id: number }[] = [];
  private waiters: Waiter[] = [];
  private nextUpdateId = 1;
  private nextMessageId = 100;
  private nextFileId = 1;
  private readonly failures = new Map<string, Failure[]>();
  private readonly listeners = new Set<() => void>();
  url = '';

  constructor(readonly token = '123456:TEST-token-abcdefghijklmnopqrstuvwxyz') {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const w of this.waiters) w.respond([]);
    this.waiters = [];
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `count` calls of `method` fail as given (then calls succeed again). */
  failNext(method: string, failure: Failure, count = 1): void {
    const list = this.failures.get(method) ?? [];
    for (let i = 0; i < count; i++) list.push(failure);
    this.failures.set(method, list);
  }

  /** Queues a text message from a user, as Telegram would deliver it by getUpdates. */
  sendText(
    text: string,
    opts: {
      chatId?: number;
      userId?: number;
      chatType?: 'private' | 'group' | 'supergroup';
      username?: string;
      /** The anonymous administrator case: sender_chat is the group itself. */
      senderChatId?: number;
      /** Posted on behalf of a channel (from = Channel_Bot), or a linked channel's automatic forward (from = Telegram). */
      channel?: { id: number; automaticForward?: boolean };
    } = {},
  ): number {
    const userId = opts.userId ?? 42;
    const chatId = opts.chatId ?? userId;
    const chatType = opts.chatType ?? (chatId === userId ? 'private' : 'supergroup');
    const messageId = this.nextMessageId++;
    const entityLength = /^\/\S+/.exec(text)?.[0].length;
    const from = opts.channel ? (opts.channel.automaticForward ? TELEGRAM_SERVICE : CHANNEL_BOT) : { id: userId, is_bot: false, first_name: 'Trader', ...(opts.username ? { username: opts.username } : {}) };
    const senderChat = opts.channel
      ? { id: opts.channel.id, type: 'channel', title: 'Signals' }
      : opts.senderChatId !== undefined
        ? { id: opts.senderChatId, type: chatType, title: 'Traders' }
        : undefined;
    this.pushUpdate({
      message: {
        message_id: messageId,
        date: Math.floor(Date.now() / 1000),
        chat: chatType === 'private' ? { id: chatId, type: 'private', first_name: 'Trader' } : { id: chatId, type: chatType, title: 'Traders' },
        from,
        ...(senderChat ? { sender_chat: senderChat } : {}),
        ...(opts.channel?.automaticForward ? { is_automatic_forward: true, forward_origin: { type: 'channel', chat: senderChat, message_id: 7, date: Math.floor(Date.now() / 1000) } } : {}),
        text,
        ...(entityLength ? { entities: [{ type: 'bot_command', offset: 0, length: entityLength }] } : {}),
      },
    });
    return messageId;
  }

  pushUpdate(update: Record<string, unknown>): void {
    this.updates.push({ update_id: this.nextUpdateId++, ...update });
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.respond(this.pending(w.offset));
  }

  /** Updates the bot has not confirmed yet (getUpdates with a later offset confirms them). */
  get unconfirmed(): number {
    return this.updates.length;
  }

  /** Resolves once every update was fetched and no call came in for `quietMs`: the bot has settled. */
  async settled(quietMs = 300, timeoutMs = 20_000): Promise<void> {
    const started = performance.now();
    let seen = -1;
    while (performance.now() - started < timeoutMs) {
      if (this.updates.length === 0 && this.calls.length === seen) return;
      seen = this.updates.length === 0 ? this.calls.length : -1;
      await new Promise((r) => setTimeout(r, quietMs));
    }
    throw new Error('fake Telegram: the bot did not settle');
  }

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Successful calls of a method, optionally to one chat. */
  delivered(method: string, chatId?: number): ApiCall[] {
    return this.calls.filter((c) => c.method === method && c.failed === undefined && (chatId === undefined || Number(c.params.chat_id) === chatId));
  }

  /** Resolves once `predicate` holds over the recorded calls (checked after every call). */
  waitFor(predicate: (calls: ApiCall[]) => boolean, timeoutMs = 20_000): Promise<void> {
    if (predicate(this.calls)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`fake Telegram: condition not met in ${timeoutMs} ms; calls: ${this.calls.map((c) => c.method).join(', ')}`));
      }, timeoutMs);
      const check = () => {
        if (!predicate(this.calls)) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
    });
  }

  private pending(offset: number): unknown[] {
    return this.updates.filter((u) => u.update_id >= offset);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.down) {
      req.socket.destroy();
      return;
    }
    const m = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
    if (!m) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (decodeURIComponent(m[1]!) !== this.token) return send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = m[2]!;
    const { params, files } = await readBody(req);
    const call: ApiCall = { method, params, files };
    const failure = this.failures.get(method)?.shift();
    if (failure) call.failed = failure.code;
    if (method !== 'getUpdates') {
      this.calls.push(call);
      for (const l of [...this.listeners]) l();
    }
    if (failure) {
      if (failure.code === 'hang-up') {
        req.socket.destroy();
        return;
      }
      if (failure.code === 502) {
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>');
        return;
      }
      if (failure.code === 429) {
        return send(res, 429, { ok: false, error_code: 429, description: `Too Many Requests: retry after ${failure.retryAfter}`, parameters: { retry_after: failure.retryAfter } });
      }
      return send(res, failure.code, { ok: false, error_code: failure.code, description: failure.description });
    }
    const ok = (result: unknown) => send(res, 200, { ok: true, result });
    switch (method) {
      case 'getMe':
        return ok(BOT_USER);
      case 'getUpdates': {
        // Confirms (drops) updates below the offset, then holds the request until one arrives or timeout.
        const offset = Number(params.offset ?? 0);
        if (offset > 0) this.updates.splice(0, this.updates.filter((u) => u.update_id < offset).length);
        const ready = this.pending(offset);
        if (ready.length > 0) return ok(ready);
        const timeoutS = Number(params.timeout ?? 0);
        let done = false;
        const waiter: Waiter = {
          offset,
          respond: (updates) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            ok(updates);
          },
        };
        const timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          waiter.respond([]);
        }, Math.min(timeoutS, 2) * 1000);
        req.on('close', () => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          done = true;
          clearTimeout(timer);
        });
        this.waiters.push(waiter);
        return;
      }
      case 'deleteWebhook':
      case 'setWebhook':
      case 'setMyCommands':
      case 'sendChatAction':
        return ok(true);
      case 'getChatMember': {
        if (this.unknownUsers.has(Number(params.user_id))) return send(res, 400, { ok: false, error_code: 400, description: 'Bad Request: user not found' });
        const status = this.memberStatus.get(`${params.chat_id}:${params.user_id}`) ?? 'member';
        return ok({ status, user: { id: Number(params.user_id), is_bot: false, first_name: 'Trader' }, ...(status === 'administrator' ? { can_be_edited: false, is_anonymous: false } : {}) });
      }
      case 'sendMessage':
        return ok(this.message(params, { text: params.text }));
      case 'sendPhoto': {
        const fileId = typeof params.photo === 'string' && !params.photo.startsWith('attach://') ? params.photo : `photo-${this.nextFileId++}`;
        return ok(this.message(params, { caption: params.caption, photo: [{ file_id: `${fileId}-small`, file_unique_id: 's', width: 320, height: 180 }, { file_id: fileId, file_unique_id: 'l', width: 1200, height: 675 }] }));
      }
      default:
        return send(res, 404, { ok: false, error_code: 404, description: `Not Found: method ${method}` });
    }
  }

  private message(params: Record<string, unknown>, body: Record<string, unknown>) {
    return { message_id: this.nextMessageId++, date: Math.floor(Date.now() / 1000), chat: { id: Number(params.chat_id), type: 'private', first_name: 'Trader' }, from: BOT_USER, ...body };
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<{ params: Record<string, unknown>; files: ApiCall['files'] }> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    // Node's own FormData parser rejects grammY's multipart (REFERENCE.md): busboy reads it.
    return new Promise((resolve, reject) => {
      const params: Record<string, unknown> = {};
      const files: ApiCall['files'] = {};
      const bb = busboy({ headers: req.headers });
      bb.on('field', (name, value) => {
        try {
          params[name] = JSON.parse(value);
        } catch {
          params[name] = value;
        }
      });
      bb.on('file', (name, stream, info) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          files[name] = { filename: info.filename, bytes: Buffer.concat(chunks) };
        });
      });
      bb.on('close', () => {
        // grammY names the file field and points the parameter at it with attach://<field>.
        for (const [k, v] of Object.entries(params)) {
          if (typeof v === 'string' && v.startsWith('attach://') && files[v.slice(9)]) params[k] = v;
        }
        resolve({ params, files });
      });
      bb.on('error', reject);
      req.pipe(bb);
    });
  }
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return { params: text ? (JSON.parse(text) as Record<string, unknown>) : {}, files: {} };
}
