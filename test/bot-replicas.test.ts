// Discord over HTTP with stateless replicas: two real `liqmap serve` processes behind a small round-robin
// proxy on loopback, sharing one real redis-server. The fake Discord posts signed interactions to the
// proxy; every one is answered exactly once, a digest slot is posted exactly once, and when one replica
// is killed mid-burst the other answers the rest. Needs the build (dist/) and redis-server.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { RedisBackend } from '../src/store/redis-backend.js';
import { createStore } from '../src/store/store.js';
import { CHANNEL_ID, FakeDiscord, GUILD_ID } from './fakes/discord-api.js';
import { startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { CLI, startProxy, startReplica, type Proxy, type Replica } from './helpers/replicas.js';

describe.skipIf(!existsSync(CLI))('two stateless replicas behind a load balancer (Discord over HTTP, one Redis)', () => {
  let redis: RedisServer;
  let discord: FakeDiscord;
  let proxy: Proxy;
  const replicas: Replica[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'liqmap-replicas-'));
  let endpoint = '';
  let nextUser = 700000000000000000n;
  const str = (name: string, value: string) => ({ name, type: 3, value });

  beforeAll(async () => {
    redis = await startRedisServer();
    discord = await new FakeDiscord().start();
    // A digest due now in the channel (its time: the current minute, UTC): both replicas' schedulers tick at start.
    const now = new Date();
    const store = createStore(new RedisBackend(redis.url), pino({ level: 'silent' }));
    const destination = `dc:${GUILD_ID}:${CHANNEL_ID}`;
    await store.subscriptions.put(destination, {
      v: 1,
      destination,
      platform: 'discord',
      time: `${String(now.getUTCHours()).padStart(2, '0')}:${String(now.getUTCMinutes()).padStart(2, '0')}`,
      timezone: 'UTC',
      days: 'daily',
      symbols: ['BTCUSDT'],
      window: '7d',
      createdBy: 'mod',
      updatedAtMs: now.getTime() - 86_400_000,
      enabled: true,
    });
    await store.close();
    const env = {
      DISCORD_TOKEN: discord.token,
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_INTERACTIONS: 'http',
      DISCORD_PUBLIC_KEY: discord.publicKeyHex,
      REDIS_URL: redis.url,
      LIQMAP_SOURCE: 'sample',
      RENDER_WORKERS: '1',
      LOG_LEVEL: 'info',
    };
    replicas.push(...(await Promise.all([startReplica(env, dir), startReplica(env, dir)])));
    const ports = replicas.map((r) => r.port);
    proxy = await startProxy(ports);
    endpoint = `${proxy.url}/discord/interactions`;
  }, 120_000);

  afterAll(async () => {
    for (const r of replicas) r.child.kill('SIGKILL');
    proxy?.close();
    await discord?.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Posts the interactions `parallel` at a time; resolves with the tokens and the HTTP statuses. */
  async function burst(count: number, parallel: number, onSent?: (n: number) => void) {
    const built = Array.from({ length: count }, () => discord.interactionPayload({ name: 'liqmap', options: [str('symbol', 'btc')], userId: String(nextUser++) }));
    const statuses: number[] = new Array(count);
    let sent = 0;
    const worker = async () => {
      while (sent < count) {
        const n = sent++;
        onSent?.(n);
        statuses[n] = (await discord.postInteraction(endpoint, built[n]!.payload)).status;
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    return { tokens: built.map((b) => b.token), statuses };
  }

  const answerCount = (token: string) => discord.answers(token).length;
  async function settle(tokens: string[]) {
    for (let i = 0; i < 400 && tokens.some((t) => answerCount(t) === 0); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
  }

  it('200 interactions: each answered exactly once, both replicas serving; the digest slot posted exactly once', async () => {
    const { tokens, statuses } = await burst(200, 20);
    expect(statuses.every((s) => s === 200)).toBe(true);
    await settle(tokens);
    expect(tokens.map(answerCount)).toEqual(Array(200).fill(1));
    expect(proxy.served.every((n) => n >= 50)).toBe(true);
    const digests = discord.callsTo('POST', new RegExp(`^/channels/${CHANNEL_ID}/messages$`));
    expect(digests).toHaveLength(1);
    expect(digests[0]!.files.map((f) => f.filename)).toEqual(['liqmap-BTCUSDT-7d.png']);
  }, 120_000);

  it('one replica killed mid-burst: the other answers the rest; nothing is answered twice', async () => {
    let killedAt = -1;
    const { tokens, statuses } = await burst(100, 10, (n) => {
      if (n === 30 && killedAt < 0) {
        killedAt = n;
        replicas[0]!.child.kill('SIGKILL');
      }
    });
    await settle(tokens.slice(killedAt + 10));
    const counts = tokens.map(answerCount);
    // At most once, always; exactly once for everything sent after the kill had settled (the requests
    // in flight on the killed replica at that moment may be lost).
    expect(counts.every((c) => c <= 1)).toBe(true);
    expect(counts.slice(killedAt + 10)).toEqual(Array(tokens.length - killedAt - 10).fill(1));
    expect(statuses.slice(killedAt + 10).every((s) => s === 200)).toBe(true);
    expect(replicas[1]!.output()).not.toMatch(/"level":"(error|fatal)"/);
  }, 120_000);
});
