// /help [command]: what the bot does and how to ask, generated from the command definitions.
import type { CommandDefinition, CommandNode, OptionSpec } from '../src/core/command.js';
import { showInput, UserError } from '../src/errors.js';

export const helpCommand: CommandDefinition = {
  name: 'help',
  description: 'What this bot does and how to ask',
  options: [{ name: 'command', description: 'a command to explain, e.g. liqmap', type: 'string', maxLength: 32 }],
  cooldownMs: 0,
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
        'Every figure is an estimate, not a record of orders, and nothing here is financial advice.',
      ].join('\n'),
    };
  },
};

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
