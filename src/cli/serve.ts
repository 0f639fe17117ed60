import { ConfigError, loadConfig, requirePlatform } from '../config.js';
import { createLogger } from '../log.js';
import { StartAborted, startBot, type RunningBot } from '../main.js';
import type { CliCommand } from './command.js';
import { parseArgs, UsageError } from './args.js';

const USAGE = 'usage: liqmap serve   (configuration from the environment or .env: DISCORD_TOKEN and/or TELEGRAM_BOT_TOKEN, LIQMAP_SOURCE, …)';
/** After "stopped", anything still holding the event loop is a leak: it is logged, and the process ends anyway. */
const EXIT_GRACE_MS = 3_000;

/** `liqmap serve` (= `npm start`): runs the bot on every platform with a token until SIGTERM or SIGINT. */
export const serveCommand: CliCommand = {
  usage: USAGE,
  async run(argv, io) {
    const args = parseArgs(argv, {}, USAGE);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"\n${USAGE}`);
    let config;
    try {
      config = loadConfig(process.env);
      requirePlatform(config);
    } catch (err) {
      if (err instanceof ConfigError) {
        io.err(`liqmap serve: ${err.message}`);
        return 2;
      }
      throw err;
    }
    const log = createLogger({ level: config.log.level, pretty: config.log.pretty, secrets: config.secrets });
    // SIGTERM (container stop) and Ctrl-C, at any moment: during start-up it aborts the start; once
    // running, replies in flight finish, connections close, and the process exits 0.
    const stopping = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'signal received');
      stopping.abort();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    // A library failing on one odd event must not take the bot down for every chat: log it and keep serving.
    const onRejection = (reason: unknown) => log.error({ err: reason }, 'unhandled rejection (still running)');
    process.on('unhandledRejection', onRejection);
    try {
      let bot: RunningBot;
      try {
        bot = await startBot(config, { log, signal: stopping.signal });
      } catch (err) {
        if (err instanceof StartAborted) {
          log.info('stopped during start-up');
          return 0;
        }
        throw err;
      }
      if (!stopping.signal.aborted) await new Promise<void>((resolve) => stopping.signal.addEventListener('abort', () => resolve(), { once: true }));
      await bot.stop();
      return 0;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.off('unhandledRejection', onRejection);
      // Everything was closed; should a library still hold a handle, say which, and do not linger on it.
      const watchdog = setTimeout(() => {
        log.warn({ handles: process.getActiveResourcesInfo() }, 'still open after stop: exiting anyway');
        process.exit(process.exitCode ?? 0);
      }, EXIT_GRACE_MS);
      watchdog.unref();
    }
  },
};
