// The gateway connection (DISCORD_INTERACTIONS=gateway, the default): @discordjs/ws shards with the
// Guilds intent only, each INTERACTION_CREATE handed to the adapter raw. No discord.js Client and no
// cache: the bot needs interactions, nothing else. Shard ids per instance (DISCORD_SHARDS) let several
// instances split the servers once one connection is not enough.
//
// The shards run in a worker thread (gateway-worker.ts) that stop() terminates. A shard destroyed while
// it waits for HELLO or READY schedules a reconnect of its own and never reports it is destroyed
// (@discordjs/ws 1.2): in the main thread that kept the process alive after "stopped". A terminated
// thread cannot hold anything open.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { PROJECT_ROOT } from '../../paths.js';
import type { FromGateway, GatewayWorkerData, ToGateway } from './gateway-protocol.js';

export interface ShardSelection {
  /** The shards this instance runs. */
  ids: number[];
  /** Shards across every instance. */
  count: number;
}

export interface GatewayOptions {
  token: string;
  apiUrl: string;
  /** Undefined = every shard of Discord's recommended count, in this process. */
  shards?: ShardSelection;
  log: Logger;
  onInteraction(raw: unknown): void;
}

/** A shard that is READY closes cleanly (Discord ends its session) within this; then the thread goes anyway. */
const DESTROY_GRACE_MS = 1_000;

export class DiscordGateway {
  private worker: Worker | undefined;
  private shardIds: number[] | undefined;
  private readonly ready = new Set<number>();
  private stopped = false;
  /** A connection that keeps failing is logged once a minute, not at every attempt. */
  private lastClosedLogMs = -Infinity;

  constructor(private readonly o: GatewayOptions) {}

  /** Connects every shard of this instance; resolves when each is READY. The signal ends a start in progress. */
  start(signal: AbortSignal): Promise<void> {
    const data: GatewayWorkerData = { token: this.o.token, apiUrl: this.o.apiUrl, ...(this.o.shards ? { shards: this.o.shards } : {}) };
    const worker = new Worker(gatewayWorkerFile(), { workerData: data });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      const allReady = () => this.shardIds !== undefined && this.shardIds.every((id) => this.ready.has(id));
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      const settle = (err?: Error) => {
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      worker.on('message', (message: FromGateway) => {
        switch (message.op) {
          case 'interaction':
            if (!this.stopped) this.o.onInteraction(message.d);
            break;
          case 'shards':
            this.shardIds = message.ids;
            break;
          case 'ready':
            this.ready.add(message.shardId);
            if (allReady()) {
              this.o.log.info({ shards: this.shardIds }, 'discord gateway ready');
              settle();
            }
            break;
          case 'closed': {
            this.ready.delete(message.shardId);
            const now = Date.now();
            if (this.stopped || now - this.lastClosedLogMs < 60_000) break;
            this.lastClosedLogMs = now;
            this.o.log.warn({ code: message.code, shardId: message.shardId }, 'discord gateway connection closed (reconnecting)');
            break;
          }
          case 'error':
            this.o.log.error({ shardId: message.shardId, err: { message: message.message } }, 'discord gateway error');
            break;
          case 'debug':
            this.o.log.debug({ shardId: message.shardId }, `discord gateway: ${message.message}`);
            break;
          case 'failed':
            settle(new Error(message.message));
            break;
          case 'destroyed':
            break;
        }
      });
      worker.once('error', (err) => settle(err));
      worker.once('exit', (code) => {
        if (!this.stopped) settle(new Error(`the gateway thread exited (code ${code})`));
      });
    });
  }

  /** Every shard of this instance is READY (resuming or reconnecting counts as not ready). */
  isReady(): boolean {
    return this.shardIds !== undefined && this.shardIds.length > 0 && this.shardIds.every((id) => this.ready.has(id));
  }

  /** Closes the shards (briefly, so Discord ends their sessions), then terminates the thread. */
  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, DESTROY_GRACE_MS);
      worker.on('message', (message: FromGateway) => {
        if (message.op === 'destroyed') {
          clearTimeout(timer);
          resolve();
        }
      });
      worker.postMessage({ op: 'destroy' } satisfies ToGateway);
    });
    await worker.terminate();
  }
}

/**
 * The worker's compiled JavaScript: next to this module when it runs from dist/, else the build's copy
 * (under vitest this module is TypeScript; `npm test` builds first).
 */
function gatewayWorkerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) {
    const sibling = join(dirname(here), 'gateway-worker.js');
    if (existsSync(sibling)) return sibling;
  }
  const built = join(PROJECT_ROOT, 'dist', 'src', 'platforms', 'discord', 'gateway-worker.js');
  if (existsSync(built)) return built;
  throw new Error(`liqmap: the gateway worker ${built} is not built; run npm run build`);
}
