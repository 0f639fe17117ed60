// Messages between the main thread (gateway.ts) and the gateway's worker thread (gateway-worker.ts).

export interface GatewayWorkerData {
  token: string;
  /** REST base, e.g. https://discord.com/api (GET /gateway/bot gives the gateway URL and shard count). */
  apiUrl: string;
  shards?: { ids: number[]; count: number };
}

export type ToGateway = { op: 'destroy' };

export type FromGateway =
  /** The shards this thread runs (Discord's recommended count when none was configured). */
  | { op: 'shards'; ids: number[] }
  /** A shard is READY or has RESUMED. */
  | { op: 'ready'; shardId: number }
  | { op: 'closed'; shardId: number; code: number }
  | { op: 'interaction'; d: unknown }
  | { op: 'error'; shardId: number; message: string }
  | { op: 'debug'; shardId: number; message: string }
  /** The start failed for good (token refused, API unreachable). */
  | { op: 'failed'; message: string }
  | { op: 'destroyed' };
