// Composition root: builds the one services object, the command runtime and the platform adapters from
// the configuration, starts them, and stops them in order (replies in flight finish first).
import { hostname } from 'node:os';
import { BOT_COMMANDS } from '../commands/index.js';
import { requirePlatform, type Config } from './config.js';
import { CommandRuntime } from './core/runtime.js';
import { UserError } from './errors.js';
import { systemClock, type Clock } from './clock.js';
import type { DestinationSender, Platform } from './core/command.js';
import { startHttpServer, type HttpServer } from './http/server.js';
import { storeProbe } from './http/readiness.js';
import { createLogger, type Logger } from './log.js';
import type { MarketData } from './market/market-data.js';
import type { MapPipeline, Renderer } from './maps/map-pipeline.js';
import type { ModelRunner } from './maps/model-runner.js';
import { openMaps, sourceName } from './maps/open-maps.js';
import { Metrics } from './metrics.js';
import { DiscordBot } from './platforms/discord/discord-bot.js';
import { TelegramBot } from './platforms/telegram/telegram-bot.js';
import { createWorkPool, type WorkPool } from './workers/work-pool.js';
import { contractSizesOf, LiquidationFeed, symbolsInSchedules } from './market/liquidation-feed.js';
import { createSchedule } from './schedule/start-schedule.js';
import type { ServicesWithSchedule } from './schedule/services.js';
import { ForwardSeries } from './market/hyperliquid/forward-series.js';
import { systemClock as marketClock } from './market/clock.js';
import { lazyForwardStore } from './hyperliquid/forward-store.js';
import { createHyperliquid } from './hyperliquid/start-hyperliquid.js';
import type { Store } from './store/store.js';
import { createPageLinks } from './web/links.js';
import { webOptionsOf, webRoutes } from './web/web-routes.js';

/** Replaceable parts, for tests and benchmarks; everything else comes from the config. */
export interface BotOverrides {
  log?: Logger;
  clock?: Clock;
  market?: MarketData;
  /** Pictures; default the work pool's threads. */
  renderer?: Renderer;
  /** Model runs; default the work pool's threads. */
  models?: ModelRunner;
  /** Skip the /healthz and /metrics server. */
  noHttp?: boolean;
  /** The live liquidation feed; default: started when the source is live. `null` = none. */
  liquidationFeed?: LiquidationFeed | null;
  /** Hyperliquid's recorder and tracker; default: started when the source is live. `null` = none. */
  hyperliquid?: null;
}

export interface RunningBot {
  services: ServicesWithSchedule;
  runtime: CommandRuntime;
  maps: MapPipeline;
  discord?: DiscordBot;
  telegram?: TelegramBot;
  /** Per platform, for the schedulers. */
  senders: Partial<Record<Platform, DestinationSender>>;
  http?: HttpServer;
  /** Stops taking commands, finishes replies in flight, closes connections, workers and the store. */
  stop(): Promise<void>;
}

/**
 * A platform that cannot start (token refused, API unreachable) is the operator's to fix: a UserError
 * naming the platform, the cause and what to check, instead of a stack trace.
 */
async function platformStart(platform: string, check: string, start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (err) {
    const cause = err instanceof Error ? err.message : String(err);
    throw new UserError(`${platform} did not start: ${cause.slice(0, 300)}`, `Check ${check}.`);
  }
}

/** Starts every platform whose token is set. Throws ConfigError when none is, UserError when one cannot start. */
export async function startBot(config: Config, overrides: BotOverrides = {}): Promise<RunningBot> {
  const platforms = requirePlatform(config);
  const log = overrides.log ?? createLogger({ level: config.log.level, pretty: config.log.pretty, secrets: config.secrets });
  const clock = overrides.clock ?? systemClock;
  const metrics = new Metrics();
  // Model runs and pictures off the event loop, in one pool of worker threads.
  const pool: WorkPool | undefined =
    overrides.renderer && overrides.models ? undefined : createWorkPool({ size: config.render.workers, maxQueue: config.render.queue, log });
  // Hyperliquid keeps no history of its open interest and taker flow: the bot records them forward
  // (into the store, so a restart continues the record) and, with HYPERLIQUID_TRACKER=on, follows
  // accounts for the measured map. The store opens with the schedules, after the market.
  const opened: { store?: Store } = {};
  const live = config.source.kind === 'live' && overrides.hyperliquid !== null && !overrides.market;
  const forward = live ? new ForwardSeries(lazyForwardStore(() => opened.store?.hyperliquidDays)) : undefined;
  const hyperliquid = forward
    ? createHyperliquid({ config, store: () => opened.store!, forward, clock: { now: () => clock.now(), sleep: marketClock.sleep }, log: log.child({ venue: 'hyperliquid' }) })
    : undefined;
  const { maps, market } = openMaps({
    config,
    renderer: overrides.renderer ?? pool!,
    models: overrides.models ?? pool!,
    clock,
    log,
    metrics,
    // Requests and errors per venue and endpoint for /metrics; the market's own bar cache as `venue_bars`.
    observer: {
      request: (venue, endpoint, outcome) => metrics.venueRequest(venue, endpoint, outcome),
      cacheHit: () => metrics.cacheHit('venue_bars'),
      cacheMiss: () => metrics.cacheMiss('venue_bars'),
    },
    ...(overrides.market ? { market: overrides.market } : {}),
    ...(forward ? { hyperliquidForward: forward } : {}),
    ...(hyperliquid?.measured ? { measured: hyperliquid.measured } : {}),
  });
  const senders: Partial<Record<Platform, DestinationSender>> = {};
  // Links to the web view in replies and digests, when PUBLIC_URL says where it is served.
  const links = config.web.publicUrl ? createPageLinks(config.web.publicUrl) : undefined;
  const feed =
    overrides.liquidationFeed !== undefined
      ? overrides.liquidationFeed
      : config.source.kind === 'live'
        ? new LiquidationFeed({
            log,
            observer: metrics,
            wsUrls: { binance: config.venues.binanceWsUrl, bybit: config.venues.bybitWsUrl, okx: config.venues.okxWsUrl },
            // OKX sizes come in contracts; the symbols are those digests and alert rules name, polled from the store.
            contractSizes: contractSizesOf(market),
            followSymbols: () => symbolsInSchedules(schedule.schedule.store),
          })
        : null;
  // Digests and alerts: the store, the scheduler and the evaluator; they send through `senders`.
  const schedule = createSchedule({ config, maps, senders, clock, log, metrics, ...(feed ? { liquidationFeed: feed } : {}), ...(links ? { links } : {}) });
  opened.store = schedule.schedule.store;
  const services: ServicesWithSchedule = { maps, clock, log, commands: BOT_COMMANDS, schedule: schedule.schedule, ...(links ? { links } : {}) };
  const runtime = new CommandRuntime(services, { cooldownMs: config.commands.cooldownSeconds * 1000 }, (e) =>
    metrics.commandServed(e.command, e.platform, e.outcome, e.seconds),
  );

  const running: RunningBot = { services, runtime, maps, senders, stop: async () => {} };
  const drains: Array<() => Promise<void>> = [];
  const stops: Array<() => Promise<void>> = [];
  try {
    // /healthz first: while a platform is still connecting (or cannot be reached) the operator sees 503
    // naming it, instead of no answer at all.
    if (!overrides.noHttp) {
      running.http = await startHttpServer({
        port: config.http.port,
        readiness: {
          ...(platforms.includes('discord') ? { discord: () => running.discord?.client.isReady() ?? false } : {}),
          ...(platforms.includes('telegram') ? { telegram: () => running.telegram?.isReady() ?? false } : {}),
          // Ready only while the store answers too (a write-read round trip; Redis down → 503).
          store: storeProbe(schedule.schedule.store.backend),
        },
        metrics,
        logger: log,
        secrets: config.secrets,
        // The web view (src/web): pages, API and pictures of the same pipeline.
        routes: await webRoutes({ maps, clock, log, ...webOptionsOf(config) }),
      });
    }
    if (platforms.includes('telegram')) {
      const telegram = new TelegramBot({ token: config.telegram.token!, apiRoot: config.telegram.apiRoot, runtime, log: log.child({ platform: 'telegram' }), metrics });
      log.info({ platform: 'telegram' }, 'connecting');
      await platformStart('Telegram', 'TELEGRAM_BOT_TOKEN (from @BotFather) and TELEGRAM_API_ROOT', async () => {
        if (config.telegram.webhookUrl) {
          const handler = await telegram.startWebhook(config.telegram.webhookUrl, config.telegram.webhookSecret!);
          running.http?.addRoute({ method: 'POST', path: new URL(config.telegram.webhookUrl).pathname, handler });
        } else {
          await telegram.startPolling();
        }
      });
      running.telegram = telegram;
      senders.telegram = telegram;
      drains.push(() => telegram.drain());
      stops.push(() => telegram.stop());
    }
    if (platforms.includes('discord')) {
      const discord = new DiscordBot({ token: config.discord.token!, apiUrl: config.discord.apiUrl, runtime, log: log.child({ platform: 'discord' }) });
      drains.push(() => discord.drain());
      stops.push(() => discord.stop());
      log.info({ platform: 'discord' }, 'connecting');
      await platformStart('Discord', 'DISCORD_TOKEN (Developer Portal → Bot → Reset Token) and DISCORD_API_URL', () => discord.start());
      running.discord = discord;
      senders.discord = discord;
    }
    feed?.start();
    schedule.start();
    await hyperliquid?.start();
  } catch (err) {
    await Promise.allSettled(stops.map((s) => s()));
    await running.http?.close();
    await hyperliquid?.stop().catch(() => undefined);
    await schedule.stop().catch(() => undefined);
    await pool?.close();
    throw err;
  }

  running.stop = async () => {
    log.info('stopping: finishing replies in flight');
    // No new commands; replies in flight finish. Then the schedules (their sends in flight finish while
    // the connections are still open, then the store closes), then connections, workers and data.
    await Promise.allSettled(drains.map((d) => d()));
    feed?.stop();
    await hyperliquid?.stop();
    await schedule.stop();
    await Promise.allSettled(stops.map((s) => s()));
    await running.http?.close();
    await pool?.close();
    await market.close();
    log.info('stopped');
  };
  log.info({ platforms, source: sourceName(config), host: hostname() }, 'liqmap bot running');
  return running;
}
