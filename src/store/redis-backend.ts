// The shared store for several instances: keyv over @keyv/redis, claims as SET NX PX on the same server.
import Keyv, { type Deserialize, type Serialize } from 'keyv';
import KeyvRedis, { createClient } from '@keyv/redis';
import { safeDeserialize, safeSerialize, type StoreBackend } from './backend.js';

/** The few node-redis commands used here, typed narrowly (node-redis' own types are very generic). */
interface RedisCommands {
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  destroy(): void;
  set(key: string, value: string, options: { NX?: true; PX: number }): Promise<string | null>;
  mGet(keys: string[]): Promise<(string | null)[]>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  scanIterator(options: { MATCH: string; COUNT: number }): AsyncIterable<string[]>;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

// Claims carry the owner so only the holder can extend or release one.
const EXTEND = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
const CLAIM_PREFIX = 'claim:';

const globEscape = (text: string) => text.replace(/[\\*?[\]]/g, '\\$&');

/** Redis cannot be reached: commands fail at once instead of waiting in a queue for the outage to end. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

export interface RedisBackendOptions {
  /** How long the first operations wait for the initial connection (default 5 s). */
  connectTimeoutMs?: number;
}

export class RedisBackend implements StoreBackend {
  readonly kind = 'redis' as const;
  private readonly client: RedisCommands;
  private readonly keyv: Keyv;
  private readonly ready: Promise<unknown>;

  private readonly connectTimeoutMs: number;

  constructor(url: string, onError: (err: Error) => void = () => undefined, options: RedisBackendOptions = {}) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    // No offline queue: during an outage a command fails at once (a /digest command gets an apology, a
    // tick logs and retries next minute) instead of hanging until Redis is back.
    const client = createClient({ url, disableOfflineQueue: true });
    this.client = client as unknown as RedisCommands;
    // node-redis retries every few hundred ms and reports each failure: log the first, then once a minute.
    let lastLoggedMs = 0;
    this.client.on('error', (err) => {
      const now = Date.now();
      if (now - lastLoggedMs >= 60_000) {
        lastLoggedMs = now;
        onError(err);
      }
    });
    this.ready = this.client.connect();
    this.ready.catch(() => undefined);
    this.keyv = new Keyv({ store: new KeyvRedis(client), namespace: undefined, useKeyPrefix: false, serialize: safeSerialize as Serialize, deserialize: safeDeserialize as Deserialize });
  }

  async get(key: string): Promise<unknown> {
    await this.connected();
    return this.keyv.get(key);
  }
  async set(key: string, value: unknown): Promise<void> {
    await this.connected();
    await this.keyv.set(key, value);
  }
  async delete(key: string): Promise<boolean> {
    await this.connected();
    return this.keyv.delete(key);
  }
  async *scan(prefix: string): AsyncIterable<[string, unknown]> {
    await this.connected();
    for await (const keys of this.client.scanIterator({ MATCH: `${globEscape(prefix)}*`, COUNT: 500 })) {
      if (keys.length === 0) continue;
      const values = await this.client.mGet(keys);
      for (let i = 0; i < keys.length; i++) {
        const text = values[i];
        // A key deleted between SCAN and MGET is simply gone.
        if (text !== null && text !== undefined) yield [keys[i]!, safeDeserialize(text).value];
      }
    }
  }
  async claim(key: string, owner: string, ttlMs: number): Promise<boolean> {
    await this.connected();
    return (await this.client.set(CLAIM_PREFIX + key, owner, { NX: true, PX: Math.max(1, Math.round(ttlMs)) })) === 'OK';
  }
  async extendClaim(key: string, owner: string, ttlMs: number): Promise<boolean> {
    await this.connected();
    return Number(await this.client.eval(EXTEND, { keys: [CLAIM_PREFIX + key], arguments: [owner, String(Math.max(1, Math.round(ttlMs)))] })) === 1;
  }
  async releaseClaim(key: string, owner: string): Promise<void> {
    await this.connected();
    await this.client.eval(RELEASE, { keys: [CLAIM_PREFIX + key], arguments: [owner] });
  }
  /** Writes raw text under a key, to simulate a damaged record in tests. */
  async setRaw(key: string, text: string): Promise<void> {
    await this.connected();
    await this.client.set(key, text, { PX: 3_600_000 });
  }
  async close(): Promise<void> {
    if (!this.client.isReady) {
      this.client.destroy();
      return;
    }
    await this.keyv.disconnect();
  }

  private async connected(): Promise<void> {
    if (this.client.isReady) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailableError(`store: Redis not reachable within ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
    });
    try {
      await Promise.race([this.ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (!this.client.isReady) throw new StoreUnavailableError('store: Redis connection lost');
  }
}
