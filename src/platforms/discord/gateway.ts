// The gateway connection (DISCORD_INTERACTIONS=gateway, the default): @discordjs/ws shards with the
// Guilds intent only, each INTERACTION_CREATE handed to the adapter raw. No discord.js Client and no
// cache: the bot needs interactions, nothing else. Shard ids per instance (DISCORD_SHARDS) let several
// instances split the servers once one connection is not enough.
import { WebSocketManager, WebSocketShardEvents, WebSocketShardStatus } from '@discordjs/ws';
import { GatewayDispatchEvents, GatewayIntentBits, type REST } from 'discord.js';
import type { Logger } from 'pino';

export interface ShardSelection {
  /** The shards this instance runs. */
  ids: number[];
  /** Shards across every instance. */
  count: number;
}

export interface GatewayOptions {
  token: string;
  rest: REST;
  /** Undefined = every shard of Discord's recommended count, in this process. */
  shards?: ShardSelection;
  log: Logger;
  onInteraction(raw: unknown): void;
}

export class DiscordGateway {
  private readonly manager: WebSocketManager;
  private stopped = false;

  constructor(private readonly o: GatewayOptions) {
    this.manager = new WebSocketManager({
      token: o.token,
      intents: GatewayIntentBits.Guilds,
      rest: o.rest,
      ...(o.shards ? { shardIds: o.shards.ids, shardCount: o.shards.count } : {}),
    });
    this.manager.on(WebSocketShardEvents.Dispatch, ({ data }) => {
      if (data.t === GatewayDispatchEvents.InteractionCreate && !this.stopped) o.onInteraction(data.d);
    });
    this.manager.on(WebSocketShardEvents.Debug, ({ message, shardId }) => o.log.debug({ shardId }, `discord gateway: ${message}`));
    this.manager.on(WebSocketShardEvents.Error, ({ error, shardId }) => o.log.error({ err: error, shardId }, 'discord gateway error'));
    this.manager.on(WebSocketShardEvents.Closed, ({ code, shardId }) => {
      if (!this.stopped) o.log.warn({ code, shardId }, 'discord gateway connection closed (reconnecting)');
    });
    // A shard that reconnects by itself after stop() (a timeout racing the destroy) is closed again.
    this.manager.on(WebSocketShardEvents.Hello, () => {
      if (this.stopped) void this.destroy();
    });
  }

  /** Connects every shard of this instance; resolves when each is READY. The signal ends a start in progress. */
  async start(signal: AbortSignal): Promise<void> {
    const shardIds = await this.manager.getShardIds();
    const ready = new Set<number>();
    const allReady = new Promise<void>((resolve, reject) => {
      const onReady = ({ shardId }: { shardId: number }) => {
        ready.add(shardId);
        if (shardIds.every((id) => ready.has(id))) {
          this.manager.off(WebSocketShardEvents.Ready, onReady);
          resolve();
        }
      };
      this.manager.on(WebSocketShardEvents.Ready, onReady);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    allReady.catch(() => undefined);
    // connect() resolves once every shard has been told to connect; READY comes after IDENTIFY.
    await Promise.race([this.manager.connect(), allReady]);
    await allReady;
    this.o.log.info({ shards: shardIds }, 'discord gateway ready');
  }

  /** Every shard of this instance is READY (resuming or reconnecting counts as not ready). */
  async ready(): Promise<boolean> {
    const status = await this.manager.fetchStatus();
    return status.size > 0 && [...status.values()].every((s) => s === WebSocketShardStatus.Ready);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.destroy();
  }

  private async destroy(): Promise<void> {
    try {
      await this.manager.destroy({ code: 1000, reason: 'stopping' });
    } catch (err) {
      this.o.log.debug({ err }, 'discord gateway: destroy');
    }
  }
}
