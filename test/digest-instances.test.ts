// Two whole bots (src/main.ts startBot, real grammY through webhooks, real Redis from Debian's package)
// share one store: at the same slot both schedulers tick, and every chat gets its digest exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { startBot, type RunningBot } from '../src/main.js';
import { RedisBackend } from '../src/store/redis-backend.js';
import { createStore } from '../src/store/store.js';
import { FakeRenderer } from './fakes/bot-services.js';
import { FakeTelegramApi } from './fakes/telegram-api.js';
import { startRedisServer, type RedisServer } from './helpers/redis-server.js';

const SLOT = Date.parse('2026-06-10T06:00:00Z');
const CHATS = Array.from({ length: 25 }, (_, i) => -1_003_000_000 - i);

let redis: RedisServer;
let telegram: FakeTelegramApi;
const bots: RunningBot[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  telegram = await new FakeTelegramApi().start();
  for (let i = 0; i < 2; i++) {
    const config = loadConfig(
      {
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_API_ROOT: telegram.url,
        // Several instances use a webhook (one poller per token).
        TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/telegram/hook',
        TELEGRAM_WEBHOOK_SECRET: 'instances-secret_0123456789',
        LIQMAP_SOURCE: 'sample',
        HTTP_PORT: '0',
        REDIS_URL: redis.url,
        LOG_LEVEL: 'silent',
      },
      { dotenvPath: null },
    );
    // Both instances' clocks stand 20 s after the slot; starting the schedules ticks at once.
    bots.push(await startBot(config, { log: pino({ level: 'silent' }), renderer: new FakeRenderer(), clock: { now: () => SLOT + 20_000 } }));
  }
});

afterAll(async () => {
  for (const bot of bots) await bot.stop();
  await telegram?.close();
  await redis?.stop();
});

describe('two instances on one Redis', () => {
  it('send each digest exactly once', async () => {
    // Subscriptions appear after both instances run (their first ticks found none), then both tick at
    // once, twice: they contend for every slot.
    await Promise.all(bots.map((b) => b.schedule.scheduler.tick()));
    const seed = createStore(new RedisBackend(redis.url), pino({ level: 'silent' }));
    for (const chat of CHATS) {
      await seed.subscriptions.put(`tg:${chat}`, {
        v: 1,
        destination: `tg:${chat}`,
        platform: 'telegram',
        time: '08:00',
        timezone: 'Europe/Berlin',
        days: 'daily',
        symbols: ['BTCUSDT'],
        window: '7d',
        createdBy: 'mod',
        updatedAtMs: SLOT - 86_400_000,
        enabled: true,
      });
    }
    await seed.close();
    await Promise.all(bots.map((b) => b.schedule.scheduler.tick()));
    await Promise.all(bots.map((b) => b.schedule.scheduler.tick()));
    for (const chat of CHATS) expect(telegram.delivered('sendPhoto', chat), String(chat)).toHaveLength(1);
    expect(telegram.delivered('sendPhoto')).toHaveLength(CHATS.length);
  });
});
