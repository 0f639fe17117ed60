// The platform-free shape of a chat command: declared once in commands/<name>.ts, read by the runtime
// (parsing, validation, access, rate limits), by both adapters (registration, replies) and by /help.
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { MapService, ResolvedQuery } from '../maps/map-pipeline.js';
import type { Caller, Platform } from './caller.js';
import type { Destination } from './destination.js';
import type { LimitSettings } from './rate-limit.js';


/** One option, declared once: both platforms, the help text and validation read it. */
export interface OptionSpec {
  name: string;
  description: string;
  /** `string` values may be restricted by `choices` or `pattern`; `number` accepts "15" and "15%". */
  type: 'string' | 'number' | 'integer' | 'boolean';
  required?: boolean;
  /** The value used when the person gives none (shown in help). */
  default?: string | number | boolean;
  /** Fixed values (Discord renders them as a menu; Telegram text is matched against them). */
  choices?: readonly string[];
  /** Discord autocompletes it from the symbol catalogue. */
  autocomplete?: 'symbol';
  /**
   * How a free Telegram token is recognised as this option (e.g. /^\d{1,2}:\d{2}$/ for a time), so
   * options can come in any order. Without it a string option takes the leftover words in declaration order.
   */
  pattern?: RegExp;
  minValue?: number;
  maxValue?: number;
  /** Longest accepted string (default 100). */
  maxLength?: number;
  /** A free-text string option that takes every remaining word of a text command (`/watch add btc 85000 90000`). */
  rest?: boolean;
}

export type OptionValue = string | number | boolean;
export type OptionValues = Record<string, OptionValue | undefined>;

/** Who may run a command (or subcommand). Moderators: Discord Manage Server; Telegram chat administrators. */
export type Access = 'anyone' | 'moderator';

/** The result of a command, rendered by each adapter in its own way. */
export interface Reply {
  /** Plain text (adapters escape it): Telegram caption or message, Discord embed description or content. */
  text: string;
  /** A bold first line on Telegram, the embed title on Discord. */
  title?: string;
  images?: ReplyImage[];
  /** Only the caller sees it (Discord); Telegram has no such thing and replies in the chat. */
  ephemeral?: boolean;
  /** A button under the reply (Discord: a link button; Telegram: an inline keyboard URL button). */
  link?: ReplyLink;
}

/** A web page behind the reply, e.g. the interactive map at PUBLIC_URL. */
export interface ReplyLink {
  label: string;
  url: string;
}

export interface ReplyImage {
  png: Buffer;
  /** File name, e.g. liqmap-BTCUSDT-7d.png. */
  name: string;
  /** Same key = same bytes: lets Telegram resend an uploaded photo by file_id instead of uploading it again. */
  cacheKey?: string;
  /** A public URL serving these same bytes (PUBLIC_URL set): Discord can show it as an embed image without an upload. */
  url?: string;
}



/**
 * Result of sending to a destination: delivered; gone for good (Telegram 403, Discord 10003 / 50001 /
 * 50013: disable it, do not retry); or try again later.
 */
export type SendResult = 'ok' | { gone: string } | { retryAfterMs: number };

/** Implemented by each adapter; the scheduler sends digests and alerts through it. */
export interface DestinationSender {
  platform: Platform;
  send(destination: Destination, reply: Reply): Promise<SendResult>;
}

/** What a handler gets: validated options, who asked, and every service through one object. */
export interface CommandRequest {
  options: OptionValues;
  caller: Caller;
  services: Services;
  /** Short id quoted in apologies and logs. */
  requestId: string;
  /** Path of names, e.g. ['alerts', 'add']. */
  path: string[];
}

/** A leaf runs a handler; a branch holds subcommands (Discord: subcommands and groups, at most two levels). */
export interface CommandNode {
  name: string;
  /** One line, shown in Discord's picker, Telegram's menu and /help. */
  description: string;
  /** Default 'anyone'. A moderator-only node is checked at run time on both platforms. */
  access?: Access;
  options?: readonly OptionSpec[];
  subcommands?: readonly CommandNode[];
  handler?: (request: CommandRequest) => Promise<Reply>;
  /**
   * 'picture': the answer is a new picture, the expensive thing, charged to the person's picture budget
   * (and shown as "sending photo…" on Telegram). Inherited by subcommands. Default 'text': free. A
   * function when an option turns the answer into text (`/liqmap accuracy btc`).
   */
  produces?: 'picture' | 'text' | ((options: OptionValues) => 'picture' | 'text');
  /**
   * Names the picture this request would produce (the map id), so one already shown in this chat costs
   * nothing. May throw a UserError (an unknown symbol): answered without charging anything.
   */
  pictureKey?: (request: CommandRequest) => Promise<string>;
}

export interface CommandDefinition extends CommandNode {
  /** Works in a private chat / Discord DM (default true). */
  directMessages?: boolean;
  /** Extra lines for /help (examples). */
  examples?: readonly string[];
}

// The services a command reaches through its request: one object built in src/main.ts, rebuilt with
// fakes in tests. Ports only (interfaces); the implementations live at the edges. (Here, not in a file
// of their own: a command's request carries them and they list the commands, one knot of types.)
export interface Services {
  /** Every map, heatmap and symbol lookup goes through the one map pipeline. */
  maps: MapService;
  clock: Clock;
  log: Logger;
  /** Every command the bot serves, for /help. */
  commands: readonly CommandDefinition[];
  /** The limits in force (set by the runtime from the configuration), for /help to state them. */
  limits?: LimitSettings;
  /** Links to the web page; absent when PUBLIC_URL is unset (replies then carry no link). */
  links?: PageLinks;
}

/** Public URLs of the web view of a map (src/web), built from PUBLIC_URL. */
export interface PageLinks {
  /** The interactive page: /m/<symbol>?… (map) or /h/<symbol>?… (heatmap), reproducing the query. */
  page(kind: 'map' | 'heatmap', query: ResolvedQuery): string;
  /** The PNG of exactly this map id, cacheable by anyone who fetches it (Discord's embed image). */
  picture(kind: 'map' | 'heatmap', query: ResolvedQuery, id: string): string;
}
