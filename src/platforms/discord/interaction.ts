// A raw interaction, as Discord sends it over the gateway (INTERACTION_CREATE) or to the interactions
// endpoint, → what the runtime takes. Read defensively: a payload that lacks what a command needs is
// refused, never trusted (the fields follow Discord's "Interaction Object" and real dispatches in
// test/fixtures/discord).
import type { OptionValue } from '../../core/command.js';
import type { Caller } from '../../core/caller.js';
import type { CommandEvent } from '../../core/runtime.js';

export const InteractionType = { Ping: 1, ApplicationCommand: 2, MessageComponent: 3, Autocomplete: 4, ModalSubmit: 5 } as const;
/** Application command option types that nest: subcommand and subcommand group. */
const SUBCOMMAND = 1;
const SUBCOMMAND_GROUP = 2;
/** Permission bits that make a moderator: Administrator and Manage Server. */
const ADMINISTRATOR = 1n << 3n;
const MANAGE_GUILD = 1n << 5n;

interface RawOption {
  name: string;
  type: number;
  value?: unknown;
  options?: RawOption[];
  focused?: boolean;
}

interface RawUser {
  id: string;
  username?: string;
}

/** The fields of an interaction this adapter reads. */
export interface RawInteraction {
  id: string;
  application_id: string;
  type: number;
  token: string;
  data?: { name?: string; type?: number; options?: RawOption[] };
  guild_id?: string;
  channel_id?: string;
  channel?: { id: string };
  member?: { user?: RawUser; permissions?: string };
  user?: RawUser;
}

/** True when the value has what every interaction carries. */
export function isInteraction(value: unknown): value is RawInteraction {
  const v = value as Partial<RawInteraction> | null;
  return (
    typeof v === 'object' && v !== null && typeof v.id === 'string' && typeof v.application_id === 'string' && typeof v.type === 'number' && typeof v.token === 'string'
  );
}

/** A slash command → the runtime's CommandEvent; undefined when the payload lacks the command or the person. */
export function commandEventOf(interaction: RawInteraction): CommandEvent | undefined {
  const name = interaction.data?.name;
  const caller = callerOf(interaction);
  if (typeof name !== 'string' || !caller) return undefined;
  const { path, options } = leaf(interaction.data?.options ?? []);
  const values: Record<string, OptionValue | undefined> = {};
  for (const o of options) if (isOptionValue(o.value)) values[o.name] = o.value;
  return { name, input: { kind: 'structured', path: [name, ...path], values }, caller };
}

/** An autocomplete request: which option is being typed, and what has been typed so far. */
export function autocompleteOf(interaction: RawInteraction): { name: string; path: string[]; option: string; typed: string } | undefined {
  const name = interaction.data?.name;
  if (typeof name !== 'string') return undefined;
  const { path, options } = leaf(interaction.data?.options ?? []);
  const focused = options.find((o) => o.focused);
  if (!focused) return undefined;
  return { name, path: [name, ...path], option: focused.name, typed: String(focused.value ?? '') };
}

function callerOf(interaction: RawInteraction): Caller | undefined {
  const user = interaction.member?.user ?? interaction.user;
  const chatId = interaction.channel_id ?? interaction.channel?.id;
  if (!user || typeof user.id !== 'string' || !chatId) return undefined;
  const inGuild = typeof interaction.guild_id === 'string';
  const permissions = parsePermissions(interaction.member?.permissions);
  return {
    platform: 'discord',
    userId: user.id,
    ...(user.username ? { userName: user.username } : {}),
    chatId,
    ...(inGuild ? { guildId: interaction.guild_id } : {}),
    chatKind: inGuild ? 'group' : 'private',
    // Permissions come with the interaction; in a DM the person is alone with the bot.
    role: async () => (!inGuild || (permissions & (ADMINISTRATOR | MANAGE_GUILD)) !== 0n ? 'moderator' : 'member'),
  };
}

/** The innermost subcommand's path and options. */
function leaf(options: RawOption[]): { path: string[]; options: RawOption[] } {
  const nested = options.find((o) => o.type === SUBCOMMAND || o.type === SUBCOMMAND_GROUP);
  if (!nested) return { path: [], options };
  const inner = leaf(nested.options ?? []);
  return { path: [nested.name, ...inner.path], options: inner.options };
}

function parsePermissions(text: string | undefined): bigint {
  try {
    return text !== undefined && /^\d+$/.test(text) ? BigInt(text) : 0n;
  } catch {
    return 0n;
  }
}

function isOptionValue(v: unknown): v is OptionValue {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}
