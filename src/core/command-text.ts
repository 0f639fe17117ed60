// Telegram-style command text → a command name and option values. Options may come in any order:
// `/liqmap btc 7d bybit`, `/liqmap 7d btc`, `/liqmap symbol:btc window=7d`, `/liqmap@TheBot eth`.
import type { CommandNode, OptionSpec, OptionValue } from './command.js';
import { showInput, UserError } from '../errors.js';

export interface CommandText {
  /** Lower-cased command name without the slash and the @suffix. */
  name: string;
  /** The words after the command. */
  args: string;
}

/**
 * `/liqmap@TheBot btc 7d` → { name: 'liqmap', args: 'btc 7d' }. Undefined when the text is no command,
 * or a command addressed to another bot (`/liqmap@OtherBot`): in a group several bots may listen.
 */
export function splitCommandText(text: string, botUsername: string | undefined): CommandText | undefined {
  const m = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!m) return undefined;
  const addressee = m[2];
  if (addressee !== undefined && (!botUsername || addressee.toLowerCase() !== botUsername.toLowerCase())) return undefined;
  return { name: m[1]!.toLowerCase(), args: (m[3] ?? '').trim() };
}

/** Words of the argument text; "double quotes" keep spaces together. */
export function tokenize(args: string): string[] {
  const tokens: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(args); m; m = re.exec(args)) tokens.push(m[1] ?? m[2]!);
  return tokens;
}

export interface TextInput {
  path: string[];
  /** Raw text per option; validation (option-values.ts) turns it into typed values. */
  raw: Record<string, OptionValue>;
  node: CommandNode;
}

/** Finds the subcommand path and assigns each word to an option. */
export function parseTextInput(root: CommandNode, args: string): TextInput {
  const tokens = tokenize(args);
  const path = [root.name];
  let node = root;
  while (node.subcommands && node.subcommands.length > 0) {
    const word = tokens[0]?.toLowerCase();
    const next = node.subcommands.find((s) => s.name === word);
    if (!next) {
      const names = node.subcommands.map((s) => s.name).join(', ');
      throw new UserError(
        word === undefined ? `/${path.join(' ')} needs one of: ${names}` : `/${path.join(' ')} has no "${showInput(word)}": use one of ${names}`,
        `Try /help ${root.name}`,
      );
    }
    tokens.shift();
    path.push(next.name);
    node = next;
  }
  const options = node.options ?? [];
  const raw: Record<string, OptionValue> = {};
  const rest: string[] = [];

  // 1. Explicit name:value or name=value.
  for (const token of tokens) {
    const m = /^([a-z_]+)[:=](.+)$/i.exec(token);
    const spec = m ? options.find((o) => o.name === m[1]!.toLowerCase()) : undefined;
    if (m && spec) {
      if (raw[spec.name] !== undefined) throw new UserError(`${spec.name} is given twice`);
      raw[spec.name] = m[2]!;
    } else rest.push(token);
  }
  // 2. Words a typed option recognises (a choice, a number, a pattern), whatever their position.
  const leftover: string[] = [];
  for (const token of rest) {
    const spec = options.find((o) => raw[o.name] === undefined && recognises(o, token));
    if (spec) raw[spec.name] = token;
    else leftover.push(token);
  }
  // 3. The remaining words fill free-text options in declaration order; a `rest` option takes all that follow it.
  const filled = new Set<string>();
  for (const token of leftover) {
    const spec = options.find((o) => raw[o.name] === undefined && o.type === 'string' && !o.choices && !o.pattern);
    const rest = spec ? undefined : options.find((o) => o.rest && filled.has(o.name));
    if (rest) {
      raw[rest.name] = `${String(raw[rest.name])} ${token}`;
      continue;
    }
    const taken = options.find((o) => raw[o.name] !== undefined && recognises(o, token));
    if (!spec && taken) throw new UserError(`${taken.name} is given twice`, `Usage: ${usageOf(path, node)}`);
    if (!spec) {
      throw new UserError(`I don't understand "${showInput(token)}" here`, `Usage: ${usageOf(path, node)}`);
    }
    raw[spec.name] = token;
    filled.add(spec.name);
  }
  return { path, raw, node };
}

function recognises(spec: OptionSpec, token: string): boolean {
  const t = token.toLowerCase();
  if (spec.choices) return spec.choices.some((c) => c.toLowerCase() === t);
  if (spec.pattern) return spec.pattern.test(token);
  if (spec.type === 'number' || spec.type === 'integer') return /^[+-]?\d+(\.\d+)?%?$/.test(token);
  if (spec.type === 'boolean') return ['true', 'false', 'yes', 'no', 'on', 'off'].includes(t);
  return false;
}

/** `/liqmap <symbol> [venue] [window] [range]`. */
export function usageOf(path: readonly string[], node: CommandNode): string {
  const opts = (node.options ?? []).map((o) => (o.required ? `<${o.name}>` : `[${o.name}]`));
  const subs = node.subcommands?.length ? [`${node.subcommands.map((s) => s.name).join('|')} …`] : [];
  return [`/${path.join(' ')}`, ...subs, ...opts].join(' ');
}
