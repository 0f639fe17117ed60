// Discord over HTTP with stateless replicas: two real `liqmap serve` processes behind a small round-robin
// proxy on loopback, sharing one real redis-server. The fake Discord posts signed interactions to the
// proxy; every one is answered exactly once, a digest slot is posted exactly once, and when one replica
// is killed mid-burst the other answers the rest. Needs the build (dist/) and redis-server.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { PROJECT_ROOT } from '../src/paths.js';
import { RedisBackend } from '../src/store/redis-backend.js';
import { createStore } from '../src/store/store.js';
import { CHANNEL_ID, FakeDiscord, GUILD_ID } from './fakes/discord-api.js';
import { startRedisServer, type RedisServer } from './helpers/redis-server.js';

const CLI = join(PROJECT_ROOT, 'dist', 'src', 'cli.js');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createNetServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

interface Replica {
  child: ChildProcess;
  port: number;
  output(): string;
}

/** Round robin over the replicas; a replica that refuses the connection is skipped (as a load balancer does). */
async function startProxy(ports: number[]): Promise<{ url: string; server: Server; served: number[] }> {
  let next = 0;
  const served = ports.map(() => 0);
  const forward = (i: number, req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const up = request({ host: '127.0.0.1', port: ports[i], method: req.method, path: req.url, headers: req.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: { 'content-type': String(res.headers['content-type'] ?? 'application/json') }, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      up.on('error', reject);
      up.end(body);
    });
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const first = next++;
    for (let tries = 0; tries < ports.length; tries++) {
      const i = (first + tries) % ports.length;
      try {
        const answer = await forward(i, req, body);
        served[i]!++;
        res.writeHead(answer.status, answer.headers).end(answer.body);
        return;
      } catch {
        // The replica is gone: the next one gets this request.
      }
    }
    res.writeHead(502).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, served };
}

describe.skipIf(!existsSync(CLI))('two stateless replicas behind a load balancer (Discord over HTTP, one Redis)', () => {
  let redis: RedisServer;
  let discord: FakeDiscord;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
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
    const ports = [await freePort(), await freePort()];
    for (const port of ports) {
      const child = spawn(process.execPath, [CLI, 'serve'], {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          DISCORD_TOKEN: discord.token,
          DISCORD_API_URL: discord.apiUrl,
          DISCORD_INTERACTIONS: 'http',
          DISCORD_PUBLIC_KEY: discord.publicKeyHex,
          REDIS_URL: redis.url,
          LIQMAP_SOURCE: 'sample',
          HTTP_PORT: String(port),
          RENDER_WORKERS: '1',
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
      replicas.push({ child, port, output: () => out });
    }
    for (const r of replicas) {
      for (let i = 0; i < 600 && !/liqmap bot running/.test(r.output()); i++) await new Promise((res) => setTimeout(res, 50));
      if (!/liqmap bot running/.test(r.output())) throw new Error(`replica did not start:\n${r.output()}`);
    }
    proxy = await startProxy(ports);
    endpoint = `${proxy.url}/discord/interactions`;
  }, 120_000);

  afterAll(async () => {
    for (const r of replicas) r.child.kill('SIGKILL');
    proxy?.server.closeAllConnections();
    proxy?.server.close();
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
