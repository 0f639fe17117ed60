import { ConfigError, loadConfig } from '../config.js';
import { startBot, type RunningBot } from '../main.js';
import type { CliCommand } from './command.js';
import { parseArgs, UsageError } from './args.js';

const USAGE = 'usage: liqmap serve   (configuration from the environment or .env: DISCORD_TOKEN and/or TELEGRAM_BOT_TOKEN, LIQMAP_SOURCE, …)';

/** `liqmap serve` (= `npm start`): runs the bot on every platform with a token until SIGTERM or SIGINT. */
export const serveCommand: CliCommand = {
  usage: USAGE,
  async run(argv, io) {
    const args = parseArgs(argv, {}, USAGE);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"\n${USAGE}`);
    let bot: RunningBot;
    try {
      bot = await startBot(loadConfig(process.env));
    } catch (err) {
      if (err instanceof ConfigError) {
        io.err(`liqmap serve: ${err.message}`);
        return 2;
      }
      throw err;
    }
    // A library failing on one odd event (discord.js throws inside its gateway handler on a malformed
    // interaction) must not take the bot down for every chat: log it and keep serving.
    const onRejection = (reason: unknown) => bot.services.log.error({ err: reason }, 'unhandled rejection (still running)');
    process.on('unhandledRejection', onRejection);
    // SIGTERM (container stop) and Ctrl-C: finish the replies in flight, close connections, exit 0.
    await new Promise<void>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        bot.services.log.info({ signal }, 'signal received');
        resolve();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    await bot.stop();
    process.off('unhandledRejection', onRejection);
    return 0;
  },
};
