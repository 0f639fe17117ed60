// /help [command]: what the bot does and how to ask, generated from the command definitions.
import type { CommandDefinition, CommandNode, OptionSpec } from '../src/core/command.js';
import { DEFAULT_LIMITS, type LimitSettings } from '../src/core/rate-limit.js';
import { showInput, UserError } from '../src/errors.js';

export const helpCommand: CommandDefinition = {
  name: 'help',
  description: 'What this bot does and how to ask',
  options: [{ name: 'command', description: 'a command to explain, e.g. liqmap', type: 'string', maxLength: 32 }],
  async handler({ options, services }) {
    const name = typeof options.command === 'string' ? options.command.replace(/^\//, '').toLowerCase() : undefined;
    if (name) {
      const command = services.commands.find((c) => c.name === name);
      if (!command) {
        throw new UserError(`There is no /${showInput(name)} command.`, `Commands: ${services.commands.map((c) => `/${c.name}`).join(', ')}`);
      }
      return { title: `/${command.name}`, text: explain(command) };
    }
    const lines = services.commands.map((c) => `/${c.name} — ${c.description}`);
    return {
      title: 'liqmap',
      text: [
        'Estimated liquidation maps from public exchange data (Binance, Bybit, OKX).',
        '',
        ...lines,
        '',
        'Options can come in any order: /liqmap btc 7d bybit. /help liqmap explains one command.',
        limitsText(services.limits ?? DEFAULT_LIMITS),
        'Every figure is an estimate, not a record of orders, and nothing here is financial advice.',
      ].join('\n'),
    };
  },
};

/** The rules of the limiter (src/core/rate-limit.ts) in one paragraph. */
export function limitsText(limits: LimitSettings): string {
  const { burst, intervalMs } = limits.pictures;
  return [
    `Limits: up to ${burst} new pictures at once, then one every ${Math.round(intervalMs / 1000)} s per person.`,
    'A map already shown in this chat, /help, status, lists, settings and mistakes cost nothing; only a flood of commands is slowed down.',
    'In a Telegram group I may post 20 messages a minute (Telegram\'s limit), shared fairly among everyone.',
    'A refusal is said once; repeats within a minute get no answer.',
  ].join(' ');
}

function explain(command: CommandDefinition): string {
  const lines = [command.description, ''];
  const walk = (node: CommandNode, path: string[], moderators: boolean) => {
    const forModerators = moderators || node.access === 'moderator';
    if (node.subcommands?.length) {
      for (const sub of node.subcommands) walk(sub, [...path, sub.name], forModerators);
      return;
    }
    const opts = (node.options ?? []).map((o) => (o.required ? `<${o.name}>` : `[${o.name}]`)).join(' ');
    const who = forModerators && !/moderators/i.test(node.description) ? ' (moderators)' : '';
    lines.push(`/${path.join(' ')}${opts ? ` ${opts}` : ''}${who}${path.length > 1 ? ` — ${node.description}` : ''}`);
    for (const o of node.options ?? []) lines.push(`  ${o.name}: ${describeOption(o)}`);
  };
  walk(command, [command.name], false);
  if (command.examples?.length) lines.push('', `Examples: ${command.examples.join(' · ')}`);
  return lines.join('\n');
}

function describeOption(o: OptionSpec): string {
  const choices = o.choices ? ` (${o.choices.join(', ')})` : '';
  const dflt = o.default !== undefined && !/\bdefault\b/i.test(o.description) ? `, default ${o.default}` : '';
  return `${o.description}${choices}${dflt}`;
}
