// Bot latency, from the interaction (or update) leaving the fake platform to the answer arriving back at
// it, through the real adapters, the runtime, the map pipeline, the bundled sample and the real render
// pool. Discord over HTTP (the interactions endpoint): the signed POST → the inline response or the
// multipart edit of @original; one replica in this process, then two real `liqmap serve` processes
// behind a round-robin proxy sharing one redis-server. Then Discord over the gateway and Telegram.
// Warm = the same map again (picture cached); cold = a map not drawn yet (model run + render).
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { BOT_COMMANDS } from '../commands/index.js';
import { systemClock } from '../src/clock.js';
import { CommandRuntime } from '../src/core/runtime.js';
import type { Services } from '../src/core/command.js';
import { startHttpServer } from '../src/http/server.js';
import { MapPipeline } from '../src/maps/map-pipeline.js';
import { RecordedMarketData } from '../src/market/recorded-market-data.js';
import { DiscordBot } from '../src/platforms/discord/discord-bot.js';
import { TelegramBot } from '../src/platforms/telegram/telegram-bot.js';
import { MemoryBackend } from '../src/store/memory-backend.js';
import { createPageLinks } from '../src/web/links.js';
import { createWorkPool } from '../src/workers/work-pool.js';
import { FakeDiscord } from '../test/fakes/discord-api.js';
import { FakeTelegramApi } from '../test/fakes/telegram-api.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { startProxy, startReplica } from '../test/helpers/replicas.js';
import { percentile } from './stats.js';

const log = pino({ level: 'silent' });
const load = () => execSync('uptime').toString().trim().replace(/^.*load average/, 'load average');
/** Limits off: the benchmark is many people asking hundreds of times. */
const NO_LIMITS = { pictures: { burst: 1_000_000, intervalMs: 1 }, commands: { burst: 1_000_000, intervalMs: 1 } };

/** CPU time (user + system) a process has used, in ms, from /proc (Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}
const row = (label: string, xs: number[]) =>
  console.log(`  ${label.padEnd(46)} n=${String(xs.length).padEnd(4)} p50 ${percentile(xs, 50).toFixed(1).padStart(7)} ms   p95 ${percentile(xs, 95).toFixed(1).padStart(7)} ms   max ${Math.max(...xs).toFixed(1).padStart(7)} ms`);

console.log(`machine: ${load()}`);
const discord = await new FakeDiscord().start();
let user = 500_000_000_000_000_000n;
const str = (name: string, value: string | number) => ({ name, type: typeof value === 'number' ? 10 : 3, value });

/** One interaction over HTTP; ms from the POST to its answer (inline, or the edit). */
async function askHttp(endpoint: string, name: string, options: { name: string; type: number; value: unknown }[]): Promise<number> {
  const { payload, token } = discord.interactionPayload({ name, options, userId: String(user++) });
  const t0 = performance.now();
  const res = await discord.postInteraction(endpoint, payload);
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  const answer = await discord.waitForAnswer(token, 60_000);
  if (!answer.body?.embeds) throw new Error(`answer without the map: ${JSON.stringify(answer.body).slice(0, 200)}`);
  return answer.at - t0;
}

// --- 1. One replica in this process: the HTTP route, the adapter, the real render pool (2 workers).
const market = new RecordedMarketData('sample');
const pool = createWorkPool({ size: 2, maxQueue: 256 });
const maps = new MapPipeline({ market, renderer: pool, models: pool, clock: systemClock, log });
const services: Services = { maps, clock: systemClock, log, commands: BOT_COMMANDS };
const runtime = new CommandRuntime(services, NO_LIMITS);
// With PUBLIC_URL set, /liqmap's picture is an embed image URL (the web view serves it): no upload.
const byUrlRuntime = new CommandRuntime({ ...services, links: createPageLinks('https://liqmap.example.com') }, NO_LIMITS);
const claims = new MemoryBackend(() => Date.now());
/** An interactions endpoint in this process over its own HTTP server. */
async function endpointWith(r: CommandRuntime) {
  const http = await startHttpServer({ port: 0, host: '127.0.0.1', readiness: {} });
  const bot = new DiscordBot({
    token: discord.token,
    apiUrl: discord.apiUrl,
    runtime: r,
    log,
    interactions: { kind: 'http', publicKey: discord.publicKeyHex, routes: http, firstSeen: (id, ttl) => claims.claim(`interaction:${id}`, 'bench', ttl) },
  });
  await bot.start();
  return { url: `${http.url}/discord/interactions`, close: async () => (await bot.stop(), await http.close()) };
}
const uploading = await endpointWith(runtime);
const byUrlEndpoint = await endpointWith(byUrlRuntime);
const endpoint = uploading.url;

console.log('\nDiscord over HTTP, one replica in process: signed POST → answer at the fake (/liqmap, bundled sample, 2 render workers)');
console.log(`  first request (loads the sample): ${(await askHttp(endpoint, 'liqmap', [str('symbol', 'btc')])).toFixed(1)} ms`);
const warm: number[] = [];
for (let i = 0; i < 200; i++) warm.push(await askHttp(endpoint, 'liqmap', [str('symbol', 'btc')]));
row('warm, one at a time (deferral + multipart edit)', warm);
const cold: number[] = [];
for (let r = 1; r <= 30; r++) cold.push(await askHttp(endpoint, 'liqmap', [str('symbol', 'btc'), str('range', r + 0.5)]));
row('cold, one at a time (model + render)', cold);
row('warm, 50 at once', await Promise.all(Array.from({ length: 50 }, () => askHttp(endpoint, 'liqmap', [str('symbol', 'btc')]))));
row('warm, 200 at once', await Promise.all(Array.from({ length: 200 }, () => askHttp(endpoint, 'liqmap', [str('symbol', 'btc')]))));
await askHttp(byUrlEndpoint.url, 'liqmap', [str('symbol', 'btc')]);
const byUrl: number[] = [];
for (let i = 0; i < 200; i++) byUrl.push(await askHttp(byUrlEndpoint.url, 'liqmap', [str('symbol', 'btc')]));
row('warm, PUBLIC_URL: picture by URL (inline response)', byUrl);
row('warm, PUBLIC_URL, 50 at once', await Promise.all(Array.from({ length: 50 }, () => askHttp(byUrlEndpoint.url, 'liqmap', [str('symbol', 'btc')]))));
row('warm, PUBLIC_URL, 200 at once', await Promise.all(Array.from({ length: 200 }, () => askHttp(byUrlEndpoint.url, 'liqmap', [str('symbol', 'btc')]))));
await uploading.close();
await byUrlEndpoint.close();
console.log(`  ${load()}`);

// --- 2. Two replicas (real processes) behind a round-robin proxy, one redis-server.
console.log('\nDiscord over HTTP, two replicas (liqmap serve processes, 1 render worker each) behind a round-robin proxy, one redis-server');
const redis = await startRedisServer();
const dir = mkdtempSync(join(tmpdir(), 'liqmap-bench-replicas-'));
const env = {
  DISCORD_TOKEN: discord.token,
  DISCORD_API_URL: discord.apiUrl,
  DISCORD_INTERACTIONS: 'http',
  DISCORD_PUBLIC_KEY: discord.publicKeyHex,
  REDIS_URL: redis.url,
  LIQMAP_SOURCE: 'sample',
  RENDER_WORKERS: '1',
  // Limits generous for one benchmark "chat" asking hundreds of times.
  PICTURE_BURST: '100',
  PICTURE_INTERVAL_SECONDS: '0',
  LOG_LEVEL: 'info',
};
for (const pass of ['uploads', 'PUBLIC_URL'] as const) {
  console.log(`  ${pass === 'uploads' ? 'pictures uploaded with every answer' : 'PUBLIC_URL set: pictures by URL, answers inline'}`);
  const replicas = await Promise.all([0, 1].map(() => startReplica({ ...env, ...(pass === 'PUBLIC_URL' ? { PUBLIC_URL: 'https://liqmap.example.com' } : {}) }, dir)));
  // A failed run must not leave the replicas behind.
  process.on('exit', () => replicas.forEach((r) => r.child.kill('SIGKILL')));
  const proxy = await startProxy(replicas.map((r) => r.port));
  const lbEndpoint = `${proxy.url}/discord/interactions`;
  // Each replica draws the map once.
  for (let i = 0; i < 4; i++) await askHttp(lbEndpoint, 'liqmap', [str('symbol', 'btc')]);
  const lbWarm: number[] = [];
  for (let i = 0; i < 100; i++) lbWarm.push(await askHttp(lbEndpoint, 'liqmap', [str('symbol', 'btc')]));
  row('warm, one at a time', lbWarm);
  if (pass === 'uploads') row('cold, 50 at once (one new map)', await Promise.all(Array.from({ length: 50 }, () => askHttp(lbEndpoint, 'liqmap', [str('symbol', 'btc'), str('window', '3d')]))));
  /** A batch at once; also the replicas' CPU per answer (what the bot itself spends, whatever the machine's load). */
  const batch = async (label: string, n: number) => {
    const before = replicas.map((r) => cpuMs(r.child.pid!));
    const self0 = process.cpuUsage();
    row(label, await Promise.all(Array.from({ length: n }, () => askHttp(lbEndpoint, 'liqmap', [str('symbol', 'btc')]))));
    const botCpu = replicas.reduce((sum, r, i) => sum + cpuMs(r.child.pid!) - before[i]!, 0);
    const self = process.cpuUsage(self0);
    console.log(`    CPU per answer: replicas ${(botCpu / n).toFixed(1)} ms; fake Discord + proxy ${((self.user + self.system) / 1000 / n).toFixed(1)} ms`);
  };
  for (let round = 1; round <= 3; round++) await batch(`warm, 50 at once (round ${round})`, 50);
  for (let round = 1; round <= 3; round++) await batch(`warm, 200 at once (round ${round})`, 200);
  console.log(`  served per replica: ${proxy.served.join(' / ')}; ${load()}`);
  proxy.close();
  for (const r of replicas) r.child.kill('SIGTERM');
}
await redis.stop();
rmSync(dir, { recursive: true, force: true });

// --- 3. Discord over the gateway, in process.
console.log('\nDiscord over the gateway: INTERACTION_CREATE → answer at the fake (one callback with the PNG when ready within 1.2 s)');
const gatewayBot = new DiscordBot({ token: discord.token, apiUrl: discord.apiUrl, runtime, log });
await gatewayBot.start();
async function askGateway(options: { name: string; type: number; value: unknown }[]): Promise<number> {
  const t0 = performance.now();
  const { token } = discord.chatInput({ name: 'liqmap', options, userId: String(user++) });
  const answer = await discord.waitForAnswer(token, 60_000);
  if (answer.files.length !== 1) throw new Error('answer without a picture');
  return answer.at - t0;
}
const gwWarm: number[] = [];
for (let i = 0; i < 200; i++) gwWarm.push(await askGateway([str('symbol', 'btc')]));
row('warm, one at a time', gwWarm);
row('warm, 50 at once', await Promise.all(Array.from({ length: 50 }, () => askGateway([str('symbol', 'btc')]))));
await gatewayBot.stop();

// --- 4. Telegram: the update handed to a held getUpdates → sendPhoto arriving (grammY long polling).
console.log('\nTelegram: update delivered by getUpdates → sendPhoto at the fake (real grammY)');
const telegram = await new FakeTelegramApi().start();
const tg = new TelegramBot({ token: telegram.token, apiRoot: telegram.url, runtime, log });
await tg.start();
let chat = 1;
async function askTelegram(text: string): Promise<number> {
  const chatId = chat++;
  const t0 = performance.now();
  telegram.sendText(text, { userId: chatId });
  await telegram.waitFor(() => telegram.delivered('sendPhoto', chatId).length > 0, 60_000);
  return performance.now() - t0;
}
await askTelegram('/liqmap btc');
const tgWarm: number[] = [];
for (let i = 0; i < 100; i++) tgWarm.push(await askTelegram('/liqmap btc'));
row('warm (file_id reused), one at a time', tgWarm);
row('50 at once, one new map', await Promise.all(Array.from({ length: 50 }, () => askTelegram('/liqmap btc 14d'))));
console.log(`  photos uploaded ${telegram.callsOf('sendPhoto').filter((c) => Object.keys(c.files).length > 0).length} of ${telegram.callsOf('sendPhoto').length} sent`);
await tg.stop();
await telegram.close();
await pool.close();
await discord.close();
console.log(`\nmachine: ${load()}`);
