// The shared store for several instances: keyv over @keyv/redis, claims as SET NX PX on the same server.
import Keyv, { type Deserialize, type Serialize } from 'keyv';
import KeyvRedis, { createClient } from '@keyv/redis';
import { safeDeserialize, safeSerialize, type StoreBackend } from './backend.js';

/** The few node-redis commands used here, typed narrowly (node-redis' own types are very generic). */
interface RedisCommands {
  connect(): Promise<unknown>;
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

export class RedisBackend implements StoreBackend {
  readonly kind = 'redis' as const;
  private readonly client: RedisCommands;
  private readonly keyv: Keyv;
  private readonly ready: Promise<unknown>;

  constructor(url: string, onError: (err: Error) => void = () => undefined) {
    const client = createClient({ url });
    this.client = client as unknown as RedisCommands;
    this.client.on('error', onError);
    this.ready = this.client.connect();
    this.keyv = new Keyv({ store: new KeyvRedis(client), namespace: undefined, useKeyPrefix: false, serialize: safeSerialize as Serialize, deserialize: safeDeserialize as Deserialize });
  }

  async get(key: string): Promise<unknown> {
    await this.ready;
    return this.keyv.get(key);
  }
  async set(key: string, value: unknown): Promise<void> {
    await this.ready;
    await this.keyv.set(key, value);
  }
  async delete(key: string): Promise<boolean> {
    await this.ready;
    return this.keyv.delete(key);
  }
  async *scan(prefix: string): AsyncIterable<[string, unknown]> {
    await this.ready;
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
    await this.ready;
    return (await this.client.set(CLAIM_PREFIX + key, owner, { NX: true, PX: Math.max(1, Math.round(ttlMs)) })) === 'OK';
  }
  async extendClaim(key: string, owner: string, ttlMs: number): Promise<boolean> {
    await this.ready;
    return Number(await this.client.eval(EXTEND, { keys: [CLAIM_PREFIX + key], arguments: [owner, String(Math.max(1, Math.round(ttlMs)))] })) === 1;
  }
  async releaseClaim(key: string, owner: string): Promise<void> {
    await this.ready;
    await this.client.eval(RELEASE, { keys: [CLAIM_PREFIX + key], arguments: [owner] });
  }
  /** Writes raw text under a key, to simulate a damaged record in tests. */
  async setRaw(key: string, text: string): Promise<void> {
    await this.ready;
    await this.client.set(key, text, { PX: 3_600_000 });
  }
  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.keyv.disconnect();
  }
}
