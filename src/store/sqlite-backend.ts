// The embedded store: keyv over @keyv/sqlite in one file, claims in a table of the same file.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Keyv, { type Deserialize, type Serialize } from 'keyv';
import KeyvSqlite from '@keyv/sqlite';
import { safeDeserialize, safeSerialize, type StoreBackend } from './backend.js';

const RECORDS_TABLE = 'keyv';

export class SqliteBackend implements StoreBackend {
  readonly kind = 'sqlite' as const;
  private readonly adapter: KeyvSqlite;
  private readonly keyv: Keyv;
  private readonly ready: Promise<unknown>;

  /** `path` is a file (created with its directory) or `:memory:`. */
  constructor(
    path: string,
    private readonly nowMs: () => number = () => Date.now(),
  ) {
    const file = path === ':memory:' ? path : resolve(path);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    // busyTimeout: a second process on the same file waits for the lock instead of failing.
    this.adapter = new KeyvSqlite({ uri: `sqlite://${file}`, table: RECORDS_TABLE, busyTimeout: 5000 });
    // No keyv namespace: keys are already namespaced by the repositories, and keyv's prefixing differs per adapter.
    this.keyv = new Keyv({ store: this.adapter, namespace: undefined, useKeyPrefix: false, serialize: safeSerialize as Serialize, deserialize: safeDeserialize as Deserialize });
    const adapter = this.adapter;
    this.ready = (async () => {
      // WAL: a commit appends to the log instead of syncing the whole file (a digest round writes a few
      // records per chat), and readers in another process do not block the writer.
      if (file !== ':memory:') {
        await retryBusy(() => adapter.query('PRAGMA journal_mode = WAL'));
        await retryBusy(() => adapter.query('PRAGMA synchronous = NORMAL'));
      }
      await retryBusy(() => adapter.query('CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_ms INTEGER NOT NULL)'));
    })();
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
    // A key range, not LIKE: keys may hold "_" and "%", which LIKE would read as wildcards.
    const rows = (await this.adapter.query(`SELECT key, value FROM ${RECORDS_TABLE} WHERE key >= ? AND key < ?`, prefix, `${prefix}\uffff`)) as {
      key: string;
      value: string;
    }[];
    for (const row of rows) yield [row.key, safeDeserialize(row.value).value];
  }
  async claim(key: string, owner: string, ttlMs: number): Promise<boolean> {
    await this.ready;
    const now = this.nowMs();
    const rows = (await retryBusy(() => this.adapter.query(
      'INSERT INTO claims (key, owner, expires_ms) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET owner = excluded.owner, expires_ms = excluded.expires_ms WHERE claims.expires_ms <= ? RETURNING owner',
      key,
      owner,
      now + ttlMs,
      now,
    ))) as unknown[];
    return rows.length === 1;
  }
  async extendClaim(key: string, owner: string, ttlMs: number): Promise<boolean> {
    await this.ready;
    const expires = this.nowMs() + ttlMs;
    const rows = (await retryBusy(() => this.adapter.query('UPDATE claims SET expires_ms = ? WHERE key = ? AND owner = ? RETURNING key', expires, key, owner))) as unknown[];
    return rows.length === 1;
  }
  async releaseClaim(key: string, owner: string): Promise<void> {
    await this.ready;
    await retryBusy(() => this.adapter.query('DELETE FROM claims WHERE key = ? AND owner = ?', key, owner));
  }
  /** Claims that expired long ago are only clutter; the scheduler calls this now and then. */
  async pruneClaims(beforeMs: number): Promise<void> {
    await this.ready;
    await this.adapter.query('DELETE FROM claims WHERE expires_ms < ?', beforeMs);
  }
  /** Writes raw text under a key, to simulate a damaged record in tests. */
  async setRaw(key: string, text: string): Promise<void> {
    await this.adapter.set(key, text);
  }
  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.keyv.disconnect();
  }
}

/**
 * SQLite answers SQLITE_BUSY at once, without its busy timeout, when waiting could deadlock (two
 * connections switching a new file to WAL, or a read upgrading to a write); the statement is safe to
 * run again. Seen as a rare failure of two connections claiming on one fresh file.
 */
async function retryBusy<T>(run: () => Promise<T>, attempts = 50): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (err) {
      if (i >= attempts || !(err instanceof Error && /SQLITE_BUSY/.test(`${(err as { code?: string }).code ?? ''} ${err.message}`))) throw err;
      await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 20)));
    }
  }
}
