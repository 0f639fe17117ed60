// The command runtime: one place that turns a platform event into a Reply. Adapters call `prepare`
// (parse, validate, authorize, rate-limit: fast, before Discord's deferral) and then `run`.
import { randomBytes } from 'node:crypto';
import type { Caller, CommandDefinition, CommandNode, CommandRequest, OptionValue, OptionValues, Reply } from './command.js';
import { parseTextInput, usageOf } from './command-text.js';
import { showInput, UserError } from '../errors.js';
import { validateOptions } from './option-values.js';
import { DEFAULT_RATE_LIMITS, RateLimitedError, RateLimiter, type RateLimitOptions, type Release } from './rate-limit.js';
import type { Services } from './services.js';

/** Telegram words, or Discord's subcommand path and typed values. */
export type CommandInput = { kind: 'text'; args: string } | { kind: 'structured'; path: string[]; values: Record<string, OptionValue | undefined> };

export interface PreparedCommand {
  command: CommandDefinition;
  path: string[];
  options: OptionValues;
  requestId: string;
  /** Runs the handler. Never throws: failures become a Reply (user errors as is, the rest as an apology). */
  run(): Promise<Reply>;
}

export type CommandOutcome = 'ok' | 'user_error' | 'rate_limited' | 'error';

/** Told about every command answered (metrics). */
export type CommandObserver = (event: { command: string; platform: string; outcome: CommandOutcome; seconds: number }) => void;

export class CommandRuntime {
  private readonly byName: Map<string, CommandDefinition>;
  private readonly limiter: RateLimiter;

  constructor(
    readonly services: Services,
    limits: Partial<RateLimitOptions> = {},
    private readonly observe: CommandObserver = () => {},
  ) {
    this.byName = new Map(services.commands.map((c) => [c.name, c]));
    this.limiter = new RateLimiter({ ...DEFAULT_RATE_LIMITS, ...limits }, services.clock);
  }

  get commands(): readonly CommandDefinition[] {
    return this.services.commands;
  }

  find(name: string): CommandDefinition | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** Checks everything that can be checked before work starts; throws a UserError for the person. */
  async prepare(name: string, input: CommandInput, caller: Caller): Promise<PreparedCommand> {
    const command = this.find(name);
    if (!command) throw new UserError(`There is no /${showInput(name)} command.`, 'Try /help');
    const { node, path, raw } = input.kind === 'text' ? parseTextInput(command, input.args) : resolveStructured(command, input.path, input.values);
    const usage = usageOf(path, node);
    const options = validateOptions(node, raw, usage);
    if (caller.chatKind === 'private' && command.directMessages === false) {
      throw new UserError(`/${command.name} works in a group or server channel, not in a private chat.`);
    }
    if (needsModerator(command, path) && (await caller.role()) !== 'moderator') {
      throw new UserError(
        `/${path.join(' ')} is for moderators only.`,
        caller.platform === 'discord' ? 'Moderators are members with the Manage Server permission.' : "Moderators are this chat's administrators.",
      );
    }
    const release = this.limiter.take(
      `${caller.platform}:${caller.userId}:${command.name}`,
      `${caller.platform}:${caller.chatId}`,
      command.cooldownMs,
    );
    const handler = node.handler;
    if (!handler) throw new Error(`command /${path.join(' ')} has no handler`);
    const requestId = randomBytes(4).toString('hex');
    const request: CommandRequest = { options, caller, services: this.services, requestId, path };
    return { command, path, options, requestId, run: () => this.runHandler(handler, request, release) };
  }

  /** prepare + run, with a user error at prepare time as the Reply. */
  async execute(name: string, input: CommandInput, caller: Caller): Promise<Reply> {
    let prepared: PreparedCommand;
    try {
      prepared = await this.prepare(name, input, caller);
    } catch (err) {
      return this.refusal(err, caller, name);
    }
    return prepared.run();
  }

  private async runHandler(handler: (r: CommandRequest) => Promise<Reply>, request: CommandRequest, release: Release): Promise<Reply> {
    const started = performance.now();
    const done = (outcome: CommandOutcome) =>
      this.observe({ command: request.path.join(' '), platform: request.caller.platform, outcome, seconds: (performance.now() - started) / 1000 });
    try {
      const reply = await handler(request);
      done('ok');
      return reply;
    } catch (err) {
      // A person's mistake (unknown symbol) should not cost them the cooldown.
      if (err instanceof UserError) release();
      done(err instanceof UserError ? 'user_error' : 'error');
      return this.replyForError(err, request.requestId, request.caller, request.path.join(' '));
    }
  }

  /** A UserError as is (ephemeral); anything else logged with the request id and answered with an apology. */
  /** The Reply for a command refused by `prepare` (validation, access, limits), counted for metrics. */
  refusal(err: unknown, caller: Caller, command: string): Reply {
    const outcome: CommandOutcome = err instanceof RateLimitedError ? 'rate_limited' : err instanceof UserError ? 'user_error' : 'error';
    this.observe({ command, platform: caller.platform, outcome, seconds: 0 });
    return this.replyForError(err, randomBytes(4).toString('hex'), caller, command);
  }

  replyForError(err: unknown, requestId: string, caller: Caller, command: string): Reply {
    if (err instanceof UserError) return { text: err.text, ephemeral: true };
    this.services.log.error(
      { err, requestId, platform: caller.platform, chatId: caller.chatId, command },
      'command failed',
    );
    return { text: `Sorry, something went wrong on my side (ref ${requestId}). Please try again later.`, ephemeral: true };
  }
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

/** A node needs a moderator when it, or any node on its path, says so. */
export function needsModerator(root: CommandNode, path: readonly string[]): boolean {
  let node: CommandNode | undefined = root;
  if (node.access === 'moderator') return true;
  for (const name of path.slice(1)) {
    node = node?.subcommands?.find((s) => s.name === name);
    if (node?.access === 'moderator') return true;
  }
  return false;
}

/** True when every runnable leaf needs a moderator: Discord then hides the command from members. */
export function moderatorOnly(node: CommandNode): boolean {
  if (node.access === 'moderator') return true;
  if (!node.subcommands?.length) return false;
  return node.subcommands.every(moderatorOnly);
}
