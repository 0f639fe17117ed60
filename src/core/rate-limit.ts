// Limits that let people work: what is limited is the expensive thing (a new picture), not typing.
// In memory per instance: a person's requests reach one instance at a time (one poller, one gateway
// shard, or a load balancer spreading interactions), so a shared store would only add a round trip.
//
// - pictures: a token bucket per person — a burst, then one per interval; a picture already shown in
//   that chat is free;
// - commands: every command, free answers included (usage errors, unknown symbols, /help, status and list,
//   moderators' settings), against a loose bucket per person that only stops floods;
// - chat messages: where the platform limits what the bot may post in a chat (Telegram: 20 a minute in a
//   group), a sliding minute shared fairly: one person may take a message only while they have had fewer
//   than are left for everybody else, so nobody can use up the chat's budget;
// - a refusal is said once per person and kind within `quietMs`; repeats are answered with silence where
//   the platform allows it (Discord must answer every interaction: there it stays a private reply).
import type { Clock } from '../clock.js';
import { UserError } from '../errors.js';

export interface BucketSettings {
  /** Taken at once from a full bucket. */
  burst: number;
  /** One more every interval. */
  intervalMs: number;
}

export interface LimitSettings {
  /** New pictures per person. */
  pictures: BucketSettings;
  /** Every command per person (loose: against floods, not against work). */
  commands: BucketSettings;
  /** A refusal of one kind is said once per person and chat within this time. */
  quietMs: number;
}

export const DEFAULT_LIMITS: LimitSettings = {
  pictures: { burst: 3, intervalMs: 10_000 },
  commands: { burst: 10, intervalMs: 3_000 },
  quietMs: 60_000,
};

const CHAT_WINDOW_MS = 60_000;
/** Pictures remembered per chat as already shown (their keys carry the bar, so they age out by themselves). */
const SHOWN_PER_CHAT = 64;
const SHOWN_TTL_MS = 3_600_000;
/** Beyond this many tracked people and chats, the idle ones are forgotten. */
const PRUNE_AT = 10_000;

export type RefusalKind = 'commands' | 'chat' | 'pictures' | 'moderator';

/** Refused by a limit; `text` says when to try again. A UserError, so it is answered as is. */
export class RateLimitedError extends UserError {
  override name = 'RateLimitedError';
  constructor(
    readonly kind: RefusalKind,
    message: string,
    hint?: string,
  ) {
    super(message, hint);
  }
}

export type Admission = { ok: true } | { ok: false; waitMs: number };

/** A token bucket per key. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(private readonly settings: BucketSettings) {}

  take(key: string, nowMs: number): Admission {
    const { burst, intervalMs } = this.settings;
    if (burst <= 0 || intervalMs <= 0) return { ok: true };
    const b = this.buckets.get(key) ?? { tokens: burst, atMs: nowMs };
    const tokens = Math.min(burst, b.tokens + (nowMs - b.atMs) / intervalMs);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, atMs: nowMs });
      return { ok: false, waitMs: Math.ceil((1 - tokens) * intervalMs) };
    }
    this.buckets.set(key, { tokens: tokens - 1, atMs: nowMs });
    return { ok: true };
  }

  /** Gives a token back (the request turned out to be the person's mistake). */
  refund(key: string): void {
    const b = this.buckets.get(key);
    if (b) b.tokens = Math.min(this.settings.burst, b.tokens + 1);
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Forgets buckets that have refilled: they are the same as no bucket. */
  prune(nowMs: number): void {
    if (this.settings.intervalMs <= 0) return this.buckets.clear();
    for (const [key, b] of this.buckets) {
      if (b.tokens + (nowMs - b.atMs) / this.settings.intervalMs >= this.settings.burst) this.buckets.delete(key);
    }
  }
}

/** Messages per chat over the last minute, by person. */
class ChatBudgets {
  private readonly sent = new Map<string, { person: string; atMs: number }[]>();

  admit(chat: string, person: string, perMinute: number, nowMs: number): Admission {
    const recent = (this.sent.get(chat) ?? []).filter((m) => nowMs - m.atMs < CHAT_WINDOW_MS);
    const mine = recent.filter((m) => m.person === person);
    const left = perMinute - recent.length;
    // Fair share: while others may still want some, nobody takes more than is left for them.
    if (left > 0 && mine.length < left) {
      recent.push({ person, atMs: nowMs });
      this.sent.set(chat, recent);
      return { ok: true };
    }
    this.sent.set(chat, recent);
    // The person's own oldest message leaving the window frees their share; a full chat frees with its oldest.
    const oldest = (left > 0 ? mine[0] : recent[0])?.atMs ?? nowMs;
    return { ok: false, waitMs: Math.max(1_000, oldest + CHAT_WINDOW_MS - nowMs) };
  }

  /** Nothing was posted after all (a refusal kept quiet): the message goes back to the chat. */
  release(chat: string, person: string, atMs: number): void {
    const list = this.sent.get(chat);
    const i = list?.findLastIndex((m) => m.person === person && m.atMs === atMs) ?? -1;
    if (list && i >= 0) list.splice(i, 1);
  }

  /** A refusal is a message too, when there is room for it. */
  spendIfRoom(chat: string, person: string, perMinute: number, nowMs: number): boolean {
    const recent = (this.sent.get(chat) ?? []).filter((m) => nowMs - m.atMs < CHAT_WINDOW_MS);
    if (recent.length >= perMinute) return false;
    recent.push({ person, atMs: nowMs });
    this.sent.set(chat, recent);
    return true;
  }

  get size(): number {
    return this.sent.size;
  }

  prune(nowMs: number): void {
    for (const [chat, list] of this.sent) if (list.every((m) => nowMs - m.atMs >= CHAT_WINDOW_MS)) this.sent.delete(chat);
  }
}

/** Who caused what, as the limiter sees it. */
export interface LimitSubject {
  /** `<platform>:<userId>`: one person across chats. */
  person: string;
  /** `<platform>:<chatId>`. */
  chat: string;
  /** The platform's own per-chat limit (Telegram groups: 20 a minute); undefined = none. */
  chatMessagesPerMinute?: number;
}

export class Limits {
  readonly settings: LimitSettings;
  private readonly commands: TokenBuckets;
  private readonly pictures: TokenBuckets;
  private readonly chats = new ChatBudgets();
  private readonly refusals = new Map<string, number>();
  private readonly shown = new Map<string, Map<string, number>>();

  constructor(
    settings: Partial<LimitSettings>,
    private readonly clock: Clock,
  ) {
    this.settings = { ...DEFAULT_LIMITS, ...settings };
    this.commands = new TokenBuckets(this.settings.commands);
    this.pictures = new TokenBuckets(this.settings.pictures);
  }

  /**
   * Every command: the loose per-person limit, then the chat's budget. Throws RateLimitedError. The
   * returned release gives the chat's message back when nothing ends up posted.
   */
  admitCommand(s: LimitSubject): () => void {
    const now = this.clock.now();
    this.prune(now);
    const command = this.commands.take(s.person, now);
    if (!command.ok) throw new RateLimitedError('commands', `Slow down a little: I can answer you again in ${seconds(command.waitMs)} s.`);
    if (s.chatMessagesPerMinute !== undefined) {
      const chat = this.chats.admit(s.chat, s.person, s.chatMessagesPerMinute, now);
      if (!chat.ok) {
        throw new RateLimitedError(
          'chat',
          `This chat is busy: I may post ${s.chatMessagesPerMinute} messages a minute here, shared among everyone. Try again in ${seconds(chat.waitMs)} s.`,
        );
      }
      return () => this.chats.release(s.chat, s.person, now);
    }
    return () => {};
  }

  /** True when this chat was already shown the picture: it costs nothing. */
  alreadyShown(s: LimitSubject, pictureKey: string): boolean {
    const at = this.shown.get(s.chat)?.get(pictureKey);
    return at !== undefined && this.clock.now() - at < SHOWN_TTL_MS;
  }

  /** A new picture from the person's budget. Throws RateLimitedError. */
  takePicture(s: LimitSubject): void {
    const taken = this.pictures.take(s.person, this.clock.now());
    if (!taken.ok) {
      const { burst } = this.settings.pictures;
      throw new RateLimitedError(
        'pictures',
        `That makes ${burst} new pictures in a row: the next one in ${seconds(taken.waitMs)} s.`,
        'Maps already shown in this chat are free.',
      );
    }
  }

  /** The picture was not made after all (the person's mistake): the token goes back. */
  refundPicture(s: LimitSubject): void {
    this.pictures.refund(s.person);
  }

  rememberShown(s: LimitSubject, pictureKey: string): void {
    const pictures = this.shown.get(s.chat) ?? new Map<string, number>();
    pictures.delete(pictureKey);
    pictures.set(pictureKey, this.clock.now());
    if (pictures.size > SHOWN_PER_CHAT) pictures.delete(pictures.keys().next().value as string);
    this.shown.set(s.chat, pictures);
  }

  /**
   * Whether a refusal of this kind should be said now: the first time within `quietMs` for this person in
   * this chat. A refusal by admitCommand holds no message of the chat's budget yet: it is said only when
   * there is room for one (`admitted` = false); later refusals use the message their admission took.
   */
  sayRefusal(s: LimitSubject, kind: RefusalKind, admitted: boolean): boolean {
    const now = this.clock.now();
    const key = `${s.chat}|${s.person}|${kind}`;
    const said = this.refusals.get(key);
    if (said !== undefined && now - said < this.settings.quietMs) return false;
    if (!admitted && s.chatMessagesPerMinute !== undefined && !this.chats.spendIfRoom(s.chat, s.person, s.chatMessagesPerMinute, now)) return false;
    this.refusals.set(key, now);
    return true;
  }

  // Bounded memory: idle people and chats are forgotten.
  private prune(now: number): void {
    if (this.commands.size + this.pictures.size + this.chats.size + this.refusals.size + this.shown.size < PRUNE_AT) return;
    this.commands.prune(now);
    this.pictures.prune(now);
    this.chats.prune(now);
    for (const [key, at] of this.refusals) if (now - at >= this.settings.quietMs) this.refusals.delete(key);
    for (const [chat, pictures] of this.shown) {
      for (const [key, at] of pictures) if (now - at >= SHOWN_TTL_MS) pictures.delete(key);
      if (pictures.size === 0) this.shown.delete(chat);
    }
  }
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
