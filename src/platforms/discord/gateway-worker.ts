// The gateway's shards, in a worker thread of their own (see gateway.ts for why): @discordjs/ws connects
// them here and every INTERACTION_CREATE is posted to the main thread raw. Messages are plain objects
// (gateway-protocol.ts), so the main thread never shares state with this one.
import { parentPort, workerData } from 'node:worker_threads';
import { WebSocketManager, WebSocketShardEvents } from '@discordjs/ws';
import type { REST } from 'discord.js';
import type { GatewayWorkerData, ToGateway, FromGateway } from './gateway-protocol.js';

/** Discord's Guilds intent: the only one the bot asks for (no message content, no members). */
const GUILDS_INTENT = 1;

const data = workerData as GatewayWorkerData;
const port = parentPort!;
const post = (message: FromGateway) => port.postMessage(message);

/**
 * The manager's one REST call is GET /gateway/bot (the URL and recommended shard count); a fetch does it
 * without loading discord.js into this thread (seconds of start-up on a busy machine).
 */
const rest = {
  async get(route: string): Promise<unknown> {
    const res = await fetch(`${data.apiUrl.replace(/\/+$/, '')}/v10${route}`, { headers: { authorization: `Bot ${data.token}` }, signal: AbortSignal.timeout(10_000) });
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    if (!res.ok) throw new Error(`GET ${route}: ${res.status} ${body.message ?? res.statusText}`);
    return body;
  },
} as unknown as REST;
const manager = new WebSocketManager({
  token: data.token,
  intents: GUILDS_INTENT,
  rest,
  ...(data.shards ? { shardIds: data.shards.ids, shardCount: data.shards.count } : {}),
});

manager.on(WebSocketShardEvents.Dispatch, ({ data: dispatch }) => {
  if (dispatch.t === 'INTERACTION_CREATE') post({ op: 'interaction', d: dispatch.d });
});
manager.on(WebSocketShardEvents.Ready, ({ shardId }) => post({ op: 'ready', shardId }));
manager.on(WebSocketShardEvents.Resumed, ({ shardId }) => post({ op: 'ready', shardId }));
manager.on(WebSocketShardEvents.Closed, ({ code, shardId }) => post({ op: 'closed', shardId, code }));
manager.on(WebSocketShardEvents.Error, ({ error, shardId }) => post({ op: 'error', shardId, message: error.message }));
manager.on(WebSocketShardEvents.Debug, ({ message, shardId }) => post({ op: 'debug', shardId, message }));

port.on('message', (message: ToGateway) => {
  if (message.op === 'destroy') {
    // Bounded by the main thread, which terminates this thread either way.
    void Promise.resolve(manager.destroy({ code: 1000, reason: 'stopping' })).then(
      () => post({ op: 'destroyed' }),
      () => post({ op: 'destroyed' }),
    );
  }
});

try {
  const shardIds = await manager.getShardIds();
  post({ op: 'shards', ids: shardIds });
  await manager.connect();
} catch (err) {
  post({ op: 'failed', message: err instanceof Error ? err.message : String(err) });
}
