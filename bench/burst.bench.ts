// A burst through the real bot: 200 users in 50 Telegram chats ask within 3 s for 35 distinct maps
// (5 windows × 7 ranges of the bundled sample). `startBot` runs here with its work pool, grammY long-polls
// a fake Bot API that runs in a child process, so the fake's work (multipart uploads, the clock that
// times each request) stays off the bot's event loop and out of its memory. The child sends each update
// at its planned time and times it until the photo that answers it arrives; it also polls /healthz.
// Here: event-loop delay (monitorEventLoopDelay) and resident memory of the bot's process.
// Limits: each user asks once (one of their 3 pictures at once) and each chat 4 times in 3 s (a Telegram
// group may get 20 messages a minute); RENDER_QUEUE=100 (override from the environment) so the work queue
// does not shed the burst. A request the bot refuses (limit, busy) is counted, never timed.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { startBot } from '../src/main.js';
import { FakeTelegramApi, type ApiCall } from '../test/fakes/telegram-api.js';
import { percentile } from './stats.js';

const USERS = 200;
const CHATS = 50;
const SPREAD_MS = 3_000;
const WINDOWS = ['1d', '3d', '7d', '14d', '30d'];
const RANGES = [5, 8, 10, 12, 15, 20, 25];
const TARGET_P95_MS = 800;
const TARGET_LOOP_P99_MS = 50;

interface Ask {
  atMs: number;
  chatId: number;
  userId: number;
  text: string;
}

type ToFake = { type: 'ask'; ask: Ask } | { type: 'burst'; asks: Ask[]; healthUrl: string };
type FromFake =
  | { type: 'ready'; url: string; token: string }
  | { type: 'answered'; ms: number; photo: boolean }
  | { type: 'burst-done'; latencies: number[]; refused: string[]; health: number[]; uploads: number; photos: number; fakeCpuMs: number };

/** The plan: user i in chat i mod 50 asks for map i mod 35, every 15 ms. */
function burstPlan(): Ask[] {
  return Array.from({ length: USERS }, (_, i) => {
    const k = i % (WINDOWS.length * RANGES.length);
    return {
      atMs: (i * SPREAD_MS) / USERS,
      chatId: -1_000_000_000 - (i % CHATS),
      userId: 10_000 + i,
      text: `/liqmap btc ${WINDOWS[k % WINDOWS.length]} ${RANGES[Math.floor(k / WINDOWS.length)]}`,
    };
  });
}

// ---- the fake Bot API's side (child process) ----

async function fakeSide(): Promise<void> {
  const send = (m: FromFake) => process.send!(m);
  const fake = await new FakeTelegramApi().start();
  /** message id → when its update was handed out and how to report its answer. */
  const pending = new Map<number, { t0: number; done: (ms: number, call: ApiCall) => void }>();
  let seen = 0;
  const stamp = (calls: ApiCall[]) => {
    const now = performance.now();
    for (; seen < calls.length; seen++) {
      const call = calls[seen]!;
      if (call.method !== 'sendPhoto' && call.method !== 'sendMessage') continue;
      const replyTo = (call.params.reply_parameters as { message_id?: number } | undefined)?.message_id;
      const entry = replyTo === undefined ? undefined : pending.get(replyTo);
      if (!entry) continue;
      pending.delete(replyTo!);
      entry.done(now - entry.t0, call);
    }
    return false;
  };
  void fake.waitFor(stamp, 24 * 3_600_000).catch(() => undefined);
  const askOne = (a: Ask, done: (ms: number, call: ApiCall) => void) => {
    const id = fake.sendText(a.text, { chatId: a.chatId, userId: a.userId, chatType: 'supergroup' });
    pending.set(id, { t0: performance.now(), done });
  };

  process.on('message', (m: ToFake) => {
    if (m.type === 'ask') {
      askOne(m.ask, (ms, call) => send({ type: 'answered', ms, photo: call.method === 'sendPhoto' }));
      return;
    }
    const latencies: number[] = [];
    const refused: string[] = [];
    const health: number[] = [];
    let answered = 0;
    let polling = true;
    const photosBefore = fake.callsOf('sendPhoto').length;
    const uploadsBefore = fake.callsOf('sendPhoto').filter((c) => Object.keys(c.files).length > 0).length;
    const poll = async () => {
      while (polling) {
        const t0 = performance.now();
        await fetch(m.healthUrl).then((r) => r.arrayBuffer());
        health.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    void poll();
    const start = performance.now();
    const cpuBefore = process.cpuUsage();
    for (const a of m.asks) {
      setTimeout(
        () =>
          askOne(a, (ms, call) => {
            if (call.method === 'sendPhoto') latencies.push(ms);
            else refused.push(String(call.params.text).slice(0, 120));
            if (++answered === m.asks.length) {
              polling = false;
              const calls = fake.callsOf('sendPhoto');
              const uploads = calls.filter((c) => Object.keys(c.files).length > 0).length - uploadsBefore;
              const cpu = process.cpuUsage(cpuBefore);
              send({ type: 'burst-done', latencies, refused, health, uploads, photos: calls.length - photosBefore, fakeCpuMs: (cpu.user + cpu.system) / 1000 });
            }
          }),
        Math.max(0, start + a.atMs - performance.now()),
      );
    }
  });
  send({ type: 'ready', url: fake.url, token: fake.token });
}

// ---- the bot's side (this process) ----

function next<T extends FromFake['type']>(child: ChildProcess, type: T): Promise<Extract<FromFake, { type: T }>> {
  return new Promise((resolve) => {
    const on = (m: FromFake) => {
      if (m.type !== type) return;
      child.off('message', on);
      resolve(m as Extract<FromFake, { type: T }>);
    };
    child.on('message', on);
  });
}

async function botSide(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['--fake-telegram'], { stdio: 'inherit' });
  const { url, token } = await next(child, 'ready');
  const dir = mkdtempSync(join(tmpdir(), 'liqmap-burst-'));
  const config = loadConfig(
    {
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_API_ROOT: url,
      LIQMAP_SOURCE: 'sample',
      STORE_PATH: join(dir, 'store.sqlite'),
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
      // 35 new maps at once are 70 jobs (model run + picture); the default queue of 32 may answer some "busy".
      RENDER_QUEUE: process.env.RENDER_QUEUE ?? '100',
    },
    { dotenvPath: null },
  );
  const bot = await startBot(config, { liquidationFeed: null });
  const rssStart = process.memoryUsage.rss();

  // A running bot: it has drawn maps of every window before (bars read, both workers' code warm), none of
  // the burst's 35. BURST_FRESH=1: a bot just started, one map drawn.
  const fresh = process.env.BURST_FRESH === '1';
  const warmUp = fresh ? ['/liqmap btc 7d 49'] : WINDOWS.flatMap((w) => [`/liqmap btc ${w} 49`, `/liqmap btc ${w} 45`]);
  for (const [i, text] of warmUp.entries()) {
    child.send({ type: 'ask', ask: { atMs: 0, chatId: -1, userId: 1 + i, text } } satisfies ToFake);
    if (!(await next(child, 'answered')).photo) throw new Error(`warm-up ${text} was not answered with a map`);
  }
  const statsBefore = { ...bot.maps.stats };

  const loop = monitorEventLoopDelay({ resolution: 10 });
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), 250);
  // BURST_CPU_PROFILE=<file.cpuprofile>: the main thread's CPU profile of the burst alone (not the start-up).
  const profiler = process.env.BURST_CPU_PROFILE ? new Session() : undefined;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  loop.enable();
  const cpuStart = process.cpuUsage();
  const t0 = performance.now();
  child.send({ type: 'burst', asks: burstPlan(), healthUrl: `${bot.http!.url}/healthz` } satisfies ToFake);
  const result = await next(child, 'burst-done');
  const elapsed = performance.now() - t0;
  loop.disable();
  clearInterval(sampler);
  const rssAfter = process.memoryUsage.rss();
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(process.env.BURST_CPU_PROFILE!, JSON.stringify(profile));
    profiler.disconnect();
  }

  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  const l = result.latencies;
  const botCpu = process.cpuUsage(cpuStart);
  const runs = bot.maps.stats.modelRuns - statsBefore.modelRuns;
  const renders = bot.maps.stats.renders - statsBefore.renders;
  console.log(`burst: ${USERS} users in ${CHATS} Telegram chats within ${SPREAD_MS / 1000} s, ${WINDOWS.length * RANGES.length} distinct maps (bundled sample, real grammY, work pool of ${config.render.workers})`);
  console.log(`bot ${fresh ? 'just started (one map drawn before)' : `warmed up (${warmUp.length} maps of every window drawn before)`}`);
  console.log(`answered with a map ${l.length}/${USERS}, refused ${result.refused.length}${result.refused.length ? ` (${[...new Set(result.refused)].join(' | ')})` : ''}; all answered in ${(elapsed / 1000).toFixed(2)} s`);
  console.log(`model runs ${runs}, renders ${renders}, photos sent ${result.photos} (${result.uploads} uploaded, the rest by file_id)`);
  console.log(`latency update → photo: p50 ${percentile(l, 50).toFixed(0)} ms   p95 ${percentile(l, 95).toFixed(0)} ms   max ${Math.max(...l).toFixed(0)} ms`);
  console.log(`event-loop delay: p50 ${ms(loop.percentile(50))} ms   p99 ${ms(loop.percentile(99))} ms   max ${ms(loop.max)} ms`);
  console.log(`/healthz during the burst: n=${result.health.length}   p95 ${percentile(result.health, 95).toFixed(0)} ms   max ${Math.max(...result.health).toFixed(0)} ms`);
  console.log(`CPU during the burst: the bot's process (main thread and workers) ${((botCpu.user + botCpu.system) / 1000).toFixed(0)} ms, the fake Bot API ${result.fakeCpuMs.toFixed(0)} ms`);
  const mb = (b: number) => (b / 2 ** 20).toFixed(0);
  console.log(`RSS: after start ${mb(rssStart)} MB, before the burst ${mb(rssBefore)} MB, peak ${mb(rssPeak)} MB, after ${mb(rssAfter)} MB`);
  const p95ok = percentile(l, 95) < TARGET_P95_MS;
  const loopOk = loop.percentile(99) / 1e6 < TARGET_LOOP_P99_MS;
  console.log(`targets: p95 < ${TARGET_P95_MS} ms → ${p95ok ? 'met' : 'NOT met'}; event-loop p99 < ${TARGET_LOOP_P99_MS} ms → ${loopOk ? 'met' : 'NOT met'}`);

  await bot.stop();
  child.kill();
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv[2] === '--fake-telegram') await fakeSide();
else await botSide();
