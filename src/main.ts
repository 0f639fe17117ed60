// Composition root: builds the one services object, the command runtime and the list of platform
// adapters from the configuration, starts them, and stops them in order (answers in flight finish
// first, within a deadline, and nothing is left holding the process open).
import { hostname } from 'node:os';
import { BOT_COMMANDS } from '../commands/index.js';
import { requirePlatform, type Config } from './config.js';
import { CommandRuntime } from './core/runtime.js';
import { UserError } from './errors.js';
import { systemClock, type Clock } from './clock.js';
import type { DestinationSender } from './core/command.js';
import type { Platform } from './core/caller.js';
import type { PlatformAdapter } from './core/platform.js';
import { startHttpServer, type HttpServer } from './http/server.js';
import { storeProbe, type ReadinessProbe } from './http/readiness.js';
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
import { createSchedule, type RunningSchedule } from './schedule/start-schedule.js';
import type { StreamObserver } from './market/liquidation-stream.js';
import { defaultCalibration } from './maps/calibration-file.js';
import type { ServicesWithSchedule } from './schedule/services.js';
import { ForwardSeries } from './market/hyperliquid/forward-series.js';
import { systemClock as marketClock } from './market/clock.js';
import { lazyForwardStore } from './hyperliquid/forward-store.js';
import { createHyperliquid } from './hyperliquid/start-hyperliquid.js';
import type { Store } from './store/store.js';
import { createPageLinks } from './web/links.js';
import { webOptionsOf, webRoutes } from './web/web-routes.js';

/** Replies in flight get this long to finish after a stop is asked (Docker kills 10 s after SIGTERM). */
export const DRAIN_MS = 7_000;

/** Replaceable parts, for tests and benchmarks; everything else comes from the config. */
export interface BotOverrides {
  log?: Logger;
  clock?: Clock;
  market?: MarketData;
  /** Pictures; default the work pool's threads. */
  renderer?: Renderer;
  /** Model runs; default the work pool's threads. */
  models?: ModelRunner;
  /** Skip the /healthz and /metrics server (a webhook or interactions endpoint needs it). */
  noHttp?: boolean;
  /** The live liquidation feed; default: started when the source is live. `null` = none. */
  liquidationFeed?: LiquidationFeed | null;
  /** Aborting it during start-up (SIGTERM while connecting) ends the start promptly with StartAborted. */
  signal?: AbortSignal;
  /** Hyperliquid's recorder and tracker; default: started when the source is live. `null` = none. */
  hyperliquid?: null;
}

/** The start was stopped on purpose (a signal during start-up): not an error to report. */
export class StartAborted extends Error {
  override name = 'StartAborted';
  constructor() {
    super('start-up stopped');
  }
}

export interface RunningBot {
  services: ServicesWithSchedule;
  runtime: CommandRuntime;
  maps: MapPipeline;
  /** Every platform started, in start order. */
  adapters: PlatformAdapter[];
  discord?: DiscordBot;
  telegram?: TelegramBot;
  /** Per platform, for the schedulers. */
  senders: Partial<Record<Platform, DestinationSender>>;
  schedule: RunningSchedule;
  http?: HttpServer;
  /** Stops taking commands, finishes replies in flight (at most DRAIN_MS), closes connections, workers and the store. */
  stop(): Promise<void>;
}

/** How to start one platform and what to check when it does not. */
interface AdapterEntry {
  name: string;
  check: string;
  adapter: PlatformAdapter;
}

/** Starts every platform whose token is set. Throws ConfigError when none is, UserError when one cannot start. */
export async function startBot(config: Config, overrides: BotOverrides = {}): Promise<RunningBot> {
  const platforms = requirePlatform(config);
  const log = overrides.log ?? createLogger({ level: config.log.level, pretty: config.log.pretty, secrets: config.secrets });
  const clock = overrides.clock ?? systemClock;
  const signal = overrides.signal ?? new AbortController().signal;
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
  // Who hears the streams connect and drop: the metrics, and the accuracy recorder (a bar is scored only
  // when its venue's stream listened through all of it); filled in once the schedules exist.
  const streamObservers: StreamObserver[] = [metrics];
  const streamObserver: StreamObserver = {
    streamConnected: (venue, up) => streamObservers.forEach((o) => o.streamConnected(venue, up)),
    streamMessage: (venue) => streamObservers.forEach((o) => o.streamMessage(venue)),
    streamReconnect: (venue) => streamObservers.forEach((o) => o.streamReconnect(venue)),
  };
  const feed =
    overrides.liquidationFeed !== undefined
      ? overrides.liquidationFeed
      : config.source.kind === 'live'
        ? new LiquidationFeed({
            log,
            observer: streamObserver,
            wsUrls: { binance: config.venues.binanceWsUrl, bybit: config.venues.bybitWsUrl, okx: config.venues.okxWsUrl },
            // OKX sizes come in contracts; the symbols are those digests and alert rules name, polled from the store.
            contractSizes: contractSizesOf(market),
            followSymbols: () => symbolsInSchedules(schedule.store),
          })
        : null;
  // Digests and alerts: the store, the scheduler and the evaluator; they send through `senders`.
  const schedule = createSchedule({
    config,
    maps,
    senders,
    clock,
    log,
    metrics,
    market,
    calibration: defaultCalibration(),
    ...(feed ? { liquidationFeed: feed } : {}),
    ...(links ? { links } : {}),
  });
  if (schedule.accuracy) streamObservers.push(schedule.accuracy.recorder.streams);
  opened.store = schedule.store;
  const services: ServicesWithSchedule = { maps, clock, log, commands: BOT_COMMANDS, schedule: schedule.services, ...(links ? { links } : {}) };
  const runtime = new CommandRuntime(
    services,
    { pictures: { burst: config.commands.pictureBurst, intervalMs: config.commands.pictureIntervalSeconds * 1000 } },
    (e) => metrics.commandServed(e.command, e.platform, e.outcome, e.seconds),
  );

  const running: RunningBot = { services, runtime, maps, adapters: [], senders, schedule, stop: async () => {} };
  const entries: AdapterEntry[] = [];
  const stopAll = async () => {
    await Promise.allSettled(entries.map((e) => e.adapter.stop()));
    await running.http?.close();
    // Hyperliquid's recorder writes into the store: it stops before the store closes.
    await hyperliquid?.stop().catch(() => undefined);
    await schedule.stop().catch(() => undefined);
    await pool?.close();
    await market.close();
  };
  try {
    // /healthz first: while a platform is still connecting (or cannot be reached) the operator sees 503
    // naming it, instead of no answer at all.
    if (!overrides.noHttp) {
      running.http = await startHttpServer({
        port: config.http.port,
        readiness: {
          ...Object.fromEntries(platforms.map((p) => [p, platformProbe(() => entries.find((e) => e.adapter.platform === p)?.adapter)])),
          // Ready only while the store answers too (a write-read round trip; Redis down → 503).
          store: storeProbe(schedule.store.backend),
        },
        metrics,
        logger: log,
        secrets: config.secrets,
        // The web view (src/web): pages, API and pictures of the same pipeline.
        routes: await webRoutes({ maps, clock, log, ...webOptionsOf(config), ...(schedule.services.accuracy ? { accuracy: schedule.services.accuracy } : {}) }),
      });
    }
    const routes = running.http ?? { addRoute: () => log.warn('no HTTP server: a webhook or interactions route cannot be mounted') };
    if (platforms.includes('telegram')) {
      const telegram = new TelegramBot({
        token: config.telegram.token!,
        apiRoot: config.telegram.apiRoot,
        runtime,
        log: log.child({ platform: 'telegram' }),
        metrics,
        ...(config.telegram.webhookUrl ? { webhook: { url: config.telegram.webhookUrl, secret: config.telegram.webhookSecret!, routes } } : {}),
      });
      running.telegram = telegram;
      entries.push({ name: 'Telegram', check: 'TELEGRAM_BOT_TOKEN (from @BotFather) and TELEGRAM_API_ROOT', adapter: telegram });
    }
    if (platforms.includes('discord')) {
      const discord = new DiscordBot({
        token: config.discord.token!,
        apiUrl: config.discord.apiUrl,
        runtime,
        log: log.child({ platform: 'discord' }),
        interactions:
          config.discord.interactions === 'http'
            ? {
                kind: 'http',
                publicKey: config.discord.publicKey!,
                routes,
                // The store's claims: one memory of interaction ids for every replica sharing it.
                firstSeen: (id, ttlMs) => schedule.store.backend.claim(`interaction:${id}`, schedule.instanceId, ttlMs),
              }
            : { kind: 'gateway', ...(config.discord.shards ? { shards: { ids: [...config.discord.shards.ids], count: config.discord.shards.count } } : {}) },
      });
      running.discord = discord;
      entries.push({ name: 'Discord', check: 'DISCORD_TOKEN (Developer Portal → Bot → Reset Token) and DISCORD_API_URL', adapter: discord });
    }
    for (const entry of entries) {
      log.info({ platform: entry.adapter.platform }, 'connecting');
      await platformStart(entry, signal);
      running.adapters.push(entry.adapter);
      senders[entry.adapter.platform] = entry.adapter;
    }
    feed?.start();
    schedule.start();
    await hyperliquid?.start();
  } catch (err) {
    await stopAll();
    if (signal.aborted) throw new StartAborted();
    throw err;
  }

  running.stop = async () => {
    log.info('stopping: finishing replies in flight');
    // No new commands; replies in flight finish (or are given up at the deadline). Then the schedules
    // (their sends in flight finish while the connections are still open, then the store closes), then
    // connections, workers and data.
    const deadlineMs = Date.now() + DRAIN_MS;
    await Promise.allSettled(running.adapters.map((a) => a.drain(deadlineMs)));
    feed?.stop();
    await stopAll();
    log.info('stopped');
  };
  log.info({ platforms, source: sourceName(config), host: hostname() }, 'liqmap bot running');
  return running;
}

/**
 * A platform that cannot start (token refused, API unreachable) is the operator's to fix: a UserError
 * naming the platform, the cause and what to check, instead of a stack trace.
 */
async function platformStart(entry: AdapterEntry, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw new StartAborted();
  try {
    await entry.adapter.start(signal);
  } catch (err) {
    if (signal.aborted) throw new StartAborted();
    const cause = err instanceof Error ? err.message : String(err);
    throw new UserError(`${entry.name} did not start: ${cause.slice(0, 300)}`, `Check ${entry.check}.`);
  }
}

/** /healthz for one platform: ready once started, while its API answers. */
function platformProbe(adapter: () => PlatformAdapter | undefined): ReadinessProbe {
  return async () => {
    const health = await adapter()?.health();
    if (!health) throw new Error('not started');
    if (!health.ready) throw new Error(health.reason ?? 'not ready');
    return true;
  };
}
