import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreBackend } from '../src/store/backend.js';
import { Collection } from '../src/store/collection.js';
import { MemoryBackend } from '../src/store/memory-backend.js';
import { RedisBackend } from '../src/store/redis-backend.js';
import type { RecordSchema } from '../src/store/schema.js';
import { SqliteBackend } from '../src/store/sqlite-backend.js';
import { createStore } from '../src/store/store.js';
import type { Subscription } from '../src/store/records.js';
import { startRedisServer, type RedisServer } from './helpers/redis-server.js';

function logSpy() {
  const warnings: { obj: object; msg: string }[] = [];
  return { warnings, warn: (obj: object, msg: string) => warnings.push({ obj, msg }), error: () => undefined };
}

const sub = (destination: string, extra: Partial<Subscription> = {}): Subscription => ({
  v: 1,
  destination,
  platform: 'telegram',
  time: '08:00',
  timezone: 'Europe/Berlin',
  days: 'daily',
  symbols: ['BTCUSDT'],
  window: '7d',
  createdBy: 'u1',
  updatedAtMs: 1,
  enabled: true,
  ...extra,
});

let redis: RedisServer;
let dir: string;
beforeAll(async () => {
  redis = await startRedisServer();
  dir = mkdtempSync(join(tmpdir(), 'liqmap-store-'));
});
afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

type RawWriter = StoreBackend & { setRaw(key: string, text: string): unknown };
let n = 0;
const backends: [string, () => RawWriter][] = [
  ['memory', () => new MemoryBackend()],
  ['sqlite', () => new SqliteBackend(join(dir, `s${++n}.sqlite`))],
  ['redis', () => new RedisBackend(redis.url)],
];

describe.each(backends)('%s backend', (_name, make) => {
  it('keeps records, lists by prefix, and skips a corrupt record with a warning', async () => {
    const backend = make();
    const log = logSpy();
    const store = createStore(backend, log);
    const tag = `t${++n}`;
    await store.subscriptions.put(`tg:${tag}1`, sub(`tg:${tag}1`));
    await store.subscriptions.put(`tg:${tag}2`, sub(`tg:${tag}2`, { time: '09:30' }));
    await store.subscriptions.put(`dc:${tag}:c_%`, sub(`dc:${tag}:c_%`, { platform: 'discord' }));
    await backend.setRaw(`sub:tg:${tag}3`, '{"value": {"v":1, "destin');
    await backend.setRaw(`sub:tg:${tag}4`, JSON.stringify({ value: { v: 1, destination: 'x' } }));
    expect((await store.subscriptions.get(`tg:${tag}2`))?.time).toBe('09:30');
    const listed = await store.subscriptions.list(`tg:${tag}`);
    expect(listed.map((s) => s.destination).sort()).toEqual([`tg:${tag}1`, `tg:${tag}2`]);
    // "_" and "%" in a key are not wildcards.
    expect((await store.subscriptions.list(`dc:${tag}:c_`)).length).toBe(1);
    expect((await store.subscriptions.list(`dc:${tag}:cx`)).length).toBe(0);
    expect(await store.subscriptions.get(`tg:${tag}3`)).toBeUndefined();
    const reasons = new Set(log.warnings.map((w) => (w.obj as { reason: string }).reason));
    expect(reasons.has('unparsable JSON')).toBe(true);
    expect([...reasons].some((r) => r.startsWith('bad'))).toBe(true);
    expect(await store.subscriptions.delete(`tg:${tag}1`)).toBe(true);
    expect(await store.subscriptions.get(`tg:${tag}1`)).toBeUndefined();
    await store.close();
  });

  it('gives a claim to one owner until it expires; only the holder extends or releases it', async () => {
    const a = make();
    const key = `digest:tg:1:${++n}`;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => a.claim(key, `o${i}`, 60_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const owner = `o${results.indexOf(true)}`;
    expect(await a.extendClaim(key, 'intruder', 60_000)).toBe(false);
    await a.releaseClaim(key, 'intruder');
    expect(await a.claim(key, 'other', 60_000)).toBe(false);
    expect(await a.extendClaim(key, owner, 60_000)).toBe(true);
    await a.releaseClaim(key, owner);
    expect(await a.claim(key, 'other', 30)).toBe(true);
    await new Promise((r) => setTimeout(r, 80));
    expect(await a.claim(key, 'third', 60_000)).toBe(true);
    await a.close();
  });
});

describe('shared between processes', () => {
  it('two SQLite connections on one file: each claim goes to exactly one', async () => {
    const path = join(dir, 'shared.sqlite');
    const a = new SqliteBackend(path);
    const b = new SqliteBackend(path);
    const keys = Array.from({ length: 50 }, (_, i) => `digest:tg:${i}:slot`);
    const won = await Promise.all(keys.flatMap((k) => [a.claim(k, 'a', 60_000), b.claim(k, 'b', 60_000)]));
    for (let i = 0; i < keys.length; i++) expect(Number(won[2 * i]) + Number(won[2 * i + 1])).toBe(1);
    await a.close();
    await b.close();
  });

  it('two Redis clients: each claim goes to exactly one', async () => {
    const a = new RedisBackend(redis.url);
    const b = new RedisBackend(redis.url);
    const keys = Array.from({ length: 50 }, (_, i) => `digest:tg:${i}:shared`);
    const won = await Promise.all(keys.flatMap((k) => [a.claim(k, 'a', 60_000), b.claim(k, 'b', 60_000)]));
    for (let i = 0; i < keys.length; i++) expect(Number(won[2 * i]) + Number(won[2 * i + 1])).toBe(1);
    await a.close();
    await b.close();
  });

  it('SQLite: what a user configured survives a restart', async () => {
    const path = join(dir, 'restart.sqlite');
    const first = createStore(new SqliteBackend(path), logSpy());
    await first.subscriptions.put('tg:42', sub('tg:42', { symbols: ['BTCUSDT', 'ETHUSDT'] }));
    await first.close();
    const second = createStore(new SqliteBackend(path), logSpy());
    expect((await second.subscriptions.get('tg:42'))?.symbols).toEqual(['BTCUSDT', 'ETHUSDT']);
    await second.close();
  });
});

describe('schema versions', () => {
  interface V2 {
    v: 2;
    destination: string;
    symbols: string[];
  }
  const schema: RecordSchema<V2> = {
    name: 'test',
    version: 2,
    // v1 stored symbols as one comma-separated string.
    migrations: { 1: (old) => ({ destination: old.destination, symbols: String(old.symbols).split(',') }) },
    check: (r) => (Array.isArray(r.symbols) ? undefined : 'bad symbols'),
  };

  it('migrates an old record on read, writes it back once, and skips one from a newer build', async () => {
    const backend = new MemoryBackend();
    const log = logSpy();
    const c = new Collection<V2>(backend, 'test', schema, log);
    await backend.set('test:a', { v: 1, destination: 'tg:1', symbols: 'BTCUSDT,ETHUSDT' });
    await backend.set('test:b', { v: 3, destination: 'tg:2', symbols: [] });
    await backend.set('test:c', { destination: 'tg:3' });
    expect(await c.get('a')).toEqual({ v: 2, destination: 'tg:1', symbols: ['BTCUSDT', 'ETHUSDT'] });
    expect(await backend.get('test:a')).toEqual({ v: 2, destination: 'tg:1', symbols: ['BTCUSDT', 'ETHUSDT'] });
    expect(await c.list()).toHaveLength(1);
    const reasons = log.warnings.map((w) => (w.obj as { reason: string }).reason);
    expect(reasons).toContain('schema version 3 is newer than this build\'s 2');
    expect(reasons).toContain('no schema version');
  });
});
