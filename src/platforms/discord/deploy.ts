// Registers the slash commands with Discord: guild-scoped (instant, for development) or global.
// A separate step from starting the bot, as the discord.js guide recommends: commands change rarely.
import { REST, Routes, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { CommandDefinition } from '../../core/command.js';
import { commandJson } from './command-json.js';

export interface DeployOptions {
  token: string;
  apiUrl?: string;
  /** Learned from the token (GET /applications/@me) when not given. */
  applicationId?: string;
  guildId?: string;
  commands: readonly CommandDefinition[];
}

export interface DeployResult {
  applicationId: string;
  scope: 'global' | { guildId: string };
  names: string[];
}

export async function deployCommands(options: DeployOptions): Promise<DeployResult> {
  const rest = new REST(options.apiUrl ? { api: options.apiUrl } : {}).setToken(options.token);
  const applicationId = options.applicationId ?? ((await rest.get(Routes.currentApplication())) as { id: string }).id;
  const body: RESTPostAPIChatInputApplicationCommandsJSONBody[] = options.commands.map(commandJson);
  // PUT replaces the whole set: commands removed from commands/ disappear from Discord too.
  const route = options.guildId ? Routes.applicationGuildCommands(applicationId, options.guildId) : Routes.applicationCommands(applicationId);
  const saved = (await rest.put(route, { body })) as { name: string }[];
  return { applicationId, scope: options.guildId ? { guildId: options.guildId } : 'global', names: saved.map((c) => c.name) };
}
