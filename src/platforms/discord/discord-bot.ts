// The Discord adapter. Interactions arrive over the gateway (default) or at the HTTP interactions endpoint
// (DISCORD_INTERACTIONS=http: no connection held, any number of replicas behind a load balancer); either
// way a raw interaction becomes a CommandEvent for the runtime's one entry, autocomplete is answered from
// the runtime, and answers go out through InteractionApi (see conversation.ts). Digests and alerts are
// channel messages through discord.js's REST manager, which keeps to Discord's global 50 requests/s.
import { DiscordAPIError, HTTPError, REST, Routes, type RESTOptions } from 'discord.js';
import type { Logger } from 'pino';
import type { Reply, SendResult } from '../../core/command.js';
import { sleep as realSleep } from '../../core/delivery.js';
import type { Destination } from '../../core/destination.js';
import type { PlatformAdapter, PlatformHealth } from '../../core/platform.js';
import type { CommandRuntime } from '../../core/runtime.js';
import type { HttpServer } from '../../http/server.js';
import { AnswersInFlight } from '../answers-in-flight.js';
import { ApiHealth } from '../api-health.js';
import { CallbackType, DiscordConversation, type InitialResponder } from './conversation.js';
import { DiscordGateway, type ShardSelection } from './gateway.js';
import { autocompleteOf, commandEventOf, InteractionType, isInteraction, type RawInteraction } from './interaction.js';
import { attemptFailureOf, InteractionApi, type InteractionResponse } from './interaction-api.js';
import { interactionsRoute, type ReplayGuard } from './interactions-endpoint.js';
import { discordMessage } from './message.js';
import { publicKeyFromHex } from './signature.js';

/** Codes that mean the channel is gone for this bot: unknown channel, missing access, missing permissions. */
export const GONE_CODES = new Set([10003, 50001, 50013]);
/** No answer ready this long after the interaction arrived: defer, well inside Discord's 3 seconds. */
const DEFER_AFTER_MS = 1_200;
/** The initial response over the gateway must reach Discord within 3 s of the event. */
const INITIAL_RESPONSE_WITHIN_MS = 2_500;

export type InteractionsMode =
  | { kind: 'gateway'; shards?: ShardSelection }
  | {
      kind: 'http';
      /** Developer Portal → General Information → Public Key (hex). */
      publicKey: string;
      routes: Pick<HttpServer, 'addRoute'>;
      /** Shared by every replica (the store's claims), so a replayed interaction is refused by all. */
      firstSeen: ReplayGuard;
    };

export interface DiscordOptions {
  token: string;
  /** REST base, e.g. http://127.0.0.1:PORT/api; the gateway URL then comes from its /gateway/bot. */
  apiUrl?: string;
  runtime: CommandRuntime;
  log: Logger;
  /** Default: the gateway. */
  interactions?: InteractionsMode;
  /** Time and waits of the answers' retry policy; tests run them on a fake clock. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  replyUsefulMs?: number;
}

export class DiscordBot implements PlatformAdapter {
  readonly platform = 'discord' as const;
  readonly rest: REST;
  private readonly mode: InteractionsMode;
  private readonly interactionApi: InteractionApi;
  private readonly api = new ApiHealth('Discord API');
  private readonly closing = new AbortController();
  private readonly answers = new AnswersInFlight();
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private gateway: DiscordGateway | undefined;
  private started = false;
  private accepting = true;

  constructor(private readonly options: DiscordOptions) {
    this.mode = options.interactions ?? { kind: 'gateway' };
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    const apiUrl = options.apiUrl ?? 'https://discord.com/api';
    this.rest = new REST({
      api: apiUrl,
      timeout: 10_000,
      // Global fetch with the adapter's own signal: stop() aborts what discord.js would otherwise keep retrying.
      makeRequest: (url, init) =>
        fetch(url, { ...(init as RequestInit), signal: init.signal ? AbortSignal.any([init.signal as AbortSignal, this.closing.signal]) : this.closing.signal }) as unknown as ReturnType<RESTOptions['makeRequest']>,
    }).setToken(options.token);
    this.rest.on('response', (_request, response) => (response.status >= 500 || response.status === 401 ? this.api.failed(new Error(`HTTP ${response.status}`)) : this.api.succeeded()));
    this.interactionApi = new InteractionApi({ apiUrl, health: this.api, closing: this.closing.signal });
  }

  /**
   * Gateway: connects every shard and resolves when they are READY. HTTP: checks the token (one REST
   * call) and mounts POST /discord/interactions on the bot's HTTP server.
   */
  async start(signal: AbortSignal = new AbortController().signal): Promise<void> {
    if (this.mode.kind === 'gateway') {
      this.gateway = new DiscordGateway({
        token: this.options.token,
        apiUrl: this.options.apiUrl ?? 'https://discord.com/api',
        ...(this.mode.shards ? { shards: this.mode.shards } : {}),
        log: this.options.log,
        onInteraction: (raw) => this.onGatewayInteraction(raw),
      });
      await this.gateway.start(signal);
    } else {
      const app = (await this.rest.get(Routes.currentApplication(), { signal: AbortSignal.any([signal, this.closing.signal]) })) as { id: string; name?: string };
      const mode = this.mode;
      mode.routes.addRoute(
        interactionsRoute({
          publicKey: publicKeyFromHex(mode.publicKey),
          firstSeen: mode.firstSeen,
          now: this.now,
          accepting: () => this.accepting,
          onInteraction: (interaction, respond) => this.onHttpInteraction(interaction, respond),
          log: this.options.log,
        }),
      );
      this.options.log.info({ application: app.id }, 'discord interactions endpoint ready');
    }
    this.started = true;
  }

  health(): PlatformHealth | Promise<PlatformHealth> {
    if (!this.started) return { ready: false, reason: 'not started' };
    const api = this.api.health();
    if (!this.gateway || !api.ready) return api;
    return this.gateway.isReady() ? api : { ready: false, reason: 'gateway not connected (reconnecting)' };
  }

  /** Stops taking interactions; waits for the answers in flight until the deadline. Sending still works. */
  async drain(deadlineMs: number): Promise<void> {
    this.accepting = false;
    const deadline = this.sleep(Math.max(0, deadlineMs - this.now()), this.closing.signal).catch(() => undefined);
    const givenUp = await this.answers.settle(deadline);
    if (givenUp > 0) this.options.log.warn({ answers: givenUp }, 'discord: answers still retrying at the stop deadline were given up');
  }

  /** Closes the gateway and aborts every request still under way. */
  async stop(): Promise<void> {
    this.accepting = false;
    this.answers.giveUp();
    this.closing.abort();
    await this.gateway?.stop();
    await this.answers.settle(Promise.resolve());
    this.interactionApi.close();
    // discord.js's REST keeps sweeper timers (unref'd) and an undici agent: drop them too.
    this.rest.clearHashSweeper();
    this.rest.clearHandlerSweeper();
  }

  /** DestinationSender: a message in a channel (digests, alerts). */
  async send(destination: Destination, reply: Reply): Promise<SendResult> {
    if (destination.platform !== 'discord') throw new Error(`discord cannot send to ${destination.platform}`);
    const { body, files } = discordMessage(reply);
    try {
      await this.rest.post(Routes.channelMessages(destination.channelId), { body, files: files.map((f) => ({ name: f.name, data: f.data })), signal: this.closing.signal });
      return 'ok';
    } catch (err) {
      return sendResultOf(err);
    }
  }

  private onGatewayInteraction(raw: unknown): void {
    if (!this.accepting || !isInteraction(raw)) return;
    const receivedMs = this.now();
    const initial: InitialResponder = {
      takesFiles: true,
      send: (response, files) =>
        // Within Discord's 3 seconds, or not at all: one quick retry of a blip at most.
        this.retryBriefly(receivedMs, async () => {
          await this.interactionApi.callback(raw.id, raw.token, response, files, this.answers.signal);
        }),
    };
    this.dispatch(raw, initial, receivedMs);
  }

  private onHttpInteraction(interaction: RawInteraction, respond: (response: InteractionResponse) => void): void {
    let sent = false;
    const initial: InitialResponder = {
      takesFiles: false,
      send: async (response) => {
        if (sent) throw new Error('initial response already sent');
        sent = true;
        respond(response);
      },
    };
    this.dispatch(interaction, initial, this.now());
  }

  private dispatch(interaction: RawInteraction, initial: InitialResponder, receivedMs: number): void {
    let task: Promise<unknown>;
    if (interaction.type === InteractionType.Autocomplete) {
      task = this.autocomplete(interaction, initial);
    } else if (interaction.type === InteractionType.ApplicationCommand) {
      const event = commandEventOf(interaction);
      if (!event) {
        task = initial.send({ type: CallbackType.Message, data: { content: 'I could not read this command.', flags: 64 } }, []);
      } else {
        const conversation = new DiscordConversation({
          interaction,
          api: this.interactionApi,
          initial,
          deferAfterMs: DEFER_AFTER_MS,
          receivedMs,
          now: this.now,
          sleep: this.sleep,
          givingUp: this.answers.signal,
          log: this.options.log,
          command: event.name,
          ...(this.options.replyUsefulMs !== undefined ? { usefulMs: this.options.replyUsefulMs } : {}),
        });
        task = this.options.runtime.handle(event, conversation);
      }
    } else {
      // Components and modals: this bot sends none. Over HTTP an answer is owed; over the gateway silence is fine.
      task = initial.takesFiles ? Promise.resolve() : initial.send({ type: CallbackType.Message, data: { content: 'Nothing to do here.', flags: 64 } }, []);
    }
    this.answers.track(task.catch((err: unknown) => this.options.log.error({ err }, 'discord interaction failed')));
  }

  private async autocomplete(interaction: RawInteraction, initial: InitialResponder): Promise<void> {
    const focus = autocompleteOf(interaction);
    let choices: { name: string; value: string }[] = [];
    try {
      if (focus) choices = await this.options.runtime.suggest(focus.name, focus.path, focus.option, focus.typed);
    } catch (err) {
      this.options.log.warn({ err }, 'symbol autocomplete failed');
    }
    await initial.send({ type: CallbackType.Autocomplete, data: { choices: choices.slice(0, 25) } }, []);
  }

  private async retryBriefly<T>(receivedMs: number, attempt: () => Promise<T>): Promise<T> {
    try {
      return await attempt();
    } catch (err) {
      const left = receivedMs + INITIAL_RESPONSE_WITHIN_MS - this.now();
      if (left < 300 || attemptFailureOf(err).kind !== 'unavailable' || this.answers.signal.aborted) throw err;
      await this.sleep(200, this.answers.signal);
      return attempt();
    }
  }
}

/** Discord errors → what a scheduler should do next. */
export function sendResultOf(err: unknown): SendResult {
  if (err instanceof DiscordAPIError) {
    if (typeof err.code === 'number' && GONE_CODES.has(err.code)) return { gone: `${err.code} ${err.message}` };
    if (err.status === 429) return { retryAfterMs: 5_000 };
    if (err.status >= 500) return { retryAfterMs: 30_000 };
  }
  if (err instanceof HTTPError) return { retryAfterMs: 30_000 };
  throw err;
}
