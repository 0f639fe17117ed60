// The command runtime: the one entry every adapter calls with a command and a Conversation. It owns the
// whole way: parse → limit → authorize → price → acknowledge → run → reply. Adapters only translate a
// platform event into a CommandEvent and a Reply into the platform's messages.
import { randomBytes } from 'node:crypto';
import type { CommandDefinition, CommandNode, CommandRequest, OptionSpec, OptionValue, OptionValues, Reply } from './command.js';
import type { Caller } from './caller.js';
import { parseTextInput, usageOf } from './command-text.js';
import { showInput, UserError } from '../errors.js';
import { validateOptions } from './option-values.js';
import { Limits, RateLimitedError, type LimitSettings, type LimitSubject, type RefusalKind } from './rate-limit.js';
import type { Services } from './command.js';

/** Telegram words, or Discord's subcommand path and typed values. */
export type CommandInput = { kind: 'text'; args: string } | { kind: 'structured'; path: string[]; values: Record<string, OptionValue | undefined> };

/** A command as an adapter hands it over. */
export interface CommandEvent {
  /** The command's name as typed or registered (`liqmap`). */
  name: string;
  input: CommandInput;
  caller: Caller;
}

export type Delivery = 'delivered' | 'lost';

/** How one command's answer reaches the person; implemented by each adapter. */
export interface Conversation {
  /**
   * True where every request must be answered (a Discord interaction shows "did not respond" without
   * one); false where a repeated refusal may be met with silence (a Telegram chat).
   */
  readonly mustAnswer: boolean;
  /** A picture is being made: show it (Telegram "sending photo…"; Discord defers if the answer is late). */
  working(): void;
  /** Delivers the answer. Never throws: retrying, apologizing and logging a lost answer are the adapter's. */
  reply(reply: Reply): Promise<Delivery>;
}

export type CommandOutcome = 'ok' | 'user_error' | 'rate_limited' | 'error';

/** Told about every command answered (metrics). */
export type CommandObserver = (event: { command: string; platform: string; outcome: CommandOutcome; seconds: number }) => void;

interface Parsed {
  command: CommandDefinition;
  node: CommandNode;
  path: string[];
  options: OptionValues;
}

export class CommandRuntime {
  readonly services: Services;
  readonly limits: Limits;
  private readonly byName: Map<string, CommandDefinition>;

  constructor(
    services: Services,
    limits: Partial<LimitSettings> = {},
    private readonly observe: CommandObserver = () => {},
  ) {
    this.limits = new Limits({ ...services.limits, ...limits }, services.clock);
    // /help states the limits in force: the same settings the runtime applies.
    this.services = { ...services, limits: this.limits.settings };
    this.byName = new Map(services.commands.map((c) => [c.name, c]));
  }

  get commands(): readonly CommandDefinition[] {
    return this.services.commands;
  }

  find(name: string): CommandDefinition | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** Handles one command from start to answer. Never throws. */
  async handle(event: CommandEvent, conversation: Conversation): Promise<void> {
    const started = performance.now();
    const { caller } = event;
    const subject: LimitSubject = {
      person: `${caller.platform}:${caller.userId}`,
      chat: `${caller.platform}:${caller.chatId}`,
      ...(caller.chatMessagesPerMinute !== undefined ? { chatMessagesPerMinute: caller.chatMessagesPerMinute } : {}),
    };
    let label = this.find(event.name)?.name ?? 'unknown';
    const done = (outcome: CommandOutcome) =>
      this.observe({ command: label, platform: caller.platform, outcome, seconds: (performance.now() - started) / 1000 });
    const answer = async (reply: Reply, outcome: CommandOutcome) => {
      await deliver(conversation, reply, this.services);
      done(outcome);
    };

    // Parsed first (it is cheap), answered after the admission: a usage error is a message too.
    let parsed: Parsed | undefined;
    let parseError: unknown;
    try {
      parsed = this.parse(event);
      label = parsed.path.join(' ');
    } catch (err) {
      parseError = err;
    }

    let releaseChat: () => void;
    try {
      releaseChat = this.limits.admitCommand(subject);
    } catch (err) {
      return this.refuse(err as RateLimitedError, subject, false, () => {}, conversation, done);
    }
    if (!parsed) return answer(this.replyForError(parseError, newRequestId(), caller, label), parseError instanceof UserError ? 'user_error' : 'error');

    const { command, node, path, options } = parsed;
    const requestId = newRequestId();
    try {
      // After the limiter: a flood of moderator commands costs no getChatMember calls.
      if (needsModerator(command, path) && (await caller.role()) !== 'moderator') {
        const refusal = new RateLimitedError(
          'moderator',
          `/${path.join(' ')} is for moderators only.`,
          caller.platform === 'discord' ? 'Moderators are members with the Manage Server permission.' : "Moderators are this chat's administrators.",
        );
        return this.refuse(refusal, subject, true, releaseChat, conversation, done);
      }
    } catch (err) {
      return answer(this.replyForError(err, requestId, caller, label), 'error');
    }

    const handler = node.handler;
    if (!handler) return answer(this.replyForError(new Error(`command /${label} has no handler`), requestId, caller, label), 'error');
    const request: CommandRequest = { options, caller, services: this.services, requestId, path };

    let pictureKey: string | undefined;
    let charged = false;
    if (producesOf(command, path, options) === 'picture') {
      try {
        pictureKey = await pictureKeyOf(command, path)?.(request);
      } catch (err) {
        // An unknown symbol is found here: answered, and free.
        return answer(this.replyForError(err, requestId, caller, label), err instanceof UserError ? 'user_error' : 'error');
      }
      if (pictureKey === undefined || !this.limits.alreadyShown(subject, pictureKey)) {
        try {
          this.limits.takePicture(subject);
        } catch (err) {
          return this.refuse(err as RateLimitedError, subject, true, releaseChat, conversation, done);
        }
        charged = true;
      }
      conversation.working();
    }

    let reply: Reply;
    let outcome: CommandOutcome;
    try {
      reply = await handler(request);
      outcome = 'ok';
    } catch (err) {
      // A person's mistake found by the handler does not cost them a picture.
      if (charged && err instanceof UserError) this.limits.refundPicture(subject);
      reply = this.replyForError(err, requestId, caller, label);
      outcome = err instanceof UserError ? 'user_error' : 'error';
    }
    const delivery = await deliver(conversation, reply, this.services);
    if (delivery === 'delivered' && outcome === 'ok' && pictureKey !== undefined) this.limits.rememberShown(subject, pictureKey);
    done(outcome);
  }

  /** handle() with the answer captured: for contract tests and callers without a platform. */
  async execute(name: string, input: CommandInput, caller: Caller): Promise<Reply> {
    let answer: Reply = { text: '' };
    await this.handle({ name, input, caller }, {
      mustAnswer: true,
      working: () => {},
      reply: async (reply) => {
        answer = reply;
        return 'delivered';
      },
    });
    return answer;
  }

  /** Autocomplete: choices for the option being typed (Discord). */
  async suggest(name: string, path: readonly string[], option: string, typed: string): Promise<{ name: string; value: string }[]> {
    const command = this.find(name);
    const spec = command ? nodeAt(command, path)?.options?.find((o: OptionSpec) => o.name === option) : undefined;
    if (spec?.autocomplete !== 'symbol') return [];
    const listings = await this.services.maps.searchSymbols(typed.slice(0, 30), 25);
    return listings.map((l) => ({ name: `${l.base} (${l.symbol})`.slice(0, 100), value: l.symbol }));
  }

  /** A UserError as is (private where the platform can); anything else logged with the request id and apologized for. */
  replyForError(err: unknown, requestId: string, caller: Caller, command: string): Reply {
    if (err instanceof UserError) return { text: err.text, ephemeral: true };
    this.services.log.error({ err, requestId, platform: caller.platform, chatId: caller.chatId, command }, 'command failed');
    return { text: `Sorry, something went wrong on my side (ref ${requestId}). Please try again later.`, ephemeral: true };
  }

  /** Says a refusal once per person and kind; repeats get silence where the platform allows it. */
  private async refuse(
    refusal: RateLimitedError,
    subject: LimitSubject,
    admitted: boolean,
    releaseChat: () => void,
    conversation: Conversation,
    done: (outcome: CommandOutcome) => void,
  ): Promise<void> {
    const kind: RefusalKind = refusal.kind;
    const say = this.limits.sayRefusal(subject, kind, admitted);
    if (say || conversation.mustAnswer) await deliver(conversation, { text: refusal.text, ephemeral: true }, this.services);
    else releaseChat();
    done(kind === 'moderator' ? 'user_error' : 'rate_limited');
  }

  private parse(event: CommandEvent): Parsed {
    const command = this.find(event.name);
    if (!command) throw new UserError(`There is no /${showInput(event.name)} command.`, 'Try /help');
    const { node, path, raw } =
      event.input.kind === 'text' ? parseTextInput(command, event.input.args) : resolveStructured(command, event.input.path, event.input.values);
    const options = validateOptions(node, raw, usageOf(path, node));
    if (event.caller.chatKind === 'private' && command.directMessages === false) {
      throw new UserError(`/${command.name} works in a group or server channel, not in a private chat.`);
    }
    return { command, node, path, options };
  }
}

/** Conversation.reply never throws by contract; an adapter that breaks it is logged, not propagated. */
async function deliver(conversation: Conversation, reply: Reply, services: Services): Promise<Delivery> {
  try {
    return await conversation.reply(reply);
  } catch (err) {
    services.log.error({ err }, 'reply failed in the adapter');
    return 'lost';
  }
}

function newRequestId(): string {
  return randomBytes(4).toString('hex');
}

function resolveStructured(root: CommandNode, path: string[], values: Record<string, OptionValue | undefined>) {
  let node = root;
  const resolved = [root.name];
  for (const name of path.slice(1)) {
    const next = node.subcommands?.find((s) => s.name === name);
    if (!next) throw new UserError(`/${resolved.join(' ')} has no "${showInput(name)}"`);
    node = next;
    resolved.push(next.name);
  }
  if (node.subcommands?.length) throw new UserError(`/${resolved.join(' ')} needs one of: ${node.subcommands.map((s) => s.name).join(', ')}`);
  const raw: Record<string, OptionValue> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined) raw[k] = v;
  return { node, path: resolved, raw };
}

/** The nodes from the root down the path (the root first). */
function nodesOn(root: CommandNode, path: readonly string[]): CommandNode[] {
  const nodes = [root];
  for (const name of path.slice(1)) {
    const next = nodes.at(-1)!.subcommands?.find((s) => s.name === name);
    if (!next) break;
    nodes.push(next);
  }
  return nodes;
}

function nodeAt(root: CommandNode, path: readonly string[]): CommandNode | undefined {
  const nodes = nodesOn(root, path);
  return nodes.length === Math.max(1, path.length) ? nodes.at(-1) : undefined;
}

/** A node needs a moderator when it, or any node on its path, says so. */
export function needsModerator(root: CommandNode, path: readonly string[]): boolean {
  return nodesOn(root, path).some((n) => n.access === 'moderator');
}

/** What the leaf produces: the nearest node on the path that says. */
export function producesOf(root: CommandNode, path: readonly string[], options: OptionValues): 'picture' | 'text' {
  return nodesOn(root, path).reduce<'picture' | 'text'>((p, n) => (typeof n.produces === 'function' ? n.produces(options) : (n.produces ?? p)), 'text');
}

function pictureKeyOf(root: CommandNode, path: readonly string[]): CommandNode['pictureKey'] {
  return nodesOn(root, path).reduce<CommandNode['pictureKey']>((k, n) => n.pictureKey ?? k, undefined);
}

/** True when every runnable leaf needs a moderator: Discord then hides the command from members. */
export function moderatorOnly(node: CommandNode): boolean {
  if (node.access === 'moderator') return true;
  if (!node.subcommands?.length) return false;
  return node.subcommands.every(moderatorOnly);
}
