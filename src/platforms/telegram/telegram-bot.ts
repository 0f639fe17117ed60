// The grammY adapter: Telegram messages → the runtime's one entry → photos with HTML captions.
// Translation only: parsing, limits, access and the answer's text live in src/core and commands/.
import { autoRetry } from '@grammyjs/auto-retry';
import { Bot, GrammyError, InputFile, type Context } from 'grammy';
import type { InlineKeyboardMarkup, UserFromGetMe } from 'grammy/types';
import type { Logger } from 'pino';
import type { Reply, SendResult } from '../../core/command.js';
import type { Caller, Role } from '../../core/caller.js';
import { splitCommandText } from '../../core/command-text.js';
import { delayNote, lostAnswerText, REPLY_USEFUL_MS, retryWithinDeadline, sleep as realSleep, type Hold } from '../../core/delivery.js';
import type { Destination } from '../../core/destination.js';
import type { PlatformAdapter, PlatformHealth } from '../../core/platform.js';
import type { CommandRuntime, Conversation, Delivery } from '../../core/runtime.js';
import type { HttpServer } from '../../http/server.js';
import { AnswersInFlight } from '../answers-in-flight.js';
import { ApiHealth } from '../api-health.js';
import { CAPTION_LIMIT, captionAndRest, MESSAGE_LIMIT, replyHtml, splitHtml } from './caption.js';
import { ChatActions } from './chat-actions.js';
import { apiIsFailing, attemptFailureOf, describeError, isGone, sendResultOf } from './errors.js';
import { FileIdCache } from './file-ids.js';
import { webhookRoute } from './webhook.js';

export interface TelegramOptions {
  token: string;
  /** grammY `client.apiRoot` (a local Bot API server or a test double). */
  apiRoot?: string;
  runtime: CommandRuntime;
  log: Logger;
  /** Skips getMe (tests). */
  botInfo?: UserFromGetMe;
  /** Updates by webhook: Telegram posts to `url`, whose path is mounted on the bot's HTTP server. Unset = long polling. */
  webhook?: { url: string; secret: string; routes: Pick<HttpServer, 'addRoute'> };
  /** Retries of one failed call; default: as many as fit in an answer's useful life (1 to 3 for 429s inside a call). */
  maxRetryAttempts?: number;
  /** Longest 429 wait honoured inside one call, in seconds; longer ones are the answer's retry policy's. */
  maxRetryAfterSeconds?: number;
  metrics?: { cacheLookup(cache: string, hit: boolean): void };
  /** How long an answer is worth delivering (default REPLY_USEFUL_MS). */
  replyUsefulMs?: number;
  /** Time and waits of the answer's retry policy; tests run them on a fake clock. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Telegram's "GroupAnonymousBot": messages of anonymous group administrators come from it. */
const ANONYMOUS_ADMIN_ID = 1087968824;
/** Telegram lets a bot post about 20 messages a minute in one group. */
const GROUP_MESSAGES_PER_MINUTE = 20;
/** Client timeout per call: above getUpdates' 30 s long poll, far below grammY's default of 500 s. */
const CALL_TIMEOUT_SECONDS = 60;
/** A 429 shorter than this is waited inside the call; a longer one is the answer's policy (and noted). */
const IN_CALL_RETRY_AFTER_SECONDS = 15;

/** grammY types its signals with the abort-controller polyfill; Node's own AbortSignal is what it gets. */
type GrammySignal = NonNullable<Parameters<Bot['init']>[0]>;
const sig = (signal: AbortSignal): GrammySignal => signal as unknown as GrammySignal;
const optSig = (signal: AbortSignal | undefined): GrammySignal | undefined => signal as unknown as GrammySignal | undefined;

export interface SendTarget {
  chatId: number | string;
  replyTo?: number;
  threadId?: number;
}

/** How an answer is retried: until its deadline, unless the adapter gives up answers (drain deadline). */
interface AnswerPolicy {
  deadlineMs: number;
  signal: AbortSignal;
}

export class TelegramBot implements PlatformAdapter {
  readonly platform = 'telegram' as const;
  readonly bot: Bot;
  private readonly answers = new AnswersInFlight();
  private readonly chatActions = new ChatActions();
  private readonly fileIds: FileIdCache;
  private readonly api: ApiHealth;
  /** Aborts every API call: stop(). */
  private readonly closing = new AbortController();
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private polling?: Promise<void>;
  private mode: 'off' | 'polling' | 'webhook' = 'off';
  private accepting = true;

  constructor(private readonly options: TelegramOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    this.api = new ApiHealth('Telegram Bot API');
    this.fileIds = new FileIdCache(256, (hit) => options.metrics?.cacheLookup('file_id', hit));
    this.bot = new Bot(options.token, {
      client: { apiRoot: options.apiRoot ?? 'https://api.telegram.org', timeoutSeconds: CALL_TIMEOUT_SECONDS },
      ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    });
    // Outermost: every call learns the API's health, and stop() aborts whatever is still under way.
    this.bot.api.config.use(async (prev, method, payload, signal) => {
      try {
        const result = await prev(method, payload, sig(signal ? AbortSignal.any([signal as unknown as AbortSignal, this.closing.signal]) : this.closing.signal));
        if (result.ok || (result.error_code < 500 && result.error_code !== 401)) this.api.succeeded();
        else this.api.failed(new Error(`${method}: ${result.error_code} ${result.description}`));
        return result;
      } catch (err) {
        if (!this.closing.signal.aborted && apiIsFailing(err)) this.api.failed(err);
        throw err;
      }
    });
    // Short 429s are waited inside the call; network errors and long waits go to the answer's policy.
    this.bot.api.config.use(
      autoRetry({
        maxRetryAttempts: options.maxRetryAttempts ?? 3,
        maxDelaySeconds: options.maxRetryAfterSeconds ?? IN_CALL_RETRY_AFTER_SECONDS,
        rethrowHttpErrors: true,
        rethrowInternalServerErrors: true,
      }),
    );
    this.bot.on('message:text', (ctx) => {
      if (this.accepting) this.onText(ctx);
    });
    this.bot.catch((err) => options.log.error({ err: err.error, updateId: err.ctx.update.update_id }, 'telegram update failed'));
  }

  /** getMe (unless botInfo was given), setMyCommands, then long polling or the webhook. */
  async start(signal: AbortSignal = new AbortController().signal): Promise<void> {
    await this.bot.init(sig(signal));
    await this.bot.api.setMyCommands(
      this.options.runtime.commands.map((c) => ({ command: c.name, description: c.description.slice(0, 256) })),
      {},
      sig(signal),
    );
    const webhook = this.options.webhook;
    if (webhook) {
      await this.bot.api.setWebhook(webhook.url, { secret_token: webhook.secret, allowed_updates: ['message'] }, sig(signal));
      webhook.routes.addRoute(
        webhookRoute({
          path: new URL(webhook.url).pathname,
          secret: webhook.secret,
          accepting: () => this.accepting,
          handleUpdate: (update) => this.bot.handleUpdate(update),
          log: this.options.log,
        }),
      );
      this.mode = 'webhook';
    } else {
      // One poller per token: a second one gets 409 from Telegram and stops (health says so).
      this.polling = this.bot.start({ allowed_updates: ['message'], drop_pending_updates: false });
      this.polling.catch((err: unknown) => {
        if (this.accepting) this.options.log.error({ err: describeError(err) }, 'telegram polling stopped');
      });
      this.mode = 'polling';
    }
    this.options.log.info({ username: this.bot.botInfo.username, mode: this.mode }, 'telegram ready');
  }

  health(): PlatformHealth {
    if (this.mode === 'off') return { ready: false, reason: 'not started' };
    if (this.mode === 'polling' && !this.bot.isRunning()) return { ready: false, reason: 'polling stopped (another poller of this token? see the log)' };
    return this.api.health();
  }

  /** Stops taking updates, then waits for the answers in flight until the deadline; sending (digests) still works. */
  async drain(deadlineMs: number): Promise<void> {
    this.accepting = false;
    const deadline = this.sleep(Math.max(0, deadlineMs - this.now()), this.closing.signal).catch(() => undefined);
    // bot.stop() confirms the offset with one more getUpdates: bounded by the deadline, aborted by stop().
    if (this.bot.isRunning()) await Promise.race([this.bot.stop().catch(() => undefined), deadline]);
    const givenUp = await this.answers.settle(deadline);
    if (givenUp > 0) this.options.log.warn({ answers: givenUp }, 'telegram: answers still retrying at the stop deadline were given up');
  }

  /** Aborts every call still under way; the Bot API is plain HTTP, there is no connection to close. */
  async stop(): Promise<void> {
    this.accepting = false;
    // Polling ends only once grammY knows it is stopping (else it retries the aborted getUpdates).
    const polling = this.bot.isRunning() ? this.bot.stop().catch(() => undefined) : undefined;
    this.answers.giveUp();
    this.chatActions.clear();
    this.closing.abort();
    await polling;
    await this.polling?.catch(() => undefined);
    await this.answers.settle(Promise.resolve());
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

  /**
   * A reply in a chat: the photo with its caption (file_id reused), then any text that did not fit.
   * With a policy (a command's answer), each call is retried until the answer's deadline, and an answer
   * held back for long says so; without one (digests), failures go back to the scheduler at once.
   */
  async deliver(target: SendTarget, reply: Reply, policy?: AnswerPolicy): Promise<void> {
    const api = this.bot.api;
    let held: Hold | undefined;
    const call = <T>(attempt: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> => {
      if (!policy) return attempt(undefined);
      return retryWithinDeadline(() => attempt(policy.signal), {
        classify: attemptFailureOf,
        deadlineMs: policy.deadlineMs,
        now: this.now,
        sleep: this.sleep,
        signal: policy.signal,
        ...(this.options.maxRetryAttempts !== undefined ? { maxRetries: this.options.maxRetryAttempts } : {}),
        onRetry: (failure, waitMs, err) => {
          held = { waitedMs: (held?.waitedMs ?? 0) + waitMs, reason: failure.kind === 'rate_limited' ? 'rate_limited' : 'unavailable' };
          this.options.log.warn({ err: describeError(err), chatId: target.chatId, waitMs }, 'telegram: answer held back, retrying');
        },
      });
    };
    // The last message carries the delay note, when there was one and it still fits.
    const noted = (html: string, limit: number) => {
      const note = delayNote(held, 'Telegram');
      return note && html.length + note.length + 1 <= limit ? `${html}\n${note}` : html;
    };
    const thread = target.threadId !== undefined ? { message_thread_id: target.threadId } : {};
    const replyTo = target.replyTo !== undefined ? { reply_parameters: { message_id: target.replyTo, allow_sending_without_reply: true } } : {};
    const button: { reply_markup?: InlineKeyboardMarkup } = reply.link ? { reply_markup: { inline_keyboard: [[{ text: reply.link.label.slice(0, 64), url: reply.link.url }]] } } : {};
    const [image, ...moreImages] = reply.images ?? [];
    if (!image) {
      const chunks = splitHtml(replyHtml(reply), MESSAGE_LIMIT);
      for (const [i, text] of chunks.entries()) {
        const last = i === chunks.length - 1;
        await call((signal) =>
          api.sendMessage(target.chatId, last ? noted(text, MESSAGE_LIMIT) : text, { parse_mode: 'HTML', ...thread, ...(i === 0 ? { ...replyTo, ...button } : {}) }, optSig(signal)),
        );
      }
      return;
    }
    const { caption, rest } = captionAndRest(reply);
    const photoIsLast = rest.length === 0 && moreImages.length === 0;
    await this.fileIds.send(image.cacheKey, (fileId) =>
      call(async (signal) => {
        const photo = fileId ?? new InputFile(image.png, image.name);
        const message = await api.sendPhoto(
          target.chatId,
          photo,
          { caption: photoIsLast ? noted(caption, CAPTION_LIMIT) : caption, parse_mode: 'HTML', ...thread, ...replyTo, ...button },
          optSig(signal),
        );
        // The largest size is last; its file_id resends the same picture to any chat without an upload.
        return message.photo.at(-1)?.file_id;
      }),
    );
    for (const extra of moreImages) await call((signal) => api.sendPhoto(target.chatId, new InputFile(extra.png, extra.name), thread, optSig(signal)));
    for (const [i, text] of rest.entries()) {
      const last = i === rest.length - 1;
      await call((signal) => api.sendMessage(target.chatId, last ? noted(text, MESSAGE_LIMIT) : text, { parse_mode: 'HTML', ...thread }, optSig(signal)));
    }
  }

  /** A command's answer: retried within its useful life; an apology when it is lost for good. */
  async answer(target: SendTarget, reply: Reply, command: string, startedMs: number): Promise<Delivery> {
    const policy: AnswerPolicy = { deadlineMs: startedMs + (this.options.replyUsefulMs ?? REPLY_USEFUL_MS), signal: this.answers.signal };
    try {
      await this.deliver(target, reply, policy);
      return 'delivered';
    } catch (err) {
      this.options.log.warn({ err: describeError(err), chatId: target.chatId, command }, 'telegram reply not delivered');
      if (!isGone(err) && !this.answers.signal.aborted) {
        // One plain attempt: the person learns their answer is not coming, if Telegram takes anything now.
        await this.bot.api
          .sendMessage(target.chatId, lostAnswerText(command), {
            ...(target.threadId !== undefined ? { message_thread_id: target.threadId } : {}),
            ...(target.replyTo !== undefined ? { reply_parameters: { message_id: target.replyTo, allow_sending_without_reply: true } } : {}),
          })
          .catch((apologyErr: unknown) => this.options.log.warn({ err: describeError(apologyErr), chatId: target.chatId }, 'telegram apology lost too'));
      }
      return 'lost';
    }
  }

  /** "sending photo…" while a picture is made, once per chat however many wait in it (./chat-actions.ts). */
  showWorking(target: SendTarget): () => void {
    const chat = target.threadId !== undefined ? `${target.chatId}/${target.threadId}` : String(target.chatId);
    return this.chatActions.hold(chat, () =>
      void this.bot.api
        .sendChatAction(target.chatId, 'upload_photo', target.threadId !== undefined ? { message_thread_id: target.threadId } : {}, sig(this.answers.signal))
        .catch((err: unknown) => this.options.log.debug({ err: describeError(err) }, 'sendChatAction failed')),
    );
  }

  private onText(ctx: Context): void {
    const message = ctx.message!;
    const parsed = splitCommandText(message.text ?? '', ctx.me.username);
    if (!parsed) return;
    const { runtime } = this.options;
    // Telegram sends /start when someone opens the bot: greet them with the help.
    const name = parsed.name === 'start' && !runtime.find('start') ? 'help' : parsed.name;
    const args = name === parsed.name ? parsed.args : '';
    // In groups other bots' commands pass by; in a private chat an unknown command gets an answer.
    if (!runtime.find(name) && message.chat.type !== 'private') return;
    const target: SendTarget = {
      chatId: message.chat.id,
      replyTo: message.message_id,
      ...(message.is_topic_message && message.message_thread_id !== undefined ? { threadId: message.message_thread_id } : {}),
    };
    const conversation = new TelegramConversation(this, target, name, this.now());
    const task = runtime.handle({ name, input: { kind: 'text', args }, caller: this.callerOf(ctx) }, conversation).finally(() => conversation.done());
    this.answers.track(task);
  }

  private callerOf(ctx: Context): Caller {
    const message = ctx.message!;
    const chat = message.chat;
    const group = chat.type !== 'private';
    let role: Promise<Role> | undefined;
    return {
      platform: 'telegram',
      // A channel identity (posting as a channel, a linked channel's auto-forward) is its own sender.
      userId: message.sender_chat ? `chat${message.sender_chat.id}` : String(message.from?.id ?? 0),
      ...(message.from?.username && !message.sender_chat ? { userName: message.from.username } : {}),
      chatId: String(chat.id),
      chatKind: group ? 'group' : 'private',
      ...(group ? { chatMessagesPerMinute: GROUP_MESSAGES_PER_MINUTE } : {}),
      role: () => (role ??= this.roleOf(ctx)),
    };
  }

  private async roleOf(ctx: Context): Promise<Role> {
    const message = ctx.message!;
    if (message.chat.type === 'private') return 'moderator';
    if (message.sender_chat) {
      // An anonymous administrator writes as the group itself; any other chat identity (a channel, the
      // linked channel's auto-forward) is nobody's administrator, and getChatMember would not know it.
      return message.sender_chat.id === message.chat.id ? 'moderator' : 'member';
    }
    if (!message.from) return 'member';
    if (message.from.id === ANONYMOUS_ADMIN_ID) return 'moderator';
    try {
      const member = await ctx.api.getChatMember(message.chat.id, message.from.id);
      return member.status === 'creator' || member.status === 'administrator' ? 'moderator' : 'member';
    } catch (err) {
      // "user not found" and the like: whoever it is, Telegram does not know them as an administrator.
      if (err instanceof GrammyError && err.error_code === 400) return 'member';
      throw err;
    }
  }
}

/** One command's answer in one chat. */
class TelegramConversation implements Conversation {
  readonly mustAnswer = false;
  private stopWorking: (() => void) | undefined;

  constructor(
    private readonly adapter: TelegramBot,
    private readonly target: SendTarget,
    private readonly command: string,
    private readonly startedMs: number,
  ) {}

  working(): void {
    this.stopWorking ??= this.adapter.showWorking(this.target);
  }

  reply(reply: Reply): Promise<Delivery> {
    this.done();
    return this.adapter.answer(this.target, reply, this.command, this.startedMs);
  }

  done(): void {
    this.stopWorking?.();
  }
}
