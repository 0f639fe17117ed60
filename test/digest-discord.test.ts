// End to end on Discord: moderators (Manage Server) set up a digest and an alert rule through the real
// gateway client (@discordjs/ws) against the fake REST API + gateway; the scheduler posts into the channel; a lost
// permission (50013) disables the digest and /digest status says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { BOT_COMMANDS } from '../commands/index.js';
import { digestCommand } from '../commands/digest.js';
import { CommandRuntime } from '../src/core/runtime.js';
import { DiscordBot } from '../src/platforms/discord/discord-bot.js';
import { commandJson } from '../src/platforms/discord/command-json.js';
import { AlertEvaluator } from '../src/schedule/alert-evaluator.js';
import { DigestScheduler } from '../src/schedule/digest-scheduler.js';
import type { ServicesWithSchedule } from '../src/schedule/services.js';
import { scheduleServicesOf } from '../src/schedule/start-schedule.js';
import { MemoryBackend } from '../src/store/memory-backend.js';
import { createStore, type Store } from '../src/store/store.js';
import { testServices } from './fakes/bot-services.js';
import { CHANNEL_ID, FakeDiscord, GUILD_ID, type Answer } from './fakes/discord-api.js';
import { FakeClock } from './helpers/schedule-fakes.js';

const SUBCOMMAND = 1;
const GROUP = 2;
const STRING = 3;
const EPHEMERAL = 64;
const MODERATOR = String(2248473465835073n | (1n << 5n));
const DEST = `dc:${GUILD_ID}:${CHANNEL_ID}`;

let discord: FakeDiscord;
let bot: DiscordBot;
let store: Store;
let digests: DigestScheduler;
let nextUser = 400000000000000000n;
const user = () => String(nextUser++);
const clock = new FakeClock(Date.parse('2026-06-10T05:00:00Z'));

const str = (name: string, value: string) => ({ name, type: STRING, value });
/** The interaction's one answer: the initial response, an edit of @original or a follow-up. */
const answer = (token: string) => discord.waitForAnswer(token);
const embedText = (a: Answer) => {
  const embed = (a.body?.embeds as { title?: string; description?: string }[] | undefined)?.[0];
  return `${embed?.title ?? ''}\n${embed?.description ?? ''}`;
};
const channelPosts = () => discord.callsTo('POST', new RegExp(`^/channels/${CHANNEL_ID}/messages$`));

beforeAll(async () => {
  discord = await new FakeDiscord().start();
  const env = testServices({ clock, commands: BOT_COMMANDS });
  const log = pino({ level: 'silent' });
  store = createStore(new MemoryBackend(clock.now), log);
  const senders: ConstructorParameters<typeof DigestScheduler>[0]['senders'] = {};
  digests = new DigestScheduler({ store, maps: env.maps, senders, clock, log, instanceId: 'e2e' });
  const alerts = new AlertEvaluator({ store, maps: env.maps, senders, clock, log, instanceId: 'e2e' });
  const services: ServicesWithSchedule = { ...env.services, schedule: scheduleServicesOf({ store, maps: env.maps, clock, scheduler: digests, evaluator: alerts, liquidationsAvailable: false }) };
  bot = new DiscordBot({ token: discord.token, apiUrl: discord.apiUrl, runtime: new CommandRuntime(services), log });
  senders.discord = bot;
  await bot.start();
});

afterAll(async () => {
  await bot?.stop();
  await discord?.close();
});

describe('digests and alerts on Discord', () => {
  it('/digest is registered with its subcommands; members see it (status is for everyone)', () => {
    const json = commandJson(digestCommand);
    expect((json.options ?? []).map((o) => o.name)).toEqual(['on', 'off', 'status', 'now']);
    expect(json.default_member_permissions).toBeNull();
  });

  it('without Manage Server /digest on is refused (ephemeral) and nothing is stored; a moderator sets it up', async () => {
    const on = { name: 'on', type: SUBCOMMAND, options: [str('time', '08:00'), str('timezone', 'America/New_York'), str('symbols', 'btc,eth')] };
    const member = discord.chatInput({ name: 'digest', options: [on], userId: user() });
    const refused = await answer(member.token);
    expect(refused).toMatchObject({ kind: 'callback', body: { flags: EPHEMERAL } });
    expect(String(refused.body?.content)).toContain('for moderators only');
    expect(await store.subscriptions.list()).toEqual([]);

    const mod = discord.chatInput({ name: 'digest', options: [on], userId: user(), permissions: MODERATOR });
    // Discord markdown: the adapter escapes the underscore.
    expect(embedText(await answer(mod.token))).toContain('every day at 08:00 America/New\\_York · BTC, ETH · 7d window');
    expect((await store.subscriptions.get(DEST))?.platform).toBe('discord');

    const add = { name: 'add', type: GROUP, options: [{ name: 'cluster', type: SUBCOMMAND, options: [str('symbol', 'btc'), str('usd', '500M'), str('pct', '2%')] }] };
    const rule = discord.chatInput({ name: 'alerts', options: [add], userId: user(), permissions: MODERATOR });
    expect(embedText(await answer(rule.token))).toContain('a1: BTC price within 2% of a cluster of at least $500M');
    const tooSmall = { name: 'add', type: GROUP, options: [{ name: 'cluster', type: SUBCOMMAND, options: [str('symbol', 'btc'), str('usd', '500K'), str('pct', '2%')] }] };
    const refusedRule = discord.chatInput({ name: 'alerts', options: [tooSmall], userId: user(), permissions: MODERATOR });
    // Found out by the handler: a private answer.
    const refusal = await answer(refusedRule.token);
    expect(refusal.body).toMatchObject({ flags: EPHEMERAL });
    expect(String(refusal.body?.content)).toContain('too small to alert on');
  });

  it('the scheduler posts the digest with its pictures into the channel at 08:00 New York time, once', async () => {
    clock.set('2026-06-10T12:00:20Z');
    await digests.tick();
    await digests.tick();
    expect(channelPosts()).toHaveLength(1);
    expect(channelPosts()[0]!.files.map((f) => f.filename)).toEqual(['liqmap-BTCUSDT-7d.png', 'liqmap-ETHUSDT-7d.png']);
  });

  it('50013 Missing Permissions: the digest stops once and /digest status says why', async () => {
    clock.set('2026-06-11T12:00:20Z');
    discord.failNext(/^POST \/channels\/\d+\/messages$/, { status: 403, body: { message: 'Missing Permissions', code: 50013 } });
    await digests.tick();
    expect((await store.subscriptions.get(DEST))?.enabled).toBe(false);
    clock.set('2026-06-12T12:00:20Z');
    await digests.tick();
    expect(channelPosts()).toHaveLength(1);
    const status = discord.chatInput({ name: 'digest', options: [{ name: 'status', type: SUBCOMMAND, options: [] }], userId: user() });
    expect(embedText(await answer(status.token))).toMatch(/Digest stopped on .*: 50013 Missing Permissions/);
  });

  it('a moderator sets up the channel in one go (issue 15): digest on, now, three alert rules, list, status: nothing refused', async () => {
    const who = user();
    const sub = (name: string, options: unknown[] = []) => ({ name, type: SUBCOMMAND, options });
    const addRule = (kind: string, options: unknown[]) => ({ name: 'add', type: GROUP, options: [{ name: kind, type: SUBCOMMAND, options }] });
    const steps: [string, unknown[]][] = [
      ['digest', [sub('on', [str('time', '09:00'), str('timezone', 'UTC'), str('symbols', 'btc')])]],
      ['digest', [sub('now')]],
      ['alerts', [addRule('ratio', [str('symbol', 'btc'), str('op', '>'), str('threshold', '5')])]],
      ['alerts', [addRule('ratio', [str('symbol', 'eth'), str('op', '>'), str('threshold', '6')])]],
      ['alerts', [addRule('cluster', [str('symbol', 'btc'), str('usd', '600M'), str('pct', '2%')])]],
      ['alerts', [sub('list')]],
      ['digest', [sub('status')]],
    ];
    const answers = [];
    for (const [name, options] of steps) answers.push(await answer(discord.chatInput({ name, options: options as never, userId: who, permissions: MODERATOR }).token));
    expect(answers.map((a) => JSON.stringify(a.body)).filter((t) => /Slow down|in a row|busy|try again/i.test(t))).toEqual([]);
    expect(answers[1]!.files.map((f) => f.filename)).toEqual(['liqmap-BTCUSDT-7d.png']);
  });
});
