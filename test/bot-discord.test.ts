// End to end on Discord: the real discord.js client against a fake REST API + gateway on 127.0.0.1.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatRatio } from '../src/analysis/format.js';
import type { CommandDefinition } from '../src/core/command.js';
import { CommandRuntime } from '../src/core/runtime.js';
import { DiscordBot } from '../src/platforms/discord/discord-bot.js';
import { BOT_COMMANDS } from '../commands/index.js';
import { APP_ID, CHANNEL_ID, FakeDiscord, type RestCall } from './fakes/discord-api.js';
import { testServices, type TestBot } from './fakes/bot-services.js';

const STRING = 3;
const NUMBER = 10;
const EPHEMERAL = 64;
const MANAGE_GUILD = 1n << 5n;

const secretCommand: CommandDefinition = {
  name: 'secret',
  description: 'moderators only (test)',
  access: 'moderator',
  cooldownMs: 0,
  async handler() {
    return { text: 'settings changed' };
  },
};

let discord: FakeDiscord;
let bot: DiscordBot;
let env: TestBot;
let nextUser = 300000000000000000n;
const user = () => String(nextUser++);

const edits = (token: string) => discord.callsTo('PATCH', new RegExp(`^/webhooks/${APP_ID}/${token}/messages/@original$`));
const waitEdit = (token: string) => discord.waitForCall('PATCH', new RegExp(`^/webhooks/${APP_ID}/${token}/messages/@original$`));
const callback = (id: string, token: string) => discord.waitForCall('POST', new RegExp(`^/interactions/${id}/${token}/callback$`));
const followUp = (token: string) => discord.waitForCall('POST', new RegExp(`^/webhooks/${APP_ID}/${token}$`));
const str = (name: string, value: string) => ({ name, type: STRING, value });

function embedOf(call: RestCall): { title?: string; description?: string; image?: { url: string } } {
  return (call.body?.embeds as { title?: string; description?: string; image?: { url: string } }[])[0]!;
}

beforeAll(async () => {
  discord = await new FakeDiscord(undefined, 200).start();
  env = testServices({ renderDelayMs: 30, commands: [...BOT_COMMANDS, secretCommand] });
  bot = new DiscordBot({ token: discord.token, apiUrl: discord.apiUrl, runtime: new CommandRuntime(env.services, { burstCount: 1000 }), log: env.services.log });
  await bot.start();
});

afterAll(async () => {
  await bot?.stop();
  await discord?.close();
});

describe('Discord bot against the real discord.js client', () => {
  it('identifies over the fake gateway with the Guilds intent only', () => {
    expect(discord.identifies).toHaveLength(1);
    expect((discord.identifies[0] as { intents: number }).intents).toBe(1);
    expect(bot.client.guilds.cache.size).toBe(1);
  });

  it('/liqmap symbol:btc → deferred at once, then @original edited with the PNG and an embed holding the ratio', async () => {
    const { id, token } = discord.chatInput({ name: 'liqmap', options: [str('symbol', 'btc')], userId: user() });
    const ack = await callback(id, token);
    expect(ack.body?.type).toBe(5);
    const edit = await waitEdit(token);
    const { map } = await env.maps.map({ symbol: 'btc', window: '7d' });
    const embed = embedOf(edit);
    expect(embed.title).toBe('BTC liquidation map · 7d');
    expect(embed.description).toContain(formatRatio(map));
    expect(embed.image?.url).toBe('attachment://liqmap-BTCUSDT-7d.png');
    expect(edit.files).toHaveLength(1);
    expect(edit.files[0]!.filename).toBe('liqmap-BTCUSDT-7d.png');
    expect(edit.files[0]!.bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(ack.at).toBeLessThan(edit.at);
  });

  it('/heatmap symbol:eth window:7d → a picture', async () => {
    const { token } = discord.chatInput({ name: 'heatmap', options: [str('symbol', 'eth'), str('window', '7d')], userId: user() });
    const edit = await waitEdit(token);
    expect(embedOf(edit).title).toBe('ETH liquidation heatmap · 7d');
    expect(edit.files[0]!.filename).toBe('heatmap-ETHUSDT-7d.png');
  });

  it('an unknown symbol → an ephemeral, helpful error (the deferred public reply is removed)', async () => {
    const { token } = discord.chatInput({ name: 'liqmap', options: [str('symbol', 'btx')], userId: user() });
    const follow = await followUp(token);
    expect(follow.body?.flags).toBe(EPHEMERAL);
    expect(String(follow.body?.content)).toMatch(/BTXUSDT[\s\S]*Did you mean BTCUSDT\?/);
    expect(discord.callsTo('DELETE', new RegExp(`/${token}/messages/@original$`))).toHaveLength(1);
    expect(edits(token)).toHaveLength(0);
  });

  it('garbage refused before any work → an ephemeral reply at once; HTML, emoji and long text are harmless', async () => {
    const inputs = [`<b>btc</b><script>alert(1)</script>`, '🚀🚀🚀', 'x'.repeat(500), '@everyone'];
    for (const text of inputs) {
      const { id, token } = discord.chatInput({ name: 'liqmap', options: [str('symbol', text)], userId: user() });
      // Refused by validation: an ephemeral callback (type 4); found out in the handler: deferred, then an ephemeral follow-up.
      const ack = await callback(id, token);
      const answer = ack.body?.type === 4 ? ack.body.data : (await followUp(token)).body;
      const data = answer as { flags: number; content: string; allowed_mentions: { parse: string[] } };
      expect(data.flags).toBe(EPHEMERAL);
      expect(data.content.length).toBeLessThan(400);
      expect(data.content).toMatch(/not a symbol|too long|I don't know/);
      expect(data.allowed_mentions.parse).toEqual([]);
    }
    const { token } = discord.chatInput({ name: 'liqmap', options: [str('symbol', 'btc'), { name: 'range', type: NUMBER, value: 10 }], userId: user() });
    expect((await waitEdit(token)).files).toHaveLength(1);
  });

  it('a 429 on the edit, then success → delivered exactly once', async () => {
    const { token } = discord.chatInput({ name: 'liqmap', options: [str('symbol', 'btc'), str('window', '1d')], userId: user() });
    discord.failNext(new RegExp(`^PATCH /webhooks/${APP_ID}/${token}/`), {
      status: 429,
      body: { message: 'You are being rate limited.', retry_after: 0.3, global: false },
      headers: { 'retry-after': '1', 'x-ratelimit-scope': 'user', 'x-ratelimit-bucket': 'fake' },
    });
    await waitEdit(token);
    await new Promise((r) => setTimeout(r, 300));
    const attempts = discord.calls.filter((c) => c.method === 'PATCH' && c.path.includes(token));
    expect(attempts.map((c) => c.failed ?? 'ok')).toEqual([429, 'ok']);
    expect(edits(token)).toHaveLength(1);
  });

  it('20 users at once for the same map → one fetch, one model run, one render; 20 edits', async () => {
    const before = { ...env.maps.stats };
    const tokens = Array.from({ length: 20 }, () => discord.chatInput({ name: 'liqmap', options: [str('symbol', 'btc'), str('window', '3d')], userId: user() }).token);
    const all = await Promise.all(tokens.map(waitEdit));
    expect(all.every((e) => e.files.length === 1)).toBe(true);
    expect(env.maps.stats.renders - before.renders).toBe(1);
    expect(env.maps.stats.modelRuns - before.modelRuns).toBe(1);
    expect(env.maps.stats.fetches - before.fetches).toBe(1);
  });

  it('60 interactions at once are answered without discord.js holding them for the global limit', async () => {
    // Discord does not apply its 50 requests/s global limit to interaction responses.
    const limited: unknown[] = [];
    const onLimited = (info: unknown) => limited.push(info);
    bot.client.rest.on('rateLimited', onLimited);
    try {
      const tokens = Array.from({ length: 60 }, () => discord.chatInput({ name: 'liqmap', options: [str('symbol', 'eth'), str('window', '1d')], userId: user() }).token);
      await Promise.all(tokens.map(waitEdit));
    } finally {
      bot.client.rest.off('rateLimited', onLimited);
    }
    expect(limited).toEqual([]);
  });

  it('works in a DM', async () => {
    const { token } = discord.chatInput({ name: 'liqmap', options: [str('symbol', 'eth')], userId: user(), guild: false });
    expect(embedOf(await waitEdit(token)).title).toBe('ETH liquidation map · 7d');
  });

  it('autocompletes symbols from the catalogue', async () => {
    const { id, token } = discord.chatInput({ name: 'liqmap', options: [{ name: 'symbol', type: STRING, value: 'et', focused: true }], autocomplete: true, userId: user() });
    const ack = await callback(id, token);
    expect(ack.body).toEqual({ type: 8, data: { choices: [{ name: 'ETH (ETHUSDT)', value: 'ETHUSDT' }] } });
  });

  it('moderator-only commands: refused without Manage Server (ephemeral), run with it', async () => {
    const member = discord.chatInput({ name: 'secret', userId: user() });
    const refused = await callback(member.id, member.token);
    expect(refused.body).toMatchObject({ type: 4, data: { flags: EPHEMERAL } });
    expect(String((refused.body?.data as { content: string }).content)).toContain('for moderators only');
    const mod = discord.chatInput({ name: 'secret', userId: user(), permissions: String(2248473465835073n | MANAGE_GUILD) });
    expect(embedOf(await waitEdit(mod.token)).description).toBe('settings changed');
  });

  it('real dispatches that are not its slash commands (a modal submit, a message) get no reply and break nothing', async () => {
    const load = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/discord/${name}`, import.meta.url), 'utf8')) as { t: string; d: { token?: string } };
    const before = discord.calls.length;
    for (const name of ['interaction-create-modal-submit.json', 'message-create.json']) {
      const frame = load(name);
      // Recorded in 2023, before Discord added authorizing_integration_owners to every interaction;
      // discord.js 14.28 requires it, so it is added as Discord sends it today (guild install → guild id).
      if (frame.t === 'INTERACTION_CREATE') Object.assign(frame.d, { authorizing_integration_owners: { '0': (frame.d as { guild_id: string }).guild_id } });
      discord.dispatch(frame.t, frame.d);
    }
    const { token } = discord.chatInput({ name: 'liqmap', options: [str('symbol', 'btc')], userId: user() });
    await waitEdit(token);
    const modalToken = load('interaction-create-modal-submit.json').d.token!;
    expect(discord.calls.slice(before).filter((c) => c.path.includes(modalToken))).toEqual([]);
    expect(discord.calls.slice(before).every((c) => c.path.includes(token))).toBe(true);
  });

  it('keeps the gateway alive: heartbeats sent and acknowledged, no reconnect', async () => {
    for (let i = 0; i < 100 && discord.heartbeats < 3; i++) await new Promise((r) => setTimeout(r, 50));
    expect(discord.heartbeats).toBeGreaterThanOrEqual(3);
    expect(discord.identifies).toHaveLength(1);
    expect(bot.client.isReady()).toBe(true);
    expect(bot.client.ws.ping).toBeGreaterThanOrEqual(0);
  });

  it('sends to a destination: ok, then gone on 50001 Missing Access', async () => {
    expect(await bot.send({ platform: 'discord', channelId: CHANNEL_ID, guildId: '1' }, { text: 'digest', images: [{ png: Buffer.from('x'), name: 'd.png' }] })).toBe('ok');
    const sent = discord.callsTo('POST', new RegExp(`^/channels/${CHANNEL_ID}/messages$`));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.files[0]!.filename).toBe('d.png');
    discord.failNext(/^POST \/channels\/\d+\/messages$/, { status: 403, body: { message: 'Missing Access', code: 50001 } });
    expect(await bot.send({ platform: 'discord', channelId: '999' }, { text: 'digest' })).toEqual({ gone: '50001 Missing Access' });
  });
});
