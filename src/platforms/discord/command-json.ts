// CommandDefinition → Discord's application command JSON: typed options, choices, symbol autocomplete,
// subcommands, Manage Server as the default permission of moderator-only commands, DMs where allowed.
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  PermissionFlagsBits,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { CommandDefinition, CommandNode, OptionSpec } from '../../core/command.js';
import { moderatorOnly } from '../../core/runtime.js';

const TYPE = {
  string: ApplicationCommandOptionType.String,
  number: ApplicationCommandOptionType.Number,
  integer: ApplicationCommandOptionType.Integer,
  boolean: ApplicationCommandOptionType.Boolean,
} as const;

export function commandJson(command: CommandDefinition): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return {
    type: ApplicationCommandType.ChatInput,
    name: command.name,
    description: clip(command.description, 100),
    options: nodeOptions(command),
    // Hidden from members when every part needs a moderator; the runtime checks again either way.
    default_member_permissions: moderatorOnly(command) ? String(PermissionFlagsBits.ManageGuild) : null,
    integration_types: [ApplicationIntegrationType.GuildInstall],
    contexts:
      command.directMessages === false
        ? [InteractionContextType.Guild]
        : [InteractionContextType.Guild, InteractionContextType.BotDM],
  };
}

function nodeOptions(node: CommandNode): APIApplicationCommandOption[] {
  if (node.subcommands?.length) {
    return node.subcommands.map((sub) =>
      sub.subcommands?.length
        ? {
            type: ApplicationCommandOptionType.SubcommandGroup,
            name: sub.name,
            description: clip(sub.description, 100),
            options: sub.subcommands.map((leaf) => ({
              type: ApplicationCommandOptionType.Subcommand,
              name: leaf.name,
              description: clip(leaf.description, 100),
              options: basicOptions(leaf),
            })),
          }
        : { type: ApplicationCommandOptionType.Subcommand, name: sub.name, description: clip(sub.description, 100), options: basicOptions(sub) },
    ) as APIApplicationCommandOption[];
  }
  return basicOptions(node);
}

// Discord wants required options first; the declared order is kept otherwise.
function basicOptions(node: CommandNode): APIApplicationCommandBasicOption[] {
  const options = [...(node.options ?? [])].sort((a, b) => Number(!!b.required) - Number(!!a.required));
  return options.map(optionJson);
}

function optionJson(o: OptionSpec): APIApplicationCommandBasicOption {
  const description = clip(o.default !== undefined && !/\bdefault\b/i.test(o.description) ? `${o.description} (default ${o.default})` : o.description, 100);
  const base = { name: o.name, description, required: !!o.required };
  switch (o.type) {
    case 'string':
      return {
        ...base,
        type: TYPE.string,
        ...(o.choices ? { choices: o.choices.map((c) => ({ name: c, value: c })) } : { max_length: o.maxLength ?? 100 }),
        ...(o.autocomplete && !o.choices ? { autocomplete: true } : {}),
      } as APIApplicationCommandBasicOption;
    case 'number':
    case 'integer':
      return {
        ...base,
        type: TYPE[o.type],
        ...(o.minValue !== undefined ? { min_value: o.minValue } : {}),
        ...(o.maxValue !== undefined ? { max_value: o.maxValue } : {}),
      } as APIApplicationCommandBasicOption;
    case 'boolean':
      return { ...base, type: TYPE.boolean };
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
