// End to end on Telegram: moderators set up a digest and an alert rule through the real grammY bot
// against the fake Bot API; the scheduler sends through the same bot; a kick disables the digest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { BOT_COMMANDS } from '../commands/index.js';
import { CommandRuntime } from '../src/core/runtime.js';
import { TelegramBot } from '../src/platforms/telegram/telegram-bot.js';
import { AlertEvaluator } from '../src/schedule/alert-evaluator.js';
import { DigestScheduler } from '../src/schedule/digest-scheduler.js';
import type { ServicesWithSchedule } from '../src/schedule/services.js';
import { scheduleServicesOf } from '../src/schedule/start-schedule.js';
import { MemoryBackend } from '../src/store/memory-backend.js';
import { createStore, type Store } from '../src/store/store.js';
import { testServices } from './fakes/bot-services.js';
import { FakeTelegramApi } from './fakes/telegram-api.js';
import { FakeClock } from './helpers/schedule-fakes.js';

const GROUP = -100777;
const SETUP_GROUP = -100778;
const MEMBER = 3001;
const ADMIN = 3002;
const ANONYMOUS_ADMIN = 1087968824;

let api: FakeTelegramApi;
let bot: TelegramBot;
let store: Store;
let digests: DigestScheduler;
const clock = new FakeClock(Date.parse('2026-06-10T05:00:00Z'));

const textsTo = (chatId: number) => api.delivered('sendMessage', chatId).map((c) => String(c.params.text));
async function say(text: string, userId: number, expectReplies: number, senderChatId?: number) {
  api.sendText(text, { chatId: GROUP, userId, chatType: 'supergroup', ...(senderChatId !== undefined ? { senderChatId } : {}) });
  await api.waitFor(() => api.delivered('sendMessage', GROUP).length + api.delivered('sendPhoto', GROUP).length >= expectReplies);
}

beforeAll(async () => {
  api = await new FakeTelegramApi().start();
  const env = testServices({ clock, commands: BOT_COMMANDS });
  const log = pino({ level: 'silent' });
  store = createStore(new MemoryBackend(clock.now), log);
  const senders: ConstructorParameters<typeof DigestScheduler>[0]['senders'] = {};
  digests = new DigestScheduler({ store, maps: env.maps, senders, clock, log, instanceId: 'e2e' });
  const alerts = new AlertEvaluator({ store, maps: env.maps, senders, clock, log, instanceId: 'e2e' });
  const services: ServicesWithSchedule = { ...env.services, schedule: scheduleServicesOf({ store, maps: env.maps, clock, scheduler: digests, evaluator: alerts, liquidationsAvailable: false }) };
  const runtime = new CommandRuntime(services);
  bot = new TelegramBot({ token: api.token, apiRoot: api.url, runtime, log, maxRetryAfterSeconds: 5 });
  senders.telegram = bot;
  api.memberStatus.set(`${GROUP}:${ADMIN}`, 'administrator');
  await bot.start();
});

afterAll(async () => {
  await bot?.stop();
  await api?.close();
});

describe('digests and alerts on Telegram', () => {
  it('a member is refused and nothing is stored; an administrator and an anonymous admin set them up', async () => {
    await say('/digest on 08:00 Europe/Berlin btc', MEMBER, 1);
    expect(textsTo(GROUP)[0]).toContain('for moderators only');
    expect(await store.subscriptions.list()).toEqual([]);

    await say('/digest on 08:00 Europe/Berlin btc', ADMIN, 2);
    expect(textsTo(GROUP)[1]).toContain('every day at 08:00 Europe/Berlin · BTC · 7d window');
    expect((await store.subscriptions.get(`tg:${GROUP}`))?.createdBy).toBe(String(ADMIN));

    await say('/alerts add ratio btc > 5', ANONYMOUS_ADMIN, 3, GROUP);
    expect(textsTo(GROUP)[2]).toContain('a1: BTC ratio &gt; 5:1');

    await say('/alerts list', MEMBER, 4);
    expect(textsTo(GROUP)[3]).toContain('a1 · BTC ratio &gt; 5:1 · armed');
  });

  it('the scheduler posts the digest as a photo at 08:00 Berlin, once', async () => {
    clock.set('2026-06-10T06:00:20Z');
    await digests.tick();
    await digests.tick();
    const photos = api.delivered('sendPhoto', GROUP);
    expect(photos).toHaveLength(1);
    expect(String(photos[0]!.params.caption)).toContain('Liquidation map digest');
    expect(String(photos[0]!.params.caption)).toMatch(/BTC [\d,]+ · /);
  });

  it('kicked: the next digest gets 403, the digest stops once, and /digest status says why', async () => {
    clock.set('2026-06-11T06:00:20Z');
    api.failNext('sendPhoto', { code: 403, description: 'Forbidden: bot was kicked from the supergroup chat' });
    await digests.tick();
    const sub = await store.subscriptions.get(`tg:${GROUP}`);
    expect(sub?.enabled).toBe(false);
    expect(sub?.disabledReason).toBe('Forbidden: bot was kicked from the supergroup chat');
    clock.set('2026-06-12T06:00:20Z');
    const calls = api.callsOf('sendPhoto').length;
    await digests.tick();
    expect(api.callsOf('sendPhoto').length).toBe(calls);
    const before = textsTo(GROUP).length;
    await say('/digest status', MEMBER, api.delivered('sendPhoto', GROUP).length + before + 1);
    expect(textsTo(GROUP).at(-1)).toMatch(/Digest stopped on .*: Forbidden: bot was kicked from the supergroup chat/);
  });

  it('a moderator sets up another group in one go (issue 15): digest on, now, three alert rules, list, status: nothing refused', async () => {
    api.memberStatus.set(`${SETUP_GROUP}:${ADMIN}`, 'administrator');
    const commands = ['/digest on 08:00 Europe/Berlin btc', '/digest now', '/alerts add ratio btc > 5', '/alerts add ratio eth > 6', '/alerts add cluster btc 500M 2%', '/alerts list', '/digest status'];
    for (const [n, text] of commands.entries()) {
      api.sendText(text, { chatId: SETUP_GROUP, userId: ADMIN, chatType: 'supergroup' });
      await api.waitFor(() => api.delivered('sendMessage', SETUP_GROUP).length + api.delivered('sendPhoto', SETUP_GROUP).length >= n + 1);
    }
    const answers = [...api.delivered('sendMessage', SETUP_GROUP).map((c) => String(c.params.text)), ...api.delivered('sendPhoto', SETUP_GROUP).map((c) => String(c.params.caption))];
    expect(answers).toHaveLength(commands.length);
    expect(answers.filter((t) => /Slow down|in a row|busy|try again/i.test(t))).toEqual([]);
    expect(api.delivered('sendPhoto', SETUP_GROUP)).toHaveLength(1);
  });
});
