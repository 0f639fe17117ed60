// End to end on Telegram: the real grammY bot (long polling) against a fake Bot API on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatRatio } from '../src/analysis/format.js';
import type { CommandDefinition } from '../src/core/command.js';
import { CommandRuntime } from '../src/core/runtime.js';
import { TelegramBot } from '../src/platforms/telegram/telegram-bot.js';
import { BOT_COMMANDS } from '../commands/index.js';
import { BOT_USER, FakeTelegramApi, type ApiCall } from './fakes/telegram-api.js';
import { testServices, type TestBot } from './fakes/bot-services.js';
import { silentLogger } from './helpers/schedule-fakes.js';

// A moderator-only command, to exercise getChatMember as schedule commands will.
const secretCommand: CommandDefinition = {
  name: 'secret',
  description: 'moderators only (test)',
  access: 'moderator',
  async handler() {
    return { text: 'settings changed' };
  },
};

// A picture with a long text, to see the caption limit end to end.
const longCommand: CommandDefinition = {
  name: 'long',
  description: 'long text (test)',
  produces: 'picture',
  async handler({ services }) {
    const { png } = await services.maps.mapPicture({ symbol: 'btc', window: '7d' });
    return { title: 'Long <read>', text: Array.from({ length: 120 }, (_, i) => `line ${i}: a & b`).join('\n'), images: [{ png, name: 'long.png' }] };
  },
};

let api: FakeTelegramApi;
let bot: TelegramBot;
let env: TestBot;
/** The retry policy's waits, recorded; they pass in a few ms instead of the seconds asked. */
const waits: number[] = [];
let lines: { level: number; msg: string }[] = [];
let nextUser = 1000;
const user = () => nextUser++;

const photosTo = (chatId: number) => api.delivered('sendPhoto', chatId);
const messagesTo = (chatId: number) => api.delivered('sendMessage', chatId);
const repliesTo = (chatId: number) => [...photosTo(chatId), ...messagesTo(chatId)];
const waitReplies = (chatId: number, n = 1) => api.waitFor(() => repliesTo(chatId).length >= n);
const uploads = (calls: ApiCall[]) => calls.filter((c) => Object.keys(c.files).length > 0);

beforeAll(async () => {
  api = await new FakeTelegramApi().start();
  env = testServices({ renderDelayMs: 30, commands: [...BOT_COMMANDS, secretCommand, longCommand] });
  const logged = silentLogger();
  lines = logged.lines;
  const runtime = new CommandRuntime({ ...env.services, log: logged.log });
  bot = new TelegramBot({
    token: api.token,
    apiRoot: api.url,
    runtime,
    log: logged.log,
    maxRetryAfterSeconds: 5,
    sleep: async (ms) => {
      waits.push(ms);
      await new Promise((r) => setTimeout(r, 5));
    },
  });
  await bot.start();
});

afterAll(async () => {
  await bot?.stop();
  await api?.close();
});

describe('Telegram bot against the real grammY client', () => {
  it('registers its commands at start', () => {
    const set = api.callsOf('setMyCommands')[0];
    expect((set?.params.commands as { command: string }[]).map((c) => c.command)).toEqual([...BOT_COMMANDS.map((c) => c.name), 'secret', 'long']);
  });

  it('/liqmap btc → "sending photo…", then a photo whose caption holds the ratio', async () => {
    const u = user();
    api.sendText('/liqmap btc', { userId: u });
    await waitReplies(u);
    const photo = photosTo(u)[0]!;
    const { map } = await env.maps.map({ symbol: 'btc', window: '7d' });
    expect(photo.params.parse_mode).toBe('HTML');
    expect(String(photo.params.caption)).toContain(formatRatio(map));
    expect(String(photo.params.caption)).toMatch(/^<b>BTC liquidation map · 7d<\/b>\nBTC /);
    expect(String(photo.params.caption).length).toBeLessThanOrEqual(1024);
    expect(uploads([photo])[0]!.files[String(photo.params.photo).slice(9)]!.bytes.subarray(1, 4).toString()).toBe('PNG');
    const action = api.callsOf('sendChatAction').find((c) => Number(c.params.chat_id) === u);
    expect(action?.params.action).toBe('upload_photo');
    expect(api.calls.indexOf(action!)).toBeLessThan(api.calls.indexOf(photo));
  });

  it('/heatmap eth 7d → a photo', async () => {
    const u = user();
    api.sendText('/heatmap eth 7d', { userId: u });
    await waitReplies(u);
    const photo = photosTo(u)[0]!;
    expect(String(photo.params.caption)).toContain('ETH liquidation heatmap · 7d');
    expect(env.renderer.heatmaps).toBeGreaterThanOrEqual(1);
  });

  it('an unknown symbol → a helpful error, no picture', async () => {
    const u = user();
    api.sendText('/liqmap btx', { userId: u });
    await waitReplies(u);
    expect(photosTo(u)).toHaveLength(0);
    expect(String(messagesTo(u)[0]!.params.text)).toMatch(/BTXUSDT[\s\S]*Did you mean BTCUSDT\?/);
  });

  it('a 429 then success → delivered exactly once, after retry_after', async () => {
    const u = user();
    api.failNext('sendPhoto', { code: 429, retryAfter: 1 });
    api.sendText('/liqmap btc 1d', { userId: u });
    await waitReplies(u);
    // Give a duplicate the chance to show up.
    await new Promise((r) => setTimeout(r, 300));
    const attempts = api.callsOf('sendPhoto').filter((c) => Number(c.params.chat_id) === u);
    expect(attempts.map((c) => c.failed ?? 'ok')).toEqual([429, 'ok']);
    expect(photosTo(u)).toHaveLength(1);
  });

  it('20 users at once for the same map → one fetch, one model run, one render, one upload', async () => {
    const group = -100777;
    const before = { ...env.maps.stats };
    const users = Array.from({ length: 20 }, () => user());
    for (const u of users) api.sendText('/liqmap btc 3d', { chatId: group, userId: u, chatType: 'supergroup' });
    await waitReplies(group, 20);
    expect(env.maps.stats.renders - before.renders).toBe(1);
    expect(env.maps.stats.modelRuns - before.modelRuns).toBe(1);
    expect(env.maps.stats.fetches - before.fetches).toBe(1);
    const photos = photosTo(group);
    expect(photos).toHaveLength(20);
    // One upload; the other 19 resend its file_id.
    expect(uploads(photos)).toHaveLength(1);
    expect(new Set(photos.map((p) => p.params.reply_parameters && (p.params.reply_parameters as { message_id: number }).message_id)).size).toBe(20);
  });

  it('a group command with the @BotName suffix is answered; one for another bot is not', async () => {
    const group = -100888;
    api.sendText('/liqmap@OtherBot btc', { chatId: group, userId: user(), chatType: 'group' });
    api.sendText(`/liqmap@${BOT_USER.username} eth`, { chatId: group, userId: user(), chatType: 'group' });
    await waitReplies(group);
    await new Promise((r) => setTimeout(r, 300));
    expect(repliesTo(group)).toHaveLength(1);
    expect(String(photosTo(group)[0]!.params.caption)).toContain('ETH liquidation map');
  });

  it('garbage arguments (very long text, emoji, HTML) → a clear escaped error; the bot keeps working', async () => {
    const u = user();
    const garbage = ['/liqmap <b>btc</b><script>x</script>', `/liqmap ${'a'.repeat(5000)}`, '/liqmap 🚀🚀🚀 🌙', '/liqmap btc 7d 7d 7d nonsense', '/heatmap & &amp; "'];
    for (const [i, text] of garbage.entries()) {
      api.sendText(text, { userId: u + i * 100_000 });
    }
    for (let i = 0; i < garbage.length; i++) await waitReplies(u + i * 100_000);
    for (let i = 0; i < garbage.length; i++) {
      const m = messagesTo(u + i * 100_000)[0]!;
      const text = String(m.params.text);
      expect(text.length).toBeLessThan(400);
      // Only our own <b> tag may appear; the input's HTML arrives escaped.
      expect(text.replace(/<\/?b>/g, '')).not.toMatch(/[<>]/);
      expect(photosTo(u + i * 100_000)).toHaveLength(0);
    }
    expect(String(messagesTo(u)[0]!.params.text)).toContain('&lt;b&gt;');
    const v = user();
    api.sendText('/liqmap btc', { userId: v });
    await waitReplies(v);
    expect(photosTo(v)).toHaveLength(1);
  });

  it('a trader asks /liqmap btc, mistypes a symbol, asks /liqmap eth right after: all answered', async () => {
    const u = user();
    for (const [n, text] of ['/liqmap btc', '/liqmap btx', '/liqmap eth', '/help'].entries()) {
      api.sendText(text, { userId: u });
      await waitReplies(u, n + 1);
    }
    expect(photosTo(u).map((p) => String(p.params.caption).split('\n')[0])).toEqual(['<b>BTC liquidation map · 7d</b>', '<b>ETH liquidation map · 7d</b>']);
    expect(messagesTo(u).map((m) => String(m.params.text))).toEqual([expect.stringMatching(/Did you mean BTCUSDT/), expect.stringContaining('Limits: up to 3 new pictures at once')]);
  });

  it('three new pictures, then one per 10 s; the same map again in the chat is free', async () => {
    const u = user();
    for (const [n, window] of ['1d', '3d', '14d'].entries()) {
      api.sendText(`/liqmap btc ${window}`, { userId: u });
      await waitReplies(u, n + 1);
    }
    api.sendText('/liqmap btc 30d', { userId: u });
    await waitReplies(u, 4);
    expect(String(messagesTo(u)[0]!.params.text)).toMatch(/^That makes 3 new pictures in a row: the next one in \d+ s\.\nMaps already shown in this chat are free\.$/);
    api.sendText('/liqmap btc 1d', { userId: u });
    await waitReplies(u, 5);
    expect(photosTo(u)).toHaveLength(4);
  });

  it('one member sends 80 commands to a group: a few answers, each refusal said once, and an administrator is answered at once', async () => {
    const group = -100555;
    const flooder = user();
    const admin = user();
    api.memberStatus.set(`${group}:${admin}`, 'administrator');
    const before = api.callsOf('getChatMember').length;
    for (let i = 0; i < 80; i++) api.sendText(i % 2 ? '/secret' : `/liqmap btc ${1 + (i % 9)}`, { chatId: group, userId: flooder, chatType: 'supergroup' });
    // The flood is handled (answered or left unanswered) before the administrator asks.
    await api.settled();
    const flooderReplies = repliesTo(group).length;
    api.sendText('/liqmap eth', { chatId: group, userId: admin, chatType: 'supergroup' });
    await api.waitFor(() => photosTo(group).some((p) => String(p.params.caption).includes('ETH liquidation map')));
    const texts = messagesTo(group).map((m) => String(m.params.text));
    // At most half the group's 20 messages a minute went to the flooder.
    expect(flooderReplies).toBeLessThanOrEqual(10);
    expect(texts.filter((t) => t.includes('for moderators only'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('Slow down'))).toHaveLength(1);
    // getChatMember only for the commands the limiter let through (10 at once), not for 40.
    expect(api.callsOf('getChatMember').length - before).toBeLessThanOrEqual(10);
  });

  it('a caption longer than 1,024 characters: the photo carries the first part, the rest follows as a message', async () => {
    const u = user();
    api.sendText('/long', { userId: u });
    await waitReplies(u, 2);
    const caption = String(photosTo(u)[0]!.params.caption);
    const rest = messagesTo(u).map((m) => String(m.params.text));
    expect(caption.length).toBeLessThanOrEqual(1024);
    expect(caption.startsWith('<b>Long &lt;read&gt;</b>\nline 0: a &amp; b')).toBe(true);
    expect(rest).toHaveLength(1);
    expect(`${caption}\n${rest[0]}`).toContain('line 119: a &amp; b');
    expect(api.calls.indexOf(photosTo(u)[0]!)).toBeLessThan(api.calls.indexOf(messagesTo(u)[0]!));
  });

  it('/start (opening the bot) answers with the help', async () => {
    const u = user();
    api.sendText('/start ref-campaign', { userId: u });
    await waitReplies(u);
    expect(String(messagesTo(u)[0]!.params.text)).toMatch(/^<b>liqmap<\/b>\nEstimated liquidation maps/);
  });

  it('moderator-only commands ask getChatMember: members refused, administrators and anonymous admins allowed', async () => {
    const group = -100999;
    const member = user();
    const admin = user();
    api.memberStatus.set(`${group}:${admin}`, 'administrator');
    api.sendText('/secret', { chatId: group, userId: member, chatType: 'supergroup' });
    await waitReplies(group, 1);
    api.sendText('/secret', { chatId: group, userId: admin, chatType: 'supergroup' });
    await waitReplies(group, 2);
    api.sendText('/secret', { chatId: group, userId: 1087968824, chatType: 'supergroup', senderChatId: group });
    await waitReplies(group, 3);
    const texts = messagesTo(group).map((m) => String(m.params.text));
    expect(texts[0]).toContain('for moderators only');
    expect(texts[1]).toBe('settings changed');
    expect(texts[2]).toBe('settings changed');
  });

  it('sends to a destination: ok, then gone on 403', async () => {
    const reply = { text: 'digest <test>' };
    expect(await bot.send({ platform: 'telegram', chatId: '555' }, reply)).toBe('ok');
    expect(String(messagesTo(555)[0]!.params.text)).toBe('digest &lt;test&gt;');
    api.failNext('sendMessage', { code: 403, description: 'Forbidden: bot was kicked from the group chat' });
    expect(await bot.send({ platform: 'telegram', chatId: '556' }, reply)).toEqual({ gone: 'Forbidden: bot was kicked from the group chat' });
  });
});

describe('answers under faults (issue 16)', () => {
  it('a 429 with retry_after 90: the photo is retried after 90 s, once, and says it was delayed', async () => {
    const u = user();
    waits.length = 0;
    api.failNext('sendPhoto', { code: 429, retryAfter: 90 });
    api.sendText('/liqmap btc 3d', { userId: u });
    await waitReplies(u);
    await api.settled();
    expect(api.callsOf('sendPhoto').filter((c) => Number(c.params.chat_id) === u).map((c) => c.failed ?? 'ok')).toEqual([429, 'ok']);
    expect(waits).toEqual([90_000]);
    expect(String(photosTo(u)[0]!.params.caption)).toMatch(/\nDelayed by 1 min 30 s: Telegram asked me to wait\.$/);
  });

  it('502s and a dropped connection ("socket hang up"): retried, delivered exactly once', async () => {
    const u = user();
    api.failNext('sendPhoto', { code: 502 }, 2);
    api.failNext('sendMessage', { code: 'hang-up' });
    api.sendText('/liqmap eth', { userId: u });
    api.sendText('/help', { userId: u });
    await waitReplies(u, 2);
    await api.settled();
    expect(api.callsOf('sendPhoto').filter((c) => Number(c.params.chat_id) === u).map((c) => c.failed ?? 'ok')).toEqual([502, 502, 'ok']);
    expect(photosTo(u)).toHaveLength(1);
    expect(messagesTo(u)).toHaveLength(1);
  });

  it('the Bot API gone for a while: the answers in flight arrive once it is back, and /healthz shows it failing meanwhile', async () => {
    const users = [user(), user(), user()];
    for (const u of users) api.sendText(`/heatmap btc ${['1d', '3d', '14d'][users.indexOf(u)]}`, { userId: u });
    // Work has started on all three (Telegram shows "sending photo…"), then the API goes away.
    await api.waitFor(() => users.every((u) => api.callsOf('sendChatAction').some((c) => Number(c.params.chat_id) === u)));
    api.down = true;
    for (let i = 0; i < 200 && (await bot.health()).ready; i++) await new Promise((r) => setTimeout(r, 20));
    const failing = await bot.health();
    api.down = false;
    expect(failing.ready).toBe(false);
    expect(failing.reason).toMatch(/^Telegram Bot API failing since .*calls in a row/);
    await api.waitFor(() => users.every((u) => photosTo(u).length === 1));
    await api.settled();
    for (const u of users) expect(photosTo(u)).toHaveLength(1);
    expect((await bot.health()).ready).toBe(true);
  });

  it('an answer Telegram refuses for good gets a short apology instead', async () => {
    const u = user();
    api.failNext('sendPhoto', { code: 400, description: 'Bad Request: PHOTO_INVALID_DIMENSIONS' });
    api.sendText('/liqmap btc 7d 12', { userId: u });
    await waitReplies(u);
    expect(photosTo(u)).toHaveLength(0);
    expect(String(messagesTo(u)[0]!.params.text)).toBe('Sorry, my answer to /liqmap could not be delivered. Please try again.');
  });

  it('a group message from a channel identity sending a moderator command gets the moderator refusal, not an internal error', async () => {
    const group = -100444;
    api.sendText('/secret', { chatId: group, chatType: 'supergroup', channel: { id: -1009001 } });
    api.sendText('/secret', { chatId: group, chatType: 'supergroup', channel: { id: -1009002, automaticForward: true } });
    await waitReplies(group, 2);
    const texts = messagesTo(group).map((m) => String(m.params.text));
    expect(texts).toEqual([expect.stringContaining('/secret is for moderators only.'), expect.stringContaining('/secret is for moderators only.')]);
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  });
});

describe('Telegram polling conflict', () => {
  it('a second poller of the same token (409) is reported not ready', async () => {
    const api2 = await new FakeTelegramApi().start();
    const env2 = testServices();
    const bot2 = new TelegramBot({ token: api2.token, apiRoot: api2.url, runtime: new CommandRuntime(env2.services), log: env2.services.log });
    try {
      await bot2.start();
      for (let i = 0; i < 100 && !(await bot2.health()).ready; i++) await new Promise((r) => setTimeout(r, 20));
      expect((await bot2.health()).ready).toBe(true);
      // The held getUpdates ends within 2 s; the next one meets the other poller.
      api2.failNext('getUpdates', { code: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' });
      for (let i = 0; i < 250 && (await bot2.health()).ready; i++) await new Promise((r) => setTimeout(r, 20));
      expect((await bot2.health()).ready).toBe(false);
    } finally {
      await bot2.stop();
      await api2.close();
    }
  });
});
