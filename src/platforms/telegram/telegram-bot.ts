// The grammY adapter: Telegram messages → core runtime → photo with an HTML caption. Translation only;
// every rule (parsing, access, limits) lives in src/core.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { autoRetry } from '@grammyjs/auto-retry';
import { Bot, GrammyError, HttpError, InputFile, webhookCallback, type Context } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Logger } from 'pino';
import type { Caller, Destination, DestinationSender, Reply, Role, SendResult } from '../../core/command.js';
import { splitCommandText } from '../../core/command-text.js';
import type { CommandRuntime } from '../../core/runtime.js';
import { captionAndRest, MESSAGE_LIMIT, replyHtml, splitHtml } from './caption.js';
import { FileIdCache } from './file-ids.js';

export interface TelegramOptions {
  token: string;
  /** grammY `client.apiRoot` (a local Bot API server or a test double). */
  apiRoot?: string;
  runtime: CommandRuntime;
  log: Logger;
  /** Skips getMe (tests). */
  botInfo?: UserFromGetMe;
  /** Retries of a 429 (auto-retry waits `retry_after` each time). */
  maxRetryAttempts?: number;
  /** Longest 429 wait honoured, in seconds; beyond it the call fails. */
  maxRetryAfterSeconds?: number;
  metrics?: { cacheLookup(cache: string, hit: boolean): void };
}

/** Telegram's "GroupAnonymousBot": messages of anonymous group administrators come from it. */
const ANONYMOUS_ADMIN_ID = 1087968824;

export interface SendTarget {
  chatId: number | string;
  replyTo?: number;
  threadId?: number;
}

export class TelegramBot implements DestinationSender {
  readonly platform = 'telegram' as const;
  readonly bot: Bot;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly fileIds: FileIdCache;
  private polling?: Promise<void>;
  private mode: 'off' | 'polling' | 'webhook' = 'off';
  private stopping = false;

  constructor(private readonly options: TelegramOptions) {
    this.fileIds = new FileIdCache(256, (hit) => options.metrics?.cacheLookup('file_id', hit));
    this.bot = new Bot(options.token, {
      client: { apiRoot: options.apiRoot ?? 'https://api.telegram.org' },
      ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    });
    // Waits exactly `retry_after` on a 429 and retries; network errors are not retried (no duplicates).
    this.bot.api.config.use(
      autoRetry({ maxRetryAttempts: options.maxRetryAttempts ?? 3, maxDelaySeconds: options.maxRetryAfterSeconds ?? 60, rethrowHttpErrors: true }),
    );
    this.bot.on('message:text', (ctx) => {
      if (this.stopping) return;
      // Not awaited: updates are handled concurrently, so one slow map does not hold up the chat.
      this.track(this.onText(ctx));
    });
    this.bot.catch((err) => options.log.error({ err: err.error, updateId: err.ctx.update.update_id }, 'telegram update failed'));
  }

  /** getMe (unless botInfo was given) and setMyCommands. */
  async init(): Promise<void> {
    await this.bot.init();
    await this.bot.api.setMyCommands(
      this.options.runtime.commands.map((c) => ({ command: c.name, description: c.description.slice(0, 256) })),
    );
    this.options.log.info({ username: this.bot.botInfo.username }, 'telegram ready');
  }

  /** Long polling (one poller per token: a second one gets 409 from Telegram). */
  async startPolling(): Promise<void> {
    await this.init();
    this.mode = 'polling';
    this.polling = this.bot.start({ allowed_updates: ['message'], drop_pending_updates: false });
    this.polling.catch((err: unknown) => {
      if (!this.stopping) this.options.log.error({ err }, 'telegram polling stopped');
    });
  }

  /** For /healthz: polling still running (a second poller of the same token gets 409 and stops), or a webhook. */
  isReady(): boolean {
    return this.mode === 'webhook' || (this.mode === 'polling' && this.bot.isRunning());
  }

  /** Registers the webhook and returns the node:http handler for it (checks the secret token). */
  async startWebhook(url: string, secretToken: string): Promise<(req: IncomingMessage, res: ServerResponse) => Promise<void>> {
    await this.init();
    await this.bot.api.setWebhook(url, { secret_token: secretToken, allowed_updates: ['message'] });
    this.mode = 'webhook';
    return webhookCallback(this.bot, 'http', { secretToken });
  }

  /** Stops taking updates, then waits for the replies in flight; sending (digests) still works. */
  async drain(): Promise<void> {
    this.stopping = true;
    if (this.bot.isRunning()) await this.bot.stop();
    await this.polling?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
  }

  /** Same as drain: the Bot API is plain HTTP, there is no connection to close. */
  async stop(): Promise<void> {
    await this.drain();
  }

  /** Sends a reply to a chat: photo with caption (file_id reused), then any text that did not fit. */
  async deliver(target: SendTarget, reply: Reply): Promise<void> {
    const api = this.bot.api;
    const base = {
      ...(target.threadId !== undefined ? { message_thread_id: target.threadId } : {}),
    };
    const replyParameters = target.replyTo !== undefined ? { reply_parameters: { message_id: target.replyTo, allow_sending_without_reply: true } } : {};
    const [image, ...moreImages] = reply.images ?? [];
    if (!image) {
      for (const [i, text] of splitHtml(replyHtml(reply), MESSAGE_LIMIT).entries()) {
        await api.sendMessage(target.chatId, text, { parse_mode: 'HTML', ...base, ...(i === 0 ? replyParameters : {}) });
      }
      return;
    }
    const { caption, rest } = captionAndRest(reply);
    await this.fileIds.send(image.cacheKey, async (fileId) => {
      const photo = fileId ?? new InputFile(image.png, image.name);
      const message = await api.sendPhoto(target.chatId, photo, { caption, parse_mode: 'HTML', ...base, ...replyParameters });
      // The largest size is last; its file_id resends the same picture to any chat without an upload.
      return message.photo.at(-1)?.file_id;
    });
    for (const extra of moreImages) await api.sendPhoto(target.chatId, new InputFile(extra.png, extra.name), base);
    for (const text of rest) await api.sendMessage(target.chatId, text, { parse_mode: 'HTML', ...base });
  }

  /** DestinationSender: digests and alerts. 403 (kicked, blocked) and a deleted chat are gone for good. */
  async send(destination: Destination, reply: Reply): Promise<SendResult> {
    if (destination.platform !== 'telegram') throw new Error(`telegram cannot send to ${destination.platform}`);
    try {
      await this.deliver({ chatId: destination.chatId }, reply);
      return 'ok';
    } catch (err) {
      return sendResultOf(err);
    }
  }

  private track(task: Promise<void>): void {
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async onText(ctx: Context): Promise<void> {
    const message = ctx.message!;
    const parsed = splitCommandText(message.text ?? '', ctx.me.username);
    if (!parsed) return;
    // Telegram sends /start when someone opens the bot: greet them with the help.
    if (parsed.name === 'start' && !this.options.runtime.find('start')) Object.assign(parsed, { name: 'help', args: '' });
    const { runtime, log } = this.options;
    const chat = message.chat;
    // In groups other bots' commands pass by; in a private chat an unknown command gets an answer.
    if (!runtime.find(parsed.name) && chat.type !== 'private') return;
    const target: SendTarget = {
      chatId: chat.id,
      replyTo: message.message_id,
      ...(message.is_topic_message && message.message_thread_id !== undefined ? { threadId: message.message_thread_id } : {}),
    };
    const caller = this.callerOf(ctx);
    let reply: Reply;
    try {
      const prepared = await runtime.prepare(parsed.name, { kind: 'text', args: parsed.args }, caller);
      let working: NodeJS.Timeout | undefined;
      if (prepared.command.produces === 'picture') {
        const showAction = () =>
          ctx.api.sendChatAction(chat.id, 'upload_photo', target.threadId !== undefined ? { message_thread_id: target.threadId } : {}).catch((err: unknown) =>
            log.debug({ err }, 'sendChatAction failed'),
          );
        void showAction();
        // Telegram shows an action for 5 s: renew it while a slow picture is still being made.
        working = setInterval(() => void showAction(), 4_500);
      }
      try {
        reply = await prepared.run();
      } finally {
        clearInterval(working);
      }
    } catch (err) {
      reply = runtime.refusal(err, caller, parsed.name);
    }
    try {
      await this.deliver(target, reply);
    } catch (err) {
      log.warn({ err: describeError(err), chatId: chat.id, command: parsed.name }, 'telegram reply not delivered');
    }
  }

  private callerOf(ctx: Context): Caller {
    const message = ctx.message!;
    const chat = message.chat;
    const from = message.from;
    const chatKind = chat.type === 'private' ? 'private' : 'group';
    let role: Promise<Role> | undefined;
    return {
      platform: 'telegram',
      userId: String(from?.id ?? message.sender_chat?.id ?? 0),
      ...(from?.username ? { userName: from.username } : {}),
      chatId: String(chat.id),
      chatKind,
      role: () => (role ??= this.roleOf(ctx)),
    };
  }

  private async roleOf(ctx: Context): Promise<Role> {
    const message = ctx.message!;
    if (message.chat.type === 'private') return 'moderator';
    // An anonymous administrator writes as the group itself.
    if (message.sender_chat?.id === message.chat.id || message.from?.id === ANONYMOUS_ADMIN_ID) return 'moderator';
    if (!message.from) return 'member';
    const member = await ctx.api.getChatMember(message.chat.id, message.from.id);
    return member.status === 'creator' || member.status === 'administrator' ? 'moderator' : 'member';
  }
}

/** Telegram errors → what a scheduler should do next. */
export function sendResultOf(err: unknown): SendResult {
  if (err instanceof GrammyError) {
    if (err.error_code === 403) return { gone: err.description };
    if (err.error_code === 400 && /chat not found|group chat was deactivated|need administrator rights/i.test(err.description)) return { gone: err.description };
    if (err.error_code === 429) return { retryAfterMs: (err.parameters.retry_after ?? 30) * 1000 };
    if (err.error_code >= 500) return { retryAfterMs: 30_000 };
  }
  if (err instanceof HttpError) return { retryAfterMs: 30_000 };
  throw err;
}

function describeError(err: unknown): unknown {
  if (err instanceof GrammyError) return { method: err.method, code: err.error_code, description: err.description };
  return err;
}
