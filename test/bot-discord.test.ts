// End to end on Discord, gateway mode: the real @discordjs/ws gateway client and our interaction REST calls
// against a fake REST API + gateway on 127.0.0.1.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatRatio } from '../src/analysis/format.js';
import type { CommandDefinition } from '../src/core/command.js';
import { CommandRuntime } from '../src/core/runtime.js';
import { DiscordBot } from '../src/platforms/discord/discord-bot.js';
import { BOT_COMMANDS } from '../commands/index.js';
import { APP_ID, CHANNEL_ID, FakeDiscord, type Answer } from './fakes/discord-api.js';
import { linkedCommand, testServices, type TestBot } from './fakes/bot-services.js';
import { silentLogger } from './helpers/schedule-fakes.js';

const STRING = 3;
const NUMBER = 10;
const EPHEMERAL = 64;
const MANAGE_GUILD = 1n << 5n;

const secretCommand: CommandDefinition = {
  name: 'secret',
  description: 'moderators only (test)',
  access: 'moderator',
  async handler() {
    return { text: 'settings changed' };
  },
};

/** A picture that takes longer than the deferral delay: deferred, then @original edited. */
let release: () => void = () => {};
const slowCommand: CommandDefinition = {
  name: 'slow',
  description: 'a slow picture (test)',
  produces: 'picture',
  async handler({ services }) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1_600);
      release = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    const { png } = await services.maps.mapPicture({ symbol: 'btc', window: '1d' });
    return { title: 'Slow', text: 'a slow map', images: [{ png, name: 'slow.png' }] };
  },
};

let discord: FakeDiscord;
let bot: DiscordBot;
let env: TestBot;
let lines: { level: number; msg: string }[] = [];
const waits: number[] = [];
let nextUser = 300000000000000000n;
const user = () => String(nextUser++);

const callback = (id: string, token: string) => discord.waitForCall('POST', new RegExp(`^/interactions/${id}/${token}/callback$`));
const edits = (token: string) => discord.callsTo('PATCH', new RegExp(`^/webhooks/${APP_ID}/${token}/messages/@original$`));
const str = (name: string, value: string) => ({ name, type: STRING, value });
const embedOf = (a: Answer) => (a.body?.embeds as { title?: string; description?: string; image?: { url: string } }[])[0]!;
/** Every answer has settled: nothing new arrives for a moment. */
async function settled(): Promise<void> {
  let seen = -1;
  while (discord.calls.length !== seen) {
    seen = discord.calls.length;
    await new Promise((r) => setTimeout(r, 300));
  }
}

beforeAll(async () => {
  // Short heartbeats, so the heartbeat test is quick; a missed ACK (the event loop busy) makes the client RESUME.
  discord = await new FakeDiscord(undefined, 250).start();
  env = testServices({ renderDelayMs: 30, commands: [...BOT_COMMANDS, secretCommand, slowCommand, linkedCommand] });
  const logged = silentLogger();
  lines = logged.lines;
  bot = new DiscordBot({
    token: discord.token,
    apiUrl: discord.apiUrl,
    runtime: new CommandRuntime({ ...env.services, log: logged.log }),
    log: logged.log,
    sleep: async (ms) => {
      waits.push(ms);
      await new Promise((r) => setTimeout(r, 5));
    },
  });
  await bot.start();
});

afterAll(async () => {
  await bot?.stop();
  await discord?.close();
});

describe('Discord bot over the gateway', () => {
  it('identifies over the fake gateway with the Guilds intent only and is ready', async () => {
    expect(discord.identifies).toHaveLength(1);
    expect((discord.identifies[0] as { intents: number }).intents).toBe(1);
    expect(await bot.health()).toEqual({ ready: true });
  });

  it('/liqmap symbol:btc → one initial response carrying the PNG and an embed holding the ratio', async () => {
    const { id, token } = discord.chatInput({ name: 'liqmap', options: [str('symbol', 'btc')], userId: user() });
    const ack = await callback(id, token);
    expect(ack.body?.type).toBe(4);
    const { map } = await env.maps.map({ symbol: 'btc', window: '7d' });
    const answer = await discord.waitForAnswer(token);
    const embed = embedOf(answer);
    expect(embed.title).toBe('BTC liquidation map · 7d');
    expect(embed.description).toContain(formatRatio(map));
    expect(embed.image?.url).toBe('attachment://liqmap-BTCUSDT-7d.png');
    expect(answer.files).toHaveLength(1);
    expect(answer.files[0]!.filename).toBe('liqmap-BTCUSDT-7d.png');
    expect(answer.files[0]!.bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(answer.body?.allowed_mentions).toEqual({ parse: [] });
  });

  it('a picture that takes longer: deferred within the 3 seconds, then @original edited with the PNG (multipart)', async () => {
    const { id, token } = discord.chatInput({ name: 'slow', userId: user() });
    const ack = await callback(id, token);
    expect(ack.body).toEqual({ type: 5 });
    const edit = await discord.waitForCall('PATCH', new RegExp(`/webhooks/${APP_ID}/${token}/messages/@original$`));
    expect(edit.files.map((f) => f.filename)).toEqual(['slow.png']);
    expect(edit.body?.attachments).toEqual([{ id: 0, filename: 'slow.png' }]);
    expect(ack.at).toBeLessThan(edit.at);
  });

  it('a link becomes a link button under the embed; a picture with a public URL is shown from it, not uploaded', async () => {
    const { token } = discord.chatInput({ name: 'linked', userId: user() });
    const answer = await discord.waitForAnswer(token);
    expect(answer.files).toEqual([]);
    expect(embedOf(answer).image?.url).toBe('https://liqmap.example/p/map-BTCUSDT.png');
    expect(answer.body?.components).toEqual([{ type: 1, components: [{ type: 2, style: 5, label: 'Open the interactive map', url: 'https://liqmap.example/m/btc?window=7d' }] }]);
  });

  it('/heatmap symbol:eth window:7d → a picture', async () => {
    const { token } = discord.chatInput({ name: 'heatmap', options: [str('symbol', 'eth'), str('window', '7d')], userId: user() });
    const answer = await discord.waitForAnswer(token);
    expect(embedOf(answer).title).toBe('ETH liquidation heatmap · 7d');
    expect(answer.files[0]!.filename).toBe('heatmap-ETHUSDT-7d.png');
  });

  it('an unknown symbol → a private, helpful answer', async () => {
    const { token } = discord.chatInput({ name: 'liqmap', options: [str('symbol', 'btx')], userId: user() });
    const answer = await discord.waitForAnswer(token);
    expect(answer.body?.flags).toBe(EPHEMERAL);
    expect(String(answer.body?.content)).toMatch(/BTXUSDT[\s\S]*Did you mean BTCUSDT\?/);
  });

  it('garbage refused before any work → a private answer at once; HTML, emoji and long text are harmless', async () => {
    const inputs = [`<b>btc</b><script>alert(1)</script>`, '🚀🚀🚀', 'x'.repeat(500), '@everyone'];
    for (const text of inputs) {
      const { token } = discord.chatInput({ name: 'liqmap', options: [str('symbol', text)], userId: user() });
      const data = (await discord.waitForAnswer(token)).body as { flags: number; content: string; allowed_mentions: { parse: string[] } };
      expect(data.flags).toBe(EPHEMERAL);
      expect(data.content.length).toBeLessThan(400);
      expect(data.content).toMatch(/not a symbol|too long|I don't know/);
      expect(data.allowed_mentions.parse).toEqual([]);
    }
    const { token } = discord.chatInput({ name: 'liqmap', options: [str('symbol', 'btc'), { name: 'range', type: NUMBER, value: 10 }], userId: user() });
    expect((await discord.waitForAnswer(token)).files).toHaveLength(1);
  });

  it('20 users at once for the same map → one fetch, one model run, one render; 20 answers', async () => {
    const before = { ...env.maps.stats };
    const tokens = Array.from({ length: 20 }, () => discord.chatInput({ name: 'liqmap', options: [str('symbol', 'btc'), str('window', '3d')], userId: user() }).token);
    const all = await Promise.all(tokens.map((t) => discord.waitForAnswer(t)));
    expect(all.every((a) => a.files.length === 1)).toBe(true);
    expect(env.maps.stats.renders - before.renders).toBe(1);
    expect(env.maps.stats.modelRuns - before.modelRuns).toBe(1);
    expect(env.maps.stats.fetches - before.fetches).toBe(1);
  });

  it('works in a DM', async () => {
    const { token } = discord.chatInput({ name: 'liqmap', options: [str('symbol', 'eth')], userId: user(), guild: false });
    expect(embedOf(await discord.waitForAnswer(token)).title).toBe('ETH liquidation map · 7d');
  });

  it('autocompletes symbols from the catalogue', async () => {
    const { id, token } = discord.chatInput({ name: 'liqmap', options: [{ name: 'symbol', type: STRING, value: 'et', focused: true }], autocomplete: true, userId: user() });
    const ack = await callback(id, token);
    expect(ack.body).toEqual({ type: 8, data: { choices: [{ name: 'ETH (ETHUSDT)', value: 'ETHUSDT' }] } });
  });

  it('moderator-only commands: refused without Manage Server (privately), run with it', async () => {
    const member = discord.chatInput({ name: 'secret', userId: user() });
    const refused = await discord.waitForAnswer(member.token);
    expect(refused).toMatchObject({ kind: 'callback', body: { flags: EPHEMERAL } });
    expect(String(refused.body?.content)).toContain('for moderators only');
    const mod = discord.chatInput({ name: 'secret', userId: user(), permissions: String(2248473465835073n | MANAGE_GUILD) });
    expect(embedOf(await discord.waitForAnswer(mod.token)).description).toBe('settings changed');
  });

  it('real dispatches that are not its slash commands (a modal submit from 2023, a message) get no reply and break nothing', async () => {
    const load = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/discord/${name}`, import.meta.url), 'utf8')) as { t: string; d: { token?: string } };
    const before = discord.calls.length;
    // Sent as recorded: the 2023 interaction lacks authorizing_integration_owners (discord.js's Client threw on it).
    for (const name of ['interaction-create-modal-submit.json', 'message-create.json']) discord.dispatch(load(name).t, load(name).d);
    const { token } = discord.chatInput({ name: 'liqmap', options: [str('symbol', 'btc')], userId: user() });
    await discord.waitForAnswer(token);
    const modalToken = load('interaction-create-modal-submit.json').d.token!;
    expect(discord.calls.slice(before).filter((c) => c.path.includes(modalToken))).toEqual([]);
    expect(discord.calls.slice(before).every((c) => c.path.includes(token))).toBe(true);
  });

  it('keeps the gateway alive: heartbeats sent and acknowledged, one session (resumed, never identified again)', async () => {
    for (let i = 0; i < 100 && discord.heartbeats < 3; i++) await new Promise((r) => setTimeout(r, 50));
    expect(discord.heartbeats).toBeGreaterThanOrEqual(3);
    expect(discord.identifies).toHaveLength(1);
    expect((await bot.health()).ready).toBe(true);
  });

  it('sends to a destination: ok (with its link button), then gone on 50001 Missing Access', async () => {
    const reply = { text: 'digest', images: [{ png: Buffer.from('x'), name: 'd.png' }], link: { label: 'Open', url: 'https://liqmap.example/m/btc' } };
    expect(await bot.send({ platform: 'discord', channelId: CHANNEL_ID, guildId: '1' }, reply)).toBe('ok');
    const sent = discord.callsTo('POST', new RegExp(`^/channels/${CHANNEL_ID}/messages$`));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.files[0]!.filename).toBe('d.png');
    expect(sent[0]!.body?.components).toEqual([{ type: 1, components: [{ type: 2, style: 5, label: 'Open', url: 'https://liqmap.example/m/btc' }] }]);
    discord.failNext(/^POST \/channels\/\d+\/messages$/, { status: 403, body: { message: 'Missing Access', code: 50001 } });
    expect(await bot.send({ platform: 'discord', channelId: '999' }, { text: 'digest' })).toEqual({ gone: '50001 Missing Access' });
  });
});

describe('limits on Discord (issue 15)', () => {
  it('100 /liqmap in one channel are all answered: Discord does not limit interaction responses per channel', async () => {
    const tokens = Array.from({ length: 100 }, () => discord.chatInput({ name: 'liqmap', options: [str('symbol', 'eth'), str('window', '1d')], userId: user() }).token);
    const answers = await Promise.all(tokens.map((t) => discord.waitForAnswer(t)));
    expect(answers.filter((a) => a.files.length === 1)).toHaveLength(100);
    expect(answers.filter((a) => /try again|Slow down/.test(JSON.stringify(a.body)))).toEqual([]);
  });

  it('a trader asks /liqmap btc, mistypes a symbol, asks /liqmap eth right after: all answered', async () => {
    const who = user();
    const ask = (symbol: string) => discord.waitForAnswer(discord.chatInput({ name: 'liqmap', options: [str('symbol', symbol), str('window', '14d')], userId: who }).token);
    expect(embedOf(await ask('btc')).title).toBe('BTC liquidation map · 14d');
    expect(String((await ask('btx')).body?.content)).toMatch(/Did you mean BTCUSDT/);
    expect(embedOf(await ask('eth')).title).toBe('ETH liquidation map · 14d');
  });

  it('one person: 3 new pictures, then a private "next one in 10 s" for each further new one; maps already shown stay free', async () => {
    const who = user();
    const ask = async (range: number) => discord.waitForAnswer(discord.chatInput({ name: 'liqmap', options: [str('symbol', 'btc'), { name: 'range', type: NUMBER, value: range }], userId: who }).token);
    for (const range of [21, 22, 23]) expect((await ask(range)).files).toHaveLength(1);
    for (const range of [24, 25]) {
      const refused = await ask(range);
      expect(refused.body?.flags).toBe(EPHEMERAL);
      expect(String(refused.body?.content)).toMatch(/That makes 3 new pictures in a row: the next one in \d+ s\./);
    }
    expect((await ask(21)).files).toHaveLength(1);
  });
});

describe('answers under faults (issue 16)', () => {
  it('a 429 with retry_after 90 on the edit: retried within the interaction\'s life, once, and says it was delayed', async () => {
    waits.length = 0;
    const { token } = discord.chatInput({ name: 'slow', userId: user() });
    discord.failNext(new RegExp(`^PATCH /webhooks/${APP_ID}/${token}/`), {
      status: 429,
      body: { message: 'You are being rate limited.', retry_after: 90, global: false },
      headers: { 'retry-after': '90', 'x-ratelimit-scope': 'user' },
    });
    await discord.waitForCall('PATCH', new RegExp(`/${token}/messages/@original$`));
    await settled();
    expect(discord.calls.filter((c) => c.method === 'PATCH' && c.path.includes(token)).map((c) => c.failed ?? 'ok')).toEqual([429, 'ok']);
    expect(waits).toEqual([90_000]);
    expect(embedOf(discord.answers(token)[0]!).description).toMatch(/\nDelayed by 1 min 30 s: Discord asked me to wait\.$/);
  });

  it('502s and a dropped connection on the edit: retried, delivered exactly once', async () => {
    const { token } = discord.chatInput({ name: 'slow', userId: user() });
    const route = new RegExp(`^PATCH /webhooks/${APP_ID}/${token}/`);
    discord.failNext(route, { status: 502, body: { message: 'Bad Gateway' } });
    discord.failNext(route, { status: 0, body: {}, hangUp: true });
    await discord.waitForCall('PATCH', new RegExp(`/${token}/messages/@original$`));
    await settled();
    expect(discord.calls.filter((c) => c.method === 'PATCH' && c.path.includes(token)).map((c) => c.failed ?? 'ok')).toEqual([502, 0, 'ok']);
    expect(edits(token)).toHaveLength(1);
  });

  it('the Discord API gone for a while: the answer arrives once it is back, and /healthz shows it failing meanwhile', async () => {
    const { id, token } = discord.chatInput({ name: 'slow', userId: user() });
    await callback(id, token);
    discord.down = true;
    release();
    for (let i = 0; i < 200 && (await bot.health()).ready; i++) await new Promise((r) => setTimeout(r, 20));
    const failing = await bot.health();
    discord.down = false;
    expect(failing).toMatchObject({ ready: false, reason: expect.stringMatching(/^Discord API failing since .*calls in a row/) });
    await discord.waitForCall('PATCH', new RegExp(`/${token}/messages/@original$`));
    await settled();
    expect(edits(token)).toHaveLength(1);
    expect((await bot.health()).ready).toBe(true);
  });

  it('an answer Discord refuses for good: the placeholder is replaced by a short apology', async () => {
    const { token } = discord.chatInput({ name: 'slow', userId: user() });
    discord.failNext(new RegExp(`^PATCH /webhooks/${APP_ID}/${token}/`), { status: 413, body: { message: 'Request entity too large', code: 40005 } });
    await discord.waitForCall('PATCH', new RegExp(`/${token}/messages/@original$`));
    await settled();
    const ok = edits(token);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.body).toMatchObject({ content: 'Sorry, my answer to /slow could not be delivered. Please try again.', embeds: [], attachments: [] });
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  });
});

describe('gateway shards per instance (DISCORD_SHARDS)', () => {
  it('identifies with the shard ids and count it is given, not the recommended count', async () => {
    const fake = await new FakeDiscord().start();
    const env2 = testServices();
    const sharded = new DiscordBot({
      token: fake.token,
      apiUrl: fake.apiUrl,
      runtime: new CommandRuntime(env2.services),
      log: env2.services.log,
      interactions: { kind: 'gateway', shards: { ids: [1, 3], count: 4 } },
    });
    try {
      await sharded.start();
      expect((fake.identifies as { shard: number[] }[]).map((d) => d.shard).sort()).toEqual([
        [1, 4],
        [3, 4],
      ]);
      expect((await sharded.health()).ready).toBe(true);
    } finally {
      await sharded.stop();
      await fake.close();
    }
  });
});
