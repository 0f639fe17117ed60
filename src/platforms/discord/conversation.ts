// One interaction's answer. Discord wants an initial response within 3 seconds and every interaction
// answered: an answer ready in time goes out as the initial response itself (one request; over the
// gateway it may carry the picture, over HTTP it is the webhook's JSON response); otherwise the
// interaction is deferred ("liqmap is thinking…") and the original response edited when the answer is
// ready, the picture uploaded as multipart. Edits are retried within the answer's useful life (the
// interaction token lasts 15 minutes) and say so when they were held back.
import type { Logger } from 'pino';
import type { Reply } from '../../core/command.js';
import { lostAnswerText, REPLY_USEFUL_MS, retryWithinDeadline, withDelayNote, type Hold } from '../../core/delivery.js';
import type { Conversation, Delivery } from '../../core/runtime.js';
import type { RawInteraction } from './interaction.js';
import { attemptFailureOf, DiscordHttpError, type InteractionApi, type InteractionResponse } from './interaction-api.js';
import { discordMessage, type MessageFile } from './message.js';

export const CallbackType = { Pong: 1, Message: 4, Deferred: 5, Autocomplete: 8 } as const;
/** Unknown interaction / unknown webhook: the token is dead (3 s missed, or 15 min over). */
const DEAD_TOKEN_CODES = new Set([10062, 10015]);

/** How the initial response leaves: the callback route (gateway) or the webhook's own response (HTTP). */
export interface InitialResponder {
  /** Whether the initial response may carry uploads (the callback route can; an inline HTTP response cannot). */
  readonly takesFiles: boolean;
  send(response: InteractionResponse, files: MessageFile[]): Promise<void>;
}

export interface ConversationOptions {
  interaction: RawInteraction;
  api: InteractionApi;
  initial: InitialResponder;
  /** Defer when no answer is ready this long after the interaction arrived. */
  deferAfterMs: number;
  receivedMs: number;
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Aborted when the adapter gives up answers (the drain deadline). */
  givingUp: AbortSignal;
  log: Logger;
  usefulMs?: number;
  /** The command, for the apology. */
  command: string;
}

export class DiscordConversation implements Conversation {
  readonly mustAnswer = true;
  private deferral: Promise<boolean> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly o: ConversationOptions) {
    this.timer = setTimeout(() => void this.defer(), Math.max(0, o.receivedMs + o.deferAfterMs - o.now()));
    this.timer.unref();
  }

  working(): void {
    // The deferral timer covers slow work, whatever it is; a fast picture goes out in one request.
  }

  async reply(reply: Reply): Promise<Delivery> {
    clearTimeout(this.timer);
    const message = discordMessage(reply, { ephemeral: reply.ephemeral });
    if (!this.deferral && (message.files.length === 0 || this.o.initial.takesFiles)) {
      try {
        await this.o.initial.send({ type: CallbackType.Message, data: message.body }, message.files);
        return 'delivered';
      } catch (err) {
        this.o.log.warn({ err, command: this.o.command }, 'discord: initial response failed');
        return 'lost';
      }
    }
    if (!(await this.defer())) return 'lost';
    const { api, interaction } = this.o;
    try {
      if (reply.ephemeral) {
        // A public placeholder cannot turn private: remove it and follow up privately.
        await this.retry(() => api.deleteOriginal(interaction.application_id, interaction.token, this.o.givingUp)).catch(() => undefined);
        await this.retry(() => api.followUp(interaction.application_id, interaction.token, message.body, message.files, this.o.givingUp));
      } else {
        await this.retry((hold) => {
          const { body, files } = discordMessage(withDelayNote(reply, hold, 'Discord'));
          return api.editOriginal(interaction.application_id, interaction.token, body, files, this.o.givingUp);
        });
      }
      return 'delivered';
    } catch (err) {
      this.o.log.warn({ err, command: this.o.command }, 'discord reply not delivered');
      const dead = err instanceof DiscordHttpError && err.code !== undefined && DEAD_TOKEN_CODES.has(err.code);
      if (!dead && !this.o.givingUp.aborted) {
        // One plain attempt, so the placeholder does not think forever.
        await api
          .editOriginal(interaction.application_id, interaction.token, { content: lostAnswerText(this.o.command), embeds: [], attachments: [], components: [] })
          .catch((apologyErr: unknown) => this.o.log.warn({ err: apologyErr }, 'discord apology lost too'));
      }
      return 'lost';
    }
  }

  /** The deferral, sent once: by the timer, or when an answer with a picture cannot go inline. */
  private defer(): Promise<boolean> {
    this.deferral ??= this.o.initial.send({ type: CallbackType.Deferred }, []).then(
      () => true,
      (err: unknown) => {
        this.o.log.warn({ err, command: this.o.command }, 'discord: deferral failed, the answer is lost');
        return false;
      },
    );
    return this.deferral;
  }

  private retry<T>(attempt: (hold: Hold | undefined) => Promise<T>): Promise<T> {
    return retryWithinDeadline(attempt, {
      classify: attemptFailureOf,
      deadlineMs: this.o.receivedMs + (this.o.usefulMs ?? REPLY_USEFUL_MS),
      now: this.o.now,
      sleep: this.o.sleep,
      signal: this.o.givingUp,
      onRetry: (failure, waitMs, err) => this.o.log.warn({ err, failure: failure.kind, waitMs, command: this.o.command }, 'discord: answer held back, retrying'),
    });
  }
}
