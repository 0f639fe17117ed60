import { DiscordAPIError } from 'discord.js';
import { BOT_COMMANDS } from '../../commands/index.js';
import { ConfigError, loadConfig } from '../config.js';
import { UserError } from '../errors.js';
import { deployCommands } from '../platforms/discord/deploy.js';
import type { CliCommand } from './command.js';
import { parseArgs, stringOption, UsageError } from './args.js';

const USAGE = 'usage: liqmap deploy-commands [--guild <server id>]   (needs DISCORD_TOKEN; guild = instant, for testing; none = global)';

/** `liqmap deploy-commands`: registers the slash commands of commands/ with Discord. */
export const deployCommandsCommand: CliCommand = {
  usage: USAGE,
  async run(argv, io) {
    const args = parseArgs(argv, { guild: { type: 'string', description: 'server id for guild-scoped commands' } }, USAGE);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"\n${USAGE}`);
    let config;
    try {
      config = loadConfig(process.env);
    } catch (err) {
      if (err instanceof ConfigError) throw new UserError(err.message);
      throw err;
    }
    const token = config.discord.token;
    if (!token) throw new UserError('DISCORD_TOKEN is not set: copy it from Discord Developer Portal → your application → Bot → Reset Token');
    const guildId = stringOption(args, 'guild') ?? config.discord.devGuildId;
    if (guildId !== undefined && !/^\d{17,20}$/.test(guildId)) throw new UserError(`--guild "${guildId.slice(0, 30)}" is not a server id (17 to 20 digits)`);
    try {
      const result = await deployCommands({ token, apiUrl: config.discord.apiUrl, applicationId: config.discord.applicationId, guildId, commands: BOT_COMMANDS });
      const where = result.scope === 'global' ? 'globally' : `in server ${result.scope.guildId}`;
      io.out(`registered ${result.names.length} commands ${where} for application ${result.applicationId}: ${result.names.map((n) => `/${n}`).join(', ')}`);
      return 0;
    } catch (err) {
      if (err instanceof DiscordAPIError) {
        const hint = err.status === 401 ? ' (check DISCORD_TOKEN)' : err.code === 50001 ? ' (is the bot in that server, invited with the applications.commands scope?)' : '';
        throw new UserError(`Discord refused the commands: ${err.status} ${err.message}${hint}`);
      }
      throw err;
    }
  },
};
