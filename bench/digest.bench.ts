// Digest fan-out: 1,000 Telegram chats subscribed to the same slot, sent through the real grammY adapter
// to a fake Bot API on 127.0.0.1 that enforces Telegram's ~30 messages/s with 429 + retry_after.
// Checks every digest is delivered exactly once and the picture rendered once; reports the total time.
// Then the same with two scheduler instances on one SQLite file (claims decide who sends what), and once
// without a limit, to show the bot's own ceiling.
// DIGEST_BENCH_CHATS overrides the number of chats.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import busboy from 'busboy';
import { pino } from 'pino';
import type { LiquidationMap } from '../src/analysis/types.js';
import { MapPipeline, type Renderer } from '../src/maps/map-pipeline.js';
import { inlineModelRunner } from '../src/maps/model-runner.js';
import { CommandRuntime } from '../src/core/runtime.js';
import type { Services } from '../src/core/command.js';
import { openMarketData } from '../src/market/open-market-data.js';
import { TelegramBot } from '../src/platforms/telegram/telegram-bot.js';
import { renderMapPng } from '../src/render/map-picture.js';
import { DigestScheduler } from '../src/schedule/digest-scheduler.js';
import { SqliteBackend } from '../src/store/sqlite-backend.js';
import { createStore, type Store } from '../src/store/store.js';

const CHATS = Number(process.env.DIGEST_BENCH_CHATS ?? 1000);
const LIMIT_PER_S = 30;
const SLOT = Date.parse('2026-06-10T06:00:00Z');

/** The Bot API methods a digest uses, with a global sliding-window limit like Telegram's. */
class RateLimitedBotApi {
  constructor(private readonly limitPerS: number) {}
  readonly deliveries = new Map<string, number>();
  uploads = 0;
  byFileId = 0;
  tooMany = 0;
  private accepted: number[] = [];
  private nextMessage = 1;
  private readonly server = createServer((req, res) => void this.handle(req, res));
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.url?.split('/').pop() ?? '';
    const { fields, uploaded } = await readBody(req);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (method !== 'sendPhoto' && method !== 'sendMessage') return send(200, { ok: true, result: true });
    const now = performance.now();
    this.accepted = this.accepted.filter((t) => now - t < 1000);
    if (this.accepted.length >= this.limitPerS) {
      this.tooMany++;
      return send(429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    }
    this.accepted.push(now);
    const chatId = String(fields.chat_id);
    this.deliveries.set(chatId, (this.deliveries.get(chatId) ?? 0) + 1);
    if (uploaded) this.uploads++;
    else if (method === 'sendPhoto') this.byFileId++;
    const message_id = this.nextMessage++;
    const photo = method === 'sendPhoto' ? { photo: [{ file_id: 'AgACAgQAAx0-digest', file_unique_id: 'u1', width: 1200, height: 675 }] } : {};
    send(200, { ok: true, result: { message_id, date: Math.floor(Date.now() / 1000), chat: { id: Number(chatId), type: 'group', title: 'g' }, ...photo } });
  }
}

async function readBody(req: IncomingMessage): Promise<{ fields: Record<string, unknown>; uploaded: boolean }> {
  if ((req.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
    return new Promise((resolve, reject) => {
      const fields: Record<string, unknown> = {};
      let uploaded = false;
      const bb = busboy({ headers: req.headers });
      bb.on('field', (name, value) => (fields[name] = value));
      bb.on('file', (_name, stream) => {
        uploaded = true;
        stream.resume();
      });
      bb.on('close', () => resolve({ fields, uploaded }));
      bb.on('error', reject);
      req.pipe(bb);
    });
  }
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return { fields: text ? (JSON.parse(text) as Record<string, unknown>) : {}, uploaded: false };
}

async function run(instances: number, limitPerS = LIMIT_PER_S): Promise<void> {
  const api = new RateLimitedBotApi(limitPerS);
  await api.start();
  const dir = mkdtempSync(join(tmpdir(), 'liqmap-digest-bench-'));
  const log = pino({ level: 'silent' });
  const clock = { now: () => SLOT + 5_000 };
  let renders = 0;
  const renderer: Renderer = {
    renderMap: async (map: LiquidationMap) => {
      renders++;
      return renderMapPng(map);
    },
    renderHeatmap: async () => {
      throw new Error('not used');
    },
  };
  const market = openMarketData('sample');
  const maps = new MapPipeline({ market, renderer, models: inlineModelRunner, clock, log });
  const services: Services = { maps, clock, log, commands: [] };
  const stores: Store[] = [];
  const schedulers: DigestScheduler[] = [];
  for (let i = 0; i < instances; i++) {
    const telegram = new TelegramBot({
      token: '7000001:bench-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      apiRoot: api.url,
      runtime: new CommandRuntime(services),
      log,
      botInfo: { id: 7000001, is_bot: true, first_name: 'Liqmap', username: 'TheBot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false, has_topics_enabled: false, allows_users_to_create_topics: false } as never,
      maxRetryAttempts: 10,
    });
    const store = createStore(new SqliteBackend(join(dir, 'store.sqlite'), clock.now), log);
    stores.push(store);
    schedulers.push(new DigestScheduler({ store, maps, senders: { telegram }, clock, log, instanceId: `bench-${i}` }));
  }
  for (let c = 0; c < CHATS; c++) {
    const destination = `tg:${-1_000_000_000 - c}`;
    await stores[0]!.subscriptions.put(destination, {
      v: 1,
      destination,
      platform: 'telegram',
      time: '06:00',
      timezone: 'UTC',
      days: 'daily',
      symbols: ['BTCUSDT'],
      window: '7d',
      createdBy: 'bench',
      updatedAtMs: SLOT - 86_400_000,
      enabled: true,
    });
  }
  const started = performance.now();
  await Promise.all(schedulers.map((s) => s.tick()));
  const seconds = (performance.now() - started) / 1000;
  const counts = [...api.deliveries.values()];
  const exactlyOnce = api.deliveries.size === CHATS && counts.every((n) => n === 1);
  console.log(
    [
      `instances: ${instances} (SQLite store, one file), fake API limit ${Number.isFinite(limitPerS) ? `${limitPerS} messages/s` : 'none'}`,
      `chats: ${CHATS}, delivered to ${api.deliveries.size}, exactly once: ${exactlyOnce ? 'yes' : 'NO'} (max per chat ${Math.max(0, ...counts)})`,
      `renders: ${renders} (uploads ${api.uploads}, sent by file_id ${api.byFileId})`,
      `429 answers from the fake API: ${api.tooMany}`,
      `total: ${seconds.toFixed(1)} s, ${(api.deliveries.size / seconds).toFixed(1)} digests/s${Number.isFinite(limitPerS) ? ` (limit ${limitPerS}/s → at least ${(CHATS / limitPerS).toFixed(1)} s)` : ''}`,
    ].join('\n  '),
  );
  for (const s of stores) await s.close();
  await api.close();
  await market.close?.();
  rmSync(dir, { recursive: true, force: true });
  if (!exactlyOnce) process.exitCode = 1;
}

console.log(`digest fan-out: ${CHATS} Telegram chats, one slot, fake Bot API at ${LIMIT_PER_S} messages/s`);
await run(1);
await run(2);
// The bot's own ceiling: the same fan-out with no limit at the fake API.
await run(1, Infinity);
